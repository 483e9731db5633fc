"""What a message means: the conversation's routing and its actions, one message's turn inside its transaction
(routing by who is writing and what they sent, the flows' engine, and the actions that finish a flow: consent,
measuring and assessing a child, claims, HAPUS, DATA SAYA, corrections...). The exactly-once shell around it is
services.inbound; sending what it queues is services.delivery.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from shared import charts
from shared.domain import growth, reminders as reminder_rules
from shared.domain.advice import Urgency
from shared.domain.model import Arrival, Child, Guardian, Measurement, Staff
from shared.flows import engine, parsers
from shared.flows.definitions import FLOWS, KADER_MEASURE, MEASURE, check_known, implied_measure, short_date
from shared.flows.examples import example
from shared.flows.messages import DEFAULT_LANGUAGE, LANGUAGES, Join, Ref, age_text, birth_date_text, render
from shared.flows.model import Choice, Context, Reply, State, Turn
from shared.logs import wa_hash
from shared.ports import Ports, TurnStart, UnitOfWork
from shared.services import assessing, kader as kader_day, reminders, results, subject
from shared.services.delivery import staff_notice
from shared.services.replies import to_messages
from shared.whatsapp.outgoing import Template, Text
from shared.whatsapp.payloads import build_message, is_buttons
from shared.whatsapp.webhook import Inbound

log = logging.getLogger(__name__)

CONSENT_VERSION = "2026-11-v2"  # bump with every change to the consent text, and record its digest below
# sha256 of the Indonesian and English consent texts (first 16 hex): a test fails when the text changes without a
# new version, since families would be held to words they never agreed to.
CONSENT_DIGESTS = {"2026-11-v2": "8f4e2dcd5eb06724"}
RATE_WINDOW_S = 60
RATE_LIMIT = 20  # more than about 20 messages a minute from a parent's number is a flood
# A kader measuring thirty children in an hour taps in bursts (about ten taps a child, two children some minutes):
# three times a parent's limit keeps them going on posyandu day and still stops a runaway script.
STAFF_RATE_LIMIT = 60
MUTE_S = 120  # how long a flooding number is not processed
CHART_POINTS = 24  # measurements drawn on a chart: two years of monthly posyandu visits
GREETINGS_ANSWERED = ("salam", "pagi", "siang", "sore", "malam")  # "Halo" needs none: every first reply says hello
FIRST_TEXT_MAX = 1000  # what a message sent before consent may hold in the conversation state while consent is asked

GLOBAL_WORDS = {
    "menu": "menu", "batal": "cancel", "cancel": "cancel", "bantuan": "help", "help": "help",
    "bahasa": "language", "language": "language", "stop": "stop", "berhenti": "stop", "hapus": "delete",
    "mulai": "start", "data saya": "my_data", "my data": "my_data", "lihat data": "my_data",
    "ubah data": "correct", "perbaiki data": "correct", "koreksi data": "correct", "edit data": "correct",
}
CONSENT_REPLIES = ("consent:yes", "consent:no", "consent:en", "consent:id")
CLAIM_CHOICES = (("yes", "choice_claim_yes"), ("no", "choice_claim_no"), ("never", "choice_claim_never"))
MENU_CHOICES = (
    Choice("menu:measure", "menu_measure"), Choice("menu:children", "menu_children"),
    Choice("menu:history", "menu_history"), Choice("menu:reminders", "menu_reminders"),
    Choice("menu:help", "menu_help"), Choice("menu:language", "menu_language"),
)
KEYWORDS = {"cek": "menu:measure", "ukur": "menu:measure", "timbang": "menu:measure", "hitung": "menu:measure",
            "check": "menu:measure", "riwayat": "menu:history", "history": "menu:history",
            "anak": "menu:children", "children": "menu:children", "pengingat": "menu:reminders",
            "grafik": "menu:history", "chart": "menu:history", "kurva": "menu:history"}
KADER_CHOICES = (Choice("kader:measure", "choice_kader_measure"), kader_day.RECAP_CHOICE,
                 Choice("kader:review", "choice_kader_review"),
                 Choice("menu:help", "menu_help"), Choice("menu:language", "menu_language"))
REVIEW_DAYS = 60  # the kader's "perlu dicek" list covers flagged values of about the last two posyandu months
SERVICE_WINDOW = timedelta(hours=24)  # Meta: free-form messages only within 24 h of the person's last message
RESULT_TEMPLATE = "hasil_pengukuran"  # utility template, see docs/whatsapp-templates.md
# The same, for a result that needs the puskesmas today or now: the referral must not wait behind "reply to read".
URGENT_RESULT_TEMPLATE = "hasil_pengukuran_segera"
MEDIA_KINDS = {"image": "kind_image", "audio": "kind_audio", "voice": "kind_audio", "video": "kind_video",
               "document": "kind_document", "sticker": "kind_sticker"}


QUICK_ENTRY_SLOTS = ("sex", "birth_date", "weight_kg", "lenhei_cm", "measure", "lenhei_label", "headc_cm", "armc_cm",
                     "measured_on", "previous_weight_kg", "oedema")


def hint(problem) -> Reply:
    """A parser's problem as a reply; a field it names is shown in words ("berat badan"), never as a code name."""
    params = dict(problem.params)
    if isinstance(params.get("field"), str):
        params["field"] = Ref(f"field_{params['field']}")
    return Reply(problem.key, params)


def child_in_focus(state: dict | None) -> int | None:
    """The registered child a measuring conversation is about, whose history the turn may need (it is loaded
    with the message's first statement instead of in a round trip of its own)."""
    if not state or state.get("flow") not in ("measure", "kader_measure"):
        return None
    child_id = (state.get("slots") or {}).get("child_id")
    return child_id if type(child_id) is int else None


