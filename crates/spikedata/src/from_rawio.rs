//! [`SpikeData::from_rawio`]: spike trains from any [`RawIO`] reader.

use crate::core::{Attrs, Options, RawSignal, SpikeData};
use crate::error::{Result, SpikeDataError};
use crate::loaders::covering_length;
use ndarray::Array2;
use rawio_core::{ChannelSelection, RawIO, RawIOExt, TimeWindow};
use serde_json::Value;

/// Which units [`SpikeData::from_rawio`] loads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum UnitSelection {
    /// Every spike channel of the reader.
    #[default]
    All,
    /// These spike-channel indexes, in this order.
    Indexes(Vec<usize>),
    /// The spike channels with these ids, in this order.
    Ids(Vec<String>),
}

/// Options of [`SpikeData::from_rawio`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FromRawioOptions {
    /// The units to load.
    pub units: UnitSelection,
    /// Also load this signal stream (physical units, `channels × samples`) as the raw signal.
    /// Loads the whole segment into memory: mind the size.
    pub raw_stream: Option<usize>,
    /// Put every event channel's times (ms) into `metadata["events"][<channel name>]`, so
    /// [`SpikeData::align_to_metadata_events`] can use them.
    pub events: bool,
}

impl SpikeData {
    /// Builds a `SpikeData` from segment `(block, seg)` of any reader: each unit's spike
    /// timestamps rescaled to seconds by the reader's time base, then ×1000 to ms; the window
    /// is the segment's `[t_start, t_stop]` (ms). Works with every format crate: only the
    /// [`RawIO`] trait is used.
    ///
    /// Unit attributes: `unit_id` (the spike channel id), `name`, `index` (spike channel
    /// index in the reader), `wf_units`, `wf_gain`, `wf_offset`, `wf_left_sweep`,
    /// `wf_sampling_rate`, then every annotation of the spike channel (an annotation never
    /// overrides those keys). Metadata: `source_file`, `format`, `block`, `segment`,
    /// `t_start_s`, `t_stop_s`, `spike_time_base_hz`, `block_annotations`,
    /// `segment_annotations` (when not empty), and optionally `events` and the raw stream's
    /// `raw_stream` / `raw_units` / `raw_channel_names`.
    ///
    /// A reader whose spikes stray outside its own segment window (some formats store spikes
    /// past the end of the signal) gets the window widened to hold them, with
    /// `metadata["window_widened"] = true`, instead of an error.
    pub fn from_rawio(
        reader: &dyn RawIO,
        block: usize,
        seg: usize,
        options: &FromRawioOptions,
    ) -> Result<SpikeData> {
        let header = reader.header();
        let segment = header.segment(block, seg)?;
        let n_all = header.spike_channels.len();
        let units: Vec<usize> = match &options.units {
            UnitSelection::All => (0..n_all).collect(),
            UnitSelection::Indexes(v) => {
                for &u in v {
                    header.spike_channel(u)?;
                }
                v.clone()
            }
            UnitSelection::Ids(ids) => ids
                .iter()
                .map(|id| {
                    header
                        .spike_channels
                        .iter()
                        .position(|c| &c.id == id)
                        .ok_or_else(|| {
                            SpikeDataError::Rawio(rawio_core::Error::UnknownId {
                                what: "spike channel id",
                                id: id.clone(),
                            })
                        })
                })
                .collect::<Result<_>>()?,
        };
        let mut trains = Vec::with_capacity(units.len());
        let mut attrs = Vec::with_capacity(units.len());
        for &u in &units {
            let raw = reader.spike_timestamps(block, seg, u, TimeWindow::ALL)?;
            let secs = reader.rescale_spike_timestamps(&raw);
            trains.push(secs.iter().map(|&s| s * 1000.0).collect::<Vec<f64>>());
            let ch = header.spike_channel(u)?;
            let mut a = Attrs::new();
            a.insert("unit_id".into(), Value::from(ch.id.clone()));
            a.insert("name".into(), Value::from(ch.name.clone()));
            a.insert("index".into(), Value::from(u));
            a.insert("wf_units".into(), Value::from(ch.wf_units.clone()));
            a.insert("wf_gain".into(), rawio_core::json_f64(ch.wf_gain));
            a.insert("wf_offset".into(), rawio_core::json_f64(ch.wf_offset));
            a.insert("wf_left_sweep".into(), Value::from(ch.wf_left_sweep));
            a.insert(
                "wf_sampling_rate".into(),
                rawio_core::json_f64(ch.wf_sampling_rate),
            );
            for (k, v) in &ch.annotations {
                a.entry(k.clone()).or_insert_with(|| v.clone());
            }
            attrs.push(a);
        }
        for (i, t) in trains.iter().enumerate() {
            if t.iter().any(|v| !v.is_finite()) {
                return Err(SpikeDataError::NonFinite {
                    unit: i,
                    what: "non-finite",
                });
            }
        }
        let mut start = segment.t_start * 1000.0;
        let mut end = segment.t_stop * 1000.0;
        let first = trains
            .iter()
            .filter_map(|t| t.first().copied())
            .reduce(f64::min);
        let last = trains
            .iter()
            .filter_map(|t| t.last().copied())
            .reduce(f64::max);
        let mut widened = false;
        if let Some(f) = first
            && f < start
        {
            start = f;
            widened = true;
        }
        if let Some(l) = last
            && l > end
        {
            end = l;
            widened = true;
        }
        let length = covering_length(start, end);

        let mut metadata = Attrs::new();
        metadata.insert("source_file".into(), Value::from(reader.source_name()));
        metadata.insert("format".into(), Value::from(reader.format_id()));
        metadata.insert("block".into(), Value::from(block));
        metadata.insert("segment".into(), Value::from(seg));
        metadata.insert("t_start_s".into(), rawio_core::json_f64(segment.t_start));
        metadata.insert("t_stop_s".into(), rawio_core::json_f64(segment.t_stop));
        metadata.insert(
            "spike_time_base_hz".into(),
            rawio_core::json_f64(reader.spike_time_base().per_second),
        );
        let block_ann = &header.block(block)?.annotations;
        if !block_ann.is_empty() {
            metadata.insert("block_annotations".into(), Value::Object(block_ann.clone()));
        }
        if !segment.annotations.is_empty() {
            metadata.insert(
                "segment_annotations".into(),
                Value::Object(segment.annotations.clone()),
            );
        }
        if widened {
            metadata.insert("window_widened".into(), Value::Bool(true));
        }
        if options.events {
            let mut ev = Attrs::new();
            for (e, chan) in header.event_channels.iter().enumerate() {
                let raw = reader.event_timestamps(block, seg, e, TimeWindow::ALL)?;
                let secs = reader.rescale_event_timestamps(&raw.timestamps, e);
                let ms: Vec<Value> = secs
                    .iter()
                    .map(|&s| rawio_core::json_f64(s * 1000.0))
                    .collect();
                ev.insert(chan.name.clone(), Value::Array(ms));
            }
            metadata.insert("events".into(), Value::Object(ev));
        }
        let raw = match options.raw_stream {
            None => None,
            Some(stream) => {
                let chunk = reader.analogsignal_chunk(
                    block,
                    seg,
                    stream,
                    None,
                    None,
                    &ChannelSelection::All,
                )?;
                let phys = reader.rescale_signal_f64(&chunk, stream, &ChannelSelection::All)?;
                let data: Array2<f64> = phys.reversed_axes().as_standard_layout().into_owned();
                let rate = reader.signal_sampling_rate(stream)?;
                let t0 = reader.signal_t_start(block, seg, stream)?;
                let time: Vec<f64> = (0..data.ncols())
                    .map(|i| (t0 + i as f64 / rate) * 1000.0)
                    .collect();
                let chans = header.stream_channels(stream)?;
                metadata.insert("raw_stream".into(), Value::from(stream));
                metadata.insert(
                    "raw_units".into(),
                    Value::Array(chans.iter().map(|c| Value::from(c.units.clone())).collect()),
                );
                metadata.insert(
                    "raw_channel_names".into(),
                    Value::Array(chans.iter().map(|c| Value::from(c.name.clone())).collect()),
                );
                Some(RawSignal::new(data, time)?)
            }
        };
        SpikeData::new(
            trains,
            Options {
                n: None,
                length: Some(length),
                start_time: start,
                unit_attrs: Some(attrs),
                metadata,
                raw,
            },
        )
    }
}
