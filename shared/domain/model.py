"""Records as the domain sees them: Guardian, Staff, Child, Measurement (plain dataclasses, no I/O)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Guardian:
    """A parent or caregiver: one WhatsApp number, who has consented (there is no row before consent)."""

    id: int
    wa_id: str
    language: str
    consent_at: datetime
    opted_out_at: datetime | None = None
    last_inbound_at: datetime | None = None
    unreachable_at: datetime | None = None
    consent_version: str | None = None  # the consent text agreed to; an older one is asked again


@dataclass(frozen=True)
class Staff:
    """A kader, bidan or admin, listed for a posyandu."""

    id: int
    wa_id: str
    name: str
    role: str
    posyandu_id: int | None
    language: str = "id"  # catalogue language of everything Tumbuh says to them


@dataclass(frozen=True)
class Child:
    """A child under a guardian (or registered by a kader before the parent's number is known)."""

    id: int
    name: str
    sex: str  # "M" or "F"
    birth_date: date | None  # None: the family gave an age in months instead (see Measurement.age_months_given)
    guardian_id: int | None = None
    posyandu_id: int | None = None

    def summary(self) -> dict:
        """The JSON-able facts the conversation engine needs about this child."""
        return {"id": self.id, "name": self.name, "sex": self.sex, "birth_date": self.birth_date.isoformat() if self.birth_date else None}


@dataclass(frozen=True)
class Measurement:
    """One weighing/measuring of a child, with what was computed when it was stored."""

    child_id: int
    measured_on: date
    weight_kg: float | None
    lenhei_cm: float | None
    measure: str | None
    headc_cm: float | None = None
    armc_cm: float | None = None
    oedema: bool = False
    flags: tuple[str, ...] = ()
    assessment: dict = field(default_factory=dict)
    id: int | None = None
    # A flagged value's fate: "remeasure" (waiting for a second measurement), "confirmed", "superseded"; None when
    # nothing was flagged (see migration 0003).
    review: str | None = None
    # The age the family gave on the measuring day, when the child's birth date is not known (WHO Anthro's age in
    # months); None when the age comes from the birth date. Its result is approximate (migration 0007).
    age_months_given: float | None = None

    @property
    def counts(self) -> bool:
        """True when its values are trusted: nothing flagged, or the flagged value was confirmed by re-measuring."""
        return not self.flags or self.review == "confirmed"


@dataclass(frozen=True)
class Arrival:
    """Who wrote a fresh message: a staff member, or a guardian (None before consent), and their children."""

    staff: Staff | None
    guardian: Guardian | None
    children: list[Child]
    # The measurements of the child the conversation is about, newest first, when the caller asked for them
    # with the arrival (saves a round trip on the turn that assesses growth); None when not asked.
    measurements: list[Measurement] | None = None


# A sent message's delivery statuses in the order they can only move: Meta's callbacks arrive out of order, so a
# status never replaces one ranked higher ("read" stays "read" when a late "delivered" comes in).
DELIVERY_STATUS_RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
