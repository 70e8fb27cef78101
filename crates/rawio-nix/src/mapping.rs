//! What both mappings (neo-written and generic files) produce: the header's channel lists and,
//! per block and segment, where each stream's samples, each unit's spikes and each event
//! channel's events are. [`Mapping::into_header`] assembles the header (segment bounds).

use ndarray::Array1;
use rawio_core::{
    Annotations, Block, ChannelIndexes, EventChannel, Header, RawChunk, Result, Segment,
    SignalChannel, SignalStream, SpikeChannel,
};
use rawio_hdf5::{ChannelsFirst, Dataset, SignalData};
use serde_json::Value as Json;
use std::ops::Range;

/// The annotation key (block annotations) listing the NIX objects that are not mapped to
/// streams, units or event channels, each with its path, name, type and the reason.
pub const NOT_MAPPED: &str = rawio_core::NOT_MAPPED;

/// The samples of one stream in one segment.
#[derive(Debug, Clone)]
pub enum Samples {
    /// One `samples × channels` (or 1-D) dataset.
    Rows(SignalData),
    /// One `channels × samples` dataset (transposed on read).
    Columns(ChannelsFirst),
    /// One 1-D dataset per channel (neo's NixIO writes a DataArray per channel).
    PerChannel(Vec<SignalData>),
}

impl Samples {
    /// Number of samples (the shortest channel for per-channel datasets).
    pub fn len(&self) -> u64 {
        match self {
            Samples::Rows(s) => s.samples(),
            Samples::Columns(s) => s.samples(),
            Samples::PerChannel(v) => v.iter().map(SignalData::samples).min().unwrap_or(0),
        }
    }

    /// Samples `samples` of `channels`, `samples × channels` in the stored dtype.
    pub fn read<'a>(&self, samples: Range<u64>, channels: &ChannelIndexes) -> Result<RawChunk<'a>> {
        match self {
            Samples::Rows(s) => s.read(samples, channels),
            Samples::Columns(s) => s.read(samples, channels),
            Samples::PerChannel(v) => {
                let picked: Vec<usize> = match channels {
                    ChannelIndexes::Range(r) => r.clone().collect(),
                    ChannelIndexes::List(l) => l.clone(),
                };
                let mut cols = Vec::with_capacity(picked.len());
                for c in picked {
                    let d = v
                        .get(c)
                        .ok_or_else(|| rawio_core::Error::out_of_range("channel", c, v.len()))?;
                    cols.push(d.read(samples.clone(), &ChannelIndexes::Range(0..1))?);
                }
                match RawChunk::concatenate(1, &cols) {
                    Some(c) => Ok(c.into_owned()),
                    None => match v.first() {
                        // no channel selected: an empty chunk of the stream's dtype
                        Some(d) => Ok(d
                            .read(samples, &ChannelIndexes::Range(0..1))?
                            .slice_axis(1, 0..0)
                            .into_owned()),
                        None => Err(rawio_core::Error::invalid("a stream without channels")),
                    },
                }
            }
        }
    }
}

/// Explicit sample times: a 1-D dataset of ticks times a unit scale.
#[derive(Debug, Clone)]
pub struct Ticks {
    /// The ticks.
    pub data: Dataset,
    /// The ticks' time unit.
    pub scale: crate::units::Scale,
    /// First and last tick in seconds.
    pub first_last: (f64, f64),
    /// Nominal rate (1 / median interval of a prefix).
    pub rate: f64,
}

impl Ticks {
    /// Times (s) of samples `samples`.
    pub fn read(&self, samples: Range<u64>) -> Result<Array1<f64>> {
        let a = self.data.read_rows(samples)?;
        Ok(a.to_f64().iter().map(|&v| self.scale.seconds(v)).collect())
    }
}

/// One stream in one segment.
#[derive(Debug, Clone)]
pub struct StreamSegment {
    /// The samples.
    pub samples: Samples,
    /// Number of samples.
    pub size: u64,
    /// Time of the first sample (s).
    pub t_start: f64,
    /// Explicit times (range dimensions, irregularly sampled signals).
    pub ticks: Option<Ticks>,
}

