//! How often a record kind is due, and which parts of a year a unit's records leave short.

use std::fmt;

use crate::date::Date;

/// How often the rubric wants a record kind. `times` is at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// 每月至少N次.
    Monthly { times: u32 },
    /// 每季度至少N次.
    Quarterly { times: u32 },
    /// 每年N次.
    Yearly { times: u32 },
    /// 每季次月N日前: one record per quarter, dated from the quarter's first day to the `day`-th of the
    /// month after it (党费每季次月5日前缴纳).
    QuarterlyBy { day: u8 },
}

/// The most a schedule may ask for in one month, quarter or year, and the latest day of a month a
/// deadline may name (every month has it).
pub const MAX_TIMES: u32 = 366;
pub const MAX_DUE_DAY: u8 = 28;

impl Schedule {
    /// The schedule in words: 每月至少1次, 每季次月5日前.
    pub fn describe(self) -> String {
        match self {
            Schedule::Monthly { times } => format!("每月至少{times}次"),
            Schedule::Quarterly { times } => format!("每季度至少{times}次"),
            Schedule::Yearly { times } => format!("每年{times}次"),
            Schedule::QuarterlyBy { day } => format!("每季次月{day}日前"),
        }
    }

    /// The first and last day a record of `year` may be dated under this schedule.
    pub fn window(self, year: u16) -> (Date, Date) {
        let slots = self.slots(year);
        let first = slots.first().map(|s| s.start);
        let last = slots.last().map(|s| s.end);
        (
            first.unwrap_or_else(|| ymd(year, 1, 1)),
            last.unwrap_or_else(|| ymd(year, 12, 31)),
        )
    }

