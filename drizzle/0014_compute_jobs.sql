CREATE TABLE `compute_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`kind` integer NOT NULL,
	`input` text NOT NULL,
	`params` text NOT NULL,
	`max_price_msats` integer NOT NULL,
	`failover_policy` text NOT NULL,
	`chain` text NOT NULL,
	`timeout_seconds` integer NOT NULL,
	`hold_id` text NOT NULL,
	`status` text NOT NULL,
	`provider_id` text,
	`cost_msats` integer DEFAULT 0 NOT NULL,
	`result` text,
	`attempts` text DEFAULT '[]' NOT NULL,
	`error` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `compute_jobs_agent_idx` ON `compute_jobs` (`agent_id`,`id`);--> statement-breakpoint
CREATE INDEX `compute_jobs_status_idx` ON `compute_jobs` (`status`);