//! Account administration: agencies, teams and users, and password-reset codes.
//!
//! One function per use case. Each checks who asks (by role alone, through `access`), checks
//! each field of the request once, does its work in one transaction — a refusal rolls it
//! back, so nothing is written — and answers a typed result or one [`ServiceError`]. The JSON
//! API and the command line call the same functions.

use crate::access::{self, Permission};
use crate::auth::hashing::HashingLimit;
use crate::auth::password;
use crate::auth::service::{issue_reset_code, IssuedReset};
use crate::domain::ids::{AgencyId, UserId};
use crate::domain::people::User;
use crate::domain::people::{AgencyKind, Email, Name, Role};
use crate::store::accounts::{self as store, NewUser};
use crate::store::{DbConnection, Store};

pub use crate::store::accounts::UserChanges;

use super::{invalid, Refused, ServiceError, WriteFailure};
/// The directory entries these use cases answer with.
pub use crate::store::accounts::{Agency, Team};

/// Who asks for a change to the accounts or the settings.
///
/// The command line has no signed-in user. It acts as [`Actor::Console`]: an explicit caller
/// for which the role check alone is skipped — whoever can run the binary against the
/// database already holds every power it gives — while every other check (each field, each
/// id, the rules of a change) is the one a signed-in admin meets.
#[derive(Debug, Clone)]
pub enum Actor {
    /// A signed-in user: their role is checked on every call.
    User(User),
    /// The operator at the server's console (`coregroup user create`, `user reset-password`,
    /// `calendar import`).
    Console,
}

impl Actor {
    /// Checks the actor may do `permission`; the console always may.
    pub fn require(&self, permission: Permission) -> Result<(), ServiceError> {
        match self {
            Actor::User(user) => access::require(user, permission)
                .map_err(|denied| ServiceError::Forbidden(denied.to_string())),
            Actor::Console => Ok(()),
        }
    }

    /// The signed-in user's id; `None` at the console.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Actor::User(user) => Some(&user.id),
            Actor::Console => None,
        }
    }

    /// For the logs: the signed-in user's id, or `console`.
    pub(super) fn label(&self) -> &str {
        self.user_id().unwrap_or("console")
    }
}

/// Runs `f` in one transaction on a writer; a refusal rolls the transaction back, so that
/// nothing `f` wrote before refusing stays.
pub(super) async fn in_transaction<T, F>(store: &Store, f: F) -> Result<T, ServiceError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ServiceError> + Send + 'static,
    T: Send + 'static,
{
    match store
        .write_with(move |c| f(c).map_err(|e| WriteFailure::from(Refused(e))))
        .await
    {
        Ok(value) => Ok(value),
        Err(WriteFailure::Refused(Refused(e))) => Err(e),
        Err(WriteFailure::Store(e)) => Err(e.into()),
    }
}

fn checked_name(field: &'static str, name: &str) -> Result<(), ServiceError> {
    Name::parse(name)
        .map(drop)
        .map_err(|reason| invalid(field, reason))
}

/// Creates an agency (admins). Names are unique whatever their case: a second one is a
/// conflict.
pub async fn create_agency(
    store: &Store,
    actor: &Actor,
    name: String,
    kind: AgencyKind,
) -> Result<Agency, ServiceError> {
    actor.require(Permission::ManageAccounts)?;
    checked_name("name", &name)?;
    in_transaction(store, move |c| Ok(store::create_agency(c, &name, kind)?)).await
}

/// Every agency, by name (every signed-in user: names only).
pub async fn list_agencies(store: &Store, actor: &Actor) -> Result<Vec<Agency>, ServiceError> {
    actor.require(Permission::ReadDirectory)?;
    Ok(store.read(store::list_agencies).await?)
}

/// Creates a team in an agency (admins). Team names are unique within their agency.
pub async fn create_team(
    store: &Store,
    actor: &Actor,
    agency_id: AgencyId,
    name: String,
) -> Result<Team, ServiceError> {
    actor.require(Permission::ManageAccounts)?;
    checked_name("name", &name)?;
    in_transaction(store, move |c| {
        if store::get_agency(c, agency_id.as_str())?.is_none() {
            return Err(invalid("agency_id", "no agency has this id"));
        }
        Ok(store::create_team(c, agency_id.as_str(), &name)?)
    })
    .await
}

