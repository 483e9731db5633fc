"""Reminders: planned from the rules (shared.domain.reminders), sent through the outbox, exactly once.

Each scheduler run does a bounded amount of each step, and the next run continues:
- `plan`: children whose reminders were not planned today (a new measurement clears that), in a batch; their due
  reminders are stored, one per (child, kind, day) by the table's unique key, so two planners at once, or a run
  retried, store each reminder once.
- `send_due`: reminders whose time has come, locked with FOR UPDATE SKIP LOCKED in one transaction that also queues
  the message (dedupe key reminder:<id>) and marks the reminder sent: two senders at once never take the same one,
  and a sender killed half-way leaves its batch untouched for the next. The outbox sends them (delivery.py).
  A reminder is cancelled, with the reason, for a family that said STOP or cannot receive WhatsApp, for a child
  measured again since it was planned, and when it is more than a week late (the next one is planned instead).
  It waits while the person is in a conversation (never cut into one), and outside local daytime.
Inside the 24-hour window it is a message with buttons; outside it, the approved template with the same quick
replies (docs/whatsapp-templates.md). The answers come back to the conversation (remind:done/later/stop:<id>).
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from shared.domain import reminders as rules
from shared.domain.model import Staff
from shared.events import Event, emit
from shared.flows.messages import MESSAGES, birth_date_text, fmt, render
from shared.ports import DueReminder, Ports, Records, UnitOfWork
from shared.services.delivery import queue_to_staff
from shared.whatsapp.outgoing import Button, Buttons, Template, Text
from shared.whatsapp.payloads import build_message

log = logging.getLogger(__name__)

PLAN_BATCH = 5000  # children planned per scheduler run (~0.5 s of work)
SEND_BATCH = 200  # reminders decided per run (each a few milliseconds; the outbox sends them at its own pace)
BUSY_RETRY = timedelta(minutes=15)  # a person in a conversation is asked again after this
PER_PERSON_GAP = timedelta(minutes=1)  # a second reminder to the same family waits at least this (the next run)
LATE_AFTER = timedelta(days=7)  # a reminder this late is no longer useful: the next one is planned instead
WINDOW = timedelta(hours=24)  # Meta's customer-service window
ESCALATE_AFTER = timedelta(hours=24)  # a follow-up unanswered this long goes to the posyandu's kader and bidan
RISK_TIERS = frozenset({"soon", "today", "now"})  # the advice matrix's tiers a kader should look for on the day
LIST_NAMES_MAX = 10  # names in one line of the kader's list ("... and 7 more")
BP_NAMES_MAX = 150  # the Bulan Penimbangan list names every child (a posyandu has tens), within WhatsApp's 4,096
BASED_ON_MEASUREMENT = frozenset({"measurement", "recheck", "followup"})  # cancelled when measured again
ANSWERS = ("done", "later", "stop")
TEMPLATES = {  # the approved utility template of each kind (docs/whatsapp-templates.md)
    "measurement": "pengingat_timbang",
    "recheck": "pengingat_ukur_ulang",
    "followup": "tindak_lanjut_puskesmas",
    "bulan_penimbangan": "bulan_penimbangan",
    "age_out": "pemantauan_selesai",
}
NO_BUTTONS = frozenset({"age_out"})  # a goodbye asks nothing


def plan(records: Records, today: date, default_tz: str, limit: int = PLAN_BATCH) -> dict:
    """Plan the reminders of the next batch of children; returns {"children", "new"}."""
    children = records.children_to_plan(today, limit, default_tz)
    rows = []
    for c in children:
        facts = rules.ChildFacts(c.child_id, c.birth_date, c.last_measured_on, c.last_tier, c.age_given_months)
        for due in rules.due_reminders(facts, rules.PosyanduDay(c.day_of_month, c.weekday), today):
            start, _ = rules.send_window(due.due_on, c.time_zone)
            basis = c.last_measured_on if due.kind in BASED_ON_MEASUREMENT else None
            rows.append((c.child_id, c.guardian_id, due.kind, due.due_on, start, basis))
    new = records.plan_reminders(rows, [c.child_id for c in children], today) if children else 0
    return {"children": len(children), "new": new}


def send_due(ports: Ports, now: datetime, limit: int = SEND_BATCH) -> dict:
    """Decide the reminders whose time has come: queue the message, wait, or cancel; returns counts."""
    counts = {"queued": 0, "waiting": 0, "cancelled": 0}
    reminded: set[int] = set()  # families already reminded by this run
    decided: list[tuple[str, str, str]] = []  # (outcome, reason, kind): reminder.done events, once committed
    with ports.records.transaction() as tx:
        for r in tx.due_reminders(now, limit):
            reason = _cancel_reason(r, now)
            if reason:
                tx.finish_reminder(r.id, cancel_reason=reason)
                counts["cancelled"] += 1
                decided.append(("skipped", reason, r.kind))
                continue
            # Meta paces messages to one person (about one per 6 s, error 131056): a family with several children
            # due gets one reminder a run, the next at the next run.
            later = rules.next_send_time(now + PER_PERSON_GAP, r.time_zone) if r.guardian_id in reminded \
                else _not_now(ports, r, now)
            if later is not None:
                tx.finish_reminder(r.id, send_after=later)
                counts["waiting"] += 1
                decided.append(("waiting", "family_gap" if r.guardian_id in reminded else "not_now", r.kind))
                continue
            tx.queue("send", {"to": r.wa_id, "body": build_message(r.wa_id, message(r, now)), "kind": "reminder",
                              "guardian_id": r.guardian_id, "lang": r.language}, dedupe_key=f"reminder:{r.id}")
            tx.finish_reminder(r.id, sent_at=now)
            reminded.add(r.guardian_id)
            tx.audit("scheduler", "reminder.send", "child", r.child_id, {"kind": r.kind, "reminder": r.id})
            counts["queued"] += 1
            decided.append(("sent", "due", r.kind))
    for outcome, reason, kind in decided:
        emit(log, Event.REMINDER, outcome=outcome, reason=reason, kind=kind)
    return counts


def pass_on_unanswered(ports: Ports, now: datetime, limit: int = SEND_BATCH) -> int:
    """A follow-up ("sudah dibawa ke puskesmas?") unanswered for a day is passed on, once, to the kader and bidan of
    the child's posyandu, who can call the family; returns how many follow-ups were passed on."""
    passed = 0
    with ports.records.transaction() as tx:
        for reminder_id, child, measured_on in tx.unanswered_followups(now - ESCALATE_AFTER, limit):
            staff = tx.staff_of_posyandu(child.posyandu_id) if child.posyandu_id else []
            posyandu = tx.posyandu_name(child.posyandu_id) if child.posyandu_id else ""
            queue_to_staff(tx, staff, lambda s: Text(render(
                "staff_notice_followup", s.language, name=child.name, posyandu=posyandu,
                birth_date=birth_date_text(child.birth_date), measured_on=measured_on or "–")),
                f"followup:{reminder_id}")
            tx.mark_escalated(reminder_id, now)
            tx.audit("scheduler", "reminder.pass_on", "child", child.id, {"staff": [s.id for s in staff]})
            passed += 1
    return passed


