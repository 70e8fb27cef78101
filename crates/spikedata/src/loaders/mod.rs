//! File loaders (SpikeLab's `load_spikedata_from_*`), each behind a cargo feature.
#![cfg_attr(not(feature = "nwb"), allow(dead_code))]

#[cfg(feature = "nwb")]
pub(crate) mod hdf5;
#[cfg(feature = "phy")]
pub(crate) mod kilosort;
#[cfg(feature = "nwb")]
pub(crate) mod nwb;

use crate::core::Attrs;
use serde_json::Value;

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
}
