//! SpikeLab's `SpikeSliceStack` analyses: subset / subslice / subtime, absolute rasters,
//! baseline-normalised rasters and responsive units, per-slice timing and ordering, spike
//! based unit-to-unit and slice-to-slice comparisons (STTC, CCG), similarity, rank-order
//! correlation, and per-unit response regressions.

use crate::core::{Attrs, Options, SpikeData};
use crate::error::{Result, SpikeDataError};
use crate::numeric::{np_mean, np_nanmean};
use crate::rate_stack::{
    Aggregate, SlicePairs, UnitOrder, UnitPairs, order_units, resolve_slices, validate_windows,
};
use crate::similarity::{
    RankOrder, Regression, SliceMetric, cross_correlation_with_lag, linregress,
    lower_triangle_nanmean, rank_order_from_timing, slice_similarity,
};
use crate::stack::SpikeSliceStack;
use crate::waveforms::np_median;
use ndarray::{Array2, Array3, Axis};

/// A spike-based comparison of two units or two slices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SpikeMetric {
    /// Spike time tiling coefficient with window `delt` ms (no lag).
    Sttc {
        /// Window in ms (SpikeLab's default 20).
        delt: f64,
    },
    /// Normalised cross-correlogram of `bin_size` ms rasters, best lag within `max_lag` ms.
    Ccg {
        /// Raster bin in ms (SpikeLab's default 1).
        bin_size: f64,
        /// Largest lag in ms (SpikeLab's default 350).
        max_lag: f64,
    },
}

/// How [`SpikeSliceStack::baseline_normalized_raster`] compares counts with the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BaselineMode {
    /// `counts - expected`.
    #[default]
    Subtract,
    /// `counts / expected` (NaN where nothing is expected).
    Ratio,
    /// `(counts - expected) / sqrt(expected)`, the Poisson z-score (NaN where nothing is
    /// expected).
    Zscore,
}

/// How [`SpikeSliceStack::responsive_units`] combines the z-scores of the slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SliceAggregator {
    /// `np.nanmean`.
    #[default]
    Mean,
    /// `np.nanmax`.
    Max,
}

/// Which spike time stands for a unit in a slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Timing {
    /// The median spike time.
    #[default]
    Median,
    /// The mean spike time.
    Mean,
    /// The first spike (onset latency).
    First,
}

/// [`SpikeSliceStack::per_unit_response_regression`]'s result.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseRegression {
    /// Slope per unit (NaN when not fitted).
    pub slope: Vec<f64>,
    /// Intercept per unit.
    pub intercept: Vec<f64>,
    /// R² per unit.
    pub r_squared: Vec<f64>,
    /// Two-sided p-value of the slope per unit.
    pub p_value: Vec<f64>,
    /// Standard error of the slope per unit.
    pub stderr: Vec<f64>,
    /// `units × slices` response amplitudes (summed counts in the response window).
    pub amplitudes: Array2<f64>,
    /// The x values used.
    pub x_values: Vec<f64>,
}

/// [`SpikeSliceStack::responsiveness_change`]'s result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponsivenessChange {
    /// Responsive in the early slices.
    pub early: Vec<bool>,
    /// Responsive in the late slices.
    pub late: Vec<bool>,
    /// Not responsive early, responsive late.
    pub gained: Vec<bool>,
    /// Responsive early, not late.
    pub lost: Vec<bool>,
    /// Responsive in both.
    pub preserved: Vec<bool>,
}

/// The response window's bins: `floor((start - origin)/bin)..ceil((end - origin)/bin)`
/// clipped to `0..t`; an error when empty.
fn response_bins(window: (f64, f64), origin: f64, bin: f64, t: usize) -> Result<(usize, usize)> {
    let (a, b) = window;
    if !(b > a) {
        return Err(SpikeDataError::invalid(
            "response_window_ms end must be greater than start.",
        ));
    }
    let lo = ((a - origin) / bin).floor().max(0.0);
    let hi = ((b - origin) / bin).ceil().min(t as f64);
    if !(hi > lo) {
        return Err(SpikeDataError::invalid(format!(
            "response_window_ms ({a}, {b}) maps to an empty bin range; check it against the \
             slice duration and bin_size."
        )));
    }
    Ok((lo as usize, hi as usize))
}

