"""Turn catalogue replies into WhatsApp messages: render the text in the person's language and merge a turn's
replies into as few messages as possible (Meta's pair rate limit is about one message per 6 s to one person).
"""
from __future__ import annotations

from shared.flows.messages import ID, render
from shared.flows.model import Choice, Reply
from shared.whatsapp.outgoing import Button, Buttons, ListMessage, Outgoing, Row, Section, Text
from shared.whatsapp.payloads import BUTTON_TITLE_MAX, BUTTONS_BODY_MAX, BUTTONS_MAX, ROW_DESCRIPTION_MAX, \
    ROW_TITLE_MAX, ROWS_MAX

MAX_BUTTONS = BUTTONS_MAX  # more choices than reply buttons become a list
MAX_ROWS = ROWS_MAX


def _fit(text: str, limit: int) -> str:
    """Shorten a dynamic title (a child's name) to Meta's limit, counting UTF-16 units as WhatsApp does."""
    if len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    out = ""
    for ch in text:
        if len((out + ch + "…").encode("utf-16-le")) // 2 > limit:
            break
        out += ch
    return out + "…"


def _title(choice: Choice, lang: str, limit: int) -> str:
    return _fit(render(choice.key, lang, **choice.params), limit)


def to_messages(replies: tuple[Reply, ...] | list[Reply], lang: str) -> list[Outgoing]:
    """Render replies; consecutive texts join into one message, which carries the next reply's choices."""
    out: list[Outgoing] = []
    pending: list[str] = []
    previous_key = None
    for reply in replies:
        if reply.new_message and pending:
            out.append(Text("\n\n".join(pending)))
            pending = []
        text = render(reply.key, lang, **reply.params)
        if pending and reply.key == previous_key:  # lines of one list (result_line, history_line) stay together
            pending[-1] += "\n" + text
        else:
            pending.append(text)
        previous_key = reply.key
        if not reply.choices:
            continue
        body = "\n\n".join(pending)
        pending = []
        choices = reply.choices[:MAX_ROWS]
        if len(choices) <= MAX_BUTTONS:
            if len(body) > BUTTONS_BODY_MAX:  # a long result goes first as text, the question carries the buttons
                head, _, body = body.rpartition("\n\n")
                out.append(Text(head))
            out.append(Buttons(body, tuple(Button(c.id, _title(c, lang, BUTTON_TITLE_MAX)) for c in choices)))
        else:
            rows = tuple(Row(c.id, _title(c, lang, ROW_TITLE_MAX),
                             _fit(render(c.key + "_desc", lang), ROW_DESCRIPTION_MAX) if _has_desc(c) else "") for c in choices)
            out.append(ListMessage(body, render("menu_button", lang), (Section(render("menu_button", lang), rows),)))
    if pending:
        out.append(Text("\n\n".join(pending)))
    return out


def _has_desc(choice: Choice) -> bool:
    return choice.key + "_desc" in ID
