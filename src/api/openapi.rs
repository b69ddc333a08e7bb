//! The OpenAPI document's frame; paths and schemas are collected from the handlers as they
//! are registered (utoipa-actix-web), so a route cannot exist without being documented.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "coregroup",
        description = "When was this child last seen, by any agency of the core group? \
                       Errors are application/problem+json (RFC 9457).",
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Signing in and out"),
        (name = "admin", description = "Agencies, teams and users"),
        (name = "settings", description = "Bank-holiday calendars and the rule settings"),
        (name = "cases", description = "Children, plans and core groups"),
        (name = "sightings", description = "Contacts with a child, by any agency"),
        (name = "core groups", description = "Meetings, attendance, gaps by agency"),
        (name = "status", description = "What the rules say, chronology, access log"),
        (name = "operations", description = "Health checks"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}
