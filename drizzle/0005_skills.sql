CREATE TABLE `skill_installs` (
	`agent_id` text NOT NULL,
	`skill_id` text NOT NULL,
	`version` text NOT NULL,
	`referrer_id` text,
	`installed_at` text NOT NULL,
	`uninstalled_at` text,
	PRIMARY KEY(`agent_id`, `skill_id`),
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`skill_id`) REFERENCES `skills`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `skill_installs_skill_idx` ON `skill_installs` (`skill_id`);--> statement-breakpoint
CREATE TABLE `skill_reviews` (
	`skill_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`rating` integer NOT NULL,
	`text` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`skill_id`, `agent_id`),
	FOREIGN KEY (`skill_id`) REFERENCES `skills`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `skill_usage` (
	`id` text PRIMARY KEY NOT NULL,
	`skill_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`kind` text NOT NULL,
	`calls` integer NOT NULL,
	`input_tokens` integer NOT NULL,
	`output_tokens` integer NOT NULL,
	`cost_sats` integer NOT NULL,
	`creator_sats` integer NOT NULL,
	`compute_sats` integer NOT NULL,
	`platform_sats` integer NOT NULL,
	`referrer_sats` integer NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`skill_id`) REFERENCES `skills`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `skill_usage_skill_idx` ON `skill_usage` (`skill_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `skill_versions` (
	`skill_id` text NOT NULL,
	`version` text NOT NULL,
	`status` text NOT NULL,
	`listing` text NOT NULL,
	`readme` text DEFAULT '' NOT NULL,
	`changelog` text,
	`pricing` text NOT NULL,
	`revenue_split` text NOT NULL,
	`files` text NOT NULL,
	`content_sha256` text NOT NULL,
	`signature` text NOT NULL,
	`scan_findings` text DEFAULT '[]' NOT NULL,
	`review_reason` text,
	`created_at` text NOT NULL,
	`published_at` text,
	PRIMARY KEY(`skill_id`, `version`),
	FOREIGN KEY (`skill_id`) REFERENCES `skills`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `skills` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`author_id` text NOT NULL,
	`author_kind` text NOT NULL,
	`icon_url` text,
	`required_mcp_servers` text DEFAULT '[]' NOT NULL,
	`pricing` text NOT NULL,
	`reference_price_sats` integer DEFAULT 0 NOT NULL,
	`revenue_split` text NOT NULL,
	`latest_version` text,
	`rating_sum` integer DEFAULT 0 NOT NULL,
	`rating_count` integer DEFAULT 0 NOT NULL,
	`installs` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `skills_slug_idx` ON `skills` (`slug`);--> statement-breakpoint
CREATE INDEX `skills_author_idx` ON `skills` (`author_id`);--> statement-breakpoint
ALTER TABLE `sponsors` ADD `npub` text;--> statement-breakpoint
ALTER TABLE `sponsors` ADD `nostr_secret_key` text;