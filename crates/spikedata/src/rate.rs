//! SpikeLab's `RateData` methods: `subset`, `subtime`, `subtime_by_index`.

use crate::error::{Result, SpikeDataError};
use crate::select::py_eq;
use crate::stats::RateData;
use serde_json::Value;

/// SpikeLab's `subtime_by_index` bounds: negative indexes count from the end of `n`;
/// `0 <= start < n` and `start < end <= n` (SpikeLab's messages).
pub(crate) fn index_range(start_idx: i64, end_idx: i64, n: i64) -> Result<(usize, usize)> {
    let s = if start_idx < 0 {
        start_idx + n
    } else {
        start_idx
    };
    let e = if end_idx < 0 { end_idx + n } else { end_idx };
    if s < 0 || s >= n {
        return Err(SpikeDataError::invalid(format!(
            "start_idx {s} out of range for T={n}"
        )));
    }
    if e <= s || e > n {
        return Err(SpikeDataError::invalid(format!(
            "end_idx {e} invalid for T={n}"
        )));
    }
    Ok((s as usize, e as usize))
}

impl RateData {
    /// Number of units (rows).
    pub fn n_units(&self) -> usize {
        self.rates.nrows()
    }

    fn take(&self, rows: &[usize], cols: &[usize]) -> RateData {
        RateData {
            // the columns first: a time window is usually a small part of the rates
            rates: self
                .rates
                .select(ndarray::Axis(1), cols)
                .select(ndarray::Axis(0), rows),
            times: cols.iter().map(|&c| self.times[c]).collect(),
            unit: self.unit,
            unit_attrs: self
                .unit_attrs
                .as_ref()
                .map(|a| rows.iter().map(|&r| a[r].clone()).collect()),
        }
    }

    fn all_cols(&self) -> Vec<usize> {
        (0..self.times.len()).collect()
    }

    /// SpikeLab's `RateData.subset(units, preserve_order)`: the listed rows (duplicates
    /// removed), ascending unless `preserve_order`; an index `>= N` is an error.
    pub fn subset(&self, units: &[usize], preserve_order: bool) -> Result<RateData> {
        let rows = crate::select::select_units(units, self.n_units(), preserve_order)?;
        Ok(self.take(&rows, &self.all_cols()))
    }

    /// SpikeLab's `RateData.subset(values, by=key)`: the rows whose attribute `key` equals
    /// one of `values` (Python equality), in row order; an error without attributes.
    pub fn subset_by(&self, key: &str, values: &[Value]) -> Result<RateData> {
        let attrs = self
            .unit_attrs
            .as_ref()
            .ok_or_else(|| SpikeDataError::invalid("can't use `by` without `neuron_attributes`"))?;
        let rows: Vec<usize> = (0..attrs.len())
            .filter(|&i| {
                attrs[i]
                    .get(key)
                    .is_some_and(|v| values.iter().any(|w| py_eq(v, w)))
            })
            .collect();
        Ok(self.take(&rows, &self.all_cols()))
    }

    /// SpikeLab's `RateData.subtime(start, end)`: the columns with `start <= time < end`
    /// (literal times, original times kept). `None` start is the first time; `None` end is
    /// one step past the last (`+ (t1 - t0)`, or `+ 1` with a single time). Errors: no
    /// times, `start >= end`, no column in range.
    pub fn subtime(&self, start: Option<f64>, end: Option<f64>) -> Result<RateData> {
        let t = &self.times;
        let (Some(&first), Some(&last)) = (t.first(), t.last()) else {
            return Err(SpikeDataError::invalid(format!(
                "cannot apply subtime to RateData with empty times array (requested \
                 [{start:?}, {end:?}])"
            )));
        };
        let start = start.unwrap_or(first);
        let end = end.unwrap_or_else(|| {
            if t.len() > 1 {
                last + (t[1] - t[0])
            } else {
                last + 1.0
            }
        });
        if !(start < end) {
            return Err(SpikeDataError::invalid(format!(
                "start ({start}) must be less than end ({end})"
            )));
        }
        let cols: Vec<usize> = (0..t.len())
            .filter(|&k| t[k] >= start && t[k] < end)
            .collect();
        if cols.is_empty() {
            return Err(SpikeDataError::invalid(format!(
                "No time points found in range [{start}, {end}). The available range is \
                 [{first}, {last}]"
            )));
        }
        Ok(self.take(&(0..self.n_units()).collect::<Vec<_>>(), &cols))
    }

    /// SpikeLab's `RateData.subtime_by_index(start_idx, end_idx)`: columns
    /// `start_idx..end_idx`, negative indexes counting from the end.
    pub fn subtime_by_index(&self, start_idx: i64, end_idx: i64) -> Result<RateData> {
        let n = self.times.len() as i64;
        if n == 0 {
            return Err(SpikeDataError::invalid(
                "cannot apply subtime_by_index to RateData with empty times array (no time \
                 points to slice).",
            ));
        }
        let (s, e) = index_range(start_idx, end_idx, n)?;
        let cols: Vec<usize> = (s..e).collect();
        Ok(self.take(&(0..self.n_units()).collect::<Vec<_>>(), &cols))
    }
}
