//! Settings: flags, else environment variables, else defaults (contract.md). Every setting
//! is checked before anything starts; a bad one stops the start with a line naming it.

use std::net::SocketAddr;

use chrono_tz::Tz;
use clap::{Args, ValueEnum};

use crate::auth::tokens::MIN_SECRET_BYTES;
use crate::store::DatabaseUrl;

/// Settings shared by every command, as typed on the command line or in the environment.
#[derive(Debug, Clone, Args)]
pub struct RawSettings {
    /// Database: sqlite://PATH (embedded default) or postgres://…
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://coregroup.db",
        global = true,
        hide_env_values = true
    )]
    pub database_url: String,

    /// A read replica for queries that only read; the main database when unset.
    #[arg(long, env = "DATABASE_READ_URL", global = true, hide_env_values = true)]
    pub database_read_url: Option<String>,

    /// Signing secret for access tokens, at least 32 bytes; generated on first start and kept
    /// in the database when unset. Prefer the environment variable to the flag (flags show in
    /// process listings).
    #[arg(
        long,
        env = "COREGROUP_JWT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub jwt_secret: Option<String>,

    /// The time zone in which dates are taken.
    #[arg(
        long,
        env = "COREGROUP_TIMEZONE",
        default_value = "Europe/London",
        global = true
    )]
    pub timezone: String,

    /// Log format.
    #[arg(
        long,
        env = "COREGROUP_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Settings of `serve` only.
#[derive(Debug, Clone, Args)]
pub struct RawServeSettings {
    /// Listen address.
    #[arg(long, env = "COREGROUP_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Take the client address from X-Forwarded-For (only behind a proxy that sets it).
    #[arg(long, env = "COREGROUP_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,

    /// HTTP worker threads; one per CPU core when unset.
    #[arg(long, env = "COREGROUP_WORKERS")]
    pub workers: Option<usize>,
}

/// Checked settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    pub database_read_url: DatabaseUrl,
    pub jwt_secret: Option<String>,
    pub timezone: Tz,
    pub log_format: LogFormat,
}

#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub bind: SocketAddr,
    pub trust_forwarded_for: bool,
    pub workers: Option<usize>,
}

/// A setting that cannot be used, named as the user sets it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {reason}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub reason: String,
}

impl ConfigError {
    pub fn new(setting: &'static str, reason: impl Into<String>) -> ConfigError {
        ConfigError {
            setting,
            reason: reason.into(),
        }
    }
}

impl RawSettings {
    pub fn check(&self) -> Result<Settings, ConfigError> {
        let database_url = DatabaseUrl::parse(&self.database_url)
            .map_err(|r| ConfigError::new("DATABASE_URL (--database-url)", r))?;
        // An empty variable (as compose files pass for "unset") means unset.
        let database_read_url = match self.database_read_url.as_deref().filter(|s| !s.is_empty()) {
            Some(raw) => DatabaseUrl::parse(raw)
                .map_err(|r| ConfigError::new("DATABASE_READ_URL (--database-read-url)", r))?,
            None => database_url.clone(),
        };
        if database_read_url.backend() != database_url.backend() {
            return Err(ConfigError::new(
                "DATABASE_READ_URL (--database-read-url)",
                "must use the same kind of database as DATABASE_URL",
            ));
        }
        let jwt_secret = self.jwt_secret.clone().filter(|s| !s.is_empty());
        if let Some(secret) = &jwt_secret {
            if secret.len() < MIN_SECRET_BYTES {
                return Err(ConfigError::new(
                    "COREGROUP_JWT_SECRET (--jwt-secret)",
                    format!(
                        "must be at least {MIN_SECRET_BYTES} bytes (it is {})",
                        secret.len()
                    ),
                ));
            }
        }
        let timezone: Tz = self.timezone.parse().map_err(|_| {
            ConfigError::new(
                "COREGROUP_TIMEZONE (--timezone)",
                format!(
                    "`{}` is not a time zone name such as Europe/London",
                    self.timezone
                ),
            )
        })?;
        Ok(Settings {
            database_url,
            database_read_url,
            jwt_secret,
            timezone,
            log_format: self.log_format,
        })
    }
}

impl RawServeSettings {
    pub fn check(&self) -> Result<ServeSettings, ConfigError> {
        let bind = self.bind.parse().map_err(|_| {
            ConfigError::new(
                "COREGROUP_BIND (--bind)",
                format!("`{}` is not an address such as 127.0.0.1:8080", self.bind),
            )
        })?;
        if self.workers == Some(0) {
            return Err(ConfigError::new(
                "COREGROUP_WORKERS (--workers)",
                "must be at least 1",
            ));
        }
        Ok(ServeSettings {
            bind,
            trust_forwarded_for: self.trust_forwarded_for,
            workers: self.workers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawSettings {
        RawSettings {
            database_url: "sqlite://x.db".into(),
            database_read_url: None,
            jwt_secret: None,
            timezone: "Europe/London".into(),
            log_format: LogFormat::Text,
        }
    }

    #[test]
    fn defaults_pass() {
        let s = raw().check().unwrap();
        assert_eq!(s.database_url, DatabaseUrl::Sqlite("x.db".into()));
        assert_eq!(s.database_read_url, s.database_url);
    }

    #[test]
    fn each_bad_setting_is_named() {
        let mut r = raw();
        r.database_url = "mysql://x".into();
        assert!(r
            .check()
            .unwrap_err()
            .to_string()
            .starts_with("DATABASE_URL"));
        let mut r = raw();
        r.jwt_secret = Some("short".into());
        assert!(r
            .check()
            .unwrap_err()
            .to_string()
            .starts_with("COREGROUP_JWT_SECRET"));
        let mut r = raw();
        r.jwt_secret = Some(String::new());
        assert_eq!(r.check().unwrap().jwt_secret, None, "empty means unset");
        let mut r = raw();
        r.timezone = "Mars/Olympus".into();
        assert!(r
            .check()
            .unwrap_err()
            .to_string()
            .starts_with("COREGROUP_TIMEZONE"));
        let mut r = raw();
        r.database_read_url = Some("postgres://localhost/x".into());
        assert!(r
            .check()
            .unwrap_err()
            .to_string()
            .starts_with("DATABASE_READ_URL"));
        let s = RawServeSettings {
            bind: "nowhere".into(),
            trust_forwarded_for: false,
            workers: None,
        };
        assert!(s
            .check()
            .unwrap_err()
            .to_string()
            .starts_with("COREGROUP_BIND"));
    }

    #[test]
    fn postgres_passwords_are_not_printed() {
        let url = DatabaseUrl::parse("postgres://app:hunter2hunter2@db.example/coregroup").unwrap();
        assert!(!format!("{url:?}").contains("hunter2"));
        assert!(url.redacted().contains("***"));
    }
}
