CREATE TABLE `disputes` (
	`id` text PRIMARY KEY NOT NULL,
	`subject_kind` text NOT NULL,
	`subject_id` text NOT NULL,
	`claimant_id` text NOT NULL,
	`respondent_id` text NOT NULL,
	`dispute_type` text NOT NULL,
	`amount_msats` integer NOT NULL,
	`evidence` text NOT NULL,
	`response` text,
	`status` text NOT NULL,
	`resolution` text,
	`refund_msats` integer DEFAULT 0 NOT NULL,
	`debt_msats` integer DEFAULT 0 NOT NULL,
	`resolution_reason` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`claimant_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`respondent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `disputes_subject_idx` ON `disputes` (`subject_kind`,`subject_id`);--> statement-breakpoint
CREATE INDEX `disputes_respondent_idx` ON `disputes` (`respondent_id`);