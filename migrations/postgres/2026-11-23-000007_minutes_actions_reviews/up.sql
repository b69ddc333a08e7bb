-- Minutes of a core group meeting: drafted by the chair or lead social worker, then published
-- and never edited again; an addendum is a new document linked to the minutes it adds to.
CREATE TABLE minutes (
    id           TEXT PRIMARY KEY,
    meeting_id   TEXT NOT NULL REFERENCES meetings (id),
    addendum_to  TEXT REFERENCES minutes (id),
    body         TEXT NOT NULL,
    author_id    TEXT NOT NULL REFERENCES users (id),
    -- Bumped by every change to a draft (ETag / If-Match).
    version      INTEGER NOT NULL,
    published_at TIMESTAMP,
    published_on DATE,
    published_by TEXT REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
-- One set of minutes per meeting; addenda are as many as needed.
CREATE UNIQUE INDEX minutes_one_per_meeting ON minutes (meeting_id) WHERE addendum_to IS NULL;
CREATE INDEX minutes_meeting_idx ON minutes (meeting_id);

-- Who published minutes were sent to (every member of the core group on the meeting date,
-- absent ones included: seed 002 area 8), and when each read them.
CREATE TABLE minutes_distribution (
    minutes_id      TEXT NOT NULL REFERENCES minutes (id),
    user_id         TEXT NOT NULL REFERENCES users (id),
    agency_id       TEXT NOT NULL REFERENCES agencies (id),
    distributed_at  TIMESTAMP NOT NULL,
    acknowledged_at TIMESTAMP,
    acknowledged_on DATE,
    PRIMARY KEY (minutes_id, user_id)
);
CREATE INDEX minutes_distribution_user_idx ON minutes_distribution (user_id);

-- Actions of a plan, from a meeting or the plan itself.
CREATE TABLE actions (
    id          TEXT PRIMARY KEY,
    plan_id     TEXT NOT NULL REFERENCES plans (id),
    meeting_id  TEXT REFERENCES meetings (id),
    description TEXT NOT NULL,
    owner_id    TEXT NOT NULL REFERENCES users (id),
    agency_id   TEXT NOT NULL REFERENCES agencies (id),
    due_on      DATE NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
    -- The local date it was done or cancelled.
    closed_on   DATE,
    version     INTEGER NOT NULL,
    created_by  TEXT NOT NULL REFERENCES users (id),
    created_on  DATE NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX actions_plan_idx ON actions (plan_id, due_on);
CREATE INDEX actions_owner_idx ON actions (owner_id, status);

-- Dated progress notes by an action's owner; never edited.
CREATE TABLE action_progress (
    id          TEXT PRIMARY KEY,
    action_id   TEXT NOT NULL REFERENCES actions (id),
    author_id   TEXT NOT NULL REFERENCES users (id),
    note        TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX action_progress_action_idx ON action_progress (action_id, recorded_at);

-- Review child protection conferences held, with their outcome.
CREATE TABLE reviews (
    id          TEXT PRIMARY KEY,
    plan_id     TEXT NOT NULL REFERENCES plans (id),
    held_on     DATE NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('plan_continues', 'plan_ends')),
    notes       TEXT,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX reviews_plan_idx ON reviews (plan_id, held_on);

-- Published minutes are final: the database refuses to change or remove them.
CREATE FUNCTION minutes_published_are_final() RETURNS trigger AS $$
BEGIN
    IF OLD.published_at IS NOT NULL THEN
        RAISE EXCEPTION 'published minutes are never edited';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER minutes_published_final BEFORE UPDATE OR DELETE ON minutes
    FOR EACH ROW EXECUTE FUNCTION minutes_published_are_final();
