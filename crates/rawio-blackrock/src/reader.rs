//! [`BlackrockReader`]: opening as a pipeline of small steps, and the [`RawIO`] implementation.

use crate::build::{self, WaveformLayout};
use crate::files::{self, FMT, FileSet, NevFile, NsxData, NsxFile};
use crate::nev_header::{NevSpec, decode_comment, decode_non_neural};
use crate::nev_index::{EventSource, event_sources};
use crate::nsx_header::NsxSpec;
use crate::nsx_index::{BlockIndex, PTP_PACKET_HEADER, PtpIndex, Run};
use crate::segments::{self, NevIndex, SegPlan};
use rawio_core::ndarray::{Array1, Array2, Array3, CowArray};
use rawio_core::serde_json::json;
use rawio_core::{
    Annotations, ChannelIndexes, Dtype, Error, Events, Header, InterleavedLayout, RawChunk, RawIO,
    RawTimestamps, RawWaveforms, Result, Sample, SampleTimes, TimeBase,
};
use std::ops::Range;
use std::path::Path;

/// Options of [`BlackrockReader::open_with`].
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Load only this `.nsX` file (1–6), as neo's `nsx_to_load=X`; `None` loads every nsX of
    /// the recording (one stream each).
    pub nsx: Option<u8>,
    /// PTP (spec 3.0 nanosecond) files: consecutive samples further apart than this many
    /// milliseconds start a new segment; smaller gaps (jitter, dropped samples) do not, and
    /// the per-sample timestamps keep them exact. Default 10 ms. (neo raises on any gap unless
    /// given a tolerance.)
    pub ptp_gap_tolerance_ms: f64,
    /// Read the NEV packets (spikes and events). `false` opens only the signals, faster (neo's
    /// `load_nev=False`); the NEV header is still read for the gains of spec 2.1 NSx files.
    pub load_nev: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            nsx: None,
            ptp_gap_tolerance_ms: 10.0,
            load_nev: true,
        }
    }
}

impl Options {
    /// The PTP tolerance in nanoseconds.
    pub(crate) fn ptp_tolerance_ns(&self) -> u64 {
        let ns = (self.ptp_gap_tolerance_ms * 1e6).round();
        if ns.is_finite() && ns >= 0.0 {
            ns as u64
        } else {
            10_000_000
        }
    }
}

/// A reader of one Blackrock recording: every `.nsX` of a stem (one signal stream each, id
/// `"X"`, name `"nsxX"`) and its `.nev` (spikes per electrode and unit class, digital, serial
/// and comment events).
///
/// Opening indexes everything once: per NSx data block its offset, timestamp and sample count
/// (32 bytes), per PTP file its runs and gaps (never per-sample objects), per spike its
/// timestamp and packet number (4 or 8 bytes each). Signals are read through memory maps; a
/// chunk inside one data block is decoded straight from the map (a zero-copy view where the
/// samples are aligned, as in spec 2.1 files; data blocks of 2.2+ files start at odd offsets,
/// so their samples are decoded into a new array).
#[derive(Debug)]
pub struct BlackrockReader {
    source: String,
    files: FileSet,
    nsx: Vec<NsxFile>,
    nev: Option<NevFile>,
    nev_index: Option<NevIndex>,
    waveforms: Vec<Option<WaveformLayout>>,
    sources: Vec<EventSource>,
    segments: Vec<SegPlan>,
    header: Header,
    time_base: TimeBase,
}

