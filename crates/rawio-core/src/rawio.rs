//! The two traits of a reader: [`RawIO`], what a format implements, and [`RawIOExt`], what
//! users call (provided for every reader, validated in one place).

use crate::clock::{Clock, SampleClock, first_at_or_after, regular_time};
use crate::dtype::{RawChunk, RawTimestamps, RawWaveforms};
use crate::error::{Error, Result};
use crate::header::{EventKind, Header};
use crate::rescale;
use crate::selection::{ChannelIndexes, ChannelSelection, resolve_channels};
use crate::time::{TimeBase, TimeWindow};
use ndarray::{Array1, Array2, Array3, CowArray, Ix1};
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

/// Per-sample times in seconds, borrowed from the file where it stores them as f64.
pub type SampleTimes<'a> = CowArray<'a, f64, Ix1>;

/// Where the samples of a stream segment lie in a file, as plain little-endian frames: what
/// another language needs to map them without a copy (neo's "raw" buffer description, time
/// axis 0, C order). Frame `i` (sample `i` of the segment) starts at
/// `file_offset + i * shape[1] * dtype.size()`; the stream's channels are the frame's values
/// `columns` (in stream order). `file_offset` need not be a multiple of the dtype's size
/// (Blackrock's first data block starts at an odd byte): a consumer mapping the bytes must
/// accept unaligned values (numpy does).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BufferDescription {
    /// The file holding the samples.
    pub file_path: std::path::PathBuf,
    /// The stored sample type (little-endian).
    pub dtype: crate::dtype::Dtype,
    /// Byte offset of the segment's first frame.
    pub file_offset: u64,
    /// `[samples, values per frame]`.
    pub shape: [u64; 2],
    /// The values of each frame that are the stream's channels, in stream order.
    pub columns: Range<u64>,
}

/// The reader side of a recording, in neo.rawio's model: blocks of segments holding signal
/// streams, units (spike channels) and event channels. **Format crates implement this
/// trait; users call [`RawIOExt`]** (in scope with `use rawio_core::prelude::*`), which every
/// `RawIO` gets for free and which validates every argument before calling the `read_*`
/// methods here.
///
/// The `read_*` methods are only called with valid block/segment/stream/unit/event indexes,
/// in-range sample ranges and resolved channel selections, so a reader does not repeat those
/// checks. Readers are constructed by a format's `open(path)`, which parses the whole header:
/// there is no half-initialised reader. Every reader is `Send + Sync`; reads take `&self`, so
/// one reader can be shared by threads. The trait is object safe (`Box<dyn RawIO>`).
pub trait RawIO: Send + Sync {
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

    /// Times in seconds of samples `samples` (already checked against the size) of a stream
    /// whose header clock has explicit times ([`SampleClock::has_explicit_times`]): exactly the
    /// stored times, one per sample. Only called for such streams; the default is the regular
    /// clock `t_start + i / sampling_rate`, so readers of regular streams do not implement it.
    fn read_signal_times(
        &self,
        block: usize,
        seg: usize,
        stream: usize,
        samples: Range<u64>,
    ) -> Result<SampleTimes<'_>> {
        regular_times(self, block, seg, stream, samples)
    }

    /// Where the samples of `stream` in the segment lie in a file, when they are plain
    /// little-endian frames of one file (see [`BufferDescription`]); `None` otherwise (the
    /// default). Must describe exactly what `read_signal_chunk` returns.
    fn read_buffer_description(
        &self,
        block: usize,
        seg: usize,
        stream: usize,
    ) -> Option<BufferDescription> {
        let _ = (block, seg, stream);
        None
    }

    /// A hint that the caller is done with samples `samples` of `stream`: a reader backed by a
    /// memory map drops those pages from the process's resident set (they are read again from
    /// the page cache if touched again, so borrowed views stay valid). Streaming a whole file
    /// through [`RawIOExt::signal_chunks`] calls it behind the cursor, which keeps memory flat.
    /// The default does nothing.
    fn release_signal(&self, block: usize, seg: usize, stream: usize, samples: Range<u64>) {
        let _ = (block, seg, stream, samples);
    }

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
}

