-- A draft its author withdraws is kept for the audit trail, marked `withdrawn` with the time;
-- it counts for nothing.
ALTER TABLE sightings ADD COLUMN withdrawn_at TIMESTAMP;
ALTER TABLE sightings DROP CONSTRAINT sightings_status_check;
ALTER TABLE sightings ADD CONSTRAINT sightings_status_check
    CHECK (status IN ('draft', 'final', 'withdrawn'));
ALTER TABLE sightings ADD CONSTRAINT sightings_withdrawn_check
    CHECK ((status = 'withdrawn') = (withdrawn_at IS NOT NULL));