/// One unit in one segment.
#[derive(Debug, Clone, Default)]
pub struct UnitSegment {
    /// Sorted spike times (s).
    pub times: Vec<f64>,
    /// `order[k]` = stored position of the k-th sorted spike (`None` when stored sorted).
    pub order: Option<Vec<usize>>,
    /// Waveforms (`spikes × channels × samples`, stored order).
    pub waveforms: Option<Dataset>,
}

/// One event channel in one segment.
#[derive(Debug, Clone, Default)]
pub struct EventSegment {
    /// Times (s).
    pub times: Vec<f64>,
    /// Durations (s) of epochs.
    pub durations: Option<Vec<f64>>,
    /// One label per event.
    pub labels: Vec<String>,
}

/// Everything of one segment.
#[derive(Debug, Clone, Default)]
pub struct SegmentData {
    /// Per stream, `None` when the segment lacks it (size 0).
    pub streams: Vec<Option<StreamSegment>>,
    /// Per unit.
    pub units: Vec<UnitSegment>,
    /// Per event channel.
    pub events: Vec<EventSegment>,
    /// Other instants that bound the segment (neo's spike-train `t_start`/`t_stop`), s.
    pub bounds: Vec<f64>,
    /// Segment annotations.
    pub annotations: Annotations,
}

/// Everything of one block.
#[derive(Debug, Clone, Default)]
pub struct BlockData {
    /// The segments.
    pub segments: Vec<SegmentData>,
    /// Block annotations (with [`NOT_MAPPED`]).
    pub annotations: Annotations,
}

/// A file mapped to RawIO: the channel lists and the per-segment data.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// Signal streams.
    pub streams: Vec<SignalStream>,
    /// Signal channels.
    pub channels: Vec<SignalChannel>,
    /// Units.
    pub units: Vec<SpikeChannel>,
    /// Event channels.
    pub events: Vec<EventChannel>,
    /// The blocks.
    pub blocks: Vec<BlockData>,
}

/// A `not_mapped` entry.
pub fn not_mapped(path: &str, name: &str, kind: &str, reason: impl Into<String>) -> Json {
    serde_json::json!({"path": path, "name": name, "kind": kind, "reason": reason.into()})
}

/// Appends `entry` to the block annotation [`NOT_MAPPED`].
pub fn push_not_mapped(ann: &mut Annotations, entry: Json) {
    rawio_core::left_out::push(ann, NOT_MAPPED, entry);
}

/// Min and max of finite values.
fn span(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.filter(|v| v.is_finite()).fold(None, |acc, v| {
        Some(match acc {
            None => (v, v),
            Some((lo, hi)) => (lo.min(v), hi.max(v)),
        })
    })
}

impl SegmentData {
    /// `[t_start, t_stop]`: every stream's first sample and end (`t_start + size / rate`, or
    /// the last tick plus one nominal period), every spike, event and epoch end, and the
    /// extra bounds. An empty segment is `[0, 1]`; a single instant `t` gives `[t, t + 1]`.
    fn bounds(&self, rates: &[f64]) -> (f64, f64) {
        let mut v: Vec<f64> = self.bounds.clone();
        for (k, s) in self.streams.iter().enumerate() {
            let Some(s) = s else { continue };
            if s.size == 0 {
                continue;
            }
            let rate = rates.get(k).copied().unwrap_or(f64::NAN);
            v.push(s.t_start);
            match &s.ticks {
                Some(t) => {
                    v.push(t.first_last.0);
                    v.push(t.first_last.1 + 1.0 / t.rate);
                }
                None => v.push(s.t_start + s.size as f64 / rate),
            }
        }
        for u in &self.units {
            v.extend(u.times.first().copied());
            v.extend(u.times.last().copied());
        }
        for e in &self.events {
            v.extend(e.times.iter().copied());
            if let Some(d) = &e.durations {
                v.extend(e.times.iter().zip(d).map(|(t, d)| t + d.max(0.0)));
            }
        }
        match span(v.into_iter()) {
            None => (0.0, 1.0),
            Some((lo, hi)) if hi > lo => (lo, hi),
            Some((lo, _)) => (lo, lo + 1.0),
        }
    }
}

