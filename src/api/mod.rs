//! The HTTP API under `/api/v1`: thin handlers that parse, authorise, call a service or the
//! store, and answer. Each handler's doc line names its route.

pub mod actions;
pub mod admin;
pub mod auth;
pub mod case_views;
pub mod cases;
pub mod csv;
pub mod error;
pub mod extract;
pub mod health;
pub mod meetings;
pub mod minutes;
pub mod openapi;
pub mod oversight;
pub mod reports;
pub mod reviews;
pub mod settings;
pub mod text;
pub mod views;

use chrono_tz::Tz;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthService;
use crate::calendars::CalendarBook;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The use cases: what every case handler calls.
    pub services: crate::services::Services,
    pub store: Store,
    pub auth: AuthService,
    pub calendars: CalendarBook,
    pub timezone: Tz,
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
        .service(cases::create_family)
        .service(cases::create_child)
        .service(cases::child_status)
        .service(cases::chronology)
        .service(cases::access_log)
        .service(cases::get_child)
        .service(cases::create_plan)
        .service(cases::get_plan)
        .service(cases::add_member)
        .service(cases::end_membership)
        .service(cases::end_plan)
        .service(cases::change_frequency)
        .service(cases::record_sighting)
        .service(cases::record_visit)
        .service(cases::get_sighting)
        .service(cases::update_sighting)
        .service(cases::finalise_sighting)
        .service(cases::correct_sighting)
        .service(cases::record_decision)
        .service(cases::dashboard)
        .service(cases::add_cover)
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
