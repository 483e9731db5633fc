"""Cloud API JSON bodies for POST /{phone-number-id}/messages, built from shared.whatsapp.outgoing values.

Pure (no I/O): every limit Meta enforces is checked here, raising InvalidMessage/MessageTooLong naming the field, so a
message Meta would refuse fails in our tests instead of in a parent's chat.

Lengths are counted in UTF-16 code units (`char_len`), not Python code points. Meta's docs say "characters" without
saying which; UTF-16 is what its JavaScript-era clients count, and it is the stricter of the two (an emoji such as 👶
counts 2), so a title that passes here cannot be pushed over Meta's limit by an emoji.
"""
from __future__ import annotations

import re
from datetime import timedelta

from shared.whatsapp.errors import InvalidMessage, MessageTooLong
from shared.whatsapp.outgoing import Buttons, Image, ListMessage, Outgoing, Template, Text

# Limits from Meta's Cloud API documentation, as gathered in reference/whatsapp.md section B5.
TEXT_BODY_MAX = 4096  # B5: text body up to 4096 characters
BUTTONS_MIN, BUTTONS_MAX = 1, 3  # B5: reply buttons, 1 to 3 per message
BUTTON_TITLE_MAX = 20  # B5: reply button title ≤ 20 characters
BUTTON_ID_MAX = 256  # B5: reply button id ≤ 256 characters
BUTTONS_BODY_MAX = 1024  # B5: reply-button message body ≤ 1024
HEADER_MAX = 60  # B5: text header ≤ 60 (buttons and list)
FOOTER_MAX = 60  # B5: footer ≤ 60
LIST_BODY_MAX = 4096  # B5: list body ≤ 4096
LIST_BUTTON_MAX = 20  # B5: list action button label ≤ 20
SECTIONS_MAX = 10  # B5: ≤ 10 sections
ROWS_MAX = 10  # B5: ≤ 10 rows in all sections together
SECTION_TITLE_MAX = 24  # Meta list reference: section title ≤ 24 (also outgoing.Section)
ROW_TITLE_MAX = 24  # B5: row title ≤ 24
ROW_DESCRIPTION_MAX = 72  # B5: row description ≤ 72
ROW_ID_MAX = 200  # B5: row id ≤ 200
TEMPLATE_PARAM_MAX = 1024  # Meta: a template body is ≤ 1024 characters, so no single body parameter can be longer
QUICK_REPLY_PAYLOAD_MAX = 256  # our own cap (Meta gives none in B5): the same as a reply button id
COPY_CODE_MAX = 15  # Meta's authentication templates: a one-time code of at most 15 characters (unverified)
MEDIA_ID_MAX = 256  # our own cap: Meta's media ids are ~16 digits; anything longer is not one of ours
CAPTION_MAX = 1024  # B5 / outgoing.Image: image caption ≤ 1024
MEDIA_KEPT = timedelta(days=30)  # B5: Meta keeps uploaded media 30 days
MEDIA_REUSE = MEDIA_KEPT - timedelta(days=1)  # how long an uploaded picture's id is reused: a day of margin
IMAGE_MAX_BYTES = 5 * 1024 * 1024  # B5: JPEG/PNG images ≤ 5 MB
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}  # B5: JPEG and PNG only (magic bytes)
TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")  # Meta template names: lowercase letters, digits, underscores
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")  # Meta template languages: "id", "en", "en_US", "pt_BR"
# Meta rejects template parameters holding new lines, tabs or more than 4 consecutive spaces (error 132018 in the
# Cloud API catalogue; not in reference B8, so unverified).
TEMPLATE_PARAM_FORBIDDEN = re.compile(r"[\n\t]| {5,}")
WA_ID = re.compile(r"\+?[0-9]{5,15}")  # E.164 digits (wa_id has no '+'; Meta also accepts one)


def char_len(text: str) -> int:
    """Length in UTF-16 code units: emoji outside the BMP count 2 (the stricter reading of Meta's "characters")."""
    return len(text.encode("utf-16-le")) // 2


def _text(field: str, value: str, limit: int, *, required: bool = True) -> str:
    """Check one text field: a str, non-blank when required, at most `limit` UTF-16 units."""
    if not isinstance(value, str):
        raise InvalidMessage(f"{field} must be text, not {type(value).__name__}", field=field)
    if required and not value.strip():
        raise InvalidMessage(f"{field} is empty", field=field)
    n = char_len(value)
    if n > limit:
        raise MessageTooLong(f"{field} is {n} characters (UTF-16), Meta allows {limit}", field=field)
    return value


