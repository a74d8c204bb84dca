-- SQLite's implicit rowid (insertion order), which the stores select and order by on
-- these three tables: here a real column of that name, so the same SQL text reads it.
-- Not in src/db/pg/schema.ts, so drizzle's selects return what they return on SQLite.
ALTER TABLE skills ADD COLUMN rowid bigint GENERATED ALWAYS AS IDENTITY;
--> statement-breakpoint
CREATE UNIQUE INDEX skills_rowid_idx ON skills (rowid);
--> statement-breakpoint
ALTER TABLE data_listings ADD COLUMN rowid bigint GENERATED ALWAYS AS IDENTITY;
--> statement-breakpoint
CREATE UNIQUE INDEX data_listings_rowid_idx ON data_listings (rowid);
--> statement-breakpoint
ALTER TABLE coalition_members ADD COLUMN rowid bigint GENERATED ALWAYS AS IDENTITY;
