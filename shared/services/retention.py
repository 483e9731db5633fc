"""The retention policy as data (what Tumbuh keeps, how long, who removes it, why) and the daily purge it drives.

docs/privacy.md explains the same rows for families and operators; a test keeps the two in step. No SQL here:
the Records port does the deleting.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shared.ports import Records
from shared.services.conversation import REVIEW_DAYS
from shared.whatsapp.payloads import MEDIA_REUSE

log = logging.getLogger(__name__)

PURGE = "purge"  # removed by this module's daily job
REDIS_TTL = "redis_ttl"  # Redis expires the key itself
MIGRATOR = "migrator"  # removed by the migrator job (the runtime role cannot delete it)
HAPUS = "hapus"  # kept while the family uses Tumbuh; HAPUS deletes it
BACKUP_PRUNE = "backup_prune"  # removed by the nightly backup's prune (shared.domain.backups.POLICY)

# A run removes at most this many rows of each kind, so it stays short whatever the backlog; a run that hit the
# limit somewhere is not finished, and the next scheduler tick continues it.
PURGE_BATCH = 5000
META_RETRY_DAYS = 7  # Meta redelivers an unacknowledged webhook for up to 7 days (Cloud API webhooks reference)


@dataclass(frozen=True)
class Rule:
    """One kind of data: where it lives, how long it is kept, who removes it, and why."""

    kind: str
    where: str
    keep: timedelta | None  # None: no time limit (see reason)
    removed_by: str
    reason: str


POLICY: tuple[Rule, ...] = (
    Rule("inbound_messages", "PostgreSQL inbound_messages", timedelta(days=META_RETRY_DAYS + 1), PURGE,
         "The message id (with a keyed pseudonym of the sender) is what makes a redelivered webhook a no-op; "
         "Meta retries for 7 days, so it is kept one day longer."),
    Rule("outbox_done", "PostgreSQL outbox, done", timedelta(days=7), PURGE,
         "A finished row has no payload left (erased when done); it is kept a week to trace a delivery "
         "problem a family or kader reports."),
    Rule("outbox_failed", "PostgreSQL outbox, given up", timedelta(days=30), PURGE,
         "A row given up keeps only its error (payload erased); operators need a month to notice and fix "
         "what keeps failing."),
    Rule("outbound_messages", "PostgreSQL outbound_messages", timedelta(days=90), PURGE,
         "Delivery statuses show whether results and reminders reach a family and mark numbers that cannot "
         "receive WhatsApp; three monthly posyandu cycles are enough to see a pattern."),
    Rule("parent_claims", "PostgreSQL children.parent_wa_id (unconfirmed)", timedelta(days=30), PURGE,
         "A parent number typed by a kader is only a claim until the parent says yes; unanswered after a month "
         "(past the next posyandu day) the number goes, and the child stays with its posyandu."),
    Rule("claim_refusals", "PostgreSQL claim_refusals", timedelta(days=365), PURGE,
         "'Not my child, do not ask again' must hold through a year of posyandu days; only a keyed pseudonym "
         "of the number is kept."),
    Rule("abandoned_remeasures", "PostgreSQL measurements with review 'remeasure'", timedelta(days=REVIEW_DAYS),
         PURGE,
         "An implausible value that was never measured again counts for nothing in the growth history; it "
         "leaves the kader's 'perlu dicek' list after this many days, and is then deleted (the Sheet too)."),
    Rule("staff_sessions", "PostgreSQL staff_sessions", timedelta(days=30), PURGE,
         "A dashboard sign-in (who, when, until when; no address) is kept a month after it ended, to answer 'was "
         "this my session?'; the audit log keeps the sign-in and sign-out themselves."),
    Rule("login_codes", "Redis login: keys (one-time codes as keyed hashes, attempt counters)", timedelta(minutes=15),
         REDIS_TTL,
         "A dashboard sign-in code is valid 10 minutes and is gone once used; the counters that limit attempts per "
         "number and per address last their 15-minute window."),
    Rule("conversation_state", "Redis conv:{wa_id}", timedelta(hours=24), REDIS_TTL,
         "A half-finished conversation (it can hold a child's name and birth date) is only needed while the "
         "person is answering; after a day the next message starts fresh."),
    Rule("conversation_trace", "Redis conv-trace:{wa_id}", timedelta(days=7), REDIS_TTL,
         "Only the fact that a conversation was left half-way, to say 'your session ended' once."),
    Rule("leases_and_limits", "Redis claim:, lock:, order:, rate:, mute: keys", timedelta(minutes=5), REDIS_TTL,
         "Message-id leases (the inbound_messages row is the lasting record), one-at-a-time handling and flood "
         "control; minutes at most."),
    Rule("media_ids", "Redis media:{content key}", MEDIA_REUSE, REDIS_TTL,
         "The id Meta gave an uploaded chart picture; Meta deletes the picture after 30 days."),
    Rule("audit_log", "PostgreSQL audit_log", timedelta(days=5 * 365), MIGRATOR,
         "Who read or changed which record (ids only) must be answerable for years; the runtime role cannot "
         "delete it, so the migrator job removes rows older than 5 years."),
    Rule("backups", "Cloud Storage backup bucket (sealed copies of every table and Sheet)", timedelta(days=365),
         BACKUP_PRUNE,
         "A backup survives an operator's mistake or a lost project only if it is older than the mistake: 7 "
         "nightly, 4 weekly and 12 monthly backups are kept, so the oldest is under a year old; Cloud Storage keeps "
         "a pruned object 7 more days (soft delete). A family deleted with HAPUS is in no backup made after it."),
    Rule("family_records", "PostgreSQL guardians, children, measurements, reminders", None, HAPUS,
         "A growth chart is the child's whole history: kept while the family uses Tumbuh; HAPUS deletes "
         "everything linked to the number at once."),
)


def periods() -> dict[str, timedelta]:
    """What the purge removes: kind → how long it is kept."""
    return {r.kind: r.keep for r in POLICY if r.removed_by == PURGE and r.keep is not None}


def is_due(last_at: datetime | None, last_counts: dict | None, now: datetime, tz: str) -> bool:
    """True when no purge ran yet on today's local date, or the last one hit PURGE_BATCH somewhere (unfinished)."""
    if last_at is None:
        return True
    zone = ZoneInfo(tz)
    if last_at.astimezone(zone).date() < now.astimezone(zone).date():
        return True
    return any(int(n) >= PURGE_BATCH for n in (last_counts or {}).values())


def purge(records: Records, now: datetime) -> dict[str, int]:
    """Remove what the policy no longer allows keeping as of `now`; returns how many of each kind went.

    Idempotent: a second run at the same `now` removes nothing. The run itself is audited (counts only).
    """
    counts = records.purge_expired(now, periods(), PURGE_BATCH)
    log.info("retention purge", extra={"ctx": counts})
    return counts
