"""Staff sign in to the dashboard with a code sent to their WhatsApp: real PostgreSQL, Redis, Graph API stand-in."""
import json
import logging
from datetime import datetime, timedelta, timezone

import pytest
import redis
import requests

from shared.adapters.postgres import PgStaffAccess
from shared.adapters.redis_login import RedisLoginGuard
from shared.adapters.whatsapp_cloud import WhatsAppCloudMessenger
from shared.domain.model import Staff
from shared.errors import TransientError
from shared.ports import StaffSession
from shared.services import staff_login as login
from tests.conftest import GRAPH_PHONE_ID, GRAPH_TOKEN, sent_to

pytestmark = pytest.mark.integration

SECRET = b"test-sign-in-secret-of-32-bytes!"
NOW = datetime(2025, 3, 10, 3, 0, tzinfo=timezone.utc)
KADER = "6281234567890"
UNKNOWN = "6281399990000"
ADDRESS = "203.0.113.7"


@pytest.fixture
def access(migrated) -> PgStaffAccess:
    return PgStaffAccess(migrated)


@pytest.fixture
def guard(redis_url) -> RedisLoginGuard:
    return RedisLoginGuard(redis_url)


@pytest.fixture
def messenger(graph):
    m = WhatsAppCloudMessenger(f"{graph}/v21.0", GRAPH_TOKEN, GRAPH_PHONE_ID, timeout_s=5)
    yield m
    m.close()


@pytest.fixture
def kader_id(migrated) -> int:
    """Siti, a kader of Posyandu Melati, whose number is KADER."""
    pid = migrated.run("INSERT INTO posyandu (name, village, district) VALUES ('Melati', 'Sukamaju', 'Cibeber') "
                       "RETURNING id")[0][0]
    return migrated.run("INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES (%s, 'Siti', 'kader', %s) "
                        "RETURNING id", (KADER, pid))[0][0]


def deactivate(db, staff_id: int) -> None:
    """What an admin's deactivation does to the row (audited by the staff trigger, which 0012 mended)."""
    db.run("UPDATE staff SET active = false WHERE id = %s", (staff_id,))
    assert db.run("SELECT detail->'fields' FROM audit_log WHERE action = 'staff.update' AND entity_id = %s "
                  "ORDER BY id DESC LIMIT 1", (staff_id,))[0][0] == ["active"]


def ask(access, guard, messenger, number=KADER, address=ADDRESS) -> str:
    return login.request_code(access, guard, messenger, number, address, NOW, SECRET)


def enter(access, guard, code, number=KADER, address=ADDRESS, now=NOW):
    return login.sign_in(access, guard, number, code, address, now, SECRET)


def code_sent(graph: str, wa_id: str = KADER) -> str:
    """The code in the latest template the stand-in received for a number, checked to be in both places Meta's
    authentication template wants it."""
    template = sent_to(graph, wa_id)[-1]["payload"]["template"]
    body, button = template["components"]
    assert (template["name"], body["type"], button["sub_type"], button["index"]) == (
        "tumbuh_kode_masuk", "body", "url", "0")
    code = body["parameters"][0]["text"]
    assert button["parameters"] == [{"type": "text", "text": code}]
    return code


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** login.CODE_DIGITS:06d}"


def fail_next_send(graph: str, wa_id: str, code: int) -> None:
    requests.post(f"{graph}/_standin/fail", json={"to": wa_id, "code": code}, timeout=5).raise_for_status()


def test_a_kader_signs_in_once_with_the_code_sent_to_their_whatsapp(access, guard, messenger, graph, kader_id):
    """The code arrives as the authentication template in the kader's language; it opens a 12-hour session once."""
    assert ask(access, guard, messenger) == "code_sent"
    [sent] = sent_to(graph, KADER)
    code = code_sent(graph)

    session = enter(access, guard, code)

    assert sent["payload"]["template"]["language"] == {"code": "id"}
    assert len(code) == 6 and code.isdigit()
    assert isinstance(session, StaffSession)
    assert (session.staff_id, session.expires_at) == (kader_id, NOW + timedelta(hours=12))
    assert len(session.id) >= 43  # 32 random bytes, URL-safe
    assert login.current(access, session.id, NOW + timedelta(minutes=5)) == Staff(
        kader_id, KADER, "Siti", "kader", access.active_staff(KADER).posyandu_id, "id")
    assert enter(access, guard, code) == "bad_code"


