"""`python -m shared.backup` as an operator runs it: a real process, real PostgreSQL, a backup folder; JSON on
stdout, the reason on stderr, and the exit code says whether all is well."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f00a1b2c3d"


def _cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shared.backup", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def env(migrated, local_env, tmp_path) -> dict:
    migrated.run("INSERT INTO posyandu (name, village) VALUES ('Melati', 'Sukamaju')")
    return {**os.environ, **local_env, "BACKUP_BUCKET": str(tmp_path / "backups"), "BACKUP_KEY": KEY,
            "LOG_LEVEL": "WARNING", "PYTHONDONTWRITEBYTECODE": "1"}


def test_run_list_verify_restore_open(env, restore_url, tmp_path):
    """The whole round as an operator types it."""
    made = _cli(env, "run", "--now", "2026-11-27T02:00+07:00")
    listed = _cli(env, "list")
    verified = _cli(env, "verify", "--date", "2026-11-27")
    restored = _cli(env, "restore", "--date", "2026-11-27", "--database-url", restore_url)
    opened = _cli(env, "open", "--date", "2026-11-27", "--name", "posyandu", "--out", str(tmp_path / "p.copy"))

    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["date"] == "2026-11-27"
    assert [b["status"] for b in json.loads(listed.stdout)["backups"]] == ["complete"]
    assert verified.returncode == 0 and json.loads(verified.stdout)["ok"] is True
    assert restored.returncode == 0 and json.loads(restored.stdout)["rows"] >= 1
    assert opened.returncode == 0 and "\tMelati\tSukamaju\t" in (tmp_path / "p.copy").read_text()
    assert (tmp_path / "p.copy").stat().st_mode & 0o777 == 0o600


def test_what_cannot_be_done_is_said_plainly(env, migrated, database_url, tmp_path):
    """Each refusal exits 1 with one sentence saying why and what to do; a wrong date is a usage error (2)."""
    _cli(env, "run", "--now", "2026-11-27T02:00+07:00")

    missing = _cli(env, "verify", "--date", "2026-11-20")
    full = _cli(env, "restore", "--date", "2026-11-27", "--database-url", database_url)
    wrong_key = _cli({**env, "BACKUP_KEY": "9" * 8 + KEY[8:]}, "verify", "--date", "2026-11-27")
    no_such = _cli(env, "open", "--date", "2026-11-27", "--name", "nope", "--out", str(tmp_path / "x"))
    bad_date = _cli(env, "verify", "--date", "27-11-2026")

    assert (missing.returncode, missing.stdout) == (1, "")
    assert "there is no backup of 2026-11-20" in missing.stderr and "`list`" in missing.stderr
    assert full.returncode == 1 and "not empty" in full.stderr and "--replace" in full.stderr
    assert wrong_key.returncode == 1 and "BACKUP_PREVIOUS_KEYS" in wrong_key.stderr
    assert no_such.returncode == 1 and "has no 'nope'" in no_such.stderr and not (tmp_path / "x").exists()
    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr
    assert "Traceback" not in missing.stderr + full.stderr + wrong_key.stderr + no_such.stderr