class Dialogue:
    """One message's conversation turn inside its transaction: route, advance, act, queue the replies."""

    def __init__(self, ports: Ports, tx: UnitOfWork, msg: Inbound, now: datetime, arrival: Arrival,
                 start: TurnStart):
        self.ports, self.tx, self.msg, self.now, self.start = ports, tx, msg, now, start
        self.today: date = now.astimezone(ZoneInfo(ports.tz)).date()
        self.staff: Staff | None = arrival.staff
        self.guardian: Guardian | None = arrival.guardian
        self.lang = (self.staff.language if self.staff else
                     self.guardian.language if self.guardian else DEFAULT_LANGUAGE)
        self.children: list[Child] = list(arrival.children)  # a kader's are the posyandu's
        self.history_in_focus = arrival.measurements  # of child_in_focus(start.state), loaded with the arrival
        self.state: State | None = State.from_json(start.state) if start.state else None
        self.expired = start.expired
        self.new_state: State | None = self.state
        self.forget = False
        self.replies: list[Reply] = []
        self.outgoing: list[tuple[dict, str]] = []  # (payload, dedupe key), queued in one statement
        self.result_chart: dict | None = None  # the chart that heads the last reply (a result's advice)
        self.leased: list[tuple[int, dict]] = []
        self.tiers: list[str] = []  # each measurement recorded this turn: its urgency tier, or "remeasure"

    # --- plumbing ---------------------------------------------------------------------------------------------

    @property
    def known_staff(self) -> Staff:
        """The staff member writing: only asked for on a kader's or bidan's routes."""
        if self.staff is None:
            raise RuntimeError("a staff route reached without staff")
        return self.staff

    @property
    def known_guardian(self) -> Guardian:
        """The consented guardian writing: only asked for on a family's routes, after consent."""
        if self.guardian is None:
            raise RuntimeError("a family route reached without a consented guardian")
        return self.guardian

    def ctx(self) -> Context:
        return Context(today=self.today, lang=self.lang,
                       children=tuple(c.summary() for c in self.children), is_staff=self.staff is not None,
                       posyandu=self.posyandu())

    def posyandu(self) -> tuple[dict, ...]:
        """The posyandu list, loaded only while a parent registers a new child (the one step that uses it)."""
        if not hasattr(self, "_posyandu"):
            registering = self.staff is None and self.guardian is not None and (
                self.state is None or (self.state.flow == "measure" and
                                       self.state.slots.get("child_id") in (None, "new")))
            self._posyandu = tuple(self.tx.posyandu_list()) if registering else ()
        return self._posyandu

    def save_state(self) -> None:
        """After commit: keep the conversation where it now is (or drop it)."""
        if self.forget or self.new_state is None:
            if self.state is not None or self.forget or self.expired:
                self.ports.conversations.forget(self.msg.wa_id)
        else:
            self.ports.conversations.save(self.msg.wa_id, self.new_state.to_json())

    def queue_replies(self) -> None:
        """Queue the replies (and any message to a parent) in one statement, leased for sending after commit."""
        guardian_id = self.guardian.id if self.guardian else None
        replies: list[tuple[dict, str]] = [
            ({"to": self.msg.wa_id, "body": build_message(self.msg.wa_id, message), "kind": "reply",
              "guardian_id": guardian_id, "lang": self.lang},
             f"{self.msg.wamid}:{i:02d}") for i, message in enumerate(to_messages(self.replies, self.lang))]
        if self.result_chart is not None and replies and is_buttons(replies[-1][0]["body"]):
            replies[-1][0]["chart"] = self.result_chart  # drawn when sent (see deliver)
        self.leased = self.tx.queue_sends(replies + self.outgoing)

    def queue_to(self, guardian: Guardian, messages: list, kind: str, chart: dict | None = None,
                 tag: str = "p") -> None:
        """Queue messages to someone other than the sender (a parent, after a kader measured their child), the
        last one headed by `chart` when given; `tag` keeps the dedupe keys of different messages apart."""
        queued: list[tuple[dict, str]] = [
            ({"to": guardian.wa_id, "body": build_message(guardian.wa_id, message), "kind": kind,
              "guardian_id": guardian.id, "lang": guardian.language}, f"{self.msg.wamid}:{tag}{i:02d}")
            for i, message in enumerate(messages)]
        if chart is not None and queued and is_buttons(queued[-1][0]["body"]):
            queued[-1][0]["chart"] = chart
        self.outgoing += queued

    def say(self, key: str, **params) -> None:
        self.replies.append(Reply(key, params))

    def menu(self) -> None:
        if self.staff is not None:
            return self.kader_menu()
        self.replies.append(Reply("menu", {"example": example("example_young", self.today)}, MENU_CHOICES))
        self.new_state = None

    def kader_menu(self) -> None:
        self.replies.append(Reply("kader_menu", {"name": self.known_staff.name, "posyandu": self.posyandu_name(),
                                                 **kader_day.examples(self.today)}, KADER_CHOICES))
        self.new_state = None

    def posyandu_name(self) -> str:
        return self.tx.posyandu_name(self.known_staff.posyandu_id) if self.known_staff.posyandu_id else "–"

    def apply(self, turn: Turn) -> None:
        """Take a turn of the engine: its replies, its next state, and its action if it finished."""
        self.replies.extend(turn.replies)
        self.new_state = turn.state
        if turn.action:
            ACTIONS[turn.action](self, turn.slots)

    # --- routing ---------------------------------------------------------------------------------------------

    def run(self) -> None:
        if self.flooding():
            return
        if self.msg.kind not in ("text", "interactive", "button"):
            self.other_kind()
        elif self.staff is not None:
            self.kader()
        elif self.guardian is None:
            self.before_consent()
        else:
            self.consented()
        self.greet_back()
        self.queue_replies()

    def greet_back(self) -> None:
        """Answer "Assalamualaikum" or "Selamat pagi" in kind, ahead of the reply, when the message opened a
        conversation (inside one, the message is an answer to the question asked)."""
        if self.msg.kind != "text" or (self.state is not None and not self.expired) or not self.replies:
            return
        said = parsers.greeting(self.msg.text)
        if said in GREETINGS_ANSWERED:
            self.replies.insert(0, Reply(f"greet_{said}"))

    def flooding(self) -> bool:
        """Over the rate limit: one polite slow-down reply, then nothing for a while."""
        if self.start.muted:
            return True
        if self.start.count <= (STAFF_RATE_LIMIT if self.staff is not None else RATE_LIMIT):
            return False
        if self.ports.conversations.mute(self.msg.wa_id, MUTE_S):
            self.say("slow_down")
            self.queue_replies()
            log.warning("flood from one number muted", extra={"ctx": {"wa": wa_hash(self.msg.wa_id)}})
        return True

    def other_kind(self) -> None:
        kind = self.msg.kind
        if kind == "reaction":
            return  # a 👍 on our message needs no answer
        if self.staff is None and self.guardian is None and (self.state is None or self.state.flow != "onboarding"):
            self.apply(engine.start(FLOWS["onboarding"], self.ctx()))
        elif kind == "location":
            self.say("location_thanks")
        else:
            self.say("media_not_read", kind=Ref(MEDIA_KINDS.get(kind, "kind_other")))

    def word(self) -> str | None:
        """A word that works anywhere (MENU, BATAL, STOP, HAPUS...), including STOP said in a sentence."""
        text = " ".join(self.msg.text.split()).casefold().strip(".!?")
        if text in GLOBAL_WORDS:
            return GLOBAL_WORDS[text]
        return "stop" if parsers.wants_no_messages(text) else None

    def before_consent(self) -> None:
        """Nothing is stored about a person before they agree (UU 27/2022); a kader may have registered a child
        with their number, which HAPUS and DATA SAYA cover too."""
        word = self.word()
        if word == "delete":
            if self.tx.claims_on(self.msg.wa_id):
                return self.word_delete()  # children a kader entered: confirm before deleting them
            return self.act_delete_family({})
        if word == "my_data":
            return self.word_my_data()
        if word == "stop":
            self.say("stop_nothing_stored")
            self.forget = True  # a consent question it was asked, and anything kept with it, goes
            return
        if self.state is not None and self.state.flow == "confirm_delete":
            return self.advance()
        self.consent_turn()

    def consent_turn(self) -> None:
        """Ask for consent, or take the answer (first contact, or a family asked again for a new consent text)."""
        if self.state is not None and self.state.flow == "onboarding":
            self.advance()
        elif self.msg.reply_id in CONSENT_REPLIES:
            # A tap on the consent question answers it even when its state is gone (timed out, or the tap
            # overtook the greeting that asked it): the button only exists under the consent text.
            first = engine.start(FLOWS["onboarding"], self.ctx()).state
            assert first is not None  # onboarding always opens with the consent question
            self.apply(engine.advance(FLOWS["onboarding"], first, "", self.ctx(), self.msg.reply_id))
        else:
            if self.guardian is not None:
                self.say("consent_updated")
            # A first message that already asks something ("anak sy 1th bb 8,2 apa stunting?") is kept in the
            # conversation state only (Redis, 24 hours; never PostgreSQL) and answered once the person agrees.
            text = self.msg.text.strip()
            if self.guardian is None and parsers.says_kader(text):
                self.say("kader_not_registered")  # kader are registered by the puskesmas; meanwhile, as a parent
                text = ""
            asks = text and not parsers.only_greeting(text) and self.word() is None  # MENU is shown anyway
            kept = {"first_text": text[:FIRST_TEXT_MAX]} if asks else {}
            if kept:
                self.say("consent_question_kept")
            self.apply(engine.start(FLOWS["onboarding"], self.ctx(), kept))
        if self.new_state is not None and self.new_state.slots.get("consent") in LANGUAGES:
            self.lang = self.new_state.slots["consent"]  # the consent question asked again in that language

    def consented(self) -> None:
        word, rid = self.word(), self.msg.reply_id
        if rid.startswith("claim:"):
            return self.answer_claim(rid)
        if rid.startswith("remind:"):
            return self.answer_reminder(rid)
        if self.known_guardian.consent_version != CONSENT_VERSION and word not in ("delete", "my_data") and \
                not (self.state is not None and self.state.flow == "confirm_delete"):
            return self.consent_turn()  # a new consent text: nothing else until the family has read it
        if self.expired and not word:
            self.say("session_expired")  # a conversation left half-way timed out: start fresh, and say so
            if rid and not rid.startswith(("menu:", "next:")):
                return self.menu()
        if word:
            WORDS[word](self)
        elif self.state is not None and self.state.flow in FLOWS and self.state.flow != "onboarding":
            self.advance()
        elif rid.startswith(("menu:", "next:")):
            self.route(rid)
        elif rid.startswith("again:"):
            self.measure_again(rid, MEASURE)
        elif rid.startswith("chart:"):
            self.send_chart(rid)
        elif rid:
            if not self.expired:
                self.say("session_expired")  # a button from a conversation that timed out
            self.menu()
        else:
            self.free_text()

    def kader(self) -> None:
        """A kader (listed in staff for a posyandu) measures children for families, one after the other."""
        word, rid = self.word(), self.msg.reply_id
        if word in ("stop", "delete", "start", "my_data", "correct"):
            self.say("kader_only")
            return self.kader_menu()
        if word:
            return WORDS[word](self)
        if rid == "kader:recap" or (not rid and parsers.asks_recap(self.msg.text)):
            return self.kader_recap()
        if rid.startswith("sheetdel:"):
            return self.answer_sheet_delete(rid)
        if self.state is not None and self.state.flow in ("kader_measure", "language"):
            finding = (self.state.flow, self.state.step) == ("kader_measure", "find")
            line = self.kader_line() if finding and not rid else None
            if line is not None:
                return self.measure_line(line)  # a whole line typed where a name was asked: read it whole
            if not finding and not rid and self.state.flow == "kader_measure" and self.another_child_line():
                # The next child's line while this child's question is open ("... tidak bengkak" is about the next
                # child): never taken as this child's answer. The question is asked again; the line waits.
                return self.ask_open_question_first()
            self.advance()
            return self.audit_kader_reads()
        if rid in ("kader:measure", "next:kader"):
            return self.apply(engine.start(KADER_MEASURE, self.ctx()))
        if rid == "kader:review":
            return self.kader_review()
        if rid.startswith("again:"):
            return self.measure_again(rid, KADER_MEASURE)
        if rid == "menu:help":
            return self.word_help()
        if rid == "menu:language":
            return self.word_language()
        if rid or not self.msg.text.strip():
            return self.kader_menu()
        if parsers.greeting(self.msg.text) and not any(ch.isdigit() for ch in self.msg.text):
            return self.kader_menu()  # "Selamat pagi bu" is a greeting, not a child's name
        line = self.kader_line()
        if line is not None:
            return self.measure_line(line)
        # Typing a name starts measuring straight away: the name is the answer to "which child?".
        turn = engine.start(KADER_MEASURE, self.ctx())
        assert turn.state is not None  # measuring always opens with "which child?"
        self.apply(engine.advance(KADER_MEASURE, turn.state, self.msg.text, self.ctx()))
        self.audit_kader_reads()

    def answer_reminder(self, rid: str) -> None:
        """A tap under a reminder (or its template's quick reply): *Sudah timbang* starts measuring that child,
        *Sudah ke puskesmas* is thanked, *Ingatkan besok* plans it again for tomorrow, *Berhenti* asks to confirm
        STOP. A reminder that is not this family's, or unknown, is said to no longer apply."""
        _, answer, raw = (rid.split(":", 2) + ["", ""])[:3]
        r = self.tx.answer_reminder(int(raw), self.known_guardian.id, answer, self.now) \
            if raw.isdigit() and answer in reminders.ANSWERS else None
        if r is None:
            self.say("reminder_gone")
            return self.menu()
        if answer == "stop":
            return self.word_stop()
        if answer == "later":
            tomorrow = self.today + timedelta(days=1)
            start, _ = reminder_rules.send_window(tomorrow, r.time_zone)
            self.tx.add_reminder(r.child_id, r.guardian_id, r.kind, tomorrow, start, r.basis_on)
            self.say("reminder_later_ok", name=r.child_name)
            return None
        if r.kind == "followup":
            self.say("reminder_followup_thanks", name=r.child_name)
            return self.menu()
        if not any(c.id == r.child_id for c in self.children):
            return self.menu()
        return self.apply(engine.start(MEASURE, self.ctx(), {"child_id": r.child_id}))

    def answer_sheet_delete(self, rid: str) -> None:
        """A kader's answer to "this row was deleted in the Sheet: delete it from Tumbuh too?" (sheet_edits asks):
        Hapus deletes the measurement (and the child's later results are assessed again), Kembalikan writes the
        row back. Only a kader of the child's posyandu can answer."""
        _, answer, raw = (rid.split(":", 2) + ["", ""])[:3]
        found = self.tx.measurement_with_child(int(raw)) if raw.isdigit() else None
        if found is None or found[1].posyandu_id != self.known_staff.posyandu_id or answer not in ("yes", "no"):
            self.say("sheet_delete_gone")
            return self.kader_menu()
        m, child = found
        facts = {"name": child.name, "measured_on": m.measured_on}
        if answer == "yes":
            self.tx.delete_measurement(m.id or 0)
            self.tx.restate_measurements(assessing.restate(child, self.tx.measurements_of(child.id, 60), self.today))
            self.tx.audit(self.actor(), "measurement.delete", "measurement", m.id, {"source": "sheet"})
            self.say("sheet_delete_done", **facts)
        else:
            self.tx.queue("sheet_upsert", {"child_id": child.id, "measurement_id": m.id},
                          dedupe_key=f"restore:measurement:{m.id}:{self.msg.wamid}")
            self.tx.audit(self.actor(), "measurement.restore", "measurement", m.id, {"source": "sheet"})
            self.say("sheet_delete_kept", **facts)
        return self.kader_menu()

    def another_child_line(self) -> bool:
        """Whether the message is a whole line about a child (a name with numbers, or "baru: ..."), not an answer
        to the open question (a date, a number, a phone)."""
        line = self.kader_line()
        return line is not None and bool(line.query) and (line.new or line.measured)

    def ask_open_question_first(self) -> None:
        """Say whose question is still open, and ask it again (nothing of that child is dropped)."""
        assert self.state is not None
        slots = self.state.slots
        child = next((c for c in self.children if c.id == slots.get("child_id")), None)
        self.say("kader_finish_first", name=child.name if child else slots.get("name") or "–")
        self.apply(engine.start(KADER_MEASURE, self.ctx(), slots))

    def kader_line(self) -> parsers.KaderLine | None:
        """The message read as one line a child ("Fajar 9,8 76 telentang"), or None (a name alone, or words)."""
        return parsers.read_kader_line(self.msg.text, today=self.today,
                                       earliest_birth=self.today - timedelta(days=growth.ages.UNDER_FIVE_LAST_DAY))

    def measure_line(self, line: parsers.KaderLine) -> None:
        """One line a child ("Fajar 9,8 76 telentang", "baru: Lestari P 12-5-2025 8,1 71 ortu 0812…"): the child is
        found (or registered) and measured in one go; only what the line leaves out is asked (kader.line_slots),
        and the result is one short message (act_assess_growth)."""
        known = kader_day.registered_already(line, self.children)
        self.replies.extend(hint(problem) for problem in line.problems)
        if known is not None:
            self.say("kader_line_registered_already", name=known.name, born=short_date(known.birth_date))
        elif line.parent_given and not line.new:
            self.say("kader_line_number_new_only")
        ctx = self.ctx()
        turn = engine.start(KADER_MEASURE, ctx, kader_day.line_slots(line, self.today, known))
        if turn.state is not None and turn.state.step == "find" and line.query:
            turn = engine.advance(KADER_MEASURE, turn.state, line.query, ctx)  # the name answers "which child?"
        self.audit_kader_reads(turn.state.slots if turn.state is not None else turn.slots)
        self.apply(turn)

    def kader_recap(self) -> None:
        """REKAP: the posyandu's children its staff measured today, who needs attention (most urgent first), and
        whose parent did not get the full result and why; a read of children's data, audited (ids only)."""
        posyandu_id = self.known_staff.posyandu_id
        rows = self.tx.posyandu_day(posyandu_id, self.today) if posyandu_id else []
        recap = kader_day.recap_replies(rows, self.posyandu_name(), self.today)
        if rows:
            self.tx.audit(self.actor(), "recap.read", "posyandu", posyandu_id,
                          {"children": sorted({c.id for c, _, _ in rows})})
        if self.state is not None and self.state.flow == "kader_measure":
            # A child half-measured is not dropped unsaid: after the recap, its open question is asked again.
            turn = engine.start(KADER_MEASURE, self.ctx(), self.state.slots)
            if turn.state is not None:
                self.replies.extend(recap[:-1])
                return self.apply(turn)
        self.replies.extend(recap)
        self.new_state = None

    def audit_kader_reads(self, after: dict | None = None) -> None:
        """A kader's search shows children's names and birth dates, and picking one opens its record: both are
        reads of children's data by staff, kept in the audit log (ids only). `after`: the slots the turn ends
        with, when they are not the saved state's (a one-line entry measured in the same turn)."""
        before = self.state.slots if self.state is not None else {}
        if after is None:
            after = self.new_state.slots if self.new_state is not None else {}
        if after.get("matches") and after.get("matches") != before.get("matches"):
            self.tx.audit(self.actor(), "child.search", "posyandu", self.known_staff.posyandu_id,
                          {"children": list(after["matches"])})
        if after.get("candidate") is not None and after.get("candidate") != before.get("candidate"):
            self.tx.audit(self.actor(), "child.search", "posyandu", self.known_staff.posyandu_id,
                          {"children": [after["candidate"]]})
        opened = after.get("child_id")
        if type(opened) is int and opened != before.get("child_id"):
            self.tx.audit(self.actor(), "child.open", "child", opened)

    def measure_again(self, rid: str, flow) -> None:
        """'Ukur lagi' after a flagged value: the same child, today; what was not in doubt is kept, so only the
        weight, the length and the position are asked again (the second measurement confirms or replaces)."""
        child = next((c for c in self.children if rid == f"again:{c.id}"), None)
        if child is None:
            return self.menu()
        # The numbers were already asked about ("is it right?") and are now measured again on purpose.
        slots: dict = {"child_id": child.id, "measured_on": self.today.isoformat(), "weight_checked": True,
                       "lenhei_checked": True}
        latest = next(iter(self.tx.measurements_of(child.id, limit=1)), None)
        if latest is not None and latest.review == "remeasure":
            kept = {"headc_cm": "head_circumference_for_age", "armc_cm": "arm_circumference_for_age"}
            slots.update({k: getattr(latest, k) for k, flag in kept.items() if flag not in latest.flags})
            slots["oedema"] = latest.oedema
        self.apply(engine.start(flow, self.ctx(), slots))

    def kader_review(self) -> None:
        """The posyandu's flagged values: waiting for a re-measure, or confirmed and referred ("perlu dicek")."""
        rows = self.tx.to_review(self.known_staff.posyandu_id, self.today - timedelta(days=REVIEW_DAYS)) \
            if self.known_staff.posyandu_id else []
        if not rows:
            self.say("review_none")
        else:
            self.say("review_header", days=REVIEW_DAYS)
            for child, m in rows:
                self.say("review_line", name=child.name, birth_date=birth_date_text(child.birth_date),
                         measured_on=m.measured_on,
                         state=Ref(f"review_{m.review}"))
            self.tx.audit(f"staff:{self.known_staff.id}", "review.read", "posyandu", self.known_staff.posyandu_id,
                          {"children": sorted({c.id for c, _ in rows})})
        self.kader_menu()

    def advance(self) -> None:
        state = self.state
        assert state is not None  # only a saved conversation is advanced
        flow = FLOWS[state.flow]
        if state.step not in flow.steps:  # saved by an older version of the flow
            self.say("session_expired")
            return self.menu()
        consent = state.slots.get("consent")
        if state.flow == "onboarding" and isinstance(consent, str) and consent in LANGUAGES:
            self.lang = consent
        self.apply(engine.advance(flow, state, self.msg.text, self.ctx(), self.msg.reply_id))

    def free_text(self, text: str | None = None) -> None:
        """A message outside any flow (or the one kept while consent was asked): a quick entry, a worry, a
        keyword, or the menu."""
        text = self.msg.text if text is None else text
        entry = parsers.extract_quick_entry(text, today=self.today)
        if not entry.is_empty:
            return self.start_measure(entry)
        if entry.concerns:
            return self.concern_only(entry.concerns)
        words = parsers.normalise(text).split()
        target = next((KEYWORDS[w] for w in words if w in KEYWORDS), None)
        if target:
            return self.route(target)
        if words:  # not a greeting: say we did not understand before offering the menu
            self.say("not_understood")
        self.menu()

    def concern_only(self, concerns) -> None:
        """A worry without numbers ("anak sy demam dan kejang"): a danger sign is answered first with "now"; any
        worry gets the danger signs and an invitation to send the child's numbers. No feeding advice: the
        child's age is not known here, and what fits a baby does not fit a toddler."""
        self.say("concern_now" if "danger_sign" in concerns else "concern_ack")
        self.say("danger_signs_any")
        self.menu()

    def start_measure(self, entry=None) -> None:
        slots: dict = {}
        hints: list[Reply] = []
        if entry is not None:
            slots = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in entry.fields().items()
                     if k in QUICK_ENTRY_SLOTS}
            if slots.get("oedema") is not False:  # only "tidak bengkak" spares the question; a "yes" is asked properly
                slots.pop("oedema", None)
            if entry.concerns:
                slots["concerns"] = list(entry.concerns)
            if entry.age_months is not None and entry.birth_date is None:
                # "umur 1th 3bln" without the date: the age is noted, and the Buku KIA is asked about once.
                slots["age_given"] = round(entry.age_months, 1)
            slots, known_problems = check_known(slots, self.ctx())
            if any(problem.key == "child_too_old" for problem in known_problems):
                self.say("child_too_old")  # the blocking answer first: no question is asked for a child over five
                return self.menu()
            hints = [hint(problem) for problem in (*entry.problems, *known_problems)]
            match = [c for c in self.children if c.birth_date is not None
                     and slots.get("birth_date") == c.birth_date.isoformat() and slots.get("sex", c.sex) == c.sex]
            if len(match) == 1:
                slots["child_id"] = match[0].id
                slots.pop("birth_date"), slots.pop("sex", None)
            elif slots.get("birth_date"):
                slots["child_id"] = "new"
        self.replies.extend(hints)
        self.apply(engine.start(MEASURE, self.ctx(), slots))

    def route(self, rid: str) -> None:
        target = rid.split(":", 1)[1]
        if target in ("measure", "again", "other"):
            return self.apply(engine.start(MEASURE, self.ctx()))
        if target == "menu":
            return self.menu()
        if target == "children":
            return self.list_children()
        if target == "history":
            if not self.children:
                self.say("no_children")
                return self.menu()
            return self.apply(engine.start(FLOWS["history"], self.ctx(), {} if len(self.children) > 1 else
                                           {"child_id": self.children[0].id}))
        if target == "reminders":
            self.say("reminders_off" if self.known_guardian.opted_out_at else "reminders_info")
            return self.menu()
        if target == "help":
            return self.word_help()
        if target == "language":
            return self.word_language()
        self.menu()

    # --- words that work anywhere -------------------------------------------------------------------------------

    def word_menu(self) -> None:
        self.menu()

    def word_cancel(self) -> None:
        self.say("cancelled")
        self.menu()

    def word_help(self) -> None:
        if self.staff is not None:
            self.say("kader_help", **kader_day.examples(self.today))
        else:
            self.say("help", example=example("example_older", self.today))
        self.menu()

    def word_language(self) -> None:
        self.apply(engine.start(FLOWS["language"], self.ctx()))

    def word_stop(self) -> None:
        self.apply(engine.start(FLOWS["confirm_stop"], self.ctx()))

    def word_start(self) -> None:
        self.tx.update_guardian(self.known_guardian.id, opted_out_at=None)
        self.tx.audit(f"guardian:{self.known_guardian.id}", "reminders.resume", "guardian", self.known_guardian.id)
        self.say("start_done")
        self.new_state = None
        self.ask_own_claims()  # a kader may have registered a child with this number while it said STOP

    def word_delete(self) -> None:
        self.apply(engine.start(FLOWS["confirm_delete"], self.ctx()))

    def word_my_data(self) -> None:
        """DATA SAYA: everything Tumbuh stores about the family, in one readable message."""
        if self.guardian is None:
            claims = self.tx.claims_on(self.msg.wa_id)
            if claims:
                self.say("my_data_claims_only", count=claims)
            else:
                self.say("my_data_none")
            self.forget = True
            return
        g = self.guardian
        lines = []
        for child, posyandu, count, last in self.tx.family_record(g.id):
            params = {"name": child.name, "sex": Ref("choice_boy" if child.sex == "M" else "choice_girl"),
                      "birth_date": birth_date_text(child.birth_date), "posyandu": posyandu or "–", "count": count}
            lines.append(render("my_data_last", self.lang, last=last, **params) if last
                         else render("my_data_child", self.lang, **params))
        consent_on = g.consent_at.astimezone(ZoneInfo(self.ports.tz)).date()
        self.say("my_data", wa_id=g.wa_id, language=Ref(f"language_name_{g.language}"), consent_at=consent_on,
                 version=g.consent_version or "–",
                 reminders=Ref("my_data_reminders_off" if g.opted_out_at else "my_data_reminders_on"),
                 children="\n".join(lines) or render("my_data_no_children", self.lang))
        self.tx.audit(self.actor(), "data.read", "guardian", g.id)
        self.menu()

    def word_correct(self) -> None:
        if not self.children:
            self.say("no_children")
            return self.menu()
        self.apply(engine.start(FLOWS["correct"], self.ctx(),
                                {"child_id": self.children[0].id} if len(self.children) == 1 else {}))

    # --- actions at the end of a flow -----------------------------------------------------------------------------

    def act_menu(self, slots: dict) -> None:
        self.menu()

    def act_cancelled(self, slots: dict) -> None:
        self.say("cancelled")
        self.menu()

    def act_give_consent(self, slots: dict) -> None:
        lang = self.lang if self.lang in LANGUAGES else DEFAULT_LANGUAGE
        renewed = self.guardian is not None
        self.guardian = self.tx.create_guardian(self.msg.wa_id, lang, CONSENT_VERSION, self.now)
        self.tx.audit(self.actor(), "consent.renew" if renewed else "consent", "guardian", self.guardian.id,
                      {"version": CONSENT_VERSION})
        self.say("consent_thanks")
        # Children a kader registered with this number join the family only when the parent says they are theirs.
        claims = self.ask_own_claims()
        self.new_state = None
        if claims:
            return  # the kept first message waits: measuring now could register a child the parent is about to claim
        if slots.get("first_text"):
            return self.free_text(slots["first_text"])  # the question sent before consent, answered now
        self.menu()

    def act_decline_consent(self, slots: dict) -> None:
        if self.guardian is not None:  # a family that does not agree to a new consent text: nothing new is done
            self.tx.update_guardian(self.guardian.id, opted_out_at=self.guardian.opted_out_at or self.now)
            self.tx.audit(self.actor(), "consent.decline", "guardian", self.guardian.id,
                          {"version": CONSENT_VERSION})
            self.say("consent_update_declined")
        else:
            self.say("consent_declined")
        self.forget = True

    def ask_own_claims(self) -> list[Child]:
        """Ask the writer about each child a kader registered with their number (once each); returns them."""
        claims = self.tx.claims_to_ask(self.msg.wa_id, wa_hash(self.msg.wa_id))
        for child in claims:
            self.replies.append(self.claim_question(child, self.lang))
            self.tx.audit(self.actor(), "claim.ask", "child", child.id)
        return claims

    def claim_question(self, child: Child, lang: str) -> Reply:
        """"Is <name>, born <date>, your child?", asked once of the number a kader gave."""
        posyandu = self.tx.posyandu_name(child.posyandu_id) if child.posyandu_id else "–"
        return Reply("claim_question", {"name": child.name, "birth_date": birth_date_text(child.birth_date),
                                        "posyandu": posyandu},
                     tuple(Choice(f"claim:{answer}:{child.id}", key) for answer, key in CLAIM_CHOICES))

    def ask_claims(self, wa_id: str) -> None:
        """Ask a consented parent about the children a kader registered with their number (none are asked of a
        number that is not a consented family: the question waits for their consent). The kader is told the
        same either way."""
        parent = self.tx.find_guardian(wa_id)
        if parent is None or parent.unreachable_at is not None or parent.opted_out_at is not None:
            return  # after STOP nothing is sent unasked: the question waits for MULAI (see word_start)
        for child in self.tx.claims_to_ask(wa_id, wa_hash(wa_id)):
            self.queue_to(parent, to_messages([self.claim_question(child, parent.language)], parent.language),
                          "claim", tag=f"q{child.id}:")
            self.tx.audit(self.actor(), "claim.ask", "child", child.id)

    def answer_claim(self, rid: str) -> None:
        """The parent's answer to a claim: yes links the child to the family; no drops the number from the child;
        never also refuses every later claim on this number."""
        _, answer, child_id = (rid.split(":") + ["", ""])[:3]
        child = self.tx.claimed_child(int(child_id), self.msg.wa_id) if child_id.isdigit() else None
        if child is None or answer not in ("yes", "no", "never"):
            self.say("claim_gone")
            return self.menu()
        if answer == "yes":
            self.tx.answer_claim(child.id, self.msg.wa_id, self.known_guardian.id)
            self.tx.audit(self.actor(), "claim.confirm", "child", child.id)
            self.children.append(replace(child, guardian_id=self.known_guardian.id))
            self.say("claim_linked", name=child.name)
        else:
            self.tx.answer_claim(child.id, self.msg.wa_id, None)
            if answer == "never":
                self.tx.refuse_claims(wa_hash(self.msg.wa_id))
            self.tx.audit(self.actor(), "claim.refuse" if answer == "never" else "claim.deny", "child", child.id)
            self.say("claim_refused" if answer == "never" else "claim_dropped")
        self.menu()

    def act_set_language(self, slots: dict) -> None:
        self.lang = slots["lang"] if slots.get("lang") in LANGUAGES else DEFAULT_LANGUAGE
        if self.staff is not None:
            self.tx.update_staff_language(self.staff.id, self.lang)
        else:
            self.tx.update_guardian(self.known_guardian.id, language=self.lang)
        self.say("language_set")
        self.menu()

    def act_stop_reminders(self, slots: dict) -> None:
        self.tx.update_guardian(self.known_guardian.id, opted_out_at=self.now)
        self.tx.audit(f"guardian:{self.known_guardian.id}", "reminders.stop", "guardian", self.known_guardian.id)
        self.say("stop_done")

    def act_delete_family(self, slots: dict) -> None:
        """HAPUS: everything linked to the number, whoever entered it, in PostgreSQL and the Sheet (through the
        outbox: subject.delete_number, which the operator's deletion shares) and Redis (the conversation, after
        commit); the answer says what went."""
        actor = self.actor() if self.guardian else f"wa:{wa_hash(self.msg.wa_id)}"
        deleted = subject.delete_number(self.tx, self.msg.wa_id, actor, f"delete:{self.msg.wamid}")
        children = deleted["child_ids"]
        what = [*((Ref("deleted_family"),) if deleted["guardian_id"] else ()),
                *((Ref("deleted_children", count=len(children)),) if children else ()),
                *((Ref("deleted_measurements", count=deleted["measurements"]),) if deleted["measurements"] else ()),
                *((Ref("deleted_refusal"),) if deleted["refusals"] else ())]
        if what:
            self.say("delete_done", what=Join(what))
        else:
            self.say("nothing_to_delete")
        self.guardian = None
        self.forget = True

    def act_correct_child(self, slots: dict) -> None:
        """UBAH DATA: correct a child's name, sex or birth date; a new sex or birth date recomputes every result."""
        child = next((c for c in self.children if c.id == slots.get("child_id")), None)
        field = slots.get("field")
        if child is None or field not in ("name", "sex", "birth_date"):
            return self.menu()
        value = slots[field]
        changes: dict[str, Any] = {field: date.fromisoformat(value) if field == "birth_date" else value}
        self.tx.correct_child(child.id, **changes)
        corrected = replace(child, **changes)
        recomputed = 0
        if field != "name":
            rows = self.tx.measurements_of(child.id, limit=10_000)
            restated = assessing.restate(corrected, rows, self.today)
            self.tx.restate_measurements(restated)
            recomputed = len(restated)
        self.tx.audit(self.actor(), "child.correct", "child", child.id, {"fields": [field], "recomputed": recomputed})
        self.children = [corrected if c.id == child.id else c for c in self.children]
        self.say("correct_done", name=corrected.name, field=Ref(f"field_{field}"), count=recomputed)
        self.menu()

    def act_show_history(self, slots: dict) -> None:
        child = next((c for c in self.children if c.id == slots.get("child_id")), None)
        if child is None:
            return self.menu()
        rows = [m for m in self.tx.measurements_of(child.id, limit=6) if m.counts]
        if not rows:
            self.say("history_none", name=child.name)
            return self.menu()
        self.say("history_header", name=child.name)
        for m in rows:
            lying = (m.measure or growth.ages.usual_measure(age_on(child, m))) == "l"
            summary, gain = results.history_words(m.assessment)
            self.say("history_line", measured_on=m.measured_on,
                     weight_kg=m.weight_kg if m.weight_kg is not None else "–",
                     lenhei_label=Ref("lenhei_pb" if lying else "lenhei_tb"),
                     lenhei_cm=m.lenhei_cm if m.lenhei_cm is not None else "–", summary=summary, gain=gain)
        last = self.replies[-1]
        self.replies[-1] = Reply(last.key, last.params, results.chart_choices(child.id, with_wfl=True))
        self.new_state = None

    def act_assess_growth(self, slots: dict) -> None:
        """Store and answer a finished measurement; what to store and say is decided by assessing.assess (pure)."""
        child = self.child_for(slots)
        entry = assessing.entry_of(slots, implied_measure(slots, self.ctx()))
        focus = child_in_focus(self.start.state)
        history = self.history_in_focus if focus == child.id and self.history_in_focus is not None else \
            self.tx.measurements_of(child.id, limit=CHART_POINTS)  # newest first
        try:
            history = self.record_previous_weighing(child, slots, entry.measured_on, history)
            done = assessing.assess(child, entry, history, self.today)
        except growth.OutsideGrowthStandard:
            self.say("outside_standard")
            return self.menu()
        ev = done.evaluation
        self.tx.record_measurement(done.row, source="whatsapp", source_ref=self.msg.wamid, actor=self.actor(),
                                   entered_by_staff=self.staff.id if self.staff else None)
        self.tx.revise_measurements(done.revisions)
        self.tiers.append(ev.tier)
        for row_id, _summary in ev.revisions:
            self.tx.audit(self.actor(), "measurement.recompute", "measurement", row_id, {"reason": "earlier_entry"})
        own_chart = self.staff is None
        notified = False
        if ev.advice is None:
            replies = results.remeasure_replies(child.name, ev, child.id)
        else:
            notified = ev.confirmed and self.notify_staff(child, ev)
            replies = results.result_replies(child.name, ev, entry.weight_kg, entry.lenhei_cm, entry.measure,
                                             self.today, child_id=child.id if own_chart else None,
                                             staff_notified=notified)
        if own_chart and ev.advice is not None:
            self.result_chart = self.first_chart(ev, child, done.chart_rows, self.lang)
        if self.staff is not None:
            parent_note = self.notify_parent(child, replies, ev, entry.measured_on, done.chart_rows) \
                if ev.advice is not None else None
            if slots.get("one_line"):  # one line a child: one short message back (kader.line_result)
                if ev.advice is not None and parent_note is None:
                    parent_note = "kader_parent_claim_noted" if slots.get("parent_wa_id") else \
                        "kader_parent_not_linked"
                replies = kader_day.line_result(child, ev, entry, parent_note, staff_notified=notified)
            else:
                replies = results.kader_replies(replies, child.id, remeasure=ev.advice is None,
                                                parent_note=parent_note, claim_noted=bool(slots.get("parent_wa_id")))
        self.replies.extend(replies)
        self.new_state = None

    def record_previous_weighing(self, child: Child, slots: dict, on: date,
                                 history: list[Measurement]) -> list[Measurement]:
        """"bb turun dari 10,1 jadi 9,7": the earlier weight, with the date the family gave, is stored as the
        previous weighing (unless one is already recorded that day), so the loss is judged like any other."""
        kg, raw = slots.get("previous_weight_kg"), slots.get("previous_on")
        when = date.fromisoformat(raw) if isinstance(raw, str) else None
        if not kg or when is None or when >= on or any(m.measured_on == when and m.weight_kg for m in history):
            return history
        ev = assessing.evaluate(child, assessing.Entry(when, kg), history, self.today)
        stored = Measurement(child.id, when, kg, None, None, flags=ev.flags, assessment=ev.summary)
        row_id = self.tx.record_measurement(stored, source="whatsapp", source_ref=f"{self.msg.wamid}:previous",
                                            actor=self.actor(),
                                            entered_by_staff=self.staff.id if self.staff else None)
        return sorted([*history, replace(stored, id=row_id)], key=lambda m: m.measured_on, reverse=True)

    def notify_staff(self, child: Child, ev: assessing.Evaluation) -> bool:
        """A confirmed extreme value: the kader and bidan of the child's posyandu are told the same day (through
        the outbox, like every message). True when someone other than the sender was told."""
        if not child.posyandu_id:
            return False
        told = [s for s in self.tx.staff_of_posyandu(child.posyandu_id) if not (self.staff and s.id == self.staff.id)]
        posyandu = self.tx.posyandu_name(child.posyandu_id)
        for s in told:
            notice = Text(render("staff_notice_extreme", s.language, name=child.name,
                                 birth_date=birth_date_text(child.birth_date),
                                 posyandu=posyandu, status=results.status_words(ev.advice)))
            self.outgoing.append((staff_notice(s, notice), f"{self.msg.wamid}:s{s.id}"))
        if told:
            self.tx.audit(self.actor(), "staff.notice", "child", child.id, {"staff": [s.id for s in told]})
        return bool(told)

    def actor(self) -> str:
        return f"staff:{self.known_staff.id}" if self.staff else f"guardian:{self.known_guardian.id}"

    def child_for(self, slots: dict) -> Child:
        known = next((c for c in self.children if c.id == slots.get("child_id")), None)
        if known is not None:
            return known
        # Only an age was given (the family has no birth date at hand): the child is stored without one, never with
        # a date made up from the age; each measurement keeps the age it was computed with.
        born = date.fromisoformat(slots["birth_date"]) if slots.get("birth_date") else None
        if self.staff is None:
            child = self.tx.add_child(self.known_guardian.id, slots["name"], slots["sex"], born,
                                      posyandu_id=slots.get("posyandu_id"))
        else:
            # A number a kader gives is a claim: the child joins no family until the parent says it is theirs.
            child = self.tx.add_child(None, slots["name"], slots["sex"], born, registered_by=self.staff.id,
                                      posyandu_id=self.staff.posyandu_id, parent_wa_id=slots.get("parent_wa_id"))
        self.tx.audit(self.actor(), "child.create", "child", child.id)
        self.children.append(child)
        if self.staff is not None and slots.get("parent_wa_id"):
            self.ask_claims(slots["parent_wa_id"])
        return child

    def notify_parent(self, child: Child, replies: tuple[Reply, ...], ev: assessing.Evaluation, measured_on: date,
                      chart_rows: list[Measurement]) -> str | None:
        """Send a kader's result to the child's consented parent: in the 24-hour window as the same messages
        (the advice under the child's chart, as a parent's own result), outside it as the approved utility
        template (Meta allows nothing else there). Returns what the kader is told about it (a catalogue key), or
        None when the child has no consented parent yet."""
        parent = self.tx.guardian_by_id(child.guardian_id) if child.guardian_id else None
        if parent is None or ev.advice is None:  # no advice: nothing to tell
            return None
        if parent.opted_out_at is not None:  # STOP: nothing is sent to them that they did not ask for
            return "kader_parent_opted_out"
        if parent.unreachable_at is not None:
            return "kader_parent_unreachable"
        in_window = parent.last_inbound_at is not None and self.now - parent.last_inbound_at < SERVICE_WINDOW
        # The kind recorded says which went out, for the kader's recap (UnitOfWork.posyandu_day).
        self.tx.audit(self.actor(), "message.parent", "child", child.id,
                      {"kind": "result" if in_window else "result_template"})
        if in_window:
            intro = Reply("parent_result_intro", {"name": child.name})
            shown = results.result_chart(ev.assessment, ev.advice)
            body = [r for r in replies if r.key != "not_advice_note"] + [
                Reply("not_advice_note", choices=results.chart_choices(child.id, shown=shown))]
            self.queue_to(parent, to_messages([intro, *body], parent.language), "result",
                          chart=self.first_chart(ev, child, chart_rows, parent.language))
        else:
            status = results.headline(ev.advice)
            params = (child.name, render("choice_today", parent.language) if measured_on == self.today
                      else f"{measured_on.day}-{measured_on.month}-{measured_on.year}", render(status, parent.language))
            urgent = ev.advice.tier >= Urgency.TODAY
            self.queue_to(parent, [Template(URGENT_RESULT_TEMPLATE if urgent else RESULT_TEMPLATE, parent.language,
                                            params)], "result_template")
        return "kader_parent_notified" if in_window else "kader_parent_template"

    def send_chart(self, rid: str) -> None:
        """Queue a growth chart of one of the family's children (drawn when sent, once per picture)."""
        _, indicator, child_id = (rid.split(":") + ["", ""])[:3]
        child = next((c for c in self.children if str(c.id) == child_id), None)
        if child is None or indicator not in ("lfa", "wfa", "wfl"):
            return self.menu()
        rows = [m for m in reversed(self.tx.measurements_of(child.id, limit=CHART_POINTS)) if m.counts]
        spec = self.chart_spec(indicator, child, rows, self.lang)
        if spec is None:
            self.say("no_chart_yet", name=child.name)
            return self.menu()
        self.outgoing.append(({"to": self.msg.wa_id, "chart": spec, "kind": "chart",
                               "guardian_id": self.known_guardian.id}, f"{self.msg.wamid}:c00"))
        self.new_state = None

    def first_chart(self, ev: assessing.Evaluation, child: Child, rows: list[Measurement], lang: str) -> dict | None:
        """The chart that heads a result: the first of results.result_charts that can be drawn from these rows."""
        return next((spec for indicator in results.result_charts(ev.assessment, ev.advice)
                     if (spec := self.chart_spec(indicator, child, rows, lang)) is not None), None)

    @staticmethod
    def chart_spec(indicator: str | None, child: Child, rows: list[Measurement], lang: str) -> dict | None:
        """What a chart of these measurements (oldest first) needs to be drawn later, in the reader's language;
        None when nothing fits it."""
        points = chart_points(indicator, child, rows) if indicator else []
        if not points:
            return None
        table = indicator if indicator != "wfl" else charts.wfl_indicator_for(_latest_age(child, rows))
        return {"indicator": table, "sex": child.sex, "points": points, "lang": lang, "name": child.name,
                "caption": render("caption_chart_image", lang, name=child.name)}

    def list_children(self) -> None:
        if not self.children:
            self.say("no_children")
            return self.menu()
        lines = "\n".join(
            _render_line(self.lang, c, self.today) for c in self.children)
        self.say("children_list", lines=lines)
        self.menu()



