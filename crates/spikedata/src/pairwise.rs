//! Pairwise analyses: spike time tiling coefficients (STTC), latencies to events and between
//! units, and cross-correlograms of rasters (SpikeLab's `spike_time_tilings`, `latencies`,
//! `get_pairwise_latencies`, `get_pairwise_ccg`).

use crate::core::SpikeData;
use crate::error::{Result, SpikeDataError};
use crate::numeric::{np_mean, np_sum};
use ndarray::Array2;

/// SpikeLab's `_sttc_ta`: the time within `delt` of a spike of `t` in `[0, tmax]`.
/// `pairwise`: numpy's summation of the clipped intervals (the Python path), else the
/// left-to-right sum of SpikeLab's numba kernel.
fn sttc_ta(t: &[f64], delt: f64, tmax: f64, pairwise: bool) -> f64 {
    let (Some(&first), Some(&last)) = (t.first(), t.last()) else {
        return 0.0;
    };
    let base = delt.min(first) + delt.min((tmax - last).max(0.0));
    let clipped = t.windows(2).map(|w| (w[1] - w[0]).min(2.0 * delt));
    if pairwise {
        let v: Vec<f64> = clipped.collect();
        base + np_sum(&v)
    } else {
        base + clipped.fold(0.0, |acc, d| acc + d)
    }
}

/// `train.partition_point(|&v| v < q)` for every `q` of the sorted `queries`, in one walk
/// (`O(len + queries)`, no mispredicted binary-search branches).
pub(crate) fn partition_points(train: &[f64], queries: &[f64]) -> Vec<usize> {
    let mut p = 0;
    queries
        .iter()
        .map(|&q| {
            while p < train.len() && train[p] < q {
                p += 1;
            }
            p
        })
        .collect()
}

/// SpikeLab's `_sttc_na`: how many spikes of `a` lie within `delt` of a spike of `b`.
fn sttc_na(a: &[f64], b: &[f64], delt: f64) -> usize {
    match b.len() {
        0 => 0,
        1 => a.iter().filter(|&&t| (t - b[0]).abs() <= delt).count(),
        nb => {
            // the partition point of each spike of `a` in `b`, walked along (both sorted)
            let mut p = 0;
            let mut count = 0;
            for &t in a {
                while p < nb && b[p] < t {
                    p += 1;
                }
                let i = p.clamp(1, nb - 1);
                count += usize::from((b[i] - t).abs().min((b[i - 1] - t).abs()) <= delt);
            }
            count
        }
    }
}

/// One STTC value of spike times already shifted to start at 0 (both paths of SpikeLab).
fn sttc_pair(a: &[f64], b: &[f64], delt: f64, length: f64, python_path: bool) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let ta = sttc_ta(a, delt, length, python_path) / length;
    let tb = sttc_ta(b, delt, length, python_path) / length;
    sttc_with(a, b, ta, tb, delt, python_path)
}

/// [`sttc_pair`] with the tiled fractions `T_A`, `T_B` given (non-empty trains).
fn sttc_with(a: &[f64], b: &[f64], ta: f64, tb: f64, delt: f64, python_path: bool) -> f64 {
    let pa = sttc_na(a, b, delt) as f64 / a.len() as f64;
    let pb = sttc_na(b, a, delt) as f64 / b.len() as f64;
    let (d1, d2) = (1.0 - pa * tb, 1.0 - pb * ta);
    let (aa, bb) = if python_path {
        (
            if pa * tb != 1.0 { (pa - tb) / d1 } else { 0.0 },
            if pb * ta != 1.0 { (pb - ta) / d2 } else { 0.0 },
        )
    } else {
        (
            if d1.abs() > 1e-12 {
                (pa - tb) / d1
            } else {
                0.0
            },
            if d2.abs() > 1e-12 {
                (pb - ta) / d2
            } else {
                0.0
            },
        )
    };
    (aa + bb) / 2.0
}

