//! [`LegacyReader`]: the legacy Open Ephys format (one `.continuous` file per channel,
//! `.events`, `.spikes`), of GUI 0.2 to 0.6.
//!
//! Opening is a pipeline of named steps: **discover** the node folders and their files
//! ([`discover`]), **parse** every file's header and **index** its records into runs
//! ([`index`]), define the **streams** (CH / AUX / ADC per processor), then the **segments**
//! (one per start number `_N`: channels aligned on a common window, gaps found) with their
//! spikes and events, and the **header**.

mod discover;
pub(crate) mod index;
pub(crate) mod records;

use discover::NodeFiles;
use index::{RecordIndex, Run};
use records::SpikeRecords;

use crate::legacy_format::{
    CONTINUOUS_RECORD_BYTES as REC, ChannelKind, ContinuousName, ContinuousRecord, EventRecord,
    LegacyHeader, SAMPLES_PER_RECORD as N, SpikeLayout, decode_samples,
};
use rawio_core::ndarray::{Array1, Array2, Array3, ArrayView1, CowArray, ShapeBuilder};
use rawio_core::{
    Annotations, Block, ChannelIndexes, Dtype, Error, EventChannel, EventKind, Events, Header,
    MappedFile, RawChunk, RawIO, RawTimestamps, RawWaveforms, Result, SampleClock, Segment,
    SignalChannel, SignalStream, SpikeChannel, TimeBase, annotations,
};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

pub(crate) const FORMAT_ID: &str = crate::FORMAT_LEGACY_ID;

/// Most gaps or clipped channels listed one by one in a segment's annotations.
const MAX_LISTED: usize = 100;

/// Options of [`LegacyReader::open_with`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LegacyOptions {
    /// The raw value of samples inside gaps (records missing between two others), as neo's
    /// `fill_gap_value` (default 0).
    pub fill_gap_value: i16,
}

/// One `.continuous` file: its mapping, header and record runs.
#[derive(Debug)]
struct ChannelFile {
    file: MappedFile,
    header: LegacyHeader,
    index: RecordIndex,
}

/// A stream: the channels of one kind (CH / AUX / ADC) of one processor of one node.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct StreamKey {
    node: String,
    processor: String,
    source: Option<String>,
    kind: ChannelKind,
}

#[derive(Debug, Clone)]
struct StreamDef {
    key: StreamKey,
    /// The node's folder.
    dir: String,
    /// `(number, token)` of every channel, sorted by number.
    channels: Vec<(u64, String)>,
    rate: f64,
    gains: Vec<f64>,
    id: String,
    name: String,
}

/// One stream in one segment.
#[derive(Debug)]
struct StreamSeg {
    /// Sample number of the first sample (the latest first sample of its channels).
    first_ts: i64,
    size: u64,
    /// Per stream channel.
    files: Vec<Option<ChannelFile>>,
}

/// A spike file of one start.
#[derive(Debug)]
struct SpikeFile {
    file: MappedFile,
    layout: SpikeLayout,
}

#[derive(Debug, Default)]
struct UnitSeg {
    file: Option<Arc<SpikeFile>>,
    /// Sorted sample numbers and the record offsets in the same order.
    timestamps: Vec<i64>,
    offsets: Vec<u64>,
}

#[derive(Debug)]
struct LegacySeg {
    streams: Vec<StreamSeg>,
    events: Vec<Vec<EventRecord>>,
    units: Vec<UnitSeg>,
    t_start: f64,
}

#[derive(Debug, Clone)]
struct UnitDef {
    node: String,
    base: String,
    sorted_id: u16,
    rate: f64,
}

#[derive(Debug, Clone)]
struct EventDef {
    node: String,
    base: String,
    rate: f64,
}

/// A reader of a legacy Open Ephys session. See the crate docs for the mapping onto rawio's
/// model.
#[derive(Debug)]
pub struct LegacyReader {
    source: String,
    header: Header,
    streams: Vec<StreamDef>,
    segments: Vec<LegacySeg>,
    units: Vec<UnitDef>,
    events: Vec<EventDef>,
    spike_rate: Option<f64>,
    fill: i16,
}

