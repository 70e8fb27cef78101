//! SpikeLab's `RateData.frames` / `get_pairwise_fr_corr` and the `RateSliceStack`
//! analyses (subset, subtime, subslice, timing, ordering, correlations, similarity,
//! rank-order correlation).

use crate::core::Attrs;
use crate::error::{Result, SpikeDataError};
use crate::numeric::{np_mean, np_nanmean, np_sum};
use crate::similarity::{
    CompareFunc, RankOrder, SliceMetric, lower_triangle_nanmean, rank_order_from_timing,
    slice_similarity,
};
use crate::stack::{RateSliceStack, frame_windows};
use crate::stats::RateData;
use crate::waveforms::np_median;
use ndarray::{Array2, Array3, ArrayView1, Axis};

/// Pairwise comparisons of the units of each slice (SpikeLab's `PairwiseCompMatrixStack`s
/// of `unit_to_unit_correlation` / `unit_to_unit_comparison`).
#[derive(Debug, Clone, PartialEq)]
pub struct UnitPairs {
    /// `units × units × slices` similarity.
    pub corr: Array3<f64>,
    /// `units × units × slices` lag (bins) of the best similarity, when the metric has one.
    pub lag: Option<Array3<f64>>,
    /// Mean of each slice's lower triangle (NaN ignored), per slice.
    pub av_corr: Vec<f64>,
    /// Mean lag of each slice's lower triangle, when the metric has lags.
    pub av_lag: Option<Vec<f64>>,
}

/// Comparisons of every pair of slices, per unit or per time bin (SpikeLab's
/// `get_slice_to_slice_*`).
#[derive(Debug, Clone, PartialEq)]
pub struct SlicePairs {
    /// `slices × slices × X` (X = units or time bins); NaN where not computed.
    pub corr: Array3<f64>,
    /// `slices × slices × X` lags, when the metric has one.
    pub lag: Option<Array3<f64>>,
    /// Mean of the lower triangle per unit / bin (NaN for invalid units).
    pub av_corr: Vec<f64>,
    /// Mean lag of the lower triangle, when the metric has lags.
    pub av_lag: Option<Vec<f64>>,
}

/// How per-slice timings are aggregated across slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregate {
    /// `np.nanmedian`.
    #[default]
    Median,
    /// `np.nanmean`.
    Mean,
}

/// One group of [`UnitOrder`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UnitGroup {
    /// Unit indexes, earliest typical timing first.
    pub units: Vec<usize>,
    /// Standard deviation of each unit's per-slice timings (`np.nanstd`).
    pub std: Vec<f64>,
    /// Each unit's typical timing: for a [`RateSliceStack`] the peak bin rounded to an
    /// integer (−1 without active slices), for a spike stack ms from the slice origin (NaN
    /// without active slices).
    pub timing: Vec<f64>,
    /// Fraction of slices each unit is active in (1 when the split is skipped).
    pub frac_active: Vec<f64>,
}

/// `order_units_across_slices`' result: the highly active units and the others, each
/// ordered by typical timing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UnitOrder {
    /// Units active in at least `min_frac_active` of the slices (all units when it is 0).
    pub high: UnitGroup,
    /// The other units.
    pub low: UnitGroup,
}

/// numpy's `np.nanstd` (population) of one row, summing as numpy does (zeros in place of
/// NaNs, pairwise).
pub(crate) fn np_nanstd(v: &[f64]) -> f64 {
    let cnt = v.iter().filter(|x| !x.is_nan()).count();
    if cnt == 0 {
        return f64::NAN;
    }
    let m = np_nanmean(v);
    let sq: Vec<f64> = v
        .iter()
        .map(|&x| if x.is_nan() { 0.0 } else { (x - m) * (x - m) })
        .collect();
    (np_sum(&sq) / cnt as f64).sqrt()
}

/// numpy's `np.nanmedian` of one row.
pub(crate) fn np_nanmedian(v: &[f64]) -> f64 {
    let mut x: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    np_median(&mut x)
}

