-- A change of visiting frequency is dated: in force from `in_force_from` (domain.md §4,
-- seed 001 §7). Changes recorded before it had no date and applied to the whole plan, so
-- they take the plan's start: every status and report answers as it did. (SQLite adds a
-- NOT NULL column only with a default; every row is then set.)
ALTER TABLE plan_frequency_changes ADD COLUMN in_force_from DATE NOT NULL DEFAULT '1970-01-01';
UPDATE plan_frequency_changes SET in_force_from =
    (SELECT start_date FROM plans WHERE plans.id = plan_frequency_changes.plan_id);
