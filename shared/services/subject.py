"""Data-subject requests (UU 27/2022): what Tumbuh holds about one WhatsApp number, and deleting it, the same way
whether the family asks in the chat (DATA SAYA, HAPUS: services.conversation) or an operator answers a request
that came another way (`python -m shared.ops subject`). The deletion lives in delete_number() alone, so the two
paths cannot drift. No SQL here (the Records port reads and deletes) and no number in a log line (wa_hash only).
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from shared.domain.model import Child, Guardian, Measurement
from shared.logs import wa_hash
from shared.ports import Ports, UnitOfWork

log = logging.getLogger(__name__)

OPERATOR = "operator"  # the audit actor of what an operator does for a family (never a person's name)
ALL_MEASUREMENTS = 10_000  # every measurement of a child: monthly from birth to five years is about 60
# Said in every export, for whoever hands it to the family: what the document cannot show, and why.
EXPORT_NOTES = (
    "Message texts are not kept: each message's text is erased from the outbox once it is sent, so messages_sent "
    "lists only the kind, time and delivery status of each message.",
    "Messages received are kept only as their kind and time, under a keyed pseudonym of the number, for 8 days; "
    "conversation_in_progress is what the person has answered so far in an unfinished dialogue (kept 24 hours).",
    "claims are children a kader registered with this number that the number has not confirmed as its own; they "
    "are shown as the chat asks about them (name, birth date, posyandu). Their measurements are counted, not shown: "
    "until the child is confirmed in the chat they may be another family's data (UU 27/2022 Pasal 33 huruf b).",
    "The children and measurements above are mirrored in their posyandu's Google Sheet, which that posyandu's kader "
    "and bidan see, and are in the nightly backups (under a year old).",
    "audit is the record of processing (UU 27/2022 Pasal 32): who did what to these records, as the action, the "
    "time and the kind of actor, with ids only. This export is recorded in it as data.export.",
)


def delete_number(tx: UnitOfWork, wa_id: str, actor: str, dedupe_key_prefix: str) -> dict:
    """Delete everything linked to a number, whoever entered it (tx.delete_number), queue one sheet_delete per
    posyandu Sheet its children were in, and audit family.delete (ids only) when anything went. The conversation
    in Redis is the caller's to forget, after commit.

    Args:
        actor: the audit actor ('guardian:12', 'wa:<hash>' for a number that never consented, OPERATOR).
        dedupe_key_prefix: unique to this request (HAPUS: 'delete:<message id>'); each Sheet's delete is keyed
            '<prefix>:<posyandu id>', so a redelivered request queues nothing twice.
    Returns:
        {"guardian_id", "child_ids", "measurements", "refusals", "sheets"} as tx.delete_number gives it.
    """
    deleted = tx.delete_number(wa_id, wa_hash(wa_id))
    for sheet in deleted["sheets"]:  # one delete per posyandu Sheet the children were in (ids only)
        tx.queue("sheet_delete", sheet, dedupe_key=f"{dedupe_key_prefix}:{sheet['posyandu_id']}")
    if deleted["guardian_id"] or deleted["child_ids"] or deleted["measurements"] or deleted["refusals"]:
        tx.audit(actor, "family.delete", "guardian", deleted["guardian_id"],
                 {"children": deleted["child_ids"], "measurements": deleted["measurements"]})
    return deleted


@dataclass(frozen=True)
class Holdings:
    """Everything Tumbuh holds about one number, as read for an export or before a deletion."""

    wa_id: str
    guardian: Guardian | None
    family: list[tuple[Child, str, list[Measurement]]]  # the family's children: posyandu name, measurements
    claims: list[tuple[Child, str, int, datetime | None, datetime | None]]  # see Records.number_claims
    reminders: list[dict]
    messages_sent: list[dict]
    traces: dict  # see Records.number_traces
    audit: list[dict]
    conversation: dict | None  # the conversation in progress (Redis), if any

    def counts(self) -> dict[str, int]:
        """What HAPUS (delete_number and forgetting the conversation) removes, counted; all 0: nothing to delete.
        Message ids received stay until their 8 days are over, as after HAPUS, so they are not counted."""
        return {
            "family": int(self.guardian is not None),
            "children": len(self.family),
            "claimed_children": len(self.claims),
            "measurements": sum(len(rows) for _, _, rows in self.family) + sum(c[2] for c in self.claims),
            "reminders": len(self.reminders),
            "messages_sent": len(self.messages_sent),
            "messages_waiting": self.traces["waiting_sends"],
            "claim_refusal": int(self.traces["claims_refused_at"] is not None),
            "conversation": int(self.conversation is not None),
        }

    @property
    def known(self) -> bool:
        """True when Tumbuh holds anything at all about the number (message ids received included)."""
        return any(self.counts().values()) or bool(self.traces["received"])


def holdings(ports: Ports, wa_id: str) -> Holdings:
    """Read everything Tumbuh holds about a number (writes nothing): the family with every measurement, claims,
    reminders, messages, what is kept under the number's pseudonym, the audit entries and the conversation."""
    with ports.records.transaction() as tx:
        guardian = tx.find_guardian(wa_id)
        family = [(child, posyandu, tx.measurements_of(child.id, ALL_MEASUREMENTS)[::-1])  # oldest first
                  for child, posyandu, _, _ in (tx.family_record(guardian.id) if guardian else [])]
    records = ports.records
    claims = records.number_claims(wa_id)
    measurement_ids = [m.id for _, _, rows in family for m in rows if m.id is not None]
    child_ids = [c.id for c, _, _ in family] + [c[0].id for c in claims]
    return Holdings(
        wa_id=wa_id, guardian=guardian, family=family, claims=claims,
        reminders=records.reminders_of(guardian.id) if guardian else [],
        messages_sent=records.messages_to(guardian.id) if guardian else [],
        traces=records.number_traces(wa_id, wa_hash(wa_id)),
        audit=records.audit_about(guardian.id if guardian else None, child_ids, measurement_ids),
        conversation=ports.conversations.load(wa_id))


