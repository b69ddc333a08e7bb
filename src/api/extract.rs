//! Request extractors: JSON bodies that name the bad field, and the signed-in caller.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::error::ApiError;
use super::text;
use super::AppState;
use crate::domain::people::User;

/// Largest JSON body accepted, in bytes.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

/// A JSON request body. Unlike `web::Json`, a refusal names the field at fault
/// (`attendance[1].status: unknown variant …`) and is always problem+json.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json_body(req, payload, MAX_JSON_BYTES);
        Box::pin(async move { parse_json(&body.await?).map(ApiJson) })
    }
}

/// A JSON body kept as text (up to 1 MiB), for documents whose own checker reports lines,
/// such as a bank-holiday feed. Like every body, it may carry no control characters but tab,
/// CR and LF in its strings.
#[derive(Debug)]
pub struct RawJson(pub String);

/// Largest raw JSON document accepted, in bytes.
pub const MAX_RAW_JSON_BYTES: usize = 1024 * 1024;

impl FromRequest for RawJson {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json_body(req, payload, MAX_RAW_JSON_BYTES);
        Box::pin(async move {
            let bytes = body.await?;
            let text = String::from_utf8(bytes.to_vec())
                .map_err(|_| ApiError::BadRequest("the body is not UTF-8 text".into()))?;
            if let Some(found) = text::scan_json(text.as_bytes()) {
                return Err(found.into());
            }
            Ok(RawJson(text))
        })
    }
}

/// A query string read as `T`, like `web::Query`, after refusing (`422`, naming the
/// parameter) any parameter whose name or value carries a control character other than tab,
/// CR and LF.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T> std::ops::Deref for ApiQuery<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let query = req.query_string();
        std::future::ready(text::check_query(query).and_then(|()| {
            web::Query::<T>::from_query(query)
                .map(|q| ApiQuery(q.into_inner()))
                .map_err(|e| ApiError::BadRequest(format!("the query string is not valid: {e}")))
        }))
    }
}

/// Checks the content type is JSON and reads at most `limit` bytes of body.
fn read_json_body(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> impl Future<Output = Result<web::BytesMut, ApiError>> {
    let content_type_ok = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| {
            m.type_() == mime::APPLICATION
                && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
        });
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut payload = payload.take();
    async move {
        if !content_type_ok {
            return Err(ApiError::UnsupportedMediaType);
        }
        if declared_length.is_some_and(|n| n > limit) {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk =
                chunk.map_err(|e| ApiError::BadRequest(format!("could not read the body: {e}")))?;
            if body.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// Reads `T` from JSON bytes, naming the field at fault when it fails. Every string of the
/// document (object keys too) is checked first: one with a control character other than tab,
/// CR and LF is refused (`422`), naming its path, whatever `T` makes of it.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if let Some(found) = text::scan_json(body) {
        return Err(found.into());
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let message = inner.to_string();
        // serde reports a missing field at its parent; name the field itself. (An unknown
        // field's path already ends with its name.)
        let named = backticked_field(&message).filter(|_| message.starts_with("missing field"));
        let syntax = matches!(
            inner.classify(),
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof
        );
        let field = match (named, path.as_str()) {
            _ if syntax => None,
            (Some(name), "." | "") => Some(name),
            (Some(name), parent) => Some(format!("{parent}.{name}")),
            (None, "." | "") => None,
            (None, at) => Some(at.to_string()),
        };
        let detail = match &field {
            _ if syntax => format!("the body is not valid JSON: {message}"),
            Some(field) => format!("{field}: {message}"),
            None => message,
        };
        ApiError::MalformedBody { detail, field }
    })
}

fn backticked_field(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_string())
}

/// The token's user, checked against the database on every request
/// (so a disabled user or an ended session is refused at once).
#[derive(Debug, Clone)]
struct SignedIn(User);

impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let token = token.ok_or_else(|| {
                ApiError::Unauthenticated(
                    "sign in first: send Authorization: Bearer <access_token>".into(),
                )
            })?;
            let user = state.auth.authenticate(&token).await?;
            Ok(SignedIn(user))
        })
    }
}