/// Every team, by agency and name (every signed-in user: names only).
pub async fn list_teams(store: &Store, actor: &Actor) -> Result<Vec<Team>, ServiceError> {
    actor.require(Permission::ReadDirectory)?;
    Ok(store.read(store::list_teams).await?)
}

/// A user to create, as asked for; the password is still plain text.
#[derive(Debug, Clone)]
pub struct UserRequest {
    pub email: String,
    pub name: String,
    /// At least 12 characters.
    pub password: String,
    pub role: Role,
    /// Required for the roles that work for an agency (`Role::needs_agency`).
    pub agency_id: Option<String>,
    /// A team of that agency.
    pub team_id: Option<String>,
}

/// The checks of a new user that need no database: e-mail, name, password and, for roles
/// that work for an agency, that one is given.
fn check_request(request: &UserRequest, agency_given: bool) -> Result<(), ServiceError> {
    Email::parse(&request.email).map_err(|r| invalid("email", r))?;
    checked_name("name", &request.name)?;
    password::check_policy(&request.password).map_err(|e| invalid("password", e.to_string()))?;
    if request.role.needs_agency() && !agency_given {
        return Err(invalid(
            "agency_id",
            format!("a {} must belong to an agency", request.role),
        ));
    }
    Ok(())
}

/// Checks what can be checked without the database and returns the password hash, on the
/// calling thread and outside any [`HashingLimit`] (CPU-heavy: for callers that are not
/// serving requests, such as test fixtures). With [`create`], the steps of [`create_user`]
/// for a caller that already holds a transaction.
pub fn prepare(request: &UserRequest) -> Result<String, ServiceError> {
    check_request(request, request.agency_id.is_some())?;
    password::hash(&request.password).map_err(|e| invalid("password", e.to_string()))
}

/// Creates the user inside the caller's transaction, checking that the agency exists and that
/// the team is one of its own; `password_hash` comes from [`prepare`] (or the hashing of
/// [`create_user`]). Checks no role: the caller has.
pub fn create(
    conn: &mut DbConnection,
    request: UserRequest,
    password_hash: String,
) -> Result<User, ServiceError> {
    if let Some(agency_id) = &request.agency_id {
        if store::get_agency(conn, agency_id)?.is_none() {
            return Err(invalid("agency_id", "no agency has this id"));
        }
    }
    if let Some(team_id) = &request.team_id {
        let team = store::get_team(conn, team_id)?
            .ok_or_else(|| invalid("team_id", "no team has this id"))?;
        if request.agency_id.as_deref() != Some(team.agency_id.as_str()) {
            return Err(invalid("team_id", "the team belongs to another agency"));
        }
    }
    Ok(store::create_user(
        conn,
        NewUser {
            email: request.email,
            name: request.name,
            role: request.role,
            agency_id: request.agency_id,
            team_id: request.team_id,
            password_hash,
        },
    )?)
}

/// Creates a user (admins). Every field is checked, the password is hashed within the
/// server's bound on hashes in flight (`Busy` when it is reached: nothing was created), then
/// the user is stored in one transaction. An e-mail address already in use, whatever its
/// case, is a conflict.
pub async fn create_user(
    store: &Store,
    hashing: &HashingLimit,
    actor: &Actor,
    request: UserRequest,
) -> Result<User, ServiceError> {
    register(store, hashing, actor, request, None).await
}

/// An agency, and a team in it, given by name: each is created when missing.
#[derive(Debug, Clone)]
pub struct NamedAgency {
    pub name: String,
    /// The kind of the agency, should it be created.
    pub kind: AgencyKind,
    pub team: Option<String>,
}

/// [`create_user`], with the agency and team given by name and each created when missing, in
/// the same transaction as the user (a refused user leaves no new agency behind). For the
/// console's `coregroup user create`, which must work on an empty database. The request's
/// own `agency_id` and `team_id` must be empty.
pub async fn create_user_in_named_agency(
    store: &Store,
    hashing: &HashingLimit,
    actor: &Actor,
    request: UserRequest,
    agency: NamedAgency,
) -> Result<User, ServiceError> {
    register(store, hashing, actor, request, Some(agency)).await
}

