-- A family that does not know the birth date (the Buku KIA is at home, or there is none) may give the child's age
-- in months instead, as WHO Anthro allows (age in days = months x 30.4375). Such a child is stored with no birth
-- date, never a made-up one: children.birth_date may be NULL (its CHECK still holds for a date that is given).
-- The age a measurement was computed with is kept with it ("age_months_given", NULL when the birth date is known),
-- so its result stays explainable and can be recomputed once the date is sent with UBAH DATA.
ALTER TABLE children ALTER COLUMN birth_date DROP NOT NULL;
ALTER TABLE measurements ADD COLUMN age_months_given numeric(4, 1)
    CHECK (age_months_given >= 0 AND age_months_given < 60);