fn stream_ids(keys: &[StreamKey]) -> Vec<(String, String)> {
    let nodes: BTreeSet<&str> = keys.iter().map(|k| k.node.as_str()).collect();
    let procs: BTreeSet<(&str, &str, Option<&str>)> = keys
        .iter()
        .map(|k| (k.node.as_str(), k.processor.as_str(), k.source.as_deref()))
        .collect();
    let multi_proc = procs.len() > nodes.len();
    keys.iter()
        .map(|k| {
            let mut prefix = String::new();
            if nodes.len() > 1 {
                prefix.push_str(&k.node);
                prefix.push('#');
            }
            if multi_proc {
                prefix.push_str(&k.processor);
                if let Some(s) = &k.source {
                    prefix.push('_');
                    prefix.push_str(s);
                }
                prefix.push('#');
            }
            (
                format!("{prefix}{}", k.kind.id()),
                format!("{prefix}Signals {}", k.kind.id()),
            )
        })
        .collect()
}

fn stream_key(node: &str, n: &ContinuousName) -> StreamKey {
    StreamKey {
        node: node.to_owned(),
        processor: n.processor.clone(),
        source: n.source.clone(),
        kind: n.kind.clone(),
    }
}

/// Step 2: map, parse and index every `.continuous` file.
fn open_channel(path: &Path) -> Result<ChannelFile> {
    let file = MappedFile::open(path)?;
    let header = LegacyHeader::parse(file.bytes());
    let index = RecordIndex::build(file.bytes(), header.text_end);
    Ok(ChannelFile {
        file,
        header,
        index,
    })
}

/// `(number, token)` of a stream's channels → (rate, gain).
type ChannelRates = BTreeMap<(u64, String), (f64, f64)>;

/// Step 3: streams from every node's files (each channel in its stream, sorted by number).
fn define_streams(
    nodes: &[NodeFiles],
    opened: &BTreeMap<(usize, u64), Vec<(ContinuousName, ChannelFile)>>,
) -> Result<Vec<StreamDef>> {
    let mut defs: BTreeMap<StreamKey, ChannelRates> = BTreeMap::new();
    for ((ni, _), files) in opened {
        for (name, cf) in files {
            let key = stream_key(&nodes[*ni].node, name);
            let rate = cf.header.sample_rate().ok_or_else(|| {
                Error::corrupt(
                    FORMAT_ID,
                    cf.file.path(),
                    0,
                    "header has no positive sampleRate",
                )
            })?;
            let gain = cf.header.bit_volts().unwrap_or(1.0);
            defs.entry(key)
                .or_default()
                .entry((name.number, name.channel.clone()))
                .or_insert((rate, gain));
        }
    }
    let keys: Vec<StreamKey> = defs.keys().cloned().collect();
    let ids = stream_ids(&keys);
    let mut out = Vec::new();
    for ((key, chans), (id, name)) in defs.into_iter().zip(ids) {
        let rate = chans.values().next().map_or(0.0, |v| v.0);
        if let Some(((_, tok), _)) = chans.iter().find(|(_, v)| v.0 != rate) {
            return Err(Error::unsupported(
                FORMAT_ID,
                format!("channel {tok} of stream {id} has another sample rate than {rate} Hz"),
            ));
        }
        let dir = nodes
            .iter()
            .find(|n| n.node == key.node)
            .map(|n| n.dir.display().to_string())
            .unwrap_or_default();
        out.push(StreamDef {
            dir,
            gains: chans.values().map(|v| v.1).collect(),
            channels: chans.into_keys().collect(),
            rate,
            key,
            id,
            name,
        });
    }
    Ok(out)
}

/// The runs of `f` inside `[lo, hi)`.
fn runs_within(f: &ChannelFile, lo: i64, hi: i64) -> impl Iterator<Item = &Run> {
    f.index
        .runs
        .iter()
        .filter(move |r| r.end_ts() > lo && r.first_ts < hi)
}