impl Mapping {
    /// The header, and the per-block segment data the reader keeps.
    pub fn into_header(self) -> Result<(Header, Vec<Vec<SegmentData>>)> {
        let rates: Vec<f64> = self
            .streams
            .iter()
            .map(|s| {
                self.channels
                    .iter()
                    .find(|c| c.stream_id == s.id)
                    .map_or(f64::NAN, |c| c.sampling_rate)
            })
            .collect();
        let mut blocks = Vec::with_capacity(self.blocks.len());
        let mut data = Vec::with_capacity(self.blocks.len());
        for b in self.blocks {
            let segments = b
                .segments
                .iter()
                .map(|s| {
                    let (t_start, t_stop) = s.bounds(&rates);
                    Segment {
                        t_start,
                        t_stop,
                        annotations: s.annotations.clone(),
                    }
                })
                .collect();
            blocks.push(Block {
                segments,
                annotations: b.annotations,
            });
            data.push(b.segments);
        }
        let header = Header {
            blocks,
            signal_buffers: Vec::new(),
            signal_streams: self.streams,
            signal_channels: self.channels,
            spike_channels: self.units,
            event_channels: self.events,
        };
        header.validate()?;
        Ok((header, data))
    }
}

/// Sorts spike times; returns the sorted times and the stored position of each (or `None`
/// when already sorted). NaNs sort last.
pub fn sort_times(times: Vec<f64>) -> (Vec<f64>, Option<Vec<usize>>) {
    if times.windows(2).all(|w| w[0] <= w[1]) {
        return (times, None);
    }
    let mut idx: Vec<usize> = (0..times.len()).collect();
    idx.sort_by(|&a, &b| times[a].total_cmp(&times[b]));
    let sorted = idx.iter().map(|&i| times[i]).collect();
    (sorted, Some(idx))
}

/// Nominal rate of explicit ticks: 1 / median interval of at most the first 100 000 ticks
/// (`NaN` when undefined).
pub fn ticks_from(data: Dataset, scale: crate::units::Scale) -> Result<Ticks> {
    const PREFIX: u64 = 100_000;
    if data.ndim() != 1 {
        return Err(data.corrupt(format!("ticks of shape {:?} are not 1-D", data.shape())));
    }
    let n = data.len();
    let head = data.read_rows(0..n.min(PREFIX))?.to_f64();
    let head: Vec<f64> = head.iter().map(|&v| scale.seconds(v)).collect();
    let last = if n > PREFIX {
        data.read_rows(n - 1..n)?
            .to_f64()
            .iter()
            .next()
            .map_or(f64::NAN, |&v| scale.seconds(v))
    } else {
        head.last().copied().unwrap_or(f64::NAN)
    };
    let first = head.first().copied().unwrap_or(f64::NAN);
    let rate = rawio_core::clock::nominal_rate(&head).unwrap_or(1.0);
    Ok(Ticks {
        data,
        scale,
        first_last: (first, last),
        rate,
    })
}

/// A `0 × channels` chunk of `dtype` (the samples of a stream a segment lacks).
pub fn empty_chunk<'a>(dtype: rawio_core::Dtype, channels: usize) -> RawChunk<'a> {
    use rawio_core::Dtype as D;
    macro_rules! z {
        ($t:ty) => {
            RawChunk::new(ndarray::Array2::<$t>::zeros((0, channels)))
        };
    }
    match dtype {
        D::Int8 => z!(i8),
        D::Uint8 => z!(u8),
        D::Int16 => z!(i16),
        D::Uint16 => z!(u16),
        D::Int32 => z!(i32),
        D::Uint32 => z!(u32),
        D::Int64 => z!(i64),
        D::Uint64 => z!(u64),
        D::Float32 => z!(f32),
        D::Float64 => z!(f64),
    }
}
