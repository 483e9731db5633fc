-- A value outside WHO's plausibility limits is stored flagged and the family is asked to measure again. Its
-- review says what became of it: 'remeasure' (waiting for the second measurement; staff see it as "perlu dicek"
-- until then), 'confirmed' (the second measurement gave the same: the family is sent to the puskesmas today and
-- the posyandu's staff are told), 'superseded' (a later measurement replaced it). NULL: nothing to review.
ALTER TABLE measurements ADD COLUMN review text CHECK (review IN ('remeasure', 'confirmed', 'superseded'));
CREATE INDEX measurements_to_review ON measurements (child_id) WHERE review IN ('remeasure', 'confirmed');
