//! Times as users read them: dates and minutes in China time (UTC+8), from the store's unix milliseconds,
//! and the days they type back as the store's times.

use kaoping_core::date::Date;

/// `YYYY年M月D日` of a unix-millisecond time (UTC+8, the users' time zone).
pub fn date_of(ms: i64) -> String {
    let (y, m, d) = civil((ms.div_euclid(1000) + 8 * 3600).div_euclid(86_400));
    format!("{y}年{m}月{d}日")
}

/// `YYYY年M月D日 HH:MM` of a unix-millisecond time, in China time (UTC+8).
pub fn datetime_of(ms: i64) -> String {
    let secs = (ms.div_euclid(1000) + 8 * 3600).rem_euclid(86_400);
    format!("{} {:02}:{:02}", date_of(ms), secs / 3600, secs % 3600 / 60)
}

/// `YYYY-MM-DD HH:MM` of a unix-millisecond time, in China time (UTC+8): the compact form of lists.
pub fn stamp_of(ms: i64) -> String {
    let secs = ms.div_euclid(1000) + 8 * 3600;
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", s / 3600, s % 3600 / 60)
}

/// The first millisecond of `date` in China time (00:00 UTC+8), as unix milliseconds.
pub fn day_start_ms(date: Date) -> i64 {
    let epoch = Date::new(1970, 1, 1).expect("1970-01-01 is a date");
    date.days_since(epoch) * 86_400_000 - 8 * 3_600_000
}

/// Year, month and day of a count of days since 1970-01-01 (Howard Hinnant's civil-from-days).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_in_china_time() {
        // 2023-03-06T16:30:00Z is 2023-03-07 00:30 in Beijing.
        assert_eq!(super::date_of(1_678_120_200_000), "2023年3月7日");
        assert_eq!(super::datetime_of(1_678_120_200_000), "2023年3月7日 00:30");
        assert_eq!(
            super::datetime_of(1_678_120_200_000 + 13 * 3600 * 1000 + 59_999),
            "2023年3月7日 13:30"
        );
    }

    #[test]
    fn stamps_and_day_starts() {
        assert_eq!(super::stamp_of(1_678_120_200_000), "2023-03-07 00:30");
        let day: super::Date = "2023-03-07".parse().unwrap();
        // 2023-03-07 00:00 in Beijing is 2023-03-06T16:00:00Z.
        assert_eq!(super::day_start_ms(day), 1_678_118_400_000);
        assert_eq!(
            super::stamp_of(super::day_start_ms(day)),
            "2023-03-07 00:00"
        );
        assert_eq!(
            super::stamp_of(super::day_start_ms(day) - 1),
            "2023-03-06 23:59"
        );
        assert_eq!(super::date_of(0), "1970年1月1日");
    }
}