/// The shared part of both stacks' `order_units_across_slices`: timing aggregation, group
/// split and ordering (stable, NaN last: numpy's `argsort` for short arrays).
pub(crate) fn order_units(
    timing: &Array2<f64>,
    agg: Aggregate,
    min_frac_active: f64,
    frac_active: impl FnOnce() -> Vec<f64>,
    round_timing: bool,
) -> UnitOrder {
    let u = timing.nrows();
    let rows: Vec<Vec<f64>> = timing.rows().into_iter().map(|r| r.to_vec()).collect();
    let std: Vec<f64> = rows.iter().map(|r| np_nanstd(r)).collect();
    let typical: Vec<f64> = rows
        .iter()
        .map(|r| match agg {
            Aggregate::Median => np_nanmedian(r),
            Aggregate::Mean => np_nanmean(r),
        })
        .collect();
    let (frac, high, low): (Vec<f64>, Vec<usize>, Vec<usize>) = if min_frac_active == 0.0 {
        (vec![1.0; u], (0..u).collect(), Vec::new())
    } else {
        let f = frac_active();
        let high = (0..u).filter(|&i| f[i] >= min_frac_active).collect();
        let low = (0..u).filter(|&i| !(f[i] >= min_frac_active)).collect();
        (f, high, low)
    };
    let group = |mut units: Vec<usize>| {
        units.sort_by(|&a, &b| {
            let (x, y) = (typical[a], typical[b]);
            match (x.is_nan(), y.is_nan()) {
                (true, true) => std::cmp::Ordering::Equal,
                (true, false) => std::cmp::Ordering::Greater,
                (false, true) => std::cmp::Ordering::Less,
                _ => x.total_cmp(&y),
            }
        });
        UnitGroup {
            std: units.iter().map(|&i| std[i]).collect(),
            timing: units
                .iter()
                .map(|&i| {
                    let t = typical[i];
                    if !round_timing {
                        t
                    } else if t.is_nan() {
                        -1.0
                    } else {
                        t.round_ties_even()
                    }
                })
                .collect(),
            frac_active: units.iter().map(|&i| frac[i]).collect(),
            units,
        }
    };
    UnitOrder {
        high: group(high),
        low: group(low),
    }
}

/// SpikeLab's `_validate_time_start_to_end` for windows inside `range`: sorted by start,
/// `start <= end`, inside the recording.
pub(crate) fn validate_windows(
    windows: &[(f64, f64)],
    range: Option<(f64, f64)>,
) -> Result<Vec<(f64, f64)>> {
    let mut w = windows.to_vec();
    w.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    for (i, &(s, e)) in w.iter().enumerate() {
        if !(s <= e) {
            return Err(SpikeDataError::invalid(format!(
                "Start time must not exceed end time in element {i}: ({s}, {e})"
            )));
        }
        if let Some((rs, re)) = range
            && (s < rs || e > re)
        {
            return Err(SpikeDataError::invalid(format!(
                "Time window {i} ({s}, {e}) extends outside the recording range [{rs}, {re}]."
            )));
        }
    }
    Ok(w)
}

impl RateData {
    /// SpikeLab's `RateData.get_pairwise_fr_corr(compare_func, max_lag)`: `(corr, lag)`,
    /// `N × N`, each pair compared once (`lag[j][i] = -lag[i][j]`, the diagonal computed).
    /// Within a few ulps of spikelab (scipy's `correlate` / BLAS dot products sum in
    /// another order).
    pub fn get_pairwise_fr_corr(
        &self,
        compare: CompareFunc,
        max_lag: usize,
    ) -> (Array2<f64>, Array2<f64>) {
        pairwise_rows(&self.rates, compare, max_lag)
    }

