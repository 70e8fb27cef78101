//! Population analyses: SpikeLab's `get_pop_rate`, `get_bursts`, `burst_sensitivity`,
//! `get_frac_active`, `get_frac_spikes_in_burst`.

use crate::core::SpikeData;
use crate::error::{Result, SpikeDataError};
use crate::numeric::np_mean;

/// `np.convolve(a, v, mode="same")`: `max(len a, len v)` values of the full convolution,
/// centred as numpy does; each value summed left to right over the kernel.
pub(crate) fn np_convolve_same(a: &[f64], v: &[f64]) -> Vec<f64> {
    let (n, m) = (a.len(), v.len());
    if n == 0 || m == 0 {
        return Vec::new();
    }
    let len = n.max(m);
    let start = (n.min(m) - 1) / 2;
    (start..start + len)
        .map(|k| {
            // full[k] = Σ_j a[j] v[k - j]
            let lo = (k + 1).saturating_sub(m);
            let hi = k.min(n - 1);
            let mut acc = 0.0;
            for j in lo..=hi {
                acc += a[j] * v[k - j];
            }
            acc
        })
        .collect()
}

/// [`np_convolve_same`] for a long signal and an odd, symmetric kernel (`v[c-d] == v[c+d]`):
/// `out[i] = v[c]·a[i] + Σ_{d=1..=c} v[c+d]·(a[i-d] + a[i+d])`, computed a block of outputs
/// at a time with the kernel taps in the outer loop (a loop the compiler vectorises). Falls
/// back to [`np_convolve_same`] for other kernels. Large inputs are split between the
/// available cores (each output is computed alone: the same values for any thread count). The values differ from numpy's (BLAS
/// `ddot`) by a few ulps, as the left-to-right sums do.
pub(crate) fn convolve_same_symmetric(a: &[f64], v: &[f64]) -> Vec<f64> {
    let (n, m) = (a.len(), v.len());
    let c = m / 2;
    if !symmetric_odd(v) || n < m {
        return np_convolve_same(a, v);
    }
    let mut padded = vec![0.0; n + 2 * c];
    padded[c..c + n].copy_from_slice(a);
    convolve_padded(padded, n, v)
}

/// Whether `v` has odd length and is symmetric about its centre.
fn symmetric_odd(v: &[f64]) -> bool {
    let (m, c) = (v.len(), v.len() / 2);
    m % 2 == 1 && (1..=c).all(|d| v[c - d] == v[c + d])
}

/// [`convolve_same_symmetric`] of the `n` values held in `padded` after `m / 2` zeros (and
/// followed by as many): reuses that buffer for the output.
fn convolve_padded(padded: Vec<f64>, n: usize, v: &[f64]) -> Vec<f64> {
    const B: usize = 1024;
    let m = v.len();
    let c = m / 2;
    let mut out = vec![0.0; n];
    // out[i0..i0 + len]: every output is computed alone, so threads give the same values
    let fill = |i0: usize, chunk: &mut [f64]| {
        // groups of G outputs accumulated in registers over every tap (the taps in the
        // same order for each output as a plain loop: the same values)
        const G: usize = 16;
        let len = chunk.len();
        let mut k0 = 0;
        while k0 + G <= len {
            let base = i0 + k0 + c;
            let mut acc = [0.0f64; G];
            let centre = &padded[base..base + G];
            for (a, &x) in acc.iter_mut().zip(centre) {
                *a = v[c] * x;
            }
            for d in 1..=c {
                let g = v[c + d];
                let left = &padded[base - d..base - d + G];
                let right = &padded[base + d..base + d + G];
                for k in 0..G {
                    acc[k] += g * (left[k] + right[k]);
                }
            }
            chunk[k0..k0 + G].copy_from_slice(&acc);
            k0 += G;
        }
        for (k, out) in chunk.iter_mut().enumerate().skip(k0) {
            let base = i0 + k + c;
            let mut a = v[c] * padded[base];
            for d in 1..=c {
                a += v[c + d] * (padded[base - d] + padded[base + d]);
            }
            *out = a;
        }
    };
    let threads = crate::parallel::threads_for(n.saturating_mul(m), (1 << 24) + 1);
    crate::parallel::for_each_chunk_mut(&mut out, B, threads, fill);
    out
}

