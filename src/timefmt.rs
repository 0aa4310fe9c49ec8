//! Time parsing and printing for the command line. Everything is UTC.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Prints ns since the epoch as `2026-10-01 12:00:00.123Z`.
pub fn format_ns(ns: i64) -> String {
    DateTime::from_timestamp_nanos(ns)
        .format("%Y-%m-%d %H:%M:%S%.3fZ")
        .to_string()
}

/// Parses a time given on the command line into ns since the epoch (UTC):
/// RFC 3339 (`2026-10-01T12:00:00Z`, `…+02:00`), `2026-10-01 12:00[:00]` (UTC), a date
/// `2026-10-01` (its midnight, UTC), or a duration ago: `90s`, `30m`, `12h`, `7d`, `2w`.
pub fn parse_time(s: &str, now_ns: i64) -> Result<i64, String> {
    let t = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return dt
            .timestamp_nanos_opt()
            .ok_or_else(|| format!("time out of range: {s}"));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, f) {
            return dt
                .and_utc()
                .timestamp_nanos_opt()
                .ok_or_else(|| format!("time out of range: {s}"));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .and_then(|dt| dt.and_utc().timestamp_nanos_opt())
            .ok_or_else(|| format!("time out of range: {s}"));
    }
    match parse_duration_ns(t) {
        Some(Ok(d)) => Ok(now_ns - d),
        Some(Err(e)) => Err(e),
        None => Err(format!(
            "cannot read '{s}' as a time: use 2026-10-01, '2026-10-01 12:00:00', RFC 3339 or a duration ago like 30m, 12h, 7d"
        )),
    }
}

/// Parses a duration written as a number and a unit, `90s`, `30m`, `12h`, `7d` or `2w`, into
/// ns; `None` when `s` is not of that form, an error when it is but does not fit.
pub fn parse_duration_ns(s: &str) -> Option<Result<i64, String>> {
    let t = s.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let secs: i64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    if num.is_empty() {
        return None;
    }
    Some(
        num.parse::<i64>()
            .ok()
            .and_then(|n| n.checked_mul(secs * 1_000_000_000))
            .ok_or_else(|| format!("duration too large: {s}")),
    )
}

/// Now, ns since the epoch.
pub fn now_ns() -> i64 {
    Utc::now().timestamp_nanos_opt().unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_absolute_and_relative_times() {
        let now = 1_790_000_000_000_000_000;
        let day = parse_time("2026-10-01", now).unwrap();
        assert_eq!(format_ns(day), "2026-10-01 00:00:00.000Z");
        assert_eq!(parse_time("2026-10-01T00:00:00Z", now).unwrap(), day);
        assert_eq!(parse_time("2026-10-01T02:00:00+02:00", now).unwrap(), day);
        assert_eq!(parse_time("2026-10-01 00:00", now).unwrap(), day);
        assert_eq!(parse_time("2h", now).unwrap(), now - 7_200_000_000_000);
        assert_eq!(parse_time("7d", now).unwrap(), now - 7 * 86_400_000_000_000);
        for bad in [
            "",
            "yesterday",
            "5y",
            "h",
            "2026-13-01",
            "99999999999999999999d",
        ] {
            assert!(parse_time(bad, now).is_err(), "{bad}");
        }
    }
}
