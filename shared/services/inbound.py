"""Inbound WhatsApp updates: what the webhook does with a signed, well-formed envelope.

Today it acknowledges and counts; the conversation work (claim each message id, advance the flow, reply)
lands here with its issue.
"""
from __future__ import annotations

import logging

from shared.whatsapp.webhook import count_updates

log = logging.getLogger(__name__)


def accept(app, envelope: dict) -> tuple[dict, int]:
    """Acknowledge a batch so Meta stops redelivering it; answer with what it held."""
    messages, statuses = count_updates(envelope)
    log.info("webhook batch received", extra={"ctx": {"messages": messages, "statuses": statuses}})
    return {"received": {"messages": messages, "statuses": statuses}}, 200
