CREATE TABLE `bounties` (
	`id` text PRIMARY KEY NOT NULL,
	`creator_id` text NOT NULL,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`reward_msats` integer NOT NULL,
	`min_samples` integer NOT NULL,
	`required_format` text NOT NULL,
	`schema` text,
	`deadline` text,
	`hold_id` text,
	`paid_msats` integer DEFAULT 0 NOT NULL,
	`accepted_samples` integer DEFAULT 0 NOT NULL,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`creator_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `bounties_creator_idx` ON `bounties` (`creator_id`,`id`);--> statement-breakpoint
CREATE INDEX `bounties_status_deadline_idx` ON `bounties` (`status`,`deadline`);--> statement-breakpoint
CREATE TABLE `bounty_sample_hashes` (
	`bounty_id` text NOT NULL,
	`sha256` text NOT NULL,
	`submission_id` text NOT NULL,
	PRIMARY KEY(`bounty_id`, `sha256`),
	FOREIGN KEY (`bounty_id`) REFERENCES `bounties`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`submission_id`) REFERENCES `bounty_submissions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `bounty_submissions` (
	`id` text PRIMARY KEY NOT NULL,
	`bounty_id` text NOT NULL,
	`contributor_id` text NOT NULL,
	`samples` text,
	`sample_count` integer NOT NULL,
	`metadata` text NOT NULL,
	`verification` text NOT NULL,
	`status` text NOT NULL,
	`accepted_samples` integer DEFAULT 0 NOT NULL,
	`paid_msats` integer DEFAULT 0 NOT NULL,
	`reason` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`bounty_id`) REFERENCES `bounties`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`contributor_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `bounty_submissions_bounty_idx` ON `bounty_submissions` (`bounty_id`,`id`);--> statement-breakpoint
CREATE INDEX `bounty_submissions_contributor_idx` ON `bounty_submissions` (`contributor_id`,`id`);--> statement-breakpoint
CREATE TABLE `data_listings` (
	`id` text PRIMARY KEY NOT NULL,
	`seller_id` text NOT NULL,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`listing_type` text NOT NULL,
	`format` text,
	`size_bytes` integer,
	`record_count` integer,
	`license` text,
	`price_msats` integer NOT NULL,
	`sha256` text NOT NULL,
	`location` text,
	`sample` text,
	`status` text NOT NULL,
	`purchases` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`seller_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `data_listings_seller_idx` ON `data_listings` (`seller_id`,`id`);--> statement-breakpoint
CREATE INDEX `data_listings_status_price_idx` ON `data_listings` (`status`,`price_msats`);--> statement-breakpoint
CREATE TABLE `data_purchases` (
	`id` text PRIMARY KEY NOT NULL,
	`listing_id` text NOT NULL,
	`buyer_id` text NOT NULL,
	`seller_id` text NOT NULL,
	`price_msats` integer NOT NULL,
	`sha256` text NOT NULL,
	`hold_id` text,
	`status` text NOT NULL,
	`confirm_deadline` text NOT NULL,
	`access_until` text,
	`received_sha256` text,
	`completed_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`listing_id`) REFERENCES `data_listings`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`buyer_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`seller_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `data_purchases_buyer_idx` ON `data_purchases` (`buyer_id`,`id`);--> statement-breakpoint
CREATE INDEX `data_purchases_seller_idx` ON `data_purchases` (`seller_id`,`id`);--> statement-breakpoint
CREATE INDEX `data_purchases_listing_buyer_idx` ON `data_purchases` (`listing_id`,`buyer_id`);--> statement-breakpoint
CREATE INDEX `data_purchases_due_idx` ON `data_purchases` (`status`,`confirm_deadline`);--> statement-breakpoint
CREATE TABLE `marketplace_settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `disputes` ADD `max_msats` integer DEFAULT 0 NOT NULL;