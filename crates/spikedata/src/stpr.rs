//! SpikeLab's `compute_spike_trig_pop_rate`: the spike-triggered population rate (stPR) of
//! Okun et al. (2015) / Bimbard et al., low-pass filtered with scipy's Butterworth `filtfilt`.

use crate::core::SpikeData;
use crate::error::{Result, SpikeDataError};
use crate::signal::{Band, butter_sos, sosfiltfilt};
use ndarray::Array2;

/// [`SpikeData::compute_spike_trig_pop_rate`]'s result (SpikeLab's 5-tuple).
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeTrigPopRate {
    /// Low-pass filtered coupling curves, `units × (2·window_ms + 1)` (`stPR_filtered`).
    pub stpr: Array2<f64>,
    /// Coupling strength at lag 0 per unit (`coupling_strengths_zero_lag`).
    pub zero_lag: Vec<f64>,
    /// Peak coupling within the lags kept after `cut_outer` (`coupling_strengths_max`).
    pub max: Vec<f64>,
    /// Lag (bins) of that peak; positive when the unit leads the population (`delays`).
    pub delays: Vec<f64>,
    /// The lags, `-window_ms..=window_ms` (bins).
    pub lags: Vec<i64>,
}

/// Spikes × lags from which the units are split between threads.
const PARALLEL_WORK: usize = 1 << 22;