impl BlackrockReader {
    /// Opens the recording at `path` (a stem, an `.nsX` or a `.nev`) with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, &Options::default())
    }

    /// Opens the recording at `path`: discovers the files, parses their headers, indexes the
    /// NSx data blocks and the NEV packets, pairs the runs into segments, assigns the NEV
    /// packets to segments by time and builds the header.
    pub fn open_with(path: impl AsRef<Path>, options: &Options) -> Result<Self> {
        let path = path.as_ref();
        if !(options.ptp_gap_tolerance_ms >= 0.0 && options.ptp_gap_tolerance_ms.is_finite()) {
            return Err(Error::invalid(format!(
                "ptp_gap_tolerance_ms must be a finite value >= 0, got {}",
                options.ptp_gap_tolerance_ms
            )));
        }
        let files = files::discover(path, options)?;
        let mut nsx = files
            .nsx
            .iter()
            .map(|(n, p)| files::open_nsx(*n, p, options))
            .collect::<Result<Vec<_>>>()?;
        let (mut nev, nev_note) = open_nev_step(&files, &nsx, options)?;
        let without_channels: Vec<u8> = nsx
            .iter()
            .filter(|f| f.channels.is_empty())
            .map(|f| f.number)
            .collect();
        nsx.retain(|f| !f.channels.is_empty());
        let streams: Vec<&NsxFile> = nsx.iter().collect();
        let mut segs = segments::plan_segments(&streams);
        let (nev_index, sources, res) = match nev.as_mut() {
            Some(n) => {
                let res = n.basic.timestamp_resolution;
                let wav = build::waveform_infos(&n.ext);
                let index = n.scan.as_mut().map(|scan| {
                    let units = std::mem::take(&mut scan.units);
                    let events = std::mem::take(&mut scan.events);
                    segments::attach_nev(units, events, &wav, &mut segs, res)
                });
                let sources = if index.is_some() {
                    event_sources(n.basic.spec)
                } else {
                    Vec::new()
                };
                (index, sources, res)
            }
            None => (None, Vec::new(), crate::nsx_header::BASE_RATE),
        };
        if segs.is_empty() {
            segs.push(SegPlan::empty());
        }
        for s in &mut segs {
            s.parts.resize(nsx.len(), None);
        }
        segments::finish_bounds(&mut segs, 1.0 / f64::from(res));
        let mut reader = BlackrockReader {
            source: files.stem.display().to_string(),
            files,
            nsx,
            nev,
            nev_index,
            waveforms: Vec::new(),
            sources,
            segments: segs,
            header: Header::default(),
            time_base: TimeBase::rate(f64::from(res)),
        };
        reader.build_header(nev_note, &without_channels);
        reader.header.validate()?;
        Ok(reader)
    }

    fn build_header(&mut self, nev_note: Option<String>, without_channels: &[u8]) {
        let dig = self.nev.as_ref().map(|n| build::digitization(&n.ext));
        let mut h = Header::default();
        for f in &self.nsx {
            let (buf, stream, chans) = build::stream_of(f, dig.as_ref());
            h.signal_buffers.push(buf);
            h.signal_streams.push(stream);
            h.signal_channels.extend(chans);
        }
        let mut ann = Annotations::new();
        ann.insert("name".into(), json!("Blackrock Data Block"));
        ann.insert("file_origin".into(), json!(self.source));
        ann.insert("avail_nsx".into(), json!(self.files.available_nsx));
        ann.insert("avail_nev".into(), json!(self.files.nev.is_some()));
        if !without_channels.is_empty() {
            ann.insert("nsx_without_channels".into(), json!(without_channels));
        }
        if let Some(note) = nev_note {
            ann.insert("nev_note".into(), json!(note));
        }
        if let Some(nev) = &self.nev {
            build::nev_annotations(nev, &mut ann);
            if let Some(idx) = &self.nev_index {
                let (units, layouts) = build::spike_channels(nev, &idx.units);
                h.spike_channels = units;
                self.waveforms = layouts;
                h.event_channels = build::event_channels(nev, &self.sources);
            }
        }
        if !ann.contains_key("rec_datetime")
            && let Some(t) = self.nsx.first().and_then(|f| f.basic.time_origin)
        {
            ann.insert("rec_datetime".into(), json!(build::iso_datetime(&t)));
        }
        h.blocks = vec![build::block(&self.segments, ann)];
        self.header = h;
    }

    /// The stem of the recording.
    pub fn stem(&self) -> &Path {
        &self.files.stem
    }

    /// The `.nsX` numbers of the streams, in stream order.
    pub fn nsx_numbers(&self) -> Vec<u8> {
        self.nsx.iter().map(|f| f.number).collect()
    }

    /// Bytes of the indexes kept in memory (data blocks, spike and event arrays).
    pub fn index_heap_bytes(&self) -> usize {
        let blocks: usize = self
            .nsx
            .iter()
            .map(|f| match &f.data {
                NsxData::Blocks(b) => b.blocks.capacity() * 24 + b.cum.capacity() * 8,
                NsxData::Ptp(p) => p.runs.capacity() * 40,
            })
            .sum();
        let nev = self
            .nev_index
            .as_ref()
            .map_or(0, |i| i.spikes.heap_bytes() + i.events.heap_bytes());
        blocks + nev
    }

    /// Exact PTP timestamps (nanoseconds since the Unix epoch) of samples `samples` of a PTP
    /// stream in segment `seg`. Seconds as f64 ([`rawio_core::RawIOExt::signal_times`]) are
    /// within 2.4e-7 s of these at present dates; these are the file's values.
    pub fn ptp_timestamps_ns(
        &self,
        seg: usize,
        stream: usize,
        samples: Range<u64>,
    ) -> Result<Vec<u64>> {
        let (f, run) = self.part(seg, stream)?;
        let NsxData::Ptp(p) = &f.data else {
            return Err(Error::invalid(format!(
                "stream {stream} is not a PTP stream"
            )));
        };
        let n = run.samples.end - run.samples.start;
        if samples.start > samples.end || samples.end > n {
            return Err(Error::out_of_range("sample", samples.end, n + 1));
        }
        (samples.start..samples.end)
            .map(|i| {
                f.ptp_timestamp(p, run.samples.start + i).ok_or_else(|| {
                    Error::corrupt(
                        FMT,
                        &f.path,
                        p.packet_offset(run.samples.start + i),
                        "PTP packet out of the file",
                    )
                })
            })
            .collect()
    }

    fn file(&self, stream: usize) -> Result<&NsxFile> {
        self.nsx
            .get(stream)
            .ok_or_else(|| Error::out_of_range("stream", stream, self.nsx.len()))
    }

    fn run(&self, seg: usize, stream: usize) -> Result<Option<(&NsxFile, &Run)>> {
        let f = self.file(stream)?;
        let s = self
            .segments
            .get(seg)
            .ok_or_else(|| Error::out_of_range("segment", seg, self.segments.len()))?;
        Ok(s.parts
            .get(stream)
            .copied()
            .flatten()
            .and_then(|r| f.runs.get(r))
            .map(|r| (f, r)))
    }

    fn part(&self, seg: usize, stream: usize) -> Result<(&NsxFile, &Run)> {
        self.run(seg, stream)?.ok_or_else(|| {
            Error::invalid(format!("stream {stream} has no samples in segment {seg}"))
        })
    }

    fn nev_parts(&self) -> Result<(&NevFile, &NevIndex)> {
        self.nev
            .as_ref()
            .zip(self.nev_index.as_ref())
            .ok_or_else(|| Error::invalid("the recording has no NEV packets"))
    }

    /// The bytes of NEV packet `pkt`.
    fn packet<'n>(&self, nev: &'n NevFile, pkt: u64) -> Result<&'n [u8]> {
        let size = nev.basic.packet_size;
        let at = pkt
            .checked_mul(size)
            .and_then(|o| o.checked_add(nev.basic.bytes_in_headers))
            .ok_or_else(|| Error::corrupt(FMT, &nev.path, 0, "packet offset overflows"))?;
        nev.map.range(FMT, at, size)
    }
}

