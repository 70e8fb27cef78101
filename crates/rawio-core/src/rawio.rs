//! The [`RawIO`] trait: what every format reader implements.

use crate::dtype::{RawChunk, RawTimestamps, RawWaveforms};
use crate::error::{Error, Result};
use crate::header::{EventKind, Header};
use crate::rescale;
use crate::selection::{ChannelIndexes, ChannelSelection, resolve_channels};
use crate::time::{TimeBase, TimeWindow};
use ndarray::{Array1, Array2, Array3};
use std::ops::Range;

/// Events or epochs of one event channel in one segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Events<'a> {
    /// Raw timestamps (see [`RawIO::event_time_base`]).
    pub timestamps: RawTimestamps<'a>,
    /// Raw durations for epochs, `None` for events. Same unit as the timestamps.
    pub durations: Option<RawTimestamps<'a>>,
    /// One label per event.
    pub labels: Vec<String>,
}

impl Events<'_> {
    /// Number of events.
    pub fn len(&self) -> usize {
        self.timestamps.len()
    }

    /// Whether there is no event.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The events at `indexes` (copies).
    pub fn select<'b>(&self, indexes: &[usize]) -> Events<'b> {
        Events {
            timestamps: self.timestamps.select(0, indexes),
            durations: self.durations.as_ref().map(|d| d.select(0, indexes)),
            labels: indexes
                .iter()
                .filter_map(|&i| self.labels.get(i).cloned())
                .collect(),
        }
    }

    /// Converts to owned data.
    pub fn into_owned<'b>(self) -> Events<'b> {
        Events {
            timestamps: self.timestamps.into_owned(),
            durations: self.durations.map(|d| d.into_owned()),
            labels: self.labels,
        }
    }
}

/// A reader of one recording, in neo.rawio's model: blocks of segments holding signal streams,
/// units (spike channels) and event channels.
///
/// The trait has two sides.
///
/// * **Users** call the provided methods ([`RawIO::analogsignal_chunk`],
///   [`RawIO::spike_timestamps`], ...). They validate every index, resolve channel selections
///   and time windows, and return [`Error`]s for bad arguments, never panic.
/// * **Readers** implement the `read_*` methods and [`RawIO::header`]. Those are only called
///   with valid block/segment/stream/unit/event indexes and in-range sample ranges, so a
///   reader does not repeat the checks. Do not override the provided methods.
///
/// Readers are constructed by a format's `open(path)`, which parses the whole header: there is
/// no half-initialised reader. Every reader is `Send + Sync`; reads take `&self`, so one
/// reader can be shared by threads.
pub trait RawIO: Send + Sync {
    // ----------------------------------------------------------------------------------------
    // Reader side
    // ----------------------------------------------------------------------------------------

    /// The format id (`"neuroscope"`, `"plexon"`, ...), as in the dump contract.
    fn format_id(&self) -> &'static str;

    /// The path(s) the reader was opened on, for display.
    fn source_name(&self) -> String;

    /// The header, parsed once at open.
    fn header(&self) -> &Header;

    /// Number of samples of `stream` in segment `(block, seg)`.
    fn read_signal_size(&self, block: usize, seg: usize, stream: usize) -> Result<u64>;

    /// Time of the first sample of `stream` in segment `(block, seg)`, in seconds.
    fn read_signal_t_start(&self, block: usize, seg: usize, stream: usize) -> Result<f64>;

    /// Samples `samples` (already checked against the size) of the `channels` of `stream`, as
    /// a `samples × channels` array in the on-disk dtype. Return a borrowed view when the file
    /// layout allows it.
    fn read_signal_chunk(
        &self,
        block: usize,
        seg: usize,
        stream: usize,
        samples: Range<u64>,
        channels: &ChannelIndexes,
    ) -> Result<RawChunk<'_>>;

    /// Number of spikes of `unit` in the segment.
    fn read_spike_count(&self, block: usize, seg: usize, unit: usize) -> Result<u64>;

