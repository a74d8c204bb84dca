CREATE TABLE `daily_debits` (
	`account_id` text NOT NULL,
	`day` text NOT NULL,
	`entry_type` text NOT NULL,
	`amount_msats` integer NOT NULL,
	PRIMARY KEY(`account_id`, `day`, `entry_type`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
