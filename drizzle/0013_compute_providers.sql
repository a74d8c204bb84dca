CREATE TABLE `compute_providers` (
	`id` text PRIMARY KEY NOT NULL,
	`agent_id` text,
	`npub` text NOT NULL,
	`name` text NOT NULL,
	`about` text,
	`kinds` text NOT NULL,
	`price_msats` integer NOT NULL,
	`regions` text NOT NULL,
	`residency` text NOT NULL,
	`source` text NOT NULL,
	`approved` integer DEFAULT false NOT NULL,
	`completed` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`response_ms_total` integer DEFAULT 0 NOT NULL,
	`uptime_pct` real DEFAULT 100 NOT NULL,
	`last_completed_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `compute_providers_npub_idx` ON `compute_providers` (`npub`);--> statement-breakpoint
CREATE INDEX `compute_providers_agent_idx` ON `compute_providers` (`agent_id`);--> statement-breakpoint
CREATE TABLE `provider_ratings` (
	`provider_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`stars` integer NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`provider_id`, `agent_id`),
	FOREIGN KEY (`provider_id`) REFERENCES `compute_providers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
