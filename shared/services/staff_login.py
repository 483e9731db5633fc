"""Signing staff in to the dashboard: a one-time code sent to their WhatsApp number opens a session.

No I/O but through the ports (StaffAccess, LoginGuard, Messenger); the clock comes in as `now`. Nothing here tells
a caller who is staff: a number Tumbuh does not know gets the same answer as a staff member's. Logs carry keyed
pseudonyms and outcome keys only, never a number or a code. The web layer (shared.dashboard) calls this module alone.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from datetime import datetime, timedelta

from shared.domain.model import Staff
from shared.errors import ConfigError, PermanentError, TransientError
from shared.events import Event, emit
from shared.flows.parsers import Invalid, parse_phone
from shared.logs import wa_hash
from shared.ports import LoginGuard, Messenger, StaffAccess, StaffSession
from shared.whatsapp.outgoing import Template
from shared.whatsapp.payloads import build_message

log = logging.getLogger(__name__)

CODE_DIGITS = 6  # 10^6 codes against at most MAX_TRIES x CODES_PER_NUMBER guesses a window
CODE_TTL_S = 600  # a code lives 10 minutes (the template's footer says so: docs/whatsapp-templates.md)
MAX_TRIES = 5  # wrong codes before the code is gone
CODES_PER_NUMBER, NUMBER_WINDOW_S = 3, 900  # codes sent to one number per 15 minutes
REQUESTS_PER_ADDRESS, ADDRESS_WINDOW_S = 20, 900  # per address: code requests; sign-ins counted apart
SESSION_HOURS = 12  # the absolute life of a session, however much it is used
LOGIN_TEMPLATE = "tumbuh_kode_masuk"  # Meta authentication template (docs/whatsapp-templates.md)
TEMPLATE_LANGUAGES = ("id", "en")  # the languages it is approved in

# Outcome keys for the web layer (it shows one text for each).
CODE_SENT = "code_sent"  # said for a staff member's number and for any other alike
BAD_NUMBER = "bad_number"  # not a number as people type one
BAD_CODE = "bad_code"  # wrong, expired or used: one answer for all
TOO_MANY = "too_many"  # rate limited
SIGNED_IN = "signed_in"  # the dashboard.sign_in event's outcome when a session opens

_CODE_JUNK = re.compile(r"[\s\-]")  # "123 456", "123-456"


def normalise_number(text: str) -> str | None:
    """An Indonesian mobile number as people type it ("0812-3456-7890", "+62 812 3456 7890", "62812…", "812…") as
    Meta's wa_id ("62812…"); None when it is not a plausible one."""
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    if stripped.startswith("8"):  # typed without the leading 0, as after a printed "+62"
        stripped = "0" + stripped
    number = parse_phone(stripped)
    return None if isinstance(number, Invalid) else number


def request_code(staff: StaffAccess, guard: LoginGuard, messenger: Messenger, number_text: str, address: str,
                 now: datetime, secret: bytes, language: str = "id") -> str:
    """Send a sign-in code to a staff member's WhatsApp number; returns CODE_SENT, BAD_NUMBER or TOO_MANY.

    An unknown or deactivated number is counted, and a code made and stored for it, like a staff member's, but
    nothing is sent, and the answer is the same CODE_SENT. A send that fails is logged and answered CODE_SENT as
    well (saying otherwise would tell who is staff); the person asks again.

    Args:
        address: the client's address as the web layer sees it (only a keyed hash of it is kept).
        now: the time of the request (the limits' windows are Redis's own, so nothing depends on it yet).
        secret: the key of every hash this module makes (codes, addresses); never empty.
        language: the page's language, for a staff member whose own the template does not have.
    """
    _check_secret(secret)
    checked = _address_and_number(guard, secret, "addr", address, number_text, "sign-in code refused")
    if isinstance(checked, str):
        return checked
    number, wa = checked
    if not guard.allow(f"login:num:{wa}", CODES_PER_NUMBER, NUMBER_WINDOW_S):
        emit(log, Event.DASHBOARD_SIGN_IN, logging.WARNING, words="sign-in code refused", step="code",
             outcome=TOO_MANY, limit="number", wa=wa)
        return TOO_MANY
    member = staff.active_staff(number)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"  # leading zeros are codes too
    guard.put_code(_code_key(wa), _code_hash(secret, number, code), CODE_TTL_S)
    if member is not None:
        _send_code(messenger, member, number, code, language, wa)
    emit(log, Event.DASHBOARD_SIGN_IN, words="sign-in code requested", step="code", outcome=CODE_SENT, wa=wa,
         staff=member is not None)
    return CODE_SENT


