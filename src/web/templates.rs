//! The template environment: govuk-frontend's component macros (converted at build time) and
//! the project's own page templates.
//!
//! Names starting `govuk/` are govuk-frontend's macros from `frontend/dist/templates/govuk/`,
//! imported as in GOV.UK's documentation:
//! `{% from "govuk/components/button/macro.njk" import govukButton %}`. Every other name is a
//! page template from `frontend/templates/`. The environment follows Nunjucks where the two
//! differ, so that the macros render as they do for GOV.UK (docs/frontend.md):
//! - undefined values chain (`a.b.c` of a missing `a` is undefined, not an error);
//! - trim_blocks and lstrip_blocks are on;
//! - `.njk` and `.html` templates escape HTML, the way Nunjucks does (`'` is `&#39;`, `\` is
//!   `&#92;`, `/` is left alone), and `|escape` does the same;
//! - booleans print as `true`/`false` (also through `|string`), none prints nothing;
//! - the test `truthy` is JavaScript's truthiness (`[]` and `{}` are true);
//! - for the converted macros, `njk_concat` joins text as JavaScript's `+` does and
//!   `njk_indent` indents as Nunjucks' `indent` does;
//! - `./` and `../` in template names are relative to the template that names them;
//! - `asset_url(name)` gives a built asset's URL.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::OnceLock;

use minijinja::value::{Rest, Serde, ValueKind};
use minijinja::{
    AutoEscape, Environment, Error, ErrorKind, Output, State, UndefinedBehavior, Value,
};

use super::assets::{self, Dist};

/// Embedded `frontend/templates/`: the project's own page templates.
#[derive(rust_embed::Embed)]
#[folder = "frontend/templates/"]
#[exclude = ".gitkeep"]
pub struct PageTemplates;

/// One environment for the process, with both template sets loaded on first use.
pub fn environment() -> &'static Environment<'static> {
    static ENVIRONMENT: OnceLock<Environment<'static>> = OnceLock::new();
    ENVIRONMENT.get_or_init(build)
}

/// Renders a page template with a serde-serialisable context. Errors carry the template name.
pub fn render<S: serde::Serialize>(name: &str, context: S) -> Result<String, Error> {
    environment()
        .get_template(name)?
        .render(Value::from(Serde(context)))
}

fn build() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_loader(load);
    env.set_path_join_callback(join_path);
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    // Only fails on clashing custom delimiters, and these are the defaults.
    match minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
    {
        Ok(syntax) => env.set_syntax(syntax),
        Err(e) => tracing::error!(error = %e, "template syntax settings refused"),
    }
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".njk") || name.ends_with(".html") {
            AutoEscape::Html
        } else {
            minijinja::default_auto_escape_callback(name)
        }
    });
    env.set_formatter(print);
    env.add_filter("escape", escape);
    env.add_filter("e", escape);
    env.add_filter("string", string);
    env.add_filter("njk_concat", njk_concat);
    env.add_filter("njk_indent", njk_indent);
    env.add_test("truthy", truthy);
    env.add_function("asset_url", |name: &str| assets::asset_url(name));
    env
}

fn load(name: &str) -> Result<Option<String>, Error> {
    let file = if name.starts_with("govuk/") {
        Dist::get(&format!("templates/{name}"))
    } else {
        PageTemplates::get(name)
    };
    file.map(|file| {
        String::from_utf8(file.data.into_owned()).map_err(|_| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!("template {name} is not UTF-8"),
            )
        })
    })
    .transpose()
}

/// `./x` and `../x` are relative to the naming template's folder; other names are as given.
fn join_path<'s>(name: &'s str, parent: &'s str) -> Cow<'s, str> {
    if !(name.starts_with("./") || name.starts_with("../")) {
        return Cow::Borrowed(name);
    }
    let mut path: Vec<&str> = parent.split('/').collect();
    path.pop();
    for segment in name.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                path.pop();
            }
            segment => path.push(segment),
        }
    }
    Cow::Owned(path.join("/"))
}

/// Prints values as Nunjucks does: booleans in lower case, none and undefined as nothing, and
/// HTML escaped like Nunjucks' `escape`.
fn print(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    let escape = state.auto_escape();
    match value.kind() {
        ValueKind::Bool => out.write_str(if value.is_true() { "true" } else { "false" })?,
        ValueKind::Undefined | ValueKind::None
            if matches!(escape, AutoEscape::Html | AutoEscape::None) => {}
        _ if matches!(escape, AutoEscape::Html) && !value.is_safe() => match value.as_str() {
            Some(text) => write_escaped(out, text)?,
            None => write_escaped(out, &value.to_string())?,
        },
        _ => minijinja::escape_formatter(out, state, value)?,
    }
    Ok(())
}

fn write_escaped(out: &mut impl std::fmt::Write, text: &str) -> std::fmt::Result {
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            b'\\' => "&#92;",
            _ => continue,
        };
        out.write_str(&text[start..i])?;
        out.write_str(entity)?;
        start = i + 1;
    }
    out.write_str(&text[start..])
}

/// `|escape` (and `|e`): HTML-escapes like the formatter and marks the result safe.
fn escape(value: &Value) -> Value {
    if value.is_safe() {
        return value.clone();
    }
    let mut escaped = String::new();
    let written = match value.kind() {
        ValueKind::Undefined | ValueKind::None => Ok(()),
        ValueKind::Bool => escaped.write_str(if value.is_true() { "true" } else { "false" }),
        _ => match value.as_str() {
            Some(text) => write_escaped(&mut escaped, text),
            None => write_escaped(&mut escaped, &value.to_string()),
        },
    };
    // Writing to a String cannot fail.
    debug_assert!(written.is_ok());
    Value::from_safe_string(escaped)
}

