"""WhatsApp Cloud API webhook. Parsing, rules and I/O live in shared/; this file only routes."""
import time
from datetime import datetime, timezone

import functions_framework
from flask import Request

from shared import runtime
from shared.config import Settings
from shared.whatsapp import webhook

_instance = runtime.Instance("whatsapp_webhook")


@functions_framework.http
def whatsapp_webhook(request: Request):
    """GET: Meta verifies the URL once. POST: a signed batch of updates. Anyone can reach this, so the body is
    bounded and its signature checked before the App (database, migrations) is built or touched."""
    started = time.monotonic()  # the batch's time budget counts from here: cold start and body read included

    def handle(settings: Settings, body: bytes):
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
