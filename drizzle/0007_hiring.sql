CREATE TABLE `agent_profiles` (
	`agent_id` text PRIMARY KEY NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`skills` text DEFAULT '[]' NOT NULL,
	`mcp_servers` text DEFAULT '[]' NOT NULL,
	`price_hint_sats` integer,
	`availability` text DEFAULT 'available' NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `contracts` (
	`id` text PRIMARY KEY NOT NULL,
	`hirer_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`description` text NOT NULL,
	`required_skills` text DEFAULT '[]' NOT NULL,
	`budget_msats` integer NOT NULL,
	`agreed_msats` integer NOT NULL,
	`hold_id` text NOT NULL,
	`status` text NOT NULL,
	`deadline` text,
	`delivery_result` text,
	`delivery_sha256` text,
	`delivery_url` text,
	`delivered_at` text,
	`review_deadline` text,
	`reject_reason` text,
	`hirer_rating` integer,
	`worker_rating` integer,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`hirer_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `contracts_hirer_idx` ON `contracts` (`hirer_id`,`id`);--> statement-breakpoint
CREATE INDEX `contracts_agent_idx` ON `contracts` (`agent_id`,`id`);--> statement-breakpoint
CREATE INDEX `contracts_status_idx` ON `contracts` (`status`,`deadline`);