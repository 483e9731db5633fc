"""Crash probe: SIGKILL the real webhook while Meta-style batches are in flight, then count lost and doubled messages.

    scripts/services.sh run -- .venv/bin/python bench/crash_probe.py [--messages 200] [--kills 4] [--fast-forward]

Needs DATABASE_URL and REDIS_URL (scripts/services.sh sets them to a throwaway PostgreSQL and Redis). The probe
makes a database of its own on that server (dropped at the end) and uses one Redis database index, flushed first
(--redis-db). It starts, on free 127.0.0.1 ports, the Graph API stand-in (every send held 20 ms, so that sends are
in flight when a kill comes) and the webhook (functions-framework CLI, WORKERS=2 THREADS=8, in a process group of
its own, without a task queue: replies go inline or through the outbox). Then it posts --messages signed messages
from half as many parents, each saying "Halo" and then tapping "English" in the same batch, five parents a batch,
four batches at a time. --kills times, at a random moment while batches are in flight, the whole webhook process
group is SIGKILLed and started again. As Meta does, every batch not answered 200 is delivered again, every
RETRY_S, until all are: a message whose handler died between claim and commit is refused (503) until its claim's
lease (60 s) runs out, and then handled. Last, scheduler ticks (services.scheduled.run_due) send what the outbox
still holds once its leases (120 s) run out. --fast-forward lets those leases run out at once instead of waiting
(claims of unrecorded messages deleted, outbox rows made due): the same paths in seconds instead of minutes.

Each message's reply is recognised by its text ("Halo" gets the consent question in Bahasa Indonesia, the tap gets
it in English). Printed, never asserted: lost (no reply and no inbound row), unanswered (recorded, no reply) and
doubled (two or more replies: the send in flight when a kill came, Meta's answer never marked; see
shared/services/conversation.py).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.servers import HOST, free_port, functions_framework, wait_ready  # noqa: E402

SEND_DELAY_S = 0.02  # the stand-in holds each send this long, so kills find sends in flight
PARENTS_PER_BATCH = 5  # two messages each: ten messages a batch
CLIENTS = 4  # batches posted at the same time
# Meta's redelivery, sped up (Meta backs off for up to 7 days); longer than a killed worker's person lock (15 s), so
# that a redelivered batch is at work, not waiting for that lock, when the next kill comes.
RETRY_S = 16.0
GIVE_UP_S = 240.0  # longer than the claim lease (60 s) and the outbox lease (120 s) together
INDONESIAN, ENGLISH = "Apakah Anda setuju?", "Do you agree?"  # the consent question, as "Halo" and the tap get it
T0 = 1_764_000_000


class Webhook:
    """The webhook server, started in a process group of its own so that a kill takes gunicorn and its workers."""

    def __init__(self, env: dict, port: int, log: Path):
        self.env, self.port, self.log = env, port, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                functions_framework("whatsapp_webhook", "webhook", HOST, self.port), env=self.env, cwd=REPO,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_ready(f"http://{HOST}:{self.port}/healthz", self.proc)

    def kill(self) -> None:
        """SIGKILL, as a crashed or evicted instance: nothing runs after it, no handler, no finally."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def batches(messages: int) -> tuple[list[bytes], list[tuple[str, str, str]]]:
    """The signed-to-be bodies, and (wamid, parent, expected marker) for every message."""
    parents = [f"62811{n:08d}" for n in range(messages // 2)]
    bodies, expected = [], []
    for start in range(0, len(parents), PARENTS_PER_BATCH):
        msgs = []
        for wa in parents[start:start + PARENTS_PER_BATCH]:
            n = len(expected)
            msgs.append({"from": wa, "id": f"wamid.CRASH{n:05d}", "timestamp": str(T0 + n), "type": "text",
                         "text": {"body": "Halo"}})
            msgs.append({"from": wa, "id": f"wamid.CRASH{n + 1:05d}", "timestamp": str(T0 + n + 1),
                         "type": "interactive", "interactive": {"type": "button_reply", "button_reply": {
                             "id": "consent:en", "title": "English"}}})
            expected += [(msgs[-2]["id"], wa, INDONESIAN), (msgs[-1]["id"], wa, ENGLISH)]
        value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550000000",
                                                               "phone_number_id": "100000000000001"},
                 "contacts": [{"profile": {"name": "Bunda"}, "wa_id": m["from"]} for m in msgs], "messages": msgs}
        bodies.append(json.dumps({"object": "whatsapp_business_account", "entry": [
            {"id": "1", "changes": [{"field": "messages", "value": value}]}]}).encode())
    return bodies, expected


