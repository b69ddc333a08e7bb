//! The HTTP API under `/api/v1`: one thin face over the services. A handler parses the
//! request, calls one service (`crate::services`), and answers; it never reaches the store
//! (`scripts/check-layers` fails if one does). Each handler's doc line names its route; the
//! files are by resource, and each keeps its views (JSON shapes) beside its handlers.

pub mod actions;
pub mod admin;
pub mod auth;
pub mod case_views;
pub mod children;
pub mod csv;
pub mod dashboard;
pub mod error;
pub mod extract;
pub mod health;
pub mod meetings;
pub mod minutes;
pub mod openapi;
pub mod oversight;
pub mod plans;
pub mod record;
pub mod reports;
pub mod reviews;
pub mod settings;
pub mod sightings;
pub mod text;
pub mod views;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthService;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The use cases: what every handler calls (with the store, calendars and zone inside).
    pub services: crate::services::Services,
    pub auth: AuthService,
    pub trust_forwarded_for: bool,
}

/// Registers every `/api/v1` route (collected into the OpenAPI document as it goes).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::me)
        .service(auth::change_password)
        .service(auth::reset_password)
        .service(admin::create_agency)
        .service(admin::list_agencies)
        .service(admin::create_team)
        .service(admin::list_teams)
        .service(admin::create_user)
        .service(admin::list_users)
        .service(admin::get_user)
        .service(admin::update_user)
        .service(admin::issue_password_reset)
        .service(settings::list_calendars)
        .service(settings::get_calendar)
        .service(settings::import_calendars)
        .service(settings::get_policy)
        .service(settings::put_policy)
        .service(children::create_family)
        .service(children::create_child)
        .service(record::child_status)
        .service(record::chronology)
        .service(record::access_log)
        .service(children::get_child)
        .service(plans::create_plan)
        .service(plans::get_plan)
        .service(plans::add_member)
        .service(plans::end_membership)
        .service(plans::end_plan)
        .service(plans::change_frequency)
        .service(sightings::record_sighting)
        .service(sightings::record_visit)
        .service(sightings::get_sighting)
        .service(sightings::update_sighting)
        .service(sightings::finalise_sighting)
        .service(sightings::withdraw_sighting)
        .service(sightings::my_drafts)
        .service(sightings::correct_sighting)
        .service(sightings::record_decision)
        .service(dashboard::dashboard)
        .service(plans::add_cover)
        .service(meetings::create_meeting)
        .service(meetings::record_attendance)
        .service(meetings::core_group)
        .service(minutes::draft_minutes)
        .service(minutes::list_minutes)
        .service(minutes::get_minutes)
        .service(minutes::edit_minutes)
        .service(minutes::publish_minutes)
        .service(minutes::acknowledge_minutes)
        .service(actions::create_action)
        .service(actions::plan_actions)
        .service(actions::my_actions)
        .service(actions::get_action)
        .service(actions::update_action)
        .service(actions::add_progress)
        .service(reviews::record_review)
        .service(reviews::plan_reviews)
        .service(oversight::plan_implementation)
        .service(oversight::chair_plans)
        .service(reports::visits)
        .service(reports::core_groups)
        .service(reports::plans)
        .service(reports::audit_sample);
}