def test_the_code_goes_in_the_staff_members_own_language(access, guard, messenger, graph, migrated, kader_id):
    """A kader who chose English gets the English template."""
    migrated.run("UPDATE staff SET language = 'en' WHERE id = %s", (kader_id,))

    ask(access, guard, messenger)

    assert sent_to(graph, KADER)[-1]["payload"]["template"]["language"] == {"code": "en"}


def test_five_wrong_codes_spend_the_right_one(access, guard, messenger, graph, kader_id):
    """After MAX_TRIES wrong codes the code is gone: even the right one is refused, with the same answer."""
    ask(access, guard, messenger)
    code = code_sent(graph)

    wrong = [enter(access, guard, other_code(code)) for _ in range(5)]

    assert wrong == ["bad_code"] * 5
    assert enter(access, guard, code) == "bad_code"


def test_four_wrong_codes_leave_the_right_one_working(access, guard, messenger, graph, kader_id):
    """A mistyped code or four do not lock the kader out."""
    ask(access, guard, messenger)
    code = code_sent(graph)
    for _ in range(4):
        enter(access, guard, other_code(code))

    assert isinstance(enter(access, guard, code), StaffSession)


def test_a_new_code_replaces_the_earlier_one(access, guard, messenger, graph, kader_id):
    """Asking again sends a fresh code; the first one no longer opens anything."""
    ask(access, guard, messenger)
    first = code_sent(graph)
    ask(access, guard, messenger)
    second = code_sent(graph)

    assert first == second or enter(access, guard, first) == "bad_code"  # a repeat of 1 in 10^6 is the same code
    assert isinstance(enter(access, guard, second), StaffSession)


def test_a_code_is_refused_once_it_expired(access, guard, messenger, graph, kader_id, redis_url):
    """Redis drops the code after its time-out: the right code then gets the same answer as a wrong one."""
    ask(access, guard, messenger)
    code = code_sent(graph)
    client = redis.Redis.from_url(redis_url)
    [key] = client.keys("login:code:*")
    assert 0 < client.ttl(key) <= login.CODE_TTL_S

    client.pexpire(key, 1)
    client.close()

    assert wait_until_gone(redis_url, key)
    assert enter(access, guard, code) == "bad_code"


def wait_until_gone(redis_url: str, key: bytes) -> bool:
    import time

    client = redis.Redis.from_url(redis_url)
    try:
        for _ in range(100):
            if not client.exists(key):
                return True
            time.sleep(0.01)
        return False
    finally:
        client.close()


def test_an_unknown_number_is_answered_alike_and_sent_nothing(access, guard, messenger, graph, kader_id):
    """Nobody learns who is staff: an unknown number gets code_sent too, and WhatsApp carries nothing."""
    outcome = ask(access, guard, messenger, number="0813-9999-0000")

    assert outcome == "code_sent"
    assert sent_to(graph) == []
    assert enter(access, guard, "000000", number=UNKNOWN) == "bad_code"


def test_a_deactivated_staff_member_gets_no_code_and_loses_their_sessions(access, guard, messenger, graph,
                                                                         migrated, kader_id):
    """Deactivating someone ends their open session at once, refuses a code sent before, and sends no new one."""
    ask(access, guard, messenger)
    session = enter(access, guard, code_sent(graph))
    ask(access, guard, messenger)
    pending = code_sent(graph)

    deactivate(migrated, kader_id)

    assert login.current(access, session.id, NOW) is None
    assert enter(access, guard, pending) == "bad_code"
    assert ask(access, guard, messenger) == "code_sent"
    assert len(sent_to(graph, KADER)) == 2  # the two sent while active, nothing since