def post_round(url: str, bodies: dict[int, bytes], secret: str, kill_after_s: float | None,
               webhook: Webhook) -> tuple[set[int], float | None]:
    """Post every pending batch (CLIENTS at a time); optionally SIGKILL the webhook meanwhile. Returns the batches
    answered 200 and when the kill came."""
    import requests

    from shared.whatsapp.webhook import sign

    killed_at: list[float] = []
    started = time.perf_counter()

    def killer():
        time.sleep(kill_after_s)
        webhook.kill()
        killed_at.append(time.perf_counter() - started)

    def post(item):
        index, body = item
        try:
            resp = requests.post(url, data=body, timeout=60, headers={
                "Content-Type": "application/json", "X-Hub-Signature-256": sign(body, secret)})
            return index, resp.status_code
        except requests.RequestException:
            return index, None  # the connection died with the server: Meta saw no answer

    timer = threading.Thread(target=killer) if kill_after_s is not None else None
    if timer:
        timer.start()
    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(pool.map(post, bodies.items()))
    if timer:
        timer.join()
    return {i for i, status in answers if status == 200}, (killed_at[0] if killed_at else None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200, help="messages to post (two per parent)")
    parser.add_argument("--kills", type=int, default=4, help="SIGKILLs while batches are in flight")
    parser.add_argument("--send-ms", type=float, default=SEND_DELAY_S * 1000,
                        help="how long the stand-in holds each send (default 20 ms)")
    parser.add_argument("--redis-db", type=int, default=12, help="Redis database index for the probe (flushed)")
    parser.add_argument("--seed", type=int, default=None, help="random seed for the kill moments")
    parser.add_argument("--fast-forward", action="store_true",
                        help="let the claim and outbox leases run out at once instead of waiting for them")
    args = parser.parse_args(argv)
    missing = [n for n in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(n)]
    if missing:
        print(f"crash probe: {' and '.join(missing)} not set. Run it with real local stores:\n"
              "  scripts/services.sh run -- .venv/bin/python bench/crash_probe.py", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)

    import pg8000.native
    import redis
    import requests

    from shared.config import LOCAL_PHONE_NUMBER_ID, LOCAL_SECRET

    server = urlsplit(os.environ["DATABASE_URL"])
    admin = pg8000.native.Connection(server.username or "postgres", host=server.hostname, port=server.port or 5432,
                                     password=server.password, database=server.path.lstrip("/") or None)
    db_name = "crash_probe_" + uuid.uuid4().hex[:8]
    admin.run(f'CREATE DATABASE "{db_name}"')
    database_url = urlunsplit(server._replace(path="/" + db_name))
    redis_url = urlunsplit(urlsplit(os.environ["REDIS_URL"])._replace(path=f"/{args.redis_db}"))
    store = redis.Redis.from_url(redis_url)
    store.flushdb()
    log_dir = Path(tempfile.mkdtemp(prefix="tumbuh-crash-probe-"))
    standin_port, webhook_port = free_port(), free_port()
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("TASKS_", "CLOUD_SQL_", "APPS_SCRIPT_", "K_", "TUMBUH_ENV"))}
    base_env.update(PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1", TUMBUH_ENV="local", LOG_LEVEL="WARNING")
    env = dict(base_env, DATABASE_URL=database_url, REDIS_URL=redis_url, WORKERS="2", THREADS="8",
               WHATSAPP_API_URL=f"http://{HOST}:{standin_port}/v21.0", WHATSAPP_APP_SECRET=LOCAL_SECRET,
               WHATSAPP_ACCESS_TOKEN=LOCAL_SECRET, WHATSAPP_PHONE_NUMBER_ID=LOCAL_PHONE_NUMBER_ID)
    gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "--workers", "1", "--threads", "16"]
    with open(log_dir / "graph-standin.log", "ab") as out:
        standin = subprocess.Popen([*gunicorn, "--bind", f"{HOST}:{standin_port}",
                                    "shared.adapters.local.graph_standin:make_app("
                                    f"{LOCAL_SECRET!r}, {str(log_dir / 'media')!r})"],
                                   env=base_env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    webhook = Webhook(env, webhook_port, log_dir / "webhook.log")
    graph = f"http://{HOST}:{standin_port}"
    try:
        wait_ready(f"{graph}/_standin/health", standin)
        requests.post(f"{graph}/_standin/fail", json={"delay_s": args.send_ms / 1000, "times": 10**9},
                      timeout=5).raise_for_status()
        webhook.start()
        bodies, expected = batches(args.messages)
        pending = dict(enumerate(bodies))
        url = f"http://{HOST}:{webhook_port}/"
        kills, deliveries, rounds, began = [], 0, 0, time.monotonic()
        while pending and time.monotonic() - began < GIVE_UP_S:
            kill_after = rng.uniform(0.1, 1.2) if len(kills) < args.kills else None
            if rounds:
                time.sleep(RETRY_S)
                if args.fast_forward and kill_after is None:  # as if the claims' leases ran out: PostgreSQL decides
                    recorded = {r[0] for r in pg_rows(database_url, "SELECT wamid FROM inbound_messages")}
                    for wamid, _, _ in expected:
                        if wamid not in recorded:
                            store.delete(f"claim:{wamid}")
            deliveries += len(pending)
            answered, killed_at = post_round(url, pending, LOCAL_SECRET, kill_after, webhook)
            rounds += 1
            for index in answered:
                pending.pop(index)
            if killed_at is not None:
                kills.append(killed_at)
                webhook.start()
        ticks = tick_until_empty(env, database_url, args.fast_forward)
        sent = requests.get(f"{graph}/_standin/messages", timeout=10).json()["messages"]
        # The batches refused because a message was claimed but never committed: the crash window between claim and
        # commit was hit (a week-long claim would have answered those 200 and lost the message).
        refused = (log_dir / "webhook.log").read_text(errors="replace").count("claimed but never recorded")
        report(args, expected, sent, database_url, kills, deliveries, len(bodies), rounds, pending, ticks,
               time.monotonic() - began, refused)
        return 0
    finally:
        webhook.stop()
        os.killpg(standin.pid, signal.SIGTERM)
        standin.wait(timeout=10)
        store.flushdb()
        admin.run(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        admin.close()
        print(f"crash probe: logs in {log_dir}")


def pg_rows(database_url: str, sql: str) -> list:
    import pg8000.native

    u = urlsplit(database_url)
    conn = pg8000.native.Connection(u.username or "postgres", host=u.hostname, port=u.port or 5432,
                                    password=u.password, database=u.path.lstrip("/"))
    try:
        return conn.run(sql)
    finally:
        conn.close()


def tick_until_empty(env: dict, database_url: str, fast_forward: bool) -> int:
    """Scheduler ticks (run_due, in this process) until no reply waits in the outbox; returns how many ran."""
    from shared.bootstrap import build_app
    from shared.config import Settings
    from shared.services.scheduled import run_due

    app = build_app(Settings.from_env(env))
    ticks, began = 0, time.monotonic()
    waiting = "SELECT count(*) FROM outbox WHERE kind = 'send' AND done_at IS NULL"
    while pg_rows(database_url, waiting)[0][0] and time.monotonic() - began < GIVE_UP_S:
        if fast_forward:  # as if the outbox leases ran out
            pg_rows(database_url, "UPDATE outbox SET next_attempt_at = now() WHERE kind = 'send' AND done_at IS NULL")
        run_due(app)
        ticks += 1
        if pg_rows(database_url, waiting)[0][0]:
            time.sleep(0.2 if fast_forward else 5.0)
    return ticks


def report(args, expected, sent, database_url, kills, deliveries, batch_count, rounds, pending, ticks, took_s,
           refused):
    recorded = {r[0] for r in pg_rows(database_url, "SELECT wamid FROM inbound_messages")}
    texts: dict[str, list[str]] = {}
    for m in sent:
        p = m["payload"]
        texts.setdefault(m["to"], []).append(p["text"]["body"] if p["type"] == "text"
                                             else p["interactive"]["body"]["text"])
    lost, unanswered, doubled = [], [], []
    for wamid, wa, marker in expected:
        replies = sum(marker in t for t in texts.get(wa, []))
        if replies == 0:
            (unanswered if wamid in recorded else lost).append(wamid)
        elif replies > 1:
            doubled.append(wamid)
    print(f"crash probe: {len(expected)} messages from {len(expected) // 2} parents in {batch_count} batches; "
          f"{len(kills)} SIGKILLs of the webhook at {', '.join(f'{k:.2f} s' for k in kills)} into their rounds; "
          f"{deliveries} batch deliveries in {rounds} rounds ({deliveries - batch_count} redeliveries), "
          f"{len(pending)} batches never answered 200; {ticks} scheduler ticks; {took_s:.0f} s"
          f"{' (leases fast-forwarded)' if args.fast_forward else ''}")
    print(f"  redeliveries refused (503) because a message was claimed but never committed: {refused}")
    print(f"  recorded (inbound row): {len(recorded & {w for w, _, _ in expected})} of {len(expected)}")
    print(f"  lost (no reply, no inbound row): {len(lost)}{'  ' + ' '.join(lost) if lost else ''}")
    print(f"  unanswered (recorded, no reply): {len(unanswered)}{'  ' + ' '.join(unanswered) if unanswered else ''}")
    print(f"  doubled (two or more replies): {len(doubled)}{'  ' + ' '.join(doubled) if doubled else ''}")
    print(f"  replies sent: {len(sent)} for {len(expected)} messages")


if __name__ == "__main__":
    sys.exit(main())