/// Step 4a: one stream in one segment: its channels aligned on the latest first sample and
/// the earliest last sample; what is left out, and the gaps, as warnings / annotations.
fn align_stream(
    def: &StreamDef,
    mut files: Vec<Option<ChannelFile>>,
    warnings: &mut Vec<String>,
    gaps: &mut Vec<Value>,
) -> StreamSeg {
    let bounds: Vec<(i64, i64)> = files
        .iter()
        .flatten()
        .filter_map(|f| {
            Some((
                f.index.runs.first()?.first_ts,
                f.index.runs.last()?.end_ts(),
            ))
        })
        .collect();
    let first = bounds.iter().map(|b| b.0).max().unwrap_or(0);
    let end = bounds.iter().map(|b| b.1).min().unwrap_or(0);
    let size = u64::try_from(end.saturating_sub(first)).unwrap_or(0);
    for (c, f) in files.iter_mut().enumerate() {
        let tok = &def.channels[c].1;
        let Some(f) = f else {
            warnings.push(format!(
                "stream {}: no file for channel {tok}; read as the fill value",
                def.id
            ));
            continue;
        };
        let path = f.file.path().display().to_string();
        let ix = &f.index;
        if ix.skipped_bytes > 0 {
            warnings.push(format!(
                "{path}: {} bytes of damaged records skipped (at byte {:?})",
                ix.skipped_bytes, ix.skipped_at
            ));
        }
        if ix.trailing_bytes > 0 {
            warnings.push(format!(
                "{path}: {} bytes after the last whole record ignored",
                ix.trailing_bytes
            ));
        }
        if ix.repaired_timestamps > 0 || ix.overlapping_records > 0 {
            warnings.push(format!(
                "{path}: {} record timestamps repaired, {} overlapping records dropped",
                ix.repaired_timestamps, ix.overlapping_records
            ));
        }
        if let (Some(a), Some(b)) = (ix.runs.first(), ix.runs.last()) {
            let before = first.saturating_sub(a.first_ts);
            let after = b.end_ts().saturating_sub(end);
            if before > 0 || after > 0 {
                warnings.push(format!(
                    "{path}: channel {tok} clipped to the common length of stream {}: {before} \
                     samples before and {after} after left out",
                    def.id
                ));
            }
        }
        let runs: Vec<&Run> = runs_within(f, first, end).collect();
        for w in runs.windows(2) {
            let missing = w[1].first_ts.saturating_sub(w[0].end_ts());
            if missing > 0 && gaps.len() < MAX_LISTED {
                gaps.push(json!({
                    "stream": def.id, "channel": tok,
                    "sample_index": w[0].end_ts().saturating_sub(first),
                    "missing_samples": missing,
                    "recording_numbers": [w[0].recording, w[1].recording],
                }));
            }
        }
    }
    StreamSeg {
        first_ts: first,
        size,
        files,
    }
}

/// Step 4b: the spike records of one file, and the layout.
fn open_spikes(path: &Path) -> Result<(Arc<SpikeFile>, SpikeRecords, LegacyHeader)> {
    let file = MappedFile::open(path)?;
    let header = LegacyHeader::parse(file.bytes());
    let recs = SpikeRecords::read(file.bytes(), &header);
    let layout = recs.layout.unwrap_or(SpikeLayout {
        n_channels: 1,
        n_samples: 40,
    });
    Ok((Arc::new(SpikeFile { file, layout }), recs, header))
}

