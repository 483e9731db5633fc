-- Each posyandu gets its own spreadsheet (issue 13): a kader sees only the children of their posyandu. The id is
-- Google's (or, locally, the workbook's name); NULL until `python -m scripts.sheet setup` creates it. Rows of a
-- posyandu without a spreadsheet are not mirrored; setting one up queues that posyandu's whole register.
-- Not unique: a district may choose one spreadsheet per puskesmas, shared by its posyandu.
ALTER TABLE posyandu ADD COLUMN spreadsheet_id text;
-- When the scheduler last compared the Sheet with PostgreSQL (kader edits whose push was lost are found then).
ALTER TABLE posyandu ADD COLUMN sheet_reconciled_at timestamptz;

-- A Sheet delete must say which spreadsheet its rows are in: after HAPUS the children are gone, so the posyandu
-- travels in the payload from now on. No spreadsheet existed before this migration, so a delete queued before it
-- has nothing to remove.
UPDATE outbox SET done_at = now(), payload = '{}'
 WHERE kind = 'sheet_delete' AND done_at IS NULL AND NOT payload ? 'posyandu_id';
