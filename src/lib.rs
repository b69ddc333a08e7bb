//! coregroup: the agencies around a child on a Child Protection Plan, working as one core
//! group. See `docs/architecture.md` for the module map.

pub mod access;
pub mod api;
pub mod auth;
pub mod calendars;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod services;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
