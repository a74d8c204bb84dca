ALTER TABLE `approvals` ADD `agent_seen_at` text;--> statement-breakpoint
CREATE INDEX `coalition_members_agent_idx` ON `coalition_members` (`agent_id`,`status`);--> statement-breakpoint
CREATE INDEX `coalition_subtasks_assignee_idx` ON `coalition_subtasks` (`assignee_id`,`status`);--> statement-breakpoint
CREATE INDEX `coalitions_coordinator_idx` ON `coalitions` (`coordinator_id`);