impl LegacyReader {
    /// Opens a legacy session folder (or a file in it, or a folder of `Record Node`
    /// sub-folders), with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, &LegacyOptions::default())
    }

    /// Opens a legacy session with options.
    pub fn open_with(path: impl AsRef<Path>, options: &LegacyOptions) -> Result<Self> {
        let path = path.as_ref();
        let nodes = discover::find_nodes(path)?;
        let mut opened: BTreeMap<(usize, u64), Vec<(ContinuousName, ChannelFile)>> =
            BTreeMap::new();
        for (ni, n) in nodes.iter().enumerate() {
            for (start, files) in &n.continuous {
                let mut v = Vec::new();
                for (name, p) in files {
                    v.push((name.clone(), open_channel(p)?));
                }
                opened.insert((ni, *start), v);
            }
        }
        let streams = define_streams(&nodes, &opened)?;
        let starts: BTreeSet<u64> = nodes
            .iter()
            .flat_map(|n| {
                n.continuous
                    .keys()
                    .copied()
                    .chain(n.spikes.keys().map(|k| k.1))
                    .chain(n.events.keys().map(|k| k.1))
            })
            .collect();
        let mut reader = LegacyReader {
            source: path.display().to_string(),
            header: Header::default(),
            streams,
            segments: Vec::new(),
            units: Vec::new(),
            events: Vec::new(),
            spike_rate: None,
            fill: options.fill_gap_value,
        };
        let (units, unit_data) = reader.load_units(&nodes, &starts)?;
        reader.units = units;
        reader.spike_rate = crate::npy_text::uniform(reader.units.iter().map(|u| u.rate));
        reader.events = reader.event_defs(&nodes);
        let mut segments = Vec::new();
        let mut unit_data = unit_data;
        for (si, &start) in starts.iter().enumerate() {
            let (seg, ann) =
                reader.build_segment(&nodes, &mut opened, start, si, &mut unit_data)?;
            reader.segments.push(seg.0);
            segments.push(Segment {
                t_start: seg.1,
                t_stop: seg.2,
                annotations: ann,
            });
        }
        reader.header = reader.build_header(segments, &nodes);
        reader.header.validate()?;
        Ok(reader)
    }

    /// Step 4: one segment (start number `start`).
    #[allow(clippy::type_complexity)]
    fn build_segment(
        &self,
        nodes: &[NodeFiles],
        opened: &mut BTreeMap<(usize, u64), Vec<(ContinuousName, ChannelFile)>>,
        start: u64,
        si: usize,
        unit_data: &mut [Vec<UnitSeg>],
    ) -> Result<((LegacySeg, f64, f64), Annotations)> {
        let mut warnings = Vec::new();
        let mut gaps = Vec::new();
        let mut per_stream: Vec<Vec<Option<ChannelFile>>> = self
            .streams
            .iter()
            .map(|d| d.channels.iter().map(|_| None).collect())
            .collect();
        let mut version = None;
        let mut date = None;
        for (ni, n) in nodes.iter().enumerate() {
            for (name, cf) in opened.remove(&(ni, start)).unwrap_or_default() {
                let key = stream_key(&n.node, &name);
                let Some(k) = self.streams.iter().position(|s| s.key == key) else {
                    continue;
                };
                let Some(c) = self.streams[k]
                    .channels
                    .iter()
                    .position(|ch| ch.0 == name.number && ch.1 == name.channel)
                else {
                    continue;
                };
                version = version.or_else(|| cf.header.get("version").map(str::to_owned));
                date = date.or_else(|| cf.header.get("date_created").map(str::to_owned));
                per_stream[k][c] = Some(cf);
            }
            for p in &n.ignored {
                warnings.push(format!(
                    "{}: file name not understood; ignored",
                    p.display()
                ));
            }
        }
        let streams: Vec<StreamSeg> = per_stream
            .into_iter()
            .zip(&self.streams)
            .map(|(files, def)| {
                if files.iter().all(Option::is_none) {
                    StreamSeg {
                        first_ts: 0,
                        size: 0,
                        files,
                    }
                } else {
                    align_stream(def, files, &mut warnings, &mut gaps)
                }
            })
            .collect();
        let events = self.load_events(nodes, start, &mut warnings)?;
        let units: Vec<UnitSeg> = unit_data
            .iter_mut()
            .map(|u| std::mem::take(&mut u[si]))
            .collect();
        let mut seg = LegacySeg {
            streams,
            events,
            units,
            t_start: 0.0,
        };
        let (t0, t1) = self.bounds(&seg);
        seg.t_start = t0;
        let mut ann = annotations([
            ("openephys_segment_index", json!(start)),
            ("gaps", json!(gaps)),
        ]);
        if let Some(v) = version {
            ann.insert("openephys_version".into(), json!(v));
        }
        if let Some(d) = date {
            ann.insert("date_created".into(), json!(d));
        }
        if !warnings.is_empty() {
            ann.insert("warnings".into(), json!(warnings));
        }
        Ok(((seg, t0, t1), ann))
    }

    /// Segment bounds over the streams, spikes and events.
    fn bounds(&self, seg: &LegacySeg) -> (f64, f64) {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        let mut see = |a: f64, b: f64| {
            if a.is_finite() && b.is_finite() {
                lo = lo.min(a);
                hi = hi.max(b);
            }
        };
        for (s, d) in seg.streams.iter().zip(&self.streams) {
            if s.size > 0 {
                let t0 = s.first_ts as f64 / d.rate;
                see(t0, t0 + s.size as f64 / d.rate);
            }
        }
        for (u, d) in seg.units.iter().zip(&self.units) {
            if let (Some(a), Some(b)) = (u.timestamps.first(), u.timestamps.last()) {
                see(*a as f64 / d.rate, *b as f64 / d.rate);
            }
        }
        for (e, d) in seg.events.iter().zip(&self.events) {
            let ts = e.iter().map(|r| r.timestamp);
            if let (Some(a), Some(b)) = (ts.clone().min(), ts.max()) {
                see(a as f64 / d.rate, b as f64 / d.rate);
            }
        }
        if lo > hi {
            return (0.0, 1.0);
        }
        if hi <= lo {
            let rate = self.streams.iter().map(|s| s.rate).fold(1.0, f64::max);
            hi = lo + 1.0 / rate;
        }
        (lo, hi)
    }

    /// Step 5: units per (node, spike file base, sorted id), with their spikes per segment.
    #[allow(clippy::type_complexity)]
    fn load_units(
        &self,
        nodes: &[NodeFiles],
        starts: &BTreeSet<u64>,
    ) -> Result<(Vec<UnitDef>, Vec<Vec<UnitSeg>>)> {
        let mut units: BTreeMap<(String, String, u16), Vec<UnitSeg>> = BTreeMap::new();
        let mut rates: BTreeMap<(String, String), f64> = BTreeMap::new();
        for n in nodes {
            for ((base, start), path) in &n.spikes {
                let (file, recs, header) = open_spikes(path)?;
                let rate = header
                    .sample_rate()
                    .or_else(|| {
                        self.streams
                            .iter()
                            .find(|s| s.key.node == n.node)
                            .map(|s| s.rate)
                    })
                    .ok_or_else(|| {
                        Error::corrupt(FORMAT_ID, path, 0, "header has no positive sampleRate")
                    })?;
                rates.entry((n.node.clone(), base.clone())).or_insert(rate);
                let si = starts.iter().position(|s| s == start).unwrap_or(0);
                let mut by_unit: BTreeMap<u16, Vec<(i64, u64)>> = BTreeMap::new();
                for (off, r) in &recs.records {
                    by_unit
                        .entry(r.sorted_id)
                        .or_default()
                        .push((r.timestamp, *off));
                }
                for (sorted, mut spikes) in by_unit {
                    spikes.sort_unstable();
                    let segs = units
                        .entry((n.node.clone(), base.clone(), sorted))
                        .or_insert_with(|| starts.iter().map(|_| UnitSeg::default()).collect());
                    segs[si] = UnitSeg {
                        file: Some(file.clone()),
                        timestamps: spikes.iter().map(|s| s.0).collect(),
                        offsets: spikes.iter().map(|s| s.1).collect(),
                    };
                }
            }
        }
        let mut defs = Vec::new();
        let mut data = Vec::new();
        for ((node, base, sorted_id), segs) in units {
            let rate = rates
                .get(&(node.clone(), base.clone()))
                .copied()
                .unwrap_or(1.0);
            defs.push(UnitDef {
                node,
                base,
                sorted_id,
                rate,
            });
            data.push(segs);
        }
        Ok((defs, data))
    }

    /// Event channels: one per (node, `.events` base name), at the file's `sampleRate` or,
    /// when its header has none (GUI 0.6), the node's continuous rate.
    fn event_defs(&self, nodes: &[NodeFiles]) -> Vec<EventDef> {
        let mut out = Vec::new();
        for n in nodes {
            let bases: BTreeSet<&String> = n.events.keys().map(|k| &k.0).collect();
            for base in bases {
                let header_rate =
                    n.events
                        .iter()
                        .filter(|(k, _)| &k.0 == base)
                        .find_map(|(_, p)| {
                            LegacyHeader::parse(&rawio_core::registry::read_prefix(p, 1024))
                                .sample_rate()
                        });
                let rate = header_rate
                    .or_else(|| {
                        self.streams
                            .iter()
                            .find(|s| s.key.node == n.node)
                            .map(|s| s.rate)
                    })
                    .or_else(|| self.units.iter().find(|u| u.node == n.node).map(|u| u.rate));
                if let Some(rate) = rate {
                    out.push(EventDef {
                        node: n.node.clone(),
                        base: base.clone(),
                        rate,
                    });
                }
            }
        }
        out
    }

    fn load_events(
        &self,
        nodes: &[NodeFiles],
        start: u64,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<Vec<EventRecord>>> {
        let mut out = Vec::new();
        for d in &self.events {
            let path = nodes
                .iter()
                .find(|n| n.node == d.node)
                .and_then(|n| n.events.get(&(d.base.clone(), start)));
            let Some(path) = path else {
                out.push(Vec::new());
                continue;
            };
            let file = MappedFile::open(path)?;
            let (recs, rest) = records::read_events(file.bytes());
            if rest > 0 {
                warnings.push(format!(
                    "{}: {rest} bytes after the last whole event ignored",
                    path.display()
                ));
            }
            out.push(recs);
        }
        Ok(out)
    }

    fn build_header(&self, segments: Vec<Segment>, nodes: &[NodeFiles]) -> Header {
        let version = segments
            .iter()
            .find_map(|s| s.annotations.get("openephys_version").cloned());
        let mut signal_streams = Vec::new();
        let mut signal_channels = Vec::new();
        for d in &self.streams {
            signal_streams.push(SignalStream {
                name: d.name.clone(),
                id: d.id.clone(),
                buffer_id: String::new(),
                clock: SampleClock::Regular,
                annotations: annotations([
                    ("node", json!(d.key.node)),
                    ("processor", json!(d.key.processor)),
                    ("source", json!(d.key.source)),
                    ("folder", json!(d.dir)),
                ]),
            });
            for ((number, tok), gain) in d.channels.iter().zip(&d.gains) {
                signal_channels.push(SignalChannel {
                    name: tok.clone(),
                    id: number.to_string(),
                    sampling_rate: d.rate,
                    dtype: Dtype::Int16,
                    units: if d.key.kind == ChannelKind::Ch {
                        "uV"
                    } else {
                        "V"
                    }
                    .into(),
                    gain: *gain,
                    offset: 0.0,
                    stream_id: d.id.clone(),
                    buffer_id: String::new(),
                    annotations: Annotations::new(),
                });
            }
        }
        let multi_node = nodes.len() > 1;
        let prefix = |node: &str| {
            if multi_node {
                format!("{node}#")
            } else {
                String::new()
            }
        };
        let spike_channels = self
            .units
            .iter()
            .enumerate()
            .map(|(u, d)| self.spike_channel(u, d, &prefix(&d.node)))
            .collect();
        let event_channels = self
            .events
            .iter()
            .map(|d| EventChannel {
                name: d.base.clone(),
                id: format!("{}{}", prefix(&d.node), d.base),
                kind: EventKind::Event,
                annotations: annotations([("node", json!(d.node)), ("sample_rate", json!(d.rate))]),
            })
            .collect();
        let mut block_ann = Annotations::new();
        if let Some(v) = version {
            block_ann.insert("openephys_version".into(), v);
        }
        Header {
            blocks: vec![Block {
                segments,
                annotations: block_ann,
            }],
            signal_buffers: Vec::new(),
            signal_streams,
            signal_channels,
            spike_channels,
            event_channels,
        }
    }

    /// neo's unit: `wf_gain = 1000 / gains[0]` and `wf_offset = -32768 * wf_gain`, both in
    /// float32 as numpy computes them.
    fn spike_channel(&self, u: usize, d: &UnitDef, prefix: &str) -> SpikeChannel {
        let first_gain = self
            .segments
            .iter()
            .filter_map(|s| s.units.get(u))
            .find_map(|us| {
                let f = us.file.as_ref()?;
                let off = usize::try_from(*us.offsets.first()?).ok()?;
                let rec = f.file.bytes().get(off..)?;
                crate::legacy_format::SpikeRecord::parse(rec, f.layout).map(|r| r.first_gain)
            });
        let g32 = match first_gain {
            Some(g) if g.is_finite() && g != 0.0 => 1000f32 / g,
            _ => self
                .streams
                .first()
                .and_then(|s| s.gains.first())
                .map_or(1.0, |&g| g as f32),
        };
        let name = format!("{}#{}", d.base, d.sorted_id);
        SpikeChannel {
            id: format!("{prefix}{name}"),
            name,
            wf_units: "uV".into(),
            wf_gain: f64::from(g32),
            wf_offset: f64::from(-32768f32 * g32),
            wf_left_sweep: 0,
            wf_sampling_rate: d.rate,
            annotations: annotations([
                ("node", json!(d.node)),
                ("file", json!(d.base)),
                ("sorted_id", json!(d.sorted_id)),
            ]),
        }
    }

    fn seg(&self, seg: usize) -> Result<&LegacySeg> {
        self.segments
            .get(seg)
            .ok_or_else(|| Error::out_of_range("segment", seg, self.segments.len()))
    }

    /// The fill value of gaps.
    pub fn fill_gap_value(&self) -> i16 {
        self.fill
    }
}

