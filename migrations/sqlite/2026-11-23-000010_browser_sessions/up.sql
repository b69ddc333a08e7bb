-- A browser session is a refresh token that the pages hold in an HttpOnly cookie and never
-- trade: it ends when revoked (sign-out, password change, role change, disable), at its
-- expiry, or after a spell of inactivity, measured from when it was last used.
ALTER TABLE refresh_tokens ADD COLUMN last_seen_at TIMESTAMP;