def export_number(ports: Ports, wa_id: str, now: datetime) -> dict | None:
    """DATA SAYA for an operator: everything Tumbuh holds about the number as one JSON-able document (times in the
    deployment's time zone), audited as data.export by OPERATOR; None when Tumbuh holds nothing about it (nothing
    is written then)."""
    held = holdings(ports, wa_id)
    if not held.known:
        return None
    with ports.records.transaction() as tx:
        tx.audit(OPERATOR, "data.export", "guardian", held.guardian.id if held.guardian else None,
                 {"children": [c.id for c, _, _ in held.family], "claims": [c[0].id for c in held.claims]})
    log.info("data-subject export", extra={"ctx": {"wa": wa_hash(wa_id), "children": len(held.family),
                                                   "claims": len(held.claims)}})
    return document(held, now, ports.tz)


def erase_number(ports: Ports, wa_id: str) -> dict:
    """HAPUS for an operator: delete_number as OPERATOR while holding the person's conversation (a message of
    theirs being handled finishes first), then forget the conversation. Returns delete_number's result."""
    with ports.conversations.lock(wa_id):
        with ports.records.transaction() as tx:
            deleted = delete_number(tx, wa_id, OPERATOR, f"delete:{OPERATOR}:{uuid.uuid4().hex}")
        ports.conversations.forget(wa_id)
    log.info("data-subject deletion", extra={"ctx": {"wa": wa_hash(wa_id), "children": len(deleted["child_ids"]),
                                                     "measurements": deleted["measurements"],
                                                     "sheets": len(deleted["sheets"])}})
    return deleted


def document(held: Holdings, now: datetime, tz: str) -> dict:
    """The export document of what was read (pure): JSON-able, dates as ISO text, times in `tz`."""
    zone = ZoneInfo(tz)

    def when(value: date | datetime | None) -> str | None:
        if isinstance(value, datetime):
            return value.astimezone(zone).isoformat(timespec="seconds")
        return value.isoformat() if isinstance(value, date) else None

    def timed(row: dict) -> dict:
        return {k: when(v) if isinstance(v, (date, datetime)) else v for k, v in row.items()}

    g = held.guardian
    names = {c.id: c.name for c, _, _ in held.family}
    return {
        "number": held.wa_id,
        "made_at": when(now),
        "family": None if g is None else {
            "language": g.language, "consent_at": when(g.consent_at), "consent_version": g.consent_version,
            "reminders_stopped_at": when(g.opted_out_at),  # STOP; MULAI clears it
            "last_message_at": when(g.last_inbound_at), "unreachable_at": when(g.unreachable_at)},
        "children": [
            {"id": c.id, "name": c.name, "sex": c.sex, "birth_date": when(c.birth_date), "posyandu": posyandu or None,
             "measurements": [_measurement(m, when) for m in rows]}
            for c, posyandu, rows in held.family],
        "claims": [
            {"id": c.id, "name": c.name, "birth_date": when(c.birth_date), "posyandu": posyandu or None,
             "number_given_at": when(given), "asked_at": when(asked), "measurement_count": count}
            for c, posyandu, count, given, asked in held.claims],
        "claims_refused_at": when(held.traces["claims_refused_at"]),
        "reminders": [{"child": names.get(r["child_id"]), **timed(r)} for r in held.reminders],
        "messages_sent": [timed(m) for m in held.messages_sent],
        "messages_waiting": held.traces["waiting_sends"],
        "messages_received": [{"kind": kind, "received_at": when(at)} for kind, at in held.traces["received"]],
        "conversation_in_progress": held.conversation,
        "audit": [timed(a) for a in held.audit],
        "notes": list(EXPORT_NOTES),
    }


def _measurement(m: Measurement, when) -> dict:
    """A measurement as stored, with the assessment computed when it was stored."""
    row = asdict(m)
    del row["child_id"]
    return {"id": row.pop("id"), **row, "measured_on": when(m.measured_on), "flags": list(m.flags)}