/// SpikeLab's `get_sttc(tA, tB, delt, length, start_time)` (its numpy path): both trains
/// shifted by `-start_time`; 0 when one is empty.
pub(crate) fn get_sttc(
    a: &[f64],
    b: &[f64],
    delt: f64,
    length: f64,
    start_time: f64,
) -> Result<f64> {
    check_delt(delt)?;
    if a.is_empty() || b.is_empty() {
        return Ok(0.0);
    }
    let a: Vec<f64> = a.iter().map(|&t| t - start_time).collect();
    let b: Vec<f64> = b.iter().map(|&t| t - start_time).collect();
    Ok(sttc_pair(&a, &b, delt, length, true))
}

fn check_delt(delt: f64) -> Result<()> {
    if !(delt > 0.0) {
        return Err(SpikeDataError::invalid(format!(
            "delt must be positive, got {delt}"
        )));
    }
    Ok(())
}

/// Nearest-spike latency from `t` to `train` (sorted, non-empty) given `p =
/// train.partition_point(|&v| v < t)`: SpikeLab's `searchsorted` + clip + closer-of-two,
/// ties to the predecessor when `ties_left`.
#[inline]
fn nearest(train: &[f64], p: usize, t: f64, ties_left: bool) -> f64 {
    let n = train.len();
    if n == 1 {
        return train[0] - t;
    }
    let i = p.clamp(1, n - 1);
    let (left, right) = (train[i - 1] - t, train[i] - t);
    let take_right = if ties_left {
        right.abs() < left.abs()
    } else {
        !(left.abs() < right.abs())
    };
    if take_right { right } else { left }
}

/// [`SpikeData::get_pairwise_latency_distributions`]'s result.
#[derive(Debug, Clone, PartialEq)]
pub struct PairwiseLatencies {
    /// Mean latency from unit `i` to unit `j` (ms), `N × N`, 0 without latencies.
    pub mean: Array2<f64>,
    /// Their standard deviation (`np.std`), 0 without latencies.
    pub std: Array2<f64>,
    /// Every latency from each spike of `i` to the nearest spike of `j` (ms), in the order
    /// of `i`'s spikes; empty on the diagonal.
    pub distributions: Array2<Vec<f64>>,
}

/// Cross-correlation of two count rows at lags `-max_lag..=max_lag` (scipy's
/// `correlate(x, y, "full")[n - 1 + lag] = Σ_l x[l] y[l - lag]`), from sparse rows.
fn lagged_products(x: (&[u32], &[u32]), y: (&[u32], &[u32]), max_lag: usize) -> Vec<i128> {
    let mut c = vec![0i128; 2 * max_lag + 1];
    let (yb, yc) = y;
    let yb = |k: usize| yb[k] as usize;
    let ylen = y.0.len();
    let mut lo = 0usize;
    for (&l, &cx) in x.0.iter().zip(x.1) {
        let l = l as usize;
        // y bins in [l - max_lag, l + max_lag]
        while lo < ylen && yb(lo) + max_lag < l {
            lo += 1;
        }
        let mut k = lo;
        while k < ylen && yb(k) <= l + max_lag {
            // lag = l - yb[k], index = lag + max_lag
            let idx = l + max_lag - yb(k);
            c[idx] += i128::from(cx) * i128::from(yc[k]);
            k += 1;
        }
    }
    c
}

