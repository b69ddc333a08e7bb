//! Every example in govuk-frontend's fixtures (frontend/fixtures, copied by the frontend build),
//! rendered through the app's template environment, against the HTML Nunjucks gave for it.
//!
//! Both sides are compared after trimming the ends: the fixtures hold the trimmed output of a
//! macro call, and a macro's output can start or end with a newline. Nothing inside is
//! normalised.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use coregroup::web::templates::environment;
use minijinja::{context, Value};
use serde::Deserialize;

/// Examples known to render differently: (component, example name), each with a comment saying
/// why. None at present. The test fails if one of them starts to match, so the list stays honest.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

#[derive(Deserialize)]
struct FixtureFile {
    fixtures: Vec<Fixture>,
}

#[derive(Deserialize)]
struct Fixture {
    name: String,
    options: Value,
    html: String,
    /// Test-only examples, not shown in GOV.UK's documentation.
    hidden: bool,
}

/// `character-count` → `govukCharacterCount`.
fn macro_name(component: &str) -> String {
    let mut name = String::from("govuk");
    for part in component.split('-') {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            name.extend(first.to_uppercase());
            name.push_str(chars.as_str());
        }
    }
    name
}

#[test]
fn govuk_frontend_fixtures_render_as_with_nunjucks() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("frontend/fixtures");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());

    let known: BTreeSet<(&str, &str)> = KNOWN_FAILURES.iter().copied().collect();
    let env = environment();
    let mut total = 0;
    let mut hidden = 0;
    let mut matched = 0;
    let mut unexpected = Vec::new();
    let mut fixed = Vec::new();
    let mut seen = BTreeSet::new();

    for file in &files {
        let component = file
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a UTF-8 file name");
        let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let fixtures: FixtureFile =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let name = macro_name(component);
        let source = format!(
            r#"{{% from "govuk/components/{component}/macro.njk" import {name} %}}{{{{ {name}(options) }}}}"#
        );
        for fixture in fixtures.fixtures {
            total += 1;
            hidden += usize::from(fixture.hidden);
            let rendered = env
                .render_named_str(
                    "fixture.njk",
                    &source,
                    context! { options => fixture.options },
                )
                .map_err(|e| format!("{e:#}"));
            let ok = matches!(&rendered, Ok(html) if html.trim() == fixture.html.trim());
            let is_known = known.contains(&(component, fixture.name.as_str()));
            if is_known {
                seen.insert((component.to_owned(), fixture.name.clone()));
            }
            match (ok, is_known) {
                (true, false) => matched += 1,
                (true, true) => {
                    matched += 1;
                    fixed.push(format!("{component}: {}", fixture.name));
                }
                (false, true) => {}
                (false, false) => unexpected.push(format!(
                    "{component}: {}\n--- expected\n{}\n--- rendered\n{}\n",
                    fixture.name,
                    fixture.html.trim(),
                    match &rendered {
                        Ok(html) => html.trim().to_owned(),
                        Err(e) => format!("error: {e}"),
                    }
                )),
            }
        }
    }

    let stale: Vec<_> = KNOWN_FAILURES
        .iter()
        .filter(|(c, n)| !seen.contains(&((*c).to_owned(), (*n).to_owned())))
        .collect();
    println!(
        "{matched} of {total} match ({} documented examples, {hidden} hidden test cases)",
        total - hidden
    );
    assert!(
        unexpected.is_empty(),
        "{} examples differ from Nunjucks:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    assert!(
        fixed.is_empty(),
        "known failures that now match (take them off KNOWN_FAILURES): {fixed:?}"
    );
    assert!(
        stale.is_empty(),
        "known failures with no such example: {stale:?}"
    );
}

/// GOV.UK's documentation passes some components their content in a `{% call %}` block.
#[test]
fn call_blocks_give_components_their_content() {
    let components = [
        ("details", r#"{"summaryText": "Help"}"#),
        ("error-summary", r#"{"titleText": "There is a problem"}"#),
        ("fieldset", r#"{"legend": {"text": "Where do you live?"}}"#),
        ("inset-text", "{}"),
        ("notification-banner", "{}"),
        ("panel", r#"{"titleText": "Done"}"#),
    ];
    for (component, options) in components {
        let name = macro_name(component);
        let source = format!(
            r#"{{% from "govuk/components/{component}/macro.njk" import {name} %}}{{% call {name}({options}) %}}<p class="inside">{{{{ text }}}}</p>{{% endcall %}}"#
        );
        let html = environment()
            .render_named_str("call.html", &source, context! { text => "<b>" })
            .unwrap_or_else(|e| panic!("{component}: {e:#}"));
        assert!(
            html.contains(r#"<p class="inside">&lt;b&gt;</p>"#),
            "{component}: {html}"
        );
    }
}
