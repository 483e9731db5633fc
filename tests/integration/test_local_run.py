"""The local run as a newcomer meets it: services.sh survives crashes and reruns and keeps data when asked; dev.py
serves over real HTTP, lists itself where a second simulator finds it, and keeps each function's JSON log lines
where `python -m shared.ops summary` reads them."""
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

from scripts import running
from scripts.dev import LoggedServers
from scripts.simulator import default_urls, post_signed, text_payload
from shared.events import Event

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


def _services(root: Path, *cmd: str, timeout=120, keep: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, TUMBUH_SVC_ROOT=str(root), TUMBUH_PG_PORT=str(_free_port()),
               TUMBUH_REDIS_PORT=str(_free_port()))
    env.pop("TUMBUH_KEEP_DATA", None)
    if keep is not None:
        env["TUMBUH_KEEP_DATA"] = str(keep)
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


def test_kept_data_outlives_the_run(svc_root):
    """With TUMBUH_KEEP_DATA (`make run KEEP=1`) a row written in one run is there in the next, on a fresh port,
    and each run still removes its own folder; without it the next run starts empty."""
    keep = svc_root / "kept"  # under /tmp like svc_root: the postgres user can reach it
    write = ("import os, pg8000.native, urllib.parse as u; p = u.urlsplit(os.environ['DATABASE_URL']);"
             "c = pg8000.native.Connection(p.username, host=p.hostname, port=p.port, database=p.path[1:]);"
             "c.run('CREATE TABLE IF NOT EXISTS kept (n int)'); c.run('INSERT INTO kept VALUES (1)');"
             "print(c.run('SELECT count(*) FROM kept')[0][0])")
    runs_root = svc_root / "runs"
    runs_root.mkdir(mode=0o755)

    first = _services(runs_root, "run", "--", sys.executable, "-c", write, keep=keep)
    second = _services(runs_root, "run", "--", sys.executable, "-c", write, keep=keep)
    throwaway = _services(runs_root, "run", "--", sys.executable, "-c", write)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert (first.stdout.strip(), second.stdout.strip(), throwaway.stdout.strip()) == ("1", "2", "1")
    assert "data kept in" in second.stderr and "data kept in" not in first.stderr
    assert (keep / "data" / "PG_VERSION").exists() and list(runs_root.iterdir()) == []


def _wait_for_run(run_file: Path, server: subprocess.Popen, deadline_s: float = 60) -> dict[str, str]:
    """What dev.py lists in its run file, once it serves."""
    deadline = time.monotonic() + deadline_s
    while (listed := running.current(run_file)) is None:
        assert time.monotonic() < deadline and server.poll() is None, "dev.py did not list its run"
        time.sleep(0.2)
    return listed


def test_dev_serve_brings_up_the_four_functions_over_real_http(local_env, tmp_path):
    """`dev.py serve` applies migrations and serves webhook, scheduler, backup and dashboard on the ports it is
    given; the terminal still shows the functions' JSON lines, each function's are also in <function>.jsonl, and
    it says where, with the command that sums them up."""
    ports = {name: _free_port() for name in ("WEBHOOK", "SCHEDULER", "BACKUP", "DASHBOARD")}
    logs = tmp_path / "logs"
    env = dict(os.environ, **local_env, **{f"{k}_PORT": str(v) for k, v in ports.items()},
               TUMBUH_RUN_FILE=str(tmp_path / "running.json"), TUMBUH_LOG_DIR=str(logs))
    terminal = open(tmp_path / "terminal.out", "wb")
    server = subprocess.Popen([sys.executable, str(REPO / "scripts" / "dev.py"), "serve"], env=env, cwd=REPO,
                              stdout=terminal, stderr=subprocess.PIPE, text=True)
    try:
        base = {k: f"http://127.0.0.1:{v}" for k, v in ports.items()}
        deadline = time.monotonic() + 60
        while True:  # every function answers (they come up one by one)
            try:
                if all(requests.get(url + "/healthz", timeout=1).status_code == 200 for url in base.values()):
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
        terminal.close()
    said = server.stderr.read() if server.stderr else ""
    webhook = [json.loads(line) for line in (logs / "webhook.jsonl").read_text().splitlines()]
    scheduler = (logs / "scheduler.jsonl").read_text().splitlines()
    shown = (tmp_path / "terminal.out").read_text()
    summary = subprocess.run([sys.executable, "-m", "shared.ops", "summary", str(logs), "--json"], cwd=REPO,
                             capture_output=True, text=True, timeout=30)

    assert all(h["ok"] for h in health.values())
    assert (reply.status_code, reply.json()) == (200, {"messages": 1, "statuses": 0})
    assert tick.status_code == 200 and tick.json()["outbox_pending"] == 0
    for port in ports.values():  # every server stopped with the runner
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0
    assert f"dev: logs in {logs}/ (JSON lines: <function>.jsonl); summary: " in said
    assert f"-m shared.ops summary {logs}/" in said
    assert [e["context"].get("event") for e in webhook if "context" in e].count(Event.MESSAGE_HANDLED) == 1
    assert all(e["context"]["function"] == "whatsapp_webhook" for e in webhook if "context" in e)
    assert scheduler and all(json.loads(line)["context"]["function"] == "scheduler" for line in scheduler)
    assert all(line in shown for line in scheduler)  # the terminal shows them as before
    assert summary.returncode == 0, summary.stderr
    assert json.loads(summary.stdout)["messages"]["by_kind"] == {"text": 1}


