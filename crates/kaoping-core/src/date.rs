//! A calendar date, only as much as deadline rules need (党费每季次月5日前缴纳).

use std::fmt;
use std::str::FromStr;

/// A valid proleptic Gregorian date. Ordering is chronological.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{text}”不是有效日期，应写成 2023-07-05 的形式")]
pub struct DateError {
    text: String,
}

impl Date {
    /// Builds a date, or `None` when the day does not exist (2023-02-29).
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// Days from `earlier` to `self` (negative when `self` is before).
    pub fn days_since(self, earlier: Date) -> i64 {
        self.day_number() - earlier.day_number()
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn day(self) -> u8 {
        self.day
    }

    /// The date `days` days later (earlier when negative), clamped to the years 1000–9999 that dates
    /// are read in.
    pub fn add_days(self, days: i64) -> Date {
        let n = (self.day_number() + days).clamp(
            Date {
                year: 1000,
                month: 1,
                day: 1,
            }
            .day_number(),
            Date {
                year: 9999,
                month: 12,
                day: 31,
            }
            .day_number(),
        );
        // Civil-from-days, counted from 0000-03-01 as `day_number` counts.
        let era = n.div_euclid(146_097);
        let doe = n - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
        Date { year, month, day }
    }

    /// The last day of this date's month.
    pub fn month_end(self) -> Date {
        Date {
            day: days_in_month(self.year, self.month),
            ..self
        }
    }

    fn day_number(self) -> i64 {
        // Days since 0000-03-01 (Howard Hinnant's civil-from-days, inverted).
        let (y, m) = if self.month <= 2 {
            (i64::from(self.year) - 1, i64::from(self.month) + 9)
        } else {
            (i64::from(self.year), i64::from(self.month) - 3)
        };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * m + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl FromStr for Date {
    type Err = DateError;

    /// Accepts `2023-07-05`, `2023/7/5` and `2023.7.5`.
    fn from_str(text: &str) -> Result<Date, DateError> {
        let err = || DateError {
            text: text.to_string(),
        };
        let mut parts = text.trim().split(['-', '/', '.']);
        let mut next = || parts.next().and_then(|p| p.parse::<u16>().ok());
        let (y, m, d) = (next(), next(), next());
        if parts.next().is_some() {
            return Err(err());
        }
        match (y, m, d) {
            (Some(y), Some(m), Some(d)) if (1000..=9999).contains(&y) && m <= 12 && d <= 31 => {
                Date::new(y, m as u8, d as u8).ok_or_else(err)
            }
            _ => Err(err()),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms_and_rejects_impossible_days() {
        assert_eq!(
            "2023/7/5".parse::<Date>().unwrap().to_string(),
            "2023-07-05"
        );
        assert!("2023-02-29".parse::<Date>().is_err());
        assert!("2024-02-29".parse::<Date>().is_ok());
        assert_eq!(
            "七月".parse::<Date>().unwrap_err().to_string(),
            "“七月”不是有效日期，应写成 2023-07-05 的形式"
        );
    }

    #[test]
    fn counts_days_across_months_and_leap_years() {
        let due: Date = "2023-07-05".parse().unwrap();
        let paid: Date = "2023-07-08".parse().unwrap();
        assert_eq!(paid.days_since(due), 3);
        let a: Date = "2024-02-28".parse().unwrap();
        let b: Date = "2024-03-01".parse().unwrap();
        assert_eq!(b.days_since(a), 2);
    }

    #[test]
    fn adding_days_inverts_counting_them() {
        let start: Date = "2023-12-30".parse().unwrap();
        for days in [-800_i64, -1, 0, 1, 2, 60, 366, 10_000] {
            let later = start.add_days(days);
            assert_eq!(later.days_since(start), days, "{later}");
        }
        assert_eq!(start.add_days(2).to_string(), "2024-01-01");
        assert_eq!(
            "2024-02-10"
                .parse::<Date>()
                .unwrap()
                .month_end()
                .to_string(),
            "2024-02-29"
        );
    }
}