def kader_lists(ports: Ports, now: datetime) -> int:
    """The day before a posyandu's day, in local daytime, each of its kader gets one message: how many children are
    due, who was not weighed last month (SKDN's O), who is at risk or 2T, and a button that starts posyandu-day mode.
    Once per kader and day (the outbox's key); returns how many lists were queued."""
    queued = 0
    with ports.records.transaction() as tx:
        days = tx.posyandu_days()
    for posyandu_id, name, day_of_month, weekday, tz in days:
        tomorrow = now.astimezone(ZoneInfo(tz)).date() + timedelta(days=1)
        if rules.posyandu_day_on_or_after(tomorrow, rules.PosyanduDay(day_of_month, weekday)) != tomorrow \
                or not rules.is_sendable_now(now, tz):
            continue
        with ports.records.transaction() as tx:
            kader = _kader_of(tx, posyandu_id)
            if not kader:
                continue
            due, missed, risk = _day_list(tx.posyandu_list_for_day(posyandu_id, tomorrow.replace(day=1)), tomorrow)
            queued += len(queue_to_staff(tx, kader, lambda s: Buttons(
                render("kader_day_list", s.language, posyandu=name, day=tomorrow, due=len(due),
                       missed=_names(missed, s.language), risk=_names(risk, s.language)),
                (Button("kader:measure", render("kader_day_start", s.language)),)),
                f"kader_list:{posyandu_id}:{tomorrow.isoformat()}"))
    return queued


