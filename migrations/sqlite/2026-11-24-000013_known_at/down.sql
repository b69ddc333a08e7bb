DROP TABLE calendar_versions;
DROP TABLE policy_versions;
DROP TABLE attendance_versions;
DROP TABLE action_versions;
ALTER TABLE core_group_members DROP COLUMN ended_at;
ALTER TABLE plans DROP COLUMN ended_at;
ALTER TABLE sightings DROP COLUMN superseded_at;