    /// SpikeLab's `RateData.frames(length, overlap)`: windows of `length` ms advancing by
    /// `length - overlap` from the first time up to one step past the last, as a
    /// [`RateSliceStack`]. Needs at least 2 time points on a uniform grid (steps within
    /// `rtol 1e-6, atol 1e-9` of their median).
    pub fn frames(&self, length: f64, overlap: f64) -> Result<RateSliceStack> {
        let t = &self.times;
        if t.len() < 2 {
            return Err(SpikeDataError::invalid(format!(
                "Cannot frame a RateData with fewer than 2 time points; got {}. At least 2 \
                 time points are required to infer the bin step_size.",
                t.len()
            )));
        }
        let mut diffs: Vec<f64> = t.windows(2).map(|w| w[1] - w[0]).collect();
        let (lo, hi) = diffs
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &d| {
                (a.min(d), b.max(d))
            });
        let step = np_median(&mut diffs.clone());
        if diffs
            .iter_mut()
            .any(|d| !((*d - step).abs() <= 1e-9 + 1e-6 * step.abs()))
        {
            return Err(SpikeDataError::invalid(format!(
                "RateData.frames requires uniformly-spaced times; got min step {lo}, max step \
                 {hi} (median step {step}). Resample to a uniform grid before framing."
            )));
        }
        let windows = frame_windows(t[0], t[t.len() - 1] + step, length, overlap)?;
        self.slice_stack(&windows)
    }

    /// SpikeLab's `RateSliceStack(rate_data, times_start_to_end=windows)`: the columns with
    /// `start <= time < end` of each window (windows sorted by start, inside
    /// `[times[0], times[-1] + (times[1] - times[0])]`); every window must hold the same number
    /// of columns. The step size is the median time step.
    pub fn slice_stack(&self, windows: &[(f64, f64)]) -> Result<RateSliceStack> {
        let t = &self.times;
        let range = match t.len() {
            0 => None,
            1 => Some((t[0], t[0] + 1.0)),
            n => Some((t[0], t[n - 1] + (t[1] - t[0]))),
        };
        let windows = validate_windows(windows, range)?;
        if windows.is_empty() {
            return Err(SpikeDataError::invalid(
                "event_stack has zero slices (S=0). A RateSliceStack requires at least one \
                 slice.",
            ));
        }
        let step_size = if t.len() > 1 {
            np_median(&mut t.windows(2).map(|w| w[1] - w[0]).collect::<Vec<_>>())
        } else {
            1.0
        };
        // sorted times (what RateData's checks ensure): each window is a range of columns
        let sorted = t.is_sorted_by(|a, b| a <= b);
        let parts = windows
            .iter()
            .map(|&(s, e)| {
                let lo = t.partition_point(|&v| v < s);
                let hi = t.partition_point(|&v| v < e);
                if sorted && s < e && hi > lo {
                    Ok(RateData {
                        rates: self
                            .rates
                            .slice_axis(Axis(1), ndarray::Slice::from(lo..hi))
                            .to_owned(),
                        times: t[lo..hi].to_vec(),
                        unit: self.unit,
                        unit_attrs: None,
                    })
                } else {
                    self.subtime(Some(s), Some(e))
                }
            })
            .collect::<Result<Vec<_>>>()?;
        let n_t = parts[0].times.len();
        if parts.iter().any(|p| p.times.len() != n_t) {
            return Err(SpikeDataError::invalid(
                "all input arrays must have the same shape (the windows hold different \
                 numbers of time points)",
            ));
        }
        let mut rates = Array3::zeros((self.n_units(), n_t, parts.len()));
        for (k, p) in parts.iter().enumerate() {
            rates.index_axis_mut(Axis(2), k).assign(&p.rates);
        }
        Ok(RateSliceStack {
            rates,
            windows,
            times: parts.into_iter().map(|p| p.times).collect(),
            step_size,
            unit_attrs: self.unit_attrs.clone(),
            dropped: 0,
        })
    }
}

/// `get_pairwise_fr_corr` on the rows of a matrix.
pub(crate) fn pairwise_rows(
    m: &Array2<f64>,
    compare: CompareFunc,
    max_lag: usize,
) -> (Array2<f64>, Array2<f64>) {
    let n = m.nrows();
    let mut corr = Array2::from_elem((n, n), f64::NAN);
    let mut lag = Array2::from_elem((n, n), f64::NAN);
    for i in 0..n {
        for j in i..n {
            let (c, l) = compare.apply(m.row(i), m.row(j), max_lag);
            corr[[i, j]] = c;
            corr[[j, i]] = c;
            lag[[i, j]] = l as f64;
            lag[[j, i]] = -(l as f64);
        }
    }
    (corr, lag)
}

fn mean_seq(v: ArrayView1<f64>) -> f64 {
    v.iter().fold(0.0, |a, x| a + x) / v.len() as f64
}

