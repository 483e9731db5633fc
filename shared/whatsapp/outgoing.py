"""What Tumbuh sends, as plain values: text, reply buttons, lists, templates and images (no I/O).

Services build these from catalogue text and turn each into its Graph API body once (whatsapp.payloads), which is
what the outbox keeps and the Messenger sends. The limits are Meta's (reference/whatsapp.md) and are enforced where
the body is built, so a message that Meta would refuse is caught in our tests, not in production.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Text:
    """A plain text message (body up to 4096 characters)."""

    body: str
    preview_url: bool = False


@dataclass(frozen=True)
class Button:
    """One reply button: the id comes back in the button_reply, the title is shown (max 20 characters)."""

    id: str
    title: str


@dataclass(frozen=True)
class Buttons:
    """An interactive message with 1–3 reply buttons (body up to 1024 characters), headed by a short text or by
    an already uploaded image (image_id, Meta's media id): a growth chart rides above the advice this way, so a
    result still fits in two messages."""

    body: str
    buttons: tuple[Button, ...]
    header: str = ""
    footer: str = ""
    image_id: str = ""  # an uploaded image shown above the body; wins over a text header


@dataclass(frozen=True)
class Row:
    """One list row: id comes back in the list_reply; title max 24 characters, description max 72."""

    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Section:
    """A titled group of rows in a list message (title max 24 characters)."""

    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class ListMessage:
    """An interactive list: a button label (max 20 characters) opening up to 10 rows in all sections."""

    body: str
    button: str
    sections: tuple[Section, ...]
    header: str = ""
    footer: str = ""


@dataclass(frozen=True)
class Template:
    """An approved template (the only thing allowed outside the 24-hour window)."""

    name: str
    language: str  # e.g. "id" or "en"
    body_params: tuple[str, ...] = ()
    quick_replies: tuple[str, ...] = field(default=())  # payloads of the template's quick-reply buttons
    copy_code: str = ""  # an authentication template's one-time code, for its copy-code button


@dataclass(frozen=True)
class Image:
    """An image already uploaded (Meta's media id, see Messenger.upload_media), with an optional caption (max 1024)."""

    media_id: str
    caption: str = ""


Outgoing = Text | Buttons | ListMessage | Template | Image