/// scipy's `find_peaks(x, height=h, distance=d)`: local maxima (the middle of a plateau,
/// rounded down), those `>= h`, then the highest first with neighbours closer than
/// `ceil(d)` removed (a stable order among equal heights; scipy's sort is not stable).
pub(crate) fn find_peaks(x: &[f64], height: f64, distance: f64) -> Result<Vec<usize>> {
    if !(distance >= 1.0) {
        return Err(SpikeDataError::invalid(
            "`distance` must be greater or equal to 1",
        ));
    }
    let mut peaks = Vec::new();
    let n = x.len();
    let mut i = 1;
    while i + 1 < n {
        if x[i - 1] < x[i] {
            let mut ahead = i + 1;
            while ahead + 1 < n && x[ahead] == x[i] {
                ahead += 1;
            }
            if x[ahead] < x[i] {
                peaks.push((i + ahead - 1) / 2);
                i = ahead;
            }
        }
        i += 1;
    }
    peaks.retain(|&p| x[p] >= height);
    let d = distance.ceil();
    let mut order: Vec<usize> = (0..peaks.len()).collect();
    order.sort_by(|&a, &b| x[peaks[a]].total_cmp(&x[peaks[b]]));
    let mut keep = vec![true; peaks.len()];
    for &j in order.iter().rev() {
        if !keep[j] {
            continue;
        }
        let mut k = j;
        while k > 0 && ((peaks[j] - peaks[k - 1]) as f64) < d {
            keep[k - 1] = false;
            k -= 1;
        }
        let mut k = j + 1;
        while k < peaks.len() && ((peaks[k] - peaks[j]) as f64) < d {
            keep[k] = false;
            k += 1;
        }
    }
    Ok(peaks
        .into_iter()
        .zip(keep)
        .filter_map(|(p, k)| k.then_some(p))
        .collect())
}

/// Index of the first minimum of `x[l..r]` (SpikeLab's `trough_between`), `None` when the
/// peaks are adjacent.
fn trough_between(l: usize, r: usize, x: &[f64]) -> Option<usize> {
    if r <= l + 1 {
        return None;
    }
    let mut best = l;
    for k in l..r {
        if x[k] < x[best] {
            best = k;
        }
    }
    Some(best)
}

/// Arguments of [`SpikeData::get_bursts`] (SpikeLab's keyword arguments and defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct BurstOptions {
    /// Peak height threshold, in multiples of the RMS of the population rate.
    pub thr_burst: f64,
    /// Least distance between peaks, in bins (`>= 1`).
    pub min_burst_diff: f64,
    /// Burst edges are where the rate falls below `trough + mult · (peak - trough)`.
    pub burst_edge_mult_thresh: f64,
    /// Square window (ms) of the population rate (default 20).
    pub square_width: f64,
    /// Gaussian sigma (ms) of the population rate (default 100).
    pub gauss_sigma: f64,
    /// Square window (ms) of the "accurate" rate that places the peak (default 8).
    pub acc_square_width: f64,
    /// Gaussian sigma (ms) of the accurate rate (default 8).
    pub acc_gauss_sigma: f64,
    /// Raster bin in ms (default 1).
    pub raster_bin_size_ms: f64,
    /// Baseline from the higher neighbouring trough (default) or 0.
    pub peak_to_trough: bool,
    /// A precomputed population rate (else [`SpikeData::get_pop_rate`]).
    pub pop_rate: Option<Vec<f64>>,
    /// A precomputed accurate population rate.
    pub pop_rate_acc: Option<Vec<f64>>,
    /// The RMS to use instead of the population rate's.
    pub pop_rms_override: Option<f64>,
}

