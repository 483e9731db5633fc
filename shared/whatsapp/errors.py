"""Typed errors for sending WhatsApp messages, keyed by Meta's Cloud API error `code` (pure: no I/O, no HTTP client).

Each subclasses TransientError (retry later) or PermanentError (retrying will not help) from shared.errors, so entry
points need not know WhatsApp; `error_for()` turns a Graph API error answer into the right class.
"""
from __future__ import annotations

from typing import TypedDict

from shared.errors import AppError, PermanentError, TransientError


class WhatsAppError(AppError):
    """Mixin carrying what Meta said: `code` (None when Meta never answered), HTTP status, details, trace id.
    Every concrete class also derives from TransientError or PermanentError, which say what to do about it."""

    code: int | None = None

    def __init__(self, message: str = "", *, code: int | None = None, http_status: int | None = None,
                 details: str = "", fbtrace_id: str = ""):
        super().__init__(message)
        if code is not None:
            self.code = code
        self.http_status = http_status
        self.details = details
        self.fbtrace_id = fbtrace_id


class WhatsAppTransient(WhatsAppError, TransientError):
    """Meta's Graph API is unreachable, timed out, answered 5xx or said to come back later."""


class WhatsAppPermanent(WhatsAppError, PermanentError):
    """Meta refused the request and the same request will be refused again (any 4xx not covered below)."""


class RateLimited(WhatsAppTransient):
    """A throughput, pair-rate or account rate limit: retry after `retry_after_s` seconds, coalescing messages."""

    def __init__(self, message: str = "", *, retry_after_s: float = 60.0, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after_s = retry_after_s


class OutsideWindow(WhatsAppPermanent):
    """More than 24 h since the person last wrote: only an approved template may be sent (resend as one)."""

    code = 131047


class Unreachable(WhatsAppPermanent):
    """The number cannot receive WhatsApp messages (not on WhatsApp, old app, terms not accepted): tell the kader."""

    code = 131026


class StoppedBusinessMessages(WhatsAppPermanent):
    """The person stopped this business's marketing messages (131050): nothing more unasked (no reminders)."""

    code = 131050


class SpamLimited(WhatsAppPermanent):
    """Meta withheld the message (spam rate limit or ecosystem engagement cap): stop non-essential sends."""


class AuthFailed(WhatsAppPermanent):
    """The access token is expired or wrong: every send will fail until an operator replaces it."""

    code = 190


class TemplateError(WhatsAppPermanent):
    """The template name, language or parameters do not match what Meta approved: a developer must fix it."""


class InvalidMessage(WhatsAppPermanent, ValueError):
    """A message Meta refuses as built (Meta's code 100): raised by the payload builder before sending, naming `field`.

    Also raised when Meta itself answers code 100, which means the builder missed a rule: a bug worth a unit test.
    """

    code = 100

    def __init__(self, message: str = "", *, field: str = "", **kwargs):
        super().__init__(message, **kwargs)
        self.field = field


class MessageTooLong(InvalidMessage):
    """A text field is longer than Meta allows (counted in UTF-16 code units, see payloads.char_len)."""


# Meta's Cloud API error codes (reference/whatsapp.md B7, B8), grouped by what the caller must do.
OUTSIDE_WINDOW_CODES = frozenset({131047})  # B8: re-engagement message, outside the 24 h window
UNREACHABLE_CODES = frozenset({131026})  # B8: message undeliverable
STOPPED_BUSINESS_CODES = frozenset({131050})  # B8 table: user stopped marketing messages; respect it
SPAM_CODES = frozenset({131048, 131049})  # B7/B8: spam rate limit hit; not delivered for ecosystem engagement
AUTH_CODES = frozenset({190})  # B5/B8: access token expired or invalid
INVALID_CODES = frozenset({100})  # B8: invalid parameter
# What Meta answers for an image sent by a media id it no longer keeps (uploads live 30 days): invalid parameter, or
# media upload error. The sender uploads the picture once more rather than losing it.
MEDIA_GONE_CODES = frozenset({100, 131053})
TEMPLATE_CODES = frozenset({132000, 132001, 132012})  # B8: param count, template/language missing, param format
# Suggested wait before retrying, in seconds, per rate-limit code.
RETRY_AFTER_S = {
    130429: 1.0,  # B7: throughput (80 msg/s per number) exceeded; a second later there is room again
    131056: 6.0,  # B7: pair rate limit, about 1 message per 6 s to the same person
    131057: 60.0,  # B7: throughput upgrade in progress (account in maintenance mode); minutes, not seconds
    80007: 60.0,  # B8: WABA/app rate limit (dualhook); Meta gives no figure, back off a minute
    4: 60.0,  # Graph API "application request limit reached" (pywa ToManyAPICalls); unverified in B8
}
# Codes that say "temporarily unavailable" whatever the HTTP status (Graph API code 2, Cloud API 131016;
# listed in pywa's error catalogue as ServiceUnavailable / API service; not in reference B8, so unverified).
UNAVAILABLE_CODES = frozenset({1, 2, 131016})


class Said(TypedDict):
    """What Meta said about a refused request, as WhatsAppError's keyword arguments."""

    code: int | None
    http_status: int | None
    details: str
    fbtrace_id: str


def error_for(http_status: int | None, error: dict | None, retry_after_s: float | None = None) -> WhatsAppError:
    """The typed error for a Graph API error answer (`error` is the body's "error" object, or None if unreadable).

    Args:
        http_status: the HTTP status of the answer, None when there was no answer.
        error: Meta's {"message", "type", "code", "error_data": {"details"}, "fbtrace_id"} object, or None.
        retry_after_s: a Retry-After header value, preferred over the per-code suggestion when given.
    """
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    code = code if isinstance(code, int) else None
    data = error.get("error_data")
    details = str(data.get("details") or "") if isinstance(data, dict) else str(data or "")
    kwargs = Said(code=code, http_status=http_status, details=details,
                  fbtrace_id=str(error.get("fbtrace_id") or ""))
    text = f"Graph API error code {code} (HTTP {http_status}): {error.get('message') or 'no message'}"
    if details:
        text += f" ({details})"

    if code in RETRY_AFTER_S:
        return RateLimited(text, retry_after_s=retry_after_s or RETRY_AFTER_S[code], **kwargs)
    if code in OUTSIDE_WINDOW_CODES:
        return OutsideWindow(text, **kwargs)
    if code in UNREACHABLE_CODES:
        return Unreachable(text, **kwargs)
    if code in STOPPED_BUSINESS_CODES:
        return StoppedBusinessMessages(text, **kwargs)
    if code in SPAM_CODES:
        return SpamLimited(text, **kwargs)
    if code in AUTH_CODES:
        return AuthFailed(text, **kwargs)
    if code in TEMPLATE_CODES:
        return TemplateError(text, **kwargs)
    if code in INVALID_CODES:
        return InvalidMessage(text, **kwargs)
    if code in UNAVAILABLE_CODES or error.get("is_transient") is True:
        return WhatsAppTransient(text, **kwargs)
    if http_status == 429:
        return RateLimited(text, retry_after_s=retry_after_s or 60.0, **kwargs)
    if http_status == 401:  # an auth refusal without Meta's body (a proxy, a revoked app)
        return AuthFailed(text, **kwargs)
    if http_status is None or http_status >= 500 or http_status in (408,):
        return WhatsAppTransient(text, **kwargs)
    return WhatsAppPermanent(text, **kwargs)
