-- Administration that edits (issue 11, part 5); the SQLite tree does the same.
--
-- Period names are unique once spaces are dropped and letters lowered (`2025年度考评` and ` 2025年度 考评`
-- are one name): `name_key` holds that form, written by the application on every create and rename, and
-- a unique index decides between two racing requests. Existing duplicates keep their rows: the later ones
-- get their id appended to the key.
ALTER TABLE periods ADD COLUMN name_key TEXT;
UPDATE periods SET name_key = lower(regexp_replace(name, '[[:space:]　]', '', 'g'));
UPDATE periods SET name_key = name_key || '#' || id
WHERE id NOT IN (SELECT MIN(id) FROM periods GROUP BY name_key);
CREATE UNIQUE INDEX periods_name_key ON periods (name_key);

-- A rubric version's content stays as saved; only its label (a display name beside name and version) may
-- change, and a version no period uses may be deleted (its deletion is linked into the hash chain).
ALTER TABLE rubrics ADD COLUMN label TEXT;
DROP TRIGGER rubrics_append_only ON rubrics;
CREATE FUNCTION kaoping_rubric_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM periods WHERE rubric_id = OLD.id) THEN
            RAISE EXCEPTION 'a rubric version a period uses cannot be deleted';
        END IF;
        RETURN OLD;
    END IF;
    IF (NEW.id, NEW.name, NEW.version, NEW.toml, NEW.created_by, NEW.created_at)
        IS DISTINCT FROM (OLD.id, OLD.name, OLD.version, OLD.toml, OLD.created_by, OLD.created_at) THEN
        RAISE EXCEPTION 'rubric versions are append-only';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER rubrics_append_only BEFORE UPDATE OR DELETE ON rubrics
    FOR EACH ROW EXECUTE FUNCTION kaoping_rubric_kept();

-- The runtime role may now edit departments, units and their groups, a rubric version's label, and delete
-- what nothing uses (the application checks, in the transaction of the delete).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kaoping_runtime') THEN
        GRANT UPDATE, DELETE ON departments, org_units, org_unit_groups TO kaoping_runtime;
        GRANT DELETE ON periods, period_units, rubrics TO kaoping_runtime;
        GRANT UPDATE (label) ON rubrics TO kaoping_runtime;
    END IF;
END
$$;
