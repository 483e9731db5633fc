"""Hostile webhook input, fuzzed with hypothesis through the real webhook entry point: the webhook is public, so
anyone can send it anything.

Every POST is signed correctly unless the test is about signatures. Whatever Meta (or anyone holding the app
secret) sends, the webhook answers 200 or 400, never 500, and an accepted batch is handled without a logged
exception and without losing a message: every accepted message id is recorded in inbound_messages.

The fuzz tests reuse one client (and so one database and Redis) across their examples: function-scoped fixtures
are requested once per test, never per example. On CI (CI=true) the examples are derandomised so a run is
repeatable; locally they are random, to keep exploring.
"""
from __future__ import annotations

import json
import logging
import os
from collections import Counter
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from shared.adapters.postgres import PostgresRecords, migrate, url_connector
from shared.whatsapp.webhook import sign
from tests.conftest import sent_to

pytestmark = pytest.mark.e2e

SECRET = "test-app-secret"
ACCEPTED = {200, 400}  # 401/403 need a bad signature, 503 a store that is down: neither is the case here

FUZZ = settings(
    deadline=None,
    database=None,  # no .hypothesis/ folder in the work tree
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.large_base_example, HealthCheck.filter_too_much],
)


# --- helpers ---------------------------------------------------------------------------------------------------------

def _post(client, body: bytes, secret: str | None = SECRET, **headers):
    if secret is not None:
        headers["X-Hub-Signature-256"] = sign(body, secret)
    return client.post("/", data=body, headers=headers, content_type="application/json")


class _Trap(logging.Handler):
    """Keeps every record at ERROR or above logged while it is installed on the root logger."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def exceptions(self) -> list[str]:
        """The logged exceptions (a swallowed bug), as 'message: ExcType: text' lines."""
        return [f"{r.getMessage()}: {r.exc_info[0].__name__}: {r.exc_info[1]}" for r in self.records if r.exc_info]


@contextmanager
def _errors_logged():
    trap = _Trap()
    root = logging.getLogger()
    root.addHandler(trap)
    try:
        yield trap
    finally:
        root.removeHandler(trap)


class _Db:
    """A plain pg8000 connection to this test's database, for checks."""

    def __init__(self, url: str):
        import pg8000.native

        u = urlsplit(url)
        self.conn = pg8000.native.Connection(u.username, host=u.hostname, port=u.port, database=u.path[1:],
                                             password=u.password)

    def recorded(self, wamids: list[str]) -> set[str]:
        if not wamids:
            return set()
        return {r[0] for r in self.conn.run("SELECT wamid FROM inbound_messages WHERE wamid = ANY(:w)", w=wamids)}

    def count(self, table: str) -> int:
        return self.conn.run(f"SELECT count(*) FROM {table}")[0][0]

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def db(database_url):
    # Migrated up front: a refused request no longer builds the app, so it would not create the tables to check.
    migrate(PostgresRecords(url_connector(database_url)))
    conn = _Db(database_url)
    yield conn
    conn.close()


def _check_accepted(client, db: _Db, body: bytes, wamids: list[str]) -> int:
    """Post a signed body: 200/400 only; on 200 the batch was handled (JSON counts), nothing raised, nothing lost."""
    with _errors_logged() as trap:
        resp = _post(client, body)
    assert resp.status_code in ACCEPTED, resp.get_data(as_text=True)[:200]
    event(f"HTTP {resp.status_code}")
    if resp.status_code == 200:
        assert trap.exceptions() == []
        summary = resp.get_json(silent=True)
        assert isinstance(summary, dict) and set(summary) == {"messages", "statuses"}, resp.get_data()[:200]
        assert summary["messages"] == len(wamids)
        missing = set(wamids) - db.recorded(wamids)
        assert not missing, f"accepted but not recorded: {sorted(missing)[:5]}"
    return resp.status_code


# --- strategies ------------------------------------------------------------------------------------------------------

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                         st.text(max_size=30))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)), max_leaves=25)
JUNK = st.one_of(JSON_SCALARS, st.lists(JSON_SCALARS, max_size=3), st.dictionaries(st.text(max_size=5),
                                                                                     JSON_SCALARS, max_size=3))
DEEP = "__DEEP__"  # replaced after serialising by a deeply nested array (json.dumps itself would recurse)
PEOPLE = ["6281200000001", "6281200000002", "6285700000003", "628999999999"]

