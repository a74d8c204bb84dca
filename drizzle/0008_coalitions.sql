CREATE TABLE `coalition_members` (
	`coalition_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`status` text NOT NULL,
	`fixed_msats` integer,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`coalition_id`, `agent_id`),
	FOREIGN KEY (`coalition_id`) REFERENCES `coalitions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `coalition_subtasks` (
	`coalition_id` text NOT NULL,
	`round` integer NOT NULL,
	`key` text NOT NULL,
	`title` text NOT NULL,
	`weight` integer DEFAULT 1 NOT NULL,
	`depends_on` text DEFAULT '[]' NOT NULL,
	`assignee_id` text,
	`bids` text DEFAULT '[]' NOT NULL,
	`status` text NOT NULL,
	`result` text,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`coalition_id`, `round`, `key`),
	FOREIGN KEY (`coalition_id`) REFERENCES `coalitions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `coalitions` (
	`id` text PRIMARY KEY NOT NULL,
	`coalition_type` text NOT NULL,
	`task_description` text NOT NULL,
	`funder_id` text NOT NULL,
	`coordinator_id` text,
	`target_member_count` integer NOT NULL,
	`payment_structure` text NOT NULL,
	`aggregation` text NOT NULL,
	`pool_msats` integer NOT NULL,
	`hold_id` text,
	`status` text NOT NULL,
	`round` integer DEFAULT 1 NOT NULL,
	`result` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`funder_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `coalitions_funder_idx` ON `coalitions` (`funder_id`);