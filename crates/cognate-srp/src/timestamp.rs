//! `TIMESTAMP` of a `PASSWORD_VERIFIER` answer: `EEE MMM d HH:mm:ss UTC yyyy`, in UTC, the day
//! of the month not zero-padded (`Mon Feb 3 08:05:09 UTC 2025`).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::Error;

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A `TIMESTAMP` as Cognito expects it in a `PASSWORD_VERIFIER` answer.
///
/// Time is injected: build it from a Unix time you choose ([`Timestamp::from_unix`]) or from the
/// system clock ([`Timestamp::now`]).
///
/// ```
/// use cognate_srp::Timestamp;
/// let t = Timestamp::from_unix(1_738_569_909);
/// assert_eq!(t.as_str(), "Mon Feb 3 08:05:09 UTC 2025");
/// assert_eq!(Timestamp::parse(t.as_str()).unwrap().unix(), 1_738_569_909);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Timestamp {
    text: String,
    unix: i64,
}

impl Timestamp {
    /// The timestamp for `secs` seconds after 1970-01-01T00:00:00Z (negative: before).
    pub fn from_unix(secs: i64) -> Self {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let weekday = (days + 4).rem_euclid(7) as usize; // 1970-01-01 was a Thursday
        let text = format!(
            "{} {} {} {:02}:{:02}:{:02} UTC {:04}",
            DAYS[weekday],
            MONTHS[(m - 1) as usize],
            d,
            rem / 3600,
            rem % 3600 / 60,
            rem % 60,
            y
        );
        Timestamp { text, unix: secs }
    }

    /// The timestamp for the system clock's current time.
    pub fn now() -> Self {
        let secs = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
        };
        Self::from_unix(secs)
    }

    /// Parses a received `TIMESTAMP` (a server checks its freshness with [`Timestamp::unix`]).
    /// Accepts the day of the month with or without a leading zero, as clients differ.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let bad = || Error::InvalidTimestamp(text.chars().take(64).collect());
        let parts: Vec<&str> = text.split(' ').collect();
        let [weekday, month, day, time, zone, year] = parts.as_slice() else {
            return Err(bad());
        };
        if *zone != "UTC" {
            return Err(bad());
        }
        let weekday = DAYS.iter().position(|d| d == weekday).ok_or_else(bad)?;
        let month = MONTHS.iter().position(|m| m == month).ok_or_else(bad)? as i64 + 1;
        let day: i64 = number(day, 1, 2).ok_or_else(bad)?;
        let year: i64 = number(year, 4, 6).ok_or_else(bad)?;
        let hms: Vec<&str> = time.split(':').collect();
        let [h, mi, s] = hms.as_slice() else {
            return Err(bad());
        };
        let (h, mi, s) = (
            number(h, 2, 2).ok_or_else(bad)?,
            number(mi, 2, 2).ok_or_else(bad)?,
            number(s, 2, 2).ok_or_else(bad)?,
        );
        if !(1..=days_in_month(year, month)).contains(&day) || h > 23 || mi > 59 || s > 59 {
            return Err(bad());
        }
        let days = days_from_civil(year, month, day);
        if (days + 4).rem_euclid(7) as usize != weekday {
            return Err(bad());
        }
        Ok(Timestamp {
            text: text.to_owned(),
            unix: days * 86_400 + h * 3600 + mi * 60 + s,
        })
    }

    /// The text to send as `TIMESTAMP`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Seconds since the Unix epoch.
    pub fn unix(&self) -> i64 {
        self.unix
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({:?})", self.text)
    }
}

fn number(text: &str, min_len: usize, max_len: usize) -> Option<i64> {
    if !(min_len..=max_len).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Proleptic Gregorian calendar <-> days since 1970-01-01 (the well-known era algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_cognito_clients() {
        assert_eq!(
            Timestamp::from_unix(0).as_str(),
            "Thu Jan 1 00:00:00 UTC 1970"
        );
        assert_eq!(
            Timestamp::from_unix(951_782_400).as_str(),
            "Tue Feb 29 00:00:00 UTC 2000"
        );
        assert_eq!(
            Timestamp::from_unix(1_735_689_599).as_str(),
            "Tue Dec 31 23:59:59 UTC 2024"
        );
    }

    #[test]
    fn parse_round_trips_and_accepts_padded_day() {
        for secs in [0, 951_782_400, 1_738_569_909, 4_102_444_800, -86_400] {
            let t = Timestamp::from_unix(secs);
            assert_eq!(Timestamp::parse(t.as_str()).unwrap().unix(), secs);
        }
        assert_eq!(
            Timestamp::parse("Mon Feb 03 08:05:09 UTC 2025")
                .unwrap()
                .unix(),
            1_738_569_909
        );
    }

    #[test]
    fn parse_rejects_nonsense() {
        for bad in [
            "",
            "Mon Feb 3 08:05:09 GMT 2025",
            "Tue Feb 3 08:05:09 UTC 2025",
            "Mon Feb 30 08:05:09 UTC 2025",
            "Mon Feb 3 8:05:09 UTC 2025",
            "Mon Feb 3 24:05:09 UTC 2025",
            "Mon Feb +3 08:05:09 UTC 2025",
            "Mon  Feb 3 08:05:09 UTC 2025",
        ] {
            assert!(
                matches!(Timestamp::parse(bad), Err(Error::InvalidTimestamp(_))),
                "{bad}"
            );
        }
    }
}
