//! Who uses coregroup: users, roles and kinds of agency (domain.md §1–§2).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One role per user (domain.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Practitioner,
    SocialWorker,
    TeamManager,
    CpChair,
    Auditor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Practitioner,
        Role::SocialWorker,
        Role::TeamManager,
        Role::CpChair,
        Role::Auditor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Practitioner => "practitioner",
            Role::SocialWorker => "social_worker",
            Role::TeamManager => "team_manager",
            Role::CpChair => "cp_chair",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    /// Roles whose work is tied to an agency: a core-group member always represents one.
    pub fn needs_agency(self) -> bool {
        matches!(
            self,
            Role::Practitioner | Role::SocialWorker | Role::TeamManager
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Role, UnknownValue> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownValue::new(s, Role::ALL.iter().map(|r| r.as_str())))
    }
}

/// A person who signs in, as every layer sees them. The store keeps its own row (with the
/// password hash) and converts; nothing here says how a user is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub agency_id: Option<String>,
    pub team_id: Option<String>,
    pub active: bool,
    /// Raised whenever every session of the user must end (logout, disable, role change).
    pub session_version: i64,
    pub created_at: chrono::NaiveDateTime,
}

/// The kind of an agency (domain.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    School,
    Nursery,
    Health,
    Police,
    SocialCare,
    Housing,
    MentalHealth,
    SubstanceMisuse,
    Voluntary,
    Other,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 10] = [
        AgencyKind::School,
        AgencyKind::Nursery,
        AgencyKind::Health,
        AgencyKind::Police,
        AgencyKind::SocialCare,
        AgencyKind::Housing,
        AgencyKind::MentalHealth,
        AgencyKind::SubstanceMisuse,
        AgencyKind::Voluntary,
        AgencyKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::School => "school",
            AgencyKind::Nursery => "nursery",
            AgencyKind::Health => "health",
            AgencyKind::Police => "police",
            AgencyKind::SocialCare => "social_care",
            AgencyKind::Housing => "housing",
            AgencyKind::MentalHealth => "mental_health",
            AgencyKind::SubstanceMisuse => "substance_misuse",
            AgencyKind::Voluntary => "voluntary",
            AgencyKind::Other => "other",
        }
    }
}

impl fmt::Display for AgencyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AgencyKind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<AgencyKind, UnknownValue> {
        AgencyKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownValue::new(s, AgencyKind::ALL.iter().map(|k| k.as_str())))
    }
}

/// A word that is not one of the allowed values; says which values are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    pub given: String,
    pub allowed: Vec<&'static str>,
}

impl UnknownValue {
    fn new<'a>(given: &str, allowed: impl Iterator<Item = &'static str> + 'a) -> UnknownValue {
        UnknownValue {
            given: given.to_string(),
            allowed: allowed.collect(),
        }
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not one of: {}",
            self.given,
            self.allowed.join(", ")
        )
    }
}

impl std::error::Error for UnknownValue {}

/// The key under which an e-mail address is unique: addresses differ only in case are the
/// same person's (`Jo@School.example` and `jo@school.example`).
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A plausible e-mail address: one `@` with text either side, no spaces, at most 254 characters.
pub fn check_email(email: &str) -> Result<(), &'static str> {
    let email = email.trim();
    if email.is_empty() {
        return Err("must not be empty");
    }
    if email.len() > 254 {
        return Err("must be at most 254 characters");
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces");
    }
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.') =>
        {
            Ok(())
        }
        _ => Err("must be an e-mail address like name@agency.example"),
    }
}

/// A display name: 1 to 200 characters after trimming, no control characters.
pub fn check_name(name: &str) -> Result<(), &'static str> {
    let name = name.trim();
    if name.is_empty() {
        return Err("must not be empty");
    }
    if name.chars().count() > 200 {
        return Err("must be at most 200 characters");
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters");
    }
    Ok(())
}

/// An e-mail address read once on the way in: trimmed and plausible (`check_email`). Code
/// that holds one needs no second check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, &'static str> {
        check_email(raw)?;
        Ok(Email(raw.trim().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key under which the address is unique (`email_key`).
    pub fn key(&self) -> String {
        email_key(&self.0)
    }
}

/// A name (of a person, a child, an agency or a team) read once on the way in: trimmed,
/// 1 to 200 characters, no control characters (`check_name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(raw: &str) -> Result<Name, &'static str> {
        check_name(raw)?;
        Ok(Name(raw.trim().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_and_names_are_read_once_trimmed() {
        let email = Email::parse("  Jo.Example@School.example ").unwrap();
        assert_eq!(email.as_str(), "Jo.Example@School.example");
        assert_eq!(email.key(), "jo.example@school.example");
        assert!(Email::parse("no-at-sign").is_err());
        assert_eq!(
            Name::parse("  Ada Example ").unwrap().as_str(),
            "Ada Example"
        );
        assert!(Name::parse("   ").is_err());
        assert!(Name::parse(&"x".repeat(201)).is_err());
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        let err = "chair".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("cp_chair"));
    }

    #[test]
    fn agency_kinds_round_trip_through_their_names() {
        for kind in AgencyKind::ALL {
            assert_eq!(kind.as_str().parse::<AgencyKind>(), Ok(kind));
        }
        assert!("hospital".parse::<AgencyKind>().is_err());
    }

    #[test]
    fn email_addresses_are_unique_whatever_their_case() {
        assert_eq!(
            email_key(" Jo.Bloggs@School.Example "),
            "jo.bloggs@school.example"
        );
    }

    #[test]
    fn email_checks() {
        assert!(check_email("a@b.example").is_ok());
        for bad in [
            "",
            "ab",
            "a@",
            "@b.example",
            "a b@c.example",
            "a@b",
            "a@@b.example",
            "a@.b",
        ] {
            assert!(check_email(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn name_checks() {
        assert!(check_name("Sam Example").is_ok());
        assert!(check_name("   ").is_err());
        assert!(check_name(&"x".repeat(201)).is_err());
        assert!(check_name("a\u{0}b").is_err());
    }
}
