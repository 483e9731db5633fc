-- Where the scheduler is in each spreadsheet's change log (the bridge's `changes` action): kader edits logged by the
-- Sheet's trigger after this cursor have not been read yet. 0 before the first read.
ALTER TABLE posyandu ADD COLUMN sheet_cursor bigint NOT NULL DEFAULT 0 CHECK (sheet_cursor >= 0);
