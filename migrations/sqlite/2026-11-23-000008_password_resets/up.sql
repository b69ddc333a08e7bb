-- One-time codes an admin issues so that a user can set a new password (never an e-mailed
-- password). Only the code's SHA-256 is kept; a code works once, until it expires, and a newer
-- code for the same user revokes the older ones. The rows stay as a record of who issued what.
CREATE TABLE password_resets (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    code_hash  TEXT NOT NULL UNIQUE,
    issued_by  TEXT REFERENCES users (id),
    issued_at  TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);
