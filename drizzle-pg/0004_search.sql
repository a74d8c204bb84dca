-- Full-text search, PostgreSQL's way (SQLite: skills_fts in 0006, data_listings_fts in
-- 0011). Words are folded as FTS5's unicode61 tokenizer with remove_diacritics 2 folds
-- them: lower case, accents removed, no stemming, no stop words. Weights A-D stand for
-- the bm25 column weights; the store ranks with ts_rank_cd (src/db/pg/ts-query.ts).
CREATE EXTENSION IF NOT EXISTS unaccent;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION marketplace_search (COPY = simple);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION marketplace_search ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
--> statement-breakpoint
-- One field's part of a search vector. Punctuation becomes a space first: unicode61 splits
-- at every punctuation mark, where PostgreSQL's parser keeps hosts, e-mail addresses,
-- paths and version numbers whole ("example.com" would not be found by "example").
-- Words are split and case-folded by the database's LC_CTYPE: it must be a UTF-8 one
-- (C.UTF-8, en_US.UTF-8) for letters outside ASCII to fold and punctuation outside ASCII
-- to split, as they do in SQLite.
-- Its search_path is fixed here: pg_restore recomputes the generated column below with an
-- empty one, where 'marketplace_search' would not be found.
CREATE FUNCTION marketplace_search_field(field text, weight "char") RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
  SELECT setweight(to_tsvector('marketplace_search'::regconfig, regexp_replace(coalesce(field, ''), '[[:punct:]]+', ' ', 'g')), weight)
$$;
--> statement-breakpoint
-- A skill is in the index while it has a published version (latest_version), as SQLite's
-- indexSkill keeps it: name, description, tags, and that version's readme. The readme
-- lives in skill_versions, so a trigger (not a generated column) computes the vector;
-- the domain sets latest_version whenever it would reindex, which fires it.
ALTER TABLE skills ADD COLUMN search_vector tsvector;
--> statement-breakpoint
CREATE FUNCTION skills_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.latest_version IS NULL THEN
    NEW.search_vector := NULL;
  ELSE
    NEW.search_vector :=
      marketplace_search_field(NEW.name, 'A') ||
      marketplace_search_field(NEW.description, 'B') ||
      marketplace_search_field((SELECT string_agg(tag, ' ' ORDER BY n) FROM json_array_elements_text(NEW.tags::json) WITH ORDINALITY AS t(tag, n)), 'C') ||
      marketplace_search_field((SELECT readme FROM skill_versions WHERE skill_id = NEW.id AND version = NEW.latest_version), 'D');
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER skills_search_vector BEFORE INSERT OR UPDATE OF name, description, tags, latest_version ON skills FOR EACH ROW EXECUTE FUNCTION skills_search_vector();
--> statement-breakpoint
CREATE INDEX skills_search_idx ON skills USING gin (search_vector);
--> statement-breakpoint
-- Only active listings are in the index (as SQLite's indexListing keeps it).
ALTER TABLE data_listings ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
  CASE WHEN status = 'Active' THEN
    marketplace_search_field(title, 'A') || marketplace_search_field(description, 'B') || marketplace_search_field(format, 'C') || marketplace_search_field(license, 'D')
  END
) STORED;
--> statement-breakpoint
CREATE INDEX data_listings_search_idx ON data_listings USING gin (search_vector);
