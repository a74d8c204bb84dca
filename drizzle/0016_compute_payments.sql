CREATE TABLE `compute_payments` (
	`id` text PRIMARY KEY NOT NULL,
	`job_id` text NOT NULL,
	`provider_id` text NOT NULL,
	`payment_hash` text NOT NULL,
	`amount_msats` integer NOT NULL,
	`fee_msats` integer,
	`status` text NOT NULL,
	`error` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`job_id`) REFERENCES `compute_jobs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `compute_payments_hash_idx` ON `compute_payments` (`payment_hash`);--> statement-breakpoint
CREATE INDEX `compute_payments_job_idx` ON `compute_payments` (`job_id`);--> statement-breakpoint
CREATE INDEX `compute_payments_status_idx` ON `compute_payments` (`status`);