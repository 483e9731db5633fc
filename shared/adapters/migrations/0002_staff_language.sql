-- Kader and bidan choose their language with BAHASA, as parents do (Bahasa Indonesia unless they ask).
ALTER TABLE staff ADD COLUMN language text NOT NULL DEFAULT 'id' CHECK (language IN ('id', 'en'));
