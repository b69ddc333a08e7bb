//! A caller's ties to plans, from what the store holds to what `access` reads. The store
//! answers the facts (plans, memberships, cover arrangements) and names no access type; this is
//! where they become `access::PlanTies` and `access::Membership`s, and a `Relationship`.

use chrono::NaiveDate;

use crate::access::{self, Membership, PlanTies, Relationship};
use crate::domain::people::User;
use crate::store::cases::{self as case_store, Cover, Member, Plan};
use crate::store::{DbConnection, StoreError};

impl Plan {
    /// What of the plan bears on who may see its child.
    pub fn ties(&self) -> PlanTies<'_> {
        PlanTies {
            plan_id: &self.id,
            lead_social_worker_id: &self.lead_social_worker_id,
            team_id: &self.team_id,
            cp_chair_id: &self.cp_chair_id,
            start: self.start_date,
            end: self.end_date,
        }
    }
}

impl Member {
    /// The membership as access reads it: (plan, from, until).
    pub fn span(&self) -> Membership<'_> {
        (&self.plan_id, self.from_date, self.until_date)
    }
}

impl Cover {
    /// The cover arrangement as access reads it: (plan, from, until).
    pub fn span(&self) -> Membership<'_> {
        (&self.plan_id, self.from_date, Some(self.until_date))
    }
}

/// The caller's ties, on `on`, to plans already loaded (a child's, or one plan alone). The
/// same queries run when `plans` is empty, so that a missing record costs what a hidden one
/// does.
pub fn relationship_with_plans(
    conn: &mut DbConnection,
    caller: &User,
    plans: &[Plan],
    on: NaiveDate,
) -> Result<Relationship, StoreError> {
    let (memberships, covering) = case_store::memberships_and_covers(conn, &caller.id, plans)?;
    let ties: Vec<_> = plans.iter().map(Plan::ties).collect();
    let held: Vec<_> = memberships.iter().map(Member::span).collect();
    let covered: Vec<_> = covering.iter().map(Cover::span).collect();
    Ok(access::relationship_of(caller, &ties, &held, &covered, on))
}