impl RateSliceStack {
    /// SpikeLab's `RateSliceStack(event_matrix=rates, times_start_to_end, step_size,
    /// neuron_attributes)`: `units × times × slices` rates; windows default to consecutive
    /// `[k·T·step, (k+1)·T·step)`, step to 1 ms. The time of column `j` of slice `k` is
    /// `start_k + j·step`.
    pub fn new(
        rates: Array3<f64>,
        windows: Option<Vec<(f64, f64)>>,
        step_size: Option<f64>,
        unit_attrs: Option<Vec<Attrs>>,
    ) -> Result<RateSliceStack> {
        let (u, t, s) = rates.dim();
        if t == 0 {
            return Err(SpikeDataError::invalid(
                "event_stack has zero time bins (T=0). A RateSliceStack requires at least one \
                 time bin.",
            ));
        }
        if s == 0 {
            return Err(SpikeDataError::invalid(
                "event_stack has zero slices (S=0). A RateSliceStack requires at least one \
                 slice.",
            ));
        }
        let step = step_size.unwrap_or(1.0);
        let windows = match windows {
            None => {
                let d = t as f64 * step;
                (0..s).map(|k| (k as f64 * d, (k + 1) as f64 * d)).collect()
            }
            Some(w) => {
                let w = validate_windows(&w, None)?;
                if w.len() != s {
                    return Err(SpikeDataError::invalid(
                        "times_start_to_end must have the same length as the last dimension \
                         of event_matrix",
                    ));
                }
                w
            }
        };
        if let Some(a) = &unit_attrs
            && a.len() != u
        {
            return Err(SpikeDataError::invalid(format!(
                "neuron_attributes has {} items but event_stack has {u} units",
                a.len()
            )));
        }
        let times = windows
            .iter()
            .map(|&(st, _)| (0..t).map(|j| st + j as f64 * step).collect())
            .collect();
        Ok(RateSliceStack {
            rates,
            windows,
            times,
            step_size: step,
            unit_attrs,
            dropped: 0,
        })
    }

    /// Number of slices.
    pub fn len(&self) -> usize {
        self.rates.len_of(Axis(2))
    }

    /// Whether there is no slice.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of units.
    pub fn n_units(&self) -> usize {
        self.rates.len_of(Axis(0))
    }

    /// SpikeLab's `subset(units, preserve_order)`: the listed units (duplicates removed),
    /// ascending unless `preserve_order`.
    pub fn subset(&self, units: &[usize], preserve_order: bool) -> Result<RateSliceStack> {
        let rows = crate::select::select_units(units, self.n_units(), preserve_order)?;
        Ok(RateSliceStack {
            rates: self.rates.select(Axis(0), &rows),
            unit_attrs: self
                .unit_attrs
                .as_ref()
                .map(|a| rows.iter().map(|&r| a[r].clone()).collect()),
            ..self.clone_without_rates()
        })
    }

    fn clone_without_rates(&self) -> RateSliceStack {
        RateSliceStack {
            rates: Array3::zeros((0, 0, 0)),
            windows: self.windows.clone(),
            times: self.times.clone(),
            step_size: self.step_size,
            unit_attrs: self.unit_attrs.clone(),
            dropped: self.dropped,
        }
    }

    /// SpikeLab's `subtime_by_index(start_idx, end_idx)`: time columns
    /// `start_idx..end_idx` of every slice (negative indexes from the end); windows become
    /// `(start + start_idx·step, start + end_idx·step)`.
    pub fn subtime_by_index(&self, start_idx: i64, end_idx: i64) -> Result<RateSliceStack> {
        let (a, b) =
            crate::rate::index_range(start_idx, end_idx, self.rates.len_of(Axis(1)) as i64)?;
        Ok(RateSliceStack {
            rates: self
                .rates
                .slice_axis(Axis(1), ndarray::Slice::from(a..b))
                .to_owned(),
            windows: self
                .windows
                .iter()
                .map(|&(st, _)| {
                    (
                        st + a as f64 * self.step_size,
                        st + b as f64 * self.step_size,
                    )
                })
                .collect(),
            times: self.times.iter().map(|c| c[a..b].to_vec()).collect(),
            ..self.clone_without_rates()
        })
    }

    /// SpikeLab's `subslice(slices)`: these slices in the given order (negative indexes
    /// from the end, duplicates dropped after their first occurrence).
    pub fn subslice(&self, slices: &[i64]) -> Result<RateSliceStack> {
        let order = resolve_slices(slices, self.len())?;
        Ok(RateSliceStack {
            rates: self.rates.select(Axis(2), &order),
            windows: order.iter().map(|&k| self.windows[k]).collect(),
            times: order.iter().map(|&k| self.times[k].clone()).collect(),
            ..self.clone_without_rates()
        })
    }

