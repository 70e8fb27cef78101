//! Time units as NIX and neo write them: `s`, `ms`, `us`, `ns`, `min`, `h` and neo's
//! sampling-period units `1/Hz`, `1/kHz`, `1/MHz` (quantities' dimensionality strings).

/// A time unit: `seconds = value × mul / div`, computed as one exact operation (a division
/// by 1000 for milliseconds, as neo and numpy do, rather than a multiplication by the inexact
/// 0.001).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    mul: f64,
    div: f64,
}

impl Scale {
    /// Seconds.
    pub const SECONDS: Scale = Scale { mul: 1.0, div: 1.0 };

    /// `value` in seconds.
    pub fn seconds(self, value: f64) -> f64 {
        if self.div == 1.0 {
            value * self.mul
        } else {
            value / self.div
        }
    }

    /// The rate (Hz) of a sampling interval in this unit.
    pub fn rate(self, interval: f64) -> f64 {
        if self.mul == 1.0 {
            self.div / interval
        } else {
            1.0 / (interval * self.mul)
        }
    }
}

/// The [`Scale`] of `unit`, `None` when `unit` is not a time unit.
///
/// ```text
/// s → 1, ms → 1e-3, us/µs/μs → 1e-6, ns → 1e-9, min → 60, h/hr → 3600,
/// 1/Hz → 1, 1/kHz → 1e-3, 1/MHz → 1e-6
/// ```
pub fn time_unit(unit: &str) -> Option<Scale> {
    let u = unit.trim();
    let u = u
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .unwrap_or(u);
    let (mul, div) = match u {
        "s" | "sec" | "second" | "seconds" | "1/Hz" | "1/hz" => (1.0, 1.0),
        "ms" | "msec" | "millisecond" | "milliseconds" | "1/kHz" | "1/khz" => (1.0, 1e3),
        "us" | "µs" | "μs" | "usec" | "microsecond" | "microseconds" | "1/MHz" | "1/mhz" => {
            (1.0, 1e6)
        }
        "ns" | "nsec" | "nanosecond" | "nanoseconds" => (1.0, 1e9),
        "min" | "minute" | "minutes" => (60.0, 1.0),
        "h" | "hr" | "hour" | "hours" => (3600.0, 1.0),
        _ => return None,
    };
    Some(Scale { mul, div })
}

/// Whether `unit` is a time unit [`time_unit`] knows.
pub fn is_time(unit: &str) -> bool {
    time_unit(unit).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(u: &str, v: f64) -> Option<f64> {
        time_unit(u).map(|x| x.seconds(v))
    }

    #[test]
    fn time_units() {
        assert_eq!(s("s", 2.5), Some(2.5));
        assert_eq!(s("ms", 13.0), Some(0.013));
        assert_eq!(s("1/kHz", 250.0), Some(0.25));
        assert_eq!(s("(1/kHz)", 1.0), Some(0.001));
        assert_eq!(s("µs", 5.0), Some(5e-6));
        assert_eq!(s("min", 2.0), Some(120.0));
        assert_eq!(time_unit("1/kHz").map(|x| x.rate(1.0)), Some(1000.0));
        assert_eq!(time_unit("ms").map(|x| x.rate(0.05)), Some(20000.0));
        assert_eq!(time_unit("s").map(|x| x.rate(0.001)), Some(1000.0));
        assert_eq!(time_unit("mV"), None);
        assert_eq!(time_unit("Hz"), None);
        assert!(!is_time(""));
        assert_eq!(Scale::SECONDS.seconds(3.0), 3.0);
    }
}
