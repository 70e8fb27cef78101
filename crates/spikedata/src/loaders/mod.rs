//! File loaders (SpikeLab's `load_spikedata_from_*`), each behind a cargo feature.
#![cfg_attr(
    not(all(feature = "hdf5", feature = "nwb", feature = "phy")),
    allow(dead_code)
)]

#[cfg(feature = "hdf5")]
pub(crate) mod hdf5;
#[cfg(feature = "phy")]
pub(crate) mod kilosort;
#[cfg(feature = "nwb")]
pub(crate) mod nwb;

use crate::core::Attrs;
use crate::error::{Result, SpikeDataError};
use serde_json::Value;

/// The HDF5 layer: `rawio-hdf5` itself, or its re-export by `rawio-nwb` when only the `nwb`
/// feature is on.
#[cfg(feature = "hdf5")]
pub(crate) use rawio_hdf5 as h5;
#[cfg(all(feature = "nwb", not(feature = "hdf5")))]
pub(crate) use rawio_nwb::hdf5 as h5;

/// A numeric scalar (or one-element) attribute as f64; `None` when it is not one.
#[cfg(any(feature = "hdf5", feature = "nwb"))]
pub(crate) fn scalar_f64(a: &h5::Attribute) -> Option<f64> {
    match a.read_f64s().ok()?.as_slice() {
        [v] => Some(*v),
        _ => None,
    }
}

/// Splits `flat` by the index, in the convention `n_units` decides (see
/// `Hdf5Layout::Ragged`). `name` names the index in errors.
pub(crate) fn split_by_index<T: Clone>(
    flat: &[T],
    index: &[i64],
    n_units: Option<usize>,
    name: &str,
) -> Result<Vec<Vec<T>>> {
    if n_units == Some(0) && index.len() <= 1 {
        return Ok(Vec::new());
    }
    if let Some(&first) = index.first()
        && first < 0
    {
        return Err(SpikeDataError::invalid(format!(
            "{name} entries must be non-negative; got {first} at position 0"
        )));
    }
    if index.windows(2).any(|w| w[1] < w[0]) {
        return Err(SpikeDataError::invalid(format!(
            "{name} must be monotonically non-decreasing"
        )));
    }
    if let Some(&last) = index.last()
        && usize::try_from(last).map_or(true, |l| l > flat.len())
    {
        return Err(SpikeDataError::invalid(format!(
            "{name} final value ({last}) exceeds flat array length ({})",
            flat.len()
        )));
    }
    let ends: &[i64] = match n_units {
        Some(n) => {
            if index.len() == n + 1 && index.first().is_none_or(|&f| f == 0) {
                index.get(1..).unwrap_or(&[])
            } else if index.len() == n {
                index
            } else {
                return Err(SpikeDataError::invalid(format!(
                    "{name} length {} does not match n_units={n} for either cumulative-end \
                     (length N) or leading-zero (length N+1) convention",
                    index.len()
                )));
            }
        }
        None => {
            if index.len() >= 2 && index.first() == Some(&0) && index.last() > Some(&0) {
                return Err(SpikeDataError::invalid(format!(
                    "{name} {} starts with 0: it reads as {} units (cumulative-end, first \
                     unit empty) or {} units (leading-zero); give the number of units",
                    preview(index),
                    index.len(),
                    index.len() - 1
                )));
            }
            index
        }
    };
    let mut out = Vec::with_capacity(ends.len());
    let mut start = 0usize;
    for &e in ends {
        // validated: 0 <= e <= flat.len(), non-decreasing
        let e = usize::try_from(e).unwrap_or(0);
        out.push(flat.get(start..e).unwrap_or(&[]).to_vec());
        start = e;
    }
    Ok(out)
}

fn preview(v: &[i64]) -> String {
    if v.len() <= 6 {
        format!("{v:?}")
    } else {
        format!("[{}, {}, {}, ..., {}]", v[0], v[1], v[2], v[v.len() - 1])
    }
}

/// The unit of stored spike times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeUnit {
    /// Seconds (`× 1e3`).
    Seconds,
    /// Milliseconds (as stored).
    Milliseconds,
    /// Sample indexes at this rate in Hz (`/ fs × 1e3`).
    Samples(f64),
}

impl TimeUnit {
    /// SpikeLab's `to_ms`: `v` (s) `× 1e3`, `v` (ms), `v / fs × 1e3` (samples), in that
    /// operation order so the results are bit-identical.
    pub fn to_ms(self, v: f64) -> f64 {
        match self {
            TimeUnit::Seconds => v * 1e3,
            TimeUnit::Milliseconds => v,
            TimeUnit::Samples(fs) => v / fs * 1e3,
        }
    }

    /// Rejects a sample rate that is not a positive finite number.
    pub(crate) fn check(self) -> crate::Result<()> {
        match self {
            TimeUnit::Samples(fs) if !(fs.is_finite() && fs > 0.0) => {
                Err(crate::SpikeDataError::InvalidArgument(format!(
                    "fs_Hz must be a positive finite number when the time unit is samples, \
                     got {fs}"
                )))
            }
            _ => Ok(()),
        }
    }
}

