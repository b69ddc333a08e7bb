//! What every page shows around its content (the header, the navigation, the sign-out form)
//! and the one way a page is rendered.

use actix_web::http::header;
use actix_web::HttpResponse;
use serde::Serialize;

use super::error::PageError;
use super::session::Visitor;
use super::templates;
use crate::domain::people::Role;

/// The parts of the layout that depend on who is looking.
#[derive(Debug, Clone, Serialize)]
pub struct Chrome {
    /// The page's own title (the layout adds the service's name, and "Error: " when a form
    /// has errors).
    pub title: String,
    pub signed_in: bool,
    pub user_name: Option<String>,
    /// The anti-forgery token every form of the page carries.
    pub form_token: Option<String>,
    /// The navigation: the jobs this person has, the current one marked.
    pub navigation: Vec<NavItem>,
    pub has_errors: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct NavItem {
    pub href: &'static str,
    pub text: &'static str,
    pub active: bool,
}

/// The sections of the navigation, to mark the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Children,
    Record,
    Drafts,
    Other,
}

impl Chrome {
    /// The layout for someone not signed in (sign-in page, error pages, information pages).
    pub fn anonymous(title: &str) -> Chrome {
        Chrome {
            title: title.to_string(),
            signed_in: false,
            user_name: None,
            form_token: None,
            navigation: Vec::new(),
            has_errors: false,
        }
    }

    /// The layout for a signed-in visitor in `section`.
    pub fn signed_in(visitor: &Visitor, title: &str, section: Section) -> Chrome {
        let user = &visitor.who.user;
        let mut navigation = Vec::new();
        if user.role != Role::Admin {
            navigation.push(NavItem {
                href: "/children",
                text: "My children",
                active: section == Section::Children,
            });
        }
        if records_contacts(user.role) {
            navigation.push(NavItem {
                href: "/record",
                text: "Record a contact",
                active: section == Section::Record,
            });
            navigation.push(NavItem {
                href: "/drafts",
                text: "My drafts",
                active: section == Section::Drafts,
            });
        }
        Chrome {
            title: title.to_string(),
            signed_in: true,
            user_name: Some(user.name.clone()),
            form_token: Some(visitor.form_token.clone()),
            navigation,
            has_errors: false,
        }
    }

    pub fn with_errors(mut self, has_errors: bool) -> Chrome {
        self.has_errors = has_errors;
        self
    }
}

/// Whether the role records contacts with children (and so has drafts).
pub fn records_contacts(role: Role) -> bool {
    matches!(
        role,
        Role::Practitioner | Role::SocialWorker | Role::TeamManager
    )
}

/// Renders `template` with the layout's `chrome` and the page's own `page` values.
pub fn render_html<S: Serialize>(
    template: &str,
    chrome: &Chrome,
    page: S,
) -> Result<String, minijinja::Error> {
    templates::render(
        template,
        minijinja::context! {
            chrome => minijinja::value::Serde(chrome),
            page => minijinja::value::Serde(page),
        },
    )
}

/// A page as an answer: HTML that no cache keeps (case records must not linger).
pub fn page<S: Serialize>(
    template: &str,
    chrome: &Chrome,
    values: S,
) -> Result<HttpResponse, PageError> {
    let body = render_html(template, chrome, values)?;
    Ok(html(actix_web::http::StatusCode::OK, body))
}

/// A page answered with another status (a form with errors is 422, so that tests and tools
/// can tell it from a success).
pub fn page_with_status<S: Serialize>(
    status: actix_web::http::StatusCode,
    template: &str,
    chrome: &Chrome,
    values: S,
) -> Result<HttpResponse, PageError> {
    let body = render_html(template, chrome, values)?;
    Ok(html(status, body))
}

fn html(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// After a form: go to `location` with GET (so Back and reload never send it again).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// A page's values as one JSON object: `values! { name => expr, … }`, each through serde.
#[macro_export]
macro_rules! values {
    ($($key:ident => $value:expr),* $(,)?) => {{
        let mut map = serde_json::Map::new();
        $(
            map.insert(
                stringify!($key).to_string(),
                serde_json::to_value(&$value).unwrap_or_else(|e| {
                    tracing::error!(error = %e, field = stringify!($key), "a page value could not be shown");
                    serde_json::Value::Null
                }),
            );
        )*
        serde_json::Value::Object(map)
    }};
}