impl BurstOptions {
    /// SpikeLab's defaults with the three required arguments.
    pub fn new(thr_burst: f64, min_burst_diff: f64, burst_edge_mult_thresh: f64) -> Self {
        BurstOptions {
            thr_burst,
            min_burst_diff,
            burst_edge_mult_thresh,
            square_width: 20.0,
            gauss_sigma: 100.0,
            acc_square_width: 8.0,
            acc_gauss_sigma: 8.0,
            raster_bin_size_ms: 1.0,
            peak_to_trough: true,
            pop_rate: None,
            pop_rate_acc: None,
            pop_rms_override: None,
        }
    }
}

/// Bursts found by [`SpikeData::get_bursts`].
#[derive(Debug, Clone, PartialEq)]
pub struct Bursts {
    /// Peak time of each burst, in bins.
    pub tburst: Vec<f64>,
    /// `[start, end]` bins of each burst.
    pub edges: Vec<[f64; 2]>,
    /// Peak amplitude of each burst.
    pub peak_amp: Vec<f64>,
    /// Peak times found more than once (SpikeLab warns).
    pub duplicates: Vec<f64>,
}

/// [`SpikeData::get_frac_active`]'s result.
#[derive(Debug, Clone, PartialEq)]
pub struct FracActive {
    /// Per unit: the fraction of bursts in which it has at least `min_spikes` active bins.
    pub frac_per_unit: Vec<f64>,
    /// Per burst: the fraction of units active in it.
    pub frac_per_burst: Vec<f64>,
    /// Units with `frac_per_unit >= backbone_threshold`.
    pub backbone_units: Vec<usize>,
}

impl SpikeData {
    /// SpikeLab's `get_pop_rate(square_width, gauss_sigma, raster_bin_size_ms)`: the
    /// population count per bin smoothed by a square window of `round(square_width / bin)`
    /// bins (`np.convolve(.., ones(w)/w, "same")`) and then by a normalised Gaussian of
    /// sigma `gauss_sigma / bin` bins sampled at `arange(-3σ, 3σ + 1)` (spikes per bin).
    ///
    /// Within a few ulps of spikelab: numpy's `convolve` sums with BLAS `ddot`, whose order
    /// depends on the CPU; here each value is summed left to right.
    pub fn get_pop_rate(
        &self,
        square_width: f64,
        gauss_sigma: f64,
        raster_bin_size_ms: f64,
    ) -> Result<Vec<f64>> {
        self.pop_rate_with(square_width, gauss_sigma, raster_bin_size_ms, None)
    }

