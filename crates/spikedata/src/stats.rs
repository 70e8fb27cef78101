//! Inter-spike-interval statistics and continuous rates (`resampled_isi`, `sliding_rate`).

use crate::core::{Attrs, SpikeData};
use crate::error::{Result, SpikeDataError};
use crate::numeric::{convolve_ones_same, gaussian_filter1d, np_mean, np_nanmean, np_std};
use crate::raster::RateUnit;
use ndarray::Array2;

/// Continuous firing rates of every unit on a time grid (SpikeLab's `RateData`).
#[derive(Debug, Clone, PartialEq)]
pub struct RateData {
    /// `units × times` rates.
    pub rates: Array2<f64>,
    /// Time of each column in ms.
    pub times: Vec<f64>,
    /// Unit of `rates`.
    pub unit: RateUnit,
    /// The unit attributes of the source data.
    pub unit_attrs: Option<Vec<Attrs>>,
}

/// Step of [`SpikeData::sliding_rate`]'s time grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// Step in ms.
    Size(f64),
    /// Samples per ms (`step = 1 / rate`).
    Rate(f64),
}

const MS_PER_S: f64 = 1000.0;

/// SpikeLab's `RateData` checks on a time axis: finite and non-decreasing.
pub(crate) fn check_rate_times(times: &[f64]) -> Result<()> {
    if times.iter().any(|t| !t.is_finite()) {
        return Err(SpikeDataError::invalid(
            "times must be all-finite (no NaN or inf). Got at least one non-finite entry.",
        ));
    }
    if times.windows(2).any(|w| !(w[1] - w[0] >= 0.0)) {
        return Err(SpikeDataError::invalid(
            "times must be monotonically non-decreasing. Sort the array (and the matching \
             columns of inst_Frate_data) before constructing RateData.",
        ));
    }
    Ok(())
}

/// SpikeLab's `_resampled_isi(spikes, times, sigma_ms)` for one train.
fn resampled_isi_one(spikes: &[f64], times: &[f64], sigma_ms: f64) -> Result<Vec<f64>> {
    if times.is_empty() {
        return Ok(Vec::new());
    }
    if spikes.len() < 2 {
        return Ok(vec![0.0; times.len()]);
    }
    if times.len() < 2 {
        let t = times[0];
        let idx = spikes.partition_point(|&s| s <= t) as i64 - 1;
        if idx < 0 || idx >= spikes.len() as i64 - 1 {
            return Ok(vec![0.0]);
        }
        let i = idx as usize;
        let isi = spikes[i + 1] - spikes[i];
        if isi <= 0.0 {
            return Ok(vec![0.0]);
        }
        return Ok(vec![1.0 / isi * MS_PER_S]);
    }
    let mut sp = spikes.to_vec();
    sp.dedup();
    if sp.len() < 2 {
        return Ok(vec![0.0; times.len()]);
    }
    let mut sorted_t = times.to_vec();
    sorted_t.sort_by(f64::total_cmp);
    if sorted_t.windows(2).any(|w| w[0] == w[1]) {
        return Err(SpikeDataError::invalid(
            "times array contains duplicate values. Provide an evenly-spaced grid with unique \
             time points.",
        ));
    }
    let diffs: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let d0 = diffs[0];
    // np.allclose(diffs, diffs[0]): |a - b| <= 1e-8 + 1e-5 * |b|
    if diffs
        .iter()
        .any(|&d| !((d - d0).abs() <= 1e-8 + 1e-5 * d0.abs()))
    {
        return Err(SpikeDataError::invalid(
            "times array is not uniformly spaced. Provide an evenly-spaced grid.",
        ));
    }
    let mut isi_rate = vec![0.0; sp.len()];
    for i in 1..sp.len() {
        isi_rate[i] = 1.0 / (sp[i] - sp[i - 1]) * MS_PER_S;
    }
    let t_start = times[0];
    let t_end = times[times.len() - 1];
    let dt = times[1] - times[0];
    let nb = ((t_end - t_start) / dt).round_ties_even() as i64 + 1;
    let nb = usize::try_from(nb)
        .ok()
        .filter(|&n| n <= times.len().saturating_mul(4).max(1 << 20))
        .ok_or_else(|| SpikeDataError::invalid("bad resampling grid"))?;
    let mut temp = vec![0.0; nb];
    for i in 1..sp.len() {
        let sb = ((sp[i - 1] - t_start) / dt).round_ties_even() as i64;
        let eb = ((sp[i] - t_start) / dt).round_ties_even() as i64;
        let nbi = nb as i64;
        if sb < nbi {
            // python slice temp[sb : min(eb, nb)] with negative indexes counting from the end
            let norm = |k: i64| if k < 0 { (k + nbi).max(0) } else { k.min(nbi) };
            let (a, b) = (norm(sb), norm(eb.min(nbi)));
            for v in temp.iter_mut().take(b.max(0) as usize).skip(a as usize) {
                *v = isi_rate[i];
            }
        }
    }
    let grid: Vec<f64> = (0..nb).map(|k| t_start + dt * k as f64).collect();
    let fr: Vec<f64> = times.iter().map(|&t| interp(t, &grid, &temp)).collect();
    let sigma = sigma_ms / dt;
    if sigma > 0.0 {
        Ok(gaussian_filter1d(&fr, sigma))
    } else {
        Ok(fr)
    }
}

