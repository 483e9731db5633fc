"""A webhook served by functions-framework without --debug (gunicorn, as in production) in a subprocess, for the
end-to-end tests that need real HTTP: concurrency, slow uploads, big bodies, big batches."""
from __future__ import annotations

import os
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

from shared.whatsapp.webhook import sign

REPO = Path(__file__).resolve().parents[2]
SECRET = "test-app-secret"  # the app secret of the tests' local environment (tests/conftest.py)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A functions-framework webhook server in a subprocess, with its JSON log in a file."""

    def __init__(self, url: str, log: Path):
        self.url, self.log = url, log

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def post(self, body: bytes, timeout: float = 30) -> int:
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, SECRET)}
        return requests.post(self.url + "/", data=body, headers=headers, timeout=timeout).status_code

    def exceptions(self) -> list[str]:
        """Log lines that carry a stack trace (a swallowed bug) or a traceback the server printed."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [line[:500] for line in text.splitlines() if '"stack_trace"' in line or "Traceback" in line]


@contextmanager
def serve(env: dict[str, str], log: Path, ready_path: str = "/healthz", workers: int = 2,
          threads: int = 8) -> Iterator[Server]:
    """The webhook on a free loopback port with this environment, ready when ready_path answers; killed after."""
    port = free_port()
    full = {k: v for k, v in os.environ.items() if k not in ("CLOUD_SQL_INSTANCE", "APPS_SCRIPT_URL")}
    full.update(env, PYTHONPATH=str(REPO), THREADS=str(threads), WORKERS=str(workers))
    cmd = [str(REPO / ".venv" / "bin" / "functions-framework"), "--target", "whatsapp_webhook",
           "--source", str(REPO / "functions" / "webhook" / "main.py"), "--host", "127.0.0.1", "--port", str(port)]
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, env=full, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, f"server exited: {log.read_text(errors='replace')[-2000:]}"
            try:
                requests.get(url + ready_path, timeout=2)
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "server did not answer within 30 s"
                time.sleep(0.1)
        yield Server(url, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