    /// The clock of the raw spike timestamps (one per reader, as in neo).
    fn spike_time_base(&self) -> TimeBase;

    /// Every raw spike timestamp of `unit` in the segment, **sorted ascending**.
    fn read_spike_timestamps(
        &self,
        block: usize,
        seg: usize,
        unit: usize,
    ) -> Result<RawTimestamps<'_>>;

    /// Raw waveforms (`spikes × channels × samples`) of the spikes `spikes` (indexes into
    /// the unit's sorted timestamps), or `None` when the file has no waveforms.
    fn read_spike_waveforms(
        &self,
        block: usize,
        seg: usize,
        unit: usize,
        spikes: Range<usize>,
    ) -> Result<Option<RawWaveforms<'_>>> {
        let _ = (block, seg, unit, spikes);
        Ok(None)
    }

    /// Number of events of event channel `ev` in the segment.
    fn read_event_count(&self, block: usize, seg: usize, ev: usize) -> Result<u64>;

    /// The clock of raw event timestamps and durations of channel `ev`.
    fn event_time_base(&self, ev: usize) -> TimeBase;

    /// Every event of channel `ev` in the segment.
    fn read_events(&self, block: usize, seg: usize, ev: usize) -> Result<Events<'_>>;

    // ----------------------------------------------------------------------------------------
    // User side (provided)
    // ----------------------------------------------------------------------------------------

    /// Number of blocks.
    fn block_count(&self) -> usize {
        self.header().block_count()
    }

    /// Number of segments of `block`.
    fn segment_count(&self, block: usize) -> Result<usize> {
        self.header().segment_count(block)
    }

    /// Start of the segment in seconds.
    fn segment_t_start(&self, block: usize, seg: usize) -> Result<f64> {
        Ok(self.header().segment(block, seg)?.t_start)
    }

    /// Stop of the segment in seconds.
    fn segment_t_stop(&self, block: usize, seg: usize) -> Result<f64> {
        Ok(self.header().segment(block, seg)?.t_stop)
    }

    /// Number of signal streams.
    fn signal_streams_count(&self) -> usize {
        self.header().signal_streams.len()
    }

    /// Number of channels of `stream`.
    fn signal_channels_count(&self, stream: usize) -> Result<usize> {
        self.header().stream_channel_count(stream)
    }

    /// Number of units.
    fn spike_channels_count(&self) -> usize {
        self.header().spike_channels.len()
    }

    /// Number of event channels.
    fn event_channels_count(&self) -> usize {
        self.header().event_channels.len()
    }

    /// Number of samples of `stream` in the segment.
    fn signal_size(&self, block: usize, seg: usize, stream: usize) -> Result<u64> {
        self.header().segment(block, seg)?;
        self.header().stream(stream)?;
        self.read_signal_size(block, seg, stream)
    }

    /// Time of the first sample of `stream` in the segment, in seconds.
    fn signal_t_start(&self, block: usize, seg: usize, stream: usize) -> Result<f64> {
        self.header().segment(block, seg)?;
        self.header().stream(stream)?;
        self.read_signal_t_start(block, seg, stream)
    }

    /// Sampling rate of `stream` in Hz.
    fn signal_sampling_rate(&self, stream: usize) -> Result<f64> {
        let chans = self.header().stream_channels(stream)?;
        chans
            .first()
            .map(|c| c.sampling_rate)
            .ok_or_else(|| Error::invalid(format!("stream {stream} has no channel")))
    }

    /// Raw samples `[i_start, i_stop)` (default: the whole segment) of the selected channels
    /// of `stream`, as `samples × channels` in the on-disk dtype (neo's
    /// `get_analogsignal_chunk`). `Some(0)` as `i_stop` means zero samples, not "to the end".
    fn analogsignal_chunk(
        &self,
        block: usize,
        seg: usize,
        stream: usize,
        i_start: Option<u64>,
        i_stop: Option<u64>,
        channels: &ChannelSelection,
    ) -> Result<RawChunk<'_>> {
        let size = self.signal_size(block, seg, stream)?;
        let start = i_start.unwrap_or(0);
        let stop = i_stop.unwrap_or(size);
        if stop > size {
            return Err(Error::out_of_range("i_stop", stop, size + 1));
        }
        if start > stop {
            return Err(Error::invalid(format!("i_start {start} > i_stop {stop}")));
        }
        let idx = resolve_channels(self.header(), stream, channels)?;
        let chunk = self.read_signal_chunk(block, seg, stream, start..stop, &idx)?;
        let want = [
            usize::try_from(stop - start).unwrap_or(usize::MAX),
            idx.len(),
        ];
        if chunk.shape() != want {
            return Err(Error::invalid(format!(
                "reader {} returned a {:?} chunk for a {want:?} request",
                self.format_id(),
                chunk.shape()
            )));
        }
        Ok(chunk)
    }

    /// `raw * gain + offset` in f64, per selected channel of `stream` (neo's
    /// `rescale_signal_raw_to_float(dtype="float64")`; exact).
    fn rescale_signal_f64(
        &self,
        raw: &RawChunk<'_>,
        stream: usize,
        channels: &ChannelSelection,
    ) -> Result<Array2<f64>> {
        let (gains, offsets) = rescale::stream_gains(self.header(), stream, channels, raw)?;
        Ok(rescale::signal_f64(raw, &gains, &offsets))
    }

    /// `raw * gain + offset` in f32, rounded exactly as neo's float32 path.
    fn rescale_signal_f32(
        &self,
        raw: &RawChunk<'_>,
        stream: usize,
        channels: &ChannelSelection,
    ) -> Result<Array2<f32>> {
        let (gains, offsets) = rescale::stream_gains(self.header(), stream, channels, raw)?;
        Ok(rescale::signal_f32(raw, &gains, &offsets))
    }

    /// Number of spikes of `unit` in the segment.
    fn spike_count(&self, block: usize, seg: usize, unit: usize) -> Result<u64> {
        self.header().segment(block, seg)?;
        self.header().spike_channel(unit)?;
        self.read_spike_count(block, seg, unit)
    }

    /// Raw spike timestamps of `unit` inside `window` (seconds, inclusive bounds; see
    /// [`TimeWindow`]).
    fn spike_timestamps(
        &self,
        block: usize,
        seg: usize,
        unit: usize,
        window: TimeWindow,
    ) -> Result<RawTimestamps<'_>> {
        self.header().segment(block, seg)?;
        self.header().spike_channel(unit)?;
        let all = self.read_spike_timestamps(block, seg, unit)?;
        if window.is_all() {
            return Ok(all);
        }
        let range = window.sorted_range(&all, self.spike_time_base());
        Ok(all.slice_axis(0, range).into_owned())
    }

    /// Raw timestamps in seconds (f64).
    fn rescale_spike_timestamps(&self, raw: &RawTimestamps<'_>) -> Array1<f64> {
        self.spike_time_base().to_seconds(raw)
    }

    /// Raw waveforms of the spikes of `unit` inside `window`, or `None` when the file has
    /// none. The spikes are exactly those of [`RawIO::spike_timestamps`] with the same window.
    fn spike_raw_waveforms(
        &self,
        block: usize,
        seg: usize,
        unit: usize,
        window: TimeWindow,
    ) -> Result<Option<RawWaveforms<'_>>> {
        self.header().segment(block, seg)?;
        self.header().spike_channel(unit)?;
        let range = {
            let all = self.read_spike_timestamps(block, seg, unit)?;
            window.sorted_range(&all, self.spike_time_base())
        };
        let n = range.len();
        let wf = self.read_spike_waveforms(block, seg, unit, range)?;
        if let Some(w) = &wf
            && (w.ndim() != 3 || w.len() != n)
        {
            return Err(Error::invalid(format!(
                "reader {} returned waveforms of shape {:?} for {n} spikes",
                self.format_id(),
                w.shape()
            )));
        }
        Ok(wf)
    }

    /// `raw * wf_gain + wf_offset` in f64.
    fn rescale_waveforms_f64(&self, raw: &RawWaveforms<'_>, unit: usize) -> Result<Array3<f64>> {
        let u = self.header().spike_channel(unit)?;
        Ok(rescale::waveforms_f64(raw, u.wf_gain, u.wf_offset))
    }

    /// `raw * wf_gain + wf_offset` in f32 (neo's rounding).
    fn rescale_waveforms_f32(&self, raw: &RawWaveforms<'_>, unit: usize) -> Result<Array3<f32>> {
        let u = self.header().spike_channel(unit)?;
        Ok(rescale::waveforms_f32(raw, u.wf_gain, u.wf_offset))
    }

    /// Number of events of channel `ev` in the segment.
    fn event_count(&self, block: usize, seg: usize, ev: usize) -> Result<u64> {
        self.header().segment(block, seg)?;
        self.header().event_channel(ev)?;
        self.read_event_count(block, seg, ev)
    }

    /// Events of channel `ev` inside `window` (seconds, inclusive bounds). Epochs are kept
    /// when their start is inside the window.
    fn event_timestamps(
        &self,
        block: usize,
        seg: usize,
        ev: usize,
        window: TimeWindow,
    ) -> Result<Events<'_>> {
        self.header().segment(block, seg)?;
        let kind = self.header().event_channel(ev)?.kind;
        let all = self.read_events(block, seg, ev)?;
        let n = all.timestamps.len();
        if all.labels.len() != n || all.durations.as_ref().is_some_and(|d| d.len() != n) {
            return Err(Error::invalid(format!(
                "reader {} returned inconsistent event arrays for channel {ev}",
                self.format_id()
            )));
        }
        if kind == EventKind::Epoch && all.durations.is_none() {
            return Err(Error::invalid(format!(
                "reader {} returned no durations for epoch channel {ev}",
                self.format_id()
            )));
        }
        if window.is_all() {
            return Ok(all);
        }
        let keep = window.mask_indexes(&all.timestamps, self.event_time_base(ev));
        Ok(all.select(&keep))
    }

    /// Raw event timestamps of channel `ev` in seconds.
    fn rescale_event_timestamps(&self, raw: &RawTimestamps<'_>, ev: usize) -> Array1<f64> {
        self.event_time_base(ev).to_seconds(raw)
    }

    /// Raw epoch durations of channel `ev` in seconds.
    fn rescale_epoch_durations(&self, raw: &RawTimestamps<'_>, ev: usize) -> Array1<f64> {
        self.event_time_base(ev).to_seconds(raw)
    }
}

/// Signal chunks of at most `chunk_size` samples covering a whole stream segment, in order.
/// The last chunk ends exactly at the stream size.
pub fn signal_chunks<'r>(
    reader: &'r dyn RawIO,
    block: usize,
    seg: usize,
    stream: usize,
    chunk_size: u64,
    channels: ChannelSelection,
) -> Result<impl Iterator<Item = Result<(Range<u64>, RawChunk<'r>)>> + 'r> {
    if chunk_size == 0 {
        return Err(Error::invalid("chunk_size must be > 0"));
    }
    let size = reader.signal_size(block, seg, stream)?;
    let mut start = 0u64;
    Ok(std::iter::from_fn(move || {
        if start >= size {
            return None;
        }
        let stop = start.saturating_add(chunk_size).min(size);
        let r = start..stop;
        start = stop;
        Some(
            reader
                .analogsignal_chunk(block, seg, stream, Some(r.start), Some(r.end), &channels)
                .map(|c| (r, c)),
        )
    }))
}
