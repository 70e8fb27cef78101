//! [`NwbReader`]: an NWB 2.x file as a [`RawIO`] (1 block, 1 segment). Opening is the
//! pipeline of the `open` module.

use crate::degrade::{Ctx, Options};
use crate::open;
use ndarray::{Array1, Array3, ArrayView1, IxDyn};
use rawio_core::{
    ChannelIndexes, Dtype, Error, Events, Header, RawArray, RawChunk, RawIO, RawTimestamps,
    RawWaveforms, Result, SampleTimes, TimeBase,
};
use rawio_hdf5::{Dataset, H5File, SignalData};
use std::ops::Range;
use std::path::Path;

/// A signal stream: its data, start time and (explicit clock) stored times.
pub(crate) struct Stream {
    pub signal: SignalData,
    pub t_start: f64,
    /// The `timestamps` dataset of an explicit-clock stream.
    pub times: Option<Dataset>,
}

/// Where the waveforms of one unit are.
pub(crate) struct WaveformSource {
    pub data: Dataset,
    /// Waveform rows of each spike, in stored (not sorted) spike order.
    pub rows: Vec<Range<usize>>,
    /// Channels and samples of one waveform (`rows` × the values of each row).
    pub nch: usize,
    pub nsamp: usize,
}

/// One spike channel.
pub(crate) struct Unit {
    /// Sorted spike times (s).
    pub times: Vec<f64>,
    /// Union of the unit's `obs_intervals` (None when it has none).
    pub support: Option<Vec<(f64, f64)>>,
    /// `order[k]` = stored position of the k-th sorted spike (None when already sorted).
    pub order: Option<Vec<usize>>,
    pub waveforms: Option<WaveformSource>,
}

/// One event channel.
pub(crate) struct EventData {
    pub times: Vec<f64>,
    pub durations: Option<Vec<f64>>,
    pub labels: Vec<String>,
}

/// An NWB 2.x file read as a RawIO.
///
/// See the crate documentation for the mapping. Opening reads metadata, the units and
/// intervals tables and the event texts; signal data is read on demand by hyperslab.
pub struct NwbReader {
    h: H5File,
    header: Header,
    streams: Vec<Stream>,
    units: Vec<Unit>,
    events: Vec<EventData>,
}

impl std::fmt::Debug for NwbReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NwbReader")
            .field("path", &self.h.path())
            .field("streams", &self.streams.len())
            .field("units", &self.units.len())
            .field("events", &self.events.len())
            .finish()
    }
}

impl NwbReader {
    /// Opens an NWB 2.x (or SpikeLab "bare units") HDF5 file: open the HDF5 file and walk
    /// it, find the NWB model, index the streams, units and event channels, assemble the
    /// header (see "Opening, step by step" in the crate documentation).
    pub fn open(path: impl AsRef<Path>) -> Result<NwbReader> {
        Self::open_with(path, &Options::default())
    }

    /// [`NwbReader::open`] with options: [`Options::strict`] fails on the first object that
    /// cannot be read instead of leaving it out (listed under the block annotation
    /// [`crate::NOT_READ_KEY`]).
    pub fn open_with(path: impl AsRef<Path>, options: &Options) -> Result<NwbReader> {
        let mut ctx = Ctx::new(options);
        let h = open::open_file(path.as_ref(), &mut ctx)?;
        let model = crate::model::Model::read(&h, &mut ctx)?;
        let mut tables = open::TableCache::default();
        let mut signals = crate::signals::index_signals(&h, &model, &mut tables, &mut ctx)?;
        let mut units = open::index_units(&h, &model, &mut tables, &mut ctx)?;
        crate::spike_events::index_spike_events(
            &h,
            &model,
            &signals,
            &mut tables,
            &mut ctx,
            &mut units,
        )?;
        let mut recording = signals.span;
        recording.merge(units.span);
        let series_events = std::mem::take(&mut signals.events);
        let events = open::index_events(&h, &model, series_events, recording, &mut ctx)?;
        let (header, parts) = open::build_header(&h, model, signals, units, events, ctx)?;
        Ok(NwbReader {
            h,
            header,
            streams: parts.streams,
            units: parts.units,
            events: parts.events,
        })
    }
}

