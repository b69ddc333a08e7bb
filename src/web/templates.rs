//! The template environment: govuk-frontend's component macros (converted at build time) and
//! the project's own page templates.
