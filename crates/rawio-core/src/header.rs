//! The header: what a recording contains, in neo.rawio's vocabulary.

use crate::clock::SampleClock;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use serde::Serialize;

/// Free-form annotations (JSON-like values), as neo's `raw_annotations`.
pub type Annotations = serde_json::Map<String, serde_json::Value>;

/// A segment of a block: a contiguous recording period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    /// Start in seconds (shared by the segment's signals, spikes and events).
    pub t_start: f64,
    /// Stop in seconds (strictly greater than `t_start`).
    pub t_stop: f64,
    /// Segment annotations.
    pub annotations: Annotations,
}

/// A block: one recording session, made of segments.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Block {
    /// The segments, in time order.
    pub segments: Vec<Segment>,
    /// Block annotations.
    pub annotations: Annotations,
}

/// A group of channels sharing one file layout (neo's signal buffer).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalBuffer {
    /// Name (not necessarily unique).
    pub name: String,
    /// Unique id.
    pub id: String,
}

/// Channels with the same rate, dtype and time base, read together as one 2-D array.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalStream {
    /// Name (not necessarily unique).
    pub name: String,
    /// Unique id.
    pub id: String,
    /// Id of the buffer this stream lives in, or `""`.
    pub buffer_id: String,
    /// How the stream's samples map to times (see [`crate::clock`]).
    pub clock: SampleClock,
    /// Stream annotations.
    pub annotations: Annotations,
}

/// One analog channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalChannel {
    /// Name (not necessarily unique).
    pub name: String,
    /// Id, unique inside its stream.
    pub id: String,
    /// Sampling rate in Hz.
    pub sampling_rate: f64,
    /// On-disk dtype.
    pub dtype: Dtype,
    /// Physical units after rescaling (`"mV"`, `"uV"`, `"V"`, `""` when unknown).
    pub units: String,
    /// `physical = raw * gain + offset`.
    pub gain: f64,
    /// `physical = raw * gain + offset`.
    pub offset: f64,
    /// Id of the stream the channel belongs to.
    pub stream_id: String,
    /// Id of the buffer, or `""`.
    pub buffer_id: String,
    /// Channel annotations.
    pub annotations: Annotations,
}

/// One sorted unit (neo's spike channel).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpikeChannel {
    /// Name (not necessarily unique).
    pub name: String,
    /// Id.
    pub id: String,
    /// Units of rescaled waveforms.
    pub wf_units: String,
    /// Waveform gain.
    pub wf_gain: f64,
    /// Waveform offset.
    pub wf_offset: f64,
    /// Samples before the threshold crossing / peak, or -1 when unknown.
    pub wf_left_sweep: i64,
    /// Waveform sampling rate in Hz (0 when there are no waveforms).
    pub wf_sampling_rate: f64,
    /// Unit annotations.
    pub annotations: Annotations,
}

/// Whether an event channel holds instants or intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// Instants (no durations).
    Event,
    /// Intervals (timestamps + durations).
    Epoch,
}

impl EventKind {
    /// `"event"` or `"epoch"`.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Event => "event",
            EventKind::Epoch => "epoch",
        }
    }
}

/// One event or epoch channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventChannel {
    /// Name.
    pub name: String,
    /// Id.
    pub id: String,
    /// Event or epoch.
    #[serde(rename = "type")]
    pub kind: EventKind,
    /// Event channel annotations.
    pub annotations: Annotations,
}

/// Everything a reader exposes about a recording, available as soon as it is opened.
///
/// Channels, units and event channels are the same in every block and segment.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Header {
    /// Blocks with their segments.
    pub blocks: Vec<Block>,
    /// Signal buffers (may be empty).
    pub signal_buffers: Vec<SignalBuffer>,
    /// Signal streams.
    pub signal_streams: Vec<SignalStream>,
    /// Signal channels of every stream, grouped by stream in stream order.
    pub signal_channels: Vec<SignalChannel>,
    /// Units.
    pub spike_channels: Vec<SpikeChannel>,
    /// Event and epoch channels.
    pub event_channels: Vec<EventChannel>,
}

impl Header {
    /// Number of blocks.
    pub fn block_count(&self) -> usize {
        self.blocks.len()
    }

    /// Number of segments in `block`.
    pub fn segment_count(&self, block: usize) -> Result<usize> {
        Ok(self.block(block)?.segments.len())
    }

    /// `nb_segment` as neo has it: one count per block.
    pub fn nb_segment(&self) -> Vec<usize> {
        self.blocks.iter().map(|b| b.segments.len()).collect()
    }

    /// The block, or an error.
    pub fn block(&self, block: usize) -> Result<&Block> {
        self.blocks
            .get(block)
            .ok_or_else(|| Error::out_of_range("block", block, self.blocks.len()))
    }