def test_a_function_s_json_lines_are_appended_to_its_jsonl_even_when_it_is_killed(tmp_path):
    """dev.py's copy of a function's output: every line where it went before (here <name>.log), the JSON ones from
    stdout and stderr also in <name>.jsonl, appended run after run, and none lost when the process dies by SIGKILL
    right after printing (as gunicorn kills a stuck worker): the functions run unbuffered."""
    program = ("import json, os, signal, sys; print(json.dumps({'severity': 'INFO', 'message': sys.argv[1]}));"
               "print('[INFO] Booting worker', file=sys.stderr);"
               "print(json.dumps({'severity': 'ERROR', 'message': 'e'}), file=sys.stderr);"
               "print('not {json'); os.kill(os.getpid(), signal.SIGKILL)")

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as a developer's shell has it

    def run(word: str, fresh: bool = False) -> list[str]:
        servers = LoggedServers(tmp_path, {"webhook"}, keep_output=True, fresh=fresh)
        servers.start("webhook", [sys.executable, "-c", program, word], env=env).wait(timeout=20)
        servers.stop()
        return [json.loads(line)["message"] for line in (tmp_path / "webhook.jsonl").read_text().splitlines()]

    run("first")
    messages = run("second")
    fresh = run("third", fresh=True)  # a run on an empty database (no KEEP) starts its .jsonl empty

    output = (tmp_path / "webhook.log").read_text()
    assert sorted(messages) == ["e", "e", "first", "second"]
    assert messages.index("first") < messages.index("second")
    assert (output.count("[INFO] Booting worker"), output.count("not {json"), output.count('"message": "e"')) == \
        (3, 3, 3)
    assert '"message": "first"' in output and '"message": "second"' in output
    assert sorted(fresh) == ["e", "third"]


def test_the_summary_command_needs_only_the_standard_library_and_names_a_missing_folder(tmp_path):
    """`python -m shared.ops summary` as a process: a folder that is not there is one line and exit 2, and the
    command loads nothing of Tumbuh but shared.events and itself (it runs where only the logs are)."""
    missing = subprocess.run([sys.executable, "-m", "shared.ops", "summary", str(tmp_path / "nowhere")], cwd=REPO,
                             capture_output=True, text=True, timeout=30)
    probe = "\n".join([
        "import json, runpy, sys",
        "before = set(sys.modules)",
        "sys.argv, sys.stdin = ['shared.ops', 'summary', '-'], open('/dev/null')",
        "try:",
        "    runpy.run_module('shared.ops', run_name='__main__')",
        "except SystemExit:",
        "    pass",
        "print(json.dumps(sorted(set(sys.modules) - before)), file=sys.stderr)",
    ])
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=30)
    imported = set(json.loads(loaded.stderr.splitlines()[-1]))

    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr == f"summary: no such file or folder: {tmp_path / 'nowhere'}\n"
    assert "Tumbuh logs: 0 lines" in loaded.stdout, loaded.stderr[-2000:]
    assert {m.split(".")[0] for m in imported} - set(sys.stdlib_module_names) == {"shared"}
    assert {m for m in imported if m.startswith("shared")} == {"shared", "shared.events", "shared.ops",
                                                              "shared.ops.summary"}  # __main__: run, not kept


