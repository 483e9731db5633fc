"""Operator alerts: Cloud Monitoring's alert policies notify the operators' WhatsApp through the webhook function.

POST /ops/alert?token=ALERT_TOKEN, from a notification channel of type webhook_tokenauth: that type has only a URL
label, so the token rides in the URL's query, and is compared in constant time. The body is Cloud Monitoring's
incident JSON (schema version 1.2): {"incident": {"incident_id", "policy_name", "state": "open"|"closed",
"started_at" (Unix seconds), "policy_user_labels", "summary", "url", ...}, "version": "1.2"}. Each operator gets the
utility template ALERT_TEMPLATE (an operator who has not written within 24 hours can get nothing else), "open" at
most once per policy per OPEN_EVERY_S, "closed" once per incident. No phone number, policy text or summary is logged:
the incident id's hash, the state and counts only. No I/O but through the ports; the clock comes in as `now`.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Protocol
from zoneinfo import ZoneInfo

from shared.errors import PermanentError, TransientError
from shared.flows.messages import render
from shared.logs import wa_hash
from shared.ports import Conversations, Messenger
from shared.services.staff_login import normalise_number
from shared.whatsapp.outgoing import Template
from shared.whatsapp.payloads import build_message

log = logging.getLogger(__name__)

PATH = "/ops/alert"
TOKEN_PARAM = "token"  # the query parameter of the channel's URL that carries ALERT_TOKEN
ALERT_TEMPLATE = "tumbuh_peringatan_operator"  # Meta utility template (docs/whatsapp-templates.md)
TEMPLATE_LANGUAGE = "id"  # approved in id and en; operators read Bahasa Indonesia
OPEN_EVERY_S = 30 * 60  # one "open" per policy per operator in this long: a flapping policy must not flood a phone
CLOSED_KEPT_S = 7 * 24 * 3600  # a closed incident's send is remembered a week, far past any redelivery
WIB = ZoneInfo("Asia/Jakarta")  # the operators' clock (UTC+7), named in the template's words
POLICY_MAX = 200  # characters of the policy name sent (ours are under 80; Meta's parameter limit is 1024)
INCIDENT_ID_MAX = 256  # Cloud Monitoring's ids look like "0.lj2va6zdkemq"; anything far longer is not one
STATE_WORDS = {"open": "alert_opened", "closed": "alert_closed"}  # catalogue keys (shared/flows/messages.py)
_LABEL = re.compile(r"[a-z0-9_-]{1,63}")  # a Cloud Monitoring user label value (our `alert` label: webhook-5xx)
_LATEST_S = 10 ** 11  # a started_at past this (year 5138) is not Unix seconds

NOT_FOUND = ("not found", 404)  # no operator number (or no token) configured: operator alerts are off
FORBIDDEN = ("forbidden", 403)
BAD_REQUEST = ("bad request", 400)


class BadIncident(ValueError):
    """The body is not a Cloud Monitoring incident we can tell an operator about (answered 400, never 500)."""


@dataclass(frozen=True)
class Incident:
    """What an operator is told of one incident notification; `ref` is the id's hash, the one thing logged."""

    ref: str  # 16 hex characters of SHA-256 of the incident id
    policy: str  # the policy's display name, on one line and at most POLICY_MAX characters
    state: str  # "open" or "closed"
    started_at: datetime | None  # None when the notification does not say
    code: str  # the policy's `alert` user label (its section in docs/operations.md), else the ref's first 8


class AlertPorts(Protocol):
    """What sending needs of the App: the Redis store (throttle claims) and the Graph API client."""

    conversations: Conversations
    messenger: Messenger


def read_incident(body: bytes) -> Incident:
    """The incident of a Cloud Monitoring webhook body; BadIncident for anything else. Pure.

    Unknown fields are ignored (the schema grows); the state is read in any letter case.
    """
    try:
        envelope = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadIncident("body is not JSON") from exc
    incident = envelope.get("incident") if isinstance(envelope, dict) else None
    if not isinstance(incident, dict):
        raise BadIncident("no incident object")
    incident_id = incident.get("incident_id")
    if not isinstance(incident_id, str) or not incident_id.strip() or len(incident_id) > INCIDENT_ID_MAX:
        raise BadIncident("incident_id missing or malformed")
    policy = incident.get("policy_name")
    policy = " ".join(policy.split()) if isinstance(policy, str) else ""  # Meta refuses new lines, tabs, 5+ spaces
    if not policy:
        raise BadIncident("policy_name missing")
    if len(policy) > POLICY_MAX:
        policy = policy[:POLICY_MAX - 1].rstrip() + "…"
    state = incident.get("state")
    state = state.strip().lower() if isinstance(state, str) else ""
    if state not in STATE_WORDS:
        raise BadIncident("state is neither open nor closed")
    ref = hashlib.sha256(incident_id.strip().encode()).hexdigest()[:16]
    labels = incident.get("policy_user_labels")
    label = labels.get("alert") if isinstance(labels, dict) else None
    code = label if isinstance(label, str) and _LABEL.fullmatch(label) else ref[:8]
    return Incident(ref=ref, policy=policy, state=state, started_at=_started(incident.get("started_at")), code=code)


