//! The HTTP layer's one error type, mapped once to `application/problem+json` (RFC 9457).

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::auth::AuthError;
use crate::services::StoreError;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field of a request that was not acceptable, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InvalidParam {
    /// The field, as a path into the request (`email`, `attendance[2].status`).
    pub name: String,
    pub reason: String,
}

impl From<crate::services::FieldProblem> for InvalidParam {
    fn from(p: crate::services::FieldProblem) -> InvalidParam {
        InvalidParam {
            name: p.field,
            reason: p.reason,
        }
    }
}

/// A problem details document (RFC 9457).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invalid_params: Vec<InvalidParam>,
}

/// The problems a route can answer, declared once for the OpenAPI document: every route
/// lists `Problems` beside its own answers instead of repeating each problem.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Only its OpenAPI description is used; no value is ever built.
pub enum Problems {
    /// The body, query or a header cannot be read.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No valid access token (sign in, or refresh).
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthenticated(Problem),
    /// The caller may see the record but not do this.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// No such record, or one outside the caller's relationship (the same answer).
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// The request conflicts with what is stored (already ended, already a member, …).
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(Problem),
    /// The record changed since the version in `If-Match` was read: nothing was changed.
    #[response(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Problem),
    /// A field is not acceptable; `invalid_params` names it.
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(Problem),
    /// `If-Match` is required.
    #[response(status = 428, content_type = "application/problem+json")]
    PreconditionRequired(Problem),
    /// Too many attempts, or the server is busy: see `Retry-After`.
    #[response(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Problem),
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body could not be read as the expected JSON.
    #[error("{detail}")]
    MalformedBody {
        detail: String,
        field: Option<String>,
    },
    /// A field was read but its value is not acceptable.
    #[error("{field}: {reason}")]
    InvalidField { field: String, reason: String },
    /// Several fields not acceptable at once (each named).
    #[error("{}", .0.iter().map(|p| format!("{}: {}", p.name, p.reason)).collect::<Vec<_>>().join("; "))]
    InvalidFields(Vec<InvalidParam>),
    #[error("{0}")]
    BadRequest(String),
    #[error("the request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// A write based on a version that is no longer the latest (`If-Match`).
    #[error("{0}")]
    PreconditionFailed(String),
    /// A write that must say which version it is based on, and did not.
    #[error("{0}")]
    PreconditionRequired(String),
    #[error("too many failed attempts; try again in {retry_after_seconds} seconds")]
    TooManyRequests { retry_after_seconds: i64 },
    /// Too much password hashing under way: the request was not evaluated (also `429`).
    #[error(
        "the server is busy checking other passwords; try again in {retry_after_seconds} seconds"
    )]
    Busy { retry_after_seconds: i64 },
    #[error("the service is busy; try again shortly")]
    Unavailable,
    /// Anything unexpected: logged in full, answered in general terms.
    #[error("an unexpected error occurred")]
    Internal(String),
    /// A status with no more to say (used for errors raised by the framework).
    #[error("{1}")]
    Status(StatusCode, String),
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> ApiError {
        ApiError::InvalidField {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn not_found() -> ApiError {
        ApiError::NotFound("no such resource".into())
    }

    fn slug(&self) -> &'static str {
        match self {
            ApiError::MalformedBody { .. } => "malformed-body",
            ApiError::InvalidField { .. } | ApiError::InvalidFields(_) => "invalid-field",
            ApiError::BadRequest(_) => "bad-request",
            ApiError::UnsupportedMediaType => "unsupported-media-type",
            ApiError::PayloadTooLarge { .. } => "payload-too-large",
            ApiError::Unauthenticated(_) => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not-found",
            ApiError::Conflict(_) => "conflict",
            ApiError::PreconditionFailed(_) => "precondition-failed",
            ApiError::PreconditionRequired(_) => "precondition-required",
            ApiError::TooManyRequests { .. } => "too-many-requests",
            ApiError::Busy { .. } => "busy",
            ApiError::Unavailable => "unavailable",
            ApiError::Internal(_) => "internal",
            ApiError::Status(..) => "http-status",
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let invalid_params = match self {
            ApiError::InvalidField { field, reason } => vec![InvalidParam {
                name: field.clone(),
                reason: reason.clone(),
            }],
            ApiError::InvalidFields(params) => params.clone(),
            ApiError::MalformedBody {
                detail,
                field: Some(field),
            } => vec![InvalidParam {
                name: field.clone(),
                reason: detail.clone(),
            }],
            _ => Vec::new(),
        };
        Problem {
            kind: format!("/problems/{}", self.slug()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: self.to_string(),
            invalid_params,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::MalformedBody { .. } | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::InvalidField { .. } | ApiError::InvalidFields(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            ApiError::TooManyRequests { .. } | ApiError::Busy { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Status(status, _) => *status,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(cause = %cause, "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_JSON);
        match self {
            ApiError::Unauthenticated(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::TooManyRequests {
                retry_after_seconds,
            }
            | ApiError::Busy {
                retry_after_seconds,
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Conflict(message) => ApiError::Conflict(message),
            StoreError::Pool(_) => {
                tracing::warn!(error = %e, "no database connection available");
                ApiError::Unavailable
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<crate::access::Denied> for ApiError {
    fn from(e: crate::access::Denied) -> ApiError {
        ApiError::Forbidden(e.to_string())
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> ApiError {
        match e {
            AuthError::InvalidCredentials => ApiError::Unauthenticated(e.to_string()),
            AuthError::InvalidToken(why) => ApiError::Unauthenticated(why.to_string()),
            AuthError::Throttled {
                retry_after_seconds,
            } => ApiError::TooManyRequests {
                retry_after_seconds,
            },
            AuthError::Busy {
                retry_after_seconds,
            } => ApiError::Busy {
                retry_after_seconds,
            },
            AuthError::Invalid { field, reason } => ApiError::invalid(field, reason),
            AuthError::Store(store) => store.into(),
            AuthError::Token(why) => ApiError::Internal(why),
        }
    }
}

/// Last line of defence: any error answer that is not yet problem+json (an unknown route,
/// a wrong method, a framework extractor's refusal) is rewritten as one.
pub fn problem_for_framework_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    let is_page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_problem || is_page || res.status() == StatusCode::SEE_OTHER {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    if !crate::startup::is_api_path(res.request().path()) {
        let status = res.status();
        let (req, _) = res.into_parts();
        let answer = crate::web::error::page_for_status(status);
        return Ok(ErrorHandlerResponse::Response(
            ServiceResponse::new(req, answer).map_into_right_body(),
        ));
    }
    let status = res.status();
    let allow = res.headers().get(header::ALLOW).cloned();
    let detail = match status {
        StatusCode::NOT_FOUND => "no such resource".to_string(),
        StatusCode::METHOD_NOT_ALLOWED => "this method is not allowed here".to_string(),
        other => other.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let (req, _) = res.into_parts();
    let mut answer = ApiError::Status(status, detail).error_response();
    if let Some(allow) = allow {
        answer.headers_mut().insert(header::ALLOW, allow);
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, answer).map_into_right_body(),
    ))
}

impl From<crate::domain::rules::RuleError> for ApiError {
    fn from(e: crate::domain::rules::RuleError) -> ApiError {
        match e {
            crate::domain::rules::RuleError::PlanNotStarted { .. } => {
                ApiError::invalid("as_of", e.to_string())
            }
            crate::domain::rules::RuleError::Calendar(calendar) => calendar.into(),
        }
    }
}

impl From<crate::domain::calendar::CalendarError> for ApiError {
    fn from(e: crate::domain::calendar::CalendarError) -> ApiError {
        // A date the calendar does not know: the user sees which, and what to do.
        ApiError::invalid("as_of", e.to_string())
    }
}

impl From<crate::services::ServiceError> for ApiError {
    fn from(e: crate::services::ServiceError) -> ApiError {
        match e {
            crate::services::ServiceError::NotFound => ApiError::not_found(),
            crate::services::ServiceError::Forbidden(why) => ApiError::Forbidden(why),
            crate::services::ServiceError::Invalid { field, reason } => {
                ApiError::invalid(field, reason)
            }
            crate::services::ServiceError::Conflict(why) => ApiError::Conflict(why),
            crate::services::ServiceError::Stale(why) => ApiError::PreconditionFailed(why),
            crate::services::ServiceError::Rule(rule) => rule.into(),
            crate::services::ServiceError::Store(store) => store.into(),
            crate::services::ServiceError::InvalidFields(fields) => {
                ApiError::InvalidFields(fields.into_iter().map(Into::into).collect())
            }
            crate::services::ServiceError::Busy {
                retry_after_seconds,
            } => ApiError::Busy {
                retry_after_seconds,
            },
        }
    }
}