def test_make_run_chat_reaches_a_result_with_its_chart_through_the_local_cloud_tasks(local_env, tmp_path):
    """`dev.py run` as a newcomer uses it (stdin piped to the simulator): consent, one message with the child's
    data, the name, two skips and "no oedema"; the result's second message arrives through the Cloud Tasks stand-in and the
    scheduler function, headed by the chart picture saved to a file."""
    ports = {name: _free_port() for name in ("WEBHOOK", "SCHEDULER", "BACKUP", "DASHBOARD", "TASKS")}
    env = dict(os.environ, **local_env, **{f"{k}_PORT": str(v) for k, v in ports.items()},
               TUMBUH_RUN_FILE=str(tmp_path / "running.json"), TUMBUH_LOG_DIR=str(tmp_path / "logs"))
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


def test_a_second_simulator_finds_the_run_and_shows_the_chart_with_the_result(local_env, tmp_path):
    """The README's second simulator, no URL flags: it finds the webhook, the Graph API stand-in and the Cloud Tasks
    stand-in that `dev.py serve` lists, so the chart-headed advice shows under the result it belongs to; a photo
    and a shared location get Tumbuh's answers; the list goes when the run stops."""
    run_file = tmp_path / "running.json"
    ports = {name: _free_port() for name in ("WEBHOOK", "SCHEDULER", "BACKUP", "DASHBOARD", "TASKS")}
    env = dict(os.environ, **local_env, **{f"{k}_PORT": str(v) for k, v in ports.items()},
               TUMBUH_RUN_FILE=str(run_file), TUMBUH_LOG_DIR=str(tmp_path / "logs"))
    for name in ("TASKS_QUEUE", "WEBHOOK_URL", "GRAPH_STANDIN_URL", "TASKS_STANDIN_URL"):
        env.pop(name, None)
    chat = "Halo\n1\ncowok lahir 3-1-2024 bb 9,1 pb 76 tgl ukur 3-2-2025\nBudi\n1\n1\n2\n/photo\n/location\n"
    server = subprocess.Popen([sys.executable, str(REPO / "scripts" / "dev.py"), "serve"], env=env, cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        listed = _wait_for_run(run_file, server)
        simulator = subprocess.run([sys.executable, str(REPO / "scripts" / "simulator.py"), "--wa-id", "6281200000002"],
                                   env=env, cwd=REPO, input=chat, capture_output=True, text=True, timeout=120)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)

    assert listed["webhook"] == f"http://127.0.0.1:{ports['WEBHOOK']}"
    assert listed["tasks"] == f"http://127.0.0.1:{ports['TASKS']}"
    assert listed["graph"] == local_env["WHATSAPP_API_URL"].removesuffix("/v21.0")
    assert listed["database_url"] == local_env["DATABASE_URL"]
    assert simulator.returncode == 0, simulator.stderr[-2000:]
    result, after = simulator.stdout.split("*Hasil Budi*")[1].split("Anda> /photo")
    assert "[gambar disimpan di " in result and "Panjang menurut umur" in result
    photo, location = after.split("Anda> /location")
    assert "belum bisa membaca foto" in photo
    assert "berbagi lokasi" in location
    assert not run_file.exists()


def test_the_simulator_prefers_its_environment_then_the_run_then_the_default_ports():
    """Explicit variables win; a listed run comes next; with neither, the default ports and no tasks stand-in."""
    run = {"webhook": "http://127.0.0.1:18080", "graph": "http://127.0.0.1:18090", "tasks": "http://127.0.0.1:18091"}

    assert default_urls({}, run) == run
    assert default_urls({"WEBHOOK_URL": "http://127.0.0.1:9"}, run)["webhook"] == "http://127.0.0.1:9"
    assert default_urls({}, None) == {"webhook": "http://127.0.0.1:8080", "graph": "http://127.0.0.1:8090",
                                      "tasks": ""}