HOSTILE_TEXT = st.one_of(
    st.text(max_size=80),
    st.sampled_from([
        "Halo", "halo kak 👶", "ya", "menu", "MENU!", "batal", "HAPUS", "stop", "mulai", "bahasa", "cek", "riwayat",
        "Budi L 12-03-2024 8,5 kg 70 cm", "cowok lahir 3 Jan 2024 bb 9,1 tb 76 cm", "P", "0", "-1", "1e309",
        "👨‍👩‍👧‍👦" * 50, "مرحبا بالعالم", "\u202eabc\u202c", "שלום", "a\u0000b", "\u0000", "\ufeff", "\u200b" * 10,
        "🏳️‍🌈🇮🇩", "x\ud800y", "\udfff", "x" * 5000, "9" * 4000, "\n\t  \r", "%s%n{0}",
        "<script>alert(1)</script>", "'; DROP TABLE x;--",
    ]),
    st.integers(100_000, 120_000).map(lambda n: "Bunda 👶 é " * (n // 10)),  # ~100 KB text bodies
)


def maybe(strategy, rate: int):
    """Usually a value of `strategy`; with rate N > 0, about one time in N any JSON junk of the wrong type instead."""
    if not rate:
        return strategy

    @st.composite
    def pick(draw):
        if draw(st.integers(0, rate - 1)) == 0:
            return draw(st.one_of(JUNK, st.just(DEEP)))
        return draw(strategy)

    return pick()


def _extras(draw) -> dict:
    return draw(st.dictionaries(st.text(min_size=1, max_size=8).filter(
        lambda k: k not in {"from", "id", "timestamp", "type", "object", "entry", "changes", "value"}),
        JSON_VALUES, max_size=2))


VALID_TIMESTAMPS = st.one_of(st.integers(1_600_000_000, 1_900_000_000).map(str),
                             st.sampled_from(["0", "0000000001", "9999999999"]))  # the schema admits 1-10 digits
ODD_TIMESTAMPS = st.sampled_from(["-1", "1e9", "", " 1700000000", "1700000000.5", "١٧٠٠٠٠٠٠٠٠", "²",
                                  "1700000000\n", "99999999999999999999", "9" * 400, "000000000001",
                                  "253402300800"])
WAMIDS = st.uuids().map(lambda u: f"wamid.HBgN{u.hex.upper()}")
IDENTS = st.text(max_size=40) | st.sampled_from(
    ["consent:yes", "consent:no", "consent:en", "menu:measure", "menu:history", "menu:children", "menu:help",
     "menu:language", "menu:reminders", "next:again", "next:menu", "next:", "menu:", "lang:en", "lang:id", "sex:M",
     "sex:F", "yes", "no", "child:1", "child:new", "measure:l", "measure:h"])
KINDS = st.one_of(
    st.sampled_from(["text", "interactive", "button", "location", "image", "audio", "voice", "video", "document",
                     "sticker", "reaction", "unsupported", "contacts", "order", "system", "ephemeral"]),
    st.from_regex(r"[a-z_]{1,30}", fullmatch=True),  # types Meta may add later: accepted, answered kindly
)  # other text as a type is junk the schema refuses (400): maybe() below produces it in the hostile half


@st.composite
def timestamps(draw, rate: int) -> str:
    return draw(ODD_TIMESTAMPS if rate and draw(st.integers(0, rate - 1)) == 0 else VALID_TIMESTAMPS)


@st.composite
def message_bodies(draw, kind: str, rate: int) -> dict:
    text, ident = maybe(HOSTILE_TEXT, rate), maybe(IDENTS, rate)
    if kind == "text":
        return {"body": draw(text)}
    if kind == "interactive":
        sub = draw(st.sampled_from(["button_reply", "list_reply", "nfm_reply", "weird"]))
        return {"type": draw(maybe(st.just(sub), rate)),
                sub: {"id": draw(ident), "title": draw(text), "description": draw(maybe(st.text(), rate))}}
    if kind == "button":
        return {"payload": draw(ident), "text": draw(text)}
    if kind == "location":
        return {"latitude": draw(maybe(st.floats(-90, 90), rate)),
                "longitude": draw(maybe(st.floats(-180, 180), rate)), "name": draw(maybe(st.text(max_size=20), rate))}
    if kind in ("image", "video", "document", "audio", "sticker", "voice"):
        return {"id": draw(maybe(st.text(max_size=20), rate)), "mime_type": draw(maybe(st.text(max_size=20), rate)),
                "caption": draw(text)}
    if kind == "reaction":
        return {"message_id": draw(maybe(st.text(max_size=20), rate)), "emoji": draw(maybe(st.text(max_size=2), rate))}
    return draw(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=3))


@st.composite
def messages(draw, rate: int) -> dict:
    kind = draw(KINDS)
    msg = {"from": draw(maybe(st.sampled_from(PEOPLE) | st.from_regex(r"[1-9][0-9]{5,14}", fullmatch=True), rate)),
           "id": draw(maybe(WAMIDS, rate)), "timestamp": draw(maybe(timestamps(rate), rate)),
           "type": draw(maybe(st.just(kind), rate))}
    if draw(st.integers(0, 5)):
        msg[kind] = draw(maybe(message_bodies(kind, rate), rate))
    if draw(st.integers(0, 5)) == 0:
        msg["context"] = draw(maybe(st.fixed_dictionaries({"from": st.text(max_size=15), "id": WAMIDS}), rate))
    if draw(st.integers(0, 7)) == 0:
        msg["errors"] = [{"code": 131051, "title": "Message type unknown"}]
    if rate and draw(st.integers(0, rate - 1)) == 0:
        del msg[draw(st.sampled_from(["from", "id", "timestamp", "type"]))]
    msg.update(_extras(draw) if draw(st.integers(0, 5)) == 0 else {})
    return msg


@st.composite
def statuses(draw, rate: int) -> dict:
    status = {"id": draw(maybe(WAMIDS, rate)),
              "status": draw(maybe(st.sampled_from(["sent", "delivered", "read", "failed", "deleted", "warning"])
                                   | st.from_regex(r"[a-z_]{1,20}", fullmatch=True), rate)),
              "timestamp": draw(maybe(timestamps(rate), rate)),
              "recipient_id": draw(maybe(st.sampled_from(PEOPLE), rate))}
    if draw(st.booleans()):
        status["errors"] = draw(maybe(st.lists(st.fixed_dictionaries({"code": maybe(st.sampled_from(
            [131026, 131047, 131000, 470]), rate), "title": st.text(max_size=10)}), max_size=2), rate))
    return status


@st.composite
def envelopes(draw) -> tuple[bytes, list[str]]:
    """A plausible Cloud API envelope, hostile in content; in half the examples any field may also be junk of the
    wrong type (rarely or often). Returns (body, the message ids it carries)."""
    rate = draw(st.sampled_from([0, 0, 0, 60, 20, 6]))
    changes = []
    for _ in range(draw(st.integers(1, 3))):
        many = draw(st.integers(0, 9)) == 0
        value = {"messaging_product": "whatsapp",
                 "metadata": draw(maybe(st.fixed_dictionaries({"display_phone_number": st.just("15550000000"),
                                                               "phone_number_id": st.just("100000000000001")}), rate)),
                 "messages": draw(maybe(st.lists(messages(rate), min_size=20 if many else 0,
                                                 max_size=40 if many else 4), rate))}
        if draw(st.booleans()):
            value["contacts"] = draw(maybe(st.lists(st.fixed_dictionaries({
                "wa_id": maybe(st.sampled_from(PEOPLE), rate), "profile": maybe(st.fixed_dictionaries(
                    {"name": maybe(HOSTILE_TEXT, rate)}), rate)}), max_size=3), rate))
        if draw(st.integers(0, 3)) == 0:
            value["statuses"] = draw(maybe(st.lists(statuses(rate), max_size=4), rate))
        if draw(st.integers(0, 9)) == 0:
            value["errors"] = draw(maybe(st.lists(st.fixed_dictionaries({"code": st.integers(0, 200_000)}),
                                              max_size=2), rate))
        value.update(_extras(draw) if draw(st.integers(0, 5)) == 0 else {})
        changes.append({"field": draw(maybe(st.just("messages"), rate)), "value": draw(maybe(st.just(value), rate))})
    entry = [{"id": draw(maybe(st.just("102290129340398"), rate)), "changes": draw(maybe(st.just(changes), rate))}]
    envelope = {"object": draw(maybe(st.just("whatsapp_business_account"), rate)),
                "entry": draw(maybe(st.just(entry), rate))}
    if draw(st.integers(0, 5)) == 0:
        envelope.update(_extras(draw))
    ascii_only = draw(st.booleans())  # Meta escapes non-ASCII (\u00e9, \ud83d\udc76); raw UTF-8 must work too
    text = json.dumps(envelope, ensure_ascii=ascii_only)
    depth = draw(st.sampled_from([3, 50, 900, 5000]))
    text = text.replace(json.dumps(DEEP), "[" * depth + "]" * depth)
    return text.encode("utf-8", "surrogatepass"), _wamids(envelope)


def _wamids(envelope) -> list[str]:
    """The message ids of an envelope, walked defensively (only meaningful when the webhook accepted it)."""
    def items(parent, key):
        value = parent.get(key) if isinstance(parent, dict) else None
        return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []

    return [m["id"] for e in items(envelope, "entry") for c in items(e, "changes")
            for m in items(c.get("value"), "messages") if isinstance(m.get("id"), str)]


# --- fuzzing signed bodies --------------------------------------------------------------------------------------------

def test_arbitrary_signed_bytes_never_500(function_client, db):
    """Any correctly signed byte string is answered 200 or 400, and nothing raises."""
    client = function_client("webhook", "whatsapp_webhook")

    @settings(FUZZ, max_examples=150)
    @given(body=st.binary(max_size=2000) | st.text(max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass")))
    def check(body):
        with _errors_logged() as trap:
            resp = _post(client, body)
        assert resp.status_code in ACCEPTED
        assert trap.exceptions() == []

    check()


def test_arbitrary_signed_json_values_never_500(function_client, db):
    """Any signed JSON value, with or without the right `object`, is answered 200 or 400 and nothing raises."""
    client = function_client("webhook", "whatsapp_webhook")
    shapes = st.one_of(JSON_VALUES, st.fixed_dictionaries({"object": st.just("whatsapp_business_account"),
                                                           "entry": JSON_VALUES}),
                       st.fixed_dictionaries({"object": st.just("whatsapp_business_account"),
                                              "entry": st.lists(st.fixed_dictionaries({"changes": JSON_VALUES}),
                                                                max_size=2)}))

    @settings(FUZZ, max_examples=200)
    @given(value=shapes, ascii_only=st.booleans())
    def check(value, ascii_only):
        _check_accepted(client, db, json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass"), [])

    check()


def test_hostile_envelopes_are_answered_without_errors_or_lost_messages(function_client, db, graph):
    """Plausible envelopes with wrong types, huge or odd unicode text, deep nesting, odd timestamps, unknown types,
    missing contacts, extra fields and big batches: 200 or 400, no exception, every accepted message recorded."""
    client = function_client("webhook", "whatsapp_webhook")

    seen: Counter = Counter()

    @settings(FUZZ, max_examples=150)
    @given(case=envelopes())
    def check(case):
        body, wamids = case
        seen[_check_accepted(client, db, body, wamids), len(wamids) > 0] += 1

    check()

    assert seen[200, True] >= 15, f"the strategy rarely produced an accepted batch with messages: {dict(seen)}"
    assert len(sent_to(graph)) > 0


# --- targeted hostile messages ---------------------------------------------------------------------------------------

def _batch(messages=(), statuses=()) -> dict:
    value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550000000",
                                                           "phone_number_id": "100000000000001"},
             "contacts": [{"profile": {"name": "Bunda"}, "wa_id": "6281200000001"}],
             "messages": list(messages), "statuses": list(statuses)}
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages",
                                                                                       "value": value}]}]}


