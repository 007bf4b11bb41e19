//! Times as `cognate auth status` shows them: UTC dates from Unix times, and a token's expiry in
//! words.

use crate::decode::words;

/// "valid, expires 2026-12-05 01:00 UTC (in 59 min)" or "EXPIRED 2026-… (3 h ago)".
pub fn expiry(exp: i64, now: i64) -> String {
    if exp > now {
        format!("valid until {} (in {})", utc(exp), words(exp - now))
    } else {
        format!("EXPIRED at {} ({} ago)", utc(exp), words(now - exp))
    }
}

/// (year, month, day, hour, minute, second) of a Unix time, UTC (Howard Hinnant's civil date).
fn civil(t: i64) -> (i64, i64, i64, i64, i64, i64) {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs / 3600, secs % 3600 / 60, secs % 60)
}

/// `2026-12-05 01:00 UTC`.
fn utc(t: i64) -> String {
    let (y, mo, d, h, mi, _) = civil(t);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02} UTC")
}

/// `2026-12-05T01:00:00Z`.
pub fn utc_rfc3339(t: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times_in_utc() {
        assert_eq!(utc_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_796_432_461), "2026-12-05 01:01 UTC");
    }
}
