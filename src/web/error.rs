//! The pages' one error type, mapped once to a GOV.UK-style page (or a redirect to sign in).
//! Error pages say what to do next and nothing about the record asked for: a hidden child
//! and a missing one get the same "Page not found".

use actix_web::http::{header, StatusCode};
use actix_web::{HttpMessage, HttpResponse, ResponseError};

use super::session::Visitor;
use super::view::{self, Chrome, Section};
use crate::auth::AuthError;
use crate::services::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// No session cookie: sign in, then come back to `next`.
    #[error("sign in first")]
    SignInFirst { next: String },
    /// A session cookie that no longer works (signed out elsewhere, timed out, disabled).
    #[error("the session has ended")]
    SessionEnded,
    /// No such page or record, or one the visitor may not see: the same answer.
    #[error("page not found")]
    NotFound,
    /// The visitor may see this but not do it.
    #[error("{0}")]
    Forbidden(String),
    /// A form without this session's anti-forgery token (another site, or an old page).
    #[error("the form has expired")]
    FormExpired,
    /// The request is not one the pages make (a broken form, a wrong content type).
    #[error("{0}")]
    BadRequest(String),
    /// Too much password hashing under way, or too many attempts.
    #[error("busy")]
    Busy { retry_after_seconds: i64 },
    /// Anything else: logged, and answered with a page that says nothing of it.
    #[error("{0}")]
    Internal(String),
}

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> PageError {
        match e {
            ServiceError::NotFound => PageError::NotFound,
            ServiceError::Forbidden(why) => PageError::Forbidden(why),
            ServiceError::Busy {
                retry_after_seconds,
            } => PageError::Busy {
                retry_after_seconds,
            },
            // Field problems are shown on the form by each handler; one that reaches here
            // is a request the pages never make.
            ServiceError::Invalid { field, reason } => {
                PageError::BadRequest(format!("{field}: {reason}"))
            }
            ServiceError::InvalidFields(problems) => PageError::BadRequest(
                problems
                    .iter()
                    .map(|p| format!("{}: {}", p.field, p.reason))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            ServiceError::Conflict(why) | ServiceError::Stale(why) => PageError::BadRequest(why),
            other => PageError::Internal(other.to_string()),
        }
    }
}

impl From<AuthError> for PageError {
    fn from(e: AuthError) -> PageError {
        match e {
            AuthError::InvalidToken(_) => PageError::SessionEnded,
            AuthError::Busy {
                retry_after_seconds,
            }
            | AuthError::Throttled {
                retry_after_seconds,
            } => PageError::Busy {
                retry_after_seconds,
            },
            other => PageError::Internal(other.to_string()),
        }
    }
}

impl From<minijinja::Error> for PageError {
    fn from(e: minijinja::Error) -> PageError {
        PageError::Internal(format!("template: {e:#}"))
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::SignInFirst { .. } | PageError::SessionEnded => StatusCode::SEE_OTHER,
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Forbidden(_) | PageError::FormExpired => StatusCode::FORBIDDEN,
            PageError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PageError::Busy { .. } => StatusCode::TOO_MANY_REQUESTS,
            PageError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::SignInFirst { next } => {
                let target = format!("/sign-in?next={}", url_encode(next));
                HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, target))
                    .insert_header((header::CACHE_CONTROL, "no-store"))
                    .finish()
            }
            PageError::SessionEnded => {
                let mut answer = HttpResponse::SeeOther();
                answer
                    .insert_header((header::LOCATION, "/session-ended"))
                    .insert_header((header::CACHE_CONTROL, "no-store"));
                answer.cookie(super::session::removal());
                answer.finish()
            }
            other => {
                if let PageError::Internal(why) = other {
                    tracing::error!(error = %why, "a page failed");
                }
                let (template, title, detail) = other.described();
                error_page(
                    self.status_code(),
                    template,
                    detail,
                    self,
                    &Chrome::anonymous(title),
                )
            }
        }
    }
}

impl PageError {
    /// The error page's template, title and detail, for the errors answered with a page.
    fn described(&self) -> (&'static str, &'static str, Option<String>) {
        match self {
            PageError::NotFound => ("errors/not-found.html", "Page not found", None),
            PageError::Forbidden(why) => (
                "errors/forbidden.html",
                "You cannot do this",
                Some(why.clone()),
            ),
            PageError::FormExpired => ("errors/form-expired.html", "The form has expired", None),
            PageError::BadRequest(why) => (
                "errors/bad-request.html",
                "The request could not be understood",
                Some(why.clone()),
            ),
            PageError::Busy { .. } => ("errors/busy.html", "Sorry, the service is busy", None),
            _ => (
                "errors/server-error.html",
                "Sorry, there is a problem with the service",
                None,
            ),
        }
    }
}

/// A page's error answered to someone signed in keeps their header: their name, "Sign out"
/// and their navigation, rather than the signed-out header of an anonymous visitor. Only
/// answers drawn from a [`PageError`] after the visitor was known are redrawn (the same for a
/// hidden child and a missing one); redirects and API answers pass through.
pub fn with_visitors_header(
    res: actix_web::dev::ServiceResponse,
) -> actix_web::dev::ServiceResponse {
    let visitor = res.request().extensions().get::<Visitor>().cloned();
    let redrawn = match (visitor, res.response().error()) {
        (Some(visitor), Some(error)) => match error.as_error::<PageError>() {
            Some(PageError::SignInFirst { .. } | PageError::SessionEnded) | None => None,
            Some(e) => {
                let (template, title, detail) = e.described();
                let chrome = Chrome::signed_in(&visitor, title, Section::Other);
                Some(error_page(e.status_code(), template, detail, e, &chrome))
            }
        },
        _ => None,
    };
    match redrawn {
        Some(page) => res.into_response(page),
        None => res,
    }
}

/// Renders an error page; if even that fails, a plain sentence.
fn error_page(
    status: StatusCode,
    template: &str,
    detail: Option<String>,
    error: &PageError,
    chrome: &Chrome,
) -> HttpResponse {
    let title = chrome.title.as_str();
    let retry = match error {
        PageError::Busy {
            retry_after_seconds,
        } => Some(*retry_after_seconds),
        _ => None,
    };
    let body = view::render_html(
        template,
        chrome,
        crate::values! { detail => detail, retry_after_seconds => retry },
    )
    .unwrap_or_else(|e| {
        tracing::error!(error = %e, "an error page could not be rendered");
        format!("<!DOCTYPE html><html lang=\"en\"><title>{title}</title><p>{title}</p></html>")
    });
    let mut answer = HttpResponse::build(status);
    answer
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(seconds) = retry {
        answer.insert_header((header::RETRY_AFTER, seconds.to_string()));
    }
    answer.body(body)
}

/// The HTML answer for an error status the framework produced itself (a path no page has, a
/// method a page does not take).
pub fn page_for_status(status: StatusCode) -> HttpResponse {
    let error = match status {
        StatusCode::NOT_FOUND => PageError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED | StatusCode::BAD_REQUEST => {
            PageError::BadRequest("this page does not take that request".into())
        }
        StatusCode::PAYLOAD_TOO_LARGE => PageError::BadRequest("what was sent is too large".into()),
        _ => PageError::Internal(format!("status {status}")),
    };
    error.error_response()
}

/// Percent-encodes a path for a query parameter.
pub fn url_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
