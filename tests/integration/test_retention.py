"""The retention purge on real PostgreSQL and Redis: exactly what the policy says goes, once a day, never twice."""
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from shared.adapters import redis_store
from shared.adapters.postgres import PostgresRecords, migrate, url_connector
from shared.adapters.redis_store import RedisConversations
from shared.bootstrap import build_app
from shared.services import conversation, retention, scheduled

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=timezone.utc)  # 10:00 WIB
MINUTE = timedelta(minutes=1)
PRIVACY_DOC = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"


@pytest.fixture
def records(database_url) -> PostgresRecords:
    r = PostgresRecords(url_connector(database_url))
    migrate(r)
    return r


def _id(records, sql, params=()) -> int:
    return records.run(sql + " RETURNING id", params)[0][0]


def _one_of_each_kind(records) -> dict:
    """Rows of every kind the purge handles: one just past its period ("old_*") and one just inside ("new_*")."""
    keep = retention.periods()
    cut = {kind: NOW - period for kind, period in keep.items()}
    ids = {}
    for name, at in (("old", cut["inbound_messages"] - MINUTE), ("new", cut["inbound_messages"] + MINUTE)):
        records.run("INSERT INTO inbound_messages (wamid, wa_hash, kind, received_at) VALUES (%s, 'h', 'text', %s)",
                    (f"wamid.{name}", at))
    for kind, error in (("outbox_done", None), ("outbox_failed", "PermanentError")):
        for name, at in (("old", cut[kind] - MINUTE), ("new", cut[kind] + MINUTE)):
            ids[f"{name}_{kind}"] = _id(records, "INSERT INTO outbox (kind, payload, done_at, last_error) "
                                                 "VALUES ('send', '{}', %s, %s)", (at, error))
    # A row still waiting is work, not history, however old.
    ids["pending_outbox"] = _id(records, "INSERT INTO outbox (kind, payload, created_at) VALUES ('send', "
                                         "'{\"to\": \"6281200000001\"}', %s)", (NOW - timedelta(days=400),))
    for name, at in (("old", cut["outbound_messages"] - MINUTE), ("new", cut["outbound_messages"] + MINUTE)):
        records.run("INSERT INTO outbound_messages (wamid, kind, sent_at) VALUES (%s, 'reply', %s)",
                    (f"wamid.out.{name}", at))
    for name, at in (("old", cut["claim_refusals"] - MINUTE), ("new", cut["claim_refusals"] + MINUTE)):
        records.run("INSERT INTO claim_refusals (wa_hash, refused_at) VALUES (%s, %s)", (f"refused.{name}", at))

    posyandu = _id(records, "INSERT INTO posyandu (name) VALUES ('Melati')")
    guardian = _id(records, "INSERT INTO guardians (wa_id, consent_at, consent_version) VALUES "
                            "('6281200000002', %s, 'v1')", (NOW - timedelta(days=500),))
    child = "INSERT INTO children (guardian_id, posyandu_id, name, sex, birth_date, parent_wa_id, " \
            "parent_claimed_at, claim_asked_at) VALUES (%s, %s, 'Ani', 'F', '2025-01-03', %s, %s, %s)"
    claimed = cut["parent_claims"]
    ids["old_claim"] = _id(records, child, (None, posyandu, "6281200000003", claimed - MINUTE, claimed))
    ids["new_claim"] = _id(records, child, (None, posyandu, "6281200000004", claimed + MINUTE, None))
    ids["confirmed_claim"] = _id(records, child, (guardian, posyandu, "6281200000002", claimed - MINUTE, claimed))

    day = cut["abandoned_remeasures"].date()  # measured on that day: exactly the period old, still kept
    m = "INSERT INTO measurements (child_id, measured_on, weight_kg, source, flags, review) " \
        "VALUES (%s, %s, 9.0, 'whatsapp', %s, %s)"
    family_child = ids["confirmed_claim"]
    ids["old_remeasure"] = _id(records, m, (family_child, day - timedelta(days=1), ["whz"], "remeasure"))
    ids["new_remeasure"] = _id(records, m, (family_child, day, ["whz"], "remeasure"))
    ids["old_confirmed"] = _id(records, m, (family_child, day - timedelta(days=300), ["whz"], "confirmed"))
    ids["old_plain"] = _id(records, m, (family_child, day - timedelta(days=300), [], None))
    for key in ("old_remeasure", "old_confirmed"):  # Sheet rows not written yet
        ids[f"upsert_{key}"] = _id(records, "INSERT INTO outbox (kind, payload) VALUES ('sheet_upsert', %s)",
                                   (json.dumps({"child_id": family_child, "measurement_id": ids[key]}),))
    # Dashboard sessions: one that ended (signed out) just past its period, one still inside, one never ended.
    kader = _id(records, "INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES ('6281300000001', 'Siti', "
                         "'kader', %s)", (posyandu,))
    ended = cut["staff_sessions"]
    for sid, expires, revoked in (("old-session", NOW, ended - MINUTE), ("new-session", ended + MINUTE, None),
                                  ("live-session", NOW + timedelta(hours=1), None)):
        records.run("INSERT INTO staff_sessions (id, staff_id, expires_at, revoked_at) VALUES (%s, %s, %s, %s)",
                    (sid, kader, expires, revoked))
    return ids


