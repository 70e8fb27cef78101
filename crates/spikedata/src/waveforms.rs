//! Spike waveforms and the curation built on them: SpikeLab's `get_waveform_traces`,
//! `compute_waveform_metrics`, `curate_by_snr`, `curate_by_std_norm`, and waveforms attached
//! to a `SpikeData` (for instance a reader's, see
//! [`SpikeData::attach_rawio_waveforms`]).

use crate::core::SpikeData;
use crate::curation::Curation;
use crate::error::{Result, SpikeDataError};
use crate::nprandom::Pcg64;
use crate::numeric::np_mean;
use crate::signal::{Band, butter_sos, sosfiltfilt};
use ndarray::{Array2, Array3, Axis};
use serde_json::Value;
use std::collections::HashMap;

/// The waveforms of one unit: SpikeLab's `neuron_attributes[i]["waveforms"]` with its
/// `traces_meta`.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitWaveforms {
    /// The channel of each row: indexes into the raw signal's rows for waveforms cut from it,
    /// the reader's waveform channels (`0..C`) for a reader's waveforms.
    pub channels: Vec<usize>,
    /// `channels × samples × spikes` (SpikeLab's layout).
    pub waveforms: Array3<f64>,
    /// The time (ms) of each spike of `waveforms` (spikes too close to the ends of the raw
    /// signal have no waveform and are not listed).
    pub spike_times_ms: Vec<f64>,
    /// Samples before the spike time in each waveform (`round(ms_before · fs_kHz)`; the
    /// reader's `wf_left_sweep`, 0 when unknown).
    pub samples_before: usize,
    /// Sampling rate of the waveforms in kHz.
    pub fs_khz: f64,
}

impl UnitWaveforms {
    /// Number of spikes with a waveform.
    pub fn n_spikes(&self) -> usize {
        self.waveforms.len_of(Axis(2))
    }

    /// Samples per waveform.
    pub fn n_samples(&self) -> usize {
        self.waveforms.len_of(Axis(1))
    }

    /// The mean waveform over spikes, `channels × samples` (SpikeLab's `avg_waveform`:
    /// `waveforms.mean(axis=2)`, summed spike by spike; zeros without spikes).
    pub fn avg_waveform(&self) -> Array2<f64> {
        let (c, s, k) = self.waveforms.dim();
        let mut sum = Array2::zeros((c, s));
        for kk in 0..k {
            sum += &self.waveforms.index_axis(Axis(2), kk);
        }
        if k > 0 {
            sum.mapv_inplace(|v| v / k as f64);
        }
        sum
    }

    /// The standard deviation over spikes (`np.std(waveforms, axis=2)`).
    fn std_waveform(&self, mean: &Array2<f64>) -> Array2<f64> {
        let (c, s, k) = self.waveforms.dim();
        let mut sq = Array2::<f64>::zeros((c, s));
        for kk in 0..k {
            let d = &self.waveforms.index_axis(Axis(2), kk) - mean;
            sq += &(&d * &d);
        }
        sq.mapv(|v| (v / k as f64).sqrt())
    }

    /// The spikes in `[start, end)`, their times shifted by `-shift`.
    pub(crate) fn window(&self, start: f64, end: f64, shift: f64) -> UnitWaveforms {
        let keep: Vec<usize> = (0..self.spike_times_ms.len())
            .filter(|&k| self.spike_times_ms[k] >= start && self.spike_times_ms[k] < end)
            .collect();
        UnitWaveforms {
            channels: self.channels.clone(),
            waveforms: self.waveforms.select(Axis(2), &keep),
            spike_times_ms: keep
                .iter()
                .map(|&k| self.spike_times_ms[k] - shift)
                .collect(),
            samples_before: self.samples_before,
            fs_khz: self.fs_khz,
        }
    }
}