/// Opens the NEV when present: fully when `load_nev`, header only when skipped but a spec 2.1
/// NSx needs its digitization factors (a bad header is then a note, not an error).
fn open_nev_step(
    files: &FileSet,
    nsx: &[NsxFile],
    options: &Options,
) -> Result<(Option<NevFile>, Option<String>)> {
    let Some(p) = &files.nev else {
        return Ok((None, None));
    };
    if options.load_nev {
        return Ok((Some(files::open_nev(p, true)?), None));
    }
    if !nsx.iter().any(|f| f.basic.spec == NsxSpec::V21) {
        return Ok((None, Some("NEV not read (load_nev: false)".into())));
    }
    match files::open_nev(p, false) {
        Ok(n) => Ok((
            Some(n),
            Some(
                "NEV packets not read (load_nev: false); its header gives the spec 2.1 gains"
                    .into(),
            ),
        )),
        Err(e) => Ok((
            None,
            Some(format!("NEV header unreadable, spec 2.1 gains are 1: {e}")),
        )),
    }
}

/// Decodes `rows` frames of little-endian int16 (frame `r` starts at byte `r * stride` of
/// `bytes`) into `out` (row-major, one column per selected channel). Whole frames are one
/// copy; a channel range is one copy per frame. `None` when `bytes` is too short.
fn decode_rows(
    bytes: &[u8],
    stride: usize,
    rows: usize,
    channels: &ChannelIndexes,
    out: &mut [i16],
) -> Option<()> {
    let n = channels.len();
    if n == 0 || rows == 0 {
        return Some(());
    }
    let out = out.get_mut(..rows.checked_mul(n)?)?;
    match channels {
        ChannelIndexes::Range(r) => {
            let (a, b) = (2 * r.start, 2 * r.end);
            if a == 0 && b == stride {
                let src = bytes.get(..rows.checked_mul(stride)?)?;
                bytemuck::cast_slice_mut::<i16, u8>(out).copy_from_slice(src);
            } else {
                for (row, dst) in out.chunks_exact_mut(n).enumerate() {
                    let s = row.checked_mul(stride)?;
                    let src = bytes.get(s.checked_add(a)?..s.checked_add(b)?)?;
                    bytemuck::cast_slice_mut::<i16, u8>(dst).copy_from_slice(src);
                }
            }
            if cfg!(target_endian = "big") {
                out.iter_mut().for_each(|v| *v = i16::from_le(*v));
            }
        }
        ChannelIndexes::List(list) => {
            for (row, dst) in out.chunks_exact_mut(n).enumerate() {
                let s = row.checked_mul(stride)?;
                for (d, &c) in dst.iter_mut().zip(list) {
                    let at = s.checked_add(2 * c)?;
                    let v = bytes.get(at..at.checked_add(2)?)?;
                    *d = i16::from_le_bytes([v[0], v[1]]);
                }
            }
        }
    }
    Some(())
}