def test_the_purge_removes_exactly_what_has_outlived_its_period(records):
    """Rows a minute past their period go, rows a minute inside stay, and other data is not touched."""
    ids = _one_of_each_kind(records)

    counts = retention.purge(records, NOW)

    assert counts == {"inbound_messages": 1, "outbox_done": 1, "outbox_failed": 1, "outbound_messages": 1,
                      "parent_claims": 1, "claim_refusals": 1, "abandoned_remeasures": 1, "staff_sessions": 1}
    assert sorted(r[0] for r in records.run("SELECT id FROM staff_sessions")) == ["live-session", "new-session"]
    assert records.run("SELECT wamid FROM inbound_messages") == [["wamid.new"]]
    assert records.run("SELECT wamid FROM outbound_messages") == [["wamid.out.new"]]
    assert records.run("SELECT wa_hash FROM claim_refusals") == [["refused.new"]]
    outbox = {r[0] for r in records.run("SELECT id FROM outbox WHERE kind <> 'sheet_delete'")}
    assert outbox == {ids["new_outbox_done"], ids["new_outbox_failed"], ids["pending_outbox"],
                      ids["upsert_old_confirmed"]}  # the deleted value's Sheet row is never written
    claims = dict((r[0], r[1:]) for r in records.run(
        "SELECT id, parent_wa_id, parent_claimed_at IS NULL, claim_asked_at IS NULL FROM children"))
    assert claims[ids["old_claim"]] == [None, True, True]  # only the unconfirmed number went; the child stays
    assert claims[ids["new_claim"]][0] == "6281200000004"
    assert claims[ids["confirmed_claim"]][0] == "6281200000002"
    kept = {r[0] for r in records.run("SELECT id FROM measurements")}
    assert kept == {ids["new_remeasure"], ids["old_confirmed"], ids["old_plain"]}


def test_abandoned_values_leave_the_sheet_too_and_the_run_is_audited(records):
    """A deleted flagged value is queued for deletion from the Sheet, and the run leaves one audit entry of counts."""
    ids = _one_of_each_kind(records)

    counts = retention.purge(records, NOW)

    deletes = records.run("SELECT payload, done_at FROM outbox WHERE kind = 'sheet_delete'")
    posyandu = records.run("SELECT posyandu_id FROM children WHERE id = %s", (ids["confirmed_claim"],))[0][0]
    assert deletes == [[{"posyandu_id": posyandu, "measurement_ids": [ids["old_remeasure"]]}, None]]
    audit = records.run("SELECT actor, action, entity, entity_id, detail, at FROM audit_log "
                        "WHERE action = 'retention.purge'")
    assert audit == [["retention", "retention.purge", "retention", None, counts, NOW]]


def test_a_second_run_purges_nothing(records):
    """Run again at the same moment, the purge finds nothing left to remove and queues no second Sheet deletion."""
    _one_of_each_kind(records)
    retention.purge(records, NOW)
    before = records.run("SELECT count(*) FROM outbox")[0][0]

    again = retention.purge(records, NOW)

    assert set(again.values()) == {0} and set(again) == set(retention.periods())
    assert records.run("SELECT count(*) FROM outbox")[0][0] == before


def test_a_run_is_bounded_per_kind(records):
    """With more expired rows than the limit, a run removes the limit and the next run the rest."""
    for i in range(5):
        records.run("INSERT INTO inbound_messages (wamid, wa_hash, kind, received_at) VALUES (%s, 'h', 'text', %s)",
                    (f"wamid.{i}", NOW - timedelta(days=30)))

    first = records.purge_expired(NOW, retention.periods(), 3)["inbound_messages"]
    second = records.purge_expired(NOW, retention.periods(), 3)["inbound_messages"]

    assert (first, second) == (3, 2)