async fn register(
    store: &Store,
    hashing: &HashingLimit,
    actor: &Actor,
    mut request: UserRequest,
    named: Option<NamedAgency>,
) -> Result<User, ServiceError> {
    actor.require(Permission::ManageAccounts)?;
    if named.is_some() && (request.agency_id.is_some() || request.team_id.is_some()) {
        return Err(invalid(
            "agency_id",
            "give the agency by its name or by its id, not both",
        ));
    }
    check_request(&request, request.agency_id.is_some() || named.is_some())?;
    if let Some(named) = &named {
        checked_name("agency", &named.name)?;
        if let Some(team) = &named.team {
            checked_name("team", team)?;
        }
    }
    // The plain password goes into the hashing and no further.
    let plain = std::mem::take(&mut request.password);
    let hash = hashing
        .run(move |ws| password::hash_in(ws, &plain))
        .await?
        .map_err(|e| invalid("password", e.to_string()))?;
    in_transaction(store, move |c| {
        if let Some(named) = named {
            let agency = match store::find_agency_by_name(c, &named.name)? {
                Some(found) => found,
                None => store::create_agency(c, &named.name, named.kind)?,
            };
            if let Some(team_name) = &named.team {
                let team = match store::find_team_by_name(c, &agency.id, team_name)? {
                    Some(found) => found,
                    None => store::create_team(c, &agency.id, team_name)?,
                };
                request.team_id = Some(team.id);
            }
            request.agency_id = Some(agency.id);
        }
        create(c, request, hash)
    })
    .await
}

/// Every user, by e-mail address (admins).
pub async fn list_users(store: &Store, actor: &Actor) -> Result<Vec<User>, ServiceError> {
    actor.require(Permission::ManageAccounts)?;
    Ok(store.read(store::list_users).await?)
}

