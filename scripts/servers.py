"""Local servers for `make run` and the benchmarks: free ports, waiting until a server answers, starting and
stopping server processes together, and a meter of the CPU each one spends.

`scripts/dev.py` and the scripts in bench/ import it (bench/ already builds on scripts/, and the deployed
`shared/` package has no business starting processes). Loopback only; Linux's /proc for the CPU figures.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only, always
BIN = Path(sys.executable).parent  # the venv's scripts: functions-framework, gunicorn


def free_port(host: str = HOST) -> int:
    """A port the kernel says is free now (a tiny race with other programs; fine on a developer's machine)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_free(host: str, port: int) -> bool:
    """True when nothing accepts connections on host:port."""
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) != 0


def pick_port(host: str, wanted: int, taken: tuple[int, ...] = (), who: str = "dev") -> int:
    """The wanted port, or the next free one not in taken (a second local run must not fail on a busy port)."""
    port = wanted
    while port in taken or not port_free(host, port):
        port += 1
        if port > wanted + 50:
            raise SystemExit(f"{who}: no free port near {wanted}")
    if port != wanted:
        print(f"{who}: port {wanted} is busy, using {port}", file=sys.stderr)
    return port


def wait_ready(url: str, proc: subprocess.Popen | None = None, deadline_s: float = 60, who: str = "bench") -> None:
    """Poll a URL until it answers at all (any HTTP status); stop early if the server's process died."""
    import requests

    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"{who}: server for {url} exited with {proc.returncode}; see its log")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.05)
    raise SystemExit(f"{who}: {url} did not answer within {deadline_s:.0f} s")


def server_env(**overrides: str) -> dict[str, str]:
    """This process's environment with the repository importable, plus overrides (a server's own settings)."""
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return dict(os.environ, PYTHONPATH=path, **overrides)


def functions_framework(target: str, function: str, host: str, port: int, source: Path | None = None) -> list[str]:
    """The functions-framework command line serving one function of functions/ (or another source file)."""
    source = source or REPO / "functions" / function / "main.py"
    return [str(BIN / "functions-framework"), "--target", target, "--source", str(source), "--host", host,
            "--port", str(port)]


