//! The rule settings (policy) and the bank-holiday calendars: every signed-in user may read
//! them, admins (and the operator at the console, [`Actor::Console`]) change them.
//!
//! As in `services::admin`, each use case is one function that checks who asks, does its work
//! in one transaction and answers a typed result or one [`ServiceError`].

use serde_json::{Map, Value};

use super::admin::{in_transaction, Actor};
use super::{invalid, FieldProblem, ServiceError};
use crate::access::Permission;
use crate::calendars::{CalendarBook, ImportError, InForce, Source};
use crate::domain::calendar::{Calendar, Region};
use crate::domain::policy::Policy;
use crate::store::settings as stored;
use crate::store::Store;

/// The rule settings in force (every signed-in user: everyone is held to them).
pub async fn get_policy(store: &Store, actor: &Actor) -> Result<Policy, ServiceError> {
    actor.require(Permission::ReadSettings)?;
    Ok(store.read(stored::policy).await?)
}

/// A change to the rule settings: the fields given, by their names in [`Policy`], with their
/// new values. The fields not given keep their current values.
#[derive(Debug, Clone, Default)]
pub struct PolicyChanges(Map<String, Value>);

impl PolicyChanges {
    /// Reads a change, refusing an unknown field or a value of the wrong shape with the error
    /// `read` answers. `read` reads a whole policy from JSON text: the caller's own reader,
    /// so that a refusal names the field at fault in the caller's terms. The change is read
    /// on its own, the fields it does not give taking their defaults for this check alone;
    /// the bounds are checked when the change is applied, against the values kept.
    pub fn read<E>(
        fields: Map<String, Value>,
        read: impl FnOnce(&[u8]) -> Result<Policy, E>,
    ) -> Result<PolicyChanges, E> {
        read(Value::Object(fields.clone()).to_string().as_bytes())?;
        Ok(PolicyChanges(fields))
    }

    /// `current` with the fields of this change replaced (not yet checked for bounds).
    fn apply_to(&self, current: &Policy) -> Result<Policy, ServiceError> {
        let mut merged = match serde_json::to_value(current) {
            Ok(Value::Object(map)) => map,
            _ => {
                return Err(ServiceError::Store(crate::store::StoreError::Invalid(
                    "the policy in force is not serialisable".into(),
                )))
            }
        };
        merged.extend(self.0.clone());
        // A change that was read cannot fail here; one that was not is refused, named.
        serde_path_to_error::deserialize(Value::Object(merged)).map_err(|e| {
            let field = e.path().to_string();
            invalid(field, e.into_inner().to_string())
        })
    }
}

/// Changes rule settings (admins): the fields given replace the current values, fields not
/// given keep theirs. Every value of the result is checked against its bounds, each one out
/// of bounds named; nothing changes if any is refused.
pub async fn put_policy(
    store: &Store,
    actor: &Actor,
    changes: PolicyChanges,
) -> Result<Policy, ServiceError> {
    actor.require(Permission::ManageSettings)?;
    let policy = in_transaction(store, move |c| {
        let policy = changes.apply_to(&stored::policy(c)?)?;
        let problems = policy.check();
        if !problems.is_empty() {
            return Err(ServiceError::InvalidFields(
                problems
                    .into_iter()
                    .map(|p| FieldProblem {
                        field: p.field.to_string(),
                        reason: p.reason,
                    })
                    .collect(),
            ));
        }
        stored::put_policy(c, &policy)?;
        Ok(policy)
    })
    .await?;
    tracing::info!(user_id = %actor.label(), "rule settings changed");
    Ok(policy)
}

/// One calendar in force, and where it came from.
#[derive(Debug, Clone)]
pub struct CalendarInForce {
    pub calendar: Calendar,
    pub source: Source,
}

fn in_force(calendars: &InForce) -> Vec<CalendarInForce> {
    calendars
        .calendars
        .all()
        .iter()
        .map(|calendar| CalendarInForce {
            calendar: calendar.clone(),
            source: calendars
                .source(calendar.region())
                .cloned()
                .unwrap_or(Source::Shipped),
        })
        .collect()
}

/// The calendars in force, by region (every signed-in user).
pub async fn list_calendars(
    book: &CalendarBook,
    actor: &Actor,
) -> Result<Vec<CalendarInForce>, ServiceError> {
    actor.require(Permission::ReadSettings)?;
    Ok(in_force(&*book.current().await?))
}

/// One region's calendar (every signed-in user); `NotFound` when none is loaded for it.
pub async fn get_calendar(
    book: &CalendarBook,
    actor: &Actor,
    region: Region,
) -> Result<CalendarInForce, ServiceError> {
    actor.require(Permission::ReadSettings)?;
    in_force(&*book.current().await?)
        .into_iter()
        .find(|c| c.calendar.region() == region)
        .ok_or(ServiceError::NotFound)
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The calendars the feed held, now stored.
    pub imported: Vec<Calendar>,
    /// Every calendar in force after the import.
    pub in_force: Vec<CalendarInForce>,
}

