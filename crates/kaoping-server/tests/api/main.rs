//! The HTTP API and pages, tested against the real server on a random port, one suite run on both
//! backends (SQLite in a temporary folder, PostgreSQL in a fresh database per test). See `helpers`.

#[macro_use]
mod helpers;

mod account;
mod admin_edit;
mod appeals;
mod attendance;
mod bad_input;
mod ballots;
mod catalogue;
mod grid;
mod hardening;
mod integrity;
mod lists;
mod login;
mod notifications;
mod openapi;
mod permissions;
mod processes;
mod races;
mod recording;
mod records;
mod rectification;
mod results;
mod review;
mod rule_kinds;
mod screens;
mod self_check;
mod transfer;
