"""Local runner: apply migrations, serve the three functions with functions-framework, open the chat simulator.

    python scripts/dev.py serve   # webhook :8080, scheduler :8081, backup :8082 in the foreground
    python scripts/dev.py run     # the same, then the terminal chat simulator; stops everything on exit

Expects DATABASE_URL and REDIS_URL (scripts/services.sh sets them); every setting can be overridden from the
environment (WEBHOOK_PORT, SCHEDULER_PORT, BACKUP_PORT, TASKS_PORT, HOST, and the names in shared/config.py).
Unless TASKS_QUEUE is set (empty: the webhook draws charts itself), a local Cloud Tasks stand-in carries the
webhook's handed-off sends to the scheduler function, as Cloud Tasks does in production.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from shared.config import TASK_PATH  # noqa: E402  (the path above makes the package importable)

FUNCTIONS = (  # (name, target, default port)
    ("webhook", "whatsapp_webhook", 8080),
    ("scheduler", "scheduler", 8081),
    ("backup", "backup", 8082),
)


def port_free(host: str, port: int) -> bool:
    """True when nothing accepts connections on host:port."""
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) != 0


def pick_port(host: str, wanted: int) -> int:
    """The wanted port, or the next free one (a second local run must not fail on a busy port)."""
    port = wanted
    while not port_free(host, port):
        port += 1
        if port > wanted + 50:
            raise SystemExit(f"dev: no free port near {wanted}")
    if port != wanted:
        print(f"dev: port {wanted} is busy, using {port}", file=sys.stderr)
    return port


def apply_migrations() -> None:
    """Build the app once here so migrations run before any function serves, and fail loudly if they cannot."""
    from shared.bootstrap import build_app

    applied = build_app().ensure_schema()
    print(f"dev: schema ready ({'applied ' + ', '.join(applied) if applied else 'up to date'})", file=sys.stderr)


def wait_ready(url: str, deadline_s: float = 30) -> None:
    """Poll a URL until it answers at all (any HTTP status); raise if it never does."""
    import requests

    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit(f"dev: {url} did not answer within {deadline_s:.0f} s")


def start_graph_standin(host: str, log_dir: Path | None) -> tuple[subprocess.Popen | None, str | None]:
    """Start the local Graph API stand-in when WHATSAPP_API_URL points at this machine (the local default)."""
    from urllib.parse import urlsplit

    from shared.config import Settings

    settings = Settings.from_env()
    if settings.messenger_backend != "standin":
        return None, None
    url = urlsplit(settings.wa_api_url)
    port = url.port or 80
    if not port_free(url.hostname, port):
        print(f"dev: a Graph API stand-in already answers on port {port}; using it", file=sys.stderr)
        return None, f"{url.scheme}://{url.hostname}:{port}"
    out = open(log_dir / "graph-standin.log", "ab") if log_dir is not None else None
    cmd = [sys.executable, "-m", "shared.adapters.local.graph_standin", "--host", url.hostname, "--port", str(port),
           "--token", settings.wa_access_token, "--media-dir", str(REPO / ".run" / "local" / "media"),
           "--phone-number-id", settings.wa_phone_number_id]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT if out else None,
                            env=dict(os.environ, PYTHONPATH=str(REPO)))
    base = f"{url.scheme}://{url.hostname}:{port}"
    wait_ready(base + "/_standin/health")
    return proc, base


def function_ports(host: str) -> dict[str, int]:
    """A free port for each function (WEBHOOK_PORT etc. or the defaults, else the next free one)."""
    ports: dict[str, int] = {}
    for name, _, default_port in FUNCTIONS:
        port = pick_port(host, int(os.environ.get(f"{name.upper()}_PORT", default_port)))
        while port in ports.values():
            port = pick_port(host, port + 1)
        ports[name] = port
    return ports


def start_tasks_standin(host: str, scheduler_port: int, log_dir: Path | None) -> tuple[subprocess.Popen | None,
                                                                                     str | None]:
    """Start the local Cloud Tasks stand-in and point the functions' TASKS_* settings at it (unless TASKS_QUEUE
    is already set, to a real queue or to empty for charts drawn by the webhook)."""
    if "TASKS_QUEUE" in os.environ:
        return None, None
    port = pick_port(host, int(os.environ.get("TASKS_PORT", 8091)))
    while port == scheduler_port:
        port = pick_port(host, port + 1)
    out = open(log_dir / "tasks-standin.log", "ab") if log_dir is not None else None
    cmd = [sys.executable, "-m", "shared.adapters.local.tasks_standin", "--host", host, "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT if out else None,
                            env=dict(os.environ, PYTHONPATH=str(REPO)))
    base = f"http://{host}:{port}"
    wait_ready(base + "/_standin/health")
    os.environ.update(TASKS_API_URL=base + "/v2", TASKS_QUEUE="projects/local/locations/local/queues/tumbuh-sends",
                      TASKS_TARGET_URL=f"http://{host}:{scheduler_port}{TASK_PATH}")
    return proc, base


def start_functions(host: str, log_dir: Path | None, ports: dict[str, int]) -> tuple[list[subprocess.Popen],
                                                                                     dict[str, str]]:
    """Start one functions-framework server per function; return the processes and their base URLs.

    With log_dir, each server's JSON log lines go to log_dir/<name>.log instead of the terminal.
    """
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    bin_dir = Path(sys.executable).parent
    procs, urls = [], {}
    for name, target, _ in FUNCTIONS:
        port = ports[name]
        cmd = [str(bin_dir / "functions-framework"), "--target", target,
               "--source", str(REPO / "functions" / name / "main.py"), "--host", host, "--port", str(port)]
        out = None
        if log_dir is not None:
            log_dir.mkdir(parents=True, exist_ok=True)
            out = open(log_dir / f"{name}.log", "ab")
        procs.append(subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT if out else None))
        urls[name] = f"http://{host}:{port}"
    for url in urls.values():
        wait_ready(url + "/healthz")
    return procs, urls


def stop(procs: list[subprocess.Popen]) -> None:
    """Stop the servers, politely first."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["serve", "run"])
    args = parser.parse_args(argv)
    host = os.environ.get("HOST", "127.0.0.1")
    started = time.monotonic()
    apply_migrations()
    log_dir = REPO / ".run" / "logs" if args.mode == "run" else None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
    standin, standin_url = start_graph_standin(host, log_dir)
    ports = function_ports(host)
    tasks, tasks_url = start_tasks_standin(host, ports["scheduler"], log_dir)
    procs, urls = start_functions(host, log_dir, ports)
    procs += [p for p in (standin, tasks) if p is not None]
    if standin_url:
        urls["graph"] = standin_url
    if tasks_url:
        urls["tasks"] = tasks_url
    print(f"dev: Tumbuh is up in {time.monotonic() - started:.1f} s", file=sys.stderr)
    for name, url in urls.items():
        print(f"dev:   {name:<9} {url}/", file=sys.stderr)
    if log_dir is not None:
        print(f"dev: function logs in {log_dir.relative_to(REPO)}/", file=sys.stderr)
    try:
        if args.mode == "serve":
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
            return 1  # a server died
        from scripts import simulator

        return simulator.main(["--webhook", urls["webhook"]] + (["--graph", urls["graph"]] if "graph" in urls else [])
                              + (["--tasks", urls["tasks"]] if "tasks" in urls else []))
    except KeyboardInterrupt:
        return 0
    finally:
        stop(procs)


if __name__ == "__main__":
    sys.exit(main())
