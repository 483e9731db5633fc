"""Local runner: apply migrations, serve the four functions with functions-framework, open the chat simulator.

    python scripts/dev.py serve   # webhook :8080, scheduler :8081, backup :8082, dashboard :8083 in the foreground
    python scripts/dev.py run     # the same, then the terminal chat simulator; stops everything on exit

Expects DATABASE_URL and REDIS_URL (scripts/services.sh sets them); every setting can be overridden from the
environment (WEBHOOK_PORT, SCHEDULER_PORT, BACKUP_PORT, DASHBOARD_PORT, TASKS_PORT, HOST, and the names in shared/config.py).
Unless TASKS_QUEUE is set (empty: the webhook draws charts itself), a local Cloud Tasks stand-in carries the
webhook's handed-off sends to the scheduler function, as Cloud Tasks does in production. While it serves, the run
describes itself in .run/running.json (scripts/running.py), where a second simulator and scripts/demo.py find it.
Each function's JSON log lines are also written to .run/logs/<function>.jsonl (TUMBUH_LOG_DIR moves the folder),
which `python -m shared.ops summary .run/logs/` sums up; the terminal (serve) or <name>.log (run) still shows all.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import BinaryIO

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts import running  # noqa: E402
from scripts.servers import Servers, functions_framework, pick_port, port_free, server_env, wait_ready  # noqa: E402
from shared.config import TASK_PATH  # noqa: E402  (the path above makes the package importable)

FUNCTIONS = (  # (name, target, default port)
    ("webhook", "whatsapp_webhook", 8080),
    ("scheduler", "scheduler", 8081),
    ("backup", "backup", 8082),
    ("dashboard", "dashboard", 8083),
)
READY_S = 30  # how long a server may take to answer its first request
LOG_DIR = REPO / ".run" / "logs"
TICK_S = 15  # the local Cloud Scheduler: how often the scheduler function runs (SCHEDULER_TICK_S; production: 5 min)


class LoggedServers(Servers):
    """Servers of which the named ones (the functions) also have their JSON lines appended to folder/<name>.jsonl.

    Their stdout and stderr come through pipes and are copied line by line: every line where it went before (the
    terminal, or folder/<name>.log with keep_output), and the lines that are JSON objects to the .jsonl, which
    grows without a cap (`summary --since` picks recent lines). They run unbuffered, so a worker that gunicorn
    kills and restarts has already written every line it logged, and a pipe is read until the last process
    holding it has exited, so neither a restart nor the stop loses a line.
    """

    def __init__(self, folder: Path, logged: set[str], keep_output: bool, fresh: bool = False):
        super().__init__(folder if keep_output else None)
        self.jsonl_dir = folder
        self.logged = logged
        self.fresh = set(logged) if fresh else set()  # names whose .jsonl this run empties at their first start
        self.copiers: list[threading.Thread] = []
        self.files: list = []

    def start(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        if name not in self.logged:
            return super().start(name, cmd, env)
        self.jsonl_dir.mkdir(parents=True, exist_ok=True)
        if name in self.fresh:  # a run on an empty database starts its logs empty too; a restart appends
            self.fresh.discard(name)
            open(self.jsonl_dir / f"{name}.jsonl", "wb").close()
        # Unbuffered: one O_APPEND write per whole line, so the lines of two runs at once never tear each other.
        jsonl = open(self.jsonl_dir / f"{name}.jsonl", "ab", buffering=0)
        self.files.append(jsonl)
        sinks: tuple[BinaryIO, BinaryIO] = (sys.stdout.buffer, sys.stderr.buffer)
        if self.log_dir is not None:
            log = open(self.log_dir / f"{name}.log", "ab", buffering=0)
            self.files.append(log)
            sinks = (log, log)
        proc = subprocess.Popen(cmd, env={**(env if env is not None else server_env()), "PYTHONUNBUFFERED": "1"},
                                cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        self.procs.append(proc)
        lock = threading.Lock()  # one line at a time into the .jsonl (and the .log), from both pipes
        for pipe, sink in zip((proc.stdout, proc.stderr), sinks):
            copier = threading.Thread(target=copy_lines, args=(pipe, sink, jsonl, lock), name=f"log-{name}",
                                      daemon=True)
            copier.start()
            self.copiers.append(copier)
        return proc

    def stop(self) -> None:
        super().stop()
        for copier in self.copiers:  # the servers are gone: their pipes end once drained
            copier.join(timeout=5)
        for f in self.files:
            f.close()


def copy_lines(pipe: BinaryIO, sink: BinaryIO, jsonl: BinaryIO, lock: threading.Lock) -> None:
    """Copy each line of a server's pipe to sink, and to jsonl when it is a JSON object, until the pipe ends. A
    write that fails (a closed terminal) is dropped and the copy goes on: a pipe left unread would stall the server."""
    for line in iter(pipe.readline, b""):
        if not line.endswith(b"\n"):
            line += b"\n"  # the last line of a server that died mid-write
        with lock:
            for out in (sink, jsonl) if is_json_object(line) else (sink,):
                try:
                    out.write(line)
                    out.flush()
                except (OSError, ValueError):  # ValueError: closed meanwhile
                    pass
    pipe.close()


def is_json_object(line: bytes) -> bool:
    """True for a structured log line (shared.logs writes one JSON object a line); False for anything else."""
    if not line.lstrip().startswith(b"{"):
        return False
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def shown(path: Path) -> str:
    """A path as the user types it: relative to the repository when inside it."""
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def apply_migrations() -> None:
    """Build the app once here so migrations run before any function serves, and fail loudly if they cannot."""
    from shared.bootstrap import build_app

    applied = build_app().ensure_schema()
    print(f"dev: schema ready ({'applied ' + ', '.join(applied) if applied else 'up to date'})", file=sys.stderr)


def start_graph_standin(servers: Servers) -> str | None:
    """Start the local Graph API stand-in when WHATSAPP_API_URL points at this machine (the local default); its
    base URL, or None when messages go to Meta."""
    from urllib.parse import urlsplit

    from shared.config import Settings

    settings = Settings.from_env()
    if settings.messenger_backend != "standin":
        return None
    url = urlsplit(settings.wa_api_url)
    port = url.port or 80
    base = f"{url.scheme}://{url.hostname}:{port}"
    if not port_free(url.hostname, port):
        print(f"dev: a Graph API stand-in already answers on port {port}; using it", file=sys.stderr)
        return base
    proc = servers.start("graph-standin", [
        sys.executable, "-m", "shared.adapters.local.graph_standin", "--host", url.hostname, "--port", str(port),
        "--token", settings.wa_access_token, "--media-dir", str(REPO / ".run" / "local" / "media"),
        "--phone-number-id", settings.wa_phone_number_id])
    wait_ready(base + "/_standin/health", proc, READY_S, "dev")
    return base


def function_ports(host: str) -> dict[str, int]:
    """A free port for each function (WEBHOOK_PORT etc. or the defaults, else the next free one)."""
    ports: dict[str, int] = {}
    for name, _, default_port in FUNCTIONS:
        wanted = int(os.environ.get(f"{name.upper()}_PORT", default_port))
        ports[name] = pick_port(host, wanted, taken=tuple(ports.values()))
    return ports


def start_tasks_standin(servers: Servers, host: str, ports: dict[str, int]) -> str | None:
    """Start the local Cloud Tasks stand-in and point the functions' TASKS_* settings at it (unless TASKS_QUEUE
    is already set, to a real queue or to empty for charts drawn by the webhook); its base URL, or None."""
    if "TASKS_QUEUE" in os.environ:
        return None
    port = pick_port(host, int(os.environ.get("TASKS_PORT", 8091)), taken=tuple(ports.values()))
    proc = servers.start("tasks-standin", [sys.executable, "-m", "shared.adapters.local.tasks_standin",
                                           "--host", host, "--port", str(port)])
    base = f"http://{host}:{port}"
    wait_ready(base + "/_standin/health", proc, READY_S, "dev")
    os.environ.update(TASKS_API_URL=base + "/v2", TASKS_QUEUE="projects/local/locations/local/queues/tumbuh-sends",
                      TASKS_TARGET_URL=f"http://{host}:{ports['scheduler']}{TASK_PATH}")
    return base


def start_ticker(scheduler_url: str, log_dir: Path | None) -> threading.Event:
    """Play Cloud Scheduler: run the scheduler function every SCHEDULER_TICK_S seconds (it sends what failed, and
    mirrors rows into the posyandu workbooks). Before each run, a posyandu without a Sheet gets a local workbook,
    so one added with `make demo-kader` appears too. Returns the event that stops it."""
    import requests

    from shared.bootstrap import build_app
    from shared.logs import setup_logging
    from shared.services import sheet_setup

    every = float(os.environ.get("SCHEDULER_TICK_S", TICK_S))
    stop = threading.Event()
    if log_dir is not None:  # the simulator owns this terminal: the ticker's own log goes beside the functions'
        log_dir.mkdir(parents=True, exist_ok=True)
        setup_logging(os.environ.get("LOG_LEVEL", "INFO"), open(log_dir / "ticker.log", "a", encoding="utf-8"))
    app = build_app()

    def tick() -> None:
        while not stop.wait(every):
            try:
                if app.sheets is not None and app.settings.sheets_backend == "workbook":
                    for pid in sheet_setup.set_up_missing(app.records, app.sheets):
                        sid = next(s for p, _, s in app.records.posyandu_sheets() if p == pid)
                        print(f"dev: posyandu {pid}'s Sheet is {app.settings.sheet_dir}/{sid}.xlsx "
                              "(open it in LibreOffice)", file=sys.stderr)
                requests.post(scheduler_url + "/", timeout=120)
            except Exception as exc:  # a tick that fails is tried again at the next one, as Cloud Scheduler does
                print(f"dev: scheduler tick failed ({type(exc).__name__}); next in {every:.0f} s", file=sys.stderr)

    threading.Thread(target=tick, name="scheduler-tick", daemon=True).start()
    return stop


def start_functions(servers: Servers, host: str, ports: dict[str, int]) -> dict[str, str]:
    """Start one functions-framework server per function; return their base URLs once each answers."""
    urls, procs = {}, {}
    for name, target, _ in FUNCTIONS:
        procs[name] = servers.start(name, functions_framework(target, name, host, ports[name]))
        urls[name] = f"http://{host}:{ports[name]}"
    for name, url in urls.items():
        wait_ready(url + "/healthz", procs[name], READY_S, "dev")
    return urls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["serve", "run"])
    args = parser.parse_args(argv)
    host = os.environ.get("HOST", "127.0.0.1")
    started = time.monotonic()
    apply_migrations()
    logs = Path(os.environ.get("TUMBUH_LOG_DIR") or LOG_DIR)
    log_dir = logs if args.mode == "run" else None  # the simulator owns the terminal: servers' output to files
    # Like the database: each run starts its logs empty, unless it keeps its data (KEEP=1).
    servers = LoggedServers(logs, {name for name, _, _ in FUNCTIONS}, keep_output=log_dir is not None,
                            fresh=not os.environ.get("TUMBUH_KEEP_DATA"))
    # Stopped from outside (a bench, a test, a closed terminal, a kill of `make run`'s process group): stop the
    # servers too, which run in sessions of their own, and withdraw the run file.
    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, lambda *_: sys.exit(0))
    ticker: threading.Event | None = None
    try:
        graph_url = start_graph_standin(servers)
        ports = function_ports(host)
        tasks_url = start_tasks_standin(servers, host, ports)
        urls = start_functions(servers, host, ports)
        ticker = start_ticker(urls["scheduler"], log_dir)
        if graph_url:
            urls["graph"] = graph_url
        if tasks_url:
            urls["tasks"] = tasks_url
        print(f"dev: Tumbuh is up in {time.monotonic() - started:.1f} s", file=sys.stderr)
        for name, url in urls.items():
            print(f"dev:   {name:<9} {url}/", file=sys.stderr)
        print(f"dev: logs in {shown(logs)}/ (JSON lines: <function>.jsonl); summary: {shown(Path(sys.executable))} "
              f"-m shared.ops summary {shown(logs)}/", file=sys.stderr)
        # The stores too, so `python -m shared.scheduler tick` and scripts/demo.py find this run's.
        if running.publish({**urls, "redis_url": os.environ.get("REDIS_URL", "")}, os.environ.get("DATABASE_URL", "")):
            print("dev: talk as another number in a second terminal: .venv/bin/python scripts/simulator.py "
                  "--wa-id 6281200000002", file=sys.stderr)
        else:
            print(f"dev: another run is listed in {running.run_file()}; a second simulator finds that one unless "
                  "given --webhook, --graph and --tasks", file=sys.stderr)
        if args.mode == "serve":
            while servers.running():
                time.sleep(0.5)
            return 1  # a server died
        from scripts import simulator

        return simulator.main(["--webhook", urls["webhook"]] + (["--graph", urls["graph"]] if "graph" in urls else [])
                              + (["--tasks", urls["tasks"]] if "tasks" in urls else []))
    except KeyboardInterrupt:
        return 0
    finally:
        if ticker is not None:
            ticker.set()
        running.withdraw()
        servers.stop()


if __name__ == "__main__":
    sys.exit(main())
