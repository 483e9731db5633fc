"""Load test of a deployed webhook, staging only: synthetic parents measuring a child, in signed webhook POSTs.

    read -rs STAGING_APP_SECRET && export STAGING_APP_SECRET   # typed at a prompt: kept out of shell history
    .venv/bin/python bench/load.py --url https://<staging webhook URL> --app-secret-env STAGING_APP_SECRET \\
        --rate 10 --duration 60 --confirm-staging [--parents 300] [--posyandu-listed] [--flow hello]

Refused with exit 2 and one sentence, before any message is sent:
  * a --rate above RATE_CAP (50 messages/s), a --duration above DURATION_CAP (600 s), or, with --flow hello, too few
    --parents (each synthetic parent stays under the webhook's flood limit, so no one is muted and the load stays
    what it says);
  * a URL on another machine without https or without --confirm-staging (the command itself says a deployment is
    about to be loaded);
  * an app secret not in the named environment variable (never on the command line: it would sit in shell history);
  * a deployment whose GET /healthz does not say {"env": "staging"}: prod, an unknown or missing env, no answer.
    "local" is accepted only on a loopback URL, which is how the tests run this against the local webhook.

What is sent (--flow measure, the default): each synthetic parent runs, once, the conversation a mother runs to
measure her child: "Halo" (the consent question), Setuju, a quick entry ("cowok lahir 12-3-2024 bb 9,1 pb 76"),
the child's name, Hari ini, the position when the entry's pb/tb does not give it for the age, Lewati for the head
circumference and for LILA, and Tidak for oedema. The conversation state is the webhook's and it answers 200 only
after handling a message, so each message is sent when the previous one was answered, as a person answers each
question; the replies are never read. Conversations start open loop, each when the messages planned before it are
due at --rate (messages per second overall), until --duration is filled or --parents conversations are planned
(1000, the drama range's size, by default and at most: at 50/s, about three minutes). The entries are drawn per
run: sex, 6 to 59 months of age (not within two weeks of 2 years, where lying turns to standing, nor of the ends),
weight and length within a few per cent of the WHO median, so no number is questioned and every conversation ends
in a stored measurement. The last answer is the measuring turn, the one bench/webhook.py measures: growth assessed
against WHO 2006, the measurement stored, the result sent.

A parent sends at most ten messages, under the webhook's flood limit of 20 a minute; as the runs reuse the numbers,
leave a minute between runs, or the limit counts them together. What the script cannot see (a muted message, an
unexpected question) is still answered 200, so the questions must be the ones planned, and two depend on the
deployment's data. With posyandu in its database a parent registering a child is asked which one weighs the child:
--posyandu-listed taps Lewati there (without it, no child is measured). A number an earlier run used is a consented
family: its "Halo" and Setuju get the menu, and the entry registers another child (should it repeat that child's
sex and birth date, the name is refused once as a measuring date and the rest goes as planned).

--flow hello: message k is a signed "Halo" from synthetic parent k mod --parents, sent at its scheduled time: a
stranger's first message (signature, claim, record, conversation state, consent question sent).

wamids are "wamid.LOAD<run tag>..." (the tag is printed, so the run's rows can be found in staging's database; a
measurement's source_ref is the wamid of its oedema answer). The parents' numbers are Ofcom's drama range, +44 7700 900000 to 900999: reserved for fiction, never given to a
subscriber, so no reply can reach a person. The staging deployment's WHATSAPP_API_URL points at a Graph API sink
(a server answering Meta's send API) or at Meta's test number. Meta's test number sends only to its few verified
recipients and refuses these numbers, so with it every reply takes the webhook's failed-send path; a sink measures
the path a real family takes.

Printed, never asserted: conversations started and completed, messages sent, answered by status, latency
p50/p95/p99 of every message and of the measuring turn alone, each p95 over the median /healthz round trip
measured in the same run, the baseline: what one request to this deployment costs with no work behind it (the
network, TLS, the front end, a warm instance). A message's latency counts from its send time: the scheduled time
for a conversation's first message (and every hello message; open loop, as bench/webhook.py's latency phase, so
queueing shows as latency), the previous answer's arrival for the rest. Exit 1 when a message is not answered 200.
"""
from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import payloads  # noqa: E402
from bench.webhook import on_schedule, pct  # noqa: E402
from shared.config import DEFAULT_TZ, LOCAL, LOCAL_PHONE_NUMBER_ID, STAGING, is_loopback  # noqa: E402
from shared.domain.growth import ages, tables  # noqa: E402
from shared.flows.messages import render  # noqa: E402
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
FLOWS = ("measure", "hello")

