"""The dashboard's Messenger (LoginCodeOnly): the sign-in code template passes as build_message makes it; text,
buttons, lists, images, other templates and any altered code body are refused before anything reaches the real
Messenger, and so is an upload."""
import copy

import pytest

from shared.adapters.login_code import LoginCodeOnly, NotLoginCode
from shared.bootstrap import build_app
from shared.config import Settings
from shared.errors import PermanentError, TransientError
from shared.services.staff_login import LOGIN_TEMPLATE
from shared.whatsapp.outgoing import Button, Buttons, Image, ListMessage, Row, Section, Template, Text
from shared.whatsapp.payloads import build_message

TO = "6281300000009"
CODE = "042917"


class KeptMessenger:
    """A Messenger that keeps what reached it."""

    def __init__(self):
        self.sent: list[dict] = []
        self.uploads: list[bytes] = []

    def send(self, body: dict) -> str:
        self.sent.append(body)
        return f"wamid.{len(self.sent)}"

    def upload_media(self, data: bytes, filename: str = "chart.png") -> str:
        self.uploads.append(data)
        return "media.1"


def login_code(code: str = CODE, language: str = "id", name: str = LOGIN_TEMPLATE) -> dict:
    """The body staff_login._send_code builds."""
    return build_message(TO, Template(name, language, body_params=(code,), copy_code=code))


@pytest.fixture
def inner() -> KeptMessenger:
    return KeptMessenger()


@pytest.fixture
def dashboard(inner) -> LoginCodeOnly:
    return LoginCodeOnly(inner, LOGIN_TEMPLATE)


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_sign_in_code_passes_unchanged(dashboard, inner, language):
    """The authentication template with its code reaches the real Messenger as it was built, and its id comes back."""
    body = login_code(language=language)

    sent = dashboard.send(body)

    assert sent == "wamid.1"
    assert inner.sent == [login_code(language=language)]


REFUSED = {
    "text": build_message(TO, Text("Kode masuk Anda 042917")),
    "buttons": build_message(TO, Buttons("Ikut posyandu?", (Button("y", "Ya"), Button("n", "Tidak")))),
    "list": build_message(TO, ListMessage("Menu", "Pilih", (Section("", (Row("a", "Anak"),)),))),
    "image": build_message(TO, Image("media.1", "grafik")),
    "another template": build_message(TO, Template("tumbuh_pengingat", "id", body_params=("Ani",))),
    "another template with a code": login_code(name="tumbuh_pengingat"),
    "the template without its code": build_message(TO, Template(LOGIN_TEMPLATE, "id")),
    "the template with quick replies": build_message(TO, Template(LOGIN_TEMPLATE, "id", body_params=(CODE,),
                                                                  quick_replies=("stop",))),
    "words for a code": login_code(code="CALLME"),
    "a code of other digits": login_code(code="٠٤٢٩١٧"),  # Arabic-Indic digits: isdigit, not ASCII
    "not a dict": "login",
    "empty": {},
}


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_anything_but_the_sign_in_code_is_refused(dashboard, inner, body):
    """Text, interactive messages, images and other templates never reach the real Messenger."""
    with pytest.raises(NotLoginCode):
        dashboard.send(body)

    assert inner.sent == []


def _tampered(change) -> dict:
    body = login_code()
    change(body)
    return body


TAMPERED = {
    "an extra field": lambda b: b.update(context={"message_id": "wamid.x"}),
    "the two codes differ": lambda b: b["template"]["components"][1]["parameters"][0].update(text="999999"),
    "a second body parameter": lambda b: b["template"]["components"][0]["parameters"].append(
        {"type": "text", "text": "Ani"}),
    "a header component": lambda b: b["template"]["components"].append(
        {"type": "header", "parameters": [{"type": "text", "text": "Halo"}]}),
    "a url button of another index": lambda b: b["template"]["components"][1].update(index="1"),
    "a recipient that is no number": lambda b: b.update(to="+62 813"),
    "a language the builder refuses": lambda b: b["template"]["language"].update(code="bahasa indonesia"),
    "another type": lambda b: b.update(type="text", text={"body": "hai"}),
}


@pytest.mark.parametrize("change", TAMPERED.values(), ids=TAMPERED.keys())
def test_a_sign_in_code_body_changed_by_hand_is_refused(dashboard, inner, change):
    """Only the builder's exact body passes: nothing else can ride along with a code."""
    body = _tampered(change)

    with pytest.raises(NotLoginCode):
        dashboard.send(body)

    assert inner.sent == []


def test_uploads_are_refused(dashboard, inner):
    """A sign-in code has no image: the dashboard uploads nothing."""
    with pytest.raises(NotLoginCode):
        dashboard.upload_media(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)

    assert inner.uploads == []


def test_a_refusal_is_a_bug_to_see_and_names_no_number(dashboard):
    """Not a send failure that staff_login's handling would log and pass over, and no part of the body is told."""
    body = copy.deepcopy(REFUSED["text"])

    with pytest.raises(NotLoginCode) as refused:
        dashboard.send(body)

    assert not isinstance(refused.value, (PermanentError, TransientError))
    assert TO not in str(refused.value) and "042917" not in str(refused.value)


def test_the_dashboard_gets_its_messenger_wrapped(restore_logging):
    """bootstrap hands the dashboard a Messenger that refuses text, while the app's own still sends anything."""
    app = build_app(Settings.from_env({"DATABASE_URL": "postgresql://u@127.0.0.1:1/db",
                                       "REDIS_URL": "redis://127.0.0.1:1/0"}))

    messenger = app.dashboard.messenger

    assert isinstance(messenger, LoginCodeOnly)
    with pytest.raises(NotLoginCode):
        messenger.send(REFUSED["text"])
    assert not isinstance(app.messenger, LoginCodeOnly)
