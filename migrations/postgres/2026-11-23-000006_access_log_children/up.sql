-- The children one access-log entry read at once (a dashboard): one narrow row per child,
-- far cheaper than a whole entry per child, and as append-only.
CREATE TABLE access_log_children (
    entry_id TEXT NOT NULL REFERENCES access_log (id),
    child_id TEXT NOT NULL
);
CREATE INDEX access_log_children_child_idx ON access_log_children (child_id);
CREATE TRIGGER access_log_children_no_change BEFORE UPDATE OR DELETE ON access_log_children
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
