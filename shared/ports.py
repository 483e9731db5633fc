"""Ports: what services need from the outside world, as Protocols. Adapters implement them; services use them.

Each later capability widens its port here (the conversation work adds records and sends, the Sheet bridge adds
row sync, the backup adds blob writes); every adapter of a port passes the same contract tests.
"""
from __future__ import annotations

from typing import Protocol


class Records(Protocol):
    """The source of truth (PostgreSQL)."""

    def ping(self) -> bool:
        """True when the store answers."""


class Conversations(Protocol):
    """Short-lived conversation state and message-id claims (Redis)."""

    def ping(self) -> bool:
        """True when the store answers."""

    def claim(self, message_id: str) -> bool:
        """True only the first time a WhatsApp message id is seen (Meta redelivers)."""

    def release(self, message_id: str) -> None:
        """Give a claim back after a transient failure, so the redelivery is processed."""

    def load(self, wa_id: str) -> dict | None:
        """One person's live conversation state, or None."""

    def save(self, wa_id: str, state: dict) -> None:
        """Save one person's conversation state with a time-out."""

    def forget(self, wa_id: str) -> None:
        """Drop one person's conversation state."""


class Messenger(Protocol):
    """Sends WhatsApp messages (Meta's Graph API, or the local stand-in at the same contract)."""


class SheetSync(Protocol):
    """Mirrors records into the kader's Google Sheet (Apps Script web app, or a local workbook)."""


class BlobStore(Protocol):
    """Stores backups (Cloud Storage, or a local folder)."""
