//! Windowing: `frames` and `align_to_events`, returning a [`SpikeSliceStack`].

use crate::core::{Attrs, SpikeData};
use crate::error::{Result, SpikeDataError};
use ndarray::Array3;

/// One [`SpikeData`] per window (SpikeLab's `SpikeSliceStack`).
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeSliceStack {
    /// The slices; spike times are relative to each slice (0-based for `frames`,
    /// event-centred for `align_to_events`). Their `unit_attrs` are dropped (kept once in
    /// [`SpikeSliceStack::unit_attrs`]), as SpikeLab's default `drop_slice_attributes`.
    pub slices: Vec<SpikeData>,
    /// `(start, end)` of each slice in recording time (ms), sorted by start.
    pub windows: Vec<(f64, f64)>,
    /// The unit attributes of the source.
    pub unit_attrs: Option<Vec<Attrs>>,
    /// Number of events dropped because their window left the recording
    /// ([`SpikeData::align_to_events`] only; SpikeLab warns).
    pub dropped: usize,
}

impl SpikeSliceStack {
    /// Number of slices.
    pub fn len(&self) -> usize {
        self.slices.len()
    }

    /// Whether there is no slice.
    pub fn is_empty(&self) -> bool {
        self.slices.is_empty()
    }

    /// SpikeLab's `to_raster_array(bin_size)`: a `units × bins × slices` count array (each
    /// slice rastered relative to its own start).
    pub fn to_raster_array(&self, bin_size: f64) -> Result<Array3<u32>> {
        let rasters = self
            .slices
            .iter()
            .map(|s| s.raster(bin_size, 0.0))
            .collect::<Result<Vec<_>>>()?;
        let (n, t) = rasters.first().map_or((0, 0), |r| r.dim());
        if rasters.iter().any(|r| r.dim() != (n, t)) {
            return Err(SpikeDataError::invalid(
                "slices have different raster shapes",
            ));
        }
        let mut out = Array3::zeros((n, t, rasters.len()));
        for (s, r) in rasters.iter().enumerate() {
            out.index_axis_mut(ndarray::Axis(2), s).assign(r);
        }
        Ok(out)
    }
}

/// SpikeLab's `_frame_window_starts(t0, effective_end, length, overlap)`: windows of
/// `length` advancing by `length - overlap` from `t0`, as many as fit before
/// `effective_end` (`floor((effective_end - length - t0) / step) + 1`).
pub(crate) fn frame_windows(
    t0: f64,
    effective_end: f64,
    length: f64,
    overlap: f64,
) -> Result<Vec<(f64, f64)>> {
    if !(overlap >= 0.0) {
        return Err(SpikeDataError::invalid(format!(
            "overlap must be non-negative, got {overlap}."
        )));
    }
    let step = length - overlap;
    if !(step > 0.0) {
        return Err(SpikeDataError::invalid("overlap must be less than length"));
    }
    let slot_span = effective_end - length - t0;
    if !(slot_span >= 0.0) {
        return Err(SpikeDataError::invalid(format!(
            "Recording length ({:.1} ms) is shorter than frame length ({length} ms)",
            effective_end - t0
        )));
    }
    let nf = (slot_span / step).floor() + 1.0;
    if !(nf < 1e8) {
        return Err(SpikeDataError::invalid("too many frames"));
    }
    Ok((0..nf as usize)
        .map(|k| {
            let s = t0 + k as f64 * step;
            (s, s + length)
        })
        .collect())
}

/// Kept events (sorted), their `(start, end)` windows in ms, and the number dropped.
type EventWindows = (Vec<f64>, Vec<(f64, f64)>, usize);

impl SpikeData {
    /// SpikeLab's event filtering for aligned slices: the events whose `[t - pre, t + post]`
    /// window lies inside the recording, sorted, with their windows and the number dropped; an error when none
    /// remains or the windows are invalid.
    fn event_windows(&self, events: &[f64], pre_ms: f64, post_ms: f64) -> Result<EventWindows> {
        let (rs, re) = (self.start_time, self.start_time + self.length);
        let mut peaks: Vec<f64> = events
            .iter()
            .copied()
            .filter(|&t| t - pre_ms >= rs && t + post_ms <= re)
            .collect();
        let dropped = events.len() - peaks.len();
        if peaks.is_empty() {
            return Err(SpikeDataError::invalid(format!(
                "No valid events remain after filtering for recording bounds. All {dropped} \
                 event(s) had windows outside [{rs:.1}, {re:.1}] ms."
            )));
        }
        peaks.sort_by(f64::total_cmp);
        let windows: Vec<(f64, f64)> = peaks.iter().map(|&t| (t - pre_ms, t + post_ms)).collect();
        self.check_windows(&windows)?;
        Ok((peaks, windows, dropped))
    }

