//! Kaoping's core: the rubric (考评细则) as validated data, the rule kinds the real schemes use, and exact
//! scoring with an explanation for every point.
//!
//! Architecture invariant: this crate does no IO. No files, no database, no clock, no randomness, no
//! serialization format. Everything here is a pure function of its inputs, so it cannot fail for reasons
//! outside the data it is given, and every edge (CLI, server, importers) shares one scoring truth.
//!
//! Points are [`rust_decimal::Decimal`] everywhere: 0.5-point deductions and 30%/70% round weights must be
//! exact, and binary floats are never used for points.
//!
//! The flow is: a [`rubric::RubricSpec`] (plain data, from a file or the database) is validated into a
//! [`rubric::Rubric`]; a [`units::Units`] register names who is assessed; each finding is resolved against
//! both ([`finding::Resolver`]) and fed to a [`score::Scorer`], which produces one [`score::UnitResult`] per
//! unit, ranked.

pub mod ballot;
mod code_map;
pub mod date;
pub mod finding;
pub mod limits;
pub mod plain;
pub mod records;
pub mod rubric;
pub mod score;
pub mod units;

pub use rust_decimal::Decimal;
