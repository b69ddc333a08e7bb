//! The ids of people's records, each its own type, so that a signature says which id it wants
//! and a plan's id cannot be passed where a child's is meant. On the wire and in the store an
//! id is still its text: each type (de)serialises as a plain string.

/// Defines one id newtype over `String` with the conversions every id has.
macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id as text, for the store and for messages.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id's text, given up.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> $name {
                $name(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> $name {
                $name(id.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    )+};
}

ids! {
    /// A child's id.
    ChildId,
    /// A family's id.
    FamilyId,
    /// A child protection plan's id.
    PlanId,
    /// A core group member's id (one membership of a plan).
    MemberId,
    /// A sighting's id.
    SightingId,
    /// A core group meeting's id.
    MeetingId,
    /// The id of one meeting's minutes.
    MinutesId,
    /// An action's id.
    ActionId,
    /// A user's id.
    UserId,
    /// An agency's id.
    AgencyId,
    /// A team's id.
    TeamId,
    /// A review's id.
    ReviewId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_text_on_the_wire() {
        let id = PlanId::from("plan-1".to_string());
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"plan-1\"");
        let back: PlanId = serde_json::from_str("\"plan-1\"").unwrap();
        assert_eq!(back, id);

        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Body {
            child_id: ChildId,
            user_ids: Vec<UserId>,
        }
        let body = Body {
            child_id: ChildId::from("c1"),
            user_ids: vec![UserId::from("u1"), UserId::from("u2")],
        };
        let json = serde_json::to_string(&body).unwrap();
        assert_eq!(json, r#"{"child_id":"c1","user_ids":["u1","u2"]}"#);
        assert_eq!(serde_json::from_str::<Body>(&json).unwrap(), body);
    }

    #[test]
    fn an_id_shows_as_its_text() {
        let id = SightingId::from("s-42");
        assert_eq!(id.to_string(), "s-42");
        assert_eq!(format!("sighting {id}"), "sighting s-42");
        assert_eq!(id.as_str(), "s-42");
        assert_eq!(AsRef::<str>::as_ref(&id), "s-42");
        assert_eq!(id.into_string(), "s-42");
    }
}