def _text(wamid="wamid.T1", body="Halo", sender="6281200000001", ts="1700000000", kind="text"):
    return {"from": sender, "id": wamid, "timestamp": ts, "type": kind, kind: {"body": body}}


def _tap(wamid, reply_id, sender="6281200000001", ts="1700000000"):
    return {"from": sender, "id": wamid, "timestamp": ts, "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": reply_id, "title": "Ya"}}}


def _signed_batch(client, batch: dict):
    with _errors_logged() as trap:
        resp = _post(client, json.dumps(batch).encode())  # ASCII-escaped, as Meta sends: lone surrogates as \udxxx
    return resp, trap


def test_a_batch_of_the_longest_texts_from_many_people_is_answered(function_client, db, graph):
    """Thirty people each sending a text of WhatsApp's 4,096-character maximum (emoji, accents, bidi controls) in
    one batch all get their welcome, nothing raises: the body cap leaves room for the biggest real batches."""
    client = function_client("webhook", "whatsapp_webhook")
    people = [f"62812{n:08d}" for n in range(30)]
    batch = _batch([_text(f"wamid.BIG{n}", ("Bunda 👶 é ‮ " * 342)[:4096], wa) for n, wa in enumerate(people)])

    resp, trap = _signed_batch(client, batch)

    assert (resp.status_code, resp.get_json(), trap.exceptions()) == (200, {"messages": 30, "statuses": 0}, [])
    assert db.count("inbound_messages") == 30
    assert sorted(m["to"] for m in sent_to(graph)) == people


