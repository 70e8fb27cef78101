//! Time bases and time-window filtering of spikes and events.
//!
//! Raw timestamps are kept lossless in the file's own unit (ticks, sample indexes, ms or
//! seconds). A [`TimeBase`] says how to turn them into seconds: `seconds = raw as f64 / rate`,
//! the same division neo performs. Window filtering applies *that exact conversion* to each
//! timestamp and compares in seconds, so a spike whose rescaled time is `t` is always kept by
//! a window `[t - d, t + d]`: the filter and the rescale cannot disagree by a rounding.
//!
//! **Bounds are inclusive at both ends**, like most neo readers: a timestamp is kept when
//! `t_start <= seconds <= t_stop`. `None` means unbounded on that side.

use crate::dispatch_raw;
use crate::dtype::{RawTimestamps, Sample};
use ndarray::{Array1, ArrayView1};
use std::ops::Range;

/// How raw timestamps convert to seconds: `seconds = raw as f64 / per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeBase {
    /// Raw units per second (a clock rate in Hz, a sampling rate, 1000 for milliseconds, 1 for
    /// seconds).
    pub per_second: f64,
}

impl TimeBase {
    /// Timestamps already in seconds.
    pub const SECONDS: TimeBase = TimeBase { per_second: 1.0 };
    /// Timestamps in milliseconds.
    pub const MILLISECONDS: TimeBase = TimeBase { per_second: 1000.0 };

    /// Ticks of a clock (or samples) at `rate` Hz.
    pub fn rate(rate: f64) -> Self {
        TimeBase { per_second: rate }
    }

    /// One raw value in seconds.
    #[inline]
    pub fn seconds<T: Sample>(&self, raw: T) -> f64 {
        raw.to_f64() / self.per_second
    }

    /// Every raw value in seconds.
    pub fn to_seconds(&self, raw: &RawTimestamps<'_>) -> Array1<f64> {
        let tb = *self;
        dispatch_raw!(raw, a => a.mapv(|v| tb.seconds(v)))
    }
}

/// An optional `[t_start, t_stop]` window in seconds, inclusive at both ends.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TimeWindow {
    /// Lower bound in seconds, inclusive; `None` = unbounded.
    pub t_start: Option<f64>,
    /// Upper bound in seconds, inclusive; `None` = unbounded.
    pub t_stop: Option<f64>,
}

impl TimeWindow {
    /// No bound: everything.
    pub const ALL: TimeWindow = TimeWindow {
        t_start: None,
        t_stop: None,
    };

    /// `[t_start, t_stop]`, both inclusive.
    pub fn new(t_start: Option<f64>, t_stop: Option<f64>) -> Self {
        TimeWindow { t_start, t_stop }
    }

    /// `[t_start, t_stop]`, both inclusive.
    pub fn between(t_start: f64, t_stop: f64) -> Self {
        TimeWindow::new(Some(t_start), Some(t_stop))
    }

    /// Whether the window has no bound.
    pub fn is_all(&self) -> bool {
        self.t_start.is_none() && self.t_stop.is_none()
    }

    /// Whether `t` (seconds) is inside the window. NaN is never inside a bounded window.
    #[inline]
    pub fn contains(&self, t: f64) -> bool {
        self.t_start.is_none_or(|a| t >= a) && self.t_stop.is_none_or(|b| t <= b)
    }

    /// The index range of the timestamps inside the window, for timestamps sorted in
    /// ascending order (as the trait requires of spike timestamps). O(log n).
    pub fn sorted_range(&self, raw: &RawTimestamps<'_>, base: TimeBase) -> Range<usize> {
        fn range<T: Sample>(w: &TimeWindow, a: ArrayView1<'_, T>, base: TimeBase) -> Range<usize> {
            let n = a.len();
            let lo = match w.t_start {
                None => 0,
                Some(t) => partition(n, |i| base.seconds(a[i]) < t),
            };
            let hi = match w.t_stop {
                None => n,
                Some(t) => partition(n, |i| base.seconds(a[i]) <= t),
            };
            lo..hi.max(lo)
        }
        dispatch_raw!(raw, a => range(self, a.view(), base))
    }

    /// The indexes of the timestamps inside the window, in any order of timestamps.
    pub fn mask_indexes(&self, raw: &RawTimestamps<'_>, base: TimeBase) -> Vec<usize> {
        let w = *self;
        dispatch_raw!(raw, a => a
            .iter()
            .enumerate()
            .filter_map(|(i, &v)| w.contains(base.seconds(v)).then_some(i))
            .collect())
    }
}

/// First index in `0..n` where `pred` is false, for a predicate true then false.
fn partition(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0usize, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
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
    use proptest::prelude::*;

    #[test]
    fn inclusive_bounds() {
        let raw = RawTimestamps::new(Array1::from(vec![10u64, 20, 30, 40]));
        let tb = TimeBase::rate(10.0);
        assert_eq!(TimeWindow::between(2.0, 3.0).sorted_range(&raw, tb), 1..3);
        assert_eq!(TimeWindow::ALL.sorted_range(&raw, tb), 0..4);
        assert_eq!(TimeWindow::between(5.0, 1.0).sorted_range(&raw, tb), 4..4);
        assert_eq!(
            TimeWindow::between(2.0, 3.0).mask_indexes(&raw, tb),
            vec![1, 2]
        );
    }

    proptest! {
        // neo's compliance check: +-1 ms around a spike returns that spike, rescaled equal.
        #[test]
        fn round_trip_with_rescale(mut ticks in proptest::collection::vec(0u64..(1u64 << 40), 3..50),
                                   rate in prop_oneof![Just(40000.0f64), Just(30000.0), Just(1250.0), Just(32556.0)]) {
            ticks.sort_unstable();
            ticks.dedup();
            prop_assume!(ticks.len() >= 3);
            let raw = RawTimestamps::new(Array1::from(ticks.clone()));
            let tb = TimeBase::rate(rate);
            let secs = tb.to_seconds(&raw);
            for i in 0..ticks.len() {
                let t = secs[i];
                let r = TimeWindow::between(t, t).sorted_range(&raw, tb);
                prop_assert!(r.contains(&i));
                let r = TimeWindow::between(t - 0.001, t + 0.001).sorted_range(&raw, tb);
                prop_assert!(r.contains(&i));
            }
        }
    }
}