impl RawIO for NwbReader {
    fn format_id(&self) -> &'static str {
        crate::FORMAT_ID
    }

    fn source_name(&self) -> String {
        self.h.path().display().to_string()
    }

    fn header(&self) -> &Header {
        &self.header
    }

    fn read_signal_size(&self, _: usize, _: usize, stream: usize) -> Result<u64> {
        Ok(self.streams.get(stream).map_or(0, |s| s.signal.samples()))
    }

    fn read_signal_t_start(&self, _: usize, _: usize, stream: usize) -> Result<f64> {
        Ok(self.streams.get(stream).map_or(0.0, |s| s.t_start))
    }

    fn read_signal_times(
        &self,
        _: usize,
        _: usize,
        stream: usize,
        samples: Range<u64>,
    ) -> Result<SampleTimes<'_>> {
        let s = self
            .streams
            .get(stream)
            .ok_or_else(|| Error::out_of_range("stream", stream, self.streams.len()))?;
        if samples.end > s.signal.samples() || samples.start > samples.end {
            return Err(Error::out_of_range(
                "sample",
                samples.end,
                s.signal.samples().saturating_add(1),
            ));
        }
        let t: Vec<f64> = match &s.times {
            Some(ts) => ts.read_rows(samples)?.to_f64().iter().copied().collect(),
            None => {
                let rate = self
                    .header
                    .stream_channels(stream)?
                    .first()
                    .map_or(1.0, |c| c.sampling_rate);
                samples
                    .map(|i| rawio_core::clock::regular_time(s.t_start, rate, i))
                    .collect()
            }
        };
        Ok(SampleTimes::from(Array1::from(t)))
    }

    fn read_signal_chunk(
        &self,
        _: usize,
        _: usize,
        stream: usize,
        samples: Range<u64>,
        channels: &ChannelIndexes,
    ) -> Result<RawChunk<'_>> {
        let s = self
            .streams
            .get(stream)
            .ok_or_else(|| Error::out_of_range("stream", stream, self.streams.len()))?;
        s.signal.read(samples, channels)
    }

    fn read_spike_count(&self, _: usize, _: usize, unit: usize) -> Result<u64> {
        Ok(self.units.get(unit).map_or(0, |u| u.times.len() as u64))
    }

    fn spike_time_base(&self) -> TimeBase {
        TimeBase::SECONDS
    }

    fn read_spike_timestamps(&self, _: usize, _: usize, unit: usize) -> Result<RawTimestamps<'_>> {
        let u = self
            .units
            .get(unit)
            .ok_or_else(|| Error::out_of_range("spike channel", unit, self.units.len()))?;
        Ok(RawTimestamps::new(ArrayView1::from(&u.times[..])))
    }

    fn read_spike_waveforms(
        &self,
        _: usize,
        _: usize,
        unit: usize,
        spikes: Range<usize>,
    ) -> Result<Option<RawWaveforms<'_>>> {
        let Some(u) = self.units.get(unit) else {
            return Ok(None);
        };
        let Some(w) = &u.waveforms else {
            return Ok(None);
        };
        let stored: Vec<usize> = spikes
            .clone()
            .map(|k| {
                u.order
                    .as_ref()
                    .and_then(|o| o.get(k).copied())
                    .unwrap_or(k)
            })
            .collect();
        let ranges: Vec<&Range<usize>> = stored.iter().filter_map(|&i| w.rows.get(i)).collect();
        let (nch, nsamp) = (w.nch, w.nsamp);
        let n = ranges.len();
        if ranges.is_empty() {
            let z: Array3<f32> = Array3::zeros((0, nch, nsamp));
            let dt = match w.data.element_type() {
                rawio_hdf5::ElementType::Numeric(d) => *d,
                _ => Dtype::Float32,
            };
            return Ok(Some(match dt {
                Dtype::Float64 => RawArray::new(z.mapv(f64::from)),
                _ => RawArray::new(z),
            }));
        }
        let lo = ranges.iter().map(|r| r.start).min().unwrap_or(0);
        let hi = ranges.iter().map(|r| r.end).max().unwrap_or(0);
        let block = w.data.read_rows(lo as u64..hi as u64)?;
        let rows: Vec<usize> = ranges
            .iter()
            .flat_map(|r| (r.start - lo)..(r.end - lo))
            .collect();
        let picked = block.select(0, &rows);
        let out = rawio_core::dispatch_raw!(picked, x => {
            let x = x.into_owned();
            RawArray::new(
                x.into_shape_with_order(IxDyn(&[n, nch, nsamp]))
                    .and_then(|y| y.into_dimensionality::<ndarray::Ix3>())
                    .map_err(|e| w.data.corrupt(e))?,
            )
        });
        Ok(Some(out))
    }

    fn read_event_count(&self, _: usize, _: usize, ev: usize) -> Result<u64> {
        Ok(self.events.get(ev).map_or(0, |e| e.times.len() as u64))
    }

    fn event_time_base(&self, _: usize) -> TimeBase {
        TimeBase::SECONDS
    }

    fn read_events(&self, _: usize, _: usize, ev: usize) -> Result<Events<'_>> {
        let e = self
            .events
            .get(ev)
            .ok_or_else(|| Error::out_of_range("event channel", ev, self.events.len()))?;
        Ok(Events {
            timestamps: RawTimestamps::new(ArrayView1::from(&e.times[..])),
            durations: e
                .durations
                .as_ref()
                .map(|d| RawTimestamps::new(Array1::from(d.clone()))),
            labels: e.labels.clone(),
        })
    }
}