# What ends a flow (a Done's action) and what a word that works anywhere does: named here, so a test can check
# that every action and word the flows and GLOBAL_WORDS name has its handler.
ACTIONS = {
    "menu": Dialogue.act_menu, "cancelled": Dialogue.act_cancelled, "give_consent": Dialogue.act_give_consent,
    "decline_consent": Dialogue.act_decline_consent, "set_language": Dialogue.act_set_language,
    "stop_reminders": Dialogue.act_stop_reminders, "delete_family": Dialogue.act_delete_family,
    "correct_child": Dialogue.act_correct_child, "show_history": Dialogue.act_show_history,
    "assess_growth": Dialogue.act_assess_growth,
}
WORDS = {
    "menu": Dialogue.word_menu, "cancel": Dialogue.word_cancel, "help": Dialogue.word_help,
    "language": Dialogue.word_language, "stop": Dialogue.word_stop, "start": Dialogue.word_start,
    "delete": Dialogue.word_delete, "my_data": Dialogue.word_my_data, "correct": Dialogue.word_correct,
}


def chart_points(indicator: str, child: Child, rows: list[Measurement]) -> list[tuple[float, float]]:
    """A child's measurements as chart points: (age in days, cm or kg), or (corrected length/height, kg) for
    BB/TB, where only the points on the latest table (length before 2 years, height after) are drawn."""
    points: list[tuple[float, float]] = []
    latest_age = _latest_age(child, rows)
    for m in rows:
        age = age_on(child, m)
        if age is None:
            continue  # stored before its age was known: nothing to place it by
        lenhei = growth.ages.adjust_lenhei(m.lenhei_cm, m.measure, age) if m.lenhei_cm is not None else None
        if indicator == "lfa" and lenhei is not None:
            points.append((age, lenhei))
        elif indicator == "wfa" and m.weight_kg is not None:
            points.append((age, m.weight_kg))
        elif indicator == "wfl" and lenhei is not None and m.weight_kg is not None and \
                charts.wfl_indicator_for(age) == charts.wfl_indicator_for(latest_age):
            points.append((lenhei, m.weight_kg))
    try:
        if points:
            table = indicator if indicator != "wfl" else charts.wfl_indicator_for(latest_age)
            charts.check_points(table, child.sex, points)  # refuses points outside WHO's tables
    except ValueError:
        return []
    return points


def age_on(child: Child, m: Measurement) -> int | None:
    """A measurement's age in days: from the birth date, or (a child whose family gave an age instead) the age its
    assessment was computed with; None when neither is known."""
    if child.birth_date is not None:
        return (m.measured_on - child.birth_date).days
    age = (m.assessment or {}).get("age_days")
    return int(age) if isinstance(age, (int, float)) else None


def _latest_age(child: Child, rows: list[Measurement]) -> int:
    """The age in days at the latest of these measurements (oldest first) whose age is known; 0 when none."""
    return next((age for m in reversed(rows) if (age := age_on(child, m)) is not None), 0)


def _render_line(lang: str, child: Child, today: date) -> str:
    age = age_text(growth.ages.completed_months(child.birth_date, today)) if child.birth_date is not None \
        else Ref("age_unknown")
    return render("children_line", lang, name=child.name,
                  sex=Ref("choice_boy" if child.sex == "M" else "choice_girl"),
                  birth_date=birth_date_text(child.birth_date), age=age)
