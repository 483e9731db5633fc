"""The local run as a newcomer meets it: services.sh survives crashes and reruns; dev.py serves over real HTTP."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from scripts.simulator import post_signed, text_payload

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SERVICES = REPO / "scripts" / "services.sh"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def svc_root():
    """A folder for services.sh instances that the postgres user can reach (pytest's tmp_path is private)."""
    import shutil
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="tumbuh-svc-test-", dir="/tmp"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _services(root: Path, *cmd: str, timeout=120) -> subprocess.CompletedProcess:
    env = dict(os.environ, TUMBUH_SVC_ROOT=str(root), TUMBUH_PG_PORT=str(_free_port()),
               TUMBUH_REDIS_PORT=str(_free_port()))
    return subprocess.run([str(SERVICES), *cmd], env=env, capture_output=True, text=True, timeout=timeout)


def test_services_hand_working_urls_to_the_command_and_clean_up(svc_root):
    """`run -- CMD` gives CMD a live PostgreSQL (15+) and Redis (7+), then stops both and removes the folder."""
    probe = ("import os, pg8000.native, redis, urllib.parse as u;"
             "p = u.urlsplit(os.environ['DATABASE_URL']);"
             "c = pg8000.native.Connection(p.username, host=p.hostname, port=p.port, database=p.path[1:]);"
             "print(c.run('SHOW server_version_num')[0][0]);"
             "print(redis.Redis.from_url(os.environ['REDIS_URL']).info()['redis_version'])")

    done = _services(svc_root, "run", "--", sys.executable, "-c", probe)

    assert done.returncode == 0, done.stderr
    pg_version, redis_version = done.stdout.split()
    assert int(pg_version) >= 150000 and int(redis_version.split(".")[0]) >= 7
    assert list(svc_root.iterdir()) == []


def test_the_command_exit_code_is_passed_through(svc_root):
    """A failing command (a failing test run) fails services.sh too, and still stops the servers."""
    done = _services(svc_root, "run", "--", "sh", "-c", "exit 7")

    assert done.returncode == 7 and list(svc_root.iterdir()) == []


def test_a_crashed_run_is_cleaned_up_by_the_next_one(svc_root):
    """A run killed with SIGKILL leaves running servers and a folder; the next run stops them and goes on."""
    env = dict(os.environ, TUMBUH_SVC_ROOT=str(svc_root), TUMBUH_PG_PORT=str(_free_port()),
               TUMBUH_REDIS_PORT=str(_free_port()))
    marker = f"tumbuh-crash-test-{os.getpid()}-{time.monotonic_ns()}"  # finds our orphan, and nothing else
    crashed = subprocess.Popen([str(SERVICES), "run", "--", sys.executable, "-c", "import time; time.sleep(60)", marker],
                               env=env, stderr=subprocess.PIPE, text=True)
    for _ in range(600):
        instances = list(svc_root.glob("run.*/env"))
        if instances:
            break
        time.sleep(0.05)
    assert instances, "the first run never came up"
    left = instances[0].parent
    pg_pid = int((left / "pg" / "data" / "postmaster.pid").read_text().split()[0])
    crashed.send_signal(signal.SIGKILL)
    crashed.wait()

    done = _services(svc_root, "run", "--", "true")

    assert done.returncode == 0, done.stderr
    assert "stale instance" in done.stderr
    assert not left.exists()
    deadline = time.monotonic() + 5  # the stale server was told to stop: wait for it to be gone, no longer
    with pytest.raises(ProcessLookupError):
        while time.monotonic() < deadline:
            os.kill(pg_pid, 0)
            time.sleep(0.02)
    subprocess.run(["pkill", "-f", marker], check=False)


def test_dev_serve_brings_up_three_functions_over_real_http(local_env):
    """`dev.py serve` applies migrations and serves webhook, scheduler and backup on the ports it is given."""
    ports = {name: _free_port() for name in ("WEBHOOK", "SCHEDULER", "BACKUP")}
    env = dict(os.environ, **local_env, **{f"{k}_PORT": str(v) for k, v in ports.items()})
    server = subprocess.Popen([sys.executable, str(REPO / "scripts" / "dev.py"), "serve"], env=env, cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = {k: f"http://127.0.0.1:{v}" for k, v in ports.items()}
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(base["BACKUP"] + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "dev.py serve did not come up"
            time.sleep(0.2)

        health = {k: requests.get(url + "/healthz", timeout=5).json() for k, url in base.items()}
        reply = post_signed(requests.Session(), base["WEBHOOK"], text_payload("6281200000001", "1", "Halo 👶"),
                            local_env["WHATSAPP_APP_SECRET"])
        tick = requests.post(base["SCHEDULER"] + "/", json={}, timeout=5)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)

    assert all(h["ok"] for h in health.values())
    assert (reply.status_code, reply.json()) == (200, {"messages": 1, "statuses": 0})
    assert tick.status_code == 200 and tick.json()["outbox_pending"] == 0
    for port in ports.values():  # every server stopped with the runner
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0


def test_make_run_chat_reaches_a_result_with_its_chart_through_the_local_cloud_tasks(local_env, tmp_path):
    """`dev.py run` as a newcomer uses it (stdin piped to the simulator): consent, one message with the child's
    data, the name, two skips and "no oedema"; the result's second message arrives through the Cloud Tasks stand-in and the
    scheduler function, headed by the chart picture saved to a file."""
    ports = {name: _free_port() for name in ("WEBHOOK", "SCHEDULER", "BACKUP", "TASKS")}
    env = dict(os.environ, **local_env, **{f"{k}_PORT": str(v) for k, v in ports.items()})
    env.pop("TASKS_QUEUE", None)
    chat = "Halo\n1\ncowok lahir 3-1-2024 bb 9,1 pb 76 tgl ukur 3-2-2025\nBudi\n1\n1\n2\n"

    run = subprocess.run([sys.executable, str(REPO / "scripts" / "dev.py"), "run"], env=env, cwd=REPO, input=chat,
                         capture_output=True, text=True, timeout=120)

    assert run.returncode == 0, run.stderr[-2000:]
    assert f"tasks     http://127.0.0.1:{ports['TASKS']}/" in run.stderr
    result, chart = run.stdout.split("*Hasil Budi*")[1].split("[gambar disimpan di ")
    assert "Panjang menurut umur" in result
    picture = Path(chart.split("]")[0])
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "[1] 📈 Grafik berat" in chart
