//! The web pages: server-rendered HTML over the same services as the JSON API.

pub mod assets;
pub mod templates;
