"""Load test of a deployed webhook, staging only: an open-loop stream of signed webhook POSTs at a fixed rate.

    read -rs STAGING_APP_SECRET && export STAGING_APP_SECRET   # typed at a prompt: kept out of shell history
    .venv/bin/python bench/load.py --url https://<staging webhook URL> --app-secret-env STAGING_APP_SECRET \\
        --rate 10 --duration 60 --confirm-staging [--parents 300]

Refused with exit 2 and one sentence, before any message is sent:
  * a --rate above RATE_CAP (50 messages/s), a --duration above DURATION_CAP (600 s), or too few --parents (each
    synthetic parent stays under the webhook's flood limit, so no one is muted and the load stays what it says);
  * a URL on another machine without https or without --confirm-staging (the command itself says a deployment is
    about to be loaded);
  * an app secret not in the named environment variable (never on the command line: it would sit in shell history);
  * a deployment whose GET /healthz does not say {"env": "staging"}: prod, an unknown or missing env, no answer.
    "local" is accepted only on a loopback URL, which is how the tests run this against the local webhook.

What is sent: message k is a signed "Halo" text from synthetic parent k mod --parents, stamped with its scheduled
send time, wamid "wamid.LOAD<run tag><k>" (the tag is printed, so the run's rows can be found in staging's
database). The parents' numbers are Ofcom's drama range, +44 7700 900000 to 900999: reserved for fiction, never
given to a subscriber, so no reply can reach a person. The staging deployment's WHATSAPP_API_URL points at a Graph
API sink (a server answering Meta's send API) or at Meta's test number. Meta's test number sends only to its few
verified recipients and refuses these numbers, so with it every reply takes the webhook's failed-send path; a sink
measures the path a real family takes. A stranger's first message is the turn measured (signature, claim, record,
conversation state, consent question sent through the Graph API): bench/webhook.py's measure turn needs a child
and a conversation seeded into the stores, which a test from outside cannot reach.

Printed, never asserted: sent, answered by status, latency p50/p95/p99 from the scheduled send time (open loop, as
bench/webhook.py's latency phase: a slow answer does not delay the next send, so queueing shows as latency), and
p95 over the median /healthz round trip measured in the same run, the baseline: what one request to this
deployment costs with no work behind it (the network, TLS, the front end, a warm instance).
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import payloads  # noqa: E402
from bench.webhook import pct  # noqa: E402
from shared.config import LOCAL, LOCAL_PHONE_NUMBER_ID, STAGING, is_loopback  # noqa: E402
from shared.services.conversation import RATE_LIMIT, RATE_WINDOW_S  # noqa: E402

RATE_CAP = 50.0  # messages/s: half the local latency target's 100/s; staging is a small deployment
DURATION_CAP = 600.0  # seconds: ten minutes show scaling out and cold starts; longer is a soak test, not this
# Ofcom's drama numbers (07700 900000 to 07700 900999): reserved for fiction, never allocated to a subscriber.
DRAMA_BASE = 447700900000
PARENTS_CAP = 1000  # the size of that range
HEALTH_SAMPLES = 20  # sequential /healthz GETs on a warm connection: the baseline's median
TIMEOUT_S = 30.0  # per POST; longer than any answer Meta would wait for
NO_ANSWER = -1  # status recorded for a timeout or a broken connection
TEXT = "Halo"


class Refused(Exception):
    """A reason not to send: printed as one sentence, exit 2."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", required=True, help="the staging webhook's URL (what Meta posts to)")
    parser.add_argument("--app-secret-env", required=True, metavar="VAR",
                        help="name of the environment variable holding staging's WhatsApp app secret")
    parser.add_argument("--rate", type=float, required=True, help=f"messages per second (at most {RATE_CAP:g})")
    parser.add_argument("--duration", type=float, required=True, help=f"seconds (at most {DURATION_CAP:g})")
    parser.add_argument("--parents", type=int, default=None,
                        help=f"synthetic parents sending in turn (default: one per message, at most {PARENTS_CAP})")
    parser.add_argument("--phone-number-id", default=os.environ.get("WHATSAPP_PHONE_NUMBER_ID", LOCAL_PHONE_NUMBER_ID),
                        help="the metadata's phone_number_id (default: $WHATSAPP_PHONE_NUMBER_ID, else the local one)")
    parser.add_argument("--confirm-staging", action="store_true",
                        help="needed for a URL on another machine: you mean to load that deployment")
    return parser.parse_args(argv)


