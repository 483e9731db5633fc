"""monitoring/*.json against Google's own published schemas of the resources they become: every field a real field
of that resource, every enum value one the API knows, every duration a duration. The schemas are the discovery
documents google-api-python-client ships (googleapiclient.discovery_cache.get_static_doc), so this runs offline:
a misspelt field (which the API would refuse, or worse, ignore) fails here instead of at the first deploy."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from googleapiclient.discovery_cache import get_static_doc

ROOT = Path(__file__).resolve().parents[2] / "monitoring"
DURATION = re.compile(r"\d+(\.\d+)?s")


def _schemas(api: str, version: str) -> dict:
    doc = get_static_doc(api, version)
    if doc is None:
        pytest.fail(f"google-api-python-client ships no discovery document for {api} {version}")
    return json.loads(doc)["schemas"]


SCHEMAS = {("monitoring", "v3"): _schemas("monitoring", "v3"), ("monitoring", "v1"): _schemas("monitoring", "v1"),
           ("logging", "v2"): _schemas("logging", "v2")}


def problems(value, schema: dict, schemas: dict, where: str) -> list[str]:
    """What in `value` the schema does not allow: unknown fields, wrong types, unknown enum values, bad durations."""
    if "$ref" in schema:
        return problems(value, schemas[schema["$ref"]], schemas, where)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if not isinstance(value, dict):
            return [f"{where}: an object expected"]
        props, extra = schema.get("properties"), schema.get("additionalProperties")
        out = []
        for key, item in value.items():
            if props is not None and key in props:
                out += problems(item, props[key], schemas, f"{where}.{key}")
            elif extra is not None:
                out += problems(item, extra, schemas, f"{where}.{key}")
            else:
                out.append(f"{where}.{key}: no such field")
        return out
    if kind == "array":
        if not isinstance(value, list):
            return [f"{where}: a list expected"]
        return [p for i, item in enumerate(value) for p in problems(item, schema["items"], schemas, f"{where}[{i}]")]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{where}: a string expected"]
        if "enum" in schema and value not in schema["enum"]:
            return [f"{where}: {value!r} is not one of {schema['enum']}"]
        if schema.get("format") == "google-duration" and not DURATION.fullmatch(value):
            return [f"{where}: {value!r} is not a duration like '300s'"]
        if schema.get("format") in ("int64", "uint64") and not re.fullmatch(r"-?\d+", value):
            return [f"{where}: {value!r} is not an integer"]
        return []
    if kind == "integer":
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{where}: an integer expected"]
    if kind == "number":
        return [] if isinstance(value, (int, float)) and not isinstance(value, bool) else [f"{where}: a number expected"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where}: true or false expected"]
    return []  # "any"


def _cases() -> list:
    cases = [pytest.param(("logging", "v2"), "LogMetric", metric, id=f"metric-{metric['name']}")
             for metric in json.loads((ROOT / "metrics.json").read_text())]
    cases += [pytest.param(("monitoring", "v3"), "AlertPolicy", json.loads(path.read_text()), id=f"alert-{path.stem}")
              for path in sorted((ROOT / "alerts").glob("*.json"))]
    cases.append(pytest.param(("monitoring", "v1"), "Dashboard", json.loads((ROOT / "dashboard.json").read_text()),
                              id="dashboard"))
    return cases


@pytest.mark.parametrize(("api", "resource", "document"), _cases())
def test_each_file_is_the_resource_google_publishes(api, resource, document):
    schemas = SCHEMAS[api]

    assert problems(document, schemas[resource], schemas, resource) == []


def test_the_check_catches_a_misspelt_field_a_wrong_enum_and_a_bad_duration():
    schemas = SCHEMAS[("monitoring", "v3")]
    policy = json.loads((ROOT / "alerts" / "webhook-5xx.json").read_text())
    policy["combiner"] = "ANY"
    policy["notificationChannel"] = []
    policy["conditions"][0]["displayNames"] = "x"
    policy["alertStrategy"] = {"autoClose": "1 day"}

    found = problems(policy, schemas["AlertPolicy"], schemas, "AlertPolicy")

    assert len(found) == 4, found
