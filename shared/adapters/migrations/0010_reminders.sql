-- Reminders (issue 14). A posyandu's day, when it is known: a day of the month (1-31; in a shorter month its last
-- day) or a weekday for a weekly posyandu (0 Monday .. 6 Sunday). Monthly reminders move to it.
ALTER TABLE posyandu ADD COLUMN day_of_month smallint CHECK (day_of_month BETWEEN 1 AND 31);
ALTER TABLE posyandu ADD COLUMN weekday smallint CHECK (weekday BETWEEN 0 AND 6);

-- The kinds the rules make (shared/domain/reminders.py); posyandu_visit was never used.
ALTER TABLE reminders DROP CONSTRAINT reminders_kind_check;
ALTER TABLE reminders ADD CONSTRAINT reminders_kind_check
    CHECK (kind IN ('measurement', 'recheck', 'followup', 'bulan_penimbangan', 'age_out'));
-- The last measurement a reminder was planned from: measured again since, it is not sent (cancel_reason
-- 'measured'). NULL for reminders that key on the birth date or the calendar.
ALTER TABLE reminders ADD COLUMN basis_on date;
-- Why a reminder was not sent (stop, deleted, unreachable, measured, ...), and what the family answered.
ALTER TABLE reminders ADD COLUMN cancel_reason text;
ALTER TABLE reminders ADD COLUMN answered_at timestamptz;
ALTER TABLE reminders ADD COLUMN answer text CHECK (answer IN ('done', 'later', 'stop'));
-- A follow-up nobody answered is passed on to the posyandu's kader and bidan once.
ALTER TABLE reminders ADD COLUMN escalated_at timestamptz;
CREATE INDEX reminders_unanswered ON reminders (sent_at) WHERE kind = 'followup' AND answered_at IS NULL
    AND escalated_at IS NULL AND sent_at IS NOT NULL;

-- The planner visits each child at most once a day (a bounded batch per scheduler run; the next run continues).
-- A new measurement clears it, so the child's reminders are planned again from that measurement.
ALTER TABLE children ADD COLUMN reminders_planned_on date;
CREATE INDEX children_reminders_to_plan ON children (reminders_planned_on NULLS FIRST, id);