/// Arguments of [`SpikeData::get_waveform_traces`] (SpikeLab's keyword arguments and
/// defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct WaveformOptions {
    /// ms before each spike (default 1).
    pub ms_before: f64,
    /// ms after each spike (default 2).
    pub ms_after: f64,
    /// Raw-signal rows to cut; `None` (default): the unit's channel from
    /// [`SpikeData::neuron_to_channel_map`], else every row.
    pub channels: Option<Vec<usize>>,
    /// `(low, high)` band-pass in Hz applied to the raw signal first (default none).
    pub bandpass: Option<(f64, f64)>,
    /// Order of that Butterworth band-pass (default 3).
    pub filter_order: usize,
}

impl Default for WaveformOptions {
    fn default() -> Self {
        WaveformOptions {
            ms_before: 1.0,
            ms_after: 2.0,
            channels: None,
            bandpass: None,
            filter_order: 3,
        }
    }
}

/// Arguments of [`SpikeData::compute_waveform_metrics`] (SpikeLab's defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct WaveformMetricsOptions {
    /// ms before each spike (default 1).
    pub ms_before: f64,
    /// ms after each spike (default 2).
    pub ms_after: f64,
    /// Normalised STD at the peak sample only (default), else averaged over a window.
    pub at_peak: bool,
    /// Window before the peak for that average, ms (default 0.5).
    pub window_ms_before: f64,
    /// Window after the peak, ms (default 1.5).
    pub window_ms_after: f64,
    /// Band-pass low cut-off in Hz (default 300).
    pub freq_min: f64,
    /// Band-pass high cut-off in Hz (default 6000).
    pub freq_max: f64,
}

impl Default for WaveformMetricsOptions {
    fn default() -> Self {
        WaveformMetricsOptions {
            ms_before: 1.0,
            ms_after: 2.0,
            at_peak: true,
            window_ms_before: 0.5,
            window_ms_after: 1.5,
            freq_min: 300.0,
            freq_max: 6000.0,
        }
    }
}

/// Where [`SpikeData::compute_waveform_metrics`] took its waveforms and noise from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaveformSource {
    /// Cut from the band-passed raw signal, noise from the raw signal (SpikeLab's way).
    Raw,
    /// The attached waveforms (e.g. a reader's), noise from the raw signal when there is
    /// one, else from the waveforms' residuals around their mean.
    Attached,
}

/// [`SpikeData::compute_waveform_metrics`]'s result (SpikeLab's `metrics` dict).
#[derive(Debug, Clone, PartialEq)]
pub struct WaveformMetrics {
    /// Peak amplitude of the mean waveform over the noise of its channel (0 without
    /// waveforms or noise).
    pub snr: Vec<f64>,
    /// Standard deviation over spikes at the peak (or around it) over the amplitude
    /// (`inf` without waveforms).
    pub std_norm: Vec<f64>,
    /// The waveforms used, one per unit.
    pub waveforms: Vec<UnitWaveforms>,
    /// Where they came from.
    pub source: WaveformSource,
}

/// `np.median` (NaN when empty or when any value is NaN).
pub(crate) fn np_median(v: &mut [f64]) -> f64 {
    let n = v.len();
    if n == 0 || v.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    let h = n / 2;
    let (_, &mut hi, _) = v.select_nth_unstable_by(h, f64::total_cmp);
    if n % 2 == 1 {
        return hi;
    }
    let lo = v[..h].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lo + hi) / 2.0
}

/// Python's `round()` of a float to an integer (ties to even).
fn py_round(x: f64) -> f64 {
    x.round_ties_even()
}

/// A non-negative `round(ms · fs_kHz)` as a sample count.
fn samples_of(ms: f64, fs_khz: f64, what: &str) -> Result<usize> {
    let v = py_round(ms * fs_khz);
    if !(v >= 0.0) || v > 1e12 {
        return Err(SpikeDataError::invalid(format!(
            "{what} ({ms} ms at {fs_khz} kHz) must give a non-negative number of samples"
        )));
    }
    Ok(v as usize)
}