    /// [`SpikeData::get_pop_rate`] with the population counts per bin given when they are
    /// already known (the same bins).
    fn pop_rate_with(
        &self,
        square_width: f64,
        gauss_sigma: f64,
        raster_bin_size_ms: f64,
        counts: Option<&[u64]>,
    ) -> Result<Vec<f64>> {
        if !(gauss_sigma >= 0.0) {
            return Err(SpikeDataError::invalid(format!(
                "gauss_sigma must be non-negative, got {gauss_sigma}"
            )));
        }
        if !(square_width >= 0.0) {
            return Err(SpikeDataError::invalid(format!(
                "square_width must be non-negative, got {square_width}"
            )));
        }
        if square_width > self.length {
            return Err(SpikeDataError::invalid(format!(
                "square_width ({square_width} ms) cannot exceed recording length ({} ms)",
                self.length
            )));
        }
        if 6.0 * gauss_sigma > self.length {
            return Err(SpikeDataError::invalid(format!(
                "gauss_sigma ({gauss_sigma} ms) is too large for recording length ({} ms)",
                self.length
            )));
        }
        let owned;
        let counts: &[u64] = match counts {
            Some(c) => c,
            None => {
                owned = self.binned_at(raster_bin_size_ms)?;
                &owned
            }
        };
        let n = counts.len();
        let w = (square_width / raster_bin_size_ms)
            .round_ties_even()
            .max(0.0);
        let sigma = gauss_sigma / raster_bin_size_ms;
        // the length checks above bound both kernels by the window (a kernel longer than the
        // data makes a longer output, numpy's rule)
        let w = w as usize;
        let g = if sigma > 0.0 {
            let x = crate::stack::np_arange(-3.0 * sigma, 3.0 * sigma + 1.0, 1.0)?;
            let c = (2.0 * std::f64::consts::PI).sqrt();
            let g: Vec<f64> = x
                .iter()
                .map(|&v| {
                    let z = v / sigma;
                    (-z * z / 2.0).exp() / c / sigma
                })
                .collect();
            let total = crate::numeric::np_sum(&g);
            Some(g.iter().map(|v| v / total).collect::<Vec<f64>>())
        } else {
            None
        };
        // the common case in one buffer: the box sums (exact integers, one product each, as
        // numpy's Σ count · (1/w)) written straight into the Gaussian's padded input
        if let Some(g) = &g
            && w >= 1
            && w <= n
            && n >= g.len()
            && symmetric_odd(g)
        {
            let c = g.len() / 2;
            let mut padded = vec![0.0; n + 2 * c];
            let inv = 1.0 / w as f64;
            // numpy's "same": full[k] = Σ_{j = k-w+1 ..= k} a[j], k = start..start + n
            let start = (w - 1) / 2;
            let mut sum: u64 = counts[..=start.min(n - 1)].iter().sum();
            for (i, p) in padded[c..c + n].iter_mut().enumerate() {
                let k = start + i;
                if i > 0 {
                    if k < n {
                        sum += counts[k];
                    }
                    if k >= w {
                        sum -= counts[k - w];
                    }
                }
                *p = sum as f64 * inv;
            }
            return Ok(convolve_padded(padded, n, g));
        }
        let summed: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
        let square = if w > 0 {
            let c = 1.0 / w as f64;
            crate::numeric::convolve_ones_same(&summed, w)
                .into_iter()
                .map(|s| s * c)
                .collect()
        } else {
            summed
        };
        match g {
            Some(g) => Ok(convolve_same_symmetric(&square, &g)),
            None => Ok(square),
        }
    }

    /// `binned` at any bin size with [`SpikeData::sparse_raster`]'s bins (also for N = 0).
    fn binned_at(&self, bin_size: f64) -> Result<Vec<u64>> {
        let nb = self.sparse_raster_bins(bin_size, 0.0)?;
        Ok(self.column_counts(nb, bin_size, 0.0))
    }

    /// SpikeLab's `get_bursts(thr_burst, min_burst_diff, burst_edge_mult_thresh, ...)`:
    /// peaks of the population rate above `thr_burst · RMS` at least `min_burst_diff` bins
    /// apart; each burst spans the nearest bins on both sides where the rate falls below
    /// `baseline + mult · (peak - baseline)` (baseline: the higher of the neighbouring
    /// troughs, or 0); its time is the peak of the accurate rate inside the burst. Bursts
    /// without a trough or an edge are dropped.
    pub fn get_bursts(&self, opts: &BurstOptions) -> Result<Bursts> {
        let (pop_rate, acc) = self.burst_rates(opts)?;
        bursts_of(&pop_rate, &acc, opts)
    }

    /// The population rate and the accurate one of [`BurstOptions`], given or computed.
    fn burst_rates(&self, opts: &BurstOptions) -> Result<(Vec<f64>, Vec<f64>)> {
        // the population counts once for both rates
        let counts = if opts.pop_rate.is_none() || opts.pop_rate_acc.is_none() {
            Some(self.binned_at(opts.raster_bin_size_ms)?)
        } else {
            None
        };
        let rate = |given: &Option<Vec<f64>>, square, gauss| match given {
            Some(p) => Ok(p.clone()),
            None => self.pop_rate_with(square, gauss, opts.raster_bin_size_ms, counts.as_deref()),
        };
        Ok((
            rate(&opts.pop_rate, opts.square_width, opts.gauss_sigma)?,
            rate(
                &opts.pop_rate_acc,
                opts.acc_square_width,
                opts.acc_gauss_sigma,
            )?,
        ))
    }

