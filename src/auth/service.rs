//! Login, refresh, logout and token checking, over the store.

use chrono::{Duration, NaiveDateTime, Utc};

use super::hashing::{HashingError, HashingLimit};
use super::password;
use super::tokens::{
    random_secret, refresh_token_hash, reset_code, reset_code_hash, AccessClaims, TokenKeys,
};
use crate::domain::people::{email_key, User};
use crate::store::accounts;
use crate::store::sessions::{self, AttemptLimits, Presented, Reservation, Reserved};
use crate::store::{new_id, password_resets, Store, StoreError};

/// How long an admin-issued password-reset code works.
pub const RESET_CODE_HOURS: i64 = 24;

/// How many failed attempts (sign-ins, password changes with a wrong current password, reset
/// codes that do not work) are tolerated in a window before answering 429.
#[derive(Debug, Clone)]
pub struct ThrottlePolicy {
    pub window: Duration,
    pub max_failures_per_account: usize,
    pub max_failures_per_address: usize,
}

impl ThrottlePolicy {
    fn limits(&self) -> AttemptLimits {
        AttemptLimits {
            window: self.window,
            max_per_account: self.max_failures_per_account,
            max_per_address: self.max_failures_per_address,
        }
    }
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
    /// Too many passwords being hashed at once: the attempt was not evaluated.
    #[error(
        "the server is busy checking other passwords; try again in {retry_after_seconds} seconds"
    )]
    Busy { retry_after_seconds: i64 },
    /// A field of the request is not acceptable (a wrong current password, a weak new one, a
    /// reset code that does not work).
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// Missing, malformed, expired, revoked or reused token.
    #[error("{0}")]
    InvalidToken(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not issue a token: {0}")]
    Token(String),
}

/// A browser session ends after this long without a page being used (a shared school
/// laptop left signed in); its absolute limit is the refresh-token lifetime.
pub const BROWSER_IDLE_MINUTES: i64 = 30;

/// A session of the web pages: the cookie's value (a refresh token never traded), its family
/// (what the forms' anti-forgery tokens are bound to), and the user as stored now.
#[derive(Debug, Clone)]
pub struct BrowserSession {
    pub cookie: String,
    pub family_id: String,
    pub user: User,
}

/// What a successful login or refresh hands back.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub user: User,
}

impl From<HashingError> for AuthError {
    fn from(e: HashingError) -> AuthError {
        match e {
            HashingError::Busy {
                retry_after_seconds,
            } => AuthError::Busy {
                retry_after_seconds,
            },
            HashingError::Blocking(why) => AuthError::Store(StoreError::Blocking(why)),
        }
    }
}