/// One user (admins).
pub async fn get_user(store: &Store, actor: &Actor, id: UserId) -> Result<User, ServiceError> {
    actor.require(Permission::ManageAccounts)?;
    store
        .read(move |c| store::get_user(c, id.as_str()))
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Renames a user, changes their role or team, disables or enables them (admins). A change of
/// role or a disable ends every session of that user at once.
///
/// The rules: an admin cannot disable or demote their own account (another admin must); a
/// role that works for an agency needs a user who belongs to one; a team must be one of the
/// user's agency. `team_id: Some(None)` takes the user out of their team.
pub async fn update_user(
    store: &Store,
    actor: &Actor,
    id: UserId,
    changes: UserChanges,
) -> Result<User, ServiceError> {
    actor.require(Permission::ManageAccounts)?;
    if let Some(name) = &changes.name {
        checked_name("name", name)?;
    }
    if actor.user_id() == Some(id.as_str())
        && (changes.active == Some(false) || changes.role.is_some_and(|r| r != Role::Admin))
    {
        return Err(invalid(
            "active",
            "an admin cannot disable or demote their own account; ask another admin",
        ));
    }
    in_transaction(store, move |c| {
        let current = store::get_user(c, id.as_str())?.ok_or(ServiceError::NotFound)?;
        if changes.role.is_some_and(|r| r.needs_agency()) && current.agency_id.is_none() {
            return Err(invalid(
                "role",
                "this role needs an agency, and the user belongs to none",
            ));
        }
        if let Some(Some(team_id)) = &changes.team_id {
            let team = store::get_team(c, team_id)?
                .ok_or_else(|| invalid("team_id", "no team has this id"))?;
            if current.agency_id.as_deref() != Some(team.agency_id.as_str()) {
                return Err(invalid("team_id", "the team belongs to another agency"));
            }
        }
        Ok(store::update_user(c, id.as_str(), changes)?)
    })
    .await
}

/// The user a password-reset code is for.
#[derive(Debug, Clone)]
pub enum ResetFor {
    /// By id (the API's path): an unknown one is not found.
    Id(UserId),
    /// By e-mail address, whatever its case (the console): an unknown one is a refused
    /// `email`.
    Email(String),
}

/// Issues a one-time password-reset code (admins), with which the user sets a new password.
/// Only its hash is kept; it works once, for `auth::service::RESET_CODE_HOURS`, and a newer
/// code replaces it. The code is answered this once: hand it over by a channel you trust.
pub async fn issue_password_reset(
    store: &Store,
    actor: &Actor,
    user: ResetFor,
) -> Result<IssuedReset, ServiceError> {
    actor.require(Permission::ManageAccounts)?;
    let issued_by = actor.user_id().map(str::to_string);
    let (user_id, issued) = in_transaction(store, move |c| {
        let user_id = match user {
            ResetFor::Id(id) => {
                store::get_user(c, id.as_str())?
                    .ok_or(ServiceError::NotFound)?
                    .id
            }
            ResetFor::Email(email) => {
                store::find_credentials_by_email(c, &email)?
                    .ok_or_else(|| invalid("email", "no user has this e-mail address"))?
                    .user
                    .id
            }
        };
        let issued = issue_reset_code(c, &user_id, issued_by.as_deref())?;
        Ok((user_id, issued))
    })
    .await?;
    tracing::info!(user_id = %user_id, issued_by = %actor.label(), "password-reset code issued");
    Ok(issued)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::{DatabaseUrl, PoolSettings};

    /// A store on a fresh SQLite file (an in-memory database cannot be shared by the pool).
    pub(crate) fn test_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = DatabaseUrl::parse(&format!(
            "sqlite://{}",
            dir.path().join("services.db").display()
        ))
        .expect("url");
        let store = Store::connect(&url, &url, &PoolSettings::default()).expect("store");
        store.migrate().expect("migrations");
        (dir, store)
    }

    /// A user of `role` made directly in the store (with an agency when the role needs one).
    pub(crate) fn user_of(store: &Store, role: Role, email: &str) -> User {
        let email = email.to_string();
        store
            .write_blocking(move |c| {
                let agency_id = if role.needs_agency() {
                    Some(
                        store::create_agency(c, &format!("Agency of {email}"), AgencyKind::Other)?
                            .id,
                    )
                } else {
                    None
                };
                store::create_user(
                    c,
                    NewUser {
                        email,
                        name: "Test Person".into(),
                        role,
                        agency_id,
                        team_id: None,
                        password_hash: "not a hash".into(),
                    },
                )
            })
            .expect("user")
    }

    /// Agencies, teams and users, as stored.
    async fn everything(store: &Store) -> (Vec<Agency>, Vec<Team>, Vec<User>) {
        store
            .read(|c| {
                Ok((
                    store::list_agencies(c)?,
                    store::list_teams(c)?,
                    store::list_users(c)?,
                ))
            })
            .await
            .unwrap()
    }

    fn request(email: &str) -> UserRequest {
        UserRequest {
            email: email.into(),
            name: "New Person".into(),
            password: "twelve chars at least".into(),
            role: Role::Auditor,
            agency_id: None,
            team_id: None,
        }
    }

    fn hashing() -> HashingLimit {
        HashingLimit::new(1, std::time::Duration::from_secs(5))
    }

    fn refused_field(answer: Result<impl std::fmt::Debug, ServiceError>) -> String {
        match answer {
            Err(ServiceError::Invalid { field, .. }) => field,
            other => panic!("expected a refused field, got {other:?}"),
        }
    }

    #[actix_web::test]
    async fn a_non_admin_is_refused_and_nothing_is_written() {
        let (_dir, store) = test_store();
        let admin = user_of(&store, Role::Admin, "admin@council.example");
        let target = user_of(&store, Role::Practitioner, "target@school.example");
        for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
            let actor = Actor::User(user_of(&store, role, &format!("{role}@x.example")));
            let before = everything(&store).await;
            let answers = [
                create_agency(&store, &actor, "Sneaky".into(), AgencyKind::Other)
                    .await
                    .map(|_| ()),
                create_team(
                    &store,
                    &actor,
                    target.agency_id.clone().unwrap().into(),
                    "Sneaky".into(),
                )
                .await
                .map(|_| ()),
                create_user(&store, &hashing(), &actor, request("sneaky@x.example"))
                    .await
                    .map(|_| ()),
                update_user(
                    &store,
                    &actor,
                    target.id.clone().into(),
                    UserChanges {
                        role: Some(Role::Admin),
                        ..UserChanges::default()
                    },
                )
                .await
                .map(|_| ()),
                issue_password_reset(&store, &actor, ResetFor::Id(target.id.clone().into()))
                    .await
                    .map(|_| ()),
                list_users(&store, &actor).await.map(|_| ()),
                get_user(&store, &actor, target.id.clone().into())
                    .await
                    .map(|_| ()),
            ];
            for answer in answers {
                assert!(
                    matches!(answer, Err(ServiceError::Forbidden(_))),
                    "{role}: {answer:?}"
                );
            }
            assert_eq!(everything(&store).await, before, "{role} changed something");
            let resets: i64 = store
                .read(|c| {
                    use diesel::prelude::*;
                    Ok(crate::store::schema::password_resets::table
                        .count()
                        .get_result(c)?)
                })
                .await
                .unwrap();
            assert_eq!(resets, 0);
            // The directory is for everyone.
            assert!(list_agencies(&store, &actor).await.is_ok());
            assert!(list_teams(&store, &actor).await.is_ok());
        }
        // A disabled admin is refused too.
        let mut disabled = admin;
        disabled.active = false;
        let before = everything(&store).await;
        let answer = create_agency(
            &store,
            &Actor::User(disabled),
            "Sneaky".into(),
            AgencyKind::Other,
        )
        .await;
        assert!(
            matches!(answer, Err(ServiceError::Forbidden(_))),
            "{answer:?}"
        );
        assert_eq!(everything(&store).await, before);
    }

    #[actix_web::test]
    async fn a_bad_field_is_named_and_nothing_is_written() {
        let (_dir, store) = test_store();
        let admin = Actor::User(user_of(&store, Role::Admin, "admin@council.example"));
        let police = create_agency(
            &store,
            &admin,
            "Eastfield Police".into(),
            AgencyKind::Police,
        )
        .await
        .unwrap();
        let health = create_agency(
            &store,
            &admin,
            "Eastfield Health".into(),
            AgencyKind::Health,
        )
        .await
        .unwrap();
        let other_team = create_team(&store, &admin, health.id.clone().into(), "Ward".into())
            .await
            .unwrap();
        let before = everything(&store).await;
        let good = UserRequest {
            role: Role::Practitioner,
            agency_id: Some(police.id.clone()),
            ..request("pc@police.example")
        };
        let with = |change: &dyn Fn(&mut UserRequest)| {
            let mut r = good.clone();
            change(&mut r);
            r
        };
        let cases = [
            (with(&|r| r.email = "not-an-email".into()), "email"),
            (with(&|r| r.name = "   ".into()), "name"),
            (with(&|r| r.password = "too short".into()), "password"),
            (with(&|r| r.agency_id = None), "agency_id"),
            (
                with(&|r| r.agency_id = Some("no-such-agency".into())),
                "agency_id",
            ),
            (
                with(&|r| r.team_id = Some(other_team.id.clone())),
                "team_id",
            ),
            (
                with(&|r| r.team_id = Some("no-such-team".into())),
                "team_id",
            ),
        ];
        for (request, field) in cases {
            let answer = create_user(&store, &hashing(), &admin, request).await;
            assert_eq!(refused_field(answer), field);
        }
        // At the console, by name: a bad agency or team name is named, and no agency is
        // left behind by a refused user.
        let named = |name: &str, team: Option<&str>| NamedAgency {
            name: name.into(),
            kind: AgencyKind::Other,
            team: team.map(String::from),
        };
        let by_name = |r: UserRequest, a: NamedAgency| {
            let store = store.clone();
            async move { create_user_in_named_agency(&store, &hashing(), &Actor::Console, r, a).await }
        };
        let answer = by_name(request("a@x.example"), named(" ", None)).await;
        assert_eq!(refused_field(answer), "agency");
        let answer = by_name(request("a@x.example"), named("Fresh Agency", Some("\u{7}"))).await;
        assert_eq!(refused_field(answer), "team");
        let taken = UserRequest {
            email: "ADMIN@Council.example".into(),
            ..request("x@x.example")
        };
        let answer = by_name(taken, named("Fresh Agency", Some("Fresh Team"))).await;
        assert!(
            matches!(
                answer,
                Err(ServiceError::Store(crate::store::StoreError::Conflict(_)))
            ),
            "{answer:?}"
        );
        // Agencies and teams.
        let answer = create_agency(&store, &admin, "".into(), AgencyKind::Other).await;
        assert_eq!(refused_field(answer), "name");
        let answer = create_team(&store, &admin, "no-such-agency".into(), "Team".into()).await;
        assert_eq!(refused_field(answer), "agency_id");
        let answer = create_team(&store, &admin, police.id.clone().into(), "\u{0}".into()).await;
        assert_eq!(refused_field(answer), "name");
        assert_eq!(
            everything(&store).await,
            before,
            "a refused request stored something"
        );
        // The same request, put right, is accepted.
        let user = create_user(&store, &hashing(), &admin, good).await.unwrap();
        assert_eq!(user.agency_id.as_deref(), Some(police.id.as_str()));
    }

    #[actix_web::test]
    async fn user_changes_follow_the_rules() {
        let (_dir, store) = test_store();
        let me = user_of(&store, Role::Admin, "admin@council.example");
        let admin = Actor::User(me.clone());
        let auditor = user_of(&store, Role::Auditor, "auditor@council.example");
        let teacher = user_of(&store, Role::Practitioner, "teacher@school.example");
        let elsewhere = create_agency(&store, &admin, "Elsewhere".into(), AgencyKind::Other)
            .await
            .unwrap();
        let foreign_team = create_team(&store, &admin, elsewhere.id.into(), "Foreign".into())
            .await
            .unwrap();
        let before = everything(&store).await;
        let change = |f: &dyn Fn(&mut UserChanges)| {
            let mut c = UserChanges::default();
            f(&mut c);
            c
        };
        let refusals = [
            (me.id.clone(), change(&|c| c.active = Some(false)), "active"),
            (
                me.id.clone(),
                change(&|c| c.role = Some(Role::Auditor)),
                "active",
            ),
            (
                auditor.id.clone(),
                change(&|c| c.name = Some(" ".into())),
                "name",
            ),
            (
                auditor.id.clone(),
                change(&|c| c.role = Some(Role::SocialWorker)),
                "role",
            ),
            (
                teacher.id.clone(),
                change(&|c| c.team_id = Some(Some(foreign_team.id.clone()))),
                "team_id",
            ),
            (
                teacher.id.clone(),
                change(&|c| c.team_id = Some(Some("no-such-team".into()))),
                "team_id",
            ),
        ];
        for (id, changes, field) in refusals {
            assert_eq!(
                refused_field(update_user(&store, &admin, id.into(), changes).await),
                field
            );
        }
        assert!(matches!(
            update_user(
                &store,
                &admin,
                "no-such-user".into(),
                UserChanges::default()
            )
            .await,
            Err(ServiceError::NotFound)
        ));
        assert_eq!(everything(&store).await, before);
        let renamed = update_user(
            &store,
            &admin,
            auditor.id.clone().into(),
            change(&|c| c.name = Some("  Renamed Person ".into())),
        )
        .await
        .unwrap();
        assert_eq!(renamed.name, "Renamed Person");
    }

    #[actix_web::test]
    async fn reset_codes_are_for_known_users_only() {
        let (_dir, store) = test_store();
        let admin = Actor::User(user_of(&store, Role::Admin, "admin@council.example"));
        let user = user_of(&store, Role::Auditor, "forgetful@council.example");
        assert!(matches!(
            issue_password_reset(&store, &admin, ResetFor::Id("no-such-user".into())).await,
            Err(ServiceError::NotFound)
        ));
        let answer = issue_password_reset(
            &store,
            &Actor::Console,
            ResetFor::Email("nobody@x.example".into()),
        )
        .await;
        assert_eq!(refused_field(answer), "email");
        assert!(
            issue_password_reset(&store, &admin, ResetFor::Id(user.id.clone().into()))
                .await
                .is_ok()
        );
        assert!(issue_password_reset(
            &store,
            &Actor::Console,
            ResetFor::Email("Forgetful@Council.EXAMPLE".into())
        )
        .await
        .is_ok());
    }
}