@pytest.fixture
def app(settings):
    built = build_app(settings)
    built.ensure_schema()
    return built


def _old_message(app, wamid: str, now: datetime) -> None:
    app.records.run("INSERT INTO inbound_messages (wamid, wa_hash, kind, received_at) VALUES (%s, 'h', 'text', %s)",
                    (wamid, now - timedelta(days=30)))


def test_the_scheduler_purges_once_a_day_not_every_tick(app):
    """The first tick of a day purges and reports counts; later ticks that day do not; the next day's first does."""
    first, _ = scheduled.run_due(app, now=NOW)
    _old_message(app, "wamid.later", NOW)

    later, _ = scheduled.run_due(app, now=NOW + timedelta(hours=5))
    next_day, _ = scheduled.run_due(app, now=NOW + timedelta(days=1))

    assert "retention_purge" in first["ran"] and first["purged"]["inbound_messages"] == 0
    assert "retention_purge" not in later["ran"] and "purged" not in later
    assert next_day["purged"]["inbound_messages"] == 1
    assert app.records.run("SELECT count(*) FROM audit_log WHERE actor = 'retention'")[0][0] == 2


def test_a_run_that_hit_the_limit_is_continued_by_the_next_tick(app, monkeypatch):
    """A backlog bigger than one run is worked off tick by tick the same day, then the ticks stop purging."""
    monkeypatch.setattr(retention, "PURGE_BATCH", 2)
    for i in range(5):
        _old_message(app, f"wamid.{i}", NOW)

    ticks = [scheduled.run_due(app, now=NOW + timedelta(minutes=5 * i))[0] for i in range(4)]

    assert [t.get("purged", {}).get("inbound_messages") for t in ticks] == [2, 2, 1, None]


def test_conversation_state_expires_within_a_day(redis_url):
    """Saved conversation state (it can hold a child's name and birth date) carries a time-out of at most 24 hours,
    and its trace at most 7 days, as docs/privacy.md promises."""
    store = RedisConversations(redis_url)

    store.save("6281200000001", {"flow": "register_child", "slots": {"name": "Ani"}})

    ttl = store.client().ttl("conv:6281200000001")
    trace = store.client().ttl("conv-trace:6281200000001")
    assert 0 < ttl <= 24 * 3600 and 0 < trace <= 7 * 24 * 3600


def test_redis_time_outs_stay_within_the_policy():
    """Every Redis time-out is at most what the policy row for that key says."""
    keep = {r.kind: r.keep.total_seconds() for r in retention.POLICY if r.removed_by == retention.REDIS_TTL}

    assert redis_store.STATE_TTL_S <= keep["conversation_state"]
    assert redis_store.TRACE_TTL_S <= keep["conversation_trace"]
    assert redis_store.MEDIA_TTL_S <= keep["media_ids"]
    assert max(redis_store.CLAIM_LEASE_S, redis_store.LOCK_TTL_MS / 1000, 2 * conversation.RATE_WINDOW_S,
               conversation.MUTE_S) <= keep["leases_and_limits"]  # a rate key lives two windows


def test_the_written_policy_names_every_rule_with_its_period():
    """docs/privacy.md has a row for every rule of the policy, with the same period."""
    doc = PRIVACY_DOC.read_text(encoding="utf-8")

    for rule in retention.POLICY:
        row = re.search(rf"^\| `{rule.kind}` \|.*$", doc, re.MULTILINE)
        assert row, f"docs/privacy.md has no row for {rule.kind}"
        words = _period_words(rule.keep)
        assert words in row[0], f"{rule.kind}: docs/privacy.md does not say {words}"


def _period_words(keep: timedelta | None) -> str:
    """How docs/privacy.md writes a period: "8 days", "1 year", "24 hours", "5 minutes"."""
    if keep is None:
        return "while the family uses Tumbuh"
    if keep.days and keep.days % 365 == 0:
        years = keep.days // 365
        return f"{years} year" + "s" * (years > 1)
    if keep >= timedelta(days=2):
        return f"{keep.days} days"
    if keep >= timedelta(hours=1):
        return f"{int(keep.total_seconds()) // 3600} hours"
    return f"{int(keep.total_seconds()) // 60} minutes"