    /// SpikeLab's `convert_to_list_of_RateData()`: one [`RateData`] per slice, its times
    /// `start + j·step` (clipped below the window's end).
    pub fn to_rate_data(&self) -> Vec<RateData> {
        let t = self.rates.len_of(Axis(1));
        (0..self.len())
            .map(|k| {
                let (st, en) = self.windows[k];
                let mut times: Vec<f64> = (0..t).map(|j| st + j as f64 * self.step_size).collect();
                if times.last().is_some_and(|&l| l > en) {
                    for v in &mut times {
                        *v = v.clamp(st, en - f64::EPSILON);
                    }
                }
                RateData {
                    rates: self.rates.index_axis(Axis(2), k).to_owned(),
                    times,
                    unit: crate::raster::RateUnit::Hz,
                    unit_attrs: self.unit_attrs.clone(),
                }
            })
            .collect()
    }

    /// SpikeLab's `get_unit_timing_per_slice(MIN_RATE_THRESHOLD)`: `units × slices` bin of
    /// each unit's peak rate in each slice (`argmax`, first on ties); NaN where the peak is
    /// below the threshold or the curve is all NaN.
    pub fn get_unit_timing_per_slice(&self, min_rate: f64) -> Array2<f64> {
        let (u, _, s) = self.rates.dim();
        Array2::from_shape_fn((u, s), |(i, k)| {
            let col = self
                .rates
                .index_axis(Axis(0), i)
                .index_axis_move(Axis(1), k);
            if col.iter().all(|v| v.is_nan()) {
                return f64::NAN;
            }
            // np.argmax / np.max: the first NaN wins, else the first maximum
            let mut best = 0;
            for (j, &v) in col.iter().enumerate() {
                let b = col[best];
                if b.is_nan() {
                    break;
                }
                if v.is_nan() || v > b {
                    best = j;
                }
            }
            let max = col[best];
            if max < min_rate {
                f64::NAN
            } else {
                best as f64
            }
        })
    }

    /// SpikeLab's `order_units_across_slices(agg_func, MIN_RATE_THRESHOLD, MIN_FRAC_ACTIVE,
    /// frac_active, timing_matrix)`: units ordered by the median / mean of their per-slice
    /// peak bins ([`RateSliceStack::get_unit_timing_per_slice`], or `timing`), split into
    /// those active (non-NaN) in at least `min_frac_active` of the slices (`frac_active`
    /// overrides the fraction) and the others; the typical timing is rounded to an integer
    /// bin (−1 without active slices).
    pub fn order_units_across_slices(
        &self,
        agg: Aggregate,
        min_rate: f64,
        min_frac_active: f64,
        frac_active: Option<&[f64]>,
        timing: Option<&Array2<f64>>,
    ) -> Result<UnitOrder> {
        let (u, s) = (self.n_units(), self.len());
        let timing = match timing {
            Some(t) if t.dim() != (u, s) => {
                return Err(SpikeDataError::invalid(format!(
                    "timing_matrix must have shape ({u}, {s}), got {:?}",
                    t.dim()
                )));
            }
            Some(t) => t.clone(),
            None => self.get_unit_timing_per_slice(min_rate),
        };
        if let Some(f) = frac_active
            && f.len() != u
        {
            return Err(SpikeDataError::invalid(format!(
                "frac_active must have shape ({u},), got ({},)",
                f.len()
            )));
        }
        let t2 = timing.clone();
        Ok(order_units(
            &timing,
            agg,
            min_frac_active,
            move || match frac_active {
                Some(f) => f.to_vec(),
                None => t2
                    .rows()
                    .into_iter()
                    .map(|r| r.iter().filter(|v| !v.is_nan()).count() as f64 / s as f64)
                    .collect(),
            },
            true,
        ))
    }

