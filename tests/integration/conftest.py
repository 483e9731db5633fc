"""Integration fixtures: the conversation services on real PostgreSQL and Redis, replies recorded in memory."""
import itertools
from datetime import datetime, timezone

import pytest

from shared.adapters.postgres import PostgresRecords, migrate, url_connector
from shared.adapters.redis_store import RedisConversations
from shared.ports import Ports
from shared.services.inbound import handle_message
from shared.whatsapp.outgoing import Button, Buttons, Image, ListMessage, Outgoing, Row, Section, Template, Text
from shared.whatsapp.webhook import Inbound
from tests.words import code_names

WA_ID = "6281200000001"
KADER = "6281300000009"  # the kader fixture's number


def read_body(body: dict) -> Outgoing:
    """The message a Graph API body sends, read back so that tests can say what a person saw (the inverse of
    whatsapp.payloads.build_message, which tests/unit/test_payloads.py holds to Meta's shapes)."""
    kind = body["type"]
    if kind == "text":
        return Text(body["text"]["body"], body["text"]["preview_url"])
    if kind == "image":
        return Image(body["image"]["id"], body["image"].get("caption", ""))
    if kind == "template":
        template = body["template"]
        components = template.get("components", [])
        params = tuple(p["text"] for c in components if c["type"] == "body" for p in c["parameters"])
        replies = tuple(c["parameters"][0]["payload"] for c in components if c["type"] == "button")
        return Template(template["name"], template["language"]["code"], params, replies)
    interactive = body["interactive"]
    header = interactive.get("header", {})
    text_header = header.get("text", "") if header.get("type") == "text" else ""
    footer = interactive.get("footer", {}).get("text", "")
    if interactive["type"] == "button":
        buttons = tuple(Button(b["reply"]["id"], b["reply"]["title"]) for b in interactive["action"]["buttons"])
        image_id = header["image"]["id"] if header.get("type") == "image" else ""
        return Buttons(interactive["body"]["text"], buttons, text_header, footer, image_id)
    sections = tuple(Section(s.get("title", ""), tuple(Row(r["id"], r["title"], r.get("description", ""))
                                                        for r in s["rows"]))
                     for s in interactive["action"]["sections"])
    return ListMessage(interactive["body"]["text"], interactive["action"]["button"], sections, text_header, footer)


def shown_text(message: Outgoing) -> str:
    """Every word a person sees in a message: its text, header, footer, button titles, list rows."""
    parts = [getattr(message, name, "") for name in ("body", "header", "footer", "caption", "button")]
    parts += [b.title for b in getattr(message, "buttons", ())]
    parts += [t for s in getattr(message, "sections", ()) for r in s.rows for t in (s.title, r.title, r.description)]
    parts += list(getattr(message, "body_params", ()))
    return "\n".join(p for p in parts if p)


class RecordingMessenger:
    """A Messenger that keeps what it was asked to send, read back into messages (the Graph API itself is tested
    against the stand-in)."""

    def __init__(self):
        self.sent: list[tuple[str, object]] = []
        self.uploads: list[bytes] = []
        self.fail_next: list[Exception] = []  # raised by the next sends, one each
        self.fail_with: Exception | None = None
        self._ids = itertools.count(1)

    def send(self, body):
        if self.fail_with is not None:
            raise self.fail_with
        if self.fail_next:
            raise self.fail_next.pop(0)
        message = read_body(body)
        names = code_names(shown_text(message))
        assert not names, f"a code name reached a person: {names}"  # every golden conversation checks this
        self.sent.append((body["to"], message))
        return f"wamid.OUT{next(self._ids)}"

    def upload_media(self, data, filename="chart.png"):
        self.uploads.append(data)
        return f"media.{len(self.uploads)}"


class Chat:
    """One person talking to Tumbuh through handle_message: say() returns the catalogue keys of the answer."""

    def __init__(self, ports: Ports, wa_id: str = WA_ID, now: datetime | None = None):
        self.ports, self.wa_id = ports, wa_id
        self.now = now or datetime(2025, 3, 10, 3, 0, tzinfo=timezone.utc)  # 10:00 WIB
        self._ids = itertools.count(1)

    def message(self, text: str = "", reply_id: str = "", kind: str | None = None) -> Inbound:
        n = next(self._ids)
        kind = kind or ("interactive" if reply_id else "text")
        return Inbound(wamid=f"wamid.{self.wa_id}.{n}", wa_id=self.wa_id, timestamp=int(self.now.timestamp()) + n,
                       kind=kind, text=text, reply_id=reply_id)

    def say(self, text: str = "", reply_id: str = "", kind: str | None = None) -> list[str]:
        return list(handle_message(self.ports, self.message(text, reply_id, kind), self.now))


@pytest.fixture
def ports(database_url, redis_url) -> Ports:
    """Conversation ports on this test's own database and Redis, with replies recorded."""
    records = PostgresRecords(url_connector(database_url))
    migrate(records)
    return Ports(records, RedisConversations(redis_url), RecordingMessenger())


@pytest.fixture
def chat(ports) -> Chat:
    return Chat(ports)


@pytest.fixture
def consented(chat) -> Chat:
    """A parent who has already agreed to the consent text."""
    chat.say("Halo")
    chat.say(reply_id="consent:yes")
    return chat


@pytest.fixture
def kader(ports) -> Chat:
    """A kader of Posyandu Melati, talking to Tumbuh."""
    pid = ports.records.run("INSERT INTO posyandu (name, village, district) VALUES ('Melati', 'Sukamaju', "
                            "'Cibeber') RETURNING id")[0][0]
    ports.records.run("INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES (%s, 'Siti', 'kader', %s)",
                      (KADER, pid))
    return Chat(ports, wa_id=KADER)