# Ages the measure flow draws, in days. LILA is asked from 6 completed months (WHO 2013), the WHO 2006 standards end
# at 60 months, and lying turns to standing at ages.HEIGHT_FROM_DAY: margins of two weeks and more keep each
# conversation's questions the same whichever day (and time zone) the deployment calls today.
AGE_MIN_DAYS, AGE_MAX_DAYS = 200, 1780
SWITCH_MARGIN_DAYS = 14
WEIGHT_SPREAD = 0.08  # +-8 % of the WHO median weight for age: within about 1 z; WHO flags (and Tumbuh asks) past 5
LENHEI_SPREAD = 0.025  # +-2.5 % of the median length/height: within about 1 z
ASKED_POSITION_SHARE = 0.25  # entries whose pb/tb does not match the age, so the position is asked and tapped
MAX_STEPS = 10  # the longest conversation steps() writes: the position asked, and posyandu listed
BOYS = ("Budi", "Agus", "Fajar", "Rizki", "Bayu", "Dodi", "Andi", "Yusuf")
GIRLS = ("Ani", "Siti", "Rina", "Dewi", "Putri", "Lestari", "Ayu", "Nur")


class Refused(Exception):
    """A reason not to send: printed as one sentence, exit 2."""


@dataclass(frozen=True)
class Step:
    """One message of a conversation: a typed text, or a tapped reply button (its id and its title)."""

    text: str = ""
    reply_id: str = ""
    title: str = ""

    def signed(self, wa_id: str, phone_id: str, wamid: str, secret: str) -> payloads.Signed:
        """The POST, stamped now: a person types (or taps) when the previous answer has arrived."""
        now = int(time.time())
        if self.reply_id:
            return payloads.tap(wa_id, phone_id, wamid, self.reply_id, self.title, secret, sent_at=now)
        return payloads.text(wa_id, phone_id, wamid, self.text, secret, sent_at=now)


def tap(reply_id: str, title_key: str) -> Step:
    """A tap on the button with this id, titled as the webhook titles it in Bahasa Indonesia."""
    return Step(reply_id=reply_id, title=render(title_key, "id"))


@dataclass(frozen=True)
class Conversation:
    """One synthetic parent's whole measuring conversation, and when it starts (seconds after the run's start)."""

    wa_id: str
    steps: tuple[Step, ...]
    start_s: float


@dataclass
class Tally:
    """What a run saw: statuses and latencies of every message, and of the measuring turn alone."""

    statuses: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    measuring_ms: list[float] = field(default_factory=list)
    started: int = 0
    completed: int = 0

    @property
    def sent(self) -> int:
        """Messages posted, answered or not."""
        return sum(self.statuses.values())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", required=True, help="the staging webhook's URL (what Meta posts to)")
    parser.add_argument("--app-secret-env", required=True, metavar="VAR",
                        help="name of the environment variable holding staging's WhatsApp app secret")
    parser.add_argument("--rate", type=float, required=True,
                        help=f"messages per second overall (at most {RATE_CAP:g})")
    parser.add_argument("--duration", type=float, required=True,
                        help=f"seconds (at most {DURATION_CAP:g}); measure: conversations start within it")
    parser.add_argument("--flow", choices=FLOWS, default="measure",
                        help="measure (default): each parent measures a child, one conversation each; hello: each "
                             "message a stranger's first 'Halo'")
    parser.add_argument("--parents", type=int, default=None,
                        help=f"measure: at most this many conversations (default {PARENTS_CAP}); hello: synthetic "
                             f"parents sending in turn (default: one per message, at most {PARENTS_CAP})")
    parser.add_argument("--posyandu-listed", action="store_true",
                        help="measure: the deployment's database lists posyandu, so a parent registering a child is "
                             "asked which one weighs it (each taps Lewati)")
    parser.add_argument("--phone-number-id", default=os.environ.get("WHATSAPP_PHONE_NUMBER_ID", LOCAL_PHONE_NUMBER_ID),
                        help="the metadata's phone_number_id (default: $WHATSAPP_PHONE_NUMBER_ID, else the local one)")
    parser.add_argument("--confirm-staging", action="store_true",
                        help="needed for a URL on another machine: you mean to load that deployment")
    return parser.parse_args(argv)