def _address_and_number(guard: LoginGuard, secret: bytes, bucket: str, address: str, number_text: str,
                        refused: str) -> tuple[str, str] | str:
    """The per-address limit (its own bucket for asking and for signing in), then the number read: (number, its
    pseudonym), or the outcome key TOO_MANY or BAD_NUMBER (logged as `refused`)."""
    if not guard.allow(f"login:{bucket}:{_keyed(secret, 'addr', address)}", REQUESTS_PER_ADDRESS, ADDRESS_WINDOW_S):
        emit(log, Event.DASHBOARD_SIGN_IN, logging.WARNING, words=refused, step=bucket, outcome=TOO_MANY,
             limit="address")
        return TOO_MANY
    number = normalise_number(number_text)
    if number is None:
        emit(log, Event.DASHBOARD_SIGN_IN, words=refused, step=bucket, outcome=BAD_NUMBER)
        return BAD_NUMBER
    return number, wa_hash(number)


def sign_in(staff: StaffAccess, guard: LoginGuard, number_text: str, code_text: str, address: str, now: datetime,
            secret: bytes) -> StaffSession | str:
    """A new session for the staff member whose number and code these are, or an outcome key: BAD_NUMBER,
    BAD_CODE (wrong, expired, used, or the person deactivated since), TOO_MANY (this address tried too often).

    A code is taken once: right, it opens this session and is gone; wrong, it counts one of MAX_TRIES.
    """
    _check_secret(secret)
    checked = _address_and_number(guard, secret, "signin", address, number_text, "sign-in refused")
    if isinstance(checked, str):
        return checked
    number, wa = checked
    code = _CODE_JUNK.sub("", code_text) if isinstance(code_text, str) else ""
    if not (len(code) == CODE_DIGITS and code.isascii() and code.isdigit()):
        emit(log, Event.DASHBOARD_SIGN_IN, words="sign-in refused", step="signin", outcome=BAD_CODE, wa=wa,
             typed="not_a_code")
        return BAD_CODE  # no code can look like this: no try is counted
    if not guard.take_code(_code_key(wa), _code_hash(secret, number, code), MAX_TRIES):
        emit(log, Event.DASHBOARD_SIGN_IN, words="sign-in refused", step="signin", outcome=BAD_CODE, wa=wa)
        return BAD_CODE
    member = staff.active_staff(number)
    if member is None:  # deactivated since the code was sent, or never staff
        emit(log, Event.DASHBOARD_SIGN_IN, words="sign-in refused", step="signin", outcome=BAD_CODE, wa=wa,
             staff=False)
        return BAD_CODE
    session = staff.open_session(member.id, secrets.token_urlsafe(32), now + timedelta(hours=SESSION_HOURS))
    emit(log, Event.DASHBOARD_SIGN_IN, words="staff signed in", step="signin", outcome=SIGNED_IN, wa=wa,
         staff_id=member.id)
    return session


def current(staff: StaffAccess, session_id: str, now: datetime) -> Staff | None:
    """The staff member a session belongs to while it holds (not revoked, not expired, the person still active)."""
    if not session_id:
        return None
    return staff.session_staff(session_id, now)


def sign_out(staff: StaffAccess, session_id: str, now: datetime) -> None:
    """End a session (logout); signing out twice is harmless."""
    if session_id:
        staff.close_session(session_id, now)


def _send_code(messenger: Messenger, member: Staff, number: str, code: str, language: str, wa: str) -> None:
    """Send the code as the authentication template; a failure is logged, never raised (see request_code)."""
    lang = member.language if member.language in TEMPLATE_LANGUAGES else \
        (language if language in TEMPLATE_LANGUAGES else TEMPLATE_LANGUAGES[0])
    # Built outside the try: a body Meta would refuse is a bug to see, not a send failure to hide.
    body = build_message(number, Template(LOGIN_TEMPLATE, lang, body_params=(code,), copy_code=code))
    try:
        messenger.send(body)
    except (TransientError, PermanentError) as exc:
        log.warning("sign-in code not sent", extra={"ctx": {"wa": wa, "error": type(exc).__name__}})


def _check_secret(secret: bytes) -> None:
    if not isinstance(secret, bytes) or len(secret) < 16:
        raise ConfigError("the sign-in secret must be at least 16 bytes")


def _keyed(secret: bytes, purpose: str, value: str) -> str:
    """A keyed hash of a value for a Redis key (32 hex characters): the value cannot be read back from it."""
    return hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def _code_key(wa: str) -> str:
    return f"login:code:{wa}"


def _code_hash(secret: bytes, number: str, code: str) -> str:
    """HMAC-SHA256(secret, number + ":" + code): what Redis keeps of a code, tied to the number it was sent to."""
    return hmac.new(secret, f"{number}:{code}".encode(), hashlib.sha256).hexdigest()