/// Median absolute deviation noise (`median(|x - median(x)|) / 0.6745`).
fn mad_noise(mut v: Vec<f64>) -> f64 {
    let m = np_median(&mut v);
    let mut dev: Vec<f64> = v.iter().map(|x| (x - m).abs()).collect();
    np_median(&mut dev) / 0.6745
}

/// The per-unit metrics of SpikeLab's `compute_waveform_metrics` from waveforms and the
/// noise of each of their rows (`None`: no noise → SNR 0).
fn unit_metrics(
    w: &UnitWaveforms,
    noise: &dyn Fn(usize) -> Option<f64>,
    opts: &WaveformMetricsOptions,
) -> (f64, f64) {
    if w.waveforms.is_empty() {
        return (0.0, f64::INFINITY);
    }
    let avg = w.avg_waveform();
    // channel with the largest |avg| (np.max → NaN wins; np.argmax → first)
    let peak_of = |row: ndarray::ArrayView1<f64>| {
        let mut best = 0usize;
        for k in 0..row.len() {
            let (v, b) = (row[k].abs(), row[best].abs());
            if v.is_nan() && !b.is_nan() || v > b {
                best = k;
            }
        }
        best
    };
    let per_chan: Vec<f64> = avg
        .rows()
        .into_iter()
        .map(|r| r.iter().fold(f64::NEG_INFINITY, |m, v| nan_max(m, v.abs())))
        .collect();
    let chan = peak_of(ndarray::ArrayView1::from(&per_chan[..]));
    let chan_wf = avg.row(chan);
    let peak = peak_of(chan_wf);
    let amplitude = chan_wf[peak].abs();
    let snr = match noise(chan) {
        Some(n) if n > 0.0 => amplitude / n,
        _ => 0.0,
    };
    let std = w.std_waveform(&avg);
    let chan_std = std.row(chan);
    let std_val = if opts.at_peak {
        chan_std[peak]
    } else {
        let n_before = py_round(opts.window_ms_before * w.fs_khz).max(1.0) as usize;
        let n_after = py_round(opts.window_ms_after * w.fs_khz).max(1.0) as usize + 1;
        let lo = peak.saturating_sub(n_before);
        let hi = (peak + n_after).min(chan_std.len());
        let v: Vec<f64> = chan_std.iter().skip(lo).take(hi - lo).copied().collect();
        np_mean(&v)
    };
    let std_norm = if amplitude > 0.0 {
        (std_val / amplitude).abs()
    } else {
        f64::INFINITY
    };
    (snr, std_norm)
}

fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

impl SpikeData {
    /// The waveforms attached to this data (one per unit), if any.
    pub fn waveforms(&self) -> Option<&[UnitWaveforms]> {
        self.waveforms.as_deref()
    }

    /// Attaches waveforms, one per unit (each listing the spikes it has a waveform for).
    /// They follow [`SpikeData::subset`] (per unit) and [`SpikeData::subtime`] (the spikes in
    /// the window); the other operations drop them.
    pub fn set_waveforms(&mut self, waveforms: Vec<UnitWaveforms>) -> Result<()> {
        if waveforms.len() != self.n_units() {
            return Err(SpikeDataError::invalid(format!(
                "{} waveform sets for {} units",
                waveforms.len(),
                self.n_units()
            )));
        }
        for (i, w) in waveforms.iter().enumerate() {
            if w.waveforms.len_of(Axis(0)) != w.channels.len()
                || w.waveforms.len_of(Axis(2)) != w.spike_times_ms.len()
            {
                return Err(SpikeDataError::invalid(format!(
                    "unit {i}: waveforms of shape {:?} for {} channels and {} spikes",
                    w.waveforms.dim(),
                    w.channels.len(),
                    w.spike_times_ms.len()
                )));
            }
        }
        self.waveforms = Some(waveforms);
        Ok(())
    }

