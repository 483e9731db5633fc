-- The Posyandu page's month counts, stored: shared.adapters.postgres.dashboard.posyandu_months counts a month of
-- every posyandu from each weighing's stored assessment, which is most of the page's time at district scale. The
-- scheduler stores the current month and the 13 before it here (PgDashboard.refresh_month_counts, with the same
-- SQL); the page reads a row only while it is fresh and counts the rest (stale, missing) live.
--
-- Counts only, no personal data. A row is marked stale by the triggers below whenever something it was counted from
-- changes: a measurement of a child of the posyandu (added, corrected, reviewed, moved, deleted) marks that month
-- and every later one (K counts a child from its first measurement on); a child added, deleted, moved to another
-- posyandu or given another birth date marks both posyandu from its birth month (or its first measurement, if
-- earlier). A child known only by an age has its birth date estimated from its earliest measurement, so any
-- change about such a child marks every month of its posyandu. Each trigger runs one UPDATE on the primary key (a
-- statement's added or deleted rows together).

CREATE TABLE posyandu_month_counts (
    posyandu_id   bigint NOT NULL REFERENCES posyandu (id) ON DELETE CASCADE,
    month         date NOT NULL CHECK (extract(day FROM month) = 1),   -- the month's first day
    s             integer NOT NULL,
    k             integer NOT NULL,
    d             integer NOT NULL,
    n             integer NOT NULL,
    t             integer NOT NULL,
    o             integer NOT NULL,
    b             integer NOT NULL,
    two_t         integer NOT NULL,
    bgm           integer NOT NULL,
    len_measured  integer NOT NULL,
    stunted       integer NOT NULL,
    wfl_measured  integer NOT NULL,
    wasted        integer NOT NULL,
    wfa_measured  integer NOT NULL,
    underweight   integer NOT NULL,
    computed_at   timestamptz NOT NULL,
    stale         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (posyandu_id, month)
);

-- Mark a posyandu's stored months stale from `since` on (every month when `since` is NULL).
CREATE FUNCTION mark_month_counts_stale(for_posyandu bigint, since date) RETURNS void LANGUAGE sql AS $$
    UPDATE posyandu_month_counts SET stale = true
    WHERE posyandu_id = for_posyandu AND NOT stale AND (since IS NULL OR month >= date_trunc('month', since)::date)
$$;

-- Rows added or deleted, a statement at a time (a bulk load runs one UPDATE, not one a row): each posyandu touched
-- is marked from its earliest month touched, or wholly when a child of it is known by an age only. Measurements
-- deleted with their child find no child here: the children trigger marks that child's months.
CREATE FUNCTION measurements_month_counts_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE posyandu_month_counts s SET stale = true
        FROM (SELECT c.posyandu_id, min(r.measured_on) AS since, bool_or(c.birth_date IS NULL) AS every_month
              FROM changed_rows r JOIN children c ON c.id = r.child_id GROUP BY c.posyandu_id) x
        WHERE s.posyandu_id = x.posyandu_id AND NOT s.stale
          AND (x.every_month OR s.month >= date_trunc('month', x.since)::date);
    ELSE
        UPDATE posyandu_month_counts s SET stale = true
        FROM (SELECT c.posyandu_id, min(r.measured_on) AS since, bool_or(c.birth_date IS NULL) AS every_month
              FROM gone_rows r JOIN children c ON c.id = r.child_id GROUP BY c.posyandu_id) x
        WHERE s.posyandu_id = x.posyandu_id AND NOT s.stale
          AND (x.every_month OR s.month >= date_trunc('month', x.since)::date);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER measurements_added_month_counts_stale AFTER INSERT ON measurements
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION measurements_month_counts_stale();
CREATE TRIGGER measurements_deleted_month_counts_stale AFTER DELETE ON measurements
    REFERENCING OLD TABLE AS gone_rows FOR EACH STATEMENT EXECUTE FUNCTION measurements_month_counts_stale();

-- A measurement corrected, reviewed or moved to another child: its old and new month on.
CREATE FUNCTION measurement_month_counts_stale() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kid record;
BEGIN
    IF (OLD.child_id, OLD.measured_on, OLD.weight_kg, OLD.lenhei_cm, OLD.assessment, OLD.review)
            IS NOT DISTINCT FROM (NEW.child_id, NEW.measured_on, NEW.weight_kg, NEW.lenhei_cm, NEW.assessment,
                                  NEW.review) THEN
        RETURN NULL;
    END IF;
    SELECT posyandu_id, birth_date INTO kid FROM children WHERE id = OLD.child_id;
    IF kid.posyandu_id IS NOT NULL THEN
        PERFORM mark_month_counts_stale(kid.posyandu_id, CASE WHEN kid.birth_date IS NOT NULL THEN OLD.measured_on END);
    END IF;
    SELECT posyandu_id, birth_date INTO kid FROM children WHERE id = NEW.child_id;
    IF kid.posyandu_id IS NOT NULL THEN
        PERFORM mark_month_counts_stale(kid.posyandu_id, CASE WHEN kid.birth_date IS NOT NULL THEN NEW.measured_on END);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER measurements_month_counts_stale
    AFTER UPDATE OF child_id, measured_on, weight_kg, lenhei_cm, assessment, review
    ON measurements FOR EACH ROW EXECUTE FUNCTION measurement_month_counts_stale();

-- Children added or deleted, a statement at a time: from each one's birth month (every month when it has none). A
-- deleted child's measurements are gone with it, and none is dated before its birth.
CREATE FUNCTION children_month_counts_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE posyandu_month_counts s SET stale = true
        FROM (SELECT posyandu_id, min(birth_date) AS since, bool_or(birth_date IS NULL) AS every_month
              FROM changed_rows GROUP BY posyandu_id) x
        WHERE s.posyandu_id = x.posyandu_id AND NOT s.stale
          AND (x.every_month OR s.month >= date_trunc('month', x.since)::date);
    ELSE
        UPDATE posyandu_month_counts s SET stale = true
        FROM (SELECT posyandu_id, min(birth_date) AS since, bool_or(birth_date IS NULL) AS every_month
              FROM gone_rows GROUP BY posyandu_id) x
        WHERE s.posyandu_id = x.posyandu_id AND NOT s.stale
          AND (x.every_month OR s.month >= date_trunc('month', x.since)::date);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER children_added_month_counts_stale AFTER INSERT ON children
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION children_month_counts_stale();
CREATE TRIGGER children_deleted_month_counts_stale AFTER DELETE ON children
    REFERENCING OLD TABLE AS gone_rows FOR EACH STATEMENT EXECUTE FUNCTION children_month_counts_stale();

-- A child moved to another posyandu or given another birth date: both posyandu, from the earlier of its birth and
-- its first measurement.
CREATE FUNCTION child_month_counts_stale() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    first_seen date;
BEGIN
    IF (OLD.posyandu_id, OLD.birth_date) IS NOT DISTINCT FROM (NEW.posyandu_id, NEW.birth_date) THEN
        RETURN NULL;
    END IF;
    SELECT min(measured_on) INTO first_seen FROM measurements WHERE child_id = NEW.id;
    IF OLD.posyandu_id IS NOT NULL THEN
        PERFORM mark_month_counts_stale(OLD.posyandu_id,
                                        CASE WHEN OLD.birth_date IS NOT NULL THEN least(OLD.birth_date, first_seen) END);
    END IF;
    IF NEW.posyandu_id IS NOT NULL THEN
        PERFORM mark_month_counts_stale(NEW.posyandu_id,
                                        CASE WHEN NEW.birth_date IS NOT NULL THEN least(NEW.birth_date, first_seen) END);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER children_month_counts_stale AFTER UPDATE OF posyandu_id, birth_date
    ON children FOR EACH ROW EXECUTE FUNCTION child_month_counts_stale();
