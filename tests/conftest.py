"""Fixtures shared by every tier: fresh PostgreSQL databases and Redis on the servers scripts/services.sh started."""
from __future__ import annotations

import io
import logging
import os
import sys
import uuid
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from shared.config import Settings
from shared.logs import JsonFormatter, setup_logging


def pytest_collection_finish(session: pytest.Session) -> None:
    """A session without hypothesis tests (tests/unit alone, say) runs without hypothesis's pytest plugin.

    At the session's end that plugin imports the whole hypothesis package to report files only hypothesis tests
    write, and pytest rewrites the asserts of every module of a plugin's package as it imports it: about a second
    when bytecode is not cached (PYTHONDONTWRITEBYTECODE), a quarter of the unit tier's time. Collection has imported
    every test module, so if hypothesis is not loaded by now no collected test uses it, and the plugin has nothing
    to do or report.
    """
    if "hypothesis" not in sys.modules:
        plugins = session.config.pluginmanager
        plugin = plugins.get_plugin("hypothesispytest")
        if plugin is not None:
            plugins.unregister(plugin)


@pytest.fixture
def restore_logging():
    """Tests that set up logging themselves get the root logger's JSON handlers back as they were afterwards."""
    root = logging.getLogger()
    before = [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]
    yield
    for handler in root.handlers[:]:
        if isinstance(handler.formatter, JsonFormatter) and handler not in before:
            root.removeHandler(handler)
    for handler in before:
        if handler not in root.handlers:
            root.addHandler(handler)


@pytest.fixture
def log_stream(restore_logging) -> io.StringIO:
    """The JSON lines logged while the test runs."""
    stream = io.StringIO()
    setup_logging("INFO", stream=stream)
    return stream


def _service_url(name: str) -> str:
    url = os.environ.get(name, "")
    if not url:
        if os.environ.get("TUMBUH_REQUIRE_SERVICES"):
            pytest.fail(f"{name} is not set although the services should be running (run `make test`)")
        pytest.skip(f"{name} is not set: run `make test`, which starts real PostgreSQL and Redis")
    return url


@pytest.fixture(scope="session")
def server_database_url() -> str:
    """The URL of the throwaway cluster's own database (used only to create per-test databases)."""
    return _service_url("DATABASE_URL")


@contextmanager
def new_database(server_database_url: str) -> Iterator[str]:
    """A brand-new, empty database on the test cluster: its URL; dropped afterwards."""
    import pg8000.native

    parts = urlsplit(server_database_url)
    name = "t_" + uuid.uuid4().hex[:12]
    admin = pg8000.native.Connection(parts.username or "postgres", host=parts.hostname, port=parts.port,
                                     password=parts.password, database=parts.path.lstrip("/") or None)
    admin.run(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path="/" + name))
    finally:
        admin.run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def database_url(server_database_url: str) -> Iterator[str]:
    """A brand-new, empty database for this test, dropped afterwards."""
    with new_database(server_database_url) as url:
        yield url


@pytest.fixture
def restore_url(server_database_url: str) -> Iterator[str]:
    """A second empty database for this test (what a backup is restored into), dropped afterwards."""
    with new_database(server_database_url) as url:
        yield url


@pytest.fixture
def migrated(database_url: str):
    """This test's own database with every migration applied, reached as its owner (the migrator)."""
    from shared.adapters.postgres import PostgresRecords, migrate, url_connector

    db = PostgresRecords(url_connector(database_url))
    migrate(db)
    return db


@pytest.fixture
def redis_url() -> str:
    """A Redis database index of its own for this test, flushed before and after."""
    import redis

    base = _service_url("REDIS_URL")
    parts = urlsplit(base)
    index = 1 + (uuid.uuid4().int % 15)  # db 0 belongs to `make run`; tests share 1..15, flushed around each use
    url = urlunsplit(parts._replace(path=f"/{index}"))
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


