-- A decision's decided_at is when the discussion took place (seed 001 §3), which may be before
-- it was typed in; recorded_at is when it was. Earlier rows were decided when recorded.
ALTER TABLE visit_decisions ADD COLUMN recorded_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE visit_decisions SET recorded_at = decided_at;
