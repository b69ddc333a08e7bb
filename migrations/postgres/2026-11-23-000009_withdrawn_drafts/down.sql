-- Fails while a withdrawn record exists: turning it back into a draft would revive it.
ALTER TABLE sightings DROP CONSTRAINT sightings_withdrawn_check;
ALTER TABLE sightings DROP CONSTRAINT sightings_status_check;
ALTER TABLE sightings ADD CONSTRAINT sightings_status_check
    CHECK (status IN ('draft', 'final'));
ALTER TABLE sightings DROP COLUMN withdrawn_at;
