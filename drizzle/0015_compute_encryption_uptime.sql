ALTER TABLE `compute_jobs` ADD `encrypted` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `compute_providers` ADD `uptime_checks` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `compute_providers` ADD `uptime_seen` integer DEFAULT 0 NOT NULL;