/// Copies samples `[lo, hi)` (sample numbers) of one channel file into column `col` of `out`
/// (`rows × n_cols`, row-major, pre-filled), row 0 being sample number `base`.
fn decode_channel(
    f: &ChannelFile,
    (lo, hi, base): (i64, i64, i64),
    out: &mut [i16],
    n_cols: usize,
    col: usize,
) -> Result<()> {
    let start = f.index.runs.partition_point(|r| r.end_ts() <= lo);
    let mut buf = Vec::new();
    for run in f.index.runs[start..].iter().take_while(|r| r.first_ts < hi) {
        let a = lo.max(run.first_ts);
        let b = hi.min(run.end_ts());
        if a >= b {
            continue;
        }
        // the records holding [a, b), read at once into a buffer (no page of the mapping is
        // touched: nothing to release afterwards)
        let k0 = u64::try_from(a - run.first_ts).unwrap_or(0) / N;
        let k1 = u64::try_from(b - run.first_ts).unwrap_or(0).div_ceil(N);
        let span =
            usize::try_from((k1 - k0) * REC).map_err(|_| Error::invalid("chunk too large"))?;
        buf.resize(span, 0);
        let base_off = run.offset + k0 * REC;
        f.file.read_at(FORMAT_ID, base_off, &mut buf)?;
        let mut ts = a;
        while ts < b {
            let k = u64::try_from(ts - run.first_ts).unwrap_or(0) / N;
            let rec_ts = run
                .first_ts
                .saturating_add(i64::try_from(k * N).unwrap_or(i64::MAX));
            let at = usize::try_from((k - k0) * REC).unwrap_or(usize::MAX);
            let rec = buf.get(at..at.saturating_add(REC as usize)).unwrap_or(&[]);
            match ContinuousRecord::parse(rec) {
                Some(r) if r.timestamp == rec_ts || f.index.scanned => {}
                _ => {
                    return Err(Error::corrupt(
                        FORMAT_ID,
                        f.file.path(),
                        base_off + (k - k0) * REC,
                        format!("record of sample {rec_ts} is damaged"),
                    ));
                }
            }
            let first = usize::try_from(ts - rec_ts).unwrap_or(0);
            let n = usize::try_from((b - ts).min(N as i64 - (ts - rec_ts))).unwrap_or(0);
            let row = usize::try_from(ts - base).unwrap_or(0);
            let dst_end = (row + n).saturating_mul(n_cols).min(out.len());
            let dst = out.get_mut(..dst_end).unwrap_or(&mut []);
            decode_samples(rec, first, n, dst, row * n_cols + col, n_cols);
            ts += n as i64;
        }
    }
    Ok(())
}

