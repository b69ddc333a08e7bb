-- "As known at" (domain.md §3): every change that alters what a status or report says keeps
-- when it was recorded, so that an answer asked again with the `known_at` it carried is the
-- same, whatever was recorded since. Rows from before this migration take the best time the
-- store kept (a correction's own creation, the row's last update).
ALTER TABLE sightings ADD COLUMN superseded_at TIMESTAMP;
UPDATE sightings SET superseded_at =
    (SELECT c.created_at FROM sightings c WHERE c.id = sightings.superseded_by_id)
    WHERE superseded_by_id IS NOT NULL;

ALTER TABLE plans ADD COLUMN ended_at TIMESTAMP;
UPDATE plans SET ended_at = updated_at WHERE end_date IS NOT NULL;

ALTER TABLE core_group_members ADD COLUMN ended_at TIMESTAMP;
UPDATE core_group_members SET ended_at = created_at WHERE until_date IS NOT NULL;

-- Every version of every action, as written.
CREATE TABLE action_versions (
    action_id   TEXT NOT NULL REFERENCES actions (id),
    version     INTEGER NOT NULL,
    description TEXT NOT NULL,
    owner_id    TEXT NOT NULL,
    agency_id   TEXT NOT NULL,
    due_on      DATE NOT NULL,
    status      TEXT NOT NULL,
    closed_on   DATE,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (action_id, version)
);
INSERT INTO action_versions
    SELECT id, version, description, owner_id, agency_id, due_on, status, closed_on, updated_at
    FROM actions;

-- Every attendance list recorded for a meeting (a list replaces the one before it).
CREATE TABLE attendance_versions (
    id          TEXT PRIMARY KEY,
    meeting_id  TEXT NOT NULL REFERENCES meetings (id),
    entries     TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX attendance_versions_meeting ON attendance_versions (meeting_id, recorded_at);
INSERT INTO attendance_versions
    SELECT 'v-' || meeting_id, meeting_id,
           json_group_array(json_object('user_id', user_id, 'status', status,
                                        'contribution', contribution)),
           max(recorded_at)
    FROM meeting_attendance GROUP BY meeting_id;

-- Every rule setting document saved.
CREATE TABLE policy_versions (
    id          TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
INSERT INTO policy_versions SELECT 'initial', value, updated_at FROM settings WHERE key = 'policy';

-- Every calendar imported.
CREATE TABLE calendar_versions (
    id          TEXT PRIMARY KEY,
    region      TEXT NOT NULL,
    first_date  DATE NOT NULL,
    last_date   DATE NOT NULL,
    holidays    TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL
);
INSERT INTO calendar_versions
    SELECT 'initial-' || region, region, first_date, last_date, holidays, imported_at FROM calendars;