/// `t_start + i / rate` for `samples` of a stream (the regular clock).
fn regular_times<R: RawIO + ?Sized>(
    reader: &R,
    block: usize,
    seg: usize,
    stream: usize,
    samples: Range<u64>,
) -> Result<SampleTimes<'static>> {
    let t0 = reader.read_signal_t_start(block, seg, stream)?;
    let rate = stream_rate(reader.header(), stream)?;
    Ok(CowArray::from(Array1::from_iter(
        samples.map(|i| regular_time(t0, rate, i)),
    )))
}

fn stream_rate(header: &Header, stream: usize) -> Result<f64> {
    let chans = header.stream_channels(stream)?;
    chans
        .first()
        .map(|c| c.sampling_rate)
        .ok_or_else(|| Error::invalid(format!("stream {stream} has no channel")))
}

/// What users call on any reader: neo.rawio's public methods, with every index, sample range,
/// channel selection and time window validated before the reader is asked. Provided for every
/// [`RawIO`] (including `dyn RawIO`) by a blanket implementation, so it cannot be overridden.
///
/// ```
/// use rawio_core::prelude::*;
/// # fn demo(reader: &dyn RawIO) -> rawio_core::Result<()> {
/// let raw = reader.analogsignal_chunk(0, 0, 0, Some(0), Some(100), &ChannelSelection::All)?;
/// let times = reader.signal_times(0, 0, 0, 0..100)?; // seconds, on the stream's own clock
/// assert_eq!(raw.len(), times.len());
/// # Ok(()) }
/// # demo(&rawio_core::testing::TinyReader::new()).unwrap();
/// ```
pub trait RawIOExt: RawIO {
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

    /// Sampling rate of `stream` in Hz (nominal for an explicit clock).
    fn signal_sampling_rate(&self, stream: usize) -> Result<f64> {
        stream_rate(self.header(), stream)
    }

    /// Where the samples of `stream` in the segment lie in a file, for zero-copy access from
    /// other languages (`None` when they are not plain frames of one file: compressed, split
    /// into blocks, big-endian...).
    fn signal_buffer_description(
        &self,
        block: usize,
        seg: usize,
        stream: usize,
    ) -> Result<Option<BufferDescription>> {
        self.header().segment(block, seg)?;
        let n = self.header().stream_channel_count(stream)?;
        let size = self.read_signal_size(block, seg, stream)?;
        let d = self.read_buffer_description(block, seg, stream);
        if let Some(d) = &d
            && (d.shape[0] != size
                || d.columns.end - d.columns.start != n as u64
                || d.columns.end > d.shape[1])
        {
            return Err(Error::invalid(format!(
                "reader {} described a buffer of shape {:?} with columns {:?} for {size} samples of {n} channels",
                self.format_id(),
                d.shape,
                d.columns
            )));
        }
        Ok(d)
    }

    /// The sample clock of `stream` (see [`crate::clock`]).
    fn signal_clock(&self, stream: usize) -> Result<SampleClock> {
        Ok(self.header().stream(stream)?.clock)
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
        let range = sample_range(self, block, seg, stream, i_start, i_stop)?;
        let idx = resolve_channels(self.header(), stream, channels)?;
        let want = [
            usize::try_from(range.end - range.start).unwrap_or(usize::MAX),
            idx.len(),
        ];
        let chunk = self.read_signal_chunk(block, seg, stream, range, &idx)?;
        if chunk.shape() != want {
            return Err(Error::invalid(format!(
                "reader {} returned a {:?} chunk for a {want:?} request",
                self.format_id(),
                chunk.shape()
            )));
        }
        Ok(chunk)
    }

