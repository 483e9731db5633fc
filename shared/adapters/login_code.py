"""LoginCodeOnly: the staff dashboard's Messenger, which sends the sign-in code and nothing else.

The public dashboard holds the WhatsApp token only to send that code; behind this wrapper, a slip or a flaw in its
code cannot make it write to a family or anyone else, nor upload anything. A body passes only when it is exactly
what shared.whatsapp.payloads.build_message makes of the authentication template with a code of digits.
"""
from __future__ import annotations

from shared.ports import Messenger
from shared.whatsapp.errors import InvalidMessage
from shared.whatsapp.outgoing import Template
from shared.whatsapp.payloads import build_message


class NotLoginCode(ValueError):
    """A message the dashboard's Messenger refuses. A programming error, not a PermanentError: the dashboard sends
    only the sign-in code, so anything else is a bug in its code, to surface with its traceback, never a failed send
    that a caller's send-failure handling logs and passes over (staff_login._send_code does). Its text holds no
    part of the body: a body names a person's number."""


class LoginCodeOnly:
    """A Messenger that passes on only the sign-in code (the authentication template `template`, as build_message
    makes it) and refuses everything else with NotLoginCode, before anything is sent."""

    def __init__(self, messenger: Messenger, template: str):
        self._messenger = messenger
        self._template = template

    def __repr__(self) -> str:
        return f"LoginCodeOnly({self._messenger!r}, template={self._template!r})"

    def send(self, body: dict) -> str:
        """Send the body when it is the sign-in code template; NotLoginCode otherwise."""
        if not self._is_login_code(body):
            raise NotLoginCode(f"the dashboard sends only the {self._template} template with a code of digits")
        return self._messenger.send(body)

    def upload_media(self, data: bytes, filename: str = "chart.png") -> str:
        """Refused: a sign-in code has no image."""
        raise NotLoginCode("the dashboard uploads no media: it sends only the sign-in code")

    def _is_login_code(self, body: dict) -> bool:
        """Whether the body is build_message's own for this template, one code of ASCII digits, any recipient and
        language: rebuilt from those three and compared whole, so no other field, button or text can ride along."""
        try:
            to = body["to"]
            language = body["template"]["language"]["code"]
            code = body["template"]["components"][0]["parameters"][0]["text"]
        except (KeyError, IndexError, TypeError):  # not a dict, or not shaped as a template with a parameter
            return False
        if not (isinstance(code, str) and code.isascii() and code.isdigit()):
            return False
        try:
            expected = build_message(to, Template(self._template, language, body_params=(code,), copy_code=code))
        except InvalidMessage:  # a recipient or language the builder refuses: not a body it made
            return False
        return body == expected
