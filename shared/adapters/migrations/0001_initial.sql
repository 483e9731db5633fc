-- Tumbuh's first schema: families, posyandu, staff, children, measurements, and the plumbing that makes
-- the webhook exactly-once (inbound_messages), the Sheet mirror asynchronous (outbox), and reminders and
-- the audit trail possible. PostgreSQL is the source of truth; the Sheet mirrors it.

CREATE TABLE posyandu (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    village     text NOT NULL DEFAULT '',   -- desa / kelurahan
    district    text NOT NULL DEFAULT '',   -- kecamatan
    regency     text NOT NULL DEFAULT '',   -- kabupaten / kota
    time_zone   text NOT NULL DEFAULT 'Asia/Jakarta'
                CHECK (time_zone IN ('Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura')),  -- WIB, WITA, WIT
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name, village, district)
);

-- A guardian (parent or caregiver) is one WhatsApp number; the family's children hang off it.
CREATE TABLE guardians (
    id               bigserial PRIMARY KEY,
    wa_id            text NOT NULL UNIQUE CHECK (wa_id ~ '^[0-9]{6,20}$'),  -- E.164 without '+', Meta's user id
    language         text NOT NULL DEFAULT 'id' CHECK (language IN ('id', 'en')),
    role             text NOT NULL DEFAULT 'parent' CHECK (role IN ('parent', 'caregiver')),
    consent_at       timestamptz,             -- UU 27/2022: nothing about the family is stored before this
    consent_version  text,                    -- which consent text they agreed to
    opted_out_at     timestamptz,             -- STOP / BERHENTI: no reminders while set
    last_inbound_at  timestamptz,             -- opens Meta's 24-hour customer-service window
    unreachable_at   timestamptz,             -- Meta said 131026: not on WhatsApp (any more); kader are told
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((consent_at IS NULL) = (consent_version IS NULL))
);

CREATE TABLE staff (
    id           bigserial PRIMARY KEY,
    wa_id        text NOT NULL UNIQUE CHECK (wa_id ~ '^[0-9]{6,20}$'),
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('kader', 'bidan', 'admin')),
    posyandu_id  bigint REFERENCES posyandu (id) ON DELETE SET NULL,
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (role = 'admin' OR posyandu_id IS NOT NULL)  -- kader and bidan work for a posyandu
);

CREATE TABLE children (
    id               bigserial PRIMARY KEY,
    guardian_id      bigint REFERENCES guardians (id) ON DELETE CASCADE,   -- NULL: registered by a kader, parent unknown
    posyandu_id      bigint REFERENCES posyandu (id) ON DELETE SET NULL,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    sex              text NOT NULL CHECK (sex IN ('M', 'F')),
    birth_date       date NOT NULL CHECK (birth_date >= DATE '1990-01-01'),
    registered_by    bigint REFERENCES staff (id) ON DELETE SET NULL,
    parent_wa_id     text CHECK (parent_wa_id ~ '^[0-9]{6,20}$'),  -- given by a kader; linked when that parent consents
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    sheet_synced_at  timestamptz
);
CREATE INDEX children_parent_wa_id ON children (parent_wa_id) WHERE guardian_id IS NULL;
CREATE INDEX children_guardian ON children (guardian_id);
CREATE INDEX children_posyandu ON children (posyandu_id);

CREATE TABLE measurements (
    id                bigserial PRIMARY KEY,
    child_id          bigint NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    measured_on       date NOT NULL,
    weight_kg         numeric(5, 2) CHECK (weight_kg > 0 AND weight_kg < 150),
    lenhei_cm         numeric(5, 1) CHECK (lenhei_cm > 0 AND lenhei_cm < 250),
    measure           text CHECK (measure IN ('l', 'h')),    -- l = lying (length, PB), h = standing (height, TB)
    headc_cm          numeric(4, 1) CHECK (headc_cm > 0 AND headc_cm < 80),
    armc_cm           numeric(4, 1) CHECK (armc_cm > 0 AND armc_cm < 60),
    oedema            boolean NOT NULL DEFAULT false,
    source            text NOT NULL CHECK (source IN ('whatsapp', 'sheet')),
    source_ref        text UNIQUE,          -- WhatsApp message id or sheet edit id: a redelivery cannot add a row twice
    entered_by_staff  bigint REFERENCES staff (id) ON DELETE SET NULL,
    flags             text[] NOT NULL DEFAULT '{}',   -- WHO plausibility flags, month-to-month jumps: re-measure
    assessment        jsonb,                -- z-scores and categories as computed when stored
    created_at        timestamptz NOT NULL DEFAULT now(),
    sheet_synced_at   timestamptz,
    CHECK (weight_kg IS NOT NULL OR lenhei_cm IS NOT NULL)
);
CREATE INDEX measurements_child_date ON measurements (child_id, measured_on);

-- Every inbound WhatsApp message id, once: the durable half of exactly-once (Redis SET NX is the fast half).
-- Only a pseudonym of the sender: messages arrive before consent, and nothing identifying is kept for them.
CREATE TABLE inbound_messages (
    wamid         text PRIMARY KEY,
    wa_hash       text NOT NULL,
    kind          text NOT NULL,            -- text, interactive, button, location, image, ...
    received_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbound_messages_wa_hash ON inbound_messages (wa_hash, received_at);

-- Messages Tumbuh sent, with the best delivery status Meta reported (statuses arrive out of order).
CREATE TABLE outbound_messages (
    wamid        text PRIMARY KEY,
    guardian_id  bigint REFERENCES guardians (id) ON DELETE CASCADE,  -- NULL before consent
    kind         text NOT NULL,
    sent_at      timestamptz NOT NULL DEFAULT now(),
    status       text NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'delivered', 'read', 'failed')),
    status_at    timestamptz,
    error_code   integer
);
CREATE INDEX outbound_messages_guardian ON outbound_messages (guardian_id);

-- Work the webhook must not wait for (Sheet rows, deferred sends): flushed in batches by the scheduler.
CREATE TABLE outbox (
    id               bigserial PRIMARY KEY,
    kind             text NOT NULL,          -- sheet_upsert, sheet_delete, send_message, ...
    payload          jsonb NOT NULL,         -- erased ('{}') once done: sent messages hold personal data
    dedupe_key       text UNIQUE,            -- the same effect queued twice stays one row
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    done_at          timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE done_at IS NULL;

CREATE TABLE reminders (
    id           bigserial PRIMARY KEY,
    child_id     bigint NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    guardian_id  bigint NOT NULL REFERENCES guardians (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('measurement', 'posyandu_visit', 'bulan_penimbangan')),
    due_on       date NOT NULL,
    send_after   timestamptz NOT NULL,
    sent_at      timestamptz,
    cancelled_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (child_id, kind, due_on)
);
CREATE INDEX reminders_due ON reminders (send_after) WHERE sent_at IS NULL AND cancelled_at IS NULL;

-- Who did what to which record. Ids and field names only: never names, numbers or measurements.
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL,          -- 'guardian:12', 'staff:3', 'sheet', 'scheduler', 'system'
    action     text NOT NULL,          -- 'consent', 'child.create', 'measurement.create', 'family.delete', ...
    entity     text NOT NULL,
    entity_id  bigint,
    detail     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
