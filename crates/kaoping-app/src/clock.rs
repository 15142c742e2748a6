//! What day it is, injected: the days that warnings, deadlines and 整改 turn on are read here and
//! nowhere else, so tests (and a demo of a past year) can fix the day. The core never reads a clock; it
//! is handed the day.

use kaoping_core::date::Date;

/// Today's date in China time (UTC+8), from the system clock or fixed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Clock {
    /// The machine's clock, in China time.
    #[default]
    System,
    /// Always this day (tests; `kaoping serve --today`).
    Fixed(Date),
}

impl Clock {
    /// Today, in China time.
    pub fn today(self) -> Date {
        match self {
            Clock::System => date_at(crate::auth::now_ms()),
            Clock::Fixed(date) => date,
        }
    }
}

/// The China-time date of a unix-millisecond time.
pub fn date_at(ms: i64) -> Date {
    let days = (ms.div_euclid(1000) + 8 * 3600).div_euclid(86_400);
    let epoch = Date::new(1970, 1, 1).expect("1970-01-01 is a date");
    epoch.add_days(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_turns_at_midnight_in_beijing() {
        // 2023-03-06T16:00:00Z is 2023-03-07 00:00 in Beijing; a millisecond earlier is still the 6th.
        assert_eq!(date_at(1_678_118_400_000).to_string(), "2023-03-07");
        assert_eq!(date_at(1_678_118_399_999).to_string(), "2023-03-06");
        let fixed = Date::new(2024, 7, 21).unwrap();
        assert_eq!(Clock::Fixed(fixed).today(), fixed);
    }
}