def _unique(field: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise InvalidMessage(f"{field} must be unique; {value!r} appears twice", field=field)
        seen.add(value)


def _envelope(to: str, kind: str) -> dict:
    if not isinstance(to, str) or not WA_ID.fullmatch(to):
        raise InvalidMessage("to must be a WhatsApp id (5-15 digits)", field="to")  # no value: it may be a phone
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": kind}


def _header_footer(interactive: dict, header: str, footer: str, image_id: str = "") -> None:
    if image_id:  # Meta: a reply-button message may be headed by an image, sent by its media id
        interactive["header"] = {"type": "image", "image": {"id": _text("image_id", image_id, MEDIA_ID_MAX)}}
    elif header:
        interactive["header"] = {"type": "text", "text": _text("header", header, HEADER_MAX)}
    if footer:
        interactive["footer"] = {"text": _text("footer", footer, FOOTER_MAX)}


def _buttons(msg: Buttons) -> dict:
    buttons = list(msg.buttons)
    if not BUTTONS_MIN <= len(buttons) <= BUTTONS_MAX:
        raise InvalidMessage(f"buttons: {len(buttons)} given, Meta allows {BUTTONS_MIN}-{BUTTONS_MAX}",
                             field="buttons")
    for i, b in enumerate(buttons):
        _text(f"buttons[{i}].id", b.id, BUTTON_ID_MAX)
        _text(f"buttons[{i}].title", b.title, BUTTON_TITLE_MAX)
    _unique("buttons.id", [b.id for b in buttons])
    _unique("buttons.title", [b.title for b in buttons])
    interactive = {
        "type": "button",
        "body": {"text": _text("body", msg.body, BUTTONS_BODY_MAX)},
        "action": {"buttons": [{"type": "reply", "reply": {"id": b.id, "title": b.title}} for b in buttons]},
    }
    _header_footer(interactive, msg.header, msg.footer, msg.image_id)
    return interactive


def _list(msg: ListMessage) -> dict:
    sections = list(msg.sections)
    if not 1 <= len(sections) <= SECTIONS_MAX:
        raise InvalidMessage(f"sections: {len(sections)} given, Meta allows 1-{SECTIONS_MAX}", field="sections")
    rows = [row for s in sections for row in s.rows]
    if not 1 <= len(rows) <= ROWS_MAX:
        raise InvalidMessage(f"rows: {len(rows)} in all sections, Meta allows 1-{ROWS_MAX}", field="rows")
    out_sections = []
    for i, s in enumerate(sections):
        if not s.rows:
            raise InvalidMessage(f"sections[{i}].rows is empty", field=f"sections[{i}].rows")
        # Meta: a section title is required once there is more than one section.
        section: dict = {}
        if s.title or len(sections) > 1:
            section["title"] = _text(f"sections[{i}].title", s.title, SECTION_TITLE_MAX)
        out_rows = []
        for j, r in enumerate(s.rows):
            row = {"id": _text(f"sections[{i}].rows[{j}].id", r.id, ROW_ID_MAX),
                   "title": _text(f"sections[{i}].rows[{j}].title", r.title, ROW_TITLE_MAX)}
            if r.description:
                row["description"] = _text(f"sections[{i}].rows[{j}].description", r.description,
                                           ROW_DESCRIPTION_MAX)
            out_rows.append(row)
        section["rows"] = out_rows
        out_sections.append(section)
    _unique("rows.id", [r.id for r in rows])  # Meta: row ids are unique across all sections
    interactive = {
        "type": "list",
        "body": {"text": _text("body", msg.body, LIST_BODY_MAX)},
        "action": {"button": _text("button", msg.button, LIST_BUTTON_MAX), "sections": out_sections},
    }
    _header_footer(interactive, msg.header, msg.footer)
    return interactive


def _template(msg: Template) -> dict:
    if not isinstance(msg.name, str) or not TEMPLATE_NAME.fullmatch(msg.name):
        raise InvalidMessage("template name must be lowercase letters, digits and underscores", field="name")
    if not isinstance(msg.language, str) or not LANGUAGE_CODE.fullmatch(msg.language):
        raise InvalidMessage(f"template language {msg.language!r} is not a code like 'id'", field="language")
    components: list[dict] = []  # always a list: a dict is silently misread (reference B5, heyoo issue 44)
    if msg.body_params:
        params = []
        for i, value in enumerate(msg.body_params):
            _text(f"body_params[{i}]", value, TEMPLATE_PARAM_MAX)
            if TEMPLATE_PARAM_FORBIDDEN.search(value):
                raise InvalidMessage(f"body_params[{i}] holds a new line, tab or 5+ spaces",
                                     field=f"body_params[{i}]")
            params.append({"type": "text", "text": value})
        components.append({"type": "body", "parameters": params})
    for i, payload in enumerate(msg.quick_replies):
        _text(f"quick_replies[{i}]", payload, QUICK_REPLY_PAYLOAD_MAX)
        components.append({"type": "button", "sub_type": "quick_reply", "index": str(i),
                           "parameters": [{"type": "payload", "payload": payload}]})
    if msg.copy_code:
        # Meta's authentication template: its one button (created as type OTP, copy_code) is sent as a URL button
        # at index 0 whose text parameter is the code; the body's {{1}} carries the same code.
        if msg.quick_replies:
            raise InvalidMessage("an authentication template has no quick replies beside its copy-code button",
                                 field="copy_code")
        _text("copy_code", msg.copy_code, COPY_CODE_MAX)
        if re.search(r"\s", msg.copy_code):
            raise InvalidMessage("copy_code holds a space", field="copy_code")  # no value: it is a secret
        components.append({"type": "button", "sub_type": "url", "index": "0",
                           "parameters": [{"type": "text", "text": msg.copy_code}]})
    template: dict = {"name": msg.name, "language": {"code": msg.language}}
    if components:  # a template without variables is sent without components, as in Meta's hello_world sample
        template["components"] = components
    return template


def image_mime(data: bytes) -> str:
    """The MIME type of PNG or JPEG bytes within Meta's 5 MB; InvalidMessage for anything else."""
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise InvalidMessage("image is empty", field="png")
    if len(data) > IMAGE_MAX_BYTES:
        raise MessageTooLong(f"image is {len(data)} bytes, Meta allows {IMAGE_MAX_BYTES}", field="png")
    for magic, mime in IMAGE_TYPES.items():
        if data.startswith(magic):
            return mime
    raise InvalidMessage("image must be PNG or JPEG", field="png")


def build_message(to: str, msg: Outgoing) -> dict:
    """The JSON body that sends `msg` to `to`: what the outbox keeps and the Messenger posts as it is."""
    if isinstance(msg, Text):
        body = _envelope(to, "text")
        body["text"] = {"body": _text("body", msg.body, TEXT_BODY_MAX), "preview_url": bool(msg.preview_url)}
    elif isinstance(msg, Buttons):
        body = _envelope(to, "interactive")
        body["interactive"] = _buttons(msg)
    elif isinstance(msg, ListMessage):
        body = _envelope(to, "interactive")
        body["interactive"] = _list(msg)
    elif isinstance(msg, Template):
        body = _envelope(to, "template")
        body["template"] = _template(msg)
    elif isinstance(msg, Image):
        body = _envelope(to, "image")
        body["image"] = {"id": _text("media_id", msg.media_id, MEDIA_ID_MAX)}
        if msg.caption:
            body["image"]["caption"] = _text("caption", msg.caption, CAPTION_MAX)
    else:
        raise InvalidMessage(f"cannot send a {type(msg).__name__}", field="msg")
    return body


def is_buttons(body: dict) -> bool:
    """Whether a built body is a reply-buttons message (the one kind an image can head)."""
    return body.get("type") == "interactive" and body.get("interactive", {}).get("type") == "button"


def with_image_header(body: dict, media_id: str) -> dict:
    """A built reply-buttons body, now headed by an uploaded image: a result's chart, drawn after its turn."""
    if not is_buttons(body):
        raise InvalidMessage("only a reply-buttons message can be headed by an image", field="header")
    header = {"type": "image", "image": {"id": _text("image_id", media_id, MEDIA_ID_MAX)}}
    return {**body, "interactive": {**body["interactive"], "header": header}}
