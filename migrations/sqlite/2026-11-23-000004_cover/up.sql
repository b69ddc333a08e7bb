-- Cover ("buddy") arrangements: a social worker who visits for the lead social worker during a
-- planned absence (seed 004), from a date until a date (both included).
CREATE TABLE plan_covers (
    id         TEXT PRIMARY KEY,
    plan_id    TEXT NOT NULL REFERENCES plans (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    from_date  DATE NOT NULL,
    until_date DATE NOT NULL,
    added_by   TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX plan_covers_plan_idx ON plan_covers (plan_id);
CREATE INDEX plan_covers_user_idx ON plan_covers (user_id);
