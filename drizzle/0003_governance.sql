CREATE TABLE `approvals` (
	`id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`sponsor_id` text NOT NULL,
	`tool` text NOT NULL,
	`args_json` text NOT NULL,
	`idempotency_key` text,
	`action_type` text NOT NULL,
	`amount_msats` integer NOT NULL,
	`counterparty` text,
	`reason` text NOT NULL,
	`rule` text NOT NULL,
	`policy_version` integer NOT NULL,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`decided_at` text,
	`decided_by` text,
	`decision_reason` text,
	`result_json` text,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`sponsor_id`) REFERENCES `sponsors`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `approvals_sponsor_idx` ON `approvals` (`sponsor_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `approvals_agent_idx` ON `approvals` (`agent_id`,`id`);--> statement-breakpoint
CREATE INDEX `approvals_expiry_idx` ON `approvals` (`status`,`expires_at`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`sponsor_id` text NOT NULL,
	`agent_id` text,
	`caller_role` text NOT NULL,
	`caller_id` text NOT NULL,
	`tool` text NOT NULL,
	`action_type` text NOT NULL,
	`amount_msats` integer NOT NULL,
	`counterparty` text,
	`outcome` text NOT NULL,
	`rule` text NOT NULL,
	`policy_version` integer,
	`approval_id` text,
	`message` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_id_idx` ON `audit_log` (`id`);--> statement-breakpoint
CREATE INDEX `audit_sponsor_idx` ON `audit_log` (`sponsor_id`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_agent_idx` ON `audit_log` (`agent_id`,`outcome`,`created_at`);--> statement-breakpoint
CREATE TABLE `budget_alerts` (
	`agent_id` text NOT NULL,
	`period` text NOT NULL,
	`period_start` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`agent_id`, `period`, `period_start`),
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `console_sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`sponsor_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`csrf_token` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	FOREIGN KEY (`sponsor_id`) REFERENCES `sponsors`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `policies` (
	`agent_id` text NOT NULL,
	`version` integer NOT NULL,
	`document` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`agent_id`, `version`),
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`sponsor_id` text NOT NULL,
	`event` text NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text NOT NULL,
	`last_error` text,
	`created_at` text NOT NULL,
	`delivered_at` text,
	FOREIGN KEY (`sponsor_id`) REFERENCES `sponsors`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `webhook_due_idx` ON `webhook_deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
ALTER TABLE `agents` ADD `reputation` real;--> statement-breakpoint
ALTER TABLE `agents` ADD `status_changed_at` text;--> statement-breakpoint
ALTER TABLE `sponsors` ADD `default_policy` text;--> statement-breakpoint
ALTER TABLE `sponsors` ADD `webhook_url` text;--> statement-breakpoint
ALTER TABLE `sponsors` ADD `webhook_secret` text;--> statement-breakpoint
ALTER TABLE `transfers` ADD `memo` text;--> statement-breakpoint
CREATE INDEX `transfers_pair_idx` ON `transfers` (`debit_account_id`,`credit_account_id`);