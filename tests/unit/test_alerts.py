"""Operator alerts without a store: reading Cloud Monitoring's incident body, the template's parameters, the operator
numbers, and the refusals answered before any store is touched."""
import json
from datetime import datetime, timezone

import pytest

from shared.services import alerts
from shared.services.alerts import BadIncident, read_incident, template_params

NOW = datetime(2025, 8, 17, 7, 30, tzinfo=timezone.utc)
TOKEN = "alert-token-for-unit-tests-only-0123456789"


def incident(**changes) -> dict:
    """A notification as Cloud Monitoring posts it (schema 1.2), for one of our policies (monitoring/alerts/)."""
    body = {
        "incident": {
            "incident_id": "0.lj2va6zdkemq",
            "scoping_project_id": "tumbuh-prod",
            "resource_name": "tumbuh-webhook",
            "started_at": 1755415500,  # 2025-08-17 07:25 UTC = 14:25 WIB
            "ended_at": None,
            "policy_name": "Tumbuh: webhook answers 5xx",
            "policy_user_labels": {"app": "tumbuh", "alert": "webhook-5xx"},
            "condition_name": "5xx answers in 5 minutes",
            "url": "https://console.cloud.google.com/monitoring/alerting/incidents/0.lj2va6zdkemq",
            "documentation": {"content": "docs/operations.md#alert-webhook-5xx", "mime_type": "text/markdown"},
            "state": "open",
            "summary": "5xx answers for tumbuh-webhook are above the threshold of 3 with a value of 12.",
        },
        "version": "1.2",
    }
    body["incident"].update(changes)
    return body


def raw(body) -> bytes:
    return json.dumps(body).encode()


def test_an_incident_is_read_with_its_policy_state_start_and_alert_code():
    """The fields the operator is told come out of a real-shaped body; the id only as a hash."""
    got = read_incident(raw(incident()))

    assert (got.policy, got.state, got.started_at, got.code) == (
        "Tumbuh: webhook answers 5xx", "open", datetime(2025, 8, 17, 7, 25, tzinfo=timezone.utc), "webhook-5xx")
    assert len(got.ref) == 16 and "0.lj2va6zdkemq" not in got.ref


def test_the_template_says_the_start_in_wib_in_the_operators_words():
    """Parameters: policy, state in catalogue words, start as Jakarta time (UTC+7), code."""
    opened = template_params(read_incident(raw(incident())), NOW)
    closed = template_params(read_incident(raw(incident(state="closed"))), NOW, "en")

    assert opened == ("Tumbuh: webhook answers 5xx", "TERBUKA, perlu ditangani", "17 Agustus 2025 pukul 14.25 WIB",
                      "webhook-5xx")
    assert closed[1:3] == ("CLOSED, back to normal", "17 August 2025 at 14:25 WIB")


def test_a_start_after_wib_midnight_falls_on_the_next_day():
    """17:05 UTC is already 00:05 the next day in WIB: the date follows the operators' clock."""
    params = template_params(read_incident(raw(incident(started_at=1755450300))), NOW)  # 2025-08-17 17:05 UTC

    assert params[2] == "18 Agustus 2025 pukul 00.05 WIB"


@pytest.mark.parametrize("changes,expected", [
    ({"state": "OPEN"}, "open"),  # some receivers see upper case: read in any case
    ({"started_at": "1755415500"}, "open"),  # digits in a string are still Unix seconds
])
def test_lenient_readings(changes, expected):
    """Variations of the same incident are read alike."""
    got = read_incident(raw(incident(**changes)))

    assert (got.state, got.started_at) == (expected, datetime(2025, 8, 17, 7, 25, tzinfo=timezone.utc))


def test_a_missing_start_is_told_as_the_time_of_receipt():
    """Without started_at the operator is told when the alert arrived, not nothing."""
    got = read_incident(raw(incident(started_at=None)))

    assert got.started_at is None and template_params(got, NOW)[2] == "17 Agustus 2025 pukul 14.30 WIB"


def test_a_policy_name_is_put_on_one_line_and_cut_to_length():
    """New lines, tabs and runs of spaces (which Meta refuses in a parameter) are folded; a long name is cut."""
    one_line = read_incident(raw(incident(policy_name="Tumbuh:\n  webhook\t\tanswers      5xx")))
    long = read_incident(raw(incident(policy_name="x" * 500)))

    assert one_line.policy == "Tumbuh: webhook answers 5xx"
    assert len(long.policy) == alerts.POLICY_MAX and long.policy.endswith("…")


@pytest.mark.parametrize("labels", [None, {}, {"alert": "Not A Label!"}, {"alert": 5}])
def test_a_policy_without_our_alert_label_gets_the_incidents_short_hash(labels):
    """Google's test notification and foreign policies carry no `alert` label: the code is the ref's first 8."""
    got = read_incident(raw(incident(policy_user_labels=labels)))

    assert got.code == got.ref[:8]


@pytest.mark.parametrize("body", [
    b"", b"{", b"[]", b"null", "é".encode("latin-1"), b'{"version": "1.2"}', b'{"incident": "open"}',
    raw(incident(incident_id="")), raw(incident(incident_id=None)), raw(incident(incident_id="x" * 300)),
    raw(incident(policy_name="")), raw(incident(policy_name="  \n ")), raw(incident(policy_name=["a"])),
    raw(incident(state="acknowledged")), raw(incident(state=None)),
    raw(incident(started_at="yesterday")), raw(incident(started_at=True)), raw(incident(started_at=-5)),
    raw(incident(started_at=10 ** 12)), raw(incident(started_at={"seconds": 1})),
], ids=lambda b: b[:40].decode("utf-8", "replace"))
def test_junk_is_a_bad_incident_never_a_crash(body):
    """Anything that is not an incident we can describe raises BadIncident (answered 400), nothing else."""
    with pytest.raises(BadIncident):
        read_incident(body)


def test_operator_numbers_are_read_as_staff_numbers_each_once():
    """0812…, +62 812…, 62812… and 812… are the same wa_id; a number that is not one is counted apart."""
    numbers, unreadable = alerts.operators(("0812-3456-7890", "+62 812 3456 7890", "81298765432", "12345"))

    assert (numbers, unreadable) == (["6281234567890", "6281298765432"], 1)


def _no_app():
    raise AssertionError("the App was asked for before the request was accepted")


@pytest.mark.parametrize("operator_wa,alert_token,token,body,status", [
    ((), TOKEN, TOKEN, raw(incident()), 404),  # operator alerts off
    (("12345",), TOKEN, TOKEN, raw(incident()), 404),  # no readable number: off too
    (("081234567890",), "", "", raw(incident()), 404),  # no token configured: never compare with ""
    (("081234567890",), TOKEN, TOKEN[:-1] + "x", raw(incident()), 403),
    (("081234567890",), TOKEN, "", raw(incident()), 403),
    (("081234567890",), TOKEN, "tökén", raw(incident()), 403),  # beyond ASCII: refused, not a TypeError
    (("081234567890",), TOKEN, TOKEN, b"{", 400),
])
def test_refusals_come_before_the_app_is_built(operator_wa, alert_token, token, body, status):
    """Off, wrong token and junk are answered without building the App (no database or Redis touched)."""
    answer, got = alerts.notify(_no_app, operator_wa, alert_token, body, token, NOW)

    assert got == status
