//! Waveforms from a rawio reader: [`SpikeData::attach_rawio_waveforms`] and
//! [`SpikeData::from_rawio_with_waveforms`].

use crate::core::SpikeData;
use crate::error::{Result, SpikeDataError};
use crate::from_rawio::FromRawioOptions;
use crate::waveforms::UnitWaveforms;
use ndarray::Axis;
use rawio_core::{RawIO, RawIOExt, TimeWindow};

impl SpikeData {
    /// [`SpikeData::from_rawio`], then [`SpikeData::attach_rawio_waveforms`] when the reader
    /// has waveforms.
    pub fn from_rawio_with_waveforms(
        reader: &dyn RawIO,
        block: usize,
        seg: usize,
        options: &FromRawioOptions,
    ) -> Result<SpikeData> {
        let mut sd = SpikeData::from_rawio(reader, block, seg, options)?;
        sd.attach_rawio_waveforms(reader, block, seg)?;
        Ok(sd)
    }

    /// Reads the waveforms of every unit from `reader` (segment `(block, seg)`) and attaches
    /// them ([`SpikeData::set_waveforms`]), rescaled to physical units (`wf_gain`,
    /// `wf_offset`) and laid out `channels × samples × spikes`. A unit is found through its
    /// `index` attribute (the spike channel index [`SpikeData::from_rawio`] records), and
    /// each of its spikes by time: the reader's timestamps converted as `from_rawio` does
    /// (seconds × 1000), so call it on data fresh from `from_rawio` (or subsetted /
    /// restricted by [`SpikeData::subtime`] *after* attaching).
    ///
    /// Returns `false` and attaches nothing when the reader has no waveforms for any unit;
    /// a unit without waveforms (or without spikes) gets an empty set. Errors when a unit
    /// has no `index` attribute or the reader fails.
    pub fn attach_rawio_waveforms(
        &mut self,
        reader: &dyn RawIO,
        block: usize,
        seg: usize,
    ) -> Result<bool> {
        let n = self.n_units();
        let indexes: Vec<usize> = (0..n)
            .map(|i| {
                self.unit_attrs
                    .as_ref()
                    .and_then(|a| a.get(i))
                    .and_then(|a| a.get("index"))
                    .and_then(serde_json::Value::as_u64)
                    .and_then(|v| usize::try_from(v).ok())
                    .ok_or_else(|| {
                        SpikeDataError::invalid(format!(
                            "unit {i} has no `index` attribute (the reader's spike channel); \
                             attach waveforms to data from SpikeData::from_rawio"
                        ))
                    })
            })
            .collect::<Result<_>>()?;
        let mut any = false;
        let mut out = Vec::with_capacity(n);
        for (i, &unit) in indexes.iter().enumerate() {
            let ch = reader.header().spike_channel(unit)?;
            let fs_khz = ch.wf_sampling_rate / 1000.0;
            let samples_before = usize::try_from(ch.wf_left_sweep).unwrap_or(0);
            let raw = reader.spike_raw_waveforms(block, seg, unit, TimeWindow::ALL)?;
            let Some(raw) = raw else {
                out.push(UnitWaveforms {
                    channels: Vec::new(),
                    waveforms: ndarray::Array3::zeros((0, 0, 0)),
                    spike_times_ms: Vec::new(),
                    samples_before,
                    fs_khz,
                });
                continue;
            };
            any = true;
            let ts = reader.spike_timestamps(block, seg, unit, TimeWindow::ALL)?;
            let times: Vec<f64> = reader
                .rescale_spike_timestamps(&ts)
                .iter()
                .map(|&s| s * 1000.0)
                .collect();
            let phys = reader.rescale_waveforms_f64(&raw, unit)?; // spikes × channels × samples
            // the reader's spikes that are in this unit's train (both sorted)
            let train = &self.trains[i];
            let mut keep = Vec::with_capacity(train.len());
            let mut p = 0;
            for (k, &t) in times.iter().enumerate() {
                while p < train.len() && train[p] < t {
                    p += 1;
                }
                if p < train.len() && train[p] == t {
                    keep.push(k);
                    p += 1;
                }
            }
            let sel = phys.select(Axis(0), &keep);
            let w = sel
                .permuted_axes([1, 2, 0])
                .as_standard_layout()
                .into_owned();
            out.push(UnitWaveforms {
                channels: (0..w.len_of(Axis(0))).collect(),
                waveforms: w,
                spike_times_ms: keep.iter().map(|&k| times[k]).collect(),
                samples_before,
                fs_khz,
            });
        }
        if any {
            self.set_waveforms(out)?;
        }
        Ok(any)
    }
}
