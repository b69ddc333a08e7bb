//! The page handlers, by job. Each parses, calls one service, and renders one template.

pub mod children;
pub mod drafts;
pub mod info;
pub mod record;
pub mod sign_in;
pub mod visit;
