-- Administration that edits (issue 11, part 5).
--
-- Period names are unique once spaces are dropped and letters lowered (`2025年度考评` and ` 2025年度 考评`
-- are one name): `name_key` holds that form, written by the application on every create and rename, and
-- a unique index decides between two racing requests. Existing duplicates keep their rows: the later ones
-- get their id appended to the key.
ALTER TABLE periods ADD COLUMN name_key TEXT;
UPDATE periods SET name_key = lower(replace(replace(replace(replace(name, ' ', ''), char(9), ''), char(10), ''), '　', ''));
UPDATE periods SET name_key = name_key || '#' || id
WHERE id NOT IN (SELECT MIN(id) FROM periods GROUP BY name_key);
CREATE UNIQUE INDEX periods_name_key ON periods (name_key);

-- A rubric version's content stays as saved; only its label (a display name beside name and version) may
-- change, and a version no period uses may be deleted (its deletion is linked into the hash chain).
ALTER TABLE rubrics ADD COLUMN label TEXT;
DROP TRIGGER rubrics_no_update;
CREATE TRIGGER rubrics_no_update BEFORE UPDATE OF id, name, version, toml, created_by, created_at ON rubrics
BEGIN SELECT RAISE(ABORT, 'rubric versions are append-only'); END;
DROP TRIGGER rubrics_no_delete;
CREATE TRIGGER rubrics_no_delete BEFORE DELETE ON rubrics
WHEN EXISTS (SELECT 1 FROM periods WHERE rubric_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'a rubric version a period uses cannot be deleted'); END;