def check_plan(args: argparse.Namespace) -> tuple[int, int]:
    """(messages, parents) for these arguments, or Refused; touches no network. For --flow measure, messages is
    the number the conversations add up to at least (rate x duration) and parents the most conversations."""
    if not 0 < args.rate <= RATE_CAP:
        raise Refused(f"--rate must be above 0 and at most {RATE_CAP:g} messages/s, not {args.rate:g}")
    if not 0 < args.duration <= DURATION_CAP:
        raise Refused(f"--duration must be above 0 and at most {DURATION_CAP:g} s, not {args.duration:g}")
    messages = max(1, int(args.rate * args.duration))
    parents = args.parents or (min(PARENTS_CAP, messages) if args.flow == "hello" else PARENTS_CAP)
    if not 1 <= parents <= PARENTS_CAP:
        raise Refused(f"--parents must be 1 to {PARENTS_CAP} (the drama number range), not {parents}")
    if args.flow == "hello":
        per_window = math.ceil(args.rate * min(args.duration, RATE_WINDOW_S) / parents)
        if per_window > RATE_LIMIT:
            need = math.ceil(args.rate * min(args.duration, RATE_WINDOW_S) / RATE_LIMIT)
            raise Refused(f"{parents} parents at {args.rate:g}/s send {per_window} messages each a minute, over the "
                          f"webhook's flood limit of {RATE_LIMIT}, so they would be muted: use at least {need}")
    elif MAX_STEPS > RATE_LIMIT:  # a parent sends one conversation, never another: these messages in a minute
        raise Refused(f"a measuring conversation has up to {MAX_STEPS} messages, over the webhook's flood limit of "
                      f"{RATE_LIMIT} a minute")
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


# --- --flow hello: a stranger's first message, open loop ----------------------------------------------------------

def build(messages: int, parents: int, rate: float, phone_id: str, secret: str, tag: str,
          epoch0: float) -> list[payloads.Signed]:
    """Every POST of the run, signed ahead so the senders only send; each stamped with its scheduled second."""
    width = len(str(messages - 1))
    return [payloads.text(str(DRAMA_BASE + k % parents), phone_id, f"wamid.LOAD{tag}{k:0{width}d}", TEXT, secret,
                          sent_at=int(epoch0 + k / rate)) for k in range(messages)]


def senders(rate: float) -> int:
    """Enough sending threads that answers taking 4 s still keep the schedule."""
    return min(200, max(8, math.ceil(rate * 4)))


def open_loop(base: str, posts: list[payloads.Signed], rate: float) -> tuple[list[float], dict[int, int]]:
    """Send post k at t0 + k/rate from a pool of keep-alive senders; latency counts from that scheduled time."""
    local = threading.local()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    def send(post: payloads.Signed, scheduled: float) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        status = post_one(local.session, base, post)
        done = time.perf_counter()
        with lock:
            latencies.append((done - scheduled) * 1000)
            statuses[status] = statuses.get(status, 0) + 1

    with ThreadPoolExecutor(max_workers=senders(rate)) as pool:
        t0 = time.perf_counter() + 0.05
        for post, scheduled in zip(posts, on_schedule(t0, (k / rate for k in range(len(posts))))):
            pool.submit(send, post, scheduled)
    return latencies, statuses