@pytest.mark.parametrize("ts", ["253402300800", "9" * 30, "²"])
def test_a_status_with_an_absurd_timestamp_loses_no_message(function_client, db, graph, ts):
    """A status stamped beyond what the schema admits is refused with its batch (400, nothing done) or ignored
    with the message beside it answered: never an exception, never a message lost behind a 200."""
    client = function_client("webhook", "whatsapp_webhook")
    batch = _batch([_text("wamid.A1")], [{"id": "wamid.OUT1", "status": "read", "timestamp": ts,
                                          "recipient_id": "6281200000001"}])

    resp, trap = _signed_batch(client, batch)

    assert resp.status_code in ACCEPTED and trap.exceptions() == []
    answered = 1 if resp.status_code == 200 else 0
    assert len(db.recorded(["wamid.A1"])) == answered and len(sent_to(graph, "6281200000001")) == answered


@pytest.mark.parametrize("sub", [["button_reply"], {}])
def test_an_interactive_type_of_the_wrong_type_loses_no_message(function_client, db, graph, sub):
    """An interactive message whose `type` is a list or object is refused (400) or handled, never dropped."""
    client = function_client("webhook", "whatsapp_webhook")
    odd = {"from": "6281200000002", "id": "wamid.B2", "timestamp": "1700000001", "type": "interactive",
           "interactive": {"type": sub}}
    batch = _batch([_text("wamid.B1"), odd])

    resp, trap = _signed_batch(client, batch)

    assert resp.status_code in ACCEPTED and trap.exceptions() == []
    if resp.status_code == 200:
        assert db.recorded(["wamid.B1", "wamid.B2"]) == {"wamid.B1", "wamid.B2"}


