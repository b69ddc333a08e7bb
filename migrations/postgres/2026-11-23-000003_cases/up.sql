-- Children, plans, core groups and sightings (domain.md §2).

CREATE TABLE families (
    id         TEXT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE children (
    id            TEXT PRIMARY KEY,
    given_name    TEXT NOT NULL,
    family_name   TEXT NOT NULL,
    date_of_birth DATE NOT NULL,
    family_id     TEXT REFERENCES families (id),
    created_by    TEXT NOT NULL REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX children_family_idx ON children (family_id);

CREATE TABLE plans (
    id                    TEXT PRIMARY KEY,
    child_id              TEXT NOT NULL REFERENCES children (id),
    start_date            DATE NOT NULL,
    category              TEXT NOT NULL CHECK (category IN ('neglect', 'physical', 'sexual', 'emotional', 'multiple')),
    team_id               TEXT NOT NULL REFERENCES teams (id),
    lead_social_worker_id TEXT NOT NULL REFERENCES users (id),
    cp_chair_id           TEXT NOT NULL REFERENCES users (id),
    -- The plan's own visiting frequency; the policy's default when both are null.
    visit_every           INTEGER,
    visit_unit            TEXT CHECK (visit_unit IN ('working_days', 'calendar_days')),
    region                TEXT NOT NULL CHECK (region IN ('england-and-wales', 'scotland', 'northern-ireland')),
    end_date              DATE,
    end_reason            TEXT CHECK (end_reason IN ('step_down_to_cin', 'no_longer_at_risk', 'moved_area', 'care_proceedings', 'other')),
    created_by            TEXT NOT NULL REFERENCES users (id),
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
CREATE INDEX plans_child_idx ON plans (child_id);
CREATE INDEX plans_team_idx ON plans (team_id);
CREATE INDEX plans_lead_idx ON plans (lead_social_worker_id);
CREATE INDEX plans_chair_idx ON plans (cp_chair_id);

-- Every change of a plan's visiting frequency, with who agreed it and why (seed 001 §7).
CREATE TABLE plan_frequency_changes (
    id         TEXT PRIMARY KEY,
    plan_id    TEXT NOT NULL REFERENCES plans (id),
    visit_every INTEGER,
    visit_unit TEXT,
    agreed_by  TEXT NOT NULL REFERENCES users (id),
    reason     TEXT NOT NULL,
    changed_by TEXT NOT NULL REFERENCES users (id),
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX plan_frequency_changes_plan_idx ON plan_frequency_changes (plan_id);

-- Membership of a plan's core group, from a date until a date (both included).
CREATE TABLE core_group_members (
    id         TEXT PRIMARY KEY,
    plan_id    TEXT NOT NULL REFERENCES plans (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    agency_id  TEXT NOT NULL REFERENCES agencies (id),
    from_date  DATE NOT NULL,
    until_date DATE,
    added_by   TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX core_group_members_plan_idx ON core_group_members (plan_id);
CREATE INDEX core_group_members_user_idx ON core_group_members (user_id);

-- One professional's contact with one child. A final record is never edited: a correction
-- is a new row that supersedes it, and both stay.
CREATE TABLE sightings (
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
CREATE INDEX sightings_child_idx ON sightings (child_id, occurred_at);
CREATE INDEX sightings_author_idx ON sightings (author_id);
CREATE INDEX sightings_visit_idx ON sightings (visit_id);

-- A team manager's decision after a failed home visit (seed 001 §3).
CREATE TABLE visit_decisions (
    id          TEXT PRIMARY KEY,
    sighting_id TEXT NOT NULL REFERENCES sightings (id),
    decided_by  TEXT NOT NULL REFERENCES users (id),
    decided_at  TIMESTAMP NOT NULL,
    decision    TEXT NOT NULL
);
CREATE INDEX visit_decisions_sighting_idx ON visit_decisions (sighting_id);

-- The same Idempotency-Key and body answer the first result, never a second record.
CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL REFERENCES users (id),
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    resource_ids TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- The latest dates each clock needs, per child, kept in the same transaction as the records,
-- so that a dashboard never scans the sightings.
CREATE TABLE child_projections (
    child_id                TEXT PRIMARY KEY REFERENCES children (id),
    last_seen_any           DATE,
    last_seen_social_worker DATE,
    last_home_visit_seen    DATE,
    updated_at              TIMESTAMP NOT NULL
);

-- Every read and write of a child's record: append-only.
CREATE TABLE access_log (
    id       TEXT PRIMARY KEY,
    at       TIMESTAMP NOT NULL,
    user_id  TEXT NOT NULL,
    role     TEXT NOT NULL,
    action   TEXT NOT NULL,
    child_id TEXT,
    resource TEXT NOT NULL,
    address  TEXT NOT NULL,
    outcome  TEXT NOT NULL
);
CREATE INDEX access_log_child_idx ON access_log (child_id, at);
CREATE INDEX access_log_user_idx ON access_log (user_id, at);

CREATE FUNCTION access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
