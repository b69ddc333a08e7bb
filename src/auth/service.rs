//! Login, refresh, logout and token checking, over the store.

use chrono::{Duration, Utc};

use super::password;
use super::tokens::{random_secret, refresh_token_hash, AccessClaims, TokenKeys};
use crate::store::accounts::{self, User};
use crate::store::sessions::{self, FailureScope, Presented};
use crate::store::{new_id, Store, StoreError};

/// How many failed logins are tolerated in a window before answering 429.
#[derive(Debug, Clone)]
pub struct ThrottlePolicy {
    pub window: Duration,
    pub max_failures_per_account: usize,
    pub max_failures_per_address: usize,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            window: Duration::minutes(15),
            max_failures_per_account: 5,
            max_failures_per_address: 30,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Wrong e-mail, wrong password or disabled account: deliberately not told apart.
    #[error("the e-mail address or password is not right")]
    InvalidCredentials,
    #[error("too many failed sign-in attempts; try again in {retry_after_seconds} seconds")]
    Throttled { retry_after_seconds: i64 },
    /// Missing, malformed, expired, revoked or reused token.
    #[error("{0}")]
    InvalidToken(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not issue a token: {0}")]
    Token(String),
}

/// What a successful login or refresh hands back.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub user: User,
}

#[derive(Clone)]
pub struct AuthService {
    store: Store,
    keys: TokenKeys,
    throttle: ThrottlePolicy,
}

impl AuthService {
    pub fn new(store: Store, keys: TokenKeys, throttle: ThrottlePolicy) -> AuthService {
        AuthService {
            store,
            keys,
            throttle,
        }
    }

    /// Checks the password and opens a session. `address` is the client's network address.
    pub async fn login(
        &self,
        email: String,
        password: String,
        address: String,
    ) -> Result<Session, AuthError> {
        let account = crate::domain::people::email_key(&email);
        self.refuse_if_throttled(&account, &address).await?;

        let found = {
            let account = account.clone();
            self.store
                .read(move |c| accounts::find_credentials_by_email(c, &account))
                .await?
        };
        // Hash work is CPU-bound: keep it off the async executor. An unknown address costs
        // the same as a wrong password.
        let user = actix_web::web::block(move || match found {
            Some(creds) if password::verify(&password, &creds.password_hash) => Some(creds.user),
            Some(_) => None,
            None => {
                password::verify_against_nobody(&password);
                None
            }
        })
        .await
        .map_err(|e| StoreError::Blocking(e.to_string()))?;

        match user {
            Some(user) if user.active => {
                let user_id = user.id.clone();
                self.store
                    .write(move |c| {
                        sessions::clear_login_failures(c, FailureScope::Account, &account)?;
                        Ok(())
                    })
                    .await?;
                self.open_session(user, new_id(), &user_id).await
            }
            _ => {
                let window_start = crate::store::now() - self.throttle.window;
                self.store
                    .write(move |c| {
                        sessions::record_login_failure(c, FailureScope::Account, &account)?;
                        sessions::record_login_failure(c, FailureScope::Address, &address)?;
                        sessions::prune_login_failures(c, window_start)
                    })
                    .await?;
                Err(AuthError::InvalidCredentials)
            }
        }
    }

    async fn refuse_if_throttled(&self, account: &str, address: &str) -> Result<(), AuthError> {
        let since = crate::store::now() - self.throttle.window;
        let (account, address) = (account.to_string(), address.to_string());
        let (by_account, by_address) = self
            .store
            .read(move |c| {
                Ok((
                    sessions::login_failures_since(c, FailureScope::Account, &account, since)?,
                    sessions::login_failures_since(c, FailureScope::Address, &address, since)?,
                ))
            })
            .await?;
        let now = crate::store::now();
        let mut retry_after = 0i64;
        for (failures, max) in [
            (&by_account, self.throttle.max_failures_per_account),
            (&by_address, self.throttle.max_failures_per_address),
        ] {
            if failures.len() >= max {
                // Free again once enough of the failures have left the window.
                let freeing = failures[failures.len() - max];
                let wait = (freeing + self.throttle.window - now).num_seconds() + 1;
                retry_after = retry_after.max(wait.max(1));
            }
        }
        if retry_after > 0 {
            return Err(AuthError::Throttled {
                retry_after_seconds: retry_after,
            });
        }
        Ok(())
    }