/// The signed-in person making the request and the address they ask from (for the access
/// log): what every service is called with.
impl FromRequest for crate::services::Requester {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in = SignedIn::from_request(req, payload);
        let trust = req
            .app_data::<web::Data<AppState>>()
            .is_some_and(|s| s.trust_forwarded_for);
        let address = client_address(req, trust);
        Box::pin(async move {
            Ok(crate::services::Requester {
                user: signed_in.await?.0,
                address,
            })
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return None;
    }
    Some(token.trim().to_string())
}

/// The client's network address, for throttling and the access log.
pub fn client_address(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    let info = req.connection_info();
    let address = if trust_forwarded_for {
        info.realip_remote_addr()
    } else {
        info.peer_addr()
    };
    // A forwarded address is whatever the client wrote; it is stored, so no control
    // characters (the header parser already lets a tab through).
    address
        .unwrap_or("unknown")
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// The strong ETag of a stored version (minutes drafts, actions).
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// An answer carrying its version as the `ETag`.
pub fn with_etag<T: serde::Serialize>(
    mut response: actix_web::HttpResponseBuilder,
    version: i32,
    body: &T,
) -> actix_web::HttpResponse {
    response
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// The version a write is based on, from `If-Match`: a change to minutes or an action must
/// say which version it read, so that no one overwrites a change they have not seen.
pub fn if_match(req: &HttpRequest) -> Result<i32, ApiError> {
    let Some(value) = req.headers().get(actix_web::http::header::IF_MATCH) else {
        return Err(ApiError::PreconditionRequired(
            "send If-Match with the ETag of the version you read".into(),
        ));
    };
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim().strip_prefix('"')?.strip_suffix('"'))
        .and_then(|v| v.parse::<i32>().ok())
        .ok_or_else(|| {
            ApiError::BadRequest(
                "If-Match: not an ETag this server gave (expected a quoted version, like \"3\")"
                    .into(),
            )
        })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AsOf {
    /// The date to answer for (YYYY-MM-DD); today when absent.
    pub as_of: Option<String>,
    /// The moment of knowledge to answer from (RFC 3339, e.g. `2026-01-16T23:59:59Z`): only
    /// records final by then, in the version that stood then, count. Now when absent; the
    /// answer echoes the one it used, and asked again with it gives the same answer.
    pub known_at: Option<String>,
}

/// The two times a status or report is asked at, from `?as_of=YYYY-MM-DD` (today in the
/// service's zone when absent) and `?known_at=` (RFC 3339; now when absent): the extractor
/// of every route that takes `as_of`. A value that is not one is refused naming its
/// parameter; any other parameter is refused as unknown.
#[derive(Debug, Clone, Copy)]
pub struct AsOfDate {
    pub as_of: NaiveDate,
    pub known_at: Option<DateTime<Utc>>,
}

impl FromRequest for AsOfDate {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let today = req
            .app_data::<web::Data<AppState>>()
            .map(|state| state.services.today());
        let answer = ApiQuery::<AsOf>::from_request(req, payload)
            .into_inner()
            .and_then(|query| {
                let known_at = moment_param("known_at", &query.known_at)?;
                let as_of = date_param("as_of", &query.as_of)?
                    .or(today)
                    .ok_or_else(|| ApiError::Internal("application state missing".into()))?;
                Ok(AsOfDate { as_of, known_at })
            });
        std::future::ready(answer)
    }
}

/// A moment given in the query string (RFC 3339), naming the parameter when it is not one.
pub fn moment_param(field: &str, raw: &Option<String>) -> Result<Option<DateTime<Utc>>, ApiError> {
    raw.as_deref()
        .map(|r| {
            DateTime::parse_from_rfc3339(r)
                .map(|m| m.with_timezone(&Utc))
                .map_err(|_| {
                    ApiError::invalid(
                        field,
                        format!("`{r}` is not a moment (RFC 3339, like 2026-01-16T23:59:59Z)"),
                    )
                })
        })
        .transpose()
}

/// A date given in the query string, naming the parameter when it is not one.
pub fn date_param(field: &str, raw: &Option<String>) -> Result<Option<NaiveDate>, ApiError> {
    raw.as_deref()
        .map(|r| {
            NaiveDate::parse_from_str(r, "%Y-%m-%d")
                .map_err(|_| ApiError::invalid(field, format!("`{r}` is not a date (YYYY-MM-DD)")))
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        status: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        email: String,
        items: Vec<Inner>,
    }

    fn field_of(body: &str) -> Option<String> {
        match parse_json::<Outer>(body.as_bytes()) {
            Err(ApiError::MalformedBody { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn refusals_name_the_field() {
        assert_eq!(field_of(r#"{"items":[]}"#).as_deref(), Some("email"));
        assert_eq!(
            field_of(r#"{"email":5,"items":[]}"#).as_deref(),
            Some("email")
        );
        assert_eq!(
            field_of(r#"{"email":"a","items":[],"extra":1}"#).as_deref(),
            Some("extra")
        );
        assert_eq!(
            field_of(r#"{"email":"a","items":[{"status":"x"},{"status":1}]}"#).as_deref(),
            Some("items[1].status")
        );
        assert_eq!(
            field_of(r#"{"email":"a","items":[{}]}"#).as_deref(),
            Some("items[0].status")
        );
        assert_eq!(field_of(r#"{"email":"#), None);
    }

    #[test]
    fn a_forwarded_address_is_kept_without_control_characters() {
        let req = actix_web::test::TestRequest::default()
            .insert_header(("x-forwarded-for", "203.0.113.9\tsecond, 198.51.100.1"))
            .to_http_request();
        assert_eq!(client_address(&req, true), "203.0.113.9?second");
    }
}
