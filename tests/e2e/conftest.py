"""Clients for each functions/*/main.py through functions-framework's test client, on this test's own stores."""
import sys
from pathlib import Path

import pytest
from functions_framework import create_app

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def function_client(local_env, monkeypatch):
    """make(name, target) → a Flask test client for that function, configured by local_env."""
    for key, value in local_env.items():
        monkeypatch.setenv(key, value)
    for key in ("CLOUD_SQL_INSTANCE", "APPS_SCRIPT_URL", "TUMBUH_ENV"):
        if key not in local_env:
            monkeypatch.delenv(key, raising=False)

    def make(name: str, target: str):
        sys.modules.pop("main", None)  # each function's source is a module named main: load it afresh
        return create_app(target, str(REPO / "functions" / name / "main.py")).test_client()

    return make