    /// The segment, or an error.
    pub fn segment(&self, block: usize, seg: usize) -> Result<&Segment> {
        let b = self.block(block)?;
        b.segments
            .get(seg)
            .ok_or_else(|| Error::out_of_range("segment", seg, b.segments.len()))
    }

    /// The stream, or an error.
    pub fn stream(&self, stream: usize) -> Result<&SignalStream> {
        self.signal_streams
            .get(stream)
            .ok_or_else(|| Error::out_of_range("stream", stream, self.signal_streams.len()))
    }

    /// Index of the stream with this id.
    pub fn stream_index(&self, id: &str) -> Result<usize> {
        self.signal_streams
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(|| Error::UnknownId {
                what: "stream id",
                id: id.to_owned(),
            })
    }

    /// The channels of a stream, in order (local index = position in this list).
    pub fn stream_channels(&self, stream: usize) -> Result<Vec<&SignalChannel>> {
        let id = &self.stream(stream)?.id;
        Ok(self
            .signal_channels
            .iter()
            .filter(|c| &c.stream_id == id)
            .collect())
    }

    /// Number of channels in a stream.
    pub fn stream_channel_count(&self, stream: usize) -> Result<usize> {
        Ok(self.stream_channels(stream)?.len())
    }

    /// The unit, or an error.
    pub fn spike_channel(&self, unit: usize) -> Result<&SpikeChannel> {
        self.spike_channels
            .get(unit)
            .ok_or_else(|| Error::out_of_range("spike channel", unit, self.spike_channels.len()))
    }

    /// The event channel, or an error.
    pub fn event_channel(&self, ev: usize) -> Result<&EventChannel> {
        self.event_channels
            .get(ev)
            .ok_or_else(|| Error::out_of_range("event channel", ev, self.event_channels.len()))
    }

    /// Checks the invariants neo checks after `parse_header` (and a few more): at least one
    /// block, `t_stop > t_start` for every segment, unique stream and buffer ids, every
    /// channel in a known stream/buffer, one sampling rate and dtype per stream, unique channel
    /// ids inside each stream. Readers call this before returning from `open`.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::invalid(format!("inconsistent header: {m}")));
        if self.blocks.is_empty() {
            return bad("no block".into());
        }
        for (b, block) in self.blocks.iter().enumerate() {
            for (s, seg) in block.segments.iter().enumerate() {
                if seg.t_stop.partial_cmp(&seg.t_start) != Some(std::cmp::Ordering::Greater) {
                    return bad(format!(
                        "block {b} segment {s}: t_stop {} <= t_start {}",
                        seg.t_stop, seg.t_start
                    ));
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        for buf in &self.signal_buffers {
            if !seen.insert(&buf.id) {
                return bad(format!("duplicate buffer id {:?}", buf.id));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for st in &self.signal_streams {
            if !seen.insert(&st.id) {
                return bad(format!("duplicate stream id {:?}", st.id));
            }
            if !st.buffer_id.is_empty() && !self.signal_buffers.iter().any(|b| b.id == st.buffer_id)
            {
                return bad(format!(
                    "stream {:?}: unknown buffer {:?}",
                    st.id, st.buffer_id
                ));
            }
        }
        for ch in &self.signal_channels {
            if !self.signal_streams.iter().any(|s| s.id == ch.stream_id) {
                return bad(format!(
                    "channel {:?}: unknown stream {:?}",
                    ch.id, ch.stream_id
                ));
            }
            if !ch.buffer_id.is_empty() && !self.signal_buffers.iter().any(|b| b.id == ch.buffer_id)
            {
                return bad(format!(
                    "channel {:?}: unknown buffer {:?}",
                    ch.id, ch.buffer_id
                ));
            }
        }
        for (i, st) in self.signal_streams.iter().enumerate() {
            let chans = self.stream_channels(i)?;
            let Some(first) = chans.first() else {
                return bad(format!("stream {:?} has no channel", st.id));
            };
            let mut ids = std::collections::HashSet::new();
            for c in &chans {
                if c.sampling_rate != first.sampling_rate || c.dtype != first.dtype {
                    return bad(format!(
                        "stream {:?}: channels {:?} and {:?} differ in rate or dtype",
                        st.id, first.id, c.id
                    ));
                }
                if !ids.insert(&c.id) {
                    return bad(format!(
                        "stream {:?}: duplicate channel id {:?}",
                        st.id, c.id
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Builds an [`Annotations`] map from `(key, value)` pairs.
pub fn annotations<I, K, V>(pairs: I) -> Annotations
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<serde_json::Value>,
{
    pairs
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}
