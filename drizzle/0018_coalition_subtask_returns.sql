ALTER TABLE `coalition_subtasks` ADD `handed_in_at` text;--> statement-breakpoint
ALTER TABLE `coalition_subtasks` ADD `return_reason` text;--> statement-breakpoint
UPDATE `coalition_subtasks` SET `handed_in_at` = `updated_at` WHERE `status` IN ('submitted', 'accepted');