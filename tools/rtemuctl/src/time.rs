// SPDX-License-Identifier: GPL-2.0-only

//! Human durations (`30s`, `5m`, `1h30m`) and RFC 3339 times, in and out.
//! Times are u64 nanoseconds on CLOCK_REALTIME, as the kernel keeps them.

use std::time::Duration;

use jiff::Timestamp;

/// Parse a human duration: `30s`, `5m`, `1h30m`, `2days`, `500ms`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s)
        .map_err(|e| format!("bad duration {s:?}: {e} (e.g. 30s, 5m, 1h30m)"))
}

/// Parse an RFC 3339 time (`2026-01-01T00:00:00Z`, `2026-01-01T02:00:00+02:00`).
pub fn parse_time(s: &str) -> Result<u64, String> {
    let ts: Timestamp = s
        .parse()
        .map_err(|e| format!("bad time {s:?}: {e} (RFC 3339, e.g. 2026-01-01T00:00:00Z)"))?;
    u64::try_from(ts.as_nanosecond()).map_err(|_| format!("time {s:?} is before 1970"))
}

/// `now + d` in nanoseconds, saturating.
pub fn after(now: u64, d: Duration) -> u64 {
    now.saturating_add(d.as_nanos().min(u64::MAX as u128) as u64)
}

fn timestamp(ns: u64) -> Option<Timestamp> {
    Timestamp::from_nanosecond(ns as i128).ok()
}

/// RFC 3339 in UTC to the second.
pub fn format_time(ns: u64) -> String {
    match timestamp(ns - ns % 1_000_000_000) {
        Some(t) => format!("{t:.0}"),
        None => ns.to_string(),
    }
}

/// RFC 3339 in UTC to the millisecond (monitor lines).
pub fn format_time_millis(ns: u64) -> String {
    match timestamp(ns - ns % 1_000_000) {
        Some(t) => format!("{t:.3}"),
        None => ns.to_string(),
    }
}

/// A compact human duration: `4m59s`, `1d2h`, `0s`; under a second in ms.
pub fn format_duration(ns: u64) -> String {
    if ns < 1_000_000_000 {
        return if ns == 0 {
            "0s".into()
        } else {
            format!("{}ms", ns.div_ceil(1_000_000))
        };
    }
    let mut s = ns / 1_000_000_000;
    let mut out = String::new();
    for (unit, len) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if s >= len {
            out.push_str(&format!("{}{unit}", s / len));
            s %= len;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("2d").unwrap(), Duration::from_secs(172_800));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5").is_err());
    }

    #[test]
    fn durations_out_round_trip() {
        assert_eq!(format_duration(0), "0s");
        assert_eq!(format_duration(1), "1ms");
        assert_eq!(format_duration(30_000_000_000), "30s");
        assert_eq!(format_duration(299_900_000_000), "4m59s");
        assert_eq!(format_duration(93_784_000_000_000), "1d2h3m4s");
        for s in ["30s", "4m59s", "1d2h3m4s", "1h"] {
            let d = parse_duration(s).unwrap();
            assert_eq!(format_duration(d.as_nanos() as u64), s);
        }
    }

    #[test]
    fn times_in_and_out() {
        let t = parse_time("2026-01-01T00:00:00Z").unwrap();
        assert_eq!(t, 1_767_225_600_000_000_000);
        assert_eq!(parse_time("2026-01-01T02:00:00+02:00").unwrap(), t);
        assert_eq!(format_time(t), "2026-01-01T00:00:00Z");
        assert_eq!(format_time(t + 999_999_999), "2026-01-01T00:00:00Z");
        assert_eq!(
            format_time_millis(t + 123_456_789),
            "2026-01-01T00:00:00.123Z"
        );
        assert_eq!(parse_time(&format_time(t)).unwrap(), t);
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("1969-12-31T23:59:59Z").is_err());
        assert_eq!(after(5, Duration::from_nanos(7)), 12);
        assert_eq!(after(u64::MAX, Duration::from_secs(1)), u64::MAX);
    }
}
