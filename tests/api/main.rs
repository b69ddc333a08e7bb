//! Integration tests through HTTP. Every test runs on SQLite and on PostgreSQL, each with
//! its own fresh database.

mod harness;

mod access_matrix;
mod accounts;
mod auth;
mod backup;
mod breaches;
mod calendar_end;
mod cases;
mod cli;
mod drafts;
mod errors;
mod frequency;
mod input;
mod known;
mod meetings;
mod minutes_actions;
mod operations;
mod pages;
mod passwords;
mod plan_end;
mod process;
mod reports;
mod security;
mod settings;
mod upgrade;