    /// Removes and returns the attached waveforms.
    pub fn take_waveforms(&mut self) -> Option<Vec<UnitWaveforms>> {
        self.waveforms.take()
    }

    /// The raw signal's sampling rate in kHz as SpikeLab infers it:
    /// `1 / median(diff(raw_time))`.
    pub fn raw_rate_khz(&self) -> Result<f64> {
        let raw = self.nonempty_raw()?;
        let mut d: Vec<f64> = raw.time().windows(2).map(|w| w[1] - w[0]).collect();
        let fs = 1.0 / np_median(&mut d);
        if !(fs.is_finite() && fs > 0.0) {
            return Err(SpikeDataError::invalid(format!(
                "cannot infer a sampling rate from the raw time vector (got {fs} kHz)"
            )));
        }
        Ok(fs)
    }

    fn nonempty_raw(&self) -> Result<&crate::core::RawSignal> {
        self.raw
            .as_ref()
            .filter(|r| !r.is_empty() && r.data().nrows() > 0)
            .ok_or_else(|| SpikeDataError::invalid("raw_data is empty"))
    }

    /// SpikeLab's `get_waveform_traces(unit, ms_before, ms_after, channels, bandpass,
    /// filter_order)`: for each unit of `units` (all when `None`), the raw signal's rows
    /// around each spike, `[s - round(ms_before·fs), s + round(ms_after·fs))` with
    /// `s = round((t - raw_time[0])·fs)` (fs in kHz from [`SpikeData::raw_rate_khz`]);
    /// spikes whose window leaves the signal are skipped. With `bandpass`, the rows are
    /// first filtered by a Butterworth band-pass of `filter_order` (scipy's
    /// `sosfiltfilt`), each row once for all units.
    ///
    /// **Difference from SpikeLab:** the sample index is taken from the first raw time
    /// (spikelab assumes the raw signal starts at t = 0; the same for its own data, whose
    /// raw time always starts at 0).
    pub fn get_waveform_traces(
        &self,
        units: Option<&[usize]>,
        opts: &WaveformOptions,
    ) -> Result<Vec<UnitWaveforms>> {
        let mut cache = HashMap::new();
        self.waveform_traces_cached(units, opts, &mut cache)
    }

    fn waveform_traces_cached(
        &self,
        units: Option<&[usize]>,
        opts: &WaveformOptions,
        cache: &mut HashMap<usize, Vec<f64>>,
    ) -> Result<Vec<UnitWaveforms>> {
        let raw = self.nonempty_raw()?;
        let fs = self.raw_rate_khz()?;
        let n = self.n_units();
        let all: Vec<usize> = (0..n).collect();
        let units = units.unwrap_or(&all);
        if let Some(&bad) = units.iter().find(|&&u| u >= n) {
            return Err(SpikeDataError::invalid(format!(
                "Unit index {bad} out of range (0 to {})",
                n as i64 - 1
            )));
        }
        let n_rows = raw.data().nrows();
        let n_time = raw.data().ncols();
        let map = self.neuron_to_channel_map(None)?;
        let before = samples_of(opts.ms_before, fs, "ms_before")?;
        let after = samples_of(opts.ms_after, fs, "ms_after")?;
        let n_samples = before + after;
        let sos = match opts.bandpass {
            Some((lo, hi)) => {
                let band = crate::signal::band_of(Some(lo), Some(hi), |f| f / (fs * 1000.0) * 2.0)?;
                Some(butter_sos(opts.filter_order, band)?)
            }
            None => None,
        };
        let t0 = raw.time().first().copied().unwrap_or(0.0);
        let mut out = Vec::with_capacity(units.len());
        for &u in units {
            let channels: Vec<usize> = match (&opts.channels, map.get(&u)) {
                (Some(c), _) if !c.is_empty() => c.clone(),
                (_, Some(&c)) => vec![usize::try_from(c).map_err(|_| {
                    SpikeDataError::invalid(format!("unit {u}: negative channel {c}"))
                })?],
                _ => (0..n_rows).collect(),
            };
            if let Some(&bad) = channels.iter().find(|&&c| c >= n_rows) {
                return Err(SpikeDataError::invalid(format!(
                    "channel {bad} is out of range for a raw signal of {n_rows} channels"
                )));
            }
            if let Some(sos) = &sos {
                for &c in &channels {
                    if let std::collections::hash_map::Entry::Vacant(e) = cache.entry(c) {
                        let row: Vec<f64> = raw.data().row(c).to_vec();
                        e.insert(sosfiltfilt(sos, &row)?);
                    }
                }
            }
            let mut kept = Vec::new();
            let mut starts = Vec::new();
            for &t in &self.trains[u] {
                let s = py_round((t - t0) * fs);
                let start = s - before as f64;
                let end = s + after as f64;
                if start < 0.0 || end > n_time as f64 {
                    continue;
                }
                kept.push(t);
                starts.push(start as usize);
            }
            let mut w = Array3::zeros((channels.len(), n_samples, kept.len()));
            for (ci, &c) in channels.iter().enumerate() {
                let src: &[f64] =
                    match cache.get(&c) {
                        Some(f) if sos.is_some() => f,
                        _ => raw.data().row(c).to_slice().ok_or_else(|| {
                            SpikeDataError::invalid("raw signal is not contiguous")
                        })?,
                    };
                for (k, &st) in starts.iter().enumerate() {
                    for j in 0..n_samples {
                        w[[ci, j, k]] = src[st + j];
                    }
                }
            }
            out.push(UnitWaveforms {
                channels,
                waveforms: w,
                spike_times_ms: kept,
                samples_before: before,
                fs_khz: fs,
            });
        }
        Ok(out)
    }

