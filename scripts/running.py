"""Where the local run is: `scripts/dev.py` writes its servers' URLs and its database to a small file while it
serves, and the chat simulator and the demo script read it, so a second terminal finds the run without flags.

The file belongs to the dev.py process named in it. A run that was killed leaves a file whose process is gone:
readers ignore it and the next run replaces it. A second run beside a live one leaves the first one's file alone.
TUMBUH_RUN_FILE moves it (tests use their own, so a test never hides a developer's run).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping

REPO = Path(__file__).resolve().parents[1]
RUN_FILE = REPO / ".run" / "running.json"


def run_file(environ: Mapping[str, str] = os.environ) -> Path:
    """The file a running `make run` / `make serve` describes itself in."""
    return Path(environ.get("TUMBUH_RUN_FILE") or RUN_FILE)


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (a killed `make run` may linger unreaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc to ask: kill() said it exists


def current(path: Path | None = None) -> dict[str, str] | None:
    """What the live run serves ('webhook', 'graph', 'tasks', ..., 'database_url'), or None when none runs."""
    path = path or run_file()
    try:
        found = json.loads(path.read_text())
        pid = int(found.pop("pid"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not alive(pid):
        return None
    return {k: v for k, v in found.items() if isinstance(v, str)}


def publish(urls: Mapping[str, str], database_url: str, path: Path | None = None) -> bool:
    """Describe this process's run in the file, unless another live run already does; True when written.

    Readable by its owner only: DATABASE_URL may carry a password when it points at a server of one's own.
    """
    path = path or run_file()
    if current(path) is not None:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + f".{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"pid": os.getpid(), **urls, "database_url": database_url}, f, indent=1)
    os.replace(partial, path)  # a reader sees the old file or the whole new one, never half of it
    return True


def withdraw(path: Path | None = None) -> None:
    """Remove the file if this process wrote it (a second run must not remove the first one's)."""
    path = path or run_file()
    try:
        if int(json.loads(path.read_text())["pid"]) == os.getpid():
            path.unlink()
    except (OSError, ValueError, KeyError, TypeError):
        pass


def use_live_stores(environ=os.environ) -> None:
    """Point a command at the live run's PostgreSQL and Redis when none is configured (DATABASE_URL or
    CLOUD_SQL_INSTANCE unset): `python -m shared.scheduler tick` and `python -m shared.backup run` use it."""
    if environ.get("DATABASE_URL") or environ.get("CLOUD_SQL_INSTANCE"):
        return
    found = current()
    if found and found.get("database_url"):
        environ.setdefault("DATABASE_URL", found["database_url"])
        if found.get("redis_url"):
            environ.setdefault("REDIS_URL", found["redis_url"])