impl SpikeSliceStack {
    /// SpikeLab's `SpikeSliceStack(spike_stack=slices, times_start_to_end=windows,
    /// neuron_attributes=..)`: slices with the same number of units and the same
    /// `start_time`, their spikes inside their own windows; windows default to consecutive
    /// `(t, t + length)` from 0 and are sorted by start. The slices' attributes are dropped.
    pub fn from_slices(
        slices: Vec<SpikeData>,
        windows: Option<Vec<(f64, f64)>>,
        unit_attrs: Option<Vec<Attrs>>,
    ) -> Result<SpikeSliceStack> {
        let Some(first) = slices.first() else {
            return Err(SpikeDataError::invalid("spike_stack must not be empty"));
        };
        let n = first.n_units();
        if slices.iter().any(|s| s.n_units() != n) {
            return Err(SpikeDataError::invalid(
                "All SpikeData objects in spike_stack must have the same number of units",
            ));
        }
        if slices.iter().any(|s| s.start_time() != first.start_time()) {
            return Err(SpikeDataError::invalid(
                "All slices in spike_stack must share the same start_time convention",
            ));
        }
        let windows = match windows {
            None => {
                let mut t = 0.0;
                slices
                    .iter()
                    .map(|s| {
                        let w = (t, t + s.length());
                        t += s.length();
                        w
                    })
                    .collect()
            }
            Some(w) => {
                let w = validate_windows(&w, None)?;
                if w.len() != slices.len() {
                    return Err(SpikeDataError::invalid(
                        "times_start_to_end must have the same length as spike_stack",
                    ));
                }
                w
            }
        };
        if let Some(a) = &unit_attrs
            && a.len() != n
        {
            return Err(SpikeDataError::invalid(format!(
                "neuron_attributes has {} items but spike_stack has {n} units",
                a.len()
            )));
        }
        let slices = slices
            .into_iter()
            .map(|mut s| {
                s.unit_attrs = None;
                s
            })
            .collect();
        Ok(SpikeSliceStack {
            slices,
            windows,
            unit_attrs,
            dropped: 0,
        })
    }

    /// Number of units.
    pub fn n_units(&self) -> usize {
        self.slices.first().map_or(0, SpikeData::n_units)
    }

    /// SpikeLab's `apply(func)`: `func` on every slice.
    pub fn apply<T>(&self, mut func: impl FnMut(&SpikeData) -> T) -> Vec<T> {
        self.slices.iter().map(&mut func).collect()
    }

    /// SpikeLab's `subslice(slices)`: these slices in the given order (negative indexes
    /// from the end, duplicates dropped after their first occurrence).
    pub fn subslice(&self, slices: &[i64]) -> Result<SpikeSliceStack> {
        let order = resolve_slices(slices, self.len())?;
        Ok(SpikeSliceStack {
            slices: order.iter().map(|&k| self.slices[k].clone()).collect(),
            windows: order.iter().map(|&k| self.windows[k]).collect(),
            unit_attrs: self.unit_attrs.clone(),
            dropped: self.dropped,
        })
    }

    /// SpikeLab's `subset(units, preserve_order)`: these units of every slice (duplicates
    /// removed; ascending unless `preserve_order`).
    pub fn subset(&self, units: &[usize], preserve_order: bool) -> Result<SpikeSliceStack> {
        let kept = crate::select::select_units(units, self.n_units(), preserve_order)?;
        Ok(SpikeSliceStack {
            slices: self
                .slices
                .iter()
                .map(|s| s.subset(&kept, true))
                .collect::<Result<_>>()?,
            windows: self.windows.clone(),
            unit_attrs: self
                .unit_attrs
                .as_ref()
                .map(|a| kept.iter().map(|&i| a[i].clone()).collect()),
            dropped: self.dropped,
        })
    }