    /// The year's months, quarters or the year itself, each with what it needs.
    pub fn slots(self, year: u16) -> Vec<Slot> {
        let month = |m: u8, times: u32| Slot {
            label: format!("{year}年{m}月"),
            start: ymd(year, m, 1),
            end: ymd(year, m, 1).month_end(),
            remind_from: ymd(year, m, REMIND_DAY),
            needed: times,
        };
        let quarter = |q: u8, times: u32| Slot {
            label: format!("{year}年第{q}季度"),
            start: ymd(year, 3 * q - 2, 1),
            end: ymd(year, 3 * q, 1).month_end(),
            remind_from: ymd(year, 3 * q, REMIND_DAY),
            needed: times,
        };
        match self {
            Schedule::Monthly { times } => (1..=12).map(|m| month(m, times)).collect(),
            Schedule::Quarterly { times } => (1..=4).map(|q| quarter(q, times)).collect(),
            Schedule::Yearly { times } => vec![Slot {
                label: format!("{year}年"),
                start: ymd(year, 1, 1),
                end: ymd(year, 12, 31),
                remind_from: ymd(year, 12, REMIND_DAY),
                needed: times,
            }],
            Schedule::QuarterlyBy { day } => (1..=4)
                .map(|q| {
                    let due = ymd(year, 3 * q, 1).month_end().add_days(i64::from(day));
                    Slot {
                        label: format!("{year}年第{q}季度（{}月{}日前）", due.month(), due.day()),
                        end: due,
                        ..quarter(q, 1)
                    }
                })
                .collect(),
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// A month, quarter or year of a schedule: records dated `start..=end` count for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// 2024年3月, 2024年第1季度, 2024年第1季度（4月5日前）.
    pub label: String,
    pub start: Date,
    pub end: Date,
    /// From this day a slot still short is worth a reminder (预警): the 21st of its last month.
    pub remind_from: Date,
    pub needed: u32,
}

/// A month or quarter still short after its last month's 20th day is worth a reminder.
const REMIND_DAY: u8 = 21;

/// A slot whose records fall short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub slot: Slot,
    pub held: u32,
    /// Its last day is past: the shortfall is a miss, not a reminder.
    pub closed: bool,
}

impl Gap {
    /// How many records the slot still lacks.
    pub fn missing(&self) -> u32 {
        self.slot.needed - self.held
    }
}

/// Each slot of `year` with the records dated `dates` that count for it.
///
/// A record counts for the slot that contains its date. Payments by a deadline (`QuarterlyBy`) settle
/// the quarters in turn instead: each pays the earliest quarter not yet paid, and one paid
/// after its deadline stays short (late), so a late second-quarter payment in July does not count for
/// the third.
pub fn tally(schedule: Schedule, year: u16, dates: &[Date]) -> Vec<(Slot, u32)> {
    let slots = schedule.slots(year);
    let mut held = vec![0_u32; slots.len()];
    let mut dates = dates.to_vec();
    dates.sort_unstable();
    if let Schedule::QuarterlyBy { .. } = schedule {
        let mut paid = vec![false; slots.len()];
        for date in dates {
            if let Some(i) = paid.iter().position(|p| !p) {
                paid[i] = true;
                held[i] = u32::from(date <= slots[i].end);
            }
        }
    } else {
        for date in dates {
            if let Some(i) = slots.iter().position(|s| s.start <= date && date <= s.end) {
                held[i] = held[i].saturating_add(1);
            }
        }
    }
    slots.into_iter().zip(held).collect()
}

/// The slots of `year` that the records dated `dates` leave short, as of `today`: those already over
/// (`closed`) and the one under way. Slots that have not begun are not reported. Records count as
/// [`tally`] counts them.
pub fn missed(schedule: Schedule, year: u16, dates: &[Date], today: Date) -> Vec<Gap> {
    tally(schedule, year, dates)
        .into_iter()
        .filter(|(slot, held)| slot.start <= today && *held < slot.needed)
        .map(|(slot, held)| Gap {
            closed: slot.end < today,
            slot,
            held,
        })
        .collect()
}

fn ymd(year: u16, month: u8, day: u8) -> Date {
    Date::new(year, month, day).expect("the first day of a month, a year's last day, exist")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn labels(gaps: &[Gap], closed: bool) -> Vec<&str> {
        gaps.iter()
            .filter(|g| g.closed == closed)
            .map(|g| g.slot.label.as_str())
            .collect()
    }

    #[test]
    fn a_monthly_meeting_missed_in_march_and_may_as_of_july() {
        let held = [
            d("2024-01-10"),
            d("2024-02-05"),
            d("2024-04-30"),
            d("2024-06-01"),
        ];
        let gaps = missed(Schedule::Monthly { times: 1 }, 2024, &held, d("2024-07-21"));
        assert_eq!(labels(&gaps, true), ["2024年3月", "2024年5月"]);
        // July is under way and still has none: not a miss yet.
        assert_eq!(labels(&gaps, false), ["2024年7月"]);
        assert!(gaps.iter().all(|g| g.missing() == 1));
    }

    #[test]
    fn two_records_in_one_month_do_not_cover_the_next() {
        let held = [d("2024-01-10"), d("2024-01-20")];
        let gaps = missed(Schedule::Monthly { times: 1 }, 2024, &held, d("2024-03-01"));
        assert_eq!(labels(&gaps, true), ["2024年2月"]);
    }

    #[test]
    fn quarterly_and_yearly_counts() {
        let held = [d("2024-02-10"), d("2024-08-01")];
        let gaps = missed(
            Schedule::Quarterly { times: 1 },
            2024,
            &held,
            d("2025-01-01"),
        );
        assert_eq!(labels(&gaps, true), ["2024年第2季度", "2024年第4季度"]);
        let gaps = missed(Schedule::Yearly { times: 4 }, 2024, &held, d("2025-01-01"));
        assert_eq!(gaps.len(), 1);
        assert_eq!((gaps[0].held, gaps[0].missing()), (2, 2));
        // Before the year ends the yearly count is still open.
        let gaps = missed(Schedule::Yearly { times: 4 }, 2024, &held, d("2024-12-31"));
        assert!(!gaps[0].closed);
    }

    #[test]
    fn dues_by_the_fifth_of_the_month_after_each_quarter() {
        let s = Schedule::QuarterlyBy { day: 5 };
        assert_eq!(s.slots(2024)[0].end, d("2024-04-05"));
        assert_eq!(s.slots(2024)[3].end, d("2025-01-05"));
        assert_eq!(s.window(2024), (d("2024-01-01"), d("2025-01-05")));
        // Q1 paid on 3 April (on time), Q2 on 8 July (late), Q3 on 30 September; Q4 is under way.
        let paid = [d("2024-04-03"), d("2024-07-08"), d("2024-09-30")];
        let gaps = missed(s, 2024, &paid, d("2024-12-20"));
        assert_eq!(labels(&gaps, true), ["2024年第2季度（7月5日前）"]);
        assert_eq!(labels(&gaps, false), ["2024年第4季度（1月5日前）"]);
        // Paid a quarter in advance: the January payment settles Q1, the second one Q2.
        let gaps = missed(
            s,
            2024,
            &[d("2024-01-02"), d("2024-01-03")],
            d("2024-07-06"),
        );
        assert_eq!(labels(&gaps, false), ["2024年第3季度（10月5日前）"]);
        assert!(labels(&gaps, true).is_empty());
    }

    #[test]
    fn slots_not_yet_begun_are_not_reported() {
        let gaps = missed(Schedule::Monthly { times: 2 }, 2024, &[], d("2024-01-15"));
        assert_eq!(gaps.len(), 1);
        assert_eq!(
            (gaps[0].slot.label.as_str(), gaps[0].missing()),
            ("2024年1月", 2)
        );
        assert!(missed(Schedule::Monthly { times: 1 }, 2024, &[], d("2023-12-31")).is_empty());
    }
}
