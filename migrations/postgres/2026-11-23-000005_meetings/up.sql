-- Core group meetings and who attended (seed 002).
CREATE TABLE meetings (
    id         TEXT PRIMARY KEY,
    plan_id    TEXT NOT NULL REFERENCES plans (id),
    held_on    DATE NOT NULL,
    chair_id   TEXT REFERENCES users (id),
    -- Called because the child was not seen by any agency for 30 working days (seed 001 §5).
    urgent     BOOLEAN NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX meetings_plan_idx ON meetings (plan_id, held_on);

-- Each invited member's attendance; a member with no row has not been recorded.
CREATE TABLE meeting_attendance (
    meeting_id   TEXT NOT NULL REFERENCES meetings (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    status       TEXT NOT NULL CHECK (status IN ('attended', 'apologies', 'did_not_attend')),
    -- A written contribution sent with apologies.
    contribution TEXT,
    recorded_by  TEXT NOT NULL REFERENCES users (id),
    recorded_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);
