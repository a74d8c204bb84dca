-- Transfers are immutable: a correction is a new reversing transfer, never an edit.
-- As SQLite's 0001: every UPDATE and DELETE of a row is refused. TRUNCATE skips row
-- triggers here (SQLite has none), so it is refused as well.
CREATE FUNCTION transfers_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'transfers are immutable: record a reversing transfer instead' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER transfers_no_update BEFORE UPDATE ON transfers FOR EACH ROW EXECUTE FUNCTION transfers_immutable();
--> statement-breakpoint
CREATE TRIGGER transfers_no_delete BEFORE DELETE ON transfers FOR EACH ROW EXECUTE FUNCTION transfers_immutable();
--> statement-breakpoint
CREATE TRIGGER transfers_no_truncate BEFORE TRUNCATE ON transfers FOR EACH STATEMENT EXECUTE FUNCTION transfers_immutable();
