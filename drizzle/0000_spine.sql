CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`owner_id` text,
	`allow_negative` integer DEFAULT false NOT NULL,
	`debits_posted_msats` integer DEFAULT 0 NOT NULL,
	`credits_posted_msats` integer DEFAULT 0 NOT NULL,
	`debits_pending_msats` integer DEFAULT 0 NOT NULL,
	`credits_pending_msats` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	CONSTRAINT "accounts_available_not_negative" CHECK("accounts"."allow_negative" = 1 OR "accounts"."credits_posted_msats" - "accounts"."debits_posted_msats" - "accounts"."debits_pending_msats" >= 0),
	CONSTRAINT "accounts_totals_not_negative" CHECK("accounts"."debits_posted_msats" >= 0 AND "accounts"."credits_posted_msats" >= 0 AND "accounts"."debits_pending_msats" >= 0 AND "accounts"."credits_pending_msats" >= 0)
);
--> statement-breakpoint
CREATE INDEX `accounts_owner_idx` ON `accounts` (`owner_id`);--> statement-breakpoint
CREATE TABLE `agents` (
	`id` text PRIMARY KEY NOT NULL,
	`sponsor_id` text NOT NULL,
	`name` text NOT NULL,
	`status` text DEFAULT 'Active' NOT NULL,
	`npub` text NOT NULL,
	`nostr_secret_key` text,
	`lightning_address` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`sponsor_id`) REFERENCES `sponsors`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `agents_sponsor_idx` ON `agents` (`sponsor_id`);--> statement-breakpoint
CREATE TABLE `holds` (
	`id` text PRIMARY KEY NOT NULL,
	`debit_account_id` text NOT NULL,
	`credit_account_id` text NOT NULL,
	`amount_msats` integer NOT NULL,
	`entry_type` text NOT NULL,
	`status` text NOT NULL,
	`posted_msats` integer DEFAULT 0 NOT NULL,
	`reference` text,
	`expires_at` text,
	`created_at` text NOT NULL,
	`resolved_at` text,
	FOREIGN KEY (`debit_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`credit_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `holds_status_expiry_idx` ON `holds` (`status`,`expires_at`);--> statement-breakpoint
CREATE INDEX `holds_debit_idx` ON `holds` (`debit_account_id`,`status`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`caller_id` text NOT NULL,
	`tool` text NOT NULL,
	`key` text NOT NULL,
	`args_hash` text NOT NULL,
	`result_json` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`caller_id`, `tool`, `key`)
);
--> statement-breakpoint
CREATE TABLE `sponsors` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`low_balance_days` integer DEFAULT 7 NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`principal_kind` text NOT NULL,
	`principal_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tokens_hash_idx` ON `tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `tokens_principal_idx` ON `tokens` (`principal_kind`,`principal_id`);--> statement-breakpoint
CREATE TABLE `transfers` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`debit_account_id` text NOT NULL,
	`credit_account_id` text NOT NULL,
	`amount_msats` integer NOT NULL,
	`entry_type` text NOT NULL,
	`phase` text NOT NULL,
	`pending_id` text,
	`reference` text,
	`description` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	FOREIGN KEY (`debit_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`credit_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "transfers_amount_positive" CHECK("transfers"."amount_msats" > 0),
	CONSTRAINT "transfers_distinct_accounts" CHECK("transfers"."debit_account_id" <> "transfers"."credit_account_id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX `transfers_id_idx` ON `transfers` (`id`);--> statement-breakpoint
CREATE INDEX `transfers_debit_idx` ON `transfers` (`debit_account_id`,`seq`);--> statement-breakpoint
CREATE INDEX `transfers_credit_idx` ON `transfers` (`credit_account_id`,`seq`);