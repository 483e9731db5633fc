"""The dashboard's tokens: the session cookie's JWT (PyJWT, HS256) and the CSRF tokens of its forms, each made
with its own key derived from DASHBOARD_KEY. Pure: the clock is passed in.

The JWT is short-lived (TOKEN_LIFE) and names a session row (`sid`) that PostgreSQL checks on every request, so
logging out or deactivating a person ends access at once; it is re-issued while in use, never beyond the
session's own end. The CSRF token is an HMAC of a random per-browser id (its own cookie) under the CSRF key: a
form posted from another site cannot know it (signed double-submit).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from shared.ports import StaffSession

SESSION_COOKIE = "tumbuh_sesi"
BROWSER_COOKIE = "tumbuh_peramban"  # the random id the CSRF token is bound to
ALGORITHM = "HS256"
AUDIENCE = "tumbuh-dashboard"
TOKEN_LIFE = timedelta(minutes=15)
REFRESH_BELOW = timedelta(minutes=10)  # a token with less life left is re-issued on the next request


@dataclass(frozen=True)
class Keys:
    """The keys the dashboard signs with, each derived from the DASHBOARD_KEY secret for one purpose."""

    jwt: bytes
    csrf: bytes
    login: bytes  # the HMAC of one-time codes (shared.services.staff_login)

    @classmethod
    def from_secret(cls, secret: str) -> "Keys":
        def derive(purpose: str) -> bytes:
            return hmac.new(secret.encode("utf-8"), f"tumbuh dashboard {purpose}".encode(), hashlib.sha256).digest()
        return cls(derive("jwt"), derive("csrf"), derive("login code"))

    def __repr__(self) -> str:
        return "Keys(...)"


@dataclass(frozen=True)
class Claims:
    session_id: str
    staff_id: int
    expires: datetime

    def needs_refresh(self, now: datetime) -> bool:
        return self.expires - now < REFRESH_BELOW


def issue(keys: Keys, session: StaffSession, now: datetime) -> tuple[str, datetime]:
    """A token for the session and when it expires: TOKEN_LIFE from now, never past the session's end."""
    expires = min(now + TOKEN_LIFE, session.expires_at)
    token = jwt.encode({"sid": session.id, "sub": str(session.staff_id), "aud": AUDIENCE, "iat": now,
                        "exp": expires}, keys.jwt, algorithm=ALGORITHM)
    return token, expires


def read(keys: Keys, token: str | None, now: datetime) -> Claims | None:
    """The token's claims when it is ours, unaltered and unexpired at `now`; None for anything else."""
    if not token:
        return None
    try:
        claims = jwt.decode(token, keys.jwt, algorithms=[ALGORITHM], audience=AUDIENCE,
                            options={"require": ["exp", "sid", "sub", "aud"], "verify_exp": False})
        expires = datetime.fromtimestamp(int(claims["exp"]), tz=now.tzinfo)
        staff_id = int(claims["sub"])
        session_id = str(claims["sid"])
    except (jwt.PyJWTError, ValueError, TypeError, KeyError, OverflowError):
        return None
    if expires <= now:  # checked against the clock passed in, not the machine's
        return None
    return Claims(session_id, staff_id, expires)


def new_browser_id() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(keys: Keys, browser_id: str) -> str:
    return hmac.new(keys.csrf, browser_id.encode(), hashlib.sha256).hexdigest()


def csrf_ok(keys: Keys, browser_id: str | None, token: str | None) -> bool:
    return bool(browser_id and token) and hmac.compare_digest(csrf_token(keys, browser_id or ""), token or "")
