//! The largest numbers a rubric or a finding may carry: what a 100-point scheme can mean, with room to spare.
//!
//! They are what makes scoring arithmetic safe. `Decimal` holds about 7.9 × 10²⁸ and panics beyond it; with
//! every number a user writes at most [`MAX_POINTS`] (4 decimal places) and every tally a `u64`, the largest
//! product the scorer forms is a points value times a tally (10⁴ × 1.8 × 10¹⁹ < 10²⁴), far inside. The one
//! product of two tallies (a progressive rule's closed form) uses checked arithmetic.

use rust_decimal::Decimal;

/// Points, amounts, caps, thresholds, bonus levels and raw scores: at most 10,000 (in size).
pub const MAX_POINTS: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

/// Decimal places of any number of points: 0.5-point deductions need 1, 30%/70% weights 2; 4 is ample.
pub const MAX_DECIMALS: u32 = 4;

/// Decimal places of a round weight: a percentage with 4 decimals (`"33.3333%"`).
pub const MAX_WEIGHT_DECIMALS: u32 = 6;

/// Occurrences in one finding, and counts a rubric states (max_count, expected sessions, raw scores).
pub const MAX_COUNT: u32 = 1_000_000;

/// Decimal places of a number as written (`5.00` has 0).
pub fn decimals(d: Decimal) -> u32 {
    d.normalize().scale()
}
