"""What the server benchmarks share: a free loopback port, and waiting until a started server answers."""
from __future__ import annotations

import socket
import subprocess
import time

HOST = "127.0.0.1"  # loopback only, always


def free_port() -> int:
    """A port the kernel says is free on loopback now (tiny race with other programs; fine for a bench)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, deadline_s: float = 60, who: str = "bench") -> None:
    """Poll until the server answers at all; stop early if its process died."""
    import requests

    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"{who}: server for {url} exited with {proc.returncode}; see its log")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.05)
    raise SystemExit(f"{who}: {url} did not answer within {deadline_s:.0f} s")