    /// Issues an access token and a refresh token in `family_id`.
    async fn open_session(
        &self,
        user: User,
        family_id: String,
        user_id: &str,
    ) -> Result<Session, AuthError> {
        let refresh_token = random_secret();
        let hash = refresh_token_hash(&refresh_token);
        let family_id_for_claims = family_id.clone();
        let expires_at = crate::store::now() + Duration::seconds(self.keys.refresh_ttl_seconds);
        let user_id = user_id.to_string();
        self.store
            .write(move |c| {
                sessions::insert_refresh_token(c, &user_id, &family_id, &hash, expires_at)
            })
            .await?;
        let now = Utc::now().timestamp();
        let claims = AccessClaims {
            sub: user.id.clone(),
            role: user.role,
            iat: now,
            exp: now + self.keys.access_ttl_seconds,
            jti: new_id(),
            sv: user.session_version,
            fam: family_id_for_claims,
        };
        let access_token = self
            .keys
            .issue(&claims)
            .map_err(|e| AuthError::Token(e.to_string()))?;
        Ok(Session {
            access_token,
            refresh_token,
            expires_in: self.keys.access_ttl_seconds,
            user,
        })
    }

    /// Trades a refresh token for a new pair. A token works once; presenting a used one
    /// revokes its whole family, since someone else holds a copy.
    pub async fn refresh(&self, refresh_token: String) -> Result<Session, AuthError> {
        let hash = refresh_token_hash(&refresh_token);
        let presented = self
            .store
            .write(move |c| sessions::present_refresh_token(c, &hash))
            .await?;
        match presented {
            Presented::Fresh { user_id, family_id } => {
                let uid = user_id.clone();
                let user = self
                    .store
                    .read(move |c| accounts::get_user(c, &uid))
                    .await?
                    .filter(|u| u.active)
                    .ok_or(AuthError::InvalidToken("the account is not active"))?;
                self.open_session(user, family_id, &user_id).await
            }
            Presented::Reused { user_id } => {
                tracing::warn!(
                    user_id,
                    "a used refresh token was presented again; its family is revoked"
                );
                Err(AuthError::InvalidToken(
                    "the refresh token has already been used",
                ))
            }
            Presented::Expired => Err(AuthError::InvalidToken("the refresh token has expired")),
            Presented::Unknown => Err(AuthError::InvalidToken("the refresh token is not valid")),
        }
    }

    /// Ends every session of the user: refresh tokens revoked, access tokens refused.
    pub async fn logout(&self, user_id: String) -> Result<(), AuthError> {
        self.store
            .write(move |c| accounts::end_sessions(c, &user_id))
            .await?;
        Ok(())
    }

    /// Checks an access token and returns its user as stored now: the token must be signed
    /// by us, unexpired, no longer-lived than the access lifetime, issued since the user's
    /// sessions were last ended, and of a refresh-token family that has not been revoked.
    pub async fn authenticate(&self, token: &str) -> Result<User, AuthError> {
        let claims = self
            .keys
            .verify(token)
            .map_err(|_| AuthError::InvalidToken("the access token is not valid or has expired"))?;
        let (id, family) = (claims.sub.clone(), claims.fam.clone());
        let (user, family_revoked) = self
            .store
            .read(move |c| {
                Ok((
                    accounts::get_user(c, &id)?,
                    sessions::family_revoked(c, &family)?,
                ))
            })
            .await?;
        let user = user.ok_or(AuthError::InvalidToken(
            "the access token is not valid or has expired",
        ))?;
        if family_revoked
            || !user.active
            || user.session_version != claims.sv
            || user.role != claims.role
        {
            return Err(AuthError::InvalidToken(
                "the session has ended; sign in again",
            ));
        }
        Ok(user)
    }
}
