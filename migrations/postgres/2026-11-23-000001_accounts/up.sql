-- Accounts, sessions and deployment settings.
-- Ids are text (UUIDs written by the server) and instants are UTC `timestamp`, so that one
-- diesel code path serves SQLite and PostgreSQL alike (see docs/architecture.md).

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE agencies (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('school', 'nursery', 'health', 'police', 'social_care',
                   'housing', 'mental_health', 'substance_misuse', 'voluntary', 'other')),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    agency_id  TEXT NOT NULL REFERENCES agencies (id),
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (agency_id, name_key)
);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL,
    email_key       TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('practitioner', 'social_worker', 'team_manager',
                        'cp_chair', 'auditor', 'admin')),
    agency_id       TEXT REFERENCES agencies (id),
    team_id         TEXT REFERENCES teams (id),
    password_hash   TEXT NOT NULL,
    active          BOOLEAN NOT NULL,
    session_version BIGINT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX users_agency_idx ON users (agency_id);
CREATE INDEX users_team_idx ON users (team_id);

CREATE TABLE refresh_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    family_id  TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    issued_at  TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- One row per failed login, kept only as long as the throttling window needs it.
CREATE TABLE login_failures (
    id        TEXT PRIMARY KEY,
    scope     TEXT NOT NULL CHECK (scope IN ('account', 'address')),
    subject   TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_subject_idx ON login_failures (scope, subject, failed_at);