/// numpy's `spacing(|x|)`: the gap from `|x|` to the next larger float.
pub(crate) fn spacing(x: f64) -> f64 {
    let a = x.abs();
    if !a.is_finite() {
        return f64::NAN;
    }
    f64::from_bits(a.to_bits() + 1) - a
}

/// SpikeLab's `_build_spikedata` default length: `last − start + spacing(last)` (0 without
/// spikes), bumped by ulps if needed so the window really covers `last` (SpikeLab's
/// `np.spacing` is negative for a negative `last`, which makes its own check fail).
pub(crate) fn default_length(trains: &[Vec<f64>], start: f64) -> f64 {
    let Some(last) = trains
        .iter()
        .filter_map(|t| t.iter().copied().reduce(f64::max))
        .reduce(f64::max)
    else {
        return 0.0;
    };
    let mut length = (last - start + spacing(last)).max(0.0);
    let mut k = 0;
    while start + length < last && k < 64 {
        length = f64::from_bits(length.to_bits() + 1).max(f64::MIN_POSITIVE);
        k += 1;
    }
    length
}

/// Smallest `length >= end - start` such that `start + length >= end` in floating point.
pub(crate) fn covering_length(start: f64, end: f64) -> f64 {
    let mut length = (end - start).max(0.0);
    let mut k = 0;
    while start + length < end && k < 64 {
        length = f64::from_bits(length.to_bits() + 1).max(f64::MIN_POSITIVE);
        k += 1;
    }
    length
}

/// Appends `msg` to `metadata["loader_warnings"]` (SpikeLab's `warnings.warn`).
pub(crate) fn warn(metadata: &mut Attrs, msg: impl Into<String>) {
    let entry = metadata
        .entry("loader_warnings")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(v) = entry {
        v.push(Value::from(msg.into()));
    }
}

/// The absolute form of `path` as text (Python's `os.path.abspath`).
pub(crate) fn abspath(path: &std::path::Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing_matches_numpy() {
        assert_eq!(spacing(1.0), f64::EPSILON);
        assert_eq!(spacing(-1.0), f64::EPSILON);
        assert_eq!(spacing(0.0), f64::from_bits(1));
        // np.spacing(1087352.833) == 2.3283064365386963e-10
        assert_eq!(spacing(1087352.833), 2.3283064365386963e-10);
    }

    #[test]
    fn default_length_covers_negative_spikes() {
        // SpikeLab: -5 - (-10) + np.spacing(-5) < 5 → its own window check rejects the data
        let l = default_length(&[vec![-7.0, -5.0]], -10.0);
        assert!(-10.0 + l >= -5.0);
        assert_eq!(default_length(&[vec![], vec![]], 0.0), 0.0);
        assert_eq!(default_length(&[vec![1.0, 2.0]], 0.0), 2.0 + spacing(2.0));
    }

    #[test]
    fn time_units() {
        assert_eq!(TimeUnit::Seconds.to_ms(1.5), 1500.0);
        assert_eq!(TimeUnit::Samples(30000.0).to_ms(3.0), 3.0 / 30000.0 * 1e3);
        assert!(TimeUnit::Samples(0.0).check().is_err());
        assert!(TimeUnit::Samples(f64::NAN).check().is_err());
        assert!(TimeUnit::Milliseconds.check().is_ok());
    }

    #[test]
    fn index_conventions() {
        let flat = [1, 2, 3, 4, 5];
        // cumulative-end
        let s = split_by_index(&flat, &[2, 2, 5], Some(3), "i").unwrap();
        assert_eq!(s, vec![vec![1, 2], vec![], vec![3, 4, 5]]);
        let s = split_by_index(&flat, &[2, 2, 5], None, "i").unwrap();
        assert_eq!(s.len(), 3);
        // leading-zero
        let s = split_by_index(&flat, &[0, 2, 2, 5], Some(3), "i").unwrap();
        assert_eq!(s, vec![vec![1, 2], vec![], vec![3, 4, 5]]);
        // [0, 5]: ambiguous without n_units
        assert!(split_by_index(&flat, &[0, 5], None, "i").is_err());
        assert_eq!(
            split_by_index(&flat, &[0, 5], Some(2), "i").unwrap(),
            vec![vec![], vec![1, 2, 3, 4, 5]]
        );
        assert_eq!(
            split_by_index(&flat, &[0, 5], Some(1), "i").unwrap(),
            vec![vec![1, 2, 3, 4, 5]]
        );
        // all-zero: cumulative-end, as SpikeLab
        assert_eq!(
            split_by_index(&flat[..0], &[0, 0], None, "i")
                .unwrap()
                .len(),
            2
        );
        // bad indexes
        assert!(split_by_index(&flat, &[3, 2], None, "i").is_err());
        assert!(split_by_index(&flat, &[-1, 2], None, "i").is_err());
        assert!(split_by_index(&flat, &[6], None, "i").is_err());
        assert!(split_by_index(&flat, &[2, 5], Some(4), "i").is_err());
        assert!(split_by_index(&flat, &[], Some(0), "i").unwrap().is_empty());
    }
}