    /// SpikeLab's `get_slice_to_slice_unit_corr_from_stack(compare_func,
    /// MIN_RATE_THRESHOLD, MIN_FRAC, max_lag, frac_active)`: for each unit, its rate curves
    /// in every pair of slices whose mean rate reaches `min_rate` compared (`S × S × U`); the
    /// mean of the lower triangle per unit, NaN when more than `min_frac` of its slices are
    /// below the threshold (or `frac_active[u] < 1 - min_frac`). With `max_lag = 0` the
    /// normalised dot products of SpikeLab's fast path (the `compare` function is then not
    /// used, as in SpikeLab). Fewer than 2 slices give NaN.
    pub fn get_slice_to_slice_unit_corr_from_stack(
        &self,
        compare: CompareFunc,
        min_rate: f64,
        min_frac: f64,
        max_lag: usize,
        frac_active: Option<&[f64]>,
    ) -> Result<SlicePairs> {
        let (u, _, s) = self.rates.dim();
        if let Some(f) = frac_active
            && f.len() != u
        {
            return Err(SpikeDataError::invalid(format!(
                "frac_active must have shape ({u},), got ({},)",
                f.len()
            )));
        }
        let mut all = Array3::from_elem((s, s, u), f64::NAN);
        let mut av = vec![f64::NAN; u];
        if s < 2 {
            return Ok(SlicePairs {
                corr: all,
                lag: None,
                av_corr: av,
                av_lag: None,
            });
        }
        // one unit's S × S matrix and mean, computed alone (units in parallel for large
        // stacks: the numbers do not depend on the threads)
        let one = |unit: usize| -> (Array2<f64>, f64) {
            let rates = self.rates.index_axis(Axis(0), unit); // T × S
            let mut m = Array2::from_elem((s, s), f64::NAN);
            let invalid;
            if max_lag == 0 {
                let valid: Vec<bool> = (0..s)
                    .map(|k| mean_seq(rates.column(k)) >= min_rate)
                    .collect();
                invalid = valid.iter().filter(|v| !**v).count();
                if s - invalid < 2 {
                    return (m, f64::NAN);
                }
                let norms: Vec<f64> = (0..s)
                    .map(|k| rates.column(k).iter().fold(0.0, |a, x| a + x * x).sqrt())
                    .collect();
                let normed: Vec<Vec<f64>> = (0..s)
                    .map(|k| {
                        let n = if norms[k] > 0.0 { norms[k] } else { 1.0 };
                        rates.column(k).iter().map(|x| x / n).collect()
                    })
                    .collect();
                for i in (0..s).filter(|&i| valid[i]) {
                    for j in (i..s).filter(|&j| valid[j]) {
                        let (zi, zj) = (norms[i] == 0.0, norms[j] == 0.0);
                        let v = if zi && zj {
                            f64::NAN
                        } else if zi || zj {
                            0.0
                        } else {
                            crate::similarity::dot(&normed[i], &normed[j])
                        };
                        m[[i, j]] = v;
                        m[[j, i]] = v;
                    }
                }
            } else {
                let active: Vec<bool> = (0..s)
                    .map(|k| np_mean(&rates.column(k).to_vec()) >= min_rate)
                    .collect();
                let mut counter = 0;
                for i in 0..s {
                    if !active[i] {
                        counter += 1;
                        continue;
                    }
                    for j in (i..s).filter(|&j| active[j]) {
                        let (c, _) = compare.apply(rates.column(i), rates.column(j), max_lag);
                        m[[i, j]] = c;
                        m[[j, i]] = c;
                    }
                }
                invalid = counter;
            }
            let unit_valid = match frac_active {
                Some(f) => f[unit] >= 1.0 - min_frac,
                None => invalid as f64 / s as f64 <= min_frac,
            };
            let mean = if unit_valid {
                lower_triangle_nanmean(m.view())
            } else {
                f64::NAN
            };
            (m, mean)
        };
        let t = self.rates.dim().1;
        let work = u.saturating_mul(s * s).saturating_mul(t.max(1));
        let threads = crate::parallel::threads_for(work, 1 << 22);
        let per_unit = crate::parallel::map_indexed(u, threads, one)?;
        for (unit, (m, mean)) in per_unit.into_iter().enumerate() {
            av[unit] = mean;
            all.index_axis_mut(Axis(2), unit).assign(&m);
        }
        Ok(SlicePairs {
            corr: all,
            lag: None,
            av_corr: av,
            av_lag: None,
        })
    }

