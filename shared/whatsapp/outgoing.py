"""What Tumbuh sends, as plain values: text, reply buttons, lists, templates and images (no I/O).

Services build these from catalogue text; the Messenger adapter turns them into Graph API payloads. The limits
are Meta's (reference/whatsapp.md) and are enforced where the payload is built, so a message that Meta would
refuse is caught in our tests, not in production.
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


@dataclass(frozen=True)
class Image:
    """An image: uploaded first (media id), then sent by id, with an optional caption (max 1024)."""

    png: bytes = field(repr=False)
    caption: str = ""
    filename: str = "chart.png"
    media_id: str = ""  # already uploaded: sent by id, png unused


Outgoing = Text | Buttons | ListMessage | Template | Image


def to_dict(msg: Outgoing) -> dict:
    """A JSON-able form, for the outbox (images are not queued: they are rendered again when sent)."""
    if isinstance(msg, Text):
        return {"type": "text", "body": msg.body, "preview_url": msg.preview_url}
    if isinstance(msg, Buttons):
        return {"type": "buttons", "body": msg.body, "header": msg.header, "footer": msg.footer,
                "buttons": [[b.id, b.title] for b in msg.buttons], "image_id": msg.image_id}
    if isinstance(msg, ListMessage):
        return {"type": "list", "body": msg.body, "button": msg.button, "header": msg.header, "footer": msg.footer,
                "sections": [[s.title, [[r.id, r.title, r.description] for r in s.rows]] for s in msg.sections]}
    if isinstance(msg, Template):
        return {"type": "template", "name": msg.name, "language": msg.language,
                "body_params": list(msg.body_params), "quick_replies": list(msg.quick_replies)}
    raise TypeError(f"{type(msg).__name__} cannot be queued")


def from_dict(data: dict) -> Outgoing:
    """Inverse of to_dict."""
    kind = data["type"]
    if kind == "text":
        return Text(data["body"], bool(data.get("preview_url")))
    if kind == "buttons":
        return Buttons(data["body"], tuple(Button(i, t) for i, t in data["buttons"]), data.get("header", ""),
                       data.get("footer", ""), data.get("image_id", ""))
    if kind == "list":
        sections = tuple(Section(title, tuple(Row(i, t, d) for i, t, d in rows)) for title, rows in data["sections"])
        return ListMessage(data["body"], data["button"], sections, data.get("header", ""), data.get("footer", ""))
    if kind == "template":
        return Template(data["name"], data["language"], tuple(data.get("body_params") or ()),
                        tuple(data.get("quick_replies") or ()))
    raise ValueError(f"unknown queued message type {kind!r}")
