CREATE TABLE `lightning_invoices` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_kind` text NOT NULL,
	`owner_id` text NOT NULL,
	`amount_msats` integer NOT NULL,
	`memo` text,
	`bolt11` text,
	`payment_hash` text,
	`rail` text NOT NULL,
	`status` text NOT NULL,
	`expires_at` text,
	`credited_at` text,
	`transfer_id` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `lightning_invoices_hash_idx` ON `lightning_invoices` (`payment_hash`);--> statement-breakpoint
CREATE INDEX `lightning_invoices_status_idx` ON `lightning_invoices` (`status`,`expires_at`);--> statement-breakpoint
CREATE TABLE `sandbox_invoices` (
	`payment_hash` text PRIMARY KEY NOT NULL,
	`direction` text DEFAULT 'incoming' NOT NULL,
	`amount_msats` integer NOT NULL,
	`expires_at` text NOT NULL,
	`paid_at` text
);
--> statement-breakpoint
CREATE TABLE `withdrawals` (
	`id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`bolt11` text NOT NULL,
	`payment_hash` text NOT NULL,
	`lightning_address` text,
	`amount_msats` integer NOT NULL,
	`max_fee_msats` integer NOT NULL,
	`hold_id` text NOT NULL,
	`rail` text NOT NULL,
	`status` text NOT NULL,
	`fee_msats` integer,
	`preimage` text,
	`error` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `withdrawals_agent_idx` ON `withdrawals` (`agent_id`,`id`);--> statement-breakpoint
CREATE INDEX `withdrawals_hash_idx` ON `withdrawals` (`payment_hash`);--> statement-breakpoint
CREATE INDEX `withdrawals_status_idx` ON `withdrawals` (`status`);