@pytest.mark.parametrize("where,bad", [("id", "\x00"), ("type", "\x00"), ("id", "\udc00"), ("type", "\udc00"),
                                       ("status", "\x00"), ("status", "\udc00")])
def test_nul_or_lone_surrogate_in_ids_is_refused_or_handled(function_client, db, graph, where, bad):
    """NUL or a lone surrogate in an id or type gets a 400, or the batch is handled: nothing raises or is lost."""
    client = function_client("webhook", "whatsapp_webhook")
    msg = _text("wamid.C1")
    statuses = []
    if where == "status":
        statuses = [{"id": "wamid.OUT" + bad, "status": "read", "timestamp": "1700000000"}]
    else:
        msg[where] = msg[where] + bad
    batch = _batch([msg] if where != "id" else [msg, _text("wamid.C2", sender="6281200000002")], statuses)

    resp, trap = _signed_batch(client, batch)

    assert resp.status_code in ACCEPTED and trap.exceptions() == []
    if resp.status_code == 200:
        assert db.count("inbound_messages") == len(batch["entry"][0]["changes"][0]["value"]["messages"])


@pytest.mark.parametrize("sender", ["6281200000001\n", "62812000000012345678"])
def test_a_sender_id_that_cannot_be_answered_is_refused(function_client, db, graph, sender):
    """A `from` that is not an E.164 wa_id (trailing newline, more than 15 digits) is a bad request."""
    client = function_client("webhook", "whatsapp_webhook")

    resp, _trap = _signed_batch(client, _batch([_text("wamid.E1", sender=sender)]))

    assert resp.status_code == 400


@pytest.mark.parametrize("name", ["Bu\x00di", "Bu\udc00di"])
def test_a_hostile_child_name_does_not_wedge_the_conversation(function_client, db, graph, name):
    """A name with NUL or a lone surrogate is refused or cleaned: the measurement is saved, nothing raises."""
    client = function_client("webhook", "whatsapp_webhook")
    # The hostile name is refused and asked again, which "Budi" then answers.
    answers = ["Halo", "consent:yes", "cek", name, "Budi", "L", "12/03/2025", "hari ini", "8,5", "70", "telentang",
               "lewati", "lewati", "tidak"]
    errors: list[str] = []

    for n, answer in enumerate(answers):
        make = _tap if answer.startswith("consent:") else _text
        resp, trap = _signed_batch(client, _batch([make(f"wamid.F{n}", answer, ts=str(1_700_000_000 + n))]))
        assert resp.status_code == 200
        errors += trap.exceptions()

    assert errors == []
    assert db.count("measurements") == 1


