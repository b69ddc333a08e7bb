//! Signing in and staying signed in: passwords, access tokens, refresh tokens, throttling.
//!
//! The HTTP layer calls these services; they use the store and the crypto helpers and know
//! nothing of HTTP.

pub mod hashing;
pub mod password;
pub mod service;
pub mod tokens;

pub use hashing::HashingLimit;
pub use service::{
    AuthError, AuthService, BrowserSession, IssuedReset, Session, ThrottlePolicy,
    BROWSER_IDLE_MINUTES,
};
pub use tokens::{AccessClaims, TokenKeys};