    fn check_windows(&self, windows: &[(f64, f64)]) -> Result<()> {
        let (rs, re) = (self.start_time, self.start_time + self.length);
        for (i, &(s, e)) in windows.iter().enumerate() {
            if s > e {
                return Err(SpikeDataError::invalid(format!(
                    "Start time must not exceed end time in element {i}: ({s}, {e})"
                )));
            }
            if s < rs || e > re {
                return Err(SpikeDataError::invalid(format!(
                    "Time window {i} ({s}, {e}) extends outside the recording range [{rs}, {re}]."
                )));
            }
        }
        Ok(())
    }

    /// SpikeLab's `frames(length, overlap)`: consecutive windows of `length` ms advancing by
    /// `length - overlap` from `start_time`; windows past the end are excluded
    /// (`floor((end - length - start)/step) + 1` frames).
    pub fn frames(&self, length: f64, overlap: f64) -> Result<SpikeSliceStack> {
        let windows = frame_windows(
            self.start_time,
            self.start_time + self.length,
            length,
            overlap,
        )?;
        self.check_windows(&windows)?;
        let slices = windows
            .iter()
            .map(|&(s, e)| {
                self.subtime(Some(s), Some(e), None).map(|mut d| {
                    d.unit_attrs = None;
                    d
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SpikeSliceStack {
            slices,
            windows,
            unit_attrs: self.unit_attrs.clone(),
            dropped: 0,
        })
    }

    /// SpikeLab's `align_to_events(events, pre_ms, post_ms)` (`kind="spike"`): one slice per
    /// event (sorted), spanning `[t - pre, t + post)` with t = 0 at the event
    /// (`start_time = -pre`). Events whose window leaves `[start_time, end]` are dropped
    /// (counted in [`SpikeSliceStack::dropped`]); fails when none remains.
    pub fn align_to_events(
        &self,
        events: &[f64],
        pre_ms: f64,
        post_ms: f64,
    ) -> Result<SpikeSliceStack> {
        let (peaks, windows, dropped) = self.event_windows(events, pre_ms, post_ms)?;
        let slices = peaks
            .iter()
            .zip(&windows)
            .map(|(&p, &(s, e))| {
                self.subtime(Some(s), Some(e), Some(p)).map(|mut d| {
                    d.unit_attrs = None;
                    d
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SpikeSliceStack {
            slices,
            windows,
            unit_attrs: self.unit_attrs.clone(),
            dropped,
        })
    }

    /// Events from `metadata[key]` (an array of ms), as SpikeLab's string form of
    /// `align_to_events`.
    pub fn align_to_metadata_events(
        &self,
        key: &str,
        pre_ms: f64,
        post_ms: f64,
    ) -> Result<SpikeSliceStack> {
        let ev = self
            .metadata
            .get(key)
            .and_then(|v| v.as_array())
            .ok_or_else(|| SpikeDataError::invalid(format!("Metadata key {key:?} not found")))?;
        let times = ev
            .iter()
            .map(|v| {
                v.as_f64()
                    .ok_or_else(|| SpikeDataError::invalid("non-numeric event time"))
            })
            .collect::<Result<Vec<f64>>>()?;
        self.align_to_events(&times, pre_ms, post_ms)
    }
}

/// Event-aligned continuous rates (SpikeLab's `RateSliceStack`, from
/// [`SpikeData::align_to_events_rate`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RateSliceStack {
    /// `units × times × slices` rates in Hz (SpikeLab's `event_stack`).
    pub rates: Array3<f64>,
    /// `(start, end)` of each slice in recording time (ms), sorted by start.
    pub windows: Vec<(f64, f64)>,
    /// Recording time (ms) of each column of each slice: `times[s][k]` is the grid time of
    /// `rates[[.., k, s]]`.
    pub times: Vec<Vec<f64>>,
    /// Step of the time grid in ms (the median grid step, as SpikeLab).
    pub step_size: f64,
    /// The unit attributes of the source.
    pub unit_attrs: Option<Vec<Attrs>>,
    /// Number of events dropped because their window left the recording.
    pub dropped: usize,
}

/// Most grid cells (`units × time points`) [`SpikeData::align_to_events_rate`] computes.
const MAX_RATE_CELLS: usize = 1 << 28;

/// numpy's `arange(start, stop, step)`: `ceil((stop - start) / step)` values
/// `start + i · ((start + step) - start)`.
pub(crate) fn np_arange(start: f64, stop: f64, step: f64) -> Result<Vec<f64>> {
    let n = ((stop - start) / step).ceil();
    if !n.is_finite() {
        return Err(SpikeDataError::invalid("arange: non-finite length"));
    }
    if n <= 0.0 {
        return Ok(Vec::new());
    }
    if n > MAX_RATE_CELLS as f64 {
        return Err(SpikeDataError::invalid(format!(
            "time grid of {n} points is too large"
        )));
    }
    let delta = (start + step) - start;
    Ok((0..n as usize).map(|i| start + i as f64 * delta).collect())
}

impl SpikeData {
    /// SpikeLab's `align_to_events(events, pre_ms, post_ms, kind="rate", bin_size_ms,
    /// sigma_ms)` (a `RateSliceStack`): the rates of [`SpikeData::resampled_isi`] on the grid
    /// `arange(start_time, end, bin_size_ms)` with Gaussian `sigma_ms`, cut into one slice per
    /// event (sorted) holding the grid times `t` with `event - pre <= t < event + post`.
    /// Events whose window leaves the recording are dropped (counted in
    /// [`RateSliceStack::dropped`]); fails when none remains, when `bin_size_ms` is not
    /// positive or exceeds `pre + post`, or when the slices do not all hold the same number
    /// of grid points (numpy's `stack` error).
    ///
    /// Like SpikeLab, the rates are computed over the whole recording (the smoothing needs
    /// the neighbours), so memory is `units × length / bin`; more than 2^28 cells is refused.
    pub fn align_to_events_rate(
        &self,
        events: &[f64],
        pre_ms: f64,
        post_ms: f64,
        bin_size_ms: f64,
        sigma_ms: f64,
    ) -> Result<RateSliceStack> {
        if !(bin_size_ms > 0.0) {
            return Err(SpikeDataError::invalid(format!(
                "bin_size_ms must be > 0 for kind='rate', got {bin_size_ms}."
            )));
        }
        let window = pre_ms + post_ms;
        if bin_size_ms > window {
            return Err(SpikeDataError::invalid(format!(
                "bin_size_ms ({bin_size_ms}) exceeds the per-event window pre_ms + post_ms \
                 ({window})."
            )));
        }
        if !(sigma_ms >= 0.0) {
            return Err(SpikeDataError::invalid("sigma_ms must be non-negative"));
        }
        let (_, windows, dropped) = self.event_windows(events, pre_ms, post_ms)?;
        let (rs, re) = (self.start_time, self.start_time + self.length);
        let grid = np_arange(rs, re, bin_size_ms)?;
        if grid.len().saturating_mul(self.n_units().max(1)) > MAX_RATE_CELLS {
            return Err(SpikeDataError::invalid(format!(
                "{} units × {} time points is too large a rate grid",
                self.n_units(),
                grid.len()
            )));
        }
        let rd = self.resampled_isi(&grid, sigma_ms)?;
        let step_size = if grid.len() > 1 {
            let mut d: Vec<f64> = grid.windows(2).map(|w| w[1] - w[0]).collect();
            d.sort_by(f64::total_cmp);
            let m = d.len() / 2;
            if d.len() % 2 == 1 {
                d[m]
            } else {
                (d[m - 1] + d[m]) / 2.0
            }
        } else {
            1.0
        };
        let mut cols: Vec<Vec<usize>> = Vec::with_capacity(windows.len());
        for &(s, e) in &windows {
            let c: Vec<usize> = (0..grid.len())
                .filter(|&k| grid[k] >= s && grid[k] < e)
                .collect();
            if c.is_empty() {
                return Err(SpikeDataError::invalid(format!(
                    "No time points found in range [{s}, {e})."
                )));
            }
            cols.push(c);
        }
        let t = cols[0].len();
        if cols.iter().any(|c| c.len() != t) {
            return Err(SpikeDataError::invalid(
                "all input arrays must have the same shape (the event windows hold different \
                 numbers of grid points)",
            ));
        }
        let n = self.n_units();
        let mut rates = Array3::zeros((n, t, cols.len()));
        for (s, c) in cols.iter().enumerate() {
            for (k, &j) in c.iter().enumerate() {
                for u in 0..n {
                    rates[[u, k, s]] = rd.rates[[u, j]];
                }
            }
        }
        let times = cols
            .iter()
            .map(|c| c.iter().map(|&j| grid[j]).collect())
            .collect();
        Ok(RateSliceStack {
            rates,
            windows,
            times,
            step_size,
            unit_attrs: self.unit_attrs.clone(),
            dropped,
        })
    }
}