def _started(value) -> datetime | None:
    """started_at as Unix seconds (a number, or digits in a string); None when absent; BadIncident otherwise."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < _LATEST_S:
        raise BadIncident("started_at is not Unix seconds")
    return datetime.fromtimestamp(value, timezone.utc)


def template_params(incident: Incident, now: datetime, lang: str = TEMPLATE_LANGUAGE) -> tuple[str, ...]:
    """The template's four body parameters: policy name, state in words, start in WIB (else `now`), code. Pure."""
    started = (incident.started_at or now).astimezone(WIB)
    when = render("alert_started", lang, day=started.date(), hours=f"{started.hour:02d}",
                  minutes=f"{started.minute:02d}")
    return incident.policy, render(STATE_WORDS[incident.state], lang), when, incident.code


def operators(numbers: tuple[str, ...]) -> tuple[list[str], int]:
    """OPERATOR_WA's numbers as wa_ids (as staff numbers are read), each once, and how many could not be read."""
    read = [normalise_number(n) for n in numbers]
    return list(dict.fromkeys(n for n in read if n)), sum(1 for n in read if n is None)


def notify(ports: Callable[[], AlertPorts], operator_wa: tuple[str, ...], alert_token: str, body: bytes,
           token: str, now: datetime) -> tuple[dict | str, int]:
    """Answer one Cloud Monitoring notification: (JSON or words, HTTP status).

    404 while operator alerts are off (no readable OPERATOR_WA number, or no ALERT_TOKEN), 403 for a wrong or missing
    token, 400 for a body that is not an incident; all three before `ports()` builds the App. Otherwise each operator
    is sent the template unless throttled, and 200 says how many were sent, throttled and failed (a send that fails
    is counted, not retried: a redelivery would find its claim taken).

    Args:
        ports: makes (or returns) the App, only once the request is accepted.
        operator_wa: the numbers as configured (Settings.operator_wa); alert_token: ALERT_TOKEN.
        token: the request's `token` query parameter ("" when absent).
    """
    numbers, unreadable = operators(operator_wa)
    if unreadable:
        log.warning("OPERATOR_WA holds numbers that are not Indonesian mobile numbers; they get no alerts",
                    extra={"ctx": {"unreadable": unreadable}})
    if not numbers or not alert_token:
        log.info("operator alert ignored: no OPERATOR_WA number or no ALERT_TOKEN", extra={"ctx": {"reason": "off"}})
        return NOT_FOUND
    # Bytes: compare_digest refuses str beyond ASCII, and a token is whatever a caller typed.
    if not hmac.compare_digest(token.encode("utf-8", "replace"), alert_token.encode("utf-8", "replace")):
        log.warning("operator alert refused", extra={"ctx": {"reason": "token", "given": bool(token)}})
        return FORBIDDEN
    try:
        incident = read_incident(body)
    except BadIncident:
        log.warning("operator alert refused", extra={"ctx": {"reason": "body"}})
        return BAD_REQUEST
    app = ports()
    params = template_params(incident, now)
    counts = {"sent": 0, "throttled": 0, "failed": 0}
    for number in numbers:
        wa = wa_hash(number)
        key = f"alert:open:{_policy_ref(incident.policy)}:{wa}" if incident.state == "open" else \
            f"alert:closed:{incident.ref}:{wa}"
        if not app.conversations.claim_once(key, OPEN_EVERY_S if incident.state == "open" else CLOSED_KEPT_S):
            counts["throttled"] += 1
            continue
        # Built outside the try: a body Meta would refuse is a bug to see, not a send failure to count.
        message = build_message(number, Template(ALERT_TEMPLATE, TEMPLATE_LANGUAGE, body_params=params))
        try:
            app.messenger.send(message)
        except (TransientError, PermanentError) as exc:
            counts["failed"] += 1
            log.warning("operator alert not sent", extra={"ctx": {"wa": wa, "error": type(exc).__name__}})
        else:
            counts["sent"] += 1
    log.info("operator alert", extra={"ctx": {"incident": incident.ref, "state": incident.state,
                                              "operators": len(numbers), **counts}})
    return {"ok": True, **counts}, 200


def _policy_ref(policy: str) -> str:
    return hashlib.sha256(policy.encode()).hexdigest()[:16]