    /// SpikeLab's `subtime_by_index(start_idx, end_idx)`: each slice cut to
    /// `[start_time + start_idx, start_time + end_idx)` ms (1 index = 1 ms, negative from the
    /// end of the first window's duration, which must be a whole number of ms) and shifted to
    /// start at 0 (SpikeLab's `subtime` default); windows move to `(start + start_idx,
    /// start + end_idx)`.
    pub fn subtime_by_index(&self, start_idx: i64, end_idx: i64) -> Result<SpikeSliceStack> {
        let Some(&(w0, w1)) = self.windows.first() else {
            return Err(SpikeDataError::invalid("empty stack"));
        };
        let dur = w1 - w0;
        if (dur - dur.round_ties_even()).abs() > 1e-9 {
            return Err(SpikeDataError::invalid(format!(
                "slice_duration_ms ({dur}) must be an integer number of milliseconds for \
                 subtime_by_index (1 index = 1 ms)."
            )));
        }
        let (a, b) = crate::rate::index_range(start_idx, end_idx, dur.round_ties_even() as i64)?;
        let (fa, fb) = (a as f64, b as f64);
        let slices = self
            .slices
            .iter()
            .map(|sd| {
                let st = sd.start_time();
                sd.subtime(Some(st + fa), Some(st + fb), None)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SpikeSliceStack {
            slices,
            windows: self
                .windows
                .iter()
                .map(|&(s, _)| (s + fa, s + fb))
                .collect(),
            unit_attrs: self.unit_attrs.clone(),
            dropped: self.dropped,
        })
    }

    /// SpikeLab's `to_raster_array(bin_size, absolute_times=True)`: every slice on one time
    /// axis from the earliest window start to the latest end (`ceil(span / bin)` bins), each
    /// offset by its window start; `units × bins × slices`.
    pub fn to_raster_array_absolute(&self, bin_size: f64) -> Result<Array3<u32>> {
        if !(bin_size > 0.0) {
            return Err(SpikeDataError::invalid(format!(
                "bin_size must be > 0, got {bin_size}"
            )));
        }
        let g0 = self
            .windows
            .iter()
            .map(|w| w.0)
            .fold(f64::INFINITY, f64::min);
        let g1 = self
            .windows
            .iter()
            .map(|w| w.1)
            .fold(f64::NEG_INFINITY, f64::max);
        let total = ((g1 - g0) / bin_size).ceil();
        if !(total >= 0.0) {
            return Err(SpikeDataError::invalid("empty stack"));
        }
        let total = total as usize;
        crate::raster::check_dense(self.n_units().saturating_mul(self.len()), total)?;
        let mut out = Array3::zeros((self.n_units(), total, self.len()));
        for (k, (sd, &(st, _))) in self.slices.iter().zip(&self.windows).enumerate() {
            let r = sd.sparse_raster(bin_size, st - g0)?;
            for (u, b, c) in r.triplets() {
                if b < total {
                    out[[u, b, k]] = c;
                }
            }
        }
        Ok(out)
    }

    /// SpikeLab's `baseline_normalized_raster(bin_size, baseline_window_ms, mode)`: the
    /// raster ([`SpikeSliceStack::to_raster_array`]) against each slice's baseline rate,
    /// from the spikes in `baseline` (ms from the slice origin, inside every slice), projected
    /// to one bin (`count · bin / width`); `units × bins × slices`.
    pub fn baseline_normalized_raster(
        &self,
        bin_size: f64,
        baseline: (f64, f64),
        mode: BaselineMode,
    ) -> Result<Array3<f64>> {
        let (b0, b1) = baseline;
        if !(b1 > b0) {
            return Err(SpikeDataError::invalid(
                "baseline_window_ms end must be greater than start.",
            ));
        }
        for (k, (sd, &(ws, we))) in self.slices.iter().zip(&self.windows).enumerate() {
            let (ss, se) = (sd.start_time(), sd.start_time() + (we - ws));
            if b0 < ss - 1e-9 || b1 > se + 1e-9 {
                return Err(SpikeDataError::invalid(format!(
                    "baseline_window_ms ({b0}, {b1}) falls outside slice {k} time range \
                     [{ss}, {se}]."
                )));
            }
        }
        let counts = self.to_raster_array(bin_size)?.mapv(f64::from);
        let width = b1 - b0;
        let (u, t, s) = counts.dim();
        let mut out = Array3::zeros((u, t, s));
        for (k, sd) in self.slices.iter().enumerate() {
            for unit in 0..u {
                let train = sd.train(unit).unwrap_or(&[]);
                let n_base = train.iter().filter(|&&v| v >= b0 && v < b1).count() as f64;
                let expected = n_base * (bin_size / width);
                for b in 0..t {
                    let c = counts[[unit, b, k]];
                    out[[unit, b, k]] = match mode {
                        BaselineMode::Subtract => c - expected,
                        BaselineMode::Ratio if expected > 0.0 => c / expected,
                        BaselineMode::Zscore if expected > 0.0 => (c - expected) / expected.sqrt(),
                        _ => f64::NAN,
                    };
                }
            }
        }
        Ok(out)
    }

    /// SpikeLab's `responsive_units(bin_size, baseline_window_ms, response_window_ms,
    /// z_threshold, aggregator)`: the Poisson z-scored raster
    /// ([`BaselineMode::Zscore`]), restricted to the response window's bins when given,
    /// combined across slices (NaN ignored); a unit is responsive when some bin exceeds
    /// `z_threshold`.
    pub fn responsive_units(
        &self,
        bin_size: f64,
        baseline: (f64, f64),
        response: Option<(f64, f64)>,
        z_threshold: f64,
        aggregator: SliceAggregator,
    ) -> Result<Vec<bool>> {
        let z = self.baseline_normalized_raster(bin_size, baseline, BaselineMode::Zscore)?;
        let (u, t, _) = z.dim();
        let (lo, hi) = match response {
            Some(w) => {
                let origin = self.slices.first().map_or(0.0, SpikeData::start_time);
                response_bins(w, origin, bin_size, t)?
            }
            None => (0, t),
        };
        Ok((0..u)
            .map(|unit| {
                (lo..hi).any(|b| {
                    let v: Vec<f64> = z.index_axis(Axis(0), unit).index_axis(Axis(0), b).to_vec();
                    let agg = match aggregator {
                        SliceAggregator::Mean => np_nanmean(&v),
                        SliceAggregator::Max => v
                            .iter()
                            .copied()
                            .filter(|x| !x.is_nan())
                            .fold(f64::NAN, f64::max),
                    };
                    agg > z_threshold
                })
            })
            .collect())
    }

    /// SpikeLab's `compute_frac_active(min_spikes)`: per unit, the fraction of slices in
    /// which it fires at least `min_spikes` spikes inside the window.
    pub fn compute_frac_active(&self, min_spikes: usize) -> Vec<f64> {
        let n = self.n_units();
        let s = self.len();
        let mut count = vec![0usize; n];
        for (sd, &(ws, we)) in self.slices.iter().zip(&self.windows) {
            let (a, b) = (sd.start_time(), sd.start_time() + (we - ws));
            for (u, c) in count.iter_mut().enumerate() {
                let k = sd
                    .train(u)
                    .unwrap_or(&[])
                    .iter()
                    .filter(|&&v| v >= a && v < b)
                    .count();
                if k >= min_spikes {
                    *c += 1;
                }
            }
        }
        count
            .into_iter()
            .map(|c| if s > 0 { c as f64 / s as f64 } else { 0.0 })
            .collect()
    }

    /// SpikeLab's `get_unit_timing_per_slice(timing, min_spikes)`: `units × slices` median /
    /// mean / first spike time (ms from the slice origin) of the spikes inside each window;
    /// NaN with fewer than `min_spikes`.
    pub fn get_unit_timing_per_slice(&self, timing: Timing, min_spikes: usize) -> Array2<f64> {
        let (n, s) = (self.n_units(), self.len());
        let mut out = Array2::from_elem((n, s), f64::NAN);
        for (k, (sd, &(ws, we))) in self.slices.iter().zip(&self.windows).enumerate() {
            let (a, b) = (sd.start_time(), sd.start_time() + (we - ws));
            for u in 0..n {
                let mut sp: Vec<f64> = sd
                    .train(u)
                    .unwrap_or(&[])
                    .iter()
                    .copied()
                    .filter(|&v| v >= a && v < b)
                    .collect();
                if sp.len() < min_spikes || sp.is_empty() {
                    continue;
                }
                out[[u, k]] = match timing {
                    Timing::Median => np_median(&mut sp),
                    Timing::Mean => np_mean(&sp),
                    Timing::First => sp[0],
                };
            }
        }
        out
    }

    /// SpikeLab's `order_units_across_slices(agg_func, timing, min_spikes,
    /// min_frac_active, frac_active, timing_matrix)`: units ordered by the median / mean of
    /// their per-slice timing ([`SpikeSliceStack::get_unit_timing_per_slice`], or `timing`),
    /// split into those active in at least `min_frac_active` of the slices
    /// ([`SpikeSliceStack::compute_frac_active`], or `frac_active`) and the others. The
    /// reordered stacks are [`SpikeSliceStack::subset`]s of the returned units.
    pub fn order_units_across_slices(
        &self,
        agg: Aggregate,
        timing: Timing,
        min_spikes: usize,
        min_frac_active: f64,
        frac_active: Option<&[f64]>,
        timing_matrix: Option<&Array2<f64>>,
    ) -> Result<UnitOrder> {
        let (u, s) = (self.n_units(), self.len());
        let tm = match timing_matrix {
            Some(t) if t.dim() != (u, s) => {
                return Err(SpikeDataError::invalid(format!(
                    "timing_matrix must have shape ({u}, {s}), got {:?}",
                    t.dim()
                )));
            }
            Some(t) => t.clone(),
            None => self.get_unit_timing_per_slice(timing, min_spikes),
        };
        if let Some(f) = frac_active
            && f.len() != u
        {
            return Err(SpikeDataError::invalid(format!(
                "frac_active must have shape ({u},), got ({},)",
                f.len()
            )));
        }
        Ok(order_units(
            &tm,
            agg,
            min_frac_active,
            || match frac_active {
                Some(f) => f.to_vec(),
                None => self.compute_frac_active(min_spikes),
            },
            false,
        ))
    }

    /// SpikeLab's `unit_to_unit_comparison(metric, delt, bin_size, max_lag)`: each slice's
    /// STTC matrix ([`SpikeData::spike_time_tilings`]) or cross-correlogram peaks and lags
    /// ([`SpikeData::get_pairwise_ccg`]), `U × U × S`, with the mean of each lower triangle.
    /// Fewer than 2 units give NaN.
    pub fn unit_to_unit_comparison(&self, metric: SpikeMetric) -> Result<UnitPairs> {
        let (u, s) = (self.n_units(), self.len());
        let ccg = matches!(metric, SpikeMetric::Ccg { .. });
        let mut corr = Array3::from_elem((u, u, s), f64::NAN);
        let mut lag = ccg.then(|| Array3::from_elem((u, u, s), f64::NAN));
        let mut av_corr = vec![f64::NAN; s];
        let mut av_lag = ccg.then(|| vec![f64::NAN; s]);
        if u >= 2 {
            for (k, sd) in self.slices.iter().enumerate() {
                let (c, l) = match metric {
                    SpikeMetric::Sttc { delt } => (sd.spike_time_tilings(delt)?, None),
                    SpikeMetric::Ccg { bin_size, max_lag } => {
                        let (c, l) = sd.get_pairwise_ccg(bin_size, max_lag)?;
                        (c, Some(l))
                    }
                };
                av_corr[k] = lower_triangle_nanmean(c.view());
                corr.index_axis_mut(Axis(2), k).assign(&c);
                if let (Some(l), Some(lag), Some(av)) = (l, lag.as_mut(), av_lag.as_mut()) {
                    av[k] = lower_triangle_nanmean(l.view());
                    lag.index_axis_mut(Axis(2), k).assign(&l);
                }
            }
        }
        Ok(UnitPairs {
            corr,
            lag,
            av_corr,
            av_lag,
        })
    }

    /// SpikeLab's `get_slice_to_slice_unit_comparison(metric, delt, bin_size, max_lag,
    /// min_spikes, min_frac, frac_active)`: for each unit, its spikes in every pair of slices
    /// where it fires at least `min_spikes` compared (`S × S × U`): STTC over the longer
    /// window from the slice origin, or the cross-correlogram of `bin_size` rasters with
    /// lags up to `round(max_lag / bin_size)` bins. The mean of the lower triangle per unit,
    /// NaN when more than `min_frac` of its slices are invalid (or `frac_active[u] <
    /// 1 - min_frac`). Fewer than 2 slices give NaN.
    pub fn get_slice_to_slice_unit_comparison(
        &self,
        metric: SpikeMetric,
        min_spikes: usize,
        min_frac: f64,
        frac_active: Option<&[f64]>,
    ) -> Result<SlicePairs> {
        let (u, s) = (self.n_units(), self.len());
        if let Some(f) = frac_active
            && f.len() != u
        {
            return Err(SpikeDataError::invalid(format!(
                "frac_active must have shape ({u},), got ({},)",
                f.len()
            )));
        }
        let ccg = matches!(metric, SpikeMetric::Ccg { .. });
        let mut corr = Array3::from_elem((s, s, u), f64::NAN);
        let mut lag = ccg.then(|| Array3::from_elem((s, s, u), f64::NAN));
        let mut av_corr = vec![f64::NAN; u];
        let mut av_lag = ccg.then(|| vec![f64::NAN; u]);
        if s < 2 {
            return Ok(SlicePairs {
                corr,
                lag,
                av_corr,
                av_lag,
            });
        }
        let durations: Vec<f64> = self.windows.iter().map(|&(a, b)| b - a).collect();
        let (rasters, lag_bins) = match metric {
            SpikeMetric::Ccg { bin_size, max_lag } => {
                let r = self
                    .slices
                    .iter()
                    .zip(&durations)
                    .map(|(sd, &d)| {
                        SpikeData::new(
                            sd.trains().to_vec(),
                            Options {
                                n: Some(u),
                                length: Some(d),
                                start_time: sd.start_time(),
                                ..Options::default()
                            },
                        )?
                        .raster(bin_size, 0.0)
                        .map(|r| r.mapv(f64::from))
                    })
                    .collect::<Result<Vec<_>>>()?;
                let lb = (max_lag / bin_size).round_ties_even();
                if !lb.is_finite() {
                    return Err(SpikeDataError::invalid("max_lag / bin_size is not finite"));
                }
                (r, lb.abs().min(1e9) as usize)
            }
            SpikeMetric::Sttc { .. } => (Vec::new(), 0),
        };
        for unit in 0..u {
            let mut m = Array2::from_elem((s, s), f64::NAN);
            let mut l = Array2::from_elem((s, s), f64::NAN);
            let mut invalid = 0usize;
            for i in 0..s {
                let ti = self.slices[i].train(unit).unwrap_or(&[]);
                if ti.len() < min_spikes {
                    invalid += 1;
                    continue;
                }
                for j in i..s {
                    let tj = self.slices[j].train(unit).unwrap_or(&[]);
                    if tj.len() < min_spikes {
                        continue;
                    }
                    match metric {
                        SpikeMetric::Sttc { delt } => {
                            let length = durations[i].max(durations[j]);
                            let v = crate::pairwise::get_sttc(
                                ti,
                                tj,
                                delt,
                                length,
                                self.slices[i].start_time(),
                            )?;
                            m[[i, j]] = v;
                            m[[j, i]] = v;
                        }
                        SpikeMetric::Ccg { .. } => {
                            let (c, lg) = cross_correlation_with_lag(
                                rasters[i].row(unit),
                                rasters[j].row(unit),
                                lag_bins,
                            );
                            m[[i, j]] = c;
                            m[[j, i]] = c;
                            l[[i, j]] = lg as f64;
                            l[[j, i]] = -(lg as f64);
                        }
                    }
                }
            }
            let valid = match frac_active {
                Some(f) => f[unit] >= 1.0 - min_frac,
                None => invalid as f64 / s as f64 <= min_frac,
            };
            if valid {
                av_corr[unit] = lower_triangle_nanmean(m.view());
                if let Some(av) = av_lag.as_mut() {
                    av[unit] = lower_triangle_nanmean(l.view());
                }
            }
            corr.index_axis_mut(Axis(2), unit).assign(&m);
            if let Some(lag) = lag.as_mut() {
                lag.index_axis_mut(Axis(2), unit).assign(&l);
            }
        }
        Ok(SlicePairs {
            corr,
            lag,
            av_corr,
            av_lag,
        })
    }

    /// SpikeLab's `slice_to_slice_similarity(metric, bin_size)`: the `S × S` similarity of the
    /// slices' flattened rasters.
    pub fn slice_to_slice_similarity(
        &self,
        metric: SliceMetric,
        bin_size: f64,
    ) -> Result<Array2<f64>> {
        Ok(slice_similarity(
            &self.to_raster_array(bin_size)?.mapv(f64::from),
            metric,
        ))
    }

    /// SpikeLab's `rank_order_correlation(timing_matrix, timing, min_spikes, min_overlap,
    /// n_shuffles, min_overlap_frac, seed)`: Spearman correlations of the units' per-slice
    /// timings between every pair of slices, z-scored against `n_shuffles` permutations (0:
    /// raw; 1–4 rejected) with numpy's seeded draws (spikelab's values for a seed).
    #[allow(clippy::too_many_arguments)]
    pub fn rank_order_correlation(
        &self,
        timing_matrix: Option<&Array2<f64>>,
        timing: Timing,
        min_spikes: usize,
        min_overlap: usize,
        n_shuffles: usize,
        min_overlap_frac: Option<f64>,
        seed: Option<u64>,
    ) -> Result<RankOrder> {
        let t = match timing_matrix {
            Some(t) => t.clone(),
            None => self.get_unit_timing_per_slice(timing, min_spikes),
        };
        rank_order_from_timing(&t, min_overlap, min_overlap_frac, n_shuffles, seed)
    }

    /// SpikeLab's `per_unit_response_regression(bin_size, response_window_ms, x_values,
    /// baseline_window_ms, min_valid_slices)`: per unit and slice, the counts summed over the
    /// response window's bins (baseline-subtracted when `baseline` is given), then scipy's
    /// `linregress` of those amplitudes on `x_values` (default `0..S`) per unit: NaN for units
    /// with fewer than `min_valid_slices` finite pairs or constant x.
    pub fn per_unit_response_regression(
        &self,
        bin_size: f64,
        response: (f64, f64),
        x_values: Option<&[f64]>,
        baseline: Option<(f64, f64)>,
        min_valid_slices: usize,
    ) -> Result<ResponseRegression> {
        let s = self.len();
        let x: Vec<f64> = match x_values {
            None => (0..s).map(|k| k as f64).collect(),
            Some(x) if x.len() != s => {
                return Err(SpikeDataError::invalid(format!(
                    "x_values must have length S={s}, got {}.",
                    x.len()
                )));
            }
            Some(x) => x.to_vec(),
        };
        if !(response.1 > response.0) {
            return Err(SpikeDataError::invalid(
                "response_window_ms end must be greater than start.",
            ));
        }
        let counts = match baseline {
            None => self.to_raster_array(bin_size)?.mapv(f64::from),
            Some(b) => self.baseline_normalized_raster(bin_size, b, BaselineMode::Subtract)?,
        };
        let (u, t, _) = counts.dim();
        let origin = self.slices.first().map_or(0.0, SpikeData::start_time);
        let (lo, hi) = response_bins(response, origin, bin_size, t)?;
        let amplitudes = Array2::from_shape_fn((u, s), |(unit, k)| {
            (lo..hi).fold(0.0, |a, b| {
                let v = counts[[unit, b, k]];
                if v.is_nan() { a } else { a + v }
            })
        });
        let mut out = ResponseRegression {
            slope: vec![f64::NAN; u],
            intercept: vec![f64::NAN; u],
            r_squared: vec![f64::NAN; u],
            p_value: vec![f64::NAN; u],
            stderr: vec![f64::NAN; u],
            amplitudes,
            x_values: x.clone(),
        };
        for unit in 0..u {
            let (xv, yv): (Vec<f64>, Vec<f64>) = x
                .iter()
                .zip(out.amplitudes.row(unit))
                .filter(|(a, b)| a.is_finite() && b.is_finite())
                .map(|(&a, &b)| (a, b))
                .unzip();
            if xv.len() < min_valid_slices || xv.len() < 2 {
                continue;
            }
            let (mn, mx) = xv
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                    (a.min(v), b.max(v))
                });
            if mx - mn == 0.0 {
                continue;
            }
            let Regression {
                slope,
                intercept,
                r,
                p_value,
                stderr,
            } = linregress(&xv, &yv);
            out.slope[unit] = slope;
            out.intercept[unit] = intercept;
            out.r_squared[unit] = r * r;
            out.p_value[unit] = p_value;
            out.stderr[unit] = stderr;
        }
        Ok(out)
    }

    /// SpikeLab's `group_pair_similarity(stim_labels, metric, bin_size, slice_indices)`: the
    /// raster averaged over the slices of each label (of `slice_indices`, default all), and
    /// the `K × K` similarity of those means; returns the sorted labels with it. At least 2
    /// labels are needed.
    pub fn group_pair_similarity(
        &self,
        labels: &[i64],
        metric: SliceMetric,
        bin_size: f64,
        slice_indices: Option<&[usize]>,
    ) -> Result<(Vec<i64>, Array2<f64>)> {
        let s = self.len();
        if labels.len() != s {
            return Err(SpikeDataError::invalid(format!(
                "stim_labels must have length S={s}; got {}.",
                labels.len()
            )));
        }
        let all: Vec<usize> = (0..s).collect();
        let idx = slice_indices.unwrap_or(&all);
        if idx.iter().any(|&k| k >= s) {
            return Err(SpikeDataError::invalid(format!(
                "slice_indices out of range for S={s}."
            )));
        }
        let sub_labels: Vec<i64> = idx.iter().map(|&k| labels[k]).collect();
        let mut classes = sub_labels.clone();
        classes.sort_unstable();
        classes.dedup();
        if classes.len() < 2 {
            return Err(SpikeDataError::invalid(
                "Need at least 2 distinct stim classes in the selected slices.",
            ));
        }
        let raster = self
            .subslice(&idx.iter().map(|&k| k as i64).collect::<Vec<_>>())?
            .to_raster_array(bin_size)?
            .mapv(f64::from);
        let (u, t, _) = raster.dim();
        let mut means = Array3::zeros((u, t, classes.len()));
        for (c, cls) in classes.iter().enumerate() {
            let members: Vec<usize> = (0..sub_labels.len())
                .filter(|&k| sub_labels[k] == *cls)
                .collect();
            let sel = raster.select(Axis(2), &members);
            let m = sel.sum_axis(Axis(2)) / members.len() as f64;
            means.index_axis_mut(Axis(2), c).assign(&m);
        }
        Ok((classes, slice_similarity(&means, metric)))
    }

    /// SpikeLab's `responsive_units_per_group(group_labels, ...)`: the sorted labels, the
    /// `units × groups` [`SpikeSliceStack::responsive_units`] mask of each group's slices,
    /// and the number of responsive units per group.
    pub fn responsive_units_per_group(
        &self,
        labels: &[i64],
        bin_size: f64,
        baseline: (f64, f64),
        response: Option<(f64, f64)>,
        z_threshold: f64,
        aggregator: SliceAggregator,
    ) -> Result<(Vec<i64>, Array2<bool>, Vec<usize>)> {
        if labels.len() != self.len() {
            return Err(SpikeDataError::invalid(format!(
                "group_labels must have length S={}; got {}.",
                self.len(),
                labels.len()
            )));
        }
        let mut groups = labels.to_vec();
        groups.sort_unstable();
        groups.dedup();
        let mut mask = Array2::from_elem((self.n_units(), groups.len()), false);
        for (j, g) in groups.iter().enumerate() {
            let idx: Vec<i64> = (0..labels.len())
                .filter(|&k| labels[k] == *g)
                .map(|k| k as i64)
                .collect();
            let m = self.subslice(&idx)?.responsive_units(
                bin_size,
                baseline,
                response,
                z_threshold,
                aggregator,
            )?;
            for (u, v) in m.into_iter().enumerate() {
                mask[[u, j]] = v;
            }
        }
        let counts = mask
            .columns()
            .into_iter()
            .map(|c| c.iter().filter(|&&v| v).count())
            .collect();
        Ok((groups, mask, counts))
    }

    /// SpikeLab's `responsiveness_change(group_labels, early_groups, late_groups, ...)`:
    /// [`SpikeSliceStack::responsive_units`] of the slices labelled with an early group and
    /// of those with a late group, and the units gained, lost and preserved.
    #[allow(clippy::too_many_arguments)]
    pub fn responsiveness_change(
        &self,
        labels: &[i64],
        early: &[i64],
        late: &[i64],
        bin_size: f64,
        baseline: (f64, f64),
        response: Option<(f64, f64)>,
        z_threshold: f64,
        aggregator: SliceAggregator,
    ) -> Result<ResponsivenessChange> {
        if labels.len() != self.len() {
            return Err(SpikeDataError::invalid(format!(
                "group_labels must have length S={}; got {}.",
                self.len(),
                labels.len()
            )));
        }
        let pick = |groups: &[i64], what: &str| -> Result<Vec<bool>> {
            let idx: Vec<i64> = (0..labels.len())
                .filter(|&k| groups.contains(&labels[k]))
                .map(|k| k as i64)
                .collect();
            if idx.is_empty() {
                return Err(SpikeDataError::invalid(format!(
                    "No slices match {what}_groups."
                )));
            }
            self.subslice(&idx)?.responsive_units(
                bin_size,
                baseline,
                response,
                z_threshold,
                aggregator,
            )
        };
        let (e, l) = (pick(early, "early")?, pick(late, "late")?);
        let zip = |f: fn(bool, bool) -> bool| e.iter().zip(&l).map(|(&a, &b)| f(a, b)).collect();
        Ok(ResponsivenessChange {
            gained: zip(|a, b| !a && b),
            lost: zip(|a, b| a && !b),
            preserved: zip(|a, b| a && b),
            early: e,
            late: l,
        })
    }
}
