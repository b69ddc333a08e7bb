//! Text on the way in: no control characters in anything a request carries (JSON bodies,
//! query strings, stored headers, path ids). Tab, carriage return and line feed are the only
//! ones a person types; everything else in C0 (U+0000–U+001F), DEL (U+007F) and C1
//! (U+0080–U+009F) is refused, the same on every database (PostgreSQL cannot store U+0000 at
//! all, and the others are terminal escapes and invisible noise in a case record).

use std::fmt::Write as _;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::error::ApiError;

/// Whether `c` is a control character refused in text: C0 but tab, CR and LF; DEL; C1.
pub fn is_forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

/// The first refused control character in `text`, if any.
pub fn first_forbidden(text: &str) -> Option<char> {
    text.chars().find(|c| is_forbidden(*c))
}

/// The refusal of a text field (body field, query parameter or header) that carries `c`.
pub fn refusal(field: impl Into<String>, c: char) -> ApiError {
    ApiError::invalid(
        field,
        format!(
            "must not contain control characters (found U+{:04X}); only tab, carriage \
             return and line feed are allowed",
            u32::from(c)
        ),
    )
}

/// Refuses `text` as `field` when it carries a control character.
pub fn check(field: &str, text: &str) -> Result<(), ApiError> {
    match first_forbidden(text) {
        Some(c) => Err(refusal(field, c)),
        None => Ok(()),
    }
}

/// A refused control character found in a JSON document: where, and which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The path to the string, as the JSON extractor names fields (`children[1].childs_voice`);
    /// `body` for a document that is one string.
    pub field: String,
    pub character: char,
}

impl From<Found> for ApiError {
    fn from(found: Found) -> ApiError {
        refusal(found.field, found.character)
    }
}

/// Walks a JSON document and returns the first string (value or object key) that carries a
/// refused control character. A document that is not JSON gives `None`: its parser reports
/// that, as before (so a syntax error is answered first, then a control character, then a
/// field of the wrong shape).
pub fn scan_json(body: &[u8]) -> Option<Found> {
    let mut path = String::new();
    let mut found = None;
    let mut de = serde_json::Deserializer::from_slice(body);
    let _ = Scan {
        path: &mut path,
        found: &mut found,
    }
    .deserialize(&mut de);
    // The walk stops at the first one; the rest of the document must still be JSON.
    found.filter(|_| serde_json::from_slice::<de::IgnoredAny>(body).is_ok())
}

/// Appends a map key to a path the way `serde_path_to_error` prints one.
fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    for c in key.chars() {
        if is_forbidden(c) {
            let _ = write!(path, "\\u{{{:04X}}}", u32::from(c));
        } else {
            path.push(c);
        }
    }
}

struct Scan<'a> {
    path: &'a mut String,
    found: &'a mut Option<Found>,
}

impl Scan<'_> {
    fn text<E: de::Error>(self, text: &str) -> Result<(), E> {
        match first_forbidden(text) {
            None => Ok(()),
            Some(character) => {
                let field = if self.path.is_empty() {
                    "body".to_string()
                } else {
                    self.path.clone()
                };
                *self.found = Some(Found { field, character });
                // Stops the walk: the first one found is the one reported.
                Err(E::custom("control character"))
            }
        }
    }
}

impl<'de> DeserializeSeed<'de> for Scan<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Scan<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_i128<E>(self, _: i128) -> Result<(), E> {
        Ok(())
    }

    fn visit_u128<E>(self, _: u128) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.text(v)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Scan { path, found } = self;
        let mut index = 0usize;
        loop {
            let len = path.len();
            let _ = write!(path, "[{index}]");
            let next = seq.next_element_seed(Scan {
                path: &mut *path,
                found: &mut *found,
            });
            path.truncate(len);
            match next? {
                Some(()) => index += 1,
                None => return Ok(()),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Scan { path, found } = self;
        // Every key is seen, duplicates included (a map type would keep only the last).
        while let Some(key) = map.next_key::<String>()? {
            let len = path.len();
            push_key(path, &key);
            if let Some(character) = first_forbidden(&key) {
                *found = Some(Found {
                    field: path.clone(),
                    character,
                });
                return Err(de::Error::custom("control character"));
            }
            let next = map.next_value_seed(Scan {
                path: &mut *path,
                found: &mut *found,
            });
            path.truncate(len);
            next?;
        }
        Ok(())
    }
}

/// The first query parameter whose name or value carries a refused control character
/// (after percent-decoding), as a refusal naming the parameter.
pub fn check_query(query: &str) -> Result<(), ApiError> {
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let mut field = String::new();
        push_key(&mut field, &name);
        if let Some(c) = first_forbidden(&name).or_else(|| first_forbidden(&value)) {
            return Err(refusal(field, c));
        }
    }
    Ok(())
}