    /// SpikeLab's `burst_sensitivity(thr_values, dist_values, burst_edge_mult_thresh, ...)`:
    /// the number of bursts for every `(threshold, distance)` pair (`counts[i][j]`), with
    /// the population rates computed once. Distances are truncated to integers (`int()`).
    pub fn burst_sensitivity(
        &self,
        thr_values: &[f64],
        dist_values: &[f64],
        opts: &BurstOptions,
    ) -> Result<Vec<Vec<usize>>> {
        let (pop_rate, acc) = self.burst_rates(opts)?;
        thr_values
            .iter()
            .map(|&thr| {
                dist_values
                    .iter()
                    .map(|&dist| {
                        let o = BurstOptions {
                            thr_burst: thr,
                            min_burst_diff: dist.trunc(),
                            ..opts.clone()
                        };
                        bursts_of(&pop_rate, &acc, &o).map(|b| b.tburst.len())
                    })
                    .collect()
            })
            .collect()
    }

    /// For each unit, the bins (`bin_size` ms) where it fired, sorted (the nonzero columns of
    /// SpikeLab's dense raster), with the bin count.
    fn active_bins(&self, bin_size: f64) -> Result<(Vec<Vec<usize>>, usize)> {
        let r = self.sparse_raster(bin_size, 0.0)?;
        let rows = (0..r.n_units)
            .map(|u| {
                r.bins[r.indptr[u]..r.indptr[u + 1]]
                    .iter()
                    .map(|&b| b as usize)
                    .collect()
            })
            .collect();
        Ok((rows, r.n_bins))
    }

    /// SpikeLab's `get_frac_active(edges, MIN_SPIKES, backbone_threshold, bin_size)`: per
    /// unit and burst, the number of **bins** (not spikes) of the unit's raster row that are
    /// active within `[start, end]` (inclusive); a unit takes part in a burst when that is
    /// `>= min_spikes`. Errors: an edge with `start > end`, or past the raster.
    pub fn get_frac_active(
        &self,
        edges: &[[f64; 2]],
        min_spikes: f64,
        backbone_threshold: f64,
        bin_size: f64,
    ) -> Result<FracActive> {
        check_edges(edges)?;
        let (rows, nb) = self.active_bins(bin_size)?;
        if let Some(mx) = edges.iter().flatten().copied().reduce(f64::max)
            && mx.trunc() > nb as f64
        {
            return Err(SpikeDataError::invalid(format!(
                "Edge index {} exceeds raster size ({nb} bins at bin_size={bin_size} ms)",
                mx.trunc()
            )));
        }
        let n = rows.len();
        if edges.is_empty() {
            return Ok(FracActive {
                frac_per_unit: vec![0.0; n],
                frac_per_burst: Vec::new(),
                backbone_units: Vec::new(),
            });
        }
        let above: Vec<Vec<bool>> = rows
            .iter()
            .map(|bins| {
                edges
                    .iter()
                    .map(|e| count_in(bins, e) as f64 >= min_spikes)
                    .collect()
            })
            .collect();
        let nbursts = edges.len() as f64;
        let frac_per_unit: Vec<f64> = above
            .iter()
            .map(|a| a.iter().filter(|&&x| x).count() as f64 / nbursts)
            .collect();
        let frac_per_burst = (0..edges.len())
            .map(|b| above.iter().filter(|a| a[b]).count() as f64 / n as f64)
            .collect();
        let backbone_units = (0..n)
            .filter(|&u| frac_per_unit[u] >= backbone_threshold)
            .collect();
        Ok(FracActive {
            frac_per_unit,
            frac_per_burst,
            backbone_units,
        })
    }

