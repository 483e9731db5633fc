"""WhatsApp Cloud API webhook, the kader edits the Sheet pushes (/sheet-edits) and Cloud Monitoring's alerts for the
operators (/ops/alert). Parsing, rules and I/O live in shared/; this file only routes."""
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import functions_framework
from flask import Request

from shared import runtime
from shared.config import Settings
from shared.services import alerts, sheet_edits
from shared.sheet import push
from shared.whatsapp import webhook

_instance = runtime.Instance("whatsapp_webhook")


@functions_framework.http
def whatsapp_webhook(request: Request):
    """GET: Meta verifies the URL once. POST: a signed batch of updates. Anyone can reach this, so the body is
    bounded and its signature checked before the App (database, migrations) is built or touched."""
    started = time.monotonic()  # the batch's time budget counts from here: cold start and body read included

    def handle(settings: Settings, body: bytes):
        if request.path.rstrip("/") == push.PATH:
            return sheet_push(request, settings, body)
        if request.path.rstrip("/") == alerts.PATH:
            return operator_alert(request, settings, body)
        if request.method == "GET":
            return webhook.answer_challenge(request.args, settings.wa_verify_token)
        if request.method != "POST":
            return "method not allowed", 405
        if rejected := webhook.check_signature(body, request.headers, settings.wa_app_secret):
            return rejected
        try:
            updates = webhook.parse_updates(webhook.parse_envelope(body))
        except webhook.BadPayload:
            return "bad request", 400
        return _instance.app().handle_updates(updates, datetime.now(timezone.utc), started=started), 200

    return _instance.public(request, handle)


def sheet_push(request: Request, settings: Settings, body: bytes):
    """A kader's edit, pushed by the Sheet's trigger: checked like Meta's signature (with its own secret), taken
    once (a replayed request id is answered but not taken again), and taken as the reconcile takes it."""
    if request.method != "POST":
        return "method not allowed", 405
    try:
        edit = push.read_push(body, request.headers.get(push.SIGNATURE_HEADER) or "",
                              (settings.sheet_edit_secret, settings.sheet_edit_secret_previous), time.time())
    except push.Refused as refused:
        return refused.answer
    app = _instance.app()
    if not app.conversations.claim_once(f"sheet-push:{edit.request_id}", push.REPLAY_TTL_S):
        return {"ok": True, "replay": True}, 200
    today = datetime.now(timezone.utc).astimezone(ZoneInfo(settings.tz_default)).date()
    taken = sheet_edits.take_rows(app.records, edit.spreadsheet_id, edit.tab, edit.rows, today)
    return {"ok": True, "taken": taken.counts()}, 200


def operator_alert(request: Request, settings: Settings, body: bytes):
    """An alert policy's notification (a webhook_tokenauth channel: the token is in the URL), sent on to the
    operators' WhatsApp; the token and body are checked before the App is built."""
    if request.method != "POST":
        return "method not allowed", 405
    return alerts.notify(_instance.app, settings.operator_wa, settings.alert_token, body,
                         request.args.get(alerts.TOKEN_PARAM, ""), datetime.now(timezone.utc))