/// Whether a request path, percent-decoded, names something no route can hold: a control
/// character (any, tab and line breaks too), or bytes that are not UTF-8.
pub fn path_is_not_an_id(path: &str) -> bool {
    let bytes = percent_decode(path.as_bytes());
    match std::str::from_utf8(&bytes) {
        Ok(text) => text.chars().any(char::is_control),
        Err(_) => true,
    }
}

fn percent_decode(input: &[u8]) -> Vec<u8> {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let decoded = match input.get(i..i + 3) {
            Some([b'%', hi, lo]) => hex(*hi).zip(hex(*lo)).map(|(h, l)| h * 16 + l),
            _ => None,
        };
        match decoded {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(input[i]);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tab_cr_and_lf_are_allowed() {
        for c in [
            '\t', '\r', '\n', ' ', 'a', 'é', '\u{a0}', '\u{200b}', '\u{ff1d}',
        ] {
            assert!(!is_forbidden(c), "{c:?}");
        }
        for c in [
            '\u{0}', '\u{1}', '\u{8}', '\u{b}', '\u{c}', '\u{1b}', '\u{1f}', '\u{7f}',
        ] {
            assert!(is_forbidden(c), "{c:?}");
        }
        for c in ['\u{80}', '\u{85}', '\u{9b}', '\u{9f}'] {
            assert!(is_forbidden(c), "C1 {c:?}");
        }
        assert_eq!(first_forbidden("line one\nline\ttwo\r\n"), None);
        assert_eq!(first_forbidden("a\u{1b}[31mred"), Some('\u{1b}'));
    }

    fn found(body: &str) -> Option<(String, char)> {
        scan_json(body.as_bytes()).map(|f| (f.field, f.character))
    }

    #[test]
    fn the_json_walk_names_the_path() {
        assert_eq!(found(r#"{"a":"ok","b":[1,true,null,"fine\n"]}"#), None);
        assert_eq!(
            found(r#"{"observations":"x\u0000y"}"#),
            Some(("observations".into(), '\0'))
        );
        assert_eq!(
            found(r#"{"children":[{"childs_voice":"ok"},{"childs_voice":"\u001b[2J"}]}"#),
            Some(("children[1].childs_voice".into(), '\u{1b}'))
        );
        assert_eq!(
            found(r#"{"a":{"b":[[],["\u007f"]]}}"#),
            Some(("a.b[1][0]".into(), '\u{7f}'))
        );
        // Raw (unescaped) DEL and C1 characters are valid JSON: refused all the same.
        assert_eq!(
            found("{\"note\":\"a\u{7f}\"}"),
            Some(("note".into(), '\u{7f}'))
        );
        assert_eq!(
            found("{\"note\":\"a\u{9b}1m\"}"),
            Some(("note".into(), '\u{9b}'))
        );
        // Keys too, duplicates included; the key is named with the character escaped.
        assert_eq!(found(r#"{"a\u0000":1}"#), Some(("a\\u{0000}".into(), '\0')));
        assert_eq!(
            found(r#"{"note":"\u0000","note":"ok"}"#),
            Some(("note".into(), '\0'))
        );
        assert_eq!(found(r#""\u0001""#), Some(("body".into(), '\u{1}')));
        assert_eq!(found(r#"["ok","\u0002"]"#), Some(("[1]".into(), '\u{2}')));
        // Not JSON: left to the parser to report.
        assert_eq!(found(r#"{"a":"\u0000"#), None);
        assert_eq!(found(r#"{"a":"\u0000"} trailing"#), None);
        assert_eq!(found(r#"{"a": "#), None);
        assert_eq!(found(""), None);
    }

    #[test]
    fn query_parameters_are_named() {
        assert!(check_query("month=2026-01&seed=abc%20def").is_ok());
        assert!(check_query("seed=tab%09ok").is_ok());
        let field = |q: &str| match check_query(q) {
            Err(ApiError::InvalidField { field, .. }) => field,
            other => panic!("{q}: {other:?}"),
        };
        assert_eq!(field("month=2026-01&seed=%00"), "seed");
        assert_eq!(field("seed=a%1Bb"), "seed");
        assert_eq!(field("seed=%C2%9B"), "seed");
        assert_eq!(field("se%00ed=1"), "se\\u{0000}ed");
    }

    #[test]
    fn paths_with_control_characters_are_not_ids() {
        assert!(!path_is_not_an_id("/api/v1/children/no-such-child"));
        assert!(!path_is_not_an_id("/api/v1/children/caf%C3%A9"));
        assert!(!path_is_not_an_id("/api/v1/children/100%"));
        assert!(path_is_not_an_id("/api/v1/children/%00"));
        assert!(path_is_not_an_id("/api/v1/children/a%1b/status"));
        assert!(path_is_not_an_id("/api/v1/children/a%0A"));
        assert!(path_is_not_an_id("/api/v1/children/%7F"));
        assert!(path_is_not_an_id("/api/v1/children/%C2%85"));
        assert!(path_is_not_an_id("/api/v1/children/%FF"));
    }
}