    /// The whole segment of `stream` as consecutive chunks of at most `chunk_size` samples,
    /// in order (the last ends exactly at the stream size). Memory stays flat however long the
    /// stream: the reader is told to release each chunk's pages when the next one is read.
    fn signal_chunks(
        &self,
        block: usize,
        seg: usize,
        stream: usize,
        chunk_size: u64,
        channels: ChannelSelection,
    ) -> Result<SignalChunks<'_, Self>> {
        let size = self.signal_size(block, seg, stream)?;
        self.signal_chunks_in(block, seg, stream, 0..size, chunk_size, channels)
    }

    /// As [`RawIOExt::signal_chunks`], over samples `samples` of the segment only (chunks start
    /// at `samples.start`): for splitting one stream between threads.
    fn signal_chunks_in(
        &self,
        block: usize,
        seg: usize,
        stream: usize,
        samples: Range<u64>,
        chunk_size: u64,
        channels: ChannelSelection,
    ) -> Result<SignalChunks<'_, Self>> {
        if chunk_size == 0 {
            return Err(Error::invalid("chunk_size must be > 0"));
        }
        let range = sample_range(
            self,
            block,
            seg,
            stream,
            Some(samples.start),
            Some(samples.end),
        )?;
        resolve_channels(self.header(), stream, &channels)?;
        Ok(SignalChunks {
            reader: self,
            block,
            seg,
            stream,
            chunk_size,
            channels,
            next: range.start,
            size: range.end,
            behind: None,
        })
    }

    /// Times in seconds of samples `samples` of `stream` on the stream's own clock
    /// ([`Clock::Default`]): stored times for an explicit clock, `t_start + i / rate` otherwise.
    fn signal_times(
        &self,
        block: usize,
        seg: usize,
        stream: usize,
        samples: Range<u64>,
    ) -> Result<SampleTimes<'_>> {
        self.signal_times_on(block, seg, stream, samples, Clock::Default)
    }

    /// Times in seconds of samples `samples` of `stream` on the chosen clock. [`Clock::Explicit`]
    /// is an error on a stream without stored times.
    fn signal_times_on(
        &self,
        block: usize,
        seg: usize,
        stream: usize,
        samples: Range<u64>,
        clock: Clock,
    ) -> Result<SampleTimes<'_>> {
        let range = sample_range(
            self,
            block,
            seg,
            stream,
            Some(samples.start),
            Some(samples.end),
        )?;
        let n = range.end - range.start;
        if resolve_clock(self.header(), stream, clock)? == Clock::Regular {
            return regular_times(self, block, seg, stream, range);
        }
        let times = self.read_signal_times(block, seg, stream, range)?;
        if times.len() as u64 != n {
            return Err(Error::invalid(format!(
                "reader {} returned {} times for {n} samples",
                self.format_id(),
                times.len()
            )));
        }
        Ok(times)
    }

    /// The first sample of `stream` in the segment whose time on `clock` is `>= t` (numpy's
    /// `searchsorted(times, t, "left")`): `0` for a time before the first sample, the stream
    /// size for a time after the last. Exact: a binary search on the stored times for an
    /// explicit clock, the regular formula otherwise (the result agrees with
    /// [`RawIOExt::signal_times_on`] to the bit).
    fn sample_index(
        &self,
        block: usize,
        seg: usize,
        stream: usize,
        t: f64,
        clock: Clock,
    ) -> Result<u64> {
        let n = self.signal_size(block, seg, stream)?;
        if resolve_clock(self.header(), stream, clock)? == Clock::Regular {
            let t0 = self.read_signal_t_start(block, seg, stream)?;
            let rate = self.signal_sampling_rate(stream)?;
            return Ok(first_at_or_after(n, t, |i| regular_time(t0, rate, i)));
        }
        let mut err = None;
        let i = first_at_or_after(n, t, |i| {
            match self.read_signal_times(block, seg, stream, i..i + 1) {
                Ok(v) if v.len() == 1 => v[0],
                Ok(_) | Err(_) => {
                    if err.is_none() {
                        err = Some(Error::invalid(format!(
                            "reader {} cannot read the time of sample {i}",
                            self.format_id()
                        )));
                    }
                    f64::INFINITY
                }
            }
        });
        match err {
            Some(e) => Err(e),
            None => Ok(i),
        }
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
    /// none. The spikes are exactly those of [`RawIOExt::spike_timestamps`] with the same
    /// window.
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

    /// Raw waveforms of the spikes `spikes` of `unit` (indexes into its sorted timestamps,
    /// `0..spike_count`), or `None` when the file has none: for reading the waveforms of a large
    /// unit piece by piece with bounded memory.
    fn spike_raw_waveforms_range(
        &self,
        block: usize,
        seg: usize,
        unit: usize,
        spikes: Range<usize>,
    ) -> Result<Option<RawWaveforms<'_>>> {
        let n = self.spike_count(block, seg, unit)?;
        if spikes.start > spikes.end || spikes.end as u64 > n {
            return Err(Error::out_of_range(
                "spike",
                spikes.end,
                n.saturating_add(1),
            ));
        }
        let want = spikes.len();
        let wf = self.read_spike_waveforms(block, seg, unit, spikes)?;
        if let Some(w) = &wf
            && (w.ndim() != 3 || w.len() != want)
        {
            return Err(Error::invalid(format!(
                "reader {} returned waveforms of shape {:?} for {want} spikes",
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
    /// when their start is inside the window; timestamps, durations and labels are filtered
    /// together.
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

/// `[i_start, i_stop)` checked against the stream size.
fn sample_range<R: RawIO + ?Sized>(
    reader: &R,
    block: usize,
    seg: usize,
    stream: usize,
    i_start: Option<u64>,
    i_stop: Option<u64>,
) -> Result<Range<u64>> {
    let size = reader.signal_size(block, seg, stream)?;
    let start = i_start.unwrap_or(0);
    let stop = i_stop.unwrap_or(size);
    if stop > size {
        return Err(Error::out_of_range("i_stop", stop, size + 1));
    }
    if start > stop {
        return Err(Error::invalid(format!("i_start {start} > i_stop {stop}")));
    }
    Ok(start..stop)
}

/// The concrete clock (`Regular` or `Explicit`) a request on `stream` reads.
fn resolve_clock(header: &Header, stream: usize, clock: Clock) -> Result<Clock> {
    let sc = header.stream(stream)?.clock;
    match clock {
        Clock::Default => Ok(sc.default_clock()),
        Clock::Regular => Ok(Clock::Regular),
        Clock::Explicit if sc.has_explicit_times() => Ok(Clock::Explicit),
        Clock::Explicit => Err(Error::invalid(format!(
            "stream {stream} has a regular clock only; it stores no per-sample times"
        ))),
    }
}

impl<T: RawIO + ?Sized> RawIOExt for T {}

/// Consecutive chunks of one stream segment, from [`RawIOExt::signal_chunks`]. Each item is
/// the sample range and the chunk. When an item is produced, the reader is told to release the
/// previous chunk's pages ([`RawIO::release_signal`]); the last chunk is released when the
/// iterator is dropped. Chunks kept alive by the caller stay valid (released pages are read
/// again on access).
pub struct SignalChunks<'r, R: RawIO + ?Sized> {
    reader: &'r R,
    block: usize,
    seg: usize,
    stream: usize,
    chunk_size: u64,
    channels: ChannelSelection,
    next: u64,
    /// End of the iterated range.
    size: u64,
    behind: Option<Range<u64>>,
}

impl<'r, R: RawIO + ?Sized> SignalChunks<'r, R> {
    fn release_behind(&mut self) {
        if let Some(r) = self.behind.take() {
            self.reader
                .release_signal(self.block, self.seg, self.stream, r);
        }
    }
}

impl<'r, R: RawIO + ?Sized> Iterator for SignalChunks<'r, R> {
    type Item = Result<(Range<u64>, RawChunk<'r>)>;

    fn next(&mut self) -> Option<Self::Item> {
        self.release_behind();
        if self.next >= self.size {
            return None;
        }
        let stop = self.next.saturating_add(self.chunk_size).min(self.size);
        let r = self.next..stop;
        self.next = stop;
        self.behind = Some(r.clone());
        let reader: &'r R = self.reader;
        Some(
            reader
                .analogsignal_chunk(
                    self.block,
                    self.seg,
                    self.stream,
                    Some(r.start),
                    Some(r.end),
                    &self.channels,
                )
                .map(|c| (r, c)),
        )
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self
            .size
            .saturating_sub(self.next)
            .div_ceil(self.chunk_size);
        let left = usize::try_from(left).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}

impl<R: RawIO + ?Sized> Drop for SignalChunks<'_, R> {
    fn drop(&mut self) {
        self.release_behind();
    }
}
