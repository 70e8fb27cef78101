//! Sample clocks: how the samples of a signal stream map to times.
//!
//! Most streams are **regular**: sample `i` of a segment is at `t_start + i / sampling_rate`.
//! Some files store a time for every sample instead: NWB series with `timestamps`, Blackrock
//! PTP recordings (a nanosecond clock per sample), Open Ephys synchronized timestamps (the main
//! clock's seconds beside the stream's own sample numbers). Such streams carry an **explicit**
//! clock, read with [`crate::RawIOExt::signal_times`].
//!
//! # How a reader decides
//!
//! * A stream is [`SampleClock::Regular`] when the file states a rate (and a start) and stores
//!   no per-sample times.
//! * A stream is [`SampleClock::Explicit`] whenever the file stores a time per sample and those
//!   times are the stream's truth. Readers never turn stored times into a rate, however uniform
//!   they look: the stored times are returned exactly. The channels' `sampling_rate` is then the
//!   **nominal** rate: the rate the file states beside the times if it states one
//!   ([`RateSource::Stated`]), else `1 / median interval` ([`RateSource::MedianInterval`], see
//!   [`nominal_rate`]). `t_start` is the first stored time.
//! * A stream is [`SampleClock::RegularWithExplicit`] when the samples are regular in the
//!   stream's own clock and the file *also* stores their times on another (reference) clock.
//!   The regular clock is the default, so times never mix clocks; the explicit one is
//!   selected with [`Clock::Explicit`].
//!
//! There is no tolerance in this decision, and none in lookups: [`crate::RawIOExt::sample_index`]
//! binary-searches the exact stored times (or the exact regular formula).
//!
//! # How a user picks the clock
//!
//! [`Clock::Default`] is the stream's own clock (explicit for `Explicit` streams, regular
//! otherwise); [`Clock::Regular`] asks for `t_start + i / sampling_rate` on any stream (the
//! nominal grid on an explicit stream); [`Clock::Explicit`] asks for the stored times and is an
//! error on a stream without them.

use serde::Serialize;

/// How the samples of a stream map to times (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SampleClock {
    /// Sample `i` is at `t_start + i / sampling_rate`; no per-sample times.
    #[default]
    Regular,
    /// Every sample has a stored time; `sampling_rate` is nominal.
    Explicit {
        /// Where the nominal rate comes from.
        rate_source: RateSource,
    },
    /// Regular in the stream's own clock (the default), with stored times on a second,
    /// reference clock available as [`Clock::Explicit`].
    RegularWithExplicit,
}

impl SampleClock {
    /// Whether the file stores per-sample times for the stream.
    pub fn has_explicit_times(self) -> bool {
        !matches!(self, SampleClock::Regular)
    }

    /// The clock [`Clock::Default`] stands for on this stream.
    pub fn default_clock(self) -> Clock {
        match self {
            SampleClock::Explicit { .. } => Clock::Explicit,
            _ => Clock::Regular,
        }
    }

    /// A short name: `"regular"`, `"explicit"` or `"regular+explicit"`.
    pub fn name(self) -> &'static str {
        match self {
            SampleClock::Regular => "regular",
            SampleClock::Explicit { .. } => "explicit",
            SampleClock::RegularWithExplicit => "regular+explicit",
        }
    }
}

/// Where the nominal sampling rate of an explicit-clock stream comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RateSource {
    /// The file states the rate beside the times.
    Stated,
    /// `1 / median` of the intervals between consecutive stored times.
    MedianInterval,
}

/// Which clock a user reads times on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// The stream's own clock ([`SampleClock::default_clock`]).
    #[default]
    Default,
    /// `t_start + i / sampling_rate` (the nominal grid on an explicit stream).
    Regular,
    /// The stored per-sample times; an error on a stream without them.
    Explicit,
}

/// The time of sample `i` on a regular clock: `t_start + i / rate`, the formula every regular
/// time in rawio uses (so lookups and times agree to the bit).
#[inline]
pub fn regular_time(t_start: f64, rate: f64, i: u64) -> f64 {
    t_start + i as f64 / rate
}

/// The nominal rate of explicit times: `1 / median interval` of `times` (a reader may pass a
/// prefix of a long series and say so). `None` with fewer than two times or a non-positive
/// median (times not increasing).
pub fn nominal_rate(times: &[f64]) -> Option<f64> {
    let mut d: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    if d.is_empty() {
        return None;
    }
    let mid = d.len() / 2;
    let hi = *d.select_nth_unstable_by(mid, f64::total_cmp).1;
    let median = if d.len() % 2 == 1 {
        hi
    } else {
        let lo = d[..mid].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo + hi) / 2.0
    };
    (median > 0.0 && median.is_finite()).then(|| 1.0 / median)
}

/// First index `i` in `0..n` with `time(i) >= t` for non-decreasing times (`n` when every time
/// is below `t`; NaN `t` gives `n`). O(log n) calls of `time`.
pub fn first_at_or_after(n: u64, t: f64, mut time: impl FnMut(u64) -> f64) -> u64 {
    let (mut lo, mut hi) = (0u64, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if time(mid) < t || t.is_nan() {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_rate() {
        assert_eq!(nominal_rate(&[0.0, 0.001, 0.002, 0.010]), Some(1000.0));
        assert_eq!(nominal_rate(&[0.0, 0.5, 1.5]), Some(1.0 / 0.75));
        assert_eq!(nominal_rate(&[1.0]), None);
        assert_eq!(nominal_rate(&[1.0, 1.0]), None);
    }

    #[test]
    fn lookup_is_searchsorted_left() {
        let t = [0.0, 1.0, 1.0, 2.0];
        let f = |i: u64| t[i as usize];
        assert_eq!(first_at_or_after(4, -1.0, f), 0);
        assert_eq!(first_at_or_after(4, 1.0, f), 1);
        assert_eq!(first_at_or_after(4, 1.5, f), 3);
        assert_eq!(first_at_or_after(4, 9.0, f), 4);
        assert_eq!(first_at_or_after(4, f64::NAN, f), 4);
        assert_eq!(SampleClock::default().name(), "regular");
        let e = SampleClock::Explicit {
            rate_source: RateSource::Stated,
        };
        assert_eq!(e.default_clock(), Clock::Explicit);
        assert_eq!(
            serde_json::to_value(e).unwrap(),
            serde_json::json!({"kind": "explicit", "rate_source": "stated"})
        );
    }
}
