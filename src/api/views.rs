//! What the API answers: the JSON shapes of resources.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

use crate::domain::people::{AgencyKind, Role, User};
use crate::services::admin::{Agency, Team};

/// Stored instants are UTC; the API writes them as RFC 3339.
pub fn instant(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub agency_id: Option<String>,
    pub team_id: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(u: User) -> UserView {
        UserView {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role,
            agency_id: u.agency_id,
            team_id: u.team_id,
            active: u.active,
            created_at: instant(u.created_at),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgencyView {
    pub id: String,
    pub name: String,
    pub kind: AgencyKind,
    pub created_at: DateTime<Utc>,
}

impl From<Agency> for AgencyView {
    fn from(a: Agency) -> AgencyView {
        AgencyView {
            id: a.id,
            name: a.name,
            kind: a.kind,
            created_at: instant(a.created_at),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamView {
    pub id: String,
    pub agency_id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<Team> for TeamView {
    fn from(t: Team) -> TeamView {
        TeamView {
            id: t.id,
            agency_id: t.agency_id,
            name: t.name,
            created_at: instant(t.created_at),
        }
    }
}

/// A list answer: `{"items": […]}`, so that paging can be added without breaking clients.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListOf<T> {
    pub items: Vec<T>,
}
