//! The time on FC's log lines: UTC wall-clock time to the millisecond.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

/// UTC wall-clock time as `yyyy-MM-ddTHH:mm:ss.fffZ`.
#[derive(Clone, Copy, Debug, Default)]
pub struct UtcMillis;

impl FormatTime for UtcMillis {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        write_utc_millis(w, since_epoch.as_millis() as i64)
    }
}

/// Writes a Unix time in milliseconds as `yyyy-MM-ddTHH:mm:ss.fffZ`.
pub(crate) fn write_utc_millis(w: &mut impl fmt::Write, unix_millis: i64) -> fmt::Result {
    let (secs, millis) = (unix_millis.div_euclid(1000), unix_millis.rem_euclid(1000));
    let (days, secs_of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    write!(
        w,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        secs_of_day / 3600,
        secs_of_day / 60 % 60,
        secs_of_day % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day), after Howard
/// Hinnant's `civil_from_days` (public domain algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_millis() {
        let cases = [
            (0, "1970-01-01T00:00:00.000Z"),
            (951_782_400_999, "2000-02-29T00:00:00.999Z"),
            (1_739_437_033_042, "2025-02-13T08:57:13.042Z"),
            (4_107_542_399_001, "2100-02-28T23:59:59.001Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
        ];
        for (millis, want) in cases {
            let mut s = String::new();
            write_utc_millis(&mut s, millis).unwrap();
            assert_eq!(s, want, "{millis}");
        }
    }
}