impl SpikeData {
    /// SpikeLab's `compute_spike_trig_pop_rate(window_ms, cutoff_hz, fs, bin_size,
    /// cut_outer)`: for each unit `i` and lag `τ` in `-window_ms..=window_ms` bins,
    /// `c_i(τ) = Σ_spikes [P₋ᵢ(s + τ) − mean P₋ᵢ] / (‖fᵢ‖ · Σ_{j≠i} μ_j)` on the raster of
    /// `bin_size` ms (`P₋ᵢ`: population count without unit `i`; `μ_j`: mean count per bin;
    /// lags falling off the raster are skipped), then each curve low-pass filtered by an
    /// order-2 Butterworth at `cutoff_hz` for a sampling rate `fs` (scipy's `sosfiltfilt`).
    /// `max` / `delays` look at the lags `cut_outer..len - cut_outer`.
    ///
    /// Matches spikelab 0.1.2 (its numba kernel's summation order) to ~1e-15 relative.
    ///
    /// **Differences from SpikeLab:** a unit with several spikes in one bin has each spike
    /// counted (spikelab's numba kernel then reads uninitialised memory; its numpy fallback
    /// counts the bin once but divides by the spike count). `cut_outer = 0` uses every lag
    /// (spikelab slices `[0:-0]`, an empty array, and fails).
    ///
    /// Errors (as SpikeLab): `window_ms < 1`, fewer than 2 units, `cut_outer >= window_ms`,
    /// no spike at all; scipy's when the curve (`2·window_ms + 1` values) is not longer than
    /// the filter's padding (9 values: `window_ms >= 5` works) or `cutoff_hz` is not in
    /// `(0, fs/2)`.
    pub fn compute_spike_trig_pop_rate(
        &self,
        window_ms: usize,
        cutoff_hz: f64,
        fs: f64,
        bin_size: f64,
        cut_outer: usize,
    ) -> Result<SpikeTrigPopRate> {
        if window_ms < 1 {
            return Err(SpikeDataError::invalid("window_ms must be at least 1."));
        }
        let n = self.n_units();
        if n < 2 {
            return Err(SpikeDataError::invalid(
                "compute_spike_trig_pop_rate requires at least 2 units.",
            ));
        }
        if cut_outer >= window_ms {
            return Err(SpikeDataError::invalid(format!(
                "cut_outer ({cut_outer}) must be in [0, window_ms={window_ms})"
            )));
        }
        if self.spike_count() == 0 {
            return Err(SpikeDataError::invalid(
                "compute_spike_trig_pop_rate requires at least one spike across all units",
            ));
        }
        let sos = butter_sos(2, Band::Lowpass(cutoff_hz / fs * 2.0))?;
        let r = self.sparse_raster(bin_size, 0.0)?;
        let t_bins = r.n_bins;
        let pop: Vec<f64> = r.column_sums().into_iter().map(|c| c as f64).collect();
        let totals: Vec<f64> = (0..n)
            .map(|u| {
                r.counts[r.indptr[u]..r.indptr[u + 1]]
                    .iter()
                    .map(|&c| f64::from(c))
                    .sum()
            })
            .collect();
        let mu: Vec<f64> = totals.iter().map(|&s| s / t_bins as f64).collect();
        let mu_sum = mu.iter().fold(0.0, |a, &m| a + m);
        let all: f64 = totals.iter().sum();
        let w = window_ms as i64;
        let lags: Vec<i64> = (-w..=w).collect();
        let n_lags = lags.len();

        // one coupling curve: numba's loops, each spike of a bin counted
        let curve = |u: usize| -> Vec<f64> {
            let mut out = vec![0.0; n_lags];
            if totals[u] == 0.0 || mu[u] == 0.0 {
                return out;
            }
            let mu_loo = mu_sum - mu[u];
            // Σ_t (pop[t] - own[t]) is an exact integer sum
            let loo_mean = (all - totals[u]) / t_bins as f64;
            let range = r.indptr[u]..r.indptr[u + 1];
            let (bins, counts) = (&r.bins[range.clone()], &r.counts[range]);
            let denom = totals[u] * mu_loo;
            // bins in the outer loop, lags in the inner one (pop[b - w..=b + w] is contiguous):
            // each lag's sum still adds its terms in bin order, so the numbers are numba's
            let wu = w as usize;
            let mut sums = vec![0.0f64; n_lags];
            // the unit's own count at each lag of the current bin (only its bins within ±w)
            let mut own = vec![0.0f64; n_lags];
            let mut first = 0usize;
            for (&b, &c) in bins.iter().zip(counts) {
                let b = b as usize;
                while (bins[first] as usize) + wu < b {
                    first += 1;
                }
                let mut k = first;
                while k < bins.len() && (bins[k] as usize) <= b + wu {
                    own[bins[k] as usize + wu - b] = f64::from(counts[k]);
                    k += 1;
                }
                // lags whose bin b + tau is inside [0, t_bins)
                let lo = wu.saturating_sub(b);
                let hi = n_lags.min(t_bins + wu - b);
                for l in lo..hi {
                    let t = b + l - wu;
                    let dev = (pop[t] - own[l]) - loo_mean;
                    let s = &mut sums[l];
                    for _ in 0..c {
                        *s += dev;
                    }
                }
                for kk in first..k {
                    own[bins[kk] as usize + wu - b] = 0.0;
                }
            }
            for (o, s) in out.iter_mut().zip(&sums) {
                *o = s / denom;
            }
            out
        };
        let threads =
            crate::parallel::threads_for(r.bins.len().saturating_mul(n_lags), PARALLEL_WORK);
        let curves = crate::parallel::map_indexed(n, threads, curve)?;
        let mut stpr = Array2::zeros((n, n_lags));
        for (u, c) in curves.iter().enumerate() {
            let f = sosfiltfilt(&sos, c)?;
            stpr.row_mut(u).assign(&ndarray::ArrayView1::from(&f[..]));
        }
        let zero_lag: Vec<f64> = (0..n).map(|u| stpr[[u, window_ms]]).collect();
        let (lo, hi) = if cut_outer == 0 {
            (0, n_lags)
        } else {
            (cut_outer, n_lags - cut_outer)
        };
        let mut max = Vec::with_capacity(n);
        let mut delays = Vec::with_capacity(n);
        for u in 0..n {
            let row = stpr.row(u);
            // np.max / np.argmax: NaN wins, else the first maximum
            let mut best = lo;
            for k in lo..hi {
                let (v, b) = (row[k], row[best]);
                if v.is_nan() && !b.is_nan() || v > b {
                    best = k;
                }
            }
            max.push(row[best]);
            delays.push((best - lo) as f64 - ((n_lags - 1) as f64 / 2.0 - cut_outer as f64));
        }
        Ok(SpikeTrigPopRate {
            stpr,
            zero_lag,
            max,
            delays,
            lags,
        })
    }
}
