//! [`PlexonReader`]: the [`RawIO`] implementation, and the open pipeline that builds it
//! (each step a function of typed values, unit-tested in its module):
//!
//! 1. *parse* ([`FileHeaders::parse`], pure): the global and channel headers;
//! 2. *index* ([`Index::scan_file`]): one pass over the data blocks into a compact index;
//! 3. *header* (`channels::signals`, `channels::spike_channels`,
//!    `channels::event_channels`): streams, channels, units and event channels, with
//!    annotations derived from the typed headers and index;
//! 4. *segments* (`SegmentPlan::build`): one segment, or one per gap-free run;
//! 5. *annotations* (`annotations::count_mismatches`, `annotations::block_annotations`): the
//!    header's counts checked against the index, the block annotations.

use crate::FORMAT_ID;
use crate::annotations::{block_annotations, count_mismatches};
use crate::channels::{self, StreamInfo, UnitRef};
use crate::header::{FileHeaders, GlobalHeader, HeaderError};
use crate::index::{Index, ScanError};
use crate::read::{RELEASE_AFTER, Span, copy_samples, copy_waveforms};
use crate::segments::{SegInfo, SegmentPlan};
use rawio_core::ndarray::{Array2, Array3, ArrayView1, CowArray};
use rawio_core::{
    Block, ChannelIndexes, Error, Events, Header, MappedFile, RawChunk, RawIO, RawTimestamps,
    RawWaveforms, Result, TimeBase,
};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Options of [`PlexonReader::open_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Drop a truncated final data block (and report it in the block annotations as
    /// `truncated_block`) instead of failing with an error naming its offset.
    pub lenient_truncation: bool,
    /// Make one segment per gap-free run of the slow channels instead of concatenating the
    /// blocks across gaps as neo does.
    pub split_segments_at_gaps: bool,
}

/// A reader of one Plexon `.plx` file (header versions 100–107).
///
/// Opening parses the headers and scans every data block once into a compact index (16 bytes
/// per spike or slow block, 10 per event); reads then touch only the blocks they need, through
/// a memory map whose pages are released as reads go, so memory stays flat on huge files.
#[derive(Debug)]
pub struct PlexonReader {
    file: MappedFile,
    header: Header,
    global: GlobalHeader,
    index: Index,
    time_base: TimeBase,
    streams: Vec<StreamInfo>,
    units: Vec<UnitRef>,
    /// Event slot of each event channel.
    event_slots: Vec<Option<usize>>,
    segments: Vec<SegInfo>,
    touched: AtomicU64,
}

fn corrupt(path: &Path, offset: u64, detail: impl Into<String>) -> Error {
    Error::corrupt(FORMAT_ID, path, offset, detail)
}

/// Step 1, *parse*: the headers of the mapped file.
fn parse_headers(file: &MappedFile) -> Result<FileHeaders> {
    FileHeaders::parse(file.bytes()).map_err(|e| match e {
        HeaderError::UnsupportedVersion(v) => Error::unsupported(
            FORMAT_ID,
            format!(
                "PLX header version {v} in {} (supported: 100 to 107)",
                file.path().display()
            ),
        ),
        e => corrupt(file.path(), e.offset(), e.to_string()),
    })
}

/// Step 2, *index*: scans the data blocks (releasing the mapping behind the scan). A file
/// with data blocks needs a positive `ADFrequency`.
fn index_blocks(
    file: &MappedFile,
    headers: &FileHeaders,
    options: &Options,
) -> Result<(Index, crate::index::HeaderSlots)> {
    let path = file.path();
    let release = |o, l| file.release(o, l);
    let (index, slots) =
        Index::scan_file(file.bytes(), headers, options.lenient_truncation, &release)
            .map_err(|e| scan_error(path, e))?;
    let ad_frequency = headers.global.ad_frequency;
    if ad_frequency <= 0 && index.n_blocks > 0 {
        return Err(corrupt(
            path,
            136,
            format!(
                "ADFrequency is {ad_frequency} but the file has {} timestamped data blocks",
                index.n_blocks
            ),
        ));
    }
    Ok((index, slots))
}

fn scan_error(path: &Path, e: ScanError) -> Error {
    match e {
        ScanError::Truncated(t) => corrupt(
            path,
            t.offset,
            format!(
                "truncated data block: it needs {} bytes but only {} remain (open with Options \
                 {{ lenient_truncation: true, .. }} to drop it)",
                t.needed, t.available
            ),
        ),
        ScanError::UnknownType { offset, kind } => {
            corrupt(path, offset, format!("data block of unknown type {kind}"))
        }
        ScanError::UnknownChannel {
            offset,
            kind,
            channel,
        } => corrupt(
            path,
            offset,
            format!("data block of type {kind} for channel {channel}, which has no channel header"),
        ),
    }
}

impl PlexonReader {
    /// Opens `path` with the default [`Options`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, &Options::default())
    }

    /// Opens `path`: parses the headers and indexes every data block.
    pub fn open_with(path: impl AsRef<Path>, options: &Options) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = MappedFile::open(&path)?;
        let headers = parse_headers(&file)?;
        let (index, slots) = index_blocks(&file, &headers, options)?;
        let signals = channels::signals(&headers, &index, &slots.slows, &path)?;
        let (spike_channels, units) = channels::spike_channels(&headers, &index, &slots.dsp);
        let event_channels = channels::event_channels(&headers);
        let plan = SegmentPlan {
            global: &headers.global,
            index: &index,
            streams: &signals.streams,
            stream_ids: signals
                .signal_streams
                .iter()
                .map(|s| s.id.as_str())
                .collect(),
            units: &units,
            event_slots: &slots.events,
        };
        let (segments, seg_infos) = plan.build(options.split_segments_at_gaps, &path)?;
        let slow_counts: Vec<(i32, u64)> = signals
            .channels
            .iter()
            .map(|c| (headers.slows[c.header].channel, index.slows[c.slot].total))
            .collect();
        let counts = count_mismatches(&headers, &index, &units, &slots.events, &slow_counts);
        let annotations = block_annotations(&headers, &index, &counts, &signals.duplicates, &path);
        let header = Header {
            blocks: vec![Block {
                segments,
                annotations,
            }],
            signal_buffers: Vec::new(),
            signal_streams: signals.signal_streams,
            signal_channels: signals.signal_channels,
            spike_channels,
            event_channels,
        };
        header.validate()?;
        let ad_frequency = headers.global.ad_frequency;
        Ok(PlexonReader {
            file,
            header,
            global: headers.global,
            index,
            time_base: TimeBase::rate(if ad_frequency > 0 {
                f64::from(ad_frequency)
            } else {
                1.0
            }),
            streams: signals.streams,
            units,
            event_slots: slots.events,
            segments: seg_infos,
            touched: AtomicU64::new(0),
        })
    }

    /// The parsed global header.
    pub fn global_header(&self) -> &GlobalHeader {
        &self.global
    }

    /// Heap bytes used by the block index (the per-block arrays).
    pub fn index_heap_bytes(&self) -> u64 {
        self.index.heap_bytes()
    }

    /// Number of data blocks indexed.
    pub fn block_count_in_file(&self) -> u64 {
        self.index.n_blocks
    }

    /// Releases mapped pages once enough have been touched, to keep memory flat.
    fn account(&self, span: u64) {
        if span == 0 {
            return;
        }
        let t = self.touched.fetch_add(span, Ordering::Relaxed) + span;
        if t >= RELEASE_AFTER {
            self.touched.store(0, Ordering::Relaxed);
            self.file.release(0, self.file.len());
        }
    }
}

impl RawIO for PlexonReader {
    fn format_id(&self) -> &'static str {
        FORMAT_ID
    }

    fn source_name(&self) -> String {
        self.file.path().display().to_string()
    }

    fn header(&self) -> &Header {
        &self.header
    }

    fn read_signal_size(&self, _block: usize, seg: usize, stream: usize) -> Result<u64> {
        let seg = self.seg(seg)?;
        let slot = self.stream_slot(stream, 0)?;
        Ok(seg.slow.get(slot).map_or(0, |r| r.end - r.start))
    }

    fn read_signal_t_start(&self, _block: usize, seg: usize, stream: usize) -> Result<f64> {
        self.seg(seg)?
            .stream_t_start
            .get(stream)
            .copied()
            .ok_or_else(|| Error::out_of_range("stream", stream, self.streams.len()))
    }

    fn read_signal_chunk(
        &self,
        _block: usize,
        seg: usize,
        stream: usize,
        samples: Range<u64>,
        channels: &ChannelIndexes,
    ) -> Result<RawChunk<'_>> {
        let seg = self.seg(seg)?;
        let sel = channels.to_vec();
        let rows = usize::try_from(samples.end - samples.start)
            .map_err(|_| Error::invalid("chunk too large"))?;
        let cols = sel.len();
        let total = rows
            .checked_mul(cols)
            .filter(|&t| t <= isize::MAX as usize / 2)
            .ok_or_else(|| Error::invalid("chunk too large"))?;
        let mut out = vec![0i16; total];
        let mut span = Span::default();
        for (col, &local) in sel.iter().enumerate() {
            let slot = self.stream_slot(stream, local)?;
            let base = seg.slow.get(slot).map_or(0, |r| r.start);
            let si = &self.index.slows[slot];
            let s = copy_samples(
                &self.file,
                si,
                base + samples.start,
                rows,
                (&mut out, cols, col),
            )?;
            span.add(s.start, s.end);
        }
        self.account(span.len());
        let arr =
            Array2::from_shape_vec((rows, cols), out).map_err(|e| Error::invalid(e.to_string()))?;
        Ok(RawChunk::new(arr))
    }

    fn read_spike_count(&self, _block: usize, seg: usize, unit: usize) -> Result<u64> {
        Ok(self
            .seg(seg)?
            .spikes
            .get(unit)
            .map_or(0, |r| r.len() as u64))
    }

    fn spike_time_base(&self) -> TimeBase {
        self.time_base
    }

    fn read_spike_timestamps(
        &self,
        _block: usize,
        seg: usize,
        unit: usize,
    ) -> Result<RawTimestamps<'_>> {
        let (u, range) = self.unit(seg, unit)?;
        let ts = u.timestamps.get(range).unwrap_or(&[]);
        Ok(RawTimestamps::new(CowArray::from(ArrayView1::from(ts))))
    }

    fn read_spike_waveforms(
        &self,
        _block: usize,
        seg: usize,
        unit: usize,
        spikes: Range<usize>,
    ) -> Result<Option<RawWaveforms<'_>>> {
        let (u, range) = self.unit(seg, unit)?;
        let slot = self
            .units
            .get(unit)
            .ok_or_else(|| Error::out_of_range("spike channel", unit, self.units.len()))?
            .slot;
        let ch = &self.index.spikes[slot];
        if let Some(off) = ch.wf_shape_mismatch {
            return Err(corrupt(
                self.file.path(),
                off,
                "waveform shapes (NumberOfWaveforms x NumberOfWordsInWaveform) differ between \
                 the blocks of this channel",
            ));
        }
        let (nwf, nw) = ch.wf_shape.unwrap_or((0, 0));
        let (nwf, nw) = (usize::from(nwf), usize::from(nw));
        let start = range.start.saturating_add(spikes.start).min(range.end);
        let end = range.start.saturating_add(spikes.end).min(range.end);
        let offsets = u.offsets.get(start..end).unwrap_or(&[]);
        let n = offsets.len();
        let (out, span) = copy_waveforms(&self.file, offsets, nwf * nw)?;
        self.account(span.len());
        let arr =
            Array3::from_shape_vec((n, nwf, nw), out).map_err(|e| Error::invalid(e.to_string()))?;
        Ok(Some(RawWaveforms::new(arr)))
    }

    fn read_event_count(&self, _block: usize, seg: usize, ev: usize) -> Result<u64> {
        Ok(self.seg(seg)?.events.get(ev).map_or(0, |r| r.len() as u64))
    }

    fn event_time_base(&self, _ev: usize) -> TimeBase {
        self.time_base
    }

    fn read_events(&self, _block: usize, seg: usize, ev: usize) -> Result<Events<'_>> {
        let range = self.seg(seg)?.events.get(ev).cloned().unwrap_or(0..0);
        let idx = self
            .event_slots
            .get(ev)
            .copied()
            .flatten()
            .and_then(|s| self.index.events.get(s));
        let (ts, labels): (&[u64], &[u16]) = match idx {
            Some(e) => (
                e.timestamps.get(range.clone()).unwrap_or(&[]),
                e.labels.get(range).unwrap_or(&[]),
            ),
            None => (&[], &[]),
        };
        Ok(Events {
            timestamps: RawTimestamps::new(CowArray::from(ArrayView1::from(ts))),
            durations: None,
            labels: labels.iter().map(|l| l.to_string()).collect(),
        })
    }
}

impl PlexonReader {
    fn seg(&self, seg: usize) -> Result<&SegInfo> {
        self.segments
            .get(seg)
            .ok_or_else(|| Error::out_of_range("segment", seg, self.segments.len()))
    }

    fn stream_slot(&self, stream: usize, local: usize) -> Result<usize> {
        self.streams
            .get(stream)
            .and_then(|s| s.slots.get(local).copied())
            .ok_or_else(|| Error::out_of_range("channel index", local, 0))
    }

    fn unit(&self, seg: usize, unit: usize) -> Result<(&crate::index::UnitIndex, Range<usize>)> {
        let range = self
            .seg(seg)?
            .spikes
            .get(unit)
            .cloned()
            .ok_or_else(|| Error::out_of_range("spike channel", unit, self.units.len()))?;
        let &UnitRef { slot, pos, .. } = self
            .units
            .get(unit)
            .ok_or_else(|| Error::out_of_range("spike channel", unit, self.units.len()))?;
        let u = self
            .index
            .spikes
            .get(slot)
            .and_then(|c| c.units.get(pos))
            .ok_or_else(|| Error::out_of_range("spike channel", unit, self.units.len()))?;
        Ok((u, range))
    }

    /// The path the reader was opened on.
    pub fn path(&self) -> PathBuf {
        self.file.path().to_path_buf()
    }
}
