//! Bring your own rubric: turns the tables people already have (Word, Excel, CSV) into a Kaoping
//! [`kaoping_core::rubric::RubricSpec`], reading the Chinese scoring criteria (评分标准) into rules.
//!
//! Nothing is guessed silently: what the parser cannot read with certainty is returned as a
//! [`Confirm`] quoting the original phrase, for the author to check.

pub mod criteria;
mod numbers;

pub use criteria::{parse_criteria, Confirm, ParsedCriteria};