    /// SpikeLab's `get_slice_to_slice_time_corr_from_stack(compare_func, max_lag)`: for
    /// each time bin, the population vectors of every pair of slices compared (`S × S × T`),
    /// with the mean of each lower triangle. Fewer than 2 slices give NaN.
    pub fn get_slice_to_slice_time_corr_from_stack(
        &self,
        compare: CompareFunc,
        max_lag: usize,
    ) -> SlicePairs {
        let (_, t, s) = self.rates.dim();
        let mut all = Array3::from_elem((s, s, t), f64::NAN);
        let mut av = vec![f64::NAN; t];
        if s >= 2 {
            for (b, a) in av.iter_mut().enumerate() {
                let sl = self.rates.index_axis(Axis(1), b); // U × S
                let mut m = Array2::from_elem((s, s), f64::NAN);
                for i in 0..s {
                    for j in i..s {
                        let (c, _) = compare.apply(sl.column(i), sl.column(j), max_lag);
                        m[[i, j]] = c;
                        m[[j, i]] = c;
                    }
                }
                *a = lower_triangle_nanmean(m.view());
                all.index_axis_mut(Axis(2), b).assign(&m);
            }
        }
        SlicePairs {
            corr: all,
            lag: None,
            av_corr: av,
            av_lag: None,
        }
    }

    /// SpikeLab's `unit_to_unit_correlation(compare_func, max_lag)`: each slice's
    /// [`RateData::get_pairwise_fr_corr`] (`U × U × S` correlations and lags) with the means
    /// of their lower triangles. Fewer than 2 units give NaN.
    pub fn unit_to_unit_correlation(&self, compare: CompareFunc, max_lag: usize) -> UnitPairs {
        let (u, _, s) = self.rates.dim();
        let mut corr = Array3::from_elem((u, u, s), f64::NAN);
        let mut lag = Array3::from_elem((u, u, s), f64::NAN);
        let mut av_corr = vec![f64::NAN; s];
        let mut av_lag = vec![f64::NAN; s];
        if u >= 2 {
            for k in 0..s {
                let m = self.rates.index_axis(Axis(2), k).to_owned();
                let (c, l) = pairwise_rows(&m, compare, max_lag);
                av_corr[k] = lower_triangle_nanmean(c.view());
                av_lag[k] = lower_triangle_nanmean(l.view());
                corr.index_axis_mut(Axis(2), k).assign(&c);
                lag.index_axis_mut(Axis(2), k).assign(&l);
            }
        }
        UnitPairs {
            corr,
            lag: Some(lag),
            av_corr,
            av_lag: Some(av_lag),
        }
    }

    /// SpikeLab's `slice_to_slice_similarity(metric)`: the `S × S` similarity of the
    /// flattened (unit-major) slices.
    pub fn slice_to_slice_similarity(&self, metric: SliceMetric) -> Array2<f64> {
        slice_similarity(&self.rates, metric)
    }

    /// SpikeLab's `rank_order_correlation(timing_matrix, MIN_RATE_THRESHOLD, min_overlap,
    /// min_overlap_frac, n_shuffles, seed)`: Spearman correlations of the units' peak bins
    /// between every pair of slices (units active in both; NaN below `max(min_overlap,
    /// ceil(min_overlap_frac · U))`), z-scored against `n_shuffles` permutations (0: raw
    /// correlations; 1–4 rejected). numpy's seeded draws are reproduced: the same seed gives
    /// spikelab's z-scores.
    pub fn rank_order_correlation(
        &self,
        timing: Option<&Array2<f64>>,
        min_rate: f64,
        min_overlap: usize,
        min_overlap_frac: Option<f64>,
        n_shuffles: usize,
        seed: Option<u64>,
    ) -> Result<RankOrder> {
        let t = match timing {
            Some(t) => t.clone(),
            None => self.get_unit_timing_per_slice(min_rate),
        };
        rank_order_from_timing(&t, min_overlap, min_overlap_frac, n_shuffles, seed)
    }
}

/// SpikeLab's `subslice` index handling: `-S <= k < S`, negative from the end, first
/// occurrence kept.
pub(crate) fn resolve_slices(slices: &[i64], len: usize) -> Result<Vec<usize>> {
    let n = len as i64;
    let mut seen = vec![false; len];
    let mut out = Vec::new();
    for &k in slices {
        if k >= n || k < -n {
            return Err(SpikeDataError::invalid(format!(
                "One or more slice indices out of range for S={len}"
            )));
        }
        let i = k.rem_euclid(n.max(1)) as usize;
        if !std::mem::replace(&mut seen[i], true) {
            out.push(i);
        }
    }
    if out.is_empty() {
        return Err(SpikeDataError::invalid("a stack needs at least one slice"));
    }
    Ok(out)
}