def test_a_run_file_left_by_a_killed_run_is_ignored_and_replaced(tmp_path):
    """A file whose process is gone lists nothing and the next run writes over it; a live run's file is kept."""
    run_file = tmp_path / "running.json"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    run_file.write_text(json.dumps({"pid": gone.pid, "webhook": "http://127.0.0.1:1"}))
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = running.current(run_file)
        replaced = running.publish({"webhook": "http://127.0.0.1:2"}, "", path=run_file)
        listed_by_us = running.current(run_file)
        mode = run_file.stat().st_mode & 0o777
        run_file.write_text(json.dumps({"pid": live.pid, "webhook": "http://127.0.0.1:3"}))
        refused = running.publish({"webhook": "http://127.0.0.1:4"}, "", path=run_file)
        running.withdraw(run_file)  # not ours: stays
        listed_live = running.current(run_file)
    finally:
        live.kill()
        live.wait()

    assert stale is None and replaced and listed_by_us == {"webhook": "http://127.0.0.1:2", "database_url": ""}
    assert mode == 0o600  # it names the database, whose URL may carry a password
    assert not refused and listed_live == {"webhook": "http://127.0.0.1:3"}


def test_make_run_killed_by_a_signal_stops_its_servers_and_unlists_itself(local_env, tmp_path):
    """SIGTERM to `dev.py run` waiting at the simulator's prompt (a kill of the `make run` process group) stops
    every server it started and removes its run file, so nothing is left for a second simulator to find."""
    run_file = tmp_path / "running.json"
    ports = {name: _free_port() for name in ("WEBHOOK", "SCHEDULER", "BACKUP", "DASHBOARD", "TASKS")}
    env = dict(os.environ, **local_env, **{f"{k}_PORT": str(v) for k, v in ports.items()},
               TUMBUH_RUN_FILE=str(run_file), TUMBUH_LOG_DIR=str(tmp_path / "logs"))
    env.pop("TASKS_QUEUE", None)
    run = subprocess.Popen([sys.executable, str(REPO / "scripts" / "dev.py"), "run"], env=env, cwd=REPO,
                           stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_run(run_file, run)
    finally:
        run.send_signal(signal.SIGTERM)
        code = run.wait(timeout=30)

    assert code == 0
    assert not run_file.exists()
    for port in ports.values():
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0


def test_a_month_later_the_reminder_arrives_in_the_simulator_and_its_button_starts_measuring(local_env, tmp_path):
    """The issue's local check, as a newcomer does it: a mother measures her child in the simulator; `python -m
    shared.scheduler tick --now` a month later sends the reminder; in her simulator it shows with its buttons, and
    *Sudah timbang* starts measuring that child."""
    run_file = tmp_path / "running.json"
    ports = {name: _free_port() for name in ("WEBHOOK", "SCHEDULER", "BACKUP", "DASHBOARD", "TASKS")}
    env = dict(os.environ, **local_env, **{f"{k}_PORT": str(v) for k, v in ports.items()},
               TUMBUH_RUN_FILE=str(run_file), TUMBUH_LOG_DIR=str(tmp_path / "logs"), SCHEDULER_TICK_S="3600")
    for name in ("TASKS_QUEUE", "WEBHOOK_URL", "GRAPH_STANDIN_URL", "TASKS_STANDIN_URL"):
        env.pop(name, None)
    chat = "Halo\n1\ncowok lahir 3-1-2024 bb 9,1 pb 76 tgl ukur 3-2-2025\nBudi\n1\n1\n2\n"
    simulator = [sys.executable, str(REPO / "scripts" / "simulator.py"), "--wa-id", "6281200000003"]
    server = subprocess.Popen([sys.executable, str(REPO / "scripts" / "dev.py"), "serve"], env=env, cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_run(run_file, server)
        measured = subprocess.run(simulator, env=env, cwd=REPO, input=chat, capture_output=True, text=True,
                                  timeout=120)
        later = subprocess.Popen(simulator, env=env, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        assert "You are 6281200000003" in later.stdout.readline() + later.stdout.readline()
        tick = subprocess.run([sys.executable, "-m", "shared.scheduler", "tick", "--now", "2025-03-03T09:00+07:00"],
                              env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
        shown, _ = later.communicate("\n1\n", timeout=60)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)

    assert measured.returncode == 0 and "*Hasil Budi*" in measured.stdout
    assert tick.returncode == 0, tick.stderr[-2000:]
    assert '"queued": 1' in tick.stdout
    reminder, tapped = shown.split("Anda> 1")
    assert "Budi" in reminder and "Sudah timbang" in reminder
    assert "Kapan anak ditimbang" in tapped