impl RawIO for LegacyReader {
    fn format_id(&self) -> &'static str {
        FORMAT_ID
    }

    fn source_name(&self) -> String {
        self.source.clone()
    }

    fn header(&self) -> &Header {
        &self.header
    }

    fn read_signal_size(&self, _block: usize, seg: usize, stream: usize) -> Result<u64> {
        Ok(self.seg(seg)?.streams[stream].size)
    }

    fn read_signal_t_start(&self, _block: usize, seg: usize, stream: usize) -> Result<f64> {
        let s = self.seg(seg)?;
        let st = &s.streams[stream];
        Ok(if st.size > 0 {
            st.first_ts as f64 / self.streams[stream].rate
        } else {
            s.t_start
        })
    }

    fn read_signal_chunk(
        &self,
        _block: usize,
        seg: usize,
        stream: usize,
        samples: Range<u64>,
        channels: &ChannelIndexes,
    ) -> Result<RawChunk<'_>> {
        let st = &self.seg(seg)?.streams[stream];
        let cols = channels.to_vec();
        let rows = usize::try_from(samples.end - samples.start)
            .map_err(|_| Error::invalid("chunk too large"))?;
        let mut out = vec![self.fill; rows.saturating_mul(cols.len())];
        let lo = st
            .first_ts
            .saturating_add(i64::try_from(samples.start).unwrap_or(i64::MAX));
        let hi = st
            .first_ts
            .saturating_add(i64::try_from(samples.end).unwrap_or(i64::MAX));
        // column-major (Fortran-order) output: each channel's records are byte-swapped into one
        // contiguous column, with no transpose (the array is still `samples × channels`)
        for (col, &c) in out.chunks_exact_mut(rows.max(1)).zip(&cols) {
            if let Some(Some(f)) = st.files.get(c) {
                decode_channel(f, (lo, hi, lo), col, 1, 0)?;
            }
        }
        let arr = Array2::from_shape_vec((rows, cols.len()).f(), out)
            .map_err(|e| Error::invalid(e.to_string()))?;
        Ok(RawChunk::new(arr))
    }

    fn read_spike_count(&self, _block: usize, seg: usize, unit: usize) -> Result<u64> {
        Ok(self.seg(seg)?.units[unit].timestamps.len() as u64)
    }

    fn spike_time_base(&self) -> TimeBase {
        self.spike_rate.map_or(TimeBase::SECONDS, TimeBase::rate)
    }

    fn read_spike_timestamps(
        &self,
        _block: usize,
        seg: usize,
        unit: usize,
    ) -> Result<RawTimestamps<'_>> {
        let u = &self.seg(seg)?.units[unit];
        Ok(match self.spike_rate {
            Some(_) => RawTimestamps::new(CowArray::from(ArrayView1::from(&u.timestamps[..]))),
            None => {
                let r = self.units[unit].rate;
                RawTimestamps::new(Array1::from_iter(
                    u.timestamps.iter().map(|&t| t as f64 / r),
                ))
            }
        })
    }

    fn read_spike_waveforms(
        &self,
        _block: usize,
        seg: usize,
        unit: usize,
        spikes: Range<usize>,
    ) -> Result<Option<RawWaveforms<'_>>> {
        let u = &self.seg(seg)?.units[unit];
        let Some(f) = &u.file else {
            return Ok(None);
        };
        let (nc, ns) = (
            usize::from(f.layout.n_channels),
            usize::from(f.layout.n_samples),
        );
        let offsets = u.offsets.get(spikes).unwrap_or(&[]);
        let mut out = Vec::with_capacity(offsets.len().saturating_mul(nc * ns));
        for &off in offsets {
            let rec = f.file.range(FORMAT_ID, off + 42, (2 * nc * ns) as u64)?;
            out.extend(
                rec.chunks_exact(2)
                    .map(|b| u16::from_le_bytes([b[0], b[1]])),
            );
        }
        let arr = Array3::from_shape_vec((offsets.len(), nc, ns), out)
            .map_err(|e| Error::invalid(e.to_string()))?;
        Ok(Some(RawWaveforms::new(arr)))
    }

    fn read_event_count(&self, _block: usize, seg: usize, ev: usize) -> Result<u64> {
        Ok(self.seg(seg)?.events[ev].len() as u64)
    }

    fn event_time_base(&self, ev: usize) -> TimeBase {
        self.events
            .get(ev)
            .map_or(TimeBase::SECONDS, |e| TimeBase::rate(e.rate))
    }

    fn read_events(&self, _block: usize, seg: usize, ev: usize) -> Result<Events<'_>> {
        let e = &self.seg(seg)?.events[ev];
        Ok(Events {
            timestamps: RawTimestamps::new(Array1::from_iter(e.iter().map(|r| r.timestamp))),
            durations: None,
            labels: e.iter().map(EventRecord::label).collect(),
        })
    }
}