/// `np.interp(x, xp, fp)` for increasing `xp`.
fn interp(x: f64, xp: &[f64], fp: &[f64]) -> f64 {
    let n = xp.len();
    if n == 0 {
        return f64::NAN;
    }
    if x <= xp[0] {
        return fp[0];
    }
    if x >= xp[n - 1] {
        return fp[n - 1];
    }
    let j = xp.partition_point(|&v| v <= x) - 1;
    if xp[j] == x {
        return fp[j];
    }
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let r = slope * (x - xp[j]) + fp[j];
    if r.is_nan() {
        let r2 = slope * (x - xp[j + 1]) + fp[j + 1];
        if r2.is_nan() && fp[j] == fp[j + 1] {
            return fp[j];
        }
        return r2;
    }
    r
}

/// The differences of consecutive spike times of one train.
fn intervals(train: &[f64]) -> Vec<f64> {
    train.windows(2).map(|w| w[1] - w[0]).collect()
}

impl SpikeData {
    /// SpikeLab's `interspike_intervals()`: the differences of each train.
    pub fn interspike_intervals(&self) -> Vec<Vec<f64>> {
        self.trains.iter().map(|t| intervals(t)).collect()
    }

    /// SpikeLab's `cv_isi()`: `std(ISI) / mean(ISI)` per unit; NaN with fewer than 2 ISIs or a
    /// non-positive mean. Units are computed in parallel from 2^20 spikes (each unit alone,
    /// with numpy's summation order: the result does not depend on the threads).
    pub fn cv_isi(&self) -> Vec<f64> {
        self.per_unit_isis(|isi| {
            if isi.len() < 2 {
                return f64::NAN;
            }
            let mean = np_mean(isi);
            if mean <= 0.0 || !mean.is_finite() {
                return f64::NAN;
            }
            np_std(isi) / mean
        })
    }

    /// `f(intervals of unit u)` for every unit, on several threads for large data; the
    /// intervals of one unit at a time are in memory (not every unit's at once).
    fn per_unit_isis<T: Send>(&self, f: impl Fn(&[f64]) -> T + Sync) -> Vec<T> {
        let one = |u: usize| f(&intervals(&self.trains[u]));
        let n = self.trains.len();
        let threads = crate::parallel::threads_for(self.spike_count(), 1 << 20);
        crate::parallel::map_indexed(n, threads, one).unwrap_or_else(|_| (0..n).map(one).collect())
    }

    /// SpikeLab's `cv2_isi()` (Holt 1996): mean of `2|I[k+1]-I[k]| / (I[k+1]+I[k])` per unit;
    /// NaN with fewer than 2 ISIs.
    pub fn cv2_isi(&self) -> Vec<f64> {
        self.per_unit_isis(|isi| {
            if isi.len() < 2 {
                return f64::NAN;
            }
            let ratio: Vec<f64> = isi
                .windows(2)
                .map(|w| {
                    let num = 2.0 * (w[1] - w[0]).abs();
                    let den = w[1] + w[0];
                    if den > 0.0 { num / den } else { f64::NAN }
                })
                .collect();
            if !ratio.iter().any(|r| r.is_finite()) {
                return f64::NAN;
            }
            np_nanmean(&ratio)
        })
    }

    /// SpikeLab's `resampled_isi(times, sigma_ms)`: the inverse ISI (Hz) of each unit held
    /// between spikes on the uniform grid `times`, then Gaussian-smoothed with `sigma_ms`.
    ///
    /// `times` must be finite and non-decreasing (SpikeLab's `RateData` check, which it
    /// applies after computing the rates): a decreasing grid is an error, whatever the
    /// spikes. Without units it is an error unless `times` has one point (SpikeLab's
    /// `(0, 1)` rate array only fits a single time).
    pub fn resampled_isi(&self, times: &[f64], sigma_ms: f64) -> Result<RateData> {
        check_rate_times(times)?;
        let n = self.trains.len();
        if n == 0 && times.len() != 1 {
            // SpikeLab: `np.array([])` has one dimension, becomes `(0, 1)`, and RateData
            // rejects it against the time grid
            return Err(SpikeDataError::invalid(
                "Number of columns in inst_Frate_data must be the same as length of times",
            ));
        }
        let mut rates = Array2::zeros((n, times.len()));
        for (i, t) in self.trains.iter().enumerate() {
            let r = resampled_isi_one(t, times, sigma_ms)?;
            for (j, v) in r.into_iter().enumerate() {
                rates[[i, j]] = v;
            }
        }
        Ok(RateData {
            rates,
            times: times.to_vec(),
            unit: RateUnit::Hz,
            unit_attrs: self.unit_attrs.clone(),
        })
    }