fn invalid(field: &'static str, reason: impl Into<String>) -> AuthError {
    AuthError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// A password-reset code as issued: shown once, to the admin who asked for it.
#[derive(Debug, Clone)]
pub struct IssuedReset {
    pub code: String,
    pub expires_at: NaiveDateTime,
}

/// Issues a one-time reset code for `user_id` inside the caller's transaction (the one use
/// case that does, `services::admin::issue_password_reset`, serves the API and the command
/// line). Only its hash is stored; older unused codes stop working.
pub fn issue_reset_code(
    conn: &mut crate::store::DbConnection,
    user_id: &str,
    issued_by: Option<&str>,
) -> Result<IssuedReset, StoreError> {
    if accounts::get_user(conn, user_id)?.is_none() {
        return Err(StoreError::NotFound);
    }
    let code = reset_code();
    let expires_at = crate::store::now() + Duration::hours(RESET_CODE_HOURS);
    password_resets::issue(
        conn,
        user_id,
        &reset_code_hash(&code),
        issued_by,
        expires_at,
    )?;
    Ok(IssuedReset { code, expires_at })
}

#[derive(Clone)]
pub struct AuthService {
    store: Store,
    keys: TokenKeys,
    throttle: ThrottlePolicy,
    hashing: HashingLimit,
}

impl AuthService {
    pub fn new(
        store: Store,
        keys: TokenKeys,
        throttle: ThrottlePolicy,
        hashing: HashingLimit,
    ) -> AuthService {
        AuthService {
            store,
            keys,
            throttle,
            hashing,
        }
    }

    /// The bound on password hashes in flight, for every other path that hashes.
    pub fn hashing(&self) -> &HashingLimit {
        &self.hashing
    }

    /// Counts an attempt for the account (an e-mail key) from the address before anything is
    /// checked; refuses it when either is at its limit. One atomic step in the database, so
    /// concurrent attempts on any number of instances cannot all pass the check.
    async fn reserve_attempt(
        &self,
        account: &str,
        address: &str,
    ) -> Result<Reservation, AuthError> {
        let (account, address) = (account.to_string(), address.to_string());
        let limits = self.throttle.limits();
        let reserved = self
            .store
            .write(move |c| sessions::reserve_attempt(c, &account, &address, limits))
            .await?;
        match reserved {
            Reserved::Granted(reservation) => Ok(reservation),
            Reserved::Refused {
                retry_after_seconds,
            } => Err(AuthError::Throttled {
                retry_after_seconds,
            }),
        }
    }

    /// Runs hashing work for an attempt already counted. When the server is too busy to run
    /// it, the attempt is taken back (it was never evaluated) and the caller is told to retry.
    async fn hash_for_attempt<T, F>(
        &self,
        reservation: &Reservation,
        work: F,
    ) -> Result<T, AuthError>
    where
        F: FnOnce(&mut password::Workspace) -> T + Send + 'static,
        T: Send + 'static,
    {
        match self.hashing.run(work).await {
            Ok(answer) => Ok(answer),
            Err(HashingError::Busy {
                retry_after_seconds,
            }) => {
                let reservation = reservation.clone();
                self.store
                    .write(move |c| sessions::release_attempt(c, &reservation))
                    .await?;
                Err(AuthError::Busy {
                    retry_after_seconds,
                })
            }
            Err(other) => Err(other.into()),
        }
    }

    /// A failed attempt keeps its reservation as a failure; old failures of anyone are
    /// forgotten (they are personal data with no use left).
    async fn after_failure(&self) -> Result<(), AuthError> {
        let window_start = crate::store::now() - self.throttle.window;
        self.store
            .write(move |c| sessions::prune_login_failures(c, window_start))
            .await?;
        Ok(())
    }

    /// Checks the password and opens a session. `address` is the client's network address.
    /// An empty e-mail address is refused before anything is counted.
    pub async fn login(
        &self,
        email: String,
        password: String,
        address: String,
    ) -> Result<Session, AuthError> {
        if email.trim().is_empty() {
            return Err(invalid("email", "must not be empty"));
        }
        let account = email_key(&email);
        // Counted before the password is checked: concurrent attempts cannot outrun the count.
        let reservation = self.reserve_attempt(&account, &address).await?;
        let found = {
            let account = account.clone();
            self.store
                .read(move |c| accounts::find_credentials_by_email(c, &account))
                .await?
        };
        // An unknown address costs the same as a wrong password.
        let user = self
            .hash_for_attempt(&reservation, move |ws| match found {
                Some(creds) if password::verify_in(ws, &password, &creds.password_hash) => {
                    Some(creds.user)
                }
                Some(_) => None,
                None => {
                    password::verify_against_nobody(ws, &password);
                    None
                }
            })
            .await?;

        match user {
            Some(user) if user.active => {
                let user_id = user.id.clone();
                self.store
                    .write(move |c| sessions::clear_after_success(c, &reservation))
                    .await?;
                self.open_session(user, new_id(), &user_id).await
            }
            _ => {
                self.after_failure().await?;
                Err(AuthError::InvalidCredentials)
            }
        }
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
    /// revokes its whole family, since someone else holds a copy — and with it the access
    /// tokens issued in the family, which [`AuthService::authenticate`] refuses from then on.
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

    /// Signs in for the web pages: the same checks and throttle as [`AuthService::login`];
    /// the session's refresh token becomes the browser's cookie and is never traded.
    pub async fn sign_in_browser(
        &self,
        email: String,
        password: String,
        address: String,
    ) -> Result<BrowserSession, AuthError> {
        let session = self.login(email, password, address).await?;
        let family_id = self
            .keys_family(&session.refresh_token)
            .await?
            .ok_or(AuthError::InvalidToken("the session could not be opened"))?;
        Ok(BrowserSession {
            cookie: session.refresh_token,
            family_id,
            user: session.user,
        })
    }

    async fn keys_family(&self, token: &str) -> Result<Option<String>, AuthError> {
        let hash = refresh_token_hash(token);
        Ok(self
            .store
            .read(move |c| sessions::family_of_token(c, &hash))
            .await?)
    }

    /// The user of a browser session cookie, as stored now, if the session is still good:
    /// unrevoked (sign-out, password or role change, disable all revoke it), within its
    /// lifetime, and used within [`BROWSER_IDLE_MINUTES`]. Use restarts the idle clock.
    pub async fn browser_session(&self, cookie: &str) -> Result<BrowserSession, AuthError> {
        let ended = AuthError::InvalidToken("the session has ended; sign in again");
        let hash = refresh_token_hash(cookie);
        let at = crate::store::now();
        let idle_since = at - Duration::minutes(BROWSER_IDLE_MINUTES);
        let found = self
            .store
            .read(move |c| {
                let Some(row) = sessions::live_browser_session(c, &hash, at, idle_since)? else {
                    return Ok(None);
                };
                let user = accounts::get_user(c, &row.user_id)?;
                Ok(user.map(|u| (row, u)))
            })
            .await?;
        let Some((row, user)) = found else {
            return Err(ended);
        };
        if !user.active {
            return Err(ended);
        }
        // One write a minute at most per session, not one per page.
        if at - row.last_seen_at > Duration::seconds(60) {
            let id = row.id.clone();
            self.store
                .write(move |c| sessions::touch_browser_session(c, &id, at))
                .await?;
        }
        Ok(BrowserSession {
            cookie: cookie.to_string(),
            family_id: row.family_id,
            user,
        })
    }

    /// Ends the browser session of `cookie` (this device only), whatever its state.
    pub async fn sign_out_browser(&self, cookie: &str) -> Result<(), AuthError> {
        if let Some(family) = self.keys_family(cookie).await? {
            self.store
                .write(move |c| sessions::revoke_family(c, &family))
                .await?;
        }
        Ok(())
    }

    /// The anti-forgery token of the pages' forms for `binding`.
    pub fn form_token(&self, binding: &str) -> String {
        self.keys.form_token(binding)
    }

    /// Whether `presented` is the form token for `binding`.
    pub fn form_token_matches(&self, binding: &str, presented: &str) -> bool {
        self.keys.form_token_matches(binding, presented)
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

    /// Changes the caller's own password. The current password is required and checked under
    /// the same throttle as signing in (a wrong one counts as a failed attempt for the account
    /// and the address); the new one must meet the policy. Every session of the user ends —
    /// refresh tokens revoked, access tokens refused — and the caller gets a fresh pair, so
    /// only the device that made the change stays signed in.
    pub async fn change_password(
        &self,
        user: User,
        current_password: String,
        new_password: String,
        address: String,
    ) -> Result<Session, AuthError> {
        password::check_policy(&new_password)
            .map_err(|e| invalid("new_password", e.to_string()))?;
        if new_password == current_password {
            return Err(invalid(
                "new_password",
                "must differ from the current password",
            ));
        }
        let reservation = self
            .reserve_attempt(&email_key(&user.email), &address)
            .await?;
        let user_id = user.id.clone();
        let creds = self
            .store
            .read(move |c| accounts::get_credentials(c, &user_id))
            .await?
            .ok_or(AuthError::InvalidToken(
                "the session has ended; sign in again",
            ))?;
        // One turn for the check and the new hash: they run one after the other.
        let new_hash = self
            .hash_for_attempt(&reservation, move |ws| {
                if !password::verify_in(ws, &current_password, &creds.password_hash) {
                    return Ok(None);
                }
                password::hash_in(ws, &new_password).map(Some)
            })
            .await?
            .map_err(|e| AuthError::Store(StoreError::Invalid(e.to_string())))?;
        let Some(new_hash) = new_hash else {
            self.after_failure().await?;
            return Err(invalid("current_password", "is not right"));
        };
        let user_id = user.id.clone();
        let changed = self
            .store
            .write(move |c| {
                accounts::set_password(c, &user_id, &new_hash)?;
                sessions::clear_after_success(c, &reservation)?;
                accounts::get_user(c, &user_id)
            })
            .await?
            .filter(|u| u.active)
            .ok_or(AuthError::InvalidToken("the account is not active"))?;
        tracing::info!(user_id = %changed.id, "password changed; every other session ended");
        let user_id = changed.id.clone();
        self.open_session(changed, new_id(), &user_id).await
    }

    /// Sets a new password with a reset code: throttled like signing in (a code that does not
    /// work counts as a failure for the account and the address); the code works once; every
    /// session of the user ends.
    pub async fn reset_password(
        &self,
        email: String,
        code: String,
        new_password: String,
        address: String,
    ) -> Result<(), AuthError> {
        if email.trim().is_empty() {
            return Err(invalid("email", "must not be empty"));
        }
        password::check_policy(&new_password)
            .map_err(|e| invalid("new_password", e.to_string()))?;
        let account = email_key(&email);
        let reservation = self.reserve_attempt(&account, &address).await?;
        let code_hash = reset_code_hash(&code);
        let usable = self
            .store
            .read(move |c| {
                let Some(creds) = accounts::find_credentials_by_email(c, &account)? else {
                    return Ok(None);
                };
                Ok(password_resets::find_usable(c, &creds.user.id, &code_hash)?
                    .map(|reset_id| (creds.user.id, reset_id)))
            })
            .await?;
        // The same answer whether the address is unknown or the code wrong, used or expired.
        let not_valid = || {
            invalid(
                "code",
                "is not valid for this e-mail address, or has expired or been used",
            )
        };
        let Some((user_id, reset_id)) = usable else {
            self.after_failure().await?;
            return Err(not_valid());
        };
        let new_hash = self
            .hash_for_attempt(&reservation, move |ws| password::hash_in(ws, &new_password))
            .await?
            .map_err(|e| AuthError::Store(StoreError::Invalid(e.to_string())))?;
        let redeemed = self
            .store
            .write(move |c| {
                if !password_resets::redeem(c, &reset_id, &user_id)? {
                    return Ok(false);
                }
                accounts::set_password(c, &user_id, &new_hash)?;
                sessions::clear_after_success(c, &reservation)?;
                tracing::info!(user_id, "password reset with a code; every session ended");
                Ok(true)
            })
            .await?;
        if !redeemed {
            // Another request used the code a moment earlier.
            return Err(not_valid());
        }
        Ok(())
    }
}
