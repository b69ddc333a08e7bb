DROP TABLE login_failures;
DROP TABLE refresh_tokens;
DROP TABLE users;
DROP TABLE teams;
DROP TABLE agencies;
DROP TABLE settings;
