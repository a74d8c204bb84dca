ALTER TABLE `bounties` ADD `min_quality_milli` integer;--> statement-breakpoint
ALTER TABLE `bounty_submissions` ADD `receipt` text;