-- Full-text search over the catalogue (bm25). rowid = skills.rowid; the domain keeps it
-- in step with skills in the same transaction.
CREATE VIRTUAL TABLE `skills_fts` USING fts5(name, description, tags, readme, tokenize = 'unicode61 remove_diacritics 2');
