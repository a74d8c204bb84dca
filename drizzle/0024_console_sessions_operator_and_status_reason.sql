PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_console_sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`sponsor_id` text,
	`token_hash` text NOT NULL,
	`csrf_token` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	FOREIGN KEY (`sponsor_id`) REFERENCES `sponsors`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_console_sessions`("id_hash", "sponsor_id", "token_hash", "csrf_token", "created_at", "expires_at") SELECT "id_hash", "sponsor_id", "token_hash", "csrf_token", "created_at", "expires_at" FROM `console_sessions`;--> statement-breakpoint
DROP TABLE `console_sessions`;--> statement-breakpoint
ALTER TABLE `__new_console_sessions` RENAME TO `console_sessions`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
ALTER TABLE `agents` ADD `status_reason` text;