    /// SpikeLab's `_estimate_noise_levels(raw_data, fs=..)` for the rows `channels`: each
    /// row band-passed by an order-4 Butterworth `freq_min..freq_max` Hz (scipy's
    /// `butter(4, .., fs=fs)` + `sosfiltfilt`), then 20 chunks of 10 000 samples at starts
    /// drawn by `np.random.default_rng(0).integers(0, T - 10000, 20)` (numpy's generator,
    /// reproduced; the whole row when shorter), and `median(|x - median x|) / 0.6745`.
    pub fn estimate_noise_levels(
        &self,
        channels: &[usize],
        freq_min: f64,
        freq_max: f64,
    ) -> Result<Vec<f64>> {
        let raw = self.nonempty_raw()?;
        let fs_hz = self.raw_rate_khz()? * 1000.0;
        let sos = butter_sos(
            4,
            Band::Bandpass(freq_min / (fs_hz / 2.0), freq_max / (fs_hz / 2.0)),
        )?;
        const CHUNK: usize = 10_000;
        const N_CHUNKS: usize = 20;
        let n_time = raw.data().ncols();
        let starts: Option<Vec<usize>> = (n_time > CHUNK).then(|| {
            Pcg64::seeded(0)
                .integers((n_time - CHUNK) as u64, N_CHUNKS)
                .into_iter()
                .map(|s| s as usize)
                .collect()
        });
        channels
            .iter()
            .map(|&c| {
                if c >= raw.data().nrows() {
                    return Err(SpikeDataError::invalid(format!(
                        "channel {c} is out of range for a raw signal of {} channels",
                        raw.data().nrows()
                    )));
                }
                let f = sosfiltfilt(&sos, &raw.data().row(c).to_vec())?;
                let data: Vec<f64> = match &starts {
                    Some(st) => st.iter().flat_map(|&s| f[s..s + CHUNK].to_vec()).collect(),
                    None => f,
                };
                Ok(mad_noise(data))
            })
            .collect()
    }

