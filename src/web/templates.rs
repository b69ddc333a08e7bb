//! The template environment: govuk-frontend's component macros (converted at build time) and
//! the project's own page templates.
// TEMPORARY until the pipeline lands.
pub fn render<S: serde::Serialize>(_name: &str, _context: S) -> Result<String, minijinja::Error> {
    Ok(String::new())
}