def post_one(session: requests.Session, base: str, post: payloads.Signed) -> int:
    """The status the webhook answered, or NO_ANSWER."""
    try:
        return session.post(base, data=post.body, headers=post.headers, timeout=TIMEOUT_S).status_code
    except requests.RequestException:
        return NO_ANSWER


# --- --flow measure: each parent measures a child, one conversation each -----------------------------------------

def entry(rng: random.Random, today: date) -> tuple[str, str, str | None]:
    """A quick entry as a mother types it, the child's name, and the position tap it needs (None: pb under two
    years and tb from two give the position, which is then not asked)."""
    while True:
        age_days = rng.randint(AGE_MIN_DAYS, AGE_MAX_DAYS)
        if abs(age_days - ages.HEIGHT_FROM_DAY) > SWITCH_MARGIN_DAYS:
            break
    sex = rng.choice((1, 2))
    born = today - timedelta(days=age_days)
    lying = age_days < ages.HEIGHT_FROM_DAY  # measured as usual for the age: lying under two years
    weight = tables.median("wfa", sex, age_days) * (1 + rng.uniform(-WEIGHT_SPREAD, WEIGHT_SPREAD))
    lenhei = tables.median("lhfa", sex, age_days) * (1 + rng.uniform(-LENHEI_SPREAD, LENHEI_SPREAD))
    asked = rng.random() < ASKED_POSITION_SHARE
    label = "pb" if lying != asked else "tb"  # the other label makes the webhook ask how the child was measured
    words = rng.choice(("cowok", "laki-laki") if sex == 1 else ("cewek", "perempuan"))
    day = rng.choice((f"{born.day}-{born.month}-{born.year}", f"{born.day:02d}/{born.month:02d}/{born.year}"))
    kg = f"{weight:.1f}".replace(".", ",").removesuffix(",0")
    cm = f"{lenhei:.1f}".replace(".", ",").removesuffix(",0")
    text = f"{words} lahir {day} bb {kg} {label} {cm}"
    name = rng.choice(BOYS if sex == 1 else GIRLS)
    return text, name, ("measure:l" if lying else "measure:h") if asked else None


def steps(rng: random.Random, today: date, posyandu_listed: bool) -> tuple[Step, ...]:
    """One parent's conversation, every question known in advance from the entry drawn."""
    text, name, position = entry(rng, today)
    said = [Step(text=TEXT), tap("consent:yes", "choice_agree"), Step(text=text), Step(text=name)]
    if posyandu_listed:
        said.append(tap("skip", "choice_skip"))  # "which posyandu weighs the child?"
    said.append(tap("date:today", "choice_today"))
    if position is not None:
        said.append(tap(position, "choice_lying" if position == "measure:l" else "choice_standing"))
    said += [tap("skip", "choice_skip"), tap("skip", "choice_skip"),  # head circumference, then LILA
             tap("no", "choice_no")]  # oedema: the measuring turn
    return tuple(said)


def plan(messages: int, parents: int, rate: float, posyandu_listed: bool, tag: str,
         today: date) -> list[Conversation]:
    """Conversations from parent 0 on, until their messages reach `messages` or there are `parents` of them; each
    starts when the messages planned before it are due at `rate` (the entries are drawn from the run tag)."""
    rng = random.Random(tag)
    out: list[Conversation] = []
    due = 0
    while due < messages and len(out) < parents:
        said = steps(rng, today, posyandu_listed)
        out.append(Conversation(str(DRAMA_BASE + len(out)), said, due / rate))
        due += len(said)
    return out