    /// SpikeLab's `compute_waveform_metrics(ms_before, ms_after, at_peak, window_ms_before,
    /// window_ms_after, freq_min, freq_max)`: per unit, the mean waveform's peak channel and
    /// sample; `snr = |peak| / noise(channel)`; `std_norm = std over spikes at the peak
    /// (or its mean over `[peak - window_before, peak + window_after]`) / |peak|`. Stores
    /// `snr` and `std_norm` as unit attributes (creating them when absent; units without
    /// waveforms get none, as SpikeLab) and returns them with the waveforms.
    ///
    /// With a raw signal (SpikeLab's way): waveforms cut from the signal band-passed
    /// `freq_min..freq_max` (order 3, [`SpikeData::get_waveform_traces`]), noise from
    /// [`SpikeData::estimate_noise_levels`]. Matches spikelab 0.1.2 to ~1e-12.
    ///
    /// Without one, the attached waveforms ([`SpikeData::set_waveforms`],
    /// [`SpikeData::attach_rawio_waveforms`]) are used as they are (a reader's waveforms are
    /// already filtered by the acquisition system), and the noise of a channel is the MAD
    /// (`/0.6745`) of the residuals `waveform − mean waveform` over every sample and spike:
    /// spikelab has no such path. Errors when there is neither.
    ///
    /// **Difference from SpikeLab:** the noise is that of the peak channel's raw row;
    /// spikelab indexes its noise levels by the channel's position among the unit's rows,
    /// which is another row whenever a unit's rows are not `0..C` (a unit mapped to one
    /// channel by `neuron_to_channel_map` always gets row 0's noise).
    pub fn compute_waveform_metrics(
        &mut self,
        opts: &WaveformMetricsOptions,
    ) -> Result<WaveformMetrics> {
        let m = self.waveform_metrics(opts)?;
        let n = self.n_units();
        let attrs = self
            .unit_attrs
            .get_or_insert_with(|| vec![crate::core::Attrs::new(); n]);
        for (i, a) in attrs.iter_mut().enumerate() {
            if m.waveforms[i].waveforms.is_empty() {
                continue;
            }
            a.insert("snr".into(), rawio_core::json_f64(m.snr[i]));
            a.insert("std_norm".into(), rawio_core::json_f64(m.std_norm[i]));
        }
        Ok(m)
    }

    /// [`SpikeData::compute_waveform_metrics`] without storing anything.
    pub fn waveform_metrics(&self, opts: &WaveformMetricsOptions) -> Result<WaveformMetrics> {
        let has_raw = self.nonempty_raw().is_ok();
        let (waveforms, source) = if has_raw {
            let w = self.get_waveform_traces(
                None,
                &WaveformOptions {
                    ms_before: opts.ms_before,
                    ms_after: opts.ms_after,
                    channels: None,
                    bandpass: Some((opts.freq_min, opts.freq_max)),
                    filter_order: 3,
                },
            )?;
            (w, WaveformSource::Raw)
        } else if let Some(w) = &self.waveforms {
            (w.clone(), WaveformSource::Attached)
        } else {
            return Err(SpikeDataError::invalid(
                "raw_data is empty and no waveforms are attached. Attach raw voltage traces \
                 or waveforms before calling compute_waveform_metrics.",
            ));
        };
        let noise: HashMap<usize, f64> = if has_raw {
            let mut chans: Vec<usize> = waveforms
                .iter()
                .flat_map(|w| w.channels.iter().copied())
                .collect();
            chans.sort_unstable();
            chans.dedup();
            let levels = self.estimate_noise_levels(&chans, opts.freq_min, opts.freq_max)?;
            chans.into_iter().zip(levels).collect()
        } else {
            HashMap::new()
        };
        let mut snr = Vec::with_capacity(waveforms.len());
        let mut std_norm = Vec::with_capacity(waveforms.len());
        for w in &waveforms {
            let residual_noise = |row: usize| -> Option<f64> {
                let avg = w.avg_waveform();
                let (_, s, k) = w.waveforms.dim();
                let mut r = Vec::with_capacity(s * k);
                for j in 0..s {
                    for kk in 0..k {
                        r.push(w.waveforms[[row, j, kk]] - avg[[row, j]]);
                    }
                }
                Some(mad_noise(r))
            };
            let noise_of = |row: usize| -> Option<f64> {
                if has_raw {
                    w.channels.get(row).and_then(|c| noise.get(c).copied())
                } else {
                    residual_noise(row)
                }
            };
            let (s, sn) = unit_metrics(w, &noise_of, opts);
            snr.push(s);
            std_norm.push(sn);
        }
        Ok(WaveformMetrics {
            snr,
            std_norm,
            waveforms,
            source,
        })
    }