fn chunk_from<'b>(rows: usize, cols: usize, data: Vec<i16>) -> Result<RawChunk<'b>> {
    Array2::from_shape_vec((rows, cols), data)
        .map(|a| RawChunk::new(CowArray::from(a)))
        .map_err(|e| Error::invalid(e.to_string()))
}

fn alloc_chunk(rows: u64, cols: usize) -> Result<(usize, Vec<i16>)> {
    let rows = usize::try_from(rows).map_err(|_| Error::invalid("chunk too large"))?;
    let len = rows
        .checked_mul(cols)
        .ok_or_else(|| Error::invalid("chunk too large"))?;
    Ok((rows, vec![0i16; len]))
}

/// Samples `g` (global sample numbers of a block index) of `channels`: a zero-copy view when
/// they lie in one block whose samples are aligned (spec 2.1), else decoded from the map in
/// one pass, across blocks when needed.
fn read_blocks<'a>(
    f: &'a NsxFile,
    idx: &BlockIndex,
    g: Range<u64>,
    channels: &ChannelIndexes,
) -> Result<RawChunk<'a>> {
    let k = idx.block_of(g.start);
    if let (Some(b), Some(&first)) = (idx.blocks.get(k), idx.cum.get(k))
        && g.end <= first + b.n_samples
        && b.data_offset % 2 == 0
        && cfg!(target_endian = "little")
    {
        let layout = InterleavedLayout {
            data_offset: b.data_offset,
            n_channels: f.channel_count(),
            n_frames: b.n_samples,
        };
        return layout.read::<i16>(&f.map, FMT, g.start - first..g.end - first, channels);
    }
    let n = channels.len();
    let (rows, mut out) = alloc_chunk(g.end - g.start, n)?;
    let frame = 2 * f.channel_count();
    let stride = usize::try_from(frame).map_err(|_| Error::invalid("frame too large"))?;
    let mut at = g.start;
    let mut row = 0usize;
    while at < g.end {
        let k = idx.block_of(at);
        let (Some(b), Some(&first)) = (idx.blocks.get(k), idx.cum.get(k)) else {
            return Err(Error::invalid(format!(
                "sample {at} is outside the data blocks"
            )));
        };
        let stop = g.end.min(first + b.n_samples);
        if stop <= at {
            return Err(Error::invalid(format!(
                "sample {at} is outside the data blocks"
            )));
        }
        let m = stop - at;
        let bytes = f
            .map
            .range(FMT, b.data_offset + (at - first) * frame, m * frame)?;
        let m = usize::try_from(m).map_err(|_| Error::invalid("chunk too large"))?;
        decode_rows(
            bytes,
            stride,
            m,
            channels,
            out.get_mut(row * n..).unwrap_or(&mut []),
        )
        .ok_or_else(|| {
            Error::corrupt(
                FMT,
                &f.path,
                b.data_offset,
                "data block shorter than its frames",
            )
        })?;
        row += m;
        at = stop;
    }
    chunk_from(rows, n, out)
}

