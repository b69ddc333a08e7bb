ALTER TABLE plan_frequency_changes DROP COLUMN in_force_from;