def check_plan(args: argparse.Namespace) -> tuple[int, int]:
    """(messages, parents) for these arguments, or Refused; touches no network."""
    if not 0 < args.rate <= RATE_CAP:
        raise Refused(f"--rate must be above 0 and at most {RATE_CAP:g} messages/s, not {args.rate:g}")
    if not 0 < args.duration <= DURATION_CAP:
        raise Refused(f"--duration must be above 0 and at most {DURATION_CAP:g} s, not {args.duration:g}")
    messages = max(1, int(args.rate * args.duration))
    parents = args.parents or min(PARENTS_CAP, messages)
    if not 1 <= parents <= PARENTS_CAP:
        raise Refused(f"--parents must be 1 to {PARENTS_CAP} (the drama number range), not {parents}")
    per_window = math.ceil(args.rate * min(args.duration, RATE_WINDOW_S) / parents)
    if per_window > RATE_LIMIT:
        need = math.ceil(args.rate * min(args.duration, RATE_WINDOW_S) / RATE_LIMIT)
        raise Refused(f"{parents} parents at {args.rate:g}/s send {per_window} messages each a minute, over the "
                      f"webhook's flood limit of {RATE_LIMIT}, so they would be muted: use at least {need}")
    url = urlsplit(args.url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise Refused(f"--url must be an http(s) URL, not {args.url!r}")
    if not is_loopback(args.url):
        if url.scheme != "https":
            raise Refused(f"{args.url} is another machine reached over plain http; a deployment is https")
        if not args.confirm_staging:
            raise Refused(f"{args.url} is another machine: add --confirm-staging to send it {messages} messages")
    return messages, parents


def app_secret(var: str) -> str:
    """The app secret from the named environment variable, or Refused."""
    value = os.environ.get(var, "")
    if not value:
        raise Refused(f"the environment variable {var} (named by --app-secret-env) is empty or not set")
    return value


def check_staging(session: requests.Session, base: str) -> str:
    """The env the deployment's /healthz states, when it may be loaded (staging; local on loopback), or Refused."""
    try:
        resp = session.get(base + "/healthz", timeout=TIMEOUT_S)
        env = resp.json().get("env") if resp.status_code == 200 else None
    except (requests.RequestException, ValueError, AttributeError) as exc:
        raise Refused(f"{base}/healthz did not answer with JSON ({type(exc).__name__}), so it cannot be shown to "
                      "be staging") from None
    if env == STAGING or (env == LOCAL and is_loopback(base)):
        return env
    raise Refused(f"{base}/healthz says env {env!r}, and this load test runs only against staging "
                  "(or a local webhook on loopback)")


def health_round_trip_ms(session: requests.Session, base: str) -> float:
    """Median of HEALTH_SAMPLES sequential /healthz round trips on the warm connection: the run's baseline."""
    times = []
    for _ in range(HEALTH_SAMPLES):
        t = time.perf_counter()
        session.get(base + "/healthz", timeout=TIMEOUT_S).raise_for_status()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def build(messages: int, parents: int, rate: float, phone_id: str, secret: str, tag: str,
          epoch0: float) -> list[payloads.Signed]:
    """Every POST of the run, signed ahead so the senders only send; each stamped with its scheduled second."""
    width = len(str(messages - 1))
    return [payloads.text(str(DRAMA_BASE + k % parents), phone_id, f"wamid.LOAD{tag}{k:0{width}d}", TEXT, secret,
                          sent_at=int(epoch0 + k / rate)) for k in range(messages)]


def open_loop(base: str, posts: list[payloads.Signed], rate: float) -> tuple[list[float], dict[int, int]]:
    """Send post k at t0 + k/rate from a pool of keep-alive senders; latency counts from that scheduled time."""
    pool = min(200, max(8, math.ceil(rate * 4)))  # enough senders that 4 s answers still keep the schedule
    local = threading.local()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    def send(post: payloads.Signed, scheduled: float) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        try:
            status = local.session.post(base, data=post.body, headers=post.headers, timeout=TIMEOUT_S).status_code
        except requests.RequestException:
            status = NO_ANSWER
        done = time.perf_counter()
        with lock:
            latencies.append((done - scheduled) * 1000)
            statuses[status] = statuses.get(status, 0) + 1

    with ThreadPoolExecutor(max_workers=pool) as senders:
        t0 = time.perf_counter() + 0.05
        for k, post in enumerate(posts):
            scheduled = t0 + k / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            senders.submit(send, post, scheduled)
    return latencies, statuses


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    base = args.url.rstrip("/")
    session = requests.Session()
    try:
        messages, parents = check_plan(args)
        secret = app_secret(args.app_secret_env)
        env = check_staging(session, base)
    except Refused as refused:
        print(f"load: refused: {refused}.", file=sys.stderr)
        return 2
    baseline = health_round_trip_ms(session, base)
    print(f"load: {base} says env {env}; /healthz round trip median {baseline:.1f} ms over {HEALTH_SAMPLES} GETs")

    tag = uuid.uuid4().hex[:8]
    posts = build(messages, parents, args.rate, args.phone_number_id, secret, tag, time.time())
    print(f"load: {messages} signed messages at {args.rate:g}/s for {args.duration:g} s from {parents} synthetic "
          f"parents (+{DRAMA_BASE} to +{DRAMA_BASE + parents - 1}); wamids wamid.LOAD{tag}*")
    latencies, statuses = open_loop(base, posts, args.rate)

    print(f"sent {len(posts)}")
    for status in sorted(statuses):
        print(f"answered {status if status != NO_ANSWER else 'none'}: {statuses[status]}")
    p95 = pct(latencies, 95)
    print(f"latency from scheduled send: p50 {pct(latencies, 50):.1f} ms  p95 {p95:.1f} ms  "
          f"p99 {pct(latencies, 99):.1f} ms  max {max(latencies):.1f} ms")
    print(f"p95 / healthz round trip: {p95 / baseline:.1f}")
    return 0 if statuses.get(200, 0) == len(posts) else 1


if __name__ == "__main__":
    sys.exit(main())