    /// SpikeLab's `get_frac_spikes_in_burst(edges, bin_size)`: per unit, the number of its
    /// active bins inside the bursts (counted once per burst) over its spike count; NaN for
    /// a silent unit or when there is no burst.
    pub fn get_frac_spikes_in_burst(&self, edges: &[[f64; 2]], bin_size: f64) -> Result<Vec<f64>> {
        let (rows, _) = self.active_bins(bin_size)?;
        if edges.is_empty() {
            return Ok(vec![f64::NAN; rows.len()]);
        }
        Ok(rows
            .iter()
            .zip(&self.trains)
            .map(|(bins, t)| {
                if t.is_empty() {
                    return f64::NAN;
                }
                let inside: usize = edges.iter().map(|e| count_in(bins, e)).sum();
                inside as f64 / t.len() as f64
            })
            .collect())
    }
}

/// How many of the sorted `bins` lie in `[e[0], e[1]]`.
fn count_in(bins: &[usize], e: &[f64; 2]) -> usize {
    let lo = bins.partition_point(|&b| (b as f64) < e[0]);
    let hi = bins.partition_point(|&b| (b as f64) <= e[1]);
    hi.saturating_sub(lo)
}

fn check_edges(edges: &[[f64; 2]]) -> Result<()> {
    if let Some((i, e)) = edges.iter().enumerate().find(|(_, e)| e[0] > e[1]) {
        return Err(SpikeDataError::invalid(format!(
            "Inverted edge at row {i}: start={} > end={}. All edges must satisfy start <= end.",
            e[0], e[1]
        )));
    }
    Ok(())
}

/// The burst detection of SpikeLab's `get_bursts` on given population rates.
fn bursts_of(pop_rate: &[f64], acc: &[f64], opts: &BurstOptions) -> Result<Bursts> {
    let rms = match opts.pop_rms_override {
        None => {
            let sq: Vec<f64> = pop_rate.iter().map(|v| v * v).collect();
            np_mean(&sq).sqrt()
        }
        Some(r) if r > 0.0 => r,
        Some(r) => {
            return Err(SpikeDataError::invalid(format!(
                "pop_rms_override must be positive, got {r}"
            )));
        }
    };
    let peaks = find_peaks(pop_rate, rms * opts.thr_burst, opts.min_burst_diff)?;
    let (mut tburst, mut edges, mut amp) = (Vec::new(), Vec::new(), Vec::new());
    for (b, &pk) in peaks.iter().enumerate() {
        let pk_val = pop_rate[pk];
        let ti_val = if opts.peak_to_trough {
            let tl = b
                .checked_sub(1)
                .and_then(|p| trough_between(peaks[p], pk, pop_rate));
            let tr = peaks
                .get(b + 1)
                .and_then(|&q| trough_between(pk, q, pop_rate));
            match (tl, tr) {
                (None, None) => continue,
                (None, Some(r)) => pop_rate[r],
                (Some(l), None) => pop_rate[l],
                (Some(l), Some(r)) => pop_rate[l].max(pop_rate[r]),
            }
        } else {
            0.0
        };
        let delta = (pk_val - ti_val).max(0.0);
        let level = ti_val + opts.burst_edge_mult_thresh * delta;
        let start = (0..pk).rev().find(|&k| pop_rate[k] < level);
        let end = (pk + 1..pop_rate.len()).find(|&k| pop_rate[k] < level);
        let (Some(start), Some(end)) = (start, end) else {
            continue;
        };
        let (t, a) = if acc.len() == pop_rate.len() {
            let seg = &acc[start..end];
            let mut best = 0;
            for (k, &v) in seg.iter().enumerate() {
                if v > seg[best] {
                    best = k;
                }
            }
            ((best + start) as f64, seg[best])
        } else {
            (pk as f64, pk_val)
        };
        tburst.push(t);
        edges.push([start as f64, end as f64]);
        amp.push(a);
    }
    let mut sorted = tburst.clone();
    sorted.sort_by(f64::total_cmp);
    let mut duplicates: Vec<f64> = sorted
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    duplicates.dedup();
    Ok(Bursts {
        tburst,
        edges,
        peak_amp: amp,
        duplicates,
    })
}