/// `|string` with booleans in lower case, as they print.
fn string(value: &Value) -> Value {
    match value.kind() {
        ValueKind::Bool => Value::from(if value.is_true() { "true" } else { "false" }),
        ValueKind::String => value.clone(),
        ValueKind::Undefined | ValueKind::None => Value::from(""),
        _ => Value::from(value.to_string()),
    }
}

/// JavaScript's `+` on text, which the converted macros use for Nunjucks' `+` and `~`: the
/// parts joined as they print, the result not marked safe. (minijinja's `~` escapes the other
/// side when one side is safe, as Jinja's does; Nunjucks never escapes a join.)
fn njk_concat(first: &Value, rest: Rest<Value>) -> Value {
    let mut joined = String::new();
    for part in std::iter::once(first).chain(rest.iter()) {
        match part.kind() {
            ValueKind::Undefined | ValueKind::None => {}
            ValueKind::Bool => joined.push_str(if part.is_true() { "true" } else { "false" }),
            _ => match part.as_str() {
                Some(text) => joined.push_str(text),
                None => joined.push_str(&part.to_string()),
            },
        }
    }
    Value::from(joined)
}

/// Nunjucks' `indent(width=4, first=false)`: every line but the first (unless `first`) gets
/// `width` spaces, blank lines and a line after a final newline included; safety is kept.
fn njk_indent(value: &Value, width: Option<&Value>, first: Option<&Value>) -> Value {
    let text = match value.kind() {
        ValueKind::Undefined | ValueKind::None => return Value::from(""),
        ValueKind::Bool if !value.is_true() => return Value::from(""),
        _ => match value.as_str() {
            Some(text) => Cow::Borrowed(text),
            None => Cow::Owned(value.to_string()),
        },
    };
    if text.is_empty() {
        return Value::from("");
    }
    let width = width
        .and_then(|w| usize::try_from(w.clone()).ok())
        .filter(|w| *w > 0)
        .unwrap_or(4);
    let first = first.is_some_and(truthy);
    let pad = " ".repeat(width);
    let mut indented = String::with_capacity(text.len() + width * 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            indented.push('\n');
        }
        if i > 0 || first {
            indented.push_str(&pad);
        }
        indented.push_str(line);
    }
    if value.is_safe() {
        Value::from_safe_string(indented)
    } else {
        Value::from(indented)
    }
}

/// JavaScript's truthiness: false, 0, "", none and undefined are false; everything else,
/// empty lists and maps included, is true.
fn truthy(value: &Value) -> bool {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => false,
        ValueKind::Bool | ValueKind::Number | ValueKind::String | ValueKind::Bytes => {
            value.is_true()
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::context;

    fn render_str(source: &str, ctx: Value) -> String {
        environment()
            .render_named_str("test.html", source, ctx)
            .unwrap_or_else(|e| panic!("{e:#}"))
    }

    #[test]
    fn prints_and_escapes_like_nunjucks() {
        let ctx =
            context! { yes => true, no => false, nothing => (), text => r#"<a href="/x">'\"#, };
        assert_eq!(
            render_str(
                "{{ yes }} {{ no }} [{{ nothing }}] [{{ missing.deeper }}]",
                ctx.clone()
            ),
            "true false [] []"
        );
        assert_eq!(
            render_str("{{ text }}", ctx.clone()),
            "&lt;a href=&quot;/x&quot;&gt;&#39;&#92;"
        );
        assert_eq!(
            render_str("{{ text|escape|escape }}|{{ yes|string }}", ctx),
            "&lt;a href=&quot;/x&quot;&gt;&#39;&#92;|true"
        );
    }

    #[test]
    fn truthy_is_javascripts() {
        let source = "{% for v in values %}{{ v is truthy }} {% endfor %}";
        let ctx = context! { values => vec![
            Value::from(false), Value::from(0), Value::from(""), Value::from(()), Value::UNDEFINED,
            Value::from(Vec::<i32>::new()), Value::from(Serde(serde_json::json!({}))),
            Value::from("a"), Value::from(1)
        ] };
        assert_eq!(
            render_str(source, ctx),
            "false false false false false true true true true "
        );
    }

    #[test]
    fn relative_names_resolve_against_the_parent() {
        assert_eq!(
            join_path(
                "../../macros/attributes.njk",
                "govuk/components/button/template.njk"
            ),
            "govuk/macros/attributes.njk"
        );
        assert_eq!(
            join_path("./template.njk", "govuk/components/button/macro.njk"),
            "govuk/components/button/template.njk"
        );
        assert_eq!(join_path("layout.html", "pages/home.html"), "layout.html");
    }

    #[test]
    fn govuk_macros_load_and_asset_url_is_global() {
        let html = render_str(
            r#"{% from "govuk/components/button/macro.njk" import govukButton %}{{ govukButton({"text": "Save"}) }}|{{ asset_url("app.css") }}"#,
            context! {},
        );
        assert!(html.contains(">\n  Save\n</button>"), "{html}");
        assert!(
            html.ends_with(&format!("|{}", assets::asset_url("app.css"))),
            "{html}"
        );
    }
}
