"""How long after a result the family's chart arrives: webhook → Cloud Tasks stand-in → scheduler function.

    scripts/services.sh run -- .venv/bin/python bench/chart_handoff.py [--parents 20]

Needs DATABASE_URL and REDIS_URL (scripts/services.sh sets them). Starts `scripts/dev.py serve` on free ports
(the three functions, the Graph API stand-in and the Cloud Tasks stand-in, as `make run` does), then walks
each parent through consent and a measurement to the result. Each result has its own length, so every chart
is drawn and uploaded afresh (no media-id cache hit). Printed, never asserted: the webhook's answer to the
result message (the baseline, measured in the same run) and when the chart-headed advice reached the Graph
API stand-in, both from the moment the result message was posted; the first chart is a cold sender (Pillow
imported, tables loaded) and is shown apart.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.servers import HOST, Servers, free_port, server_env, wait_ready  # noqa: E402
from scripts.simulator import post_signed, reply_payload, text_payload  # noqa: E402
from shared.config import LOCAL_PHONE_NUMBER_ID, LOCAL_SECRET  # noqa: E402

DEADLINE_S = 10.0


def chart_arrived(session, graph: str, wa_id: str) -> bool:
    sent = session.get(f"{graph}/_standin/messages", params={"to": wa_id}, timeout=5).json()["messages"]
    return any(m["payload"].get("interactive", {}).get("header", {}).get("type") == "image" for m in sent)


def one_result(session, webhook: str, graph: str, wa_id: str, length_cm: float) -> tuple[float, float]:
    """(ms until the webhook answered the result message, ms until the chart message reached the stand-in)."""
    def post(payload):
        resp = post_signed(session, webhook, payload, LOCAL_SECRET)
        if resp.status_code != 200:
            raise SystemExit(f"bench: webhook answered {resp.status_code}")

    post(text_payload(wa_id, LOCAL_PHONE_NUMBER_ID, "Halo"))
    post(reply_payload(wa_id, LOCAL_PHONE_NUMBER_ID, "button_reply", "consent:yes", "Setuju"))
    # Head and LILA skipped, then the oedema question (asked for every child): "Tidak" brings the result.
    post(text_payload(wa_id, LOCAL_PHONE_NUMBER_ID, f"cowok lahir 3-1-2024 bb 10 pb {length_cm:.1f} tgl ukur 3-2-2025"))
    post(text_payload(wa_id, LOCAL_PHONE_NUMBER_ID, "Budi"))
    post(reply_payload(wa_id, LOCAL_PHONE_NUMBER_ID, "button_reply", "skip", "Lewati"))
    post(reply_payload(wa_id, LOCAL_PHONE_NUMBER_ID, "button_reply", "skip", "Lewati"))
    start = time.perf_counter()
    post(reply_payload(wa_id, LOCAL_PHONE_NUMBER_ID, "button_reply", "no", "Tidak"))
    answered = time.perf_counter() - start
    while not chart_arrived(session, graph, wa_id):
        if time.perf_counter() - start > DEADLINE_S:
            raise SystemExit(f"bench: no chart within {DEADLINE_S:.0f} s of the result")
        time.sleep(0.002)
    return answered * 1000, (time.perf_counter() - start) * 1000


def main(argv: list[str] | None = None) -> int:
    import requests

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parents", type=int, default=20)
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        raise SystemExit("bench: run under scripts/services.sh (DATABASE_URL and REDIS_URL)")
    ports = {name: free_port() for name in ("WEBHOOK", "SCHEDULER", "BACKUP", "TASKS", "GRAPH")}
    env = server_env(**{f"{k}_PORT": str(v) for k, v in ports.items() if k != "GRAPH"},
                     WHATSAPP_API_URL=f"http://{HOST}:{ports['GRAPH']}/v21.0")
    env.pop("TASKS_QUEUE", None)  # dev.py starts the Cloud Tasks stand-in and points the functions at it
    log_dir = Path(tempfile.mkdtemp(prefix="tumbuh-handoff-"))
    servers = Servers(log_dir)
    webhook, graph = f"http://{HOST}:{ports['WEBHOOK']}", f"http://{HOST}:{ports['GRAPH']}"
    session = requests.Session()
    try:
        dev = servers.start("dev-serve", [sys.executable, str(REPO / "scripts" / "dev.py"), "serve"], env)
        for url in (f"{webhook}/healthz", f"http://{HOST}:{ports['SCHEDULER']}/healthz", f"{graph}/_standin/health",
                    f"http://{HOST}:{ports['TASKS']}/_standin/health"):
            wait_ready(url, dev)
        tag = int(time.time()) % 10_000
        runs = [one_result(session, webhook, graph, f"6281{tag:04d}{i:05d}", 70.0 + i * 0.3)
                for i in range(args.parents)]
    finally:
        servers.stop()
    (cold_answer, cold_chart), warm = runs[0], runs[1:]
    answers, charts = [a for a, _ in warm], [c for _, c in warm]
    print(f"chart after a result, {len(warm)} warm results (+1 cold), every chart drawn and uploaded afresh")
    print(f"  webhook answered the result     median {statistics.median(answers):6.1f} ms   (baseline)")
    print(f"  chart message at the stand-in   median {statistics.median(charts):6.1f} ms   "
          f"max {max(charts):6.1f} ms   {statistics.median(charts) / statistics.median(answers):.1f}x the answer")
    print(f"  first chart (cold sender)              {cold_chart:6.1f} ms   (webhook answered in {cold_answer:.1f} ms)")
    print("  caveat: Cloud Tasks dispatches from Google's side (typically tens of ms); here it is a local process, "
          f"and everything shares {os.cpu_count()} cores. Server log: {log_dir / 'dev-serve.log'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