/// Samples `g` of `channels` from the PTP packets (strided: always a copy).
fn read_ptp<'b>(
    f: &NsxFile,
    p: &PtpIndex,
    g: Range<u64>,
    channels: &ChannelIndexes,
) -> Result<RawChunk<'b>> {
    let n = channels.len();
    let (rows, mut out) = alloc_chunk(g.end - g.start, n)?;
    if rows > 0 {
        let len = (g.end - g.start - 1) * p.stride + (p.stride - PTP_PACKET_HEADER);
        let bytes = f
            .map
            .range(FMT, p.packet_offset(g.start) + PTP_PACKET_HEADER, len)?;
        let stride = usize::try_from(p.stride).map_err(|_| Error::invalid("packet too large"))?;
        decode_rows(bytes, stride, rows, channels, &mut out).ok_or_else(|| {
            Error::corrupt(
                FMT,
                &f.path,
                p.packet_offset(g.start),
                "PTP packets end early",
            )
        })?;
    }
    chunk_from(rows, n, out)
}

fn decode_waveforms<'b, T: Sample>(
    reader: &BlackrockReader,
    nev: &NevFile,
    pkts: &[u64],
    l: &WaveformLayout,
) -> Result<RawWaveforms<'b>> {
    let n = usize::try_from(l.n_samples).map_err(|_| Error::invalid("waveform too long"))?;
    let size = std::mem::size_of::<T>();
    let mut out = Array3::<T>::default((pkts.len(), 1, n));
    for (k, &p) in pkts.iter().enumerate() {
        let packet = reader.packet(nev, p)?;
        let start = usize::try_from(l.offset).unwrap_or(usize::MAX);
        let wf = packet.get(start..).unwrap_or(&[]);
        for (i, c) in wf.chunks_exact(size).take(n).enumerate() {
            out[[k, 0, i]] = T::from_le_slice(c);
        }
    }
    Ok(RawWaveforms::new(CowArray::from(out)))
}

