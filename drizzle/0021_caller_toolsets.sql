CREATE TABLE `caller_toolsets` (
	`principal_id` text PRIMARY KEY NOT NULL,
	`toolsets` text NOT NULL,
	`updated_at` text NOT NULL
);
