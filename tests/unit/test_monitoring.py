"""The monitoring definitions (monitoring/) held to the events the code emits (shared/events.py) and to the runbook.

Every file parses; every metric a policy or the dashboard names is a log-based metric of metrics.json or a built-in
one listed here; every log-based metric counts an event the code emits, through fields that event declares; every
event emitted is in the runbook's Events table; every policy links to its own runbook section.
"""
import ast
import json
import os
import re
import stat
from pathlib import Path

import pytest

from monitoring import render
from shared.events import SPECS, Event

REPO = Path(__file__).resolve().parents[2]
MONITORING = REPO / "monitoring"
ALERTS = sorted((MONITORING / "alerts").glob("*.json"))
JSON_FILES = [MONITORING / "metrics.json", MONITORING / "dashboard.json", *ALERTS]
OPERATIONS = REPO / "docs" / "operations.md"

# Google's own metrics the policies and the dashboard may name; anything else must be created by deploy.sh.
BUILTIN = {
    "run.googleapis.com/request_count",
    "run.googleapis.com/container/instance_count",
    "run.googleapis.com/container/startup_latencies",
    "cloudsql.googleapis.com/database/postgresql/num_backends",
    "monitoring.googleapis.com/uptime_check/check_passed",
}
USER_PREFIX = "logging.googleapis.com/user/"
METRIC_TYPE = re.compile(r'metric\.type\s*=\s*"([^"]+)"')
PROMQL_NAME = re.compile(r"\b([a-z0-9_]+_googleapis_com:[A-Za-z0-9_]+)")
EVENT_IN_FILTER = re.compile(r'jsonPayload\.context\.event="([^"]+)"')
EXTRACT = re.compile(r"EXTRACT\(jsonPayload\.context\.([A-Za-z0-9_]+)\)")
CONDITION_TYPES = {"conditionThreshold", "conditionAbsent", "conditionPrometheusQueryLanguage"}
MAX_ABSENCE_S = 23.5 * 3600  # Cloud Monitoring: the longest metric-absence duration
MAX_ALERT_ALIGNMENT_S = 90_000  # Cloud Monitoring: the longest alignment period in an alerting policy (25 h)


def load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def strings(value):
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)


def promql_name(metric_type: str) -> str:
    """A Cloud Monitoring metric type as PromQL spells it: run.googleapis.com/request_count ->
    run_googleapis_com:request_count."""
    domain, _, path = metric_type.partition("/")
    return domain.replace(".", "_") + ":" + re.sub(r"[./]", "_", path)


def seconds(duration: str) -> float:
    assert duration.endswith("s"), duration
    return float(duration[:-1])


def metrics() -> list[dict]:
    return load(MONITORING / "metrics.json")


def defined_types() -> set[str]:
    return {USER_PREFIX + m["name"] for m in metrics()}


def named_metrics(value) -> tuple[set[str], set[str]]:
    """The metric types a policy or dashboard names in its filters, and the PromQL metric names in its queries."""
    types, promql = set(), set()
    for text in strings(value):
        types |= set(METRIC_TYPE.findall(text))
        promql |= set(PROMQL_NAME.findall(text))
    return types, promql


