ALTER TABLE refresh_tokens DROP COLUMN last_seen_at;