impl RawIO for BlackrockReader {
    fn format_id(&self) -> &'static str {
        FMT
    }

    fn source_name(&self) -> String {
        self.source.clone()
    }

    fn header(&self) -> &Header {
        &self.header
    }

    fn read_signal_size(&self, _block: usize, seg: usize, stream: usize) -> Result<u64> {
        Ok(self
            .run(seg, stream)?
            .map_or(0, |(_, r)| r.samples.end - r.samples.start))
    }

    fn read_signal_t_start(&self, _block: usize, seg: usize, stream: usize) -> Result<f64> {
        match self.run(seg, stream)? {
            Some((f, r)) => Ok(f.run_t_start(r)),
            None => self.header.segment(0, seg).map(|s| s.t_start),
        }
    }

    fn read_signal_chunk(
        &self,
        _block: usize,
        seg: usize,
        stream: usize,
        samples: Range<u64>,
        channels: &ChannelIndexes,
    ) -> Result<RawChunk<'_>> {
        let Some((f, run)) = self.run(seg, stream)? else {
            let cols = channels.len();
            return Ok(RawChunk::new(CowArray::from(Array2::<i16>::zeros((
                0, cols,
            )))));
        };
        let g = run.samples.start + samples.start..run.samples.start + samples.end;
        let (chunk, stride) = match &f.data {
            NsxData::Blocks(idx) => (
                read_blocks(f, idx, g.clone(), channels)?,
                2 * f.channel_count(),
            ),
            NsxData::Ptp(p) => (read_ptp(f, p, g.clone(), channels)?, p.stride),
        };
        // released pages are read again from the page cache if a view still uses them
        f.touched
            .account(&f.map, (g.end - g.start).saturating_mul(stride));
        Ok(chunk)
    }

    fn read_signal_times(
        &self,
        _block: usize,
        seg: usize,
        stream: usize,
        samples: Range<u64>,
    ) -> Result<SampleTimes<'_>> {
        let ns = self.ptp_timestamps_ns(seg, stream, samples)?;
        let res = self.file(stream)?.basic.timestamp_resolution;
        Ok(CowArray::from(Array1::from_iter(
            ns.into_iter().map(|t| t as f64 / f64::from(res)),
        )))
    }

    /// A segment lying in one data block of a 2.2+/3.0 file is plain interleaved int16 frames
    /// (neo maps it with `np.memmap` too); PTP packets carry a timestamp per sample and are not.
    /// The first block of a file starts at an odd offset (a 9-byte block header after an even
    /// header): described all the same, as the description makes no alignment promise.
    fn read_buffer_description(
        &self,
        _block: usize,
        seg: usize,
        stream: usize,
    ) -> Option<rawio_core::BufferDescription> {
        let (f, run) = self.run(seg, stream).ok()??;
        let NsxData::Blocks(idx) = &f.data else {
            return None;
        };
        let k = idx.block_of(run.samples.start);
        let (b, &first) = (idx.blocks.get(k)?, idx.cum.get(k)?);
        let frame = 2 * f.channel_count();
        let in_block = run.samples.start >= first && run.samples.end <= first + b.n_samples;
        if !in_block || cfg!(target_endian = "big") {
            return None;
        }
        let layout = InterleavedLayout {
            data_offset: b.data_offset + (run.samples.start - first) * frame,
            n_channels: f.channel_count(),
            n_frames: run.samples.end - run.samples.start,
        };
        Some(layout.describe(&f.path, rawio_core::Dtype::Int16))
    }

    fn release_signal(&self, _block: usize, seg: usize, stream: usize, samples: Range<u64>) {
        let Ok(Some((f, run))) = self.run(seg, stream) else {
            return;
        };
        let g0 = run.samples.start + samples.start;
        let g1 = run.samples.start + samples.end;
        match &f.data {
            NsxData::Blocks(idx) => {
                let (k0, k1) = (idx.block_of(g0), idx.block_of(g1.saturating_sub(1)));
                let frame = 2 * f.channel_count();
                let at = |k: usize, g: u64| {
                    idx.blocks.get(k).zip(idx.cum.get(k)).map(|(b, &c)| {
                        b.data_offset + (g.saturating_sub(c)).min(b.n_samples) * frame
                    })
                };
                if let (Some(a), Some(b)) = (at(k0, g0), at(k1, g1)) {
                    f.map.release(a, b.saturating_sub(a));
                }
            }
            NsxData::Ptp(p) => {
                let a = p.packet_offset(g0);
                f.map.release(a, p.packet_offset(g1).saturating_sub(a));
            }
        }
    }

    fn read_spike_count(&self, _block: usize, seg: usize, unit: usize) -> Result<u64> {
        let (_, idx) = self.nev_parts()?;
        Ok(idx.spikes.range(unit, seg).len() as u64)
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
        let (_, idx) = self.nev_parts()?;
        Ok(idx.spikes.ts_view(unit, seg))
    }

    fn read_spike_waveforms(
        &self,
        _block: usize,
        seg: usize,
        unit: usize,
        spikes: Range<usize>,
    ) -> Result<Option<RawWaveforms<'_>>> {
        let (nev, idx) = self.nev_parts()?;
        let Some(Some(layout)) = self.waveforms.get(unit) else {
            return Ok(None);
        };
        let r = idx.spikes.range(unit, seg);
        let lo = (r.start + spikes.start).min(r.end);
        let hi = (r.start + spikes.end).min(r.end).max(lo);
        let pkts: Vec<u64> = (lo..hi).filter_map(|k| idx.spikes.pkt(unit, k)).collect();
        nev.touched.account(
            &nev.map,
            (pkts.len() as u64).saturating_mul(nev.basic.packet_size),
        );
        let wf = match layout.dtype {
            Dtype::Int8 => decode_waveforms::<i8>(self, nev, &pkts, layout)?,
            Dtype::Int32 => decode_waveforms::<i32>(self, nev, &pkts, layout)?,
            _ => decode_waveforms::<i16>(self, nev, &pkts, layout)?,
        };
        Ok(Some(wf))
    }

    fn read_event_count(&self, _block: usize, seg: usize, ev: usize) -> Result<u64> {
        let (_, idx) = self.nev_parts()?;
        Ok(idx.events.range(ev, seg).len() as u64)
    }

    fn event_time_base(&self, _ev: usize) -> TimeBase {
        self.time_base
    }

    fn read_events(&self, _block: usize, seg: usize, ev: usize) -> Result<Events<'_>> {
        let (nev, idx) = self.nev_parts()?;
        let src = self
            .sources
            .get(ev)
            .copied()
            .ok_or_else(|| Error::out_of_range("event channel", ev, self.sources.len()))?;
        let r = idx.events.range(ev, seg);
        let spec = nev.basic.spec;
        let labels = r
            .clone()
            .map(|k| {
                let pkt = idx.events.pkt(ev, k).unwrap_or(u64::MAX);
                self.packet(nev, pkt).map(|b| label_of(src, spec, b))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Events {
            timestamps: idx.events.ts_view(ev, seg),
            durations: None,
            labels,
        })
    }
}

/// neo's label of an event: the digital input word, the analog value, or the comment text.
fn label_of(src: EventSource, spec: NevSpec, packet: &[u8]) -> String {
    match src {
        EventSource::Comments => decode_comment(packet, spec).text,
        EventSource::Analog(k) => {
            let a = decode_non_neural(packet, spec).analog;
            a.get(usize::from(k).saturating_sub(1))
                .copied()
                .unwrap_or(0)
                .to_string()
        }
        _ => decode_non_neural(packet, spec).digital_input.to_string(),
    }
}
