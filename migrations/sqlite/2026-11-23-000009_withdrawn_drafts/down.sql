-- Fails while a withdrawn record exists: turning it back into a draft would revive it.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE sightings_rebuilt (
    id                TEXT PRIMARY KEY,
    child_id          TEXT NOT NULL REFERENCES children (id),
    author_id         TEXT NOT NULL REFERENCES users (id),
    agency_id         TEXT NOT NULL REFERENCES agencies (id),
    -- Recorded by a social worker or team manager of a social-care agency.
    by_social_care    BOOLEAN NOT NULL,
    occurred_at       TIMESTAMP NOT NULL,
    -- occurred_at as a local date in the service's zone.
    occurred_on       DATE NOT NULL,
    location          TEXT NOT NULL CHECK (location IN ('home', 'school', 'nursery', 'health_setting', 'police_station', 'office', 'community', 'other')),
    kind              TEXT NOT NULL CHECK (kind IN ('home_visit', 'school_contact', 'health_contact', 'police_contact', 'other_contact')),
    outcome           TEXT NOT NULL CHECK (outcome IN ('seen_alone', 'seen_with_carer', 'seen', 'not_seen', 'not_present')),
    announced         BOOLEAN,
    bedroom_seen      BOOLEAN,
    baby_awake        BOOLEAN,
    observations      TEXT,
    childs_voice      TEXT,
    people_present    TEXT,
    status            TEXT NOT NULL CHECK (status IN ('draft', 'final')),
    finalised_at      TIMESTAMP,
    -- Corrections: the record this one replaces, and the one that replaced this.
    supersedes_id     TEXT REFERENCES sightings (id),
    superseded_by_id  TEXT REFERENCES sightings (id),
    correction_reason TEXT,
    -- Records made together in one family visit share this id (one record per child).
    visit_id          TEXT,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
INSERT INTO sightings_rebuilt (id, child_id, author_id, agency_id, by_social_care, occurred_at, occurred_on, location, kind, outcome, announced, bedroom_seen, baby_awake, observations, childs_voice, people_present, status, finalised_at, supersedes_id, superseded_by_id, correction_reason, visit_id, created_at, updated_at)
    SELECT id, child_id, author_id, agency_id, by_social_care, occurred_at, occurred_on, location, kind, outcome, announced, bedroom_seen, baby_awake, observations, childs_voice, people_present, status, finalised_at, supersedes_id, superseded_by_id, correction_reason, visit_id, created_at, updated_at FROM sightings;
DROP TABLE sightings;
ALTER TABLE sightings_rebuilt RENAME TO sightings;
CREATE INDEX sightings_child_idx ON sightings (child_id, occurred_at);
CREATE INDEX sightings_author_idx ON sightings (author_id);
CREATE INDEX sightings_visit_idx ON sightings (visit_id);
COMMIT;
PRAGMA foreign_keys = ON;