def test_revoke_all_ends_every_session_of_a_person(access, guard, messenger, graph, migrated, kader_id):
    """An admin deactivating someone also revokes their sessions: they stay ended if the person is reactivated."""
    sessions = []
    for _ in range(2):
        ask(access, guard, messenger)
        sessions.append(enter(access, guard, code_sent(graph)))

    revoked = access.revoke_all(kader_id, NOW, actor="staff:99")

    assert revoked == 2 and access.revoke_all(kader_id, NOW) == 0
    assert [login.current(access, s.id, NOW) for s in sessions] == [None, None]
    assert migrated.run("SELECT actor, detail FROM audit_log WHERE action = 'staff.sessions_revoke'") == [
        ["staff:99", {"sessions": 2}]]


def test_logout_revokes_the_session_and_the_audit_log_keeps_ids_only(access, guard, messenger, graph, migrated,
                                                                     kader_id):
    """Signing out ends the session (twice is harmless); sign-in and sign-out are audited with ids, no number,
    code or session id."""
    ask(access, guard, messenger)
    code = code_sent(graph)
    session = enter(access, guard, code)

    login.sign_out(access, session.id, NOW)
    login.sign_out(access, session.id, NOW)

    assert login.current(access, session.id, NOW) is None
    rows = migrated.run("SELECT actor, action, entity, entity_id, detail FROM audit_log "
                        "WHERE action LIKE 'staff.sign%%' ORDER BY id")
    assert rows == [[f"staff:{kader_id}", "staff.sign_in", "staff", kader_id, {}],
                    [f"staff:{kader_id}", "staff.sign_out", "staff", kader_id, {}]]
    everything = json.dumps(migrated.run("SELECT actor, action, entity, entity_id, detail FROM audit_log"))
    for secret in (KADER, code, session.id):
        assert secret not in everything


def test_a_session_ends_at_its_absolute_expiry(access, guard, messenger, graph, kader_id):
    """However much it is used, a session holds 12 hours from sign-in and not a second longer."""
    ask(access, guard, messenger)
    session = enter(access, guard, code_sent(graph))

    assert login.current(access, session.id, NOW + timedelta(hours=12, seconds=-1)) is not None
    assert login.current(access, session.id, NOW + timedelta(hours=12)) is None
    assert login.current(access, "no-such-session", NOW) is None
    assert login.current(access, "", NOW) is None


def test_a_fourth_code_for_one_number_within_15_minutes_is_too_many(access, guard, messenger, graph, kader_id):
    """Three codes a number per 15 minutes, whatever address asks; the fourth is refused and not sent."""
    outcomes = [ask(access, guard, messenger, address=f"198.51.100.{i}") for i in range(4)]

    assert outcomes == ["code_sent"] * 3 + ["too_many"]
    assert len(sent_to(graph, KADER)) == 3


def test_an_unknown_number_is_limited_like_a_staff_members(access, guard, messenger, graph, kader_id):
    """The limit answers the same for a number that is not staff, so it does not tell them apart either."""
    outcomes = [ask(access, guard, messenger, number=UNKNOWN, address=f"198.51.100.{i}") for i in range(4)]

    assert outcomes == ["code_sent"] * 3 + ["too_many"]


def test_the_21st_request_from_one_address_is_too_many(access, guard, messenger, graph, kader_id):
    """An address may ask 20 times per 15 minutes (unknown numbers and typos count); the 21st is refused even for
    a staff member's number, while another address still gets its code."""
    outcomes = [ask(access, guard, messenger, number=f"0813000000{i:02d}") for i in range(19)]
    outcomes.append(ask(access, guard, messenger, number="not a number"))

    assert set(outcomes) == {"code_sent", "bad_number"} and len(outcomes) == 20
    assert ask(access, guard, messenger) == "too_many"
    assert sent_to(graph) == []
    assert ask(access, guard, messenger, address="198.51.100.1") == "code_sent"
    assert len(sent_to(graph, KADER)) == 1


def test_the_21st_sign_in_attempt_from_one_address_is_too_many(access, guard, messenger, graph, kader_id):
    """Sign-in attempts are limited per address too: the 21st is refused even with the right code."""
    ask(access, guard, messenger)
    code = code_sent(graph)
    attempts = [enter(access, guard, "abc", number=f"0813000000{i:02d}") for i in range(20)]

    assert attempts == ["bad_code"] * 20
    assert enter(access, guard, code) == "too_many"
    assert isinstance(enter(access, guard, code, address="198.51.100.1"), StaffSession)


