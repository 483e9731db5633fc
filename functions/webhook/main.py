"""WhatsApp Cloud API webhook. Parsing, rules and I/O live in shared/; this file only routes."""
from datetime import datetime, timezone

import functions_framework

from shared import runtime
from shared.whatsapp import webhook

_instance = runtime.Instance("whatsapp_webhook")


@functions_framework.http
def whatsapp_webhook(request):
    """GET: Meta verifies the URL once. POST: a signed batch of updates."""

    def handle(app):
        if request.method == "GET":
            return webhook.answer_challenge(request.args, app.settings.wa_verify_token)
        if request.method != "POST":
            return "method not allowed", 405
        body = request.get_data()
        if rejected := webhook.check_signature(body, request.headers, app.settings.wa_app_secret):
            return rejected
        try:
            updates = webhook.parse_updates(webhook.parse_envelope(body))
        except webhook.BadPayload:
            return "bad request", 400
        return app.handle_updates(updates, datetime.now(timezone.utc)), 200

    return _instance.guarded(request, handle)
