//! Times as users read them: dates and minutes in China time (UTC+8), from the store's unix milliseconds.

/// `YYYY年M月D日` of a unix-millisecond time (UTC+8, the users' time zone).
pub fn date_of(ms: i64) -> String {
    let days = (ms / 1000 + 8 * 3600).div_euclid(86_400);
    // Civil-from-days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y}年{m}月{d}日")
}

/// `YYYY年M月D日 HH:MM` of a unix-millisecond time, in China time (UTC+8).
pub fn datetime_of(ms: i64) -> String {
    let secs = (ms.div_euclid(1000) + 8 * 3600).rem_euclid(86_400);
    format!("{} {:02}:{:02}", date_of(ms), secs / 3600, secs % 3600 / 60)
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
}