impl SpikeData {
    /// SpikeLab's `spike_time_tilings(delt)`: the `N × N` matrix of spike time tiling
    /// coefficients (Cutts & Eglen 2014) with 1 on the diagonal and 0 for a pair with an
    /// empty train. Spike times are taken relative to `start_time` and the window length is
    /// `length`.
    ///
    /// Bit-identical to spikelab 0.1.2 with numba (as pip installs it): for `N > 2` its
    /// numba kernel (left-to-right sums, a denominator `|1 - P·T| <= 1e-12` counts as 0),
    /// for `N <= 2` its numpy path (pairwise sums, `P·T == 1` counts as 0).
    ///
    /// Errors: `delt <= 0`; a zero-length window with spikes (spikelab divides by the
    /// length: `ZeroDivisionError` in numba, NaN in numpy).
    pub fn spike_time_tilings(&self, delt: f64) -> Result<Array2<f64>> {
        check_delt(delt)?;
        let n = self.n_units();
        let python_path = n <= 2;
        let shifted = self.shifted_trains()?;
        let length = self.length;
        // T of each unit once (it does not depend on the pair)
        let t: Vec<f64> = shifted
            .iter()
            .map(|s| sttc_ta(s, delt, length, python_path) / length)
            .collect();
        let row = |i: usize| -> Vec<f64> {
            (i + 1..n)
                .map(|j| {
                    let (a, b) = (&shifted[i], &shifted[j]);
                    if a.is_empty() || b.is_empty() {
                        0.0
                    } else {
                        sttc_with(a, b, t[i], t[j], delt, python_path)
                    }
                })
                .collect()
        };
        let threads = crate::parallel::threads_for(self.spike_count().saturating_mul(n), 1 << 20);
        let rows = crate::parallel::map_indexed(n, threads, row)?;
        let mut out = Array2::eye(n);
        for (i, r) in rows.iter().enumerate() {
            for (k, &v) in r.iter().enumerate() {
                let j = i + 1 + k;
                out[[i, j]] = v;
                out[[j, i]] = v;
            }
        }
        Ok(out)
    }

    /// SpikeLab's `spike_time_tiling(i, j, delt)`: the STTC of one pair (its numpy path).
    pub fn spike_time_tiling(&self, i: usize, j: usize, delt: f64) -> Result<f64> {
        check_delt(delt)?;
        let (a, b) = (self.unit(i)?, self.unit(j)?);
        if a.is_empty() || b.is_empty() {
            return Ok(0.0);
        }
        if self.length == 0.0 {
            return Err(SpikeDataError::invalid(
                "STTC needs a window of non-zero length",
            ));
        }
        let st = self.start_time;
        let a: Vec<f64> = a.iter().map(|&t| t - st).collect();
        let b: Vec<f64> = b.iter().map(|&t| t - st).collect();
        Ok(sttc_pair(&a, &b, delt, self.length, true))
    }

    /// The train of unit `i`, or [`SpikeDataError::UnitOutOfRange`].
    pub(crate) fn unit(&self, i: usize) -> Result<&[f64]> {
        self.train(i).ok_or(SpikeDataError::UnitOutOfRange {
            index: i64::try_from(i).unwrap_or(i64::MAX),
            n: self.n_units(),
        })
    }

    /// Trains shifted to start at 0 (SpikeLab's `flatten_spike_trains`); an error for a
    /// zero-length window with spikes.
    fn shifted_trains(&self) -> Result<Vec<Vec<f64>>> {
        if self.length == 0.0 && self.spike_count() > 0 {
            return Err(SpikeDataError::invalid(
                "STTC needs a window of non-zero length",
            ));
        }
        let st = self.start_time;
        Ok(self
            .trains
            .iter()
            .map(|t| t.iter().map(|&v| v - st).collect())
            .collect())
    }

    /// SpikeLab's `latencies(times, window_ms)`: for each unit and each time, the signed
    /// latency `spike - time` to the unit's nearest spike (ties to the earlier spike), NaN
    /// when it is farther than `window_ms` or the unit has no spike. `N × times.len()`.
    pub fn latencies(&self, times: &[f64], window_ms: f64) -> Array2<f64> {
        let mut out = Array2::from_elem((self.n_units(), times.len()), f64::NAN);
        // events in time order (a NaN event stays NaN)
        let mut order: Vec<usize> = (0..times.len()).filter(|&k| !times[k].is_nan()).collect();
        order.sort_by(|&a, &b| times[a].total_cmp(&times[b]));
        let sorted: Vec<f64> = order.iter().map(|&k| times[k]).collect();
        for (u, train) in self.trains.iter().enumerate() {
            if train.is_empty() {
                continue;
            }
            for ((&k, &t), p) in order
                .iter()
                .zip(&sorted)
                .zip(partition_points(train, &sorted))
            {
                let lat = nearest(train, p, t, true);
                if lat.abs() <= window_ms {
                    out[[u, k]] = lat;
                }
            }
        }
        out
    }