# --- signatures, methods and the handshake under hostile input --------------------------------------------------

HOSTILE_BODIES = st.one_of(st.binary(max_size=500), envelopes().map(lambda case: case[0]))


def test_unsigned_or_wrongly_signed_hostile_bodies_are_refused_and_never_processed(function_client, db, graph):
    """Without a signature 401, with a wrong or malformed one 403; nothing is recorded or sent."""
    client = function_client("webhook", "whatsapp_webhook")
    bad_headers = st.one_of(
        st.just(None), st.just(""),
        st.sampled_from(["sha256=", "sha256", "sha1=abc", "md5=00", "sha256=" + "0" * 64, "SHA256=" + "f" * 64,
                         "sha256=zz", "=", "sha256=="]),
        st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=80),
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80),
    )

    @settings(FUZZ, max_examples=120)
    @given(body=HOSTILE_BODIES, header=bad_headers, other_secret=st.booleans())
    def check(body, header, other_secret):
        if other_secret:
            header = sign(body, "not-the-app-secret")
        headers = {} if header is None else {"X-Hub-Signature-256": header}
        resp = client.post("/", data=body, headers=headers, content_type="application/json")
        assert resp.status_code == (401 if not header else 403)

    check()

    assert db.count("inbound_messages") == 0 and sent_to(graph) == []


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_with_hostile_bodies_are_405(function_client, db, graph, method):
    """PUT, DELETE and PATCH are 405 whatever they carry, even correctly signed, and nothing is processed."""
    client = function_client("webhook", "whatsapp_webhook")

    @settings(FUZZ, max_examples=25)
    @given(body=HOSTILE_BODIES, signed=st.booleans())
    def check(body, signed):
        headers = {"X-Hub-Signature-256": sign(body, SECRET)} if signed else {}
        resp = client.open("/", method=method, data=body, headers=headers, content_type="application/json")
        assert resp.status_code == 405

    check()

    assert db.count("inbound_messages") == 0 and sent_to(graph) == []


def test_get_with_weird_query_strings_is_403(function_client):
    """GET with any query string but the right subscribe handshake is 403, never 500."""
    client = function_client("webhook", "whatsapp_webhook")
    keys = st.sampled_from(["hub.mode", "hub.verify_token", "hub.challenge", "hub.mode[]", "", "hub%2Emode"])
    values = st.sampled_from(["subscribe", "SUBSCRIBE", "test-verify-token ", "test-verify-tokeN", "1", ""]) | \
        st.text(max_size=40)
    pairs = st.lists(st.tuples(keys | st.text(max_size=10), values), max_size=5)
    raw = st.one_of(st.text(max_size=100), st.sampled_from(
        ["%", "%zz", "%ff%fe", "hub.mode=subscribe&hub.verify_token=%00", "hub.challenge=" + "9" * 10_000,
         "hub.mode=subscribe&hub.verify_token=test-verify-token", "hub.mode=subscribe&hub.challenge=1&&&&;;;",
         "hub.mode=subscribe&hub.verify_token=TEST-VERIFY-TOKEN&hub.challenge=1", "a=" + "%C0%AF" * 50]))

    @settings(FUZZ, max_examples=120)
    @given(query=st.one_of(pairs, raw))
    def check(query):
        if isinstance(query, str):
            resp = client.get("/?" + query.replace("#", "%23"))
        else:
            resp = client.get("/", query_string=query)
        assert resp.status_code == 403

    check()


@pytest.mark.parametrize("case", ["post_signature", "get_verify_token"])
def test_non_ascii_signature_or_verify_token_is_refused(function_client, case):
    """A signature header or hub.verify_token with non-ASCII characters is refused with 403, not 200."""
    client = function_client("webhook", "whatsapp_webhook")

    with _errors_logged() as trap:
        if case == "post_signature":
            resp = client.post("/", data=b"{}", headers={"X-Hub-Signature-256": "sha256=" + "\u00e9" * 64},
                               content_type="application/json")
        else:
            resp = client.get("/", query_string={"hub.mode": "subscribe", "hub.verify_token": "t\u00e9st",
                                                 "hub.challenge": "42"})

    assert (resp.status_code, trap.exceptions()) == (403, [])