def emitted_events() -> dict[Event, list[str]]:
    """Each Event passed to emit(logger, Event.X, ...) in shared/ and functions/, with the files that emit it."""
    found: dict[Event, list[str]] = {}
    for top in ("shared", "functions"):
        for path in sorted((REPO / top).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or len(node.args) < 2:
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                event = node.args[1]
                if (name == "emit" and isinstance(event, ast.Attribute) and isinstance(event.value, ast.Name)
                        and event.value.id == "Event"):
                    found.setdefault(Event[event.attr], []).append(str(path.relative_to(REPO)))
    return found


def events_table() -> dict[str, list[str]]:
    """The runbook's Events table: event name -> its row's cells (event, fields, emitted by, metric)."""
    text = OPERATIONS.read_text(encoding="utf-8")
    section = re.search(r"^### Events\n(.*?)(?=^#)", text, re.S | re.M)
    assert section, "docs/operations.md has no '### Events' section"
    rows = {}
    for line in section.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells
    return rows


@pytest.mark.parametrize("path", JSON_FILES, ids=[str(p.relative_to(MONITORING)) for p in JSON_FILES])
def test_every_monitoring_file_is_json(path):
    """gcloud reads these files as they are: a stray comma would only show at deploy time."""
    assert isinstance(load(path), (list, dict))


def test_there_is_a_policy_for_each_alert_the_operations_issue_asks_for():
    """The alerts of issue 17, each in its own file (a file per policy is what `policies create` takes)."""
    assert {p.stem for p in ALERTS} >= {"webhook-5xx", "outbox-stale", "backup-missing", "scheduler-failing",
                                        "apps-script-failing", "meta-token-expired", "meta-undeliverable"}


def test_every_metric_a_policy_or_the_dashboard_names_is_created_or_built_in():
    """A policy on a metric nobody writes never fires: each is a metric of metrics.json or Google's own."""
    known = defined_types() | BUILTIN
    known_promql = {promql_name(t) for t in known}
    for path in [MONITORING / "dashboard.json", *ALERTS]:
        types, promql = named_metrics(load(path))

        # A distribution reads in PromQL as a histogram: NAME_count, NAME_sum, NAME_bucket.
        unknown = {n for n in promql if n not in known_promql
                   and re.sub(r"_(count|sum|bucket)$", "", n) not in known_promql}

        assert types <= known, f"{path.name}: {sorted(types - known)}"
        assert not unknown, f"{path.name}: {sorted(unknown)}"


def test_the_dashboard_shows_every_metric_and_the_platform_figures():
    """One page: every log-based metric, plus instances, cold starts and Cloud SQL connections."""
    types, promql = named_metrics(load(MONITORING / "dashboard.json"))
    shown = types | {t for t in defined_types() | BUILTIN
                     if any(n.startswith(promql_name(t)) for n in promql)}

    assert defined_types() <= shown, sorted(defined_types() - shown)
    assert {"run.googleapis.com/container/instance_count", "run.googleapis.com/container/startup_latencies",
            "cloudsql.googleapis.com/database/postgresql/num_backends"} <= shown


def test_the_dashboard_tiles_fit_its_grid():
    """Mosaic tiles lie within the layout's columns and do not overlap."""
    layout = load(MONITORING / "dashboard.json")["mosaicLayout"]
    taken: set[tuple[int, int]] = set()
    for tile in layout["tiles"]:
        x, y = tile.get("xPos", 0), tile.get("yPos", 0)
        assert 0 <= x and x + tile["width"] <= layout["columns"], tile["widget"]["title"]
        cells = {(x + i, y + j) for i in range(tile["width"]) for j in range(tile["height"])}
        assert not cells & taken, tile["widget"]["title"]
        taken |= cells


def test_every_metric_counts_one_event_the_code_emits():
    """Each filter names exactly one event: an Event of shared/events.py that some emit() call logs. (A metric on
    an event nobody emits is a flat line that looks like calm.)"""
    emitted = {e.value for e in emitted_events()}
    for metric in metrics():
        named = EVENT_IN_FILTER.findall(metric["filter"])

        assert len(named) == 1, metric["name"]
        assert named[0] in {e.value for e in Event}, f"{metric['name']}: {named[0]} is not an Event"
        assert named[0] in emitted, f"{metric['name']}: nothing emits {named[0]}"


def test_every_extractor_names_a_field_its_event_declares():
    """Labels and values come from the event's own fields (emit() refuses any other, so another never arrives)."""
    for metric in metrics():
        event = Event(EVENT_IN_FILTER.findall(metric["filter"])[0])
        descriptor = metric["metricDescriptor"]
        extractors = metric.get("labelExtractors", {})

        assert sorted(extractors) == sorted(label["key"] for label in descriptor.get("labels", [])), metric["name"]
        for extractor in [*extractors.values(), *filter(None, [metric.get("valueExtractor")])]:
            fields = EXTRACT.fullmatch(extractor)
            assert fields and fields.group(1) in SPECS[event].fields, f"{metric['name']}: {extractor}"


def test_metric_kinds_fit_their_values():
    """Counters are DELTA INT64 without a value; distributions extract a value into declared buckets."""
    for metric in metrics():
        descriptor = metric["metricDescriptor"]

        assert descriptor["metricKind"] == "DELTA"
        assert re.fullmatch(r"tumbuh_[a-z0-9_]+", metric["name"])
        if descriptor["valueType"] == "DISTRIBUTION":
            assert metric["valueExtractor"] and metric["bucketOptions"], metric["name"]
        else:
            assert descriptor["valueType"] == "INT64" and "valueExtractor" not in metric, metric["name"]


def test_the_outbox_age_buckets_have_a_bound_at_the_alert_threshold():
    """The outbox-stale policy compares a percentile with 900 s: a bucket bound there makes that exact."""
    [metric] = [m for m in metrics() if m["name"] == "tumbuh_outbox_oldest_age"]
    [condition] = load(MONITORING / "alerts" / "outbox-stale.json")["conditions"]

    assert condition["conditionThreshold"]["thresholdValue"] in metric["bucketOptions"]["explicitBuckets"]["bounds"]


def test_every_event_emitted_is_in_the_events_table():
    """The runbook lists every event the code emits, with the fields shared/events.py declares and metrics that
    exist."""
    table = events_table()
    names = {m["name"] for m in metrics()}
    for event in emitted_events():
        assert event.value in table, f"{event.value} is emitted but not in docs/operations.md's Events table"
        _, fields, _, metric_cell = table[event.value][:4]

        assert [f.strip(" `") for f in fields.split(",")] == list(SPECS[event].fields), event.value
        assert set(re.findall(r"tumbuh_[a-z0-9_]+", metric_cell)) <= names, event.value
    assert set(table) <= {e.value for e in Event}, "the Events table names an event shared/events.py does not have"


@pytest.mark.parametrize("path", ALERTS, ids=[p.stem for p in ALERTS])
def test_each_policy_links_to_its_runbook_section(path):
    """The notification carries the way to the runbook: docs/operations.md#alert-NAME, a '### Alert: NAME' heading."""
    policy = load(path)
    headings = re.findall(r"^### Alert: (\S+)$", OPERATIONS.read_text(encoding="utf-8"), re.M)

    assert f"docs/operations.md#alert-{path.stem}" in policy["documentation"]["content"]
    assert policy["documentation"]["mimeType"] == "text/markdown"
    assert path.stem in headings


@pytest.mark.parametrize("path", ALERTS, ids=[p.stem for p in ALERTS])
def test_each_policy_stays_within_what_cloud_monitoring_accepts(path):
    """Known condition types only, channels left to deploy.sh, and the API's limits: a metric-absence condition
    holds at most 23.5 hours, an alerting alignment period at most 25 hours, a PromQL condition stands alone."""
    policy = load(path)

    assert policy["notificationChannels"] == []
    assert policy["displayName"].startswith("Tumbuh: ")
    for condition in policy["conditions"]:
        [kind] = set(condition) & CONDITION_TYPES
        body = condition[kind]
        if kind == "conditionAbsent":
            assert seconds(body["duration"]) <= MAX_ABSENCE_S
        if kind == "conditionPrometheusQueryLanguage":
            assert len(policy["conditions"]) == 1
        for aggregation in body.get("aggregations", []):
            assert seconds(aggregation["alignmentPeriod"]) <= MAX_ALERT_ALIGNMENT_S


def test_placeholders_are_the_ones_deploy_fills():
    """A ${NAME} deploy.sh does not fill stops the deploy (render.py refuses it): catch it here instead."""
    filled = set(re.findall(r'--set "([A-Z_]+)=', (REPO / "deploy.sh").read_text(encoding="utf-8")))
    used = {name for path in JSON_FILES for text in strings(load(path)) for name in render.PLACEHOLDER.findall(text)}

    assert used and used <= filled, sorted(used - filled)


def test_fill_replaces_placeholders_and_refuses_an_unknown_one():
    """Placeholders inside nested strings are filled; one without a value is an error, not an empty string."""
    value = {"a": ["x ${PROJECT_ID} y"], "b": {"c": "${PROJECT_ID}:${SQL_INSTANCE}"}, "n": 3}

    assert render.fill(value, {"PROJECT_ID": "p", "SQL_INSTANCE": "i"}) == {"a": ["x p y"], "b": {"c": "p:i"}, "n": 3}
    with pytest.raises(render.RenderError, match="SQL_INSTANCE"):
        render.fill(value, {"PROJECT_ID": "p"})


def test_fill_file_sets_a_policys_channels(tmp_path):
    """The channels named at deploy time replace the policy's empty list; the display name comes back."""
    dst = tmp_path / "policy.json"

    display = render.fill_file(str(ALERTS[0]), str(dst), {"PROJECT_ID": "p", "WEBHOOK_HOST": "h"},
                               ["projects/p/notificationChannels/1"])

    assert display == load(ALERTS[0])["displayName"]
    assert load(dst)["notificationChannels"] == ["projects/p/notificationChannels/1"]


def test_split_metrics_writes_one_file_per_metric(tmp_path):
    """`logging metrics create --config-from-file` takes one LogMetric: each gets its own file, named after it."""
    names = render.split_metrics(str(MONITORING / "metrics.json"), str(tmp_path))

    assert names == [m["name"] for m in metrics()]
    assert load(tmp_path / f"metric.{names[0]}.json") == metrics()[0]


def test_split_metrics_refuses_a_name_twice(tmp_path):
    """Two metrics of one name would silently overwrite each other's definition at deploy time."""
    src = tmp_path / "metrics.json"
    src.write_text(json.dumps([metrics()[0], metrics()[0]]))

    with pytest.raises(render.RenderError, match="twice"):
        render.split_metrics(str(src), str(tmp_path))


def test_a_channel_file_keeps_its_secret_private_and_url_safe(tmp_path):
    """The webhook channel's token is quoted into the URL and the file is readable by its owner only."""
    dst = tmp_path / "channel.json"

    render.channel(str(dst), "webhook_tokenauth", "Tumbuh: operator WhatsApp", "url", "a&b=c/d\n",
                   "https://hook.example/ops/alert?token=")

    assert load(dst)["labels"] == {"url": "https://hook.example/ops/alert?token=a%26b%3Dc%2Fd"}
    assert stat.S_IMODE(os.stat(dst).st_mode) == 0o600
    with pytest.raises(render.RenderError):
        render.channel(str(dst), "email", "Tumbuh: operator e-mail", "email_address", "  ", None)