    /// SpikeLab's `latencies_to_index(i, window_ms)`: [`SpikeData::latencies`] to the spikes
    /// of unit `i`.
    pub fn latencies_to_index(&self, i: usize, window_ms: f64) -> Result<Array2<f64>> {
        Ok(self.latencies(self.unit(i)?, window_ms))
    }

    /// SpikeLab's `get_pairwise_latencies(window_ms)` (without distributions): `(mean, std)`
    /// `N × N` matrices of the signed latency from each spike of unit `i` to the nearest
    /// spike of unit `j` (ties to the later spike), keeping `|latency| <= window_ms` when a
    /// window is given; 0 where no latency is kept and on the diagonal.
    ///
    /// As spikelab's numba kernel: times shifted by `-start_time` first, `std =
    /// sqrt(max(Σx²/n - mean², 0))` with left-to-right sums.
    pub fn get_pairwise_latencies(&self, window_ms: Option<f64>) -> (Array2<f64>, Array2<f64>) {
        let n = self.n_units();
        let mut mean = Array2::zeros((n, n));
        let mut std = Array2::zeros((n, n));
        if n < 2 {
            return (mean, std);
        }
        let st = self.start_time;
        let shifted: Vec<Vec<f64>> = self
            .trains
            .iter()
            .map(|t| t.iter().map(|&v| v - st).collect())
            .collect();
        // one row (i, ·) per work item: numba's kernel, pair by pair
        let row = |i: usize| -> Vec<(f64, f64)> {
            let ti = &shifted[i];
            shifted
                .iter()
                .enumerate()
                .map(|(j, tj)| {
                    if i == j || ti.is_empty() || tj.is_empty() {
                        return (0.0, 0.0);
                    }
                    let (mut s, mut sq, mut count) = (0.0, 0.0, 0usize);
                    let mut p = 0;
                    for &t in ti {
                        while p < tj.len() && tj[p] < t {
                            p += 1;
                        }
                        let lat = nearest(tj, p, t, false);
                        if window_ms.is_some_and(|w| lat.abs() > w) {
                            continue;
                        }
                        s += lat;
                        sq += lat * lat;
                        count += 1;
                    }
                    if count == 0 {
                        return (0.0, 0.0);
                    }
                    let m = s / count as f64;
                    (m, (sq / count as f64 - m * m).max(0.0).sqrt())
                })
                .collect()
        };
        let threads = crate::parallel::threads_for(self.spike_count().saturating_mul(n), 1 << 20);
        let rows = crate::parallel::map_indexed(n, threads, row)
            .unwrap_or_else(|_| (0..n).map(row).collect());
        for (i, r) in rows.into_iter().enumerate() {
            for (j, (m, sd)) in r.into_iter().enumerate() {
                mean[[i, j]] = m;
                std[[i, j]] = sd;
            }
        }
        (mean, std)
    }

    /// SpikeLab's `get_pairwise_latencies(window_ms, return_distributions=True)`: the
    /// latency `t_j - t_i` from each spike of unit `i` to the nearest spike of unit `j` (ties
    /// to the later spike), kept when `|latency| <= window_ms` (all without a window), with
    /// their `np.mean` / `np.std` per pair. Bit-identical to spikelab's numpy path, which
    /// this option takes (times not shifted, numpy's pairwise sums), so the means can differ
    /// from [`SpikeData::get_pairwise_latencies`]' in the last bits.
    pub fn get_pairwise_latency_distributions(&self, window_ms: Option<f64>) -> PairwiseLatencies {
        let n = self.n_units();
        // one row of pairs (i, ·) per work item: (latencies, mean, std) for each j
        let row = |i: usize| -> Vec<(Vec<f64>, f64, f64)> {
            let ti = &self.trains[i];
            let mut sq = Vec::new();
            self.trains
                .iter()
                .enumerate()
                .map(|(j, tj)| {
                    if i == j || ti.is_empty() || tj.is_empty() {
                        return (Vec::new(), 0.0, 0.0);
                    }
                    let mut lat = Vec::with_capacity(ti.len());
                    let mut p = 0;
                    for &t in ti {
                        while p < tj.len() && tj[p] < t {
                            p += 1;
                        }
                        let l = nearest(tj, p, t, false);
                        if window_ms.is_none_or(|w| l.abs() <= w) {
                            lat.push(l);
                        }
                    }
                    if lat.is_empty() {
                        return (lat, 0.0, 0.0);
                    }
                    // np.mean, np.std (population): pairwise sums
                    let m = np_mean(&lat);
                    sq.clear();
                    sq.extend(lat.iter().map(|&x| (x - m) * (x - m)));
                    let sd = (np_sum(&sq) / lat.len() as f64).sqrt();
                    (lat, m, sd)
                })
                .collect()
        };
        let threads = crate::parallel::threads_for(self.spike_count().saturating_mul(n), 1 << 20);
        let rows = crate::parallel::map_indexed(n, threads, row)
            .unwrap_or_else(|_| (0..n).map(row).collect());
        let mut mean = Array2::zeros((n, n));
        let mut std = Array2::zeros((n, n));
        let mut distributions = Array2::from_elem((n, n), Vec::new());
        for (i, r) in rows.into_iter().enumerate() {
            for (j, (lat, m, sd)) in r.into_iter().enumerate() {
                mean[[i, j]] = m;
                std[[i, j]] = sd;
                distributions[[i, j]] = lat;
            }
        }
        PairwiseLatencies {
            mean,
            std,
            distributions,
        }
    }