def test_numbers_as_people_type_them_reach_the_same_staff_row(access, guard, messenger, graph, kader_id):
    """'0812-3456-7890' asks for the code, '+62 812 3456 7890' signs in with it typed '123 456'-style."""
    assert {login.normalise_number(t) for t in ("0812-3456-7890", "+62 812 3456 7890", "6281234567890",
                                                "812 3456 7890", " (0812) 3456.7890 ")} == {KADER}
    assert [login.normalise_number(t) for t in ("", "halo", "12345", "021 555 1234", "0812", "+1 415 555 0100")] \
        == [None] * 6
    assert ask(access, guard, messenger, number="0812-3456-7890") == "code_sent"
    code = code_sent(graph)

    session = enter(access, guard, f"{code[:3]} {code[3:]}", number="+62 812 3456 7890")

    assert isinstance(session, StaffSession) and session.staff_id == kader_id
    assert enter(access, guard, "123456", number="halo") == "bad_number"
    assert ask(access, guard, messenger, number="halo") == "bad_number"


def test_a_failed_send_is_answered_alike_and_logged_without_number_or_code(access, guard, messenger, graph,
                                                                          kader_id, log_stream, caplog):
    """Meta refusing the send is not told to the page (it would say who is staff); no log line, formatted or
    raw, holds the number in any form or a code."""
    caplog.set_level(logging.INFO)
    fail_next_send(graph, KADER, 131026)

    failed = ask(access, guard, messenger, number="0812-3456-7890")
    ask(access, guard, messenger, number="+62 812 3456 7890")
    code = code_sent(graph)
    enter(access, guard, other_code(code), number="812 3456 7890")
    session = enter(access, guard, code)
    login.sign_out(access, session.id, NOW)
    ask(access, guard, messenger, number=UNKNOWN)

    assert failed == "code_sent"
    out = log_stream.getvalue()
    assert "sign-in code not sent" in out and "staff signed in" in out
    raw = "\n".join(f"{r.getMessage()} {getattr(r, 'ctx', '')}" for r in caplog.records
                    if r.name.startswith("shared."))  # the stand-in's own request lines quote the test's queries
    for leak in (KADER, "81234567890", "0812-3456-7890", "812 3456 7890", UNKNOWN, code, other_code(code),
                 session.id):
        assert leak not in out
        assert leak not in raw


def test_redis_keeps_no_number_and_no_code_in_the_clear(access, guard, messenger, graph, kader_id, redis_url):
    """Every key is a login: key named by pseudonyms, expiring by itself; the code is kept as a keyed hash."""
    ask(access, guard, messenger)
    code = code_sent(graph)
    client = redis.Redis.from_url(redis_url)

    keys = client.keys("*")
    stored = [client.hgetall(k) for k in keys if client.type(k) == b"hash"]
    ttls = [client.ttl(k) for k in keys]
    client.close()

    assert keys and all(k.startswith(b"login:") for k in keys)
    assert all(0 < ttl <= 900 for ttl in ttls)
    dump = repr(keys) + repr(stored)
    for leak in (KADER, "81234567890", code):
        assert leak not in dump


def test_the_guard_refuses_keys_outside_login_and_an_unreachable_redis_is_transient(redis_url):
    """Keys outside the login: namespace are a bug; a Redis that does not answer is a TransientError (503)."""
    with pytest.raises(ValueError):
        RedisLoginGuard(redis_url).allow("rate:x", 1, 60)

    with pytest.raises(TransientError):
        RedisLoginGuard("redis://127.0.0.1:1/0", socket_timeout_s=0.5).allow("login:addr:x", 1, 60)


def test_a_short_secret_is_refused():
    """Codes and addresses are hashed with the secret: an empty or short one is a configuration error."""
    from shared.errors import ConfigError

    with pytest.raises(ConfigError):
        login.request_code(None, None, None, KADER, ADDRESS, NOW, b"")
