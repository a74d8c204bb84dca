-- Transfers are immutable: a correction is a new reversing transfer, never an edit.
CREATE TRIGGER `transfers_no_update` BEFORE UPDATE ON `transfers`
BEGIN
  SELECT RAISE(ABORT, 'transfers are immutable: record a reversing transfer instead');
END;
--> statement-breakpoint
CREATE TRIGGER `transfers_no_delete` BEFORE DELETE ON `transfers`
BEGIN
  SELECT RAISE(ABORT, 'transfers are immutable: record a reversing transfer instead');
END;
