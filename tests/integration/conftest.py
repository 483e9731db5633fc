"""Integration fixtures: the conversation services on real PostgreSQL and Redis, replies recorded in memory."""
import itertools
from datetime import datetime, timezone

import pytest

from shared.adapters.postgres import PostgresRecords, migrate, url_connector
from shared.adapters.redis_store import RedisConversations
from shared.ports import Ports
from shared.services.inbound import handle_message
from shared.whatsapp.webhook import Inbound

WA_ID = "6281200000001"
KADER = "6281300000009"  # the kader fixture's number


class RecordingMessenger:
    """A Messenger that keeps what it was asked to send (the Graph API itself is tested against the stand-in)."""

    def __init__(self):
        self.sent: list[tuple[str, object]] = []
        self.uploads: list[bytes] = []
        self.fail_next: list[Exception] = []  # raised by the next sends, one each
        self.fail_with: Exception | None = None
        self._ids = itertools.count(1)

    def send(self, to, message):
        if self.fail_with is not None:
            raise self.fail_with
        if self.fail_next:
            raise self.fail_next.pop(0)
        self.sent.append((to, message))
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