def bulan_penimbangan_lists(ports: Ports, now: datetime) -> int:
    """On the day families are called for Bulan Penimbangan (25 January and 25 July), in local daytime, each kader
    gets the list of their posyandu's children under five on the 1st of the weighing month, once; returns how many
    lists were queued."""
    queued = 0
    with ports.records.transaction() as tx:
        every = tx.posyandu_days(known_only=False)
    for posyandu_id, name, _, _, tz in every:
        today = now.astimezone(ZoneInfo(tz)).date()
        month = next((m for called_m, called_d, m in rules.BULAN_PENIMBANGAN
                      if (today.month, today.day) == (called_m, called_d)), None)
        if month is None or not rules.is_sendable_now(now, tz):
            continue
        weighing_day = date(today.year, month, 1)
        with ports.records.transaction() as tx:
            kader = _kader_of(tx, posyandu_id)
            if not kader:
                continue
            due, _, _ = _day_list(tx.posyandu_list_for_day(posyandu_id, weighing_day), weighing_day)
            queued += len(queue_to_staff(tx, kader, lambda s: Text(render(
                "kader_bulan_penimbangan", s.language, posyandu=name, month=weighing_day, due=len(due),
                names=_names(due, s.language, limit=BP_NAMES_MAX))),
                f"bp_list:{posyandu_id}:{weighing_day.isoformat()}"))
    return queued


def _kader_of(tx: UnitOfWork, posyandu_id: int) -> list[Staff]:
    return [s for s in tx.staff_of_posyandu(posyandu_id) if s.role == "kader"]


def _day_list(children, day: date) -> tuple[list[str], list[str], list[str]]:
    """(children under five on `day`, those not weighed last month (O), those at risk or 2T) by name."""
    last_month = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
    due, missed, risk = [], [], []
    for child, measured_on, tier, two_t in children:
        facts = rules.ChildFacts(child.id, child.birth_date, measured_on, tier)
        if not rules.is_under_five_on(facts, day) and (child.birth_date is not None or measured_on is not None):
            continue
        due.append(child.name)
        if measured_on is None or measured_on < last_month:
            missed.append(child.name)
        if two_t or tier in RISK_TIERS:
            risk.append(child.name)
    return due, missed, risk


def _names(names: list[str], lang: str, limit: int = LIST_NAMES_MAX) -> str:
    if not names:
        return render("kader_day_none", lang)
    shown = ", ".join(names[:limit])
    more = len(names) - limit
    return shown if more <= 0 else render("kader_day_more", lang, names=shown, more=more)


def _cancel_reason(r: DueReminder, now: datetime) -> str | None:
    if r.stopped:
        return "stop"
    if r.unreachable:
        return "unreachable"
    if r.basis_on is not None and r.last_measured_on is not None and r.last_measured_on > r.basis_on:
        return "measured"
    if now.astimezone(ZoneInfo(r.time_zone)).date() - r.due_on > LATE_AFTER:
        return "late"
    return None


def _not_now(ports: Ports, r: DueReminder, now: datetime) -> datetime | None:
    """When to try again, or None to send now: outside local daytime, or while the person is in a conversation."""
    if not rules.is_sendable_now(now, r.time_zone):
        return rules.next_send_time(now, r.time_zone)
    if ports.conversations.load(r.wa_id) is not None:
        return rules.next_send_time(now + BUSY_RETRY, r.time_zone)
    return None


def message(r: DueReminder, now: datetime) -> Text | Buttons | Template:
    """The reminder as the family receives it: with buttons inside the 24-hour window, else the template."""
    facts = {"name": r.child_name, "due_on": r.due_on, "posyandu": r.posyandu or render("reminder_posyandu_any",
                                                                                       r.language),
             "birth_date": birth_date_text(r.birth_date)}
    replies = () if r.kind in NO_BUTTONS else tuple(f"remind:{a}:{r.id}" for a in ANSWERS)
    if r.last_inbound_at is None or now - r.last_inbound_at > WINDOW:
        return Template(TEMPLATES[r.kind], r.language, (r.child_name, fmt(r.due_on, r.language)), replies)
    body = render(f"reminder_{r.kind}", r.language, **facts)
    if not replies:
        return Text(body)
    return Buttons(body, tuple(Button(rid, render(_button_key(a, r.kind, r.language), r.language))
                               for rid, a in zip(replies, ANSWERS)))


def _button_key(answer: str, kind: str, lang: str) -> str:
    """A button's words: the kind's own where it has them ("Sudah ke puskesmas"), else the common ones."""
    own = f"reminder_button_{answer}_{kind}"
    return own if own in MESSAGES[lang] else f"reminder_button_{answer}"