    /// SpikeLab's `get_pairwise_ccg(bin_size, max_lag)` with its default
    /// `compute_cross_correlation_with_lag`: for each pair of raster rows (`bin_size` ms
    /// bins) the maximum over lags `-L..=L` of their cross-correlation normalised by
    /// `sqrt(Σx² Σy²)`, and the lag (bins) where it is reached (the first, most negative,
    /// on ties). `L = round(max_lag / bin_size)`, clamped to `n_bins - 1`. Returns
    /// `(corr, lag)`, `N × N`, with `lag[j][i] = -lag[i][j]`; a pair of silent units gives
    /// NaN, one silent unit 0.
    ///
    /// Bit-identical to spikelab (integer correlations, then one division), computed from
    /// the sparse raster instead of a dense one.
    pub fn get_pairwise_ccg(
        &self,
        bin_size: f64,
        max_lag: f64,
    ) -> Result<(Array2<f64>, Array2<f64>)> {
        let r = self.sparse_raster(bin_size, 0.0)?;
        let mut lag_bins = (max_lag / bin_size).round_ties_even();
        if !lag_bins.is_finite() {
            return Err(SpikeDataError::invalid(format!(
                "max_lag must be finite, got {max_lag}"
            )));
        }
        lag_bins = lag_bins.abs();
        let mut m = lag_bins.min(1e15) as usize;
        if r.n_bins > 0 {
            m = m.min(r.n_bins - 1);
        }
        let n = r.n_units;
        let row = |u: usize| {
            let s = r.indptr[u]..r.indptr[u + 1];
            (&r.bins[s.clone()], &r.counts[s])
        };
        let norms: Vec<i128> = (0..n)
            .map(|u| row(u).1.iter().map(|&c| i128::from(c).pow(2)).sum())
            .collect();
        let mut corr = Array2::from_elem((n, n), f64::NAN);
        let mut lag = Array2::from_elem((n, n), f64::NAN);
        for i in 0..n {
            for j in i..n {
                let (ni, nj) = (norms[i], norms[j]);
                let (c, l) = if ni == 0 && nj == 0 {
                    (f64::NAN, 0.0)
                } else if ni == 0 || nj == 0 {
                    (0.0, 0.0)
                } else {
                    let denom = ((ni * nj) as f64).sqrt();
                    let prods = lagged_products(row(i), row(j), m);
                    let mut best = (f64::NEG_INFINITY, 0usize);
                    for (k, &p) in prods.iter().enumerate() {
                        let v = p as f64 / denom;
                        if v > best.0 {
                            best = (v, k);
                        }
                    }
                    (best.0, best.1 as f64 - m as f64)
                };
                corr[[i, j]] = c;
                corr[[j, i]] = c;
                lag[[i, j]] = l;
                lag[[j, i]] = -l;
            }
        }
        Ok((corr, lag))
    }
}
