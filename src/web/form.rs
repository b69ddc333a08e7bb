//! Posted forms: read as name/value pairs (a family visit has a field set per child), with
//! the same refusal of control characters as the JSON API, and the errors a page shows in its
//! error summary, each linked to its field.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::Serialize;

use super::error::PageError;

/// The most a form may send, in bytes (a family visit of several children with long
/// observations fits many times over).
pub const MAX_FORM_BYTES: usize = 256 * 1024;

/// A posted `application/x-www-form-urlencoded` form, as its pairs in order.
#[derive(Debug, Clone, Default)]
pub struct FormFields {
    pairs: Vec<(String, String)>,
}

impl FormFields {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> FormFields {
        FormFields { pairs }
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `name`, trimmed; `None` when absent or blank.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    /// Every value of `name` (checkboxes).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The anti-forgery token the form carried.
    pub fn form_token(&self) -> Option<&str> {
        self.get("form_token")
    }

    /// The idempotency key the form was rendered with: 1 to 100 visible characters, or the
    /// form did not come from a page of ours.
    pub fn idempotency_key(&self) -> Result<String, PageError> {
        match self.text("idempotency_key") {
            Some(key) if key.len() <= 100 && key.chars().all(|c| c.is_ascii_graphic()) => Ok(key),
            _ => Err(PageError::BadRequest(
                "the form is incomplete; open it again".into(),
            )),
        }
    }

    /// Every pair, for writing a form back as hidden fields (check your answers).
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

impl FromRequest for FormFields {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<mime::Mime>().ok())
            .is_some_and(|m| m.essence_str() == "application/x-www-form-urlencoded");
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_form {
                return Err(PageError::BadRequest("this page takes a form".into()));
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    PageError::BadRequest(format!("the form could not be read: {e}"))
                })?;
                if body.len() + chunk.len() > MAX_FORM_BYTES {
                    return Err(PageError::BadRequest("the form is too large".into()));
                }
                body.extend_from_slice(&chunk);
            }
            parse(&body)
        })
    }
}

/// Reads a form body; a name or value with a control character other than tab, CR and LF
/// is refused, as in the JSON API.
pub fn parse(body: &[u8]) -> Result<FormFields, PageError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|e| PageError::BadRequest(format!("the form could not be read: {e}")))?;
    for (name, value) in &pairs {
        let bad = |t: &str| {
            t.chars()
                .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
        };
        if bad(name) || bad(value) {
            return Err(PageError::BadRequest(format!(
                "{}: holds a control character",
                name.chars().filter(|c| !c.is_control()).collect::<String>()
            )));
        }
    }
    Ok(FormFields { pairs })
}

/// One error on a form: the field's id (what the summary links to) and the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The id of the input, e.g. `outcome` or `occurred-day`.
    pub field: String,
    pub text: String,
}

/// The errors of a form, in the order of its fields.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Errors {
    pub list: Vec<FieldError>,
}

impl Errors {
    pub fn add(&mut self, field: impl Into<String>, text: impl Into<String>) {
        let field = field.into();
        // One message per field: the first found is the one to fix first.
        if !self.list.iter().any(|e| e.field == field) {
            self.list.push(FieldError {
                field,
                text: text.into(),
            });
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The error summary's items: each message linked to its field.
    pub fn summary(&self) -> Vec<serde_json::Value> {
        self.list
            .iter()
            .map(|e| serde_json::json!({ "text": e.text, "href": format!("#{}", e.field) }))
            .collect()
    }

    /// The message of one field, for the field's own error (`{ "text": … }`), if any.
    pub fn of(&self, field: &str) -> Option<serde_json::Value> {
        self.list
            .iter()
            .find(|e| e.field == field)
            .map(|e| serde_json::json!({ "text": e.text }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_keep_their_pairs_in_order_and_refuse_control_characters() {
        let form = parse(b"a=1&b=two+words&a=3").unwrap();
        assert_eq!(form.get("a"), Some("1"));
        assert_eq!(form.all("a"), vec!["1", "3"]);
        assert_eq!(form.text("b").as_deref(), Some("two words"));
        assert!(parse(b"a=%00").is_err());
        assert!(parse(b"a=line%0Aline").is_ok());
    }

    #[test]
    fn each_field_shows_its_first_error_once() {
        let mut errors = Errors::default();
        errors.add("outcome", "Select whether the child was seen");
        errors.add("outcome", "another");
        assert_eq!(errors.list.len(), 1);
        assert_eq!(errors.summary()[0]["href"], "#outcome");
    }
}
