ALTER TABLE visit_decisions DROP COLUMN recorded_at;
