"""The PostgreSQL adapter's statements: prepared once per connection, one round trip each, transactions intact."""
import pytest

from shared.adapters.postgres import PostgresRecords, connections, migrate, query, url_connector

pytestmark = pytest.mark.integration


@pytest.fixture
def records(database_url) -> PostgresRecords:
    r = PostgresRecords(url_connector(database_url))
    migrate(r)
    return r


def _prepared(records) -> list[str]:
    """This connection's prepared statements, as PostgreSQL lists them."""
    return [row[0] for row in records.run("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")]


def test_a_statement_is_prepared_once_and_reused(records):
    """Ten runs of the same SQL leave one server-side statement (its %s turned into $1), with the right rows."""
    before = len(_prepared(records))  # the listing query itself is prepared by now

    answers = [records.run("SELECT %s::int + 1", (i,))[0][0] for i in range(10)]

    statements = _prepared(records)
    assert answers == list(range(1, 11))
    assert statements.count("SELECT $1::int + 1") == 1 and len(statements) == before + 1


def test_a_named_parameter_used_twice_is_one_parameter(records):
    """%(name)s with a mapping: each name becomes one $n, however often the statement uses it."""
    assert records.run("SELECT %(a)s::int * 100 + %(b)s::int * 10 + %(a)s::int", {"b": 2, "a": 1}) == [[121]]
    assert records.run("SELECT %(a)s::int * 100 + %(b)s::int * 10 + %(a)s::int", {"a": 3, "b": 4}) == [[343]]

    assert "SELECT $1::int * 100 + $2::int * 10 + $1::int" in _prepared(records)


def test_a_failed_transaction_rolls_back_everything_and_the_statements_still_work(records):
    """A statement failing inside a unit of work rolls back the ones before it (one implicit BEGIN), and the
    connection's prepared statements survive the rollback."""
    with pytest.raises(Exception):
        with records.transaction() as tx:
            tx.queue("sheet_upsert", {"n": 1}, dedupe_key="prepared-test")
            tx.audit("test", "x", "thing", None)
            query(tx._conn, "SELECT 1 / 0")

    with records.transaction() as tx:
        tx.queue("sheet_upsert", {"n": 2}, dedupe_key="prepared-test")

    rows = records.run("SELECT payload FROM outbox WHERE dedupe_key = 'prepared-test'")
    assert rows == [[{"n": 2}]]
    assert records.run("SELECT count(*) FROM audit_log WHERE actor = 'test'")[0][0] == 0


def test_a_swallowed_database_error_is_never_committed(records):
    """COMMIT on an aborted transaction would roll back quietly; the unit of work refuses instead."""
    with pytest.raises(RuntimeError, match="swallowed"):
        with records.transaction() as tx:
            tx.queue("sheet_upsert", {"n": 1}, dedupe_key="swallowed")
            try:
                tx._one("SELECT 1 / 0")
            except Exception:
                pass

    assert records.run("SELECT count(*) FROM outbox WHERE dedupe_key = 'swallowed'")[0][0] == 0
    assert records.run("SELECT 1")[0][0] == 1  # and the connection is usable again


def test_rows_affected_are_counted(records):
    with records.transaction() as tx:
        assert tx.answer_claim(1, "6281200000001", None) is False


def test_the_oldest_statements_are_closed_beyond_the_cap(records, monkeypatch):
    """A connection keeps at most STATEMENTS_PER_CONNECTION statements; the least recently used one goes."""
    monkeypatch.setattr(connections, "STATEMENTS_PER_CONNECTION", 3)
    for i in range(6):
        records.run(f"SELECT {i} + %s", (1,))

    statements = _prepared(records)
    assert len(statements) <= 3
    assert "SELECT 5 + $1" in statements and "SELECT 0 + $1" not in statements


def test_a_first_statement_that_fails_leaves_the_connection_in_step(records):
    """The first statement begins the transaction; when it fails, the transaction is rolled back and the same
    connection serves the next unit of work."""
    with pytest.raises(Exception, match="division by zero"):
        with records.transaction() as tx:
            tx._one("SELECT 1 / %s::int", (0,))

    with records.transaction() as tx:
        tx.queue("sheet_upsert", {"n": 3}, dedupe_key="after-failure")
        assert tx._all("SELECT 2 / %s::int", (1,)) == [[2]]

    assert records.run("SELECT payload FROM outbox WHERE dedupe_key = 'after-failure'") == [[{"n": 3}]]


def test_the_arrival_brings_the_history_of_the_child_in_focus(records):
    """begin_message with a child id returns that child's latest measurements exactly as measurements_of
    would (newest first, same types), in the message's one statement; without one, none are loaded."""
    from datetime import date, datetime, timezone

    from shared.domain.model import Measurement

    now = datetime(2025, 3, 10, tzinfo=timezone.utc)
    with records.transaction() as tx:
        guardian = tx.create_guardian("6281200000042", "id", "v1", now)
        child = tx.add_child(guardian.id, "Ani", "F", date(2024, 1, 3))
        for i, (on, kg, flags) in enumerate([(date(2024, 12, 3), 7.9, ()), (date(2025, 1, 3), 8.1, ("weight_change",)),
                                             (date(2025, 2, 3), 8.4, ())]):
            tx.record_measurement(Measurement(child.id, on, kg, 70.5 + i, "l", None, 44.0, False, flags,
                                              {"gain": {"code": "N"}}), "whatsapp", f"ref-{i}", "test")
    with records.transaction() as tx:
        expected = tx.measurements_of(child.id, limit=2)
        arrival = tx.begin_message("wamid.FOCUS", "hash", "text", "6281200000042", now, child_id=child.id,
                                   measurements=2)
        plain = tx.begin_message("wamid.PLAIN", "hash", "text", "6281200000042", now)

    assert arrival.measurements == expected and [m.weight_kg for m in expected] == [8.4, 8.1]
    assert expected[1].flags == ("weight_change",) and expected[0].armc_cm == 44.0
    assert plain.measurements is None and [c.name for c in arrival.children] == ["Ani"]