    /// SpikeLab's `sliding_rate(window_size, step_size | sampling_rate, t_start, t_end,
    /// gauss_sigma, apply_square)`: spike counts on a grid of `step` bins from `t_start`
    /// (default `start_time - W/2`) to `t_end` (default `end + W/2`), smoothed by a centred
    /// square window of `round(W/step)` bins (rate in kHz), then optionally by a Gaussian.
    pub fn sliding_rate(
        &self,
        window_size: f64,
        step: Step,
        t_start: Option<f64>,
        t_end: Option<f64>,
        gauss_sigma: f64,
        apply_square: bool,
    ) -> Result<RateData> {
        if !(window_size > 0.0) {
            return Err(SpikeDataError::invalid(format!(
                "window_size must be positive, got {window_size}"
            )));
        }
        let step = match step {
            Step::Rate(r) if r > 0.0 => 1.0 / r,
            Step::Size(s) if s > 0.0 => s,
            _ => {
                return Err(SpikeDataError::invalid(
                    "step_size and sampling_rate must be positive",
                ));
            }
        };
        if !(gauss_sigma >= 0.0) {
            return Err(SpikeDataError::invalid(format!(
                "gauss_sigma must be non-negative, got {gauss_sigma}"
            )));
        }
        let t_start = t_start.unwrap_or(self.start_time - window_size / 2.0);
        let t_end = t_end.unwrap_or(self.start_time + self.length + window_size / 2.0);
        if !(t_end > t_start) {
            return Err(SpikeDataError::invalid(format!(
                "t_end must be greater than t_start (got t_start={t_start}, t_end={t_end})"
            )));
        }
        let span = t_end - t_start;
        let nbf = (span / step).ceil();
        if !(nbf < 1e9) {
            return Err(SpikeDataError::invalid("too many bins"));
        }
        let mut nb = nbf as usize;
        // Python's float modulo (sign of the divisor)
        let remainder = span % step; // both positive: Python's `%` is fmod here
        if remainder < 1e-12 || (remainder - step).abs() < 1e-12 {
            nb += 1;
        }
        let edges: Vec<f64> = (0..=nb).map(|k| t_start + k as f64 * step).collect();
        let time_vector: Vec<f64> = edges.windows(2).map(|w| (w[0] + w[1]) / 2.0).collect();
        let n = self.trains.len();
        let wb = if apply_square {
            let wb = ((window_size / step).round_ties_even() as i64).max(1);
            usize::try_from(wb).unwrap_or(1).min(nb)
        } else {
            1
        };
        // one unit's row, computed alone (units in parallel for large inputs)
        let row = |i: usize| -> Vec<f64> {
            let ts = &self.trains[i];
            // np.histogram: [e_k, e_k+1) except the last bin, which is closed
            let mut counts = vec![0.0; nb];
            // spikes before the first edge are not counted
            let mut p = ts.partition_point(|&v| v < edges[0]);
            for (k, c) in counts.iter_mut().enumerate() {
                let lo = p;
                let e = edges[k + 1];
                if k + 1 == nb {
                    p += ts[p..].partition_point(|&v| v <= e);
                } else {
                    while p < ts.len() && ts[p] < e {
                        p += 1;
                    }
                }
                *c = (p - lo) as f64;
            }
            let mut row = if apply_square {
                let effective = wb as f64 * step;
                let mut c = convolve_ones_same(&counts, wb);
                c.iter_mut().for_each(|v| *v /= effective);
                c
            } else {
                counts.iter_mut().for_each(|v| *v /= step);
                counts
            };
            if gauss_sigma > 0.0 {
                row = gaussian_filter1d(&row, gauss_sigma / step);
            }
            row
        };
        let total = self.spike_count().saturating_add(n.saturating_mul(nb));
        let threads = crate::parallel::threads_for(total, 1 << 18);
        let rows = crate::parallel::map_indexed(n, threads, row)?;
        let mut rates = Array2::<f64>::zeros((n, nb));
        for (i, r) in rows.into_iter().enumerate() {
            rates.row_mut(i).assign(&ndarray::ArrayView1::from(&r[..]));
        }
        Ok(RateData {
            rates,
            times: time_vector,
            unit: RateUnit::KHz,
            unit_attrs: self.unit_attrs.clone(),
        })
    }
}
