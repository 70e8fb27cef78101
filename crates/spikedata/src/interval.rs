//! [`IntervalSet`] with pynapple 0.11's normalisation and `restrict` semantics.

use crate::core::{Options, SpikeData};
use crate::error::{Result, SpikeDataError};
use serde_json::Value;

/// A set of non-overlapping, sorted `[start, end]` intervals with optional per-interval
/// metadata columns: pynapple's `IntervalSet`, unit-agnostic (pynapple uses seconds; use ms
/// with [`SpikeData::restrict`]).
///
/// Construction normalises as pynapple 0.11 (`_jitfix_iset`): rows with NaN are dropped,
/// zero-length rows and rows with `end < start` are dropped, overlapping intervals are
/// merged, and an interval that touches the next one (`end == next start`) has `1e-6`
/// removed from its end. **Difference from pynapple:** unsorted input is sorted by
/// `(start, end)` *pairs* (pynapple sorts the start and end arrays independently, pairing
/// starts with foreign ends, and drops the metadata); here metadata rows follow their
/// interval, and a merged interval keeps the metadata of its first row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IntervalSet {
    start: Vec<f64>,
    end: Vec<f64>,
    metadata: Vec<(String, Vec<Value>)>,
    changed: bool,
}

impl IntervalSet {
    /// Normalised set from `start`/`end` (same length).
    pub fn new(start: &[f64], end: &[f64]) -> Result<IntervalSet> {
        Self::with_metadata(start, end, Vec::new())
    }

    /// Normalised set with metadata columns (`name`, one value per input row).
    pub fn with_metadata(
        start: &[f64],
        end: &[f64],
        metadata: Vec<(String, Vec<Value>)>,
    ) -> Result<IntervalSet> {
        if start.len() != end.len() {
            return Err(SpikeDataError::invalid(
                "Starts end ends are not of the same length",
            ));
        }
        if let Some((name, _)) = metadata.iter().find(|(_, v)| v.len() != start.len()) {
            return Err(SpikeDataError::invalid(format!(
                "metadata column {name:?} does not have one value per interval"
            )));
        }
        let mut rows: Vec<usize> = (0..start.len())
            .filter(|&i| !start[i].is_nan() && !end[i].is_nan())
            .collect();
        let mut changed = rows.len() != start.len();
        let before = rows.clone();
        rows.sort_by(|&a, &b| {
            start[a]
                .total_cmp(&start[b])
                .then(end[a].total_cmp(&end[b]))
        });
        changed |= rows != before;
        let s: Vec<f64> = rows.iter().map(|&i| start[i]).collect();
        let e: Vec<f64> = rows.iter().map(|&i| end[i]).collect();
        let m = s.len();
        let (mut os, mut oe, mut src) = (Vec::new(), Vec::new(), Vec::new());
        let mut i = 0;
        while i < m {
            while i < m && e[i] == s[i] {
                changed = true;
                i += 1;
            }
            while i < m && e[i] < s[i] {
                changed = true;
                i += 1;
            }
            if i >= m {
                break;
            }
            let first = i;
            let newstart = s[i];
            let mut newend = e[i];
            while i + 1 < m && s[i + 1] < newend {
                changed = true;
                i += 1;
                newend = newend.max(e[i]);
            }
            if i + 1 < m && newend == s[i + 1] {
                newend -= 1.0e-6;
            }
            os.push(newstart);
            oe.push(newend);
            src.push(rows[first]);
            i += 1;
        }
        let metadata = metadata
            .into_iter()
            .map(|(k, v)| (k, src.iter().map(|&r| v[r].clone()).collect()))
            .collect();
        Ok(IntervalSet {
            start: os,
            end: oe,
            metadata,
            changed,
        })
    }

    /// Interval starts.
    pub fn start(&self) -> &[f64] {
        &self.start
    }

    /// Interval ends.
    pub fn end(&self) -> &[f64] {
        &self.end
    }

    /// Metadata columns, one value per interval.
    pub fn metadata(&self) -> &[(String, Vec<Value>)] {
        &self.metadata
    }

    /// Whether normalisation sorted, dropped or merged rows (pynapple warns then).
    pub fn was_changed(&self) -> bool {
        self.changed
    }

    /// Number of intervals.
    pub fn len(&self) -> usize {
        self.start.len()
    }

    /// Whether there is no interval.
    pub fn is_empty(&self) -> bool {
        self.start.is_empty()
    }

    /// Sum of the interval lengths (pynapple's `tot_length`).
    pub fn tot_length(&self) -> f64 {
        self.start.iter().zip(&self.end).map(|(s, e)| e - s).sum()
    }

    /// Whether `t` is inside an interval (both ends closed).
    pub fn contains(&self, t: f64) -> bool {
        let k = self.start.partition_point(|&s| s <= t);
        k > 0 && t <= self.end[k - 1]
    }

    /// pynapple's `restrict` (`jitrestrict`): the sorted `times` with `start <= t <= end` for
    /// some interval (both ends closed).
    pub fn restrict(&self, times: &[f64]) -> Vec<f64> {
        let mut out = Vec::new();
        for (&s, &e) in self.start.iter().zip(&self.end) {
            let lo = times.partition_point(|&t| t < s);
            let hi = times.partition_point(|&t| t <= e);
            if hi > lo {
                out.extend_from_slice(&times[lo..hi]);
            }
        }
        out
    }
}

impl SpikeData {
    /// Keeps the spikes inside `intervals` (in **ms**, both ends closed, as pynapple's
    /// `restrict`); the window, attributes and metadata are unchanged, the raw signal is
    /// dropped.
    pub fn restrict(&self, intervals: &IntervalSet) -> Result<SpikeData> {
        SpikeData::new(
            self.trains.iter().map(|t| intervals.restrict(t)).collect(),
            Options {
                n: Some(self.trains.len()),
                length: Some(self.length),
                start_time: self.start_time,
                unit_attrs: self.unit_attrs.clone(),
                metadata: self.metadata.clone(),
                raw: None,
            },
        )
    }
}