def converse(base: str, conversations: list[Conversation], rate: float, phone_id: str, secret: str,
             tag: str) -> Tally:
    """Start each conversation at its time (open loop); within one, send each message when the previous one was
    answered 200 (a conversation stops at any other answer: its next question never came)."""
    local = threading.local()
    lock = threading.Lock()
    tally = Tally()
    width = len(str(len(conversations) - 1))

    def talk(k: int, conv: Conversation, scheduled: float) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        with lock:
            tally.started += 1
        since = scheduled  # the first message was due then: a late start is latency too
        for i, step in enumerate(conv.steps):
            post = step.signed(conv.wa_id, phone_id, f"wamid.LOAD{tag}{k:0{width}d}{i}", secret)
            if i:
                since = time.perf_counter()
            status = post_one(local.session, base, post)
            ms = (time.perf_counter() - since) * 1000
            with lock:
                tally.statuses[status] = tally.statuses.get(status, 0) + 1
                tally.latencies_ms.append(ms)
                if i == len(conv.steps) - 1:
                    tally.measuring_ms.append(ms)
            if status != 200:
                return
        with lock:
            tally.completed += 1

    with ThreadPoolExecutor(max_workers=senders(rate)) as pool:
        t0 = time.perf_counter() + 0.05
        starts = on_schedule(t0, (conv.start_s for conv in conversations))
        for (k, conv), scheduled in zip(enumerate(conversations), starts):
            pool.submit(talk, k, conv, scheduled)
    return tally


def report(label: str, latencies: list[float], baseline: float, ratio_label: str = "p95") -> None:
    """p50/p95/p99/max of these latencies, then their p95 over the /healthz baseline."""
    if not latencies:
        print(f"{label}: none")
        return
    p95 = pct(latencies, 95)
    print(f"{label}: p50 {pct(latencies, 50):.1f} ms  p95 {p95:.1f} ms  p99 {pct(latencies, 99):.1f} ms  "
          f"max {max(latencies):.1f} ms")
    print(f"{ratio_label} / healthz round trip: {p95 / baseline:.1f}")


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
    if args.flow == "hello":
        posts = build(messages, parents, args.rate, args.phone_number_id, secret, tag, time.time())
        print(f"load: {messages} signed messages at {args.rate:g}/s for {args.duration:g} s from {parents} synthetic "
              f"parents (+{DRAMA_BASE} to +{DRAMA_BASE + parents - 1}); wamids wamid.LOAD{tag}*")
        latencies, statuses = open_loop(base, posts, args.rate)
        print(f"sent {len(posts)}")
        for status in sorted(statuses):
            print(f"answered {status if status != NO_ANSWER else 'none'}: {statuses[status]}")
        report("latency from scheduled send", latencies, baseline)
        return 0 if statuses.get(200, 0) == len(posts) else 1

    today = datetime.now(ZoneInfo(DEFAULT_TZ)).date()
    conversations = plan(messages, parents, args.rate, args.posyandu_listed, tag, today)
    planned = sum(len(c.steps) for c in conversations)
    print(f"load: {len(conversations)} measuring conversations of {planned} signed messages at {args.rate:g}/s, "
          f"started over {conversations[-1].start_s:.1f} s, from synthetic parents +{DRAMA_BASE} to "
          f"+{DRAMA_BASE + len(conversations) - 1}; wamids wamid.LOAD{tag}*")
    tally = converse(base, conversations, args.rate, args.phone_number_id, secret, tag)
    print(f"conversations started {tally.started}, completed {tally.completed}")
    print(f"sent {tally.sent}")
    for status in sorted(tally.statuses):
        print(f"answered {status if status != NO_ANSWER else 'none'}: {tally.statuses[status]}")
    report("latency from send, every message", tally.latencies_ms, baseline)
    report(f"measuring turn (the oedema answer), {len(tally.measuring_ms)} of them", tally.measuring_ms, baseline,
           "measuring turn p95")
    every = tally.statuses.get(200, 0) == tally.sent == planned
    return 0 if every and tally.completed == len(conversations) else 1


if __name__ == "__main__":
    sys.exit(main())