class Servers:
    """Server processes started together and stopped together.

    Each runs in a process group of its own, so that a gunicorn master and its workers stop as one and a
    Ctrl-C in the terminal reaches only the script, which stops them in order. With log_dir, each server's
    output goes to log_dir/<name>.log; without, to this terminal.
    """

    def __init__(self, log_dir: Path | None = None):
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []
        self._logs: list = []

    def start(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start one server (cwd: the repository; env: server_env() unless given)."""
        out = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{name}.log", "ab")
            self._logs.append(out)
        proc = subprocess.Popen(cmd, env=env if env is not None else server_env(), cwd=REPO, stdout=out,
                                stderr=subprocess.STDOUT if out else None, start_new_session=True)
        self.procs.append(proc)
        return proc

    def running(self) -> bool:
        """True while every server started is still running."""
        return all(p.poll() is None for p in self.procs)

    def stop(self) -> None:
        """SIGTERM every server, give them 10 s to finish, then SIGKILL what is left of their groups."""
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        for f in self._logs:
            f.close()


# --- CPU meter (Linux /proc) --------------------------------------------------------------------------------------

def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (0: state, 1: ppid, 11: utime, 12: stime)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:  # the process ended meanwhile
        return None


def child_pids(parent: int) -> list[int]:
    """The direct children of a process (a gunicorn master's workers)."""
    pids = (int(e) for e in os.listdir("/proc") if e.isdigit())
    return [pid for pid in pids if (fields := _stat(pid)) is not None and int(fields[1]) == parent]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its direct children (gunicorn master + workers)."""
    total = 0
    for p in (pid, *child_pids(pid)):
        fields = _stat(p)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy so far (from /proc/stat), to show how saturated the machine was."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return (sum(v[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def warn_if_busy(who: str = "bench", threshold: float = 0.25) -> float:
    """Measure for a second how many cores other programs keep busy, and warn on stderr when it is more than
    `threshold`: other work on the machine (another test run, say) takes cores from the servers and skews every
    figure a benchmark prints. Returns the cores measured."""
    b0, w0 = machine_busy_seconds(), time.perf_counter()
    time.sleep(1.0)
    background = (machine_busy_seconds() - b0) / (time.perf_counter() - w0)
    if background > threshold:
        print(f"{who}: WARNING: {background:.2f} cores were already busy before the bench started (other programs);"
              " the figures below are disturbed; rerun on a quiet machine", file=sys.stderr)
    return background


class CpuMeter:
    """CPU seconds per component: the given servers, PostgreSQL, Redis, this process and the whole machine."""

    def __init__(self, pids: dict[str, int], database_url: str, redis_url: str):
        """Find PostgreSQL's postmaster through a connection of its own; Redis reports its own CPU."""
        from urllib.parse import urlsplit

        import pg8000.native
        import redis

        self.pids = dict(pids)
        u = urlsplit(database_url)
        db = pg8000.native.Connection(user=u.username or "postgres", password=u.password, host=u.hostname,
                                      port=u.port or 5432, database=u.path.lstrip("/"))
        backend = db.run("SELECT pg_backend_pid()")[0][0]
        self.pids["postgres"] = int(_stat(backend)[1])  # the backend's parent is this cluster's postmaster
        db.close()  # only now: a closed backend's /proc entry is gone
        self.redis = redis.Redis.from_url(redis_url)

    def snapshot(self) -> dict[str, float]:
        """CPU seconds spent so far by each component."""
        out = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        info = self.redis.info("cpu")
        out["redis"] = float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
        out["bench client"] = time.process_time()
        out["machine"] = machine_busy_seconds()
        return out

    @staticmethod
    def per_request(before: dict, after: dict, requests_done: int) -> str:
        """CPU milliseconds per request of each component between two snapshots, as one line."""
        n = max(requests_done, 1)
        spent = {k: (after[k] - before[k]) * 1000 / n for k in after}
        # Busy time no component above accounts for: the kernel's loopback work and anything else running here.
        spent["other"] = spent["machine"] - sum(v for k, v in spent.items() if k != "machine")
        return ", ".join(f"{k} {v:.2f}" for k, v in spent.items())


STANDIN_JS = REPO / "apps_script" / "test" / "webapp_standin.js"


class NodeMissing(RuntimeError):
    """node is not installed (make test installs it): the Apps Script web-app stand-in cannot run."""


def start_apps_script_standin(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """The real apps_script/ code served by Node as Google serves the web app (webapp_standin.js), on a free port,
    with these Script Properties in its environment (TUMBUH_SECRET, ...): the process and its root URL, once it
    listens. The caller stops it (terminate).

    Raises:
        NodeMissing: no node on PATH.
        RuntimeError: the stand-in did not start.
    """
    import shutil

    node = shutil.which("node")
    if node is None:
        raise NodeMissing("node is not installed: run `make test`, which installs it")
    proc = subprocess.Popen([node, str(STANDIN_JS), "0"], env={**os.environ, **env}, stdout=subprocess.PIPE,
                            text=True)
    line = proc.stdout.readline() if proc.stdout else ""  # "listening <port>", once it accepts connections
    if not line.startswith("listening "):
        proc.kill()
        raise RuntimeError(f"the Apps Script stand-in did not start: {line!r}")
    return proc, f"http://{HOST}:{line.split()[1]}"


BACKUP_TEST_BUCKET = "tumbuh-backup"


def start_storage_emulator(data_dir: str | None = None) -> tuple[subprocess.Popen, str]:
    """gcp-storage-emulator (a local Cloud Storage) on a free loopback port, with the bucket BACKUP_TEST_BUCKET:
    the process and its URL (STORAGE_API_URL), once it answers. In memory, or in data_dir when given (a benchmark's
    gigabytes). The caller stops it (terminate)."""
    import urllib.request

    port = free_port()
    where, memory = (["-d", data_dir], []) if data_dir else ([], ["--in-memory"])
    proc = subprocess.Popen([str(BIN / "gcp-storage-emulator"), *where, "start", "--host", HOST, "--port", str(port),
                             "--default-bucket", BACKUP_TEST_BUCKET, "-q", *memory],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"{url}/storage/v1/b/{BACKUP_TEST_BUCKET}", timeout=2).close()
            return proc, url
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                err = proc.stderr.read().decode(errors="replace")[-500:] if proc.stderr else ""
                raise RuntimeError(f"gcp-storage-emulator did not start: {err}")
            time.sleep(0.05)
