//! Which child a record named in a request is about: requests name plans, meetings, minutes,
//! actions and sightings, while access is decided, and reads and refusals are logged, per child.

use super::{actions, cases, meetings, minutes, sightings, DbConnection, StoreError};

/// A record a request names by id.
#[derive(Debug, Clone)]
pub enum Record {
    Plan(String),
    Meeting(String),
    Minutes(String),
    Action(String),
    Sighting(String),
}

/// The child the record is about; `None` when there is no such record.
pub fn child_of(conn: &mut DbConnection, record: &Record) -> Result<Option<String>, StoreError> {
    let plan_id = match record {
        Record::Sighting(id) => return Ok(sightings::get(conn, id)?.map(|s| s.child_id)),
        Record::Plan(id) => Some(id.clone()),
        Record::Meeting(id) => meetings::get(conn, id)?.map(|m| m.plan_id),
        Record::Minutes(id) => match minutes::get(conn, id)? {
            Some(m) => meetings::get(conn, &m.meeting_id)?.map(|m| m.plan_id),
            None => None,
        },
        Record::Action(id) => actions::get(conn, id)?.map(|a| a.plan_id),
    };
    match plan_id {
        Some(plan_id) => Ok(cases::get_plan(conn, &plan_id)?.map(|p| p.child_id)),
        None => Ok(None),
    }
}