GRAPH_TOKEN = "test-graph-token"
GRAPH_PHONE_ID = "100000000000001"


@pytest.fixture(scope="session")
def graph_server(tmp_path_factory):
    """The local Graph API stand-in on a free loopback port (threaded werkzeug), shared by the session."""
    import threading

    from werkzeug.serving import make_server

    from shared.adapters.local.graph_standin import make_app

    app = make_app(GRAPH_TOKEN, tmp_path_factory.mktemp("media"), phone_number_id=GRAPH_PHONE_ID)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", app.extensions["graph_standin"]
    httpd.shutdown()
    thread.join(5)


@pytest.fixture
def graph(graph_server) -> str:
    """The stand-in's root URL, emptied before the test."""
    import requests

    url, _store = graph_server
    requests.post(f"{url}/_standin/reset", timeout=5).raise_for_status()
    return url


def sent_to(graph: str, wa_id: str | None = None) -> list[dict]:
    """What the stand-in recorded as sent (optionally to one number)."""
    import requests

    params = {"to": wa_id} if wa_id else {}
    return requests.get(f"{graph}/_standin/messages", params=params, timeout=5).json()["messages"]


@pytest.fixture
def local_env(database_url: str, redis_url: str, graph: str, tmp_path) -> dict[str, str]:
    """Environment of a local Tumbuh instance on this test's own database, Redis and Graph API stand-in."""
    return {
        "TUMBUH_ENV": "local",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "WHATSAPP_APP_SECRET": "test-app-secret",
        "WHATSAPP_VERIFY_TOKEN": "test-verify-token",
        "WHATSAPP_ACCESS_TOKEN": GRAPH_TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": GRAPH_PHONE_ID,
        "WHATSAPP_API_URL": f"{graph}/v21.0",
        "BACKUP_BUCKET": str(tmp_path / "backups"),
        "SHEET_DIR": str(tmp_path / "sheets"),
        "SHEET_EDIT_SECRET": "test-sheet-edit-secret",
    }


@pytest.fixture
def settings(local_env: dict[str, str]) -> Settings:
    """Checked local settings for this test's stores."""
    return Settings.from_env(local_env).check()


@contextmanager
def apps_script_standin(properties: dict[str, str]) -> Iterator[str]:
    """The Apps Script web-app stand-in (the real apps_script/ code under Node) with these Script Properties, for a
    test: its root URL. Skips without node, or fails under make test, which installs it."""
    from scripts.servers import NodeMissing, start_apps_script_standin

    try:
        proc, url = start_apps_script_standin(properties)
    except NodeMissing as missing:
        if os.environ.get("TUMBUH_REQUIRE_SERVICES"):
            pytest.fail(f"{missing}, although make test installs it before pytest")
        pytest.skip(str(missing))
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=5)


@pytest.fixture(scope="session")
def storage_emulator() -> Iterator[str]:
    """gcp-storage-emulator (a local Cloud Storage, in memory) for the session, started like PostgreSQL: its URL.
    Each test takes a prefix of its own in the bucket (see `gcs_bucket`)."""
    from scripts.servers import start_storage_emulator

    try:
        proc, url = start_storage_emulator()
    except (OSError, RuntimeError) as exc:
        if os.environ.get("TUMBUH_REQUIRE_SERVICES"):
            pytest.fail(f"gcp-storage-emulator did not start ({exc}), although make test installs it")
        pytest.skip(f"gcp-storage-emulator is not available: {exc}")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=5)


@pytest.fixture
def gcs_bucket(storage_emulator: str) -> tuple[str, str]:
    """(BACKUP_BUCKET, STORAGE_API_URL): a prefix of this test's own in the emulator's bucket."""
    from scripts.servers import BACKUP_TEST_BUCKET

    return f"gs://{BACKUP_TEST_BUCKET}/t-{uuid.uuid4().hex[:12]}", storage_emulator
