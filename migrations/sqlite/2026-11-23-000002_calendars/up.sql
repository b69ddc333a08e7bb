-- Bank-holiday calendars imported by an admin (the GOV.UK feed), one row per region.
-- A region with no row uses the calendar shipped with the binary (England and Wales).
CREATE TABLE calendars (
    region      TEXT PRIMARY KEY CHECK (region IN ('england-and-wales', 'scotland', 'northern-ireland')),
    first_date  DATE NOT NULL,
    last_date   DATE NOT NULL,
    -- [{"date": "YYYY-MM-DD", "title": "…"}, …]
    holidays    TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    imported_by TEXT REFERENCES users (id)
);
