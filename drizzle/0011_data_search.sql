-- Full-text search over data listings (bm25). rowid = data_listings.rowid; the domain
-- keeps it in step with data_listings in the same transaction.
CREATE VIRTUAL TABLE `data_listings_fts` USING fts5(title, description, format, license, tokenize = 'unicode61 remove_diacritics 2');
--> statement-breakpoint
-- Disputes filed before max_msats existed were all over contracts, at their agreed price.
UPDATE `disputes` SET `max_msats` = (SELECT `agreed_msats` FROM `contracts` WHERE `contracts`.`id` = `disputes`.`subject_id`) WHERE `subject_kind` = 'contract' AND `max_msats` = 0;