    /// SpikeLab's `_get_or_compute_waveform_metric`: the attribute `key` when every unit has
    /// it, else the metrics computed (and returned for storing on the result).
    fn waveform_metric(
        &self,
        key: &str,
        opts: &WaveformMetricsOptions,
    ) -> Result<(Vec<f64>, Option<WaveformMetrics>)> {
        if let Some(attrs) = &self.unit_attrs {
            let vals: Vec<f64> = attrs
                .iter()
                .map_while(|a| a.get(key).and_then(Value::as_f64))
                .collect();
            if vals.len() == self.n_units() {
                return Ok((vals, None));
            }
        }
        let m = self.waveform_metrics(opts)?;
        let v = if key == "snr" {
            m.snr.clone()
        } else {
            m.std_norm.clone()
        };
        Ok((v, Some(m)))
    }

    fn curate_by_waveform_metric(
        &self,
        key: &str,
        opts: &WaveformMetricsOptions,
        keep: impl Fn(f64) -> bool,
    ) -> Result<(SpikeData, Curation)> {
        let (metric, computed) = self.waveform_metric(key, opts)?;
        let passed: Vec<bool> = metric.iter().map(|&m| keep(m)).collect();
        let units: Vec<usize> = (0..passed.len()).filter(|&i| passed[i]).collect();
        let mut out = self.subset(&units, false)?;
        // as SpikeLab, whose metrics are stored on the input before the subset
        if let Some(m) = computed {
            let n = out.n_units();
            let attrs = out
                .unit_attrs
                .get_or_insert_with(|| vec![crate::core::Attrs::new(); n]);
            for (a, &i) in attrs.iter_mut().zip(&units) {
                if !m.waveforms[i].waveforms.is_empty() {
                    a.insert("snr".into(), rawio_core::json_f64(m.snr[i]));
                    a.insert("std_norm".into(), rawio_core::json_f64(m.std_norm[i]));
                }
            }
        }
        Ok((out, Curation { metric, passed }))
    }

    /// SpikeLab's `curate_by_snr(min_snr, ms_before, ms_after)`: keeps units with
    /// `snr >= min_snr`. The SNR is the `snr` unit attribute when every unit has one, else
    /// [`SpikeData::waveform_metrics`] (from the raw signal, else the attached waveforms),
    /// stored on the result's units; an error when there is none of those.
    pub fn curate_by_snr(
        &self,
        min_snr: f64,
        ms_before: f64,
        ms_after: f64,
    ) -> Result<(SpikeData, Curation)> {
        let opts = WaveformMetricsOptions {
            ms_before,
            ms_after,
            ..WaveformMetricsOptions::default()
        };
        self.curate_by_waveform_metric("snr", &opts, |m| m >= min_snr)
    }

    /// SpikeLab's `curate_by_std_norm(max_std_norm, at_peak, window_ms_before,
    /// window_ms_after, ms_before, ms_after)`: keeps units with `std_norm <= max_std_norm`
    /// (the `std_norm` attribute when every unit has one, else computed as in
    /// [`SpikeData::curate_by_snr`]).
    pub fn curate_by_std_norm(
        &self,
        max_std_norm: f64,
        opts: &WaveformMetricsOptions,
    ) -> Result<(SpikeData, Curation)> {
        self.curate_by_waveform_metric("std_norm", opts, |m| m <= max_std_norm)
    }
}