/// Imports a GOV.UK bank-holidays feed, every division it holds (admins, and the console).
/// The whole feed is checked first: any fault refuses all of it (`feed`, with the line and
/// the reason) and the calendars in force stay as they were.
pub async fn import_calendars(
    book: &CalendarBook,
    actor: &Actor,
    feed: String,
) -> Result<Imported, ServiceError> {
    actor.require(Permission::ManageSettings)?;
    let imported = book
        .import(feed, actor.user_id().map(str::to_string))
        .await
        .map_err(|e| match e {
            ImportError::Feed(feed) => invalid("feed", feed.to_string()),
            ImportError::Store(s) => ServiceError::Store(s),
        })?;
    tracing::info!(user_id = %actor.label(), "bank-holiday calendars imported");
    let in_force = in_force(&*book.current().await?);
    Ok(Imported { imported, in_force })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::people::Role;
    use crate::services::admin::tests::{test_store, user_of};

    fn changes(fields: Value) -> PolicyChanges {
        let Value::Object(map) = fields else {
            panic!("not an object")
        };
        PolicyChanges::read(map, |text| serde_json::from_slice::<Policy>(text))
            .expect("a readable change")
    }

    async fn stored_policy(store: &Store) -> Option<String> {
        store
            .read(|c| stored::get(c, "policy"))
            .await
            .expect("read")
    }

    #[actix_web::test]
    async fn a_refused_policy_change_changes_nothing() {
        let (_dir, store) = test_store();
        let admin = Actor::User(user_of(&store, Role::Admin, "admin@council.example"));
        let set = put_policy(
            &store,
            &admin,
            changes(serde_json::json!({"any_agency_working_days": 25})),
        )
        .await
        .unwrap();
        assert_eq!(set.any_agency_working_days, 25);
        let before = stored_policy(&store).await;
        assert!(before.is_some());

        // Out of bounds: each value named, nothing stored.
        let answer = put_policy(
            &store,
            &admin,
            changes(serde_json::json!({
                "any_agency_working_days": 0,
                "home_visit_share_percent": 101,
                "count_event_day": true,
            })),
        )
        .await;
        match answer {
            Err(ServiceError::InvalidFields(problems)) => {
                let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
                assert_eq!(
                    fields,
                    ["any_agency_working_days", "home_visit_share_percent"]
                );
            }
            other => panic!("expected the fields named, got {other:?}"),
        }
        assert_eq!(stored_policy(&store).await, before);

        // Not an admin: refused, nothing stored.
        for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
            let actor = Actor::User(user_of(&store, role, &format!("{role}@x.example")));
            let answer = put_policy(
                &store,
                &actor,
                changes(serde_json::json!({"any_agency_working_days": 60})),
            )
            .await;
            assert!(matches!(answer, Err(ServiceError::Forbidden(_))), "{role}");
            assert_eq!(
                get_policy(&store, &actor)
                    .await
                    .unwrap()
                    .any_agency_working_days,
                25
            );
        }
        assert_eq!(stored_policy(&store).await, before);
    }

    #[test]
    fn a_change_of_the_wrong_shape_is_refused_when_read() {
        let read = |fields: Value| {
            let Value::Object(map) = fields else {
                panic!("not an object")
            };
            PolicyChanges::read(map, |text| {
                serde_path_to_error::deserialize::<_, Policy>(
                    &mut serde_json::Deserializer::from_slice(text),
                )
                .map_err(|e| e.path().to_string())
            })
        };
        assert_eq!(
            read(serde_json::json!({"any_agency_days": 10})).unwrap_err(),
            "any_agency_days"
        );
        assert_eq!(
            read(serde_json::json!({"home_visit_frequency": {"every": 14, "unit": "fortnights"}}))
                .unwrap_err(),
            "home_visit_frequency.unit"
        );
        let kept = read(serde_json::json!({"warn_working_days": 3}))
            .unwrap()
            .apply_to(&Policy::default())
            .unwrap();
        assert_eq!(kept.warn_working_days, 3);
        assert_eq!(
            kept.any_agency_working_days,
            Policy::default().any_agency_working_days
        );
    }

    #[actix_web::test]
    async fn only_admins_and_the_console_import_calendars() {
        let (_dir, store) = test_store();
        let book = CalendarBook::new(store.clone());
        let teacher = Actor::User(user_of(&store, Role::Practitioner, "t@school.example"));
        let feed = include_str!("../../data/bank-holidays-england-and-wales.json").to_string();
        assert!(matches!(
            import_calendars(&book, &teacher, feed.clone()).await,
            Err(ServiceError::Forbidden(_))
        ));
        let shown = get_calendar(&book, &teacher, Region::EnglandAndWales)
            .await
            .unwrap();
        assert_eq!(shown.source, Source::Shipped);
        assert!(matches!(
            get_calendar(&book, &teacher, Region::Scotland).await,
            Err(ServiceError::NotFound)
        ));
        let bad = feed.replacen("2019-01-01", "2019-01-06", 1);
        let answer = import_calendars(&book, &Actor::Console, bad).await;
        assert!(
            matches!(&answer, Err(ServiceError::Invalid { field, .. }) if field == "feed"),
            "{answer:?}"
        );
        assert_eq!(
            list_calendars(&book, &teacher).await.unwrap()[0].source,
            Source::Shipped
        );
        let imported = import_calendars(&book, &Actor::Console, feed)
            .await
            .unwrap();
        assert_eq!(imported.imported.len(), 1);
        assert!(matches!(
            imported.in_force[0].source,
            Source::Imported { by: None, .. }
        ));
    }
}
