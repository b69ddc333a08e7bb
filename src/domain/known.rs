//! What the record said at a moment (`known_at`, domain.md §3): the facts of a plan as they
//! stood then. Every fact carries when it entered the record and when it changed; this module
//! turns the whole history into the facts as known at one instant, so that a status asked
//! again with the same (`as_of`, `known_at`) gives the same answer whatever was recorded since
//! — a draft finalised later is still a draft, a correction made later has not happened, a
//! frequency change or membership end recorded later is not in force.

use chrono::{DateTime, Utc};

use super::records::{
    ActionFact, CaseFacts, MeetingFact, MemberFact, MinutesFact, PlanFacts, RecordStatus,
    SightingFact,
};

fn by(at: DateTime<Utc>, known_at: DateTime<Utc>) -> bool {
    at <= known_at
}

/// A time the store did not keep (rows older than the history) counts as known always.
fn by_or_unkept(at: Option<DateTime<Utc>>, known_at: DateTime<Utc>) -> bool {
    at.is_none_or(|at| at <= known_at)
}

impl CaseFacts {
    /// The facts as they stood at `known_at`.
    pub fn as_known_at(&self, known_at: DateTime<Utc>) -> CaseFacts {
        CaseFacts {
            date_of_birth: self.date_of_birth,
            plan: self.plan.as_known_at(known_at),
            sightings: self
                .sightings
                .iter()
                .filter_map(|s| s.as_known_at(known_at))
                .collect(),
            decisions: self
                .decisions
                .iter()
                .filter(|d| by(d.recorded_at, known_at))
                .cloned()
                .collect(),
            members: self
                .members
                .iter()
                .filter_map(|m| m.as_known_at(known_at))
                .collect(),
            meetings: self
                .meetings
                .iter()
                .filter_map(|m| m.as_known_at(known_at))
                .collect(),
            actions: self
                .actions
                .iter()
                .filter_map(|a| a.as_known_at(known_at))
                .collect(),
            reviews: self
                .reviews
                .iter()
                .filter(|r| by(r.recorded_at, known_at))
                .cloned()
                .collect(),
        }
    }
}

impl PlanFacts {
    /// The plan's end and frequency changes as recorded by `known_at` (whether the plan
    /// itself was recorded by then is the caller's question: it chooses the plan).
    pub fn as_known_at(&self, known_at: DateTime<Utc>) -> PlanFacts {
        let ended = self.end.is_some() && by_or_unkept(self.end_recorded_at, known_at);
        PlanFacts {
            end: self.end.filter(|_| ended),
            end_recorded_at: self.end_recorded_at.filter(|_| ended),
            frequency_changes: self
                .frequency_changes
                .iter()
                .filter(|c| by(c.recorded_at, known_at))
                .copied()
                .collect(),
            ..self.clone()
        }
    }
}

impl SightingFact {
    /// This version as it stood at `known_at`: `None` if not yet recorded; a draft until
    /// finalised; superseded only once its correction was recorded.
    pub fn as_known_at(&self, known_at: DateTime<Utc>) -> Option<SightingFact> {
        if !by(self.recorded_at, known_at) {
            return None;
        }
        let withdrawn = self.withdrawn_at.filter(|&at| by(at, known_at));
        let finalised = self.finalised_at.filter(|&at| by(at, known_at));
        let status = match (self.status, withdrawn, finalised) {
            (RecordStatus::Withdrawn, Some(_), _) => RecordStatus::Withdrawn,
            (RecordStatus::Final, _, Some(_)) => RecordStatus::Final,
            _ => RecordStatus::Draft,
        };
        let superseded = self.superseded && by_or_unkept(self.superseded_at, known_at);
        Some(SightingFact {
            status,
            finalised_at: finalised.filter(|_| status == RecordStatus::Final),
            withdrawn_at: withdrawn.filter(|_| status == RecordStatus::Withdrawn),
            superseded,
            superseded_at: self.superseded_at.filter(|_| superseded),
            ..self.clone()
        })
    }
}

impl MemberFact {
    pub fn as_known_at(&self, known_at: DateTime<Utc>) -> Option<MemberFact> {
        if !by(self.recorded_at, known_at) {
            return None;
        }
        let ended = self.until.is_some() && by_or_unkept(self.until_recorded_at, known_at);
        Some(MemberFact {
            until: self.until.filter(|_| ended),
            until_recorded_at: self.until_recorded_at.filter(|_| ended),
            ..self.clone()
        })
    }
}

impl MeetingFact {
    pub fn as_known_at(&self, known_at: DateTime<Utc>) -> Option<MeetingFact> {
        if !by(self.recorded_at, known_at) {
            return None;
        }
        let history: Vec<_> = self
            .attendance_history
            .iter()
            .filter(|(at, _)| by(*at, known_at))
            .cloned()
            .collect();
        let attendance = if self.attendance_history.is_empty() {
            self.attendance.clone()
        } else {
            history
                .last()
                .map(|(_, list)| list.clone())
                .unwrap_or_default()
        };
        Some(MeetingFact {
            attendance,
            attendance_history: history,
            minutes: self.minutes.as_ref().map(|m| m.as_known_at(known_at)),
            ..self.clone()
        })
    }
}

impl MinutesFact {
    fn as_known_at(&self, known_at: DateTime<Utc>) -> MinutesFact {
        if !by_or_unkept(self.published_at, known_at) {
            return MinutesFact {
                published_on: None,
                distributed_to: Vec::new(),
                acknowledgements: Vec::new(),
                published_at: None,
                distributed_at: Vec::new(),
                acknowledged_at: Vec::new(),
            };
        }
        let (distributed_to, distributed_at) =
            recorded_by(&self.distributed_to, &self.distributed_at, known_at);
        let (acknowledgements, acknowledged_at) =
            recorded_by(&self.acknowledgements, &self.acknowledged_at, known_at);
        MinutesFact {
            published_on: self.published_on,
            published_at: self.published_at,
            distributed_to,
            distributed_at,
            acknowledgements,
            acknowledged_at,
        }
    }
}

/// The entries of `list` recorded by `known_at`, with their times (`times[i]` is when
/// `list[i]` was). A list whose times were not kept one for one counts as known always.
fn recorded_by<T: Clone>(
    list: &[T],
    times: &[DateTime<Utc>],
    known_at: DateTime<Utc>,
) -> (Vec<T>, Vec<DateTime<Utc>>) {
    if times.len() != list.len() {
        return (list.to_vec(), times.to_vec());
    }
    list.iter()
        .zip(times)
        .filter(|(_, at)| by(**at, known_at))
        .map(|(item, at)| (item.clone(), *at))
        .unzip()
}

impl ActionFact {
    fn as_known_at(&self, known_at: DateTime<Utc>) -> Option<ActionFact> {
        if !by(self.recorded_at, known_at) {
            return None;
        }
        let versions: Vec<_> = self
            .versions
            .iter()
            .filter(|v| by(v.recorded_at, known_at))
            .cloned()
            .collect();
        // The version that stood then; an action recorded before versions were kept stands
        // as its first kept version.
        let Some(stood) = versions.last().or(self.versions.first()) else {
            return Some(self.clone());
        };
        Some(ActionFact {
            description: stood.description.clone(),
            owner_id: stood.owner_id.clone(),
            agency_id: stood.agency_id.clone(),
            due: stood.due,
            done_on: stood.done_on,
            cancelled_on: stood.cancelled_on,
            versions: if versions.is_empty() {
                vec![stood.clone()]
            } else {
                versions
            },
            ..self.clone()
        })
    }
}
