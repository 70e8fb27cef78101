//! [`BinaryReader`]: the Open Ephys binary format (`structure.oebin`, `continuous.dat`, `.npy`)
//! of GUI 0.4 to 1.0.
//!
//! Opening is a pipeline of named steps: **discover** the recording folders
//! ([`discover`]), **parse** their `structure.oebin`, **index** the sources (continuous,
//! event and spike folders of every node, neo's names and order), **open** each recording's
//! files (memory maps, sample numbers, gaps), cut **segments** (optionally at gaps) and build
//! the **header**.

mod continuous;
mod discover;
mod events;
mod spikes;

use continuous::{Gap, HeaderStream, MAX_LISTED_GAPS, RecordingStream, Source, StreamKind};
use discover::RecordingDir;
use events::{EventData, EventSource};
use spikes::{SpikeSource, UnitSpikes};

use crate::oebin::Oebin;
use rawio_core::ndarray::{ArrayView1, CowArray};
use rawio_core::{
    Annotations, Block, ChannelIndexes, Error, EventChannel, EventKind, Events, Header, RawChunk,
    RawIO, RawTimestamps, RawWaveforms, Result, SampleClock, SampleTimes, Segment, SignalBuffer,
    SignalStream, SpikeChannel, TimeBase, annotations,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

pub(crate) const FORMAT_ID: &str = crate::FORMAT_BINARY_ID;

/// Largest `structure.oebin` read (the GUI writes a few hundred KB for 384-channel probes).
const MAX_OEBIN_BYTES: u64 = 256 << 20;

/// Options of [`BinaryReader::open_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BinaryOptions {
    /// Only these experiment folders (`"experiment1"`, ...) become blocks (neo's
    /// `experiment_names`); `None` reads every experiment.
    pub experiments: Option<Vec<String>>,
    /// Cut each recording into several segments at the gaps of its sample numbers (dropped
    /// USB packets): a new segment starts at every sample after a gap of any stream. Without
    /// it (the default, as neo), a recording is one segment and its gaps are reported in the
    /// segment annotation `gaps`.
    pub split_at_gaps: bool,
}

/// A sample-number gap of one stream in one segment (see [`BinaryReader::gaps`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleGap {
    /// Index (in the segment's samples) of the first sample after the gap.
    pub sample_index: u64,
    /// Sample number of that sample.
    pub sample_number: i64,
    /// Samples missing before it (negative when the sample numbers jump back).
    pub missing_samples: i64,
}

/// One source's part of a segment.
#[derive(Debug, Clone)]
struct Piece {
    rec: Arc<RecordingStream>,
    frames: Range<u64>,
    /// Sample clock time of the first frame (`None` without sample numbers or frames).
    t_start: Option<f64>,
}

#[derive(Debug)]
struct SegmentData {
    /// Per source.
    pieces: Vec<Option<Piece>>,
    /// Per event channel.
    events: Vec<EventData>,
    /// Per unit.
    spikes: Vec<UnitSpikes>,
    t_start: f64,
}

/// An event channel of the header with its stream's rate.
#[derive(Debug, Clone)]
struct EventChan {
    source: EventSource,
    kind: EventKind,
}

/// A unit of the header.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct UnitKey {
    node: String,
    folder_order: usize,
    folder: String,
    electrode: i64,
    cluster: i64,
}

/// A reader of an Open Ephys binary-format session (GUI 0.4 to 1.0). See the crate docs for
/// the mapping onto rawio's model.
#[derive(Debug)]
pub struct BinaryReader {
    source: String,
    header: Header,
    sources: Vec<Source>,
    streams: Vec<HeaderStream>,
    /// `[block][segment]`.
    segments: Vec<Vec<SegmentData>>,
    event_chans: Vec<EventChan>,
    unit_rates: Vec<f64>,
    /// Every unit at one rate: raw sample numbers; else seconds.
    spike_rate: Option<f64>,
    /// The last sample range read per (block, segment, stream): a read that starts where the
    /// previous one ended (a sequential scan) releases the previous range's pages.
    last_read: std::sync::Mutex<BTreeMap<(usize, usize, usize), Range<u64>>>,
}

/// One parsed recording folder.
struct Parsed {
    dir: RecordingDir,
    oebin: Oebin,
}

/// Step 2: parse every `structure.oebin`.
fn parse_all(dirs: Vec<RecordingDir>) -> Result<Vec<Parsed>> {
    dirs.into_iter()
        .map(|dir| {
            let path = dir.dir.join("structure.oebin");
            let len = std::fs::metadata(&path)
                .map_err(|e| Error::io(&path, e))?
                .len();
            if len > MAX_OEBIN_BYTES {
                return Err(Error::corrupt(
                    FORMAT_ID,
                    &path,
                    0,
                    format!("{len} bytes; more than {MAX_OEBIN_BYTES} is not an oebin"),
                ));
            }
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            let oebin = Oebin::parse(&bytes)
                .map_err(|e| Error::corrupt(FORMAT_ID, &path, e.offset, e.detail))?;
            Ok(Parsed { dir, oebin })
        })
        .collect()
}

/// Sort key of experiment / recording folders: by number, unnumbered ones last by name.
fn folder_key(id: Option<u64>, name: &str) -> (u64, String) {
    (id.unwrap_or(u64::MAX), name.to_owned())
}

/// Folders of one recording per sort key, per experiment sort key.
type Experiments = BTreeMap<(u64, String), BTreeMap<(u64, String), Vec<usize>>>;

/// Step 3a: blocks (experiments) of segments (recordings), each a list of parsed folders
/// (one per node).
fn session_layout(parsed: &[Parsed]) -> Vec<Vec<Vec<usize>>> {
    let mut blocks: Experiments = BTreeMap::new();
    for (i, p) in parsed.iter().enumerate() {
        blocks
            .entry(folder_key(p.dir.experiment_id, &p.dir.experiment))
            .or_default()
            .entry(folder_key(p.dir.recording_id, &p.dir.recording))
            .or_default()
            .push(i);
    }
    blocks
        .into_values()
        .map(|segs| segs.into_values().collect())
        .collect()
}

/// Step 3b: the continuous sources, sorted by neo's stream name; the same source must have
/// the same channels in every recording.
fn index_sources(parsed: &[Parsed]) -> Result<Vec<Source>> {
    let mut by_name: BTreeMap<String, (Source, String)> = BTreeMap::new();
    for p in parsed {
        for info in &p.oebin.continuous {
            let Ok(src) = Source::of(&p.dir.node, info) else {
                continue;
            };
            let here = p.dir.dir.display().to_string();
            match by_name.get(&src.name) {
                Some((first, at)) if !first.same_layout(&src) => {
                    return Err(continuous::inconsistent(&src.name, at, &here));
                }
                Some(_) => {}
                None => {
                    by_name.insert(src.name.clone(), (src, here));
                }
            }
        }
    }
    Ok(by_name.into_values().map(|(s, _)| s).collect())
}

/// Step 3c: the event channels, in neo's order (by `<node>#<top folder>`, then folder).
fn index_events(parsed: &[Parsed]) -> Vec<EventChan> {
    let mut by_key: BTreeMap<(String, String, String), EventChan> = BTreeMap::new();
    for p in parsed {
        for info in &p.oebin.events {
            let Ok(src) = EventSource::of(&p.dir.node, info) else {
                continue;
            };
            let dir = p.dir.dir.join("events").join(&src.folder);
            let kind = events::kind_of(&dir);
            let key = (src.neo_key.clone(), src.folder.clone(), src.node.clone());
            let e = by_key.entry(key).or_insert(EventChan {
                source: src,
                kind: EventKind::Event,
            });
            if kind == EventKind::Epoch {
                e.kind = EventKind::Epoch;
            }
        }
    }
    by_key.into_values().collect()
}

/// Step 3d: the spike folders, by node then oebin order.
fn index_spike_sources(parsed: &[Parsed]) -> Vec<SpikeSource> {
    let mut out: Vec<SpikeSource> = Vec::new();
    for p in parsed {
        for info in &p.oebin.spikes {
            if let Ok(s) = SpikeSource::of(&p.dir.node, info)
                && !out.iter().any(|o| o.node == s.node && o.folder == s.folder)
            {
                out.push(s);
            }
        }
    }
    out.sort_by(|a, b| a.node.cmp(&b.node));
    out
}

/// What segment cutting needs besides the recording: the option and the rates and unit keys.
struct CutContext {
    split: bool,
    spike_rates: Vec<f64>,
    unit_keys: Vec<(usize, (i64, i64))>,
    event_rates: Vec<f64>,
}

/// What one recording folder (set of nodes) holds, before segment cutting.
struct RecordingData {
    /// Per source.
    streams: Vec<Option<Arc<RecordingStream>>>,
    /// Per event channel.
    events: Vec<EventData>,
    /// Per spike source: unit key → spikes.
    spikes: Vec<BTreeMap<(i64, i64), UnitSpikes>>,
    warnings: Vec<String>,
    event_stats: Vec<serde_json::Map<String, Value>>,
}

/// Step 4: open the files of the recordings of one segment (one folder per node).
fn open_recording(
    parsed: &[Parsed],
    members: &[usize],
    sources: &[Source],
    event_chans: &[EventChan],
    spike_sources: &[SpikeSource],
) -> Result<RecordingData> {
    let mut d = RecordingData {
        streams: vec![None; sources.len()],
        events: vec![EventData::default(); event_chans.len()],
        spikes: vec![BTreeMap::new(); spike_sources.len()],
        warnings: Vec::new(),
        event_stats: vec![serde_json::Map::new(); event_chans.len()],
    };
    for &m in members {
        let p = &parsed[m];
        for info in &p.oebin.continuous {
            let Ok(src) = Source::of(&p.dir.node, info) else {
                d.warnings.push(format!(
                    "{}: continuous folder {:?} skipped (unusable name)",
                    p.dir.dir.display(),
                    info.folder_name
                ));
                continue;
            };
            let Some(k) = sources.iter().position(|s| s.name == src.name) else {
                continue;
            };
            let dir = p.dir.dir.join("continuous").join(&src.folder);
            if !dir.is_dir() {
                d.warnings.push(format!(
                    "{}: listed in structure.oebin but missing; stream {:?} has no data here",
                    dir.display(),
                    src.name
                ));
                continue;
            }
            let rs = RecordingStream::open(&dir, &sources[k])?;
            d.warnings.extend(rs.warnings.iter().cloned());
            d.streams[k] = Some(Arc::new(rs));
        }
        for (e, chan) in event_chans.iter().enumerate() {
            if chan.source.node != p.dir.node
                || !p.oebin.events.iter().any(|i| {
                    crate::oebin::safe_folder(&i.folder_name).as_deref()
                        == Some(chan.source.folder.as_str())
                })
            {
                continue;
            }
            let dir = p.dir.dir.join("events").join(&chan.source.folder);
            if !dir.is_dir() {
                d.warnings.push(format!(
                    "{}: listed in structure.oebin but missing; no events",
                    dir.display()
                ));
                continue;
            }
            d.events[e] = events::load(&dir, chan.kind, &mut d.warnings, &mut d.event_stats[e])?;
        }
        for (k, src) in spike_sources.iter().enumerate() {
            if src.node != p.dir.node
                || !p.oebin.spikes.iter().any(|i| {
                    crate::oebin::safe_folder(&i.folder).as_deref() == Some(src.folder.as_str())
                })
            {
                continue;
            }
            let dir = p.dir.dir.join("spikes").join(&src.folder);
            if let Some(f) = spikes::load(&dir, &mut d.warnings)? {
                d.spikes[k] = f.units;
            }
        }
    }
    Ok(d)
}

/// The cut times of a recording: the first sample time after each forward gap of any stream.
fn cut_times(rec: &RecordingData, sources: &[Source]) -> Vec<f64> {
    let mut cuts: Vec<f64> = Vec::new();
    for (k, s) in rec.streams.iter().enumerate() {
        let Some(s) = s else { continue };
        let rate = sources[k].sample_rate;
        cuts.extend(
            s.gaps
                .iter()
                .filter(|g| g.missing() > 0)
                .map(|g| g.after as f64 / rate),
        );
    }
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    cuts
}

/// Step 5: the segments of one recording: one, or one per gap-free piece with
/// `split_at_gaps`.
fn cut_segments(
    rec: RecordingData,
    sources: &[Source],
    split: bool,
    spike_rates: &[f64],
    unit_keys: &[(usize, (i64, i64))],
    event_rates: &[f64],
) -> Result<Vec<(SegmentData, Annotations)>> {
    let cuts = if split {
        cut_times(&rec, sources)
    } else {
        Vec::new()
    };
    let mut frames_per_source: Vec<Option<Vec<Range<u64>>>> = Vec::new();
    for (k, s) in rec.streams.iter().enumerate() {
        frames_per_source.push(match s {
            Some(s) => Some(s.pieces(&cuts, sources[k].sample_rate)?),
            None => None,
        });
    }
    let mut out = Vec::new();
    for piece in 0..=cuts.len() {
        let lo = if piece == 0 {
            f64::NEG_INFINITY
        } else {
            cuts[piece - 1]
        };
        let hi = cuts.get(piece).copied().unwrap_or(f64::INFINITY);
        let pieces: Vec<Option<Piece>> = rec
            .streams
            .iter()
            .zip(&frames_per_source)
            .enumerate()
            .map(|(k, (s, fr))| {
                let (s, fr) = (s.as_ref()?, fr.as_ref()?);
                let frames = fr.get(piece)?.clone();
                let t_start = if frames.is_empty() {
                    None
                } else {
                    s.sample_number(frames.start)
                        .map(|n| n as f64 / sources[k].sample_rate)
                };
                Some(Piece {
                    rec: s.clone(),
                    frames,
                    t_start,
                })
            })
            .collect();
        let events: Vec<EventData> = rec
            .events
            .iter()
            .zip(event_rates)
            .map(|(e, &r)| {
                if split {
                    e.window(lo, hi, r)
                } else {
                    e.clone()
                }
            })
            .collect();
        let spikes: Vec<UnitSpikes> = unit_keys
            .iter()
            .map(|(src, key)| {
                let u = rec.spikes[*src].get(key).cloned().unwrap_or_default();
                if split {
                    u.window(lo, hi, spike_rates[*src])
                } else {
                    u
                }
            })
            .collect();
        let mut ann = Annotations::new();
        if split {
            ann.insert("piece".into(), json!(piece));
            ann.insert("pieces".into(), json!(cuts.len() + 1));
        }
        out.push((
            SegmentData {
                pieces,
                events,
                spikes,
                t_start: 0.0,
            },
            ann,
        ));
    }
    Ok(out)
}

/// Step 6: the segment's bounds over its signals, events and spikes (neo's rule, plus
/// spikes).
fn segment_bounds(
    seg: &SegmentData,
    sources: &[Source],
    event_rates: &[f64],
    unit_rates: &[f64],
) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let mut see = |a: f64, b: f64| {
        if a.is_finite() && b.is_finite() {
            lo = lo.min(a);
            hi = hi.max(b);
        }
    };
    for (k, p) in seg.pieces.iter().enumerate() {
        if let Some(Piece {
            frames,
            t_start: Some(t0),
            ..
        }) = p
        {
            let rate = sources[k].sample_rate;
            see(*t0, t0 + (frames.end - frames.start) as f64 / rate);
        }
    }
    for (e, r) in seg.events.iter().zip(event_rates) {
        if let (Some(a), Some(b)) = (e.samples.iter().min(), e.samples.iter().max()) {
            see(*a as f64 / r, *b as f64 / r);
        }
    }
    for (u, r) in seg.spikes.iter().zip(unit_rates) {
        if let (Some(a), Some(b)) = (u.samples.first(), u.samples.last()) {
            see(*a as f64 / r, *b as f64 / r);
        }
    }
    (lo <= hi).then_some((lo, hi))
}

/// Unique event channel ids: the channel name (neo), disambiguated by the stream key and
/// then the folder when two channels share it.
fn event_ids(chans: &[EventChan]) -> Vec<String> {
    let levels: [&dyn Fn(&EventChan) -> String; 3] = [
        &|c| c.source.info.channel_name.clone(),
        &|c| format!("{}#{}", c.source.neo_key, c.source.info.channel_name),
        &|c| {
            let node = if c.source.node.is_empty() {
                String::new()
            } else {
                format!("{}#", c.source.node)
            };
            format!("{node}{}#{}", c.source.folder, c.source.info.channel_name)
        },
    ];
    let mut ids: Vec<String> = chans.iter().map(|c| levels[0](c)).collect();
    for level in &levels[1..] {
        let dup: Vec<bool> = ids
            .iter()
            .map(|id| ids.iter().filter(|o| *o == id).count() > 1)
            .collect();
        if !dup.iter().any(|&d| d) {
            break;
        }
        for (i, c) in chans.iter().enumerate() {
            if dup[i] {
                ids[i] = level(c);
            }
        }
    }
    ids
}

fn gap_annotations(seg: &SegmentData, streams: &[HeaderStream], sources: &[Source]) -> Value {
    let mut list = Vec::new();
    let mut total = 0usize;
    for hs in streams.iter().filter(|h| h.kind != StreamKind::Sync) {
        let Some(p) = &seg.pieces[hs.source] else {
            continue;
        };
        if hs.kind == StreamKind::Adc
            && streams
                .iter()
                .any(|o| o.source == hs.source && o.kind == StreamKind::Neural)
        {
            continue;
        }
        for g in piece_gaps(p) {
            total += 1;
            if list.len() < MAX_LISTED_GAPS {
                list.push(g.to_json(&sources[hs.source].name, sources[hs.source].sample_rate));
            }
        }
    }
    json!({"count": total, "listed": list})
}

/// The gaps inside a piece, with indexes relative to the piece.
fn piece_gaps(p: &Piece) -> Vec<Gap> {
    p.rec
        .gaps
        .iter()
        .filter(|g| g.index > p.frames.start && g.index < p.frames.end)
        .map(|g| Gap {
            index: g.index - p.frames.start,
            ..*g
        })
        .collect()
}

impl BinaryReader {
    /// Opens a session at its root, a Record Node, an experiment or a recording folder (or a
    /// file inside one), with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, &BinaryOptions::default())
    }

    /// Opens a session with options.
    pub fn open_with(path: impl AsRef<Path>, options: &BinaryOptions) -> Result<Self> {
        let path = path.as_ref();
        let dirs = discover::find_recordings(path, options.experiments.as_deref())?;
        let parsed = parse_all(dirs)?;
        let layout = session_layout(&parsed);
        let sources = index_sources(&parsed)?;
        let streams = continuous::header_streams(&sources);
        let event_chans = index_events(&parsed);
        let spike_sources = index_spike_sources(&parsed);
        let event_rates: Vec<f64> = event_chans
            .iter()
            .map(|e| e.source.info.sample_rate)
            .collect();
        let spike_rates: Vec<f64> = spike_sources.iter().map(|s| s.info.sample_rate).collect();

        let mut opened = Vec::new();
        for block in &layout {
            let mut segs = Vec::new();
            for members in block {
                segs.push((
                    members.clone(),
                    open_recording(&parsed, members, &sources, &event_chans, &spike_sources)?,
                ));
            }
            opened.push(segs);
        }
        let unit_keys = unit_keys(&opened, &spike_sources);
        let flat_keys: Vec<(usize, (i64, i64))> = unit_keys
            .iter()
            .map(|k| {
                let src = spike_sources
                    .iter()
                    .position(|s| s.node == k.node && s.folder == k.folder)
                    .unwrap_or(0);
                (src, (k.electrode, k.cluster))
            })
            .collect();
        let unit_rates: Vec<f64> = flat_keys.iter().map(|(s, _)| spike_rates[*s]).collect();
        let mut reader = BinaryReader {
            source: path.display().to_string(),
            header: Header::default(),
            sources,
            streams,
            segments: Vec::new(),
            event_chans,
            unit_rates,
            spike_rate: None,
            last_read: Default::default(),
        };
        reader.spike_rate = crate::npy_text::uniform(reader.unit_rates.iter().copied());
        let cut = CutContext {
            split: options.split_at_gaps,
            spike_rates,
            unit_keys: flat_keys,
            event_rates,
        };
        let mut blocks = Vec::new();
        for segs in opened {
            let mut block_segments = Vec::new();
            let mut block_data = Vec::new();
            let mut experiment = String::new();
            let mut gui = Vec::new();
            for (members, rec) in segs {
                experiment = parsed[members[0]].dir.experiment.clone();
                for &m in &members {
                    if let Some(v) = &parsed[m].oebin.gui_version
                        && !gui.contains(v)
                    {
                        gui.push(v.clone());
                    }
                }
                for (seg, data) in reader.recording_segments(&parsed, &members, rec, &cut)? {
                    block_segments.push(seg);
                    block_data.push(data);
                }
            }
            blocks.push(Block {
                segments: block_segments,
                annotations: annotations([
                    ("experiment", json!(experiment)),
                    ("gui_version", json!(gui)),
                ]),
            });
            reader.segments.push(block_data);
        }
        reader.header = reader.build_header(blocks, &unit_keys, &spike_sources);
        reader.header.validate()?;
        Ok(reader)
    }

    /// Step 5 for one recording folder set: its segment(s) with their annotations.
    fn recording_segments(
        &self,
        parsed: &[Parsed],
        members: &[usize],
        rec: RecordingData,
        cut: &CutContext,
    ) -> Result<Vec<(Segment, SegmentData)>> {
        let first = &parsed[members[0]];
        let warnings = rec.warnings.clone();
        let stats = rec.event_stats.clone();
        let dirs: Vec<String> = members
            .iter()
            .map(|&m| parsed[m].dir.dir.display().to_string())
            .collect();
        let mut out = Vec::new();
        for (mut data, mut ann) in cut_segments(
            rec,
            &self.sources,
            cut.split,
            &cut.spike_rates,
            &cut.unit_keys,
            &cut.event_rates,
        )? {
            let (t_start, t_stop) = self.finish_segment(&mut data, &mut ann, &cut.event_rates);
            ann.insert("recording".into(), json!(first.dir.recording));
            ann.insert("recording_dirs".into(), json!(dirs));
            ann.insert(
                "gaps".into(),
                gap_annotations(&data, &self.streams, &self.sources),
            );
            let mut w = warnings.clone();
            if let Some(Value::Array(extra)) = ann.remove("warnings") {
                w.extend(
                    extra
                        .into_iter()
                        .filter_map(|v| v.as_str().map(str::to_owned)),
                );
            }
            if !w.is_empty() {
                ann.insert("warnings".into(), json!(w));
            }
            if stats.iter().any(|s| !s.is_empty()) {
                let ev: Vec<Value> = stats.iter().map(|s| Value::Object(s.clone())).collect();
                ann.insert("event_channel_stats".into(), json!(ev));
            }
            let seg = Segment {
                t_start,
                t_stop,
                annotations: ann,
            };
            out.push((seg, data));
        }
        Ok(out)
    }

    /// Bounds of a cut segment; sets the pieces' missing `t_start`s to the segment start.
    fn finish_segment(
        &self,
        data: &mut SegmentData,
        ann: &mut Annotations,
        event_rates: &[f64],
    ) -> (f64, f64) {
        let (t0, mut t1) = match segment_bounds(data, &self.sources, event_rates, &self.unit_rates)
        {
            Some(b) => b,
            None => {
                ann.insert(
                    "warnings".into(),
                    json!(["the segment holds no sample, event or spike; bounds are 0 and one sample period"]),
                );
                (0.0, 0.0)
            }
        };
        if t1 <= t0 {
            let rate = self
                .sources
                .iter()
                .map(|s| s.sample_rate)
                .fold(1.0, f64::max);
            t1 = t0 + 1.0 / rate;
            if t1 <= t0 {
                t1 = t0 + 1.0;
            }
        }
        data.t_start = t0;
        (t0, t1)
    }

    fn build_header(
        &self,
        blocks: Vec<Block>,
        unit_keys: &[UnitKey],
        spike_sources: &[SpikeSource],
    ) -> Header {
        let signal_buffers = self
            .sources
            .iter()
            .enumerate()
            .map(|(k, s)| SignalBuffer {
                name: s.name.clone(),
                id: k.to_string(),
            })
            .collect();
        let mut signal_streams = Vec::new();
        for (i, hs) in self.streams.iter().enumerate() {
            let src = &self.sources[hs.source];
            // the second clock only when every recording of the stream has it: a clock that
            // exists in some segments only would make `Clock::Explicit` fail in the others
            let pieces: Vec<_> = self
                .segments
                .iter()
                .flatten()
                .filter_map(|s| s.pieces[hs.source].as_ref())
                .collect();
            let explicit = !pieces.is_empty() && pieces.iter().all(|p| p.rec.sync.is_some());
            signal_streams.push(SignalStream {
                name: hs.name.clone(),
                id: hs.id.clone(),
                buffer_id: hs.source.to_string(),
                clock: if explicit {
                    SampleClock::RegularWithExplicit
                } else {
                    SampleClock::Regular
                },
                annotations: annotations([
                    ("source", json!(src.folder)),
                    ("kind", json!(hs.kind.name())),
                    ("columns", json!(hs.columns)),
                    ("stream_index", json!(i)),
                ]),
            });
        }
        let signal_channels = continuous::header_channels(&self.sources, &self.streams);
        let ids = event_ids(&self.event_chans);
        let event_channels = self
            .event_chans
            .iter()
            .zip(ids)
            .map(|(c, id)| {
                let mut ann = annotations(
                    c.source
                        .info
                        .extra
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone())),
                );
                ann.insert("folder".into(), json!(c.source.folder));
                ann.insert("node".into(), json!(c.source.node));
                ann.insert("sample_rate".into(), json!(c.source.info.sample_rate));
                EventChannel {
                    name: c.source.info.channel_name.clone(),
                    id,
                    kind: c.kind,
                    annotations: ann,
                }
            })
            .collect();
        let spike_channels = unit_keys
            .iter()
            .map(|k| self.spike_channel(k, spike_sources))
            .collect();
        Header {
            blocks,
            signal_buffers,
            signal_streams,
            signal_channels,
            spike_channels,
            event_channels,
        }
    }

    fn spike_channel(&self, k: &UnitKey, spike_sources: &[SpikeSource]) -> SpikeChannel {
        let src = spike_sources
            .iter()
            .find(|s| s.node == k.node && s.folder == k.folder);
        let electrode = src.map_or_else(String::new, |s| s.electrode_name(k.electrode));
        let prefix = if k.node.is_empty() {
            String::new()
        } else {
            format!("{}#", k.node)
        };
        let (gain, gain_source) = match src.and_then(|s| s.info.source_bit_volts.first()) {
            Some(&g) => (g, "source_channels bit_volts"),
            None => match self.sources.first().and_then(|s| s.channels.first()) {
                Some(c) => (c.bit_volts, "bit_volts of the first continuous channel"),
                None => (1.0, "none (raw values)"),
            },
        };
        let rate = src.map_or(0.0, |s| s.info.sample_rate);
        SpikeChannel {
            name: format!("{electrode}#{}", k.cluster),
            id: format!("{prefix}{}#{}#{}", k.folder, k.electrode, k.cluster),
            wf_units: "uV".into(),
            wf_gain: gain,
            wf_offset: 0.0,
            wf_left_sweep: src
                .and_then(|s| s.info.pre_peak_samples)
                .and_then(|p| i64::try_from(p).ok())
                .unwrap_or(-1),
            wf_sampling_rate: rate,
            annotations: annotations([
                ("node", json!(k.node)),
                ("folder", json!(k.folder)),
                ("electrode", json!(electrode)),
                ("electrode_index", json!(k.electrode)),
                ("cluster", json!(k.cluster)),
                ("wf_gain_source", json!(gain_source)),
            ]),
        }
    }

    fn segment(&self, block: usize, seg: usize) -> Result<&SegmentData> {
        self.segments
            .get(block)
            .and_then(|b| b.get(seg))
            .ok_or_else(|| Error::out_of_range("segment", seg, 0usize))
    }

    fn piece(&self, block: usize, seg: usize, stream: usize) -> Result<Option<&Piece>> {
        let hs = self
            .streams
            .get(stream)
            .ok_or_else(|| Error::out_of_range("stream", stream, self.streams.len()))?;
        Ok(self.segment(block, seg)?.pieces[hs.source].as_ref())
    }

    /// The synchronized (main-clock) seconds of the events of channel `ev`, in the order of
    /// [`RawIOExt::event_timestamps`](rawio_core::RawIOExt::event_timestamps) with
    /// [`TimeWindow::ALL`](rawio_core::TimeWindow::ALL); `None` when the folder stores no
    /// synchronized times (before GUI 0.6).
    pub fn event_synchronized_times(
        &self,
        block: usize,
        seg: usize,
        ev: usize,
    ) -> Result<Option<Vec<f64>>> {
        Ok(self.event_data(block, seg, ev)?.sync.clone())
    }

    /// The `full_words.npy` values of the events of channel `ev` (the state of every TTL line
    /// at each event), in the same order as the events; `None` without `full_words.npy`.
    pub fn event_full_words(
        &self,
        block: usize,
        seg: usize,
        ev: usize,
    ) -> Result<Option<Vec<u64>>> {
        Ok(self.event_data(block, seg, ev)?.full_words.clone())
    }

    /// The synchronized seconds of the spikes of `unit`, in timestamp order; `None` when the
    /// spike folder stores none (before GUI 0.6).
    pub fn spike_synchronized_times(
        &self,
        block: usize,
        seg: usize,
        unit: usize,
    ) -> Result<Option<Vec<f64>>> {
        Ok(self.unit(block, seg, unit)?.sync.clone())
    }

    /// The sample-number gaps of `stream` in the segment (dropped USB packets), with indexes
    /// into the segment's samples.
    pub fn gaps(&self, block: usize, seg: usize, stream: usize) -> Result<Vec<SampleGap>> {
        Ok(match self.piece(block, seg, stream)? {
            Some(p) => piece_gaps(p)
                .into_iter()
                .map(|g| SampleGap {
                    sample_index: g.index,
                    sample_number: g.after,
                    missing_samples: g.missing(),
                })
                .collect(),
            None => Vec::new(),
        })
    }

    fn event_data(&self, block: usize, seg: usize, ev: usize) -> Result<&EventData> {
        self.segment(block, seg)?
            .events
            .get(ev)
            .ok_or_else(|| Error::out_of_range("event channel", ev, self.event_chans.len()))
    }

    fn unit(&self, block: usize, seg: usize, unit: usize) -> Result<&UnitSpikes> {
        self.segment(block, seg)?
            .spikes
            .get(unit)
            .ok_or_else(|| Error::out_of_range("spike channel", unit, self.unit_rates.len()))
    }

    /// Whether `stream` offers the synchronized clock ([`rawio_core::Clock::Explicit`]).
    pub fn has_synchronized_clock(&self, stream: usize) -> bool {
        self.header
            .signal_streams
            .get(stream)
            .is_some_and(|s| s.clock.has_explicit_times())
    }
}

/// Every unit of every recording, in order (node, folder order, electrode, cluster).
fn unit_keys(
    opened: &[Vec<(Vec<usize>, RecordingData)>],
    spike_sources: &[SpikeSource],
) -> Vec<UnitKey> {
    let mut keys = std::collections::BTreeSet::new();
    for (_, rec) in opened.iter().flatten() {
        for (k, units) in rec.spikes.iter().enumerate() {
            for &(electrode, cluster) in units.keys() {
                keys.insert(UnitKey {
                    node: spike_sources[k].node.clone(),
                    folder_order: k,
                    folder: spike_sources[k].folder.clone(),
                    electrode,
                    cluster,
                });
            }
        }
    }
    keys.into_iter().collect()
}

/// `channels` (local to a header stream) as file columns.
fn file_columns(hs: &HeaderStream, channels: &ChannelIndexes) -> ChannelIndexes {
    let contiguous = hs.columns.windows(2).all(|w| w[1] == w[0] + 1);
    match (channels, hs.columns.first()) {
        (ChannelIndexes::Range(r), Some(&c0)) if contiguous => {
            ChannelIndexes::Range(c0 + r.start..c0 + r.end)
        }
        _ => ChannelIndexes::from_list(
            channels
                .to_vec()
                .into_iter()
                .filter_map(|i| hs.columns.get(i).copied())
                .collect(),
        ),
    }
}

impl RawIO for BinaryReader {
    fn format_id(&self) -> &'static str {
        FORMAT_ID
    }

    fn source_name(&self) -> String {
        self.source.clone()
    }

    fn header(&self) -> &Header {
        &self.header
    }

    fn read_signal_size(&self, block: usize, seg: usize, stream: usize) -> Result<u64> {
        Ok(self
            .piece(block, seg, stream)?
            .map_or(0, |p| p.frames.end - p.frames.start))
    }

    fn read_signal_t_start(&self, block: usize, seg: usize, stream: usize) -> Result<f64> {
        let t0 = self.segment(block, seg)?.t_start;
        Ok(self
            .piece(block, seg, stream)?
            .and_then(|p| p.t_start)
            .unwrap_or(t0))
    }

    fn read_signal_chunk(
        &self,
        block: usize,
        seg: usize,
        stream: usize,
        samples: Range<u64>,
        channels: &ChannelIndexes,
    ) -> Result<RawChunk<'_>> {
        let hs = &self.streams[stream];
        let cols = file_columns(hs, channels);
        let Some(p) = self.piece(block, seg, stream)? else {
            let n = channels.len();
            return Ok(RawChunk::new(rawio_core::ndarray::Array2::<i16>::zeros((
                0, n,
            ))));
        };
        let frames = p.frames.start + samples.start..p.frames.start + samples.end;
        let chunk = p
            .rec
            .layout
            .read::<i16>(&p.rec.dat, FORMAT_ID, frames, &cols)?;
        // a sequential scan (this read starts where the last one ended): the last range's
        // pages go, so that memory stays flat whatever the caller does (views of them stay
        // valid: released pages are read again from the page cache when touched)
        if let Ok(mut last) = self.last_read.lock() {
            let prev = last.insert((block, seg, stream), samples.clone());
            if let Some(prev) = prev
                && prev.end == samples.start
                && prev.start < prev.end
            {
                self.release_signal(block, seg, stream, prev);
            }
        }
        Ok(chunk)
    }

    fn read_signal_times(
        &self,
        block: usize,
        seg: usize,
        stream: usize,
        samples: Range<u64>,
    ) -> Result<SampleTimes<'_>> {
        let no_clock = || {
            Error::invalid(format!(
                "stream {stream} has no synchronized timestamps in block {block} segment {seg}"
            ))
        };
        let Some(p) = self.piece(block, seg, stream)? else {
            if samples.is_empty() {
                return Ok(SampleTimes::from(rawio_core::ndarray::Array1::zeros(0)));
            }
            return Err(no_clock());
        };
        let f = p.rec.sync.as_ref().ok_or_else(no_clock)?;
        let start = usize::try_from(p.frames.start + samples.start).map_err(|_| no_clock())?;
        let end = usize::try_from(p.frames.start + samples.end).map_err(|_| no_clock())?;
        match f.raw_1d()? {
            rawio_core::RawArray::F64(c) if end <= c.len() => Ok(c.slice_axis_move(
                rawio_core::ndarray::Axis(0),
                rawio_core::ndarray::Slice::from(start..end),
            )),
            other => {
                let vals: Vec<f64> = (start..end).filter_map(|i| other.get_f64(i)).collect();
                if vals.len() != end - start {
                    return Err(no_clock());
                }
                Ok(CowArray::from(rawio_core::ndarray::Array1::from(vals)))
            }
        }
    }

    fn release_signal(&self, block: usize, seg: usize, stream: usize, samples: Range<u64>) {
        if let Ok(Some(p)) = self.piece(block, seg, stream) {
            let frame = p.rec.layout.n_channels.saturating_mul(2);
            let off = (p.frames.start + samples.start).saturating_mul(frame);
            let len = (samples.end - samples.start).saturating_mul(frame);
            p.rec.dat.release(off, len);
        }
    }

    fn read_spike_count(&self, block: usize, seg: usize, unit: usize) -> Result<u64> {
        Ok(self.unit(block, seg, unit)?.samples.len() as u64)
    }

    fn spike_time_base(&self) -> TimeBase {
        match self.spike_rate {
            Some(r) => TimeBase::rate(r),
            None => TimeBase::SECONDS,
        }
    }

    fn read_spike_timestamps(
        &self,
        block: usize,
        seg: usize,
        unit: usize,
    ) -> Result<RawTimestamps<'_>> {
        let u = self.unit(block, seg, unit)?;
        Ok(match self.spike_rate {
            Some(_) => RawTimestamps::new(CowArray::from(ArrayView1::from(&u.samples[..]))),
            None => {
                let r = self.unit_rates[unit];
                RawTimestamps::new(rawio_core::ndarray::Array1::from_iter(
                    u.samples.iter().map(|&s| s as f64 / r),
                ))
            }
        })
    }

    fn read_spike_waveforms(
        &self,
        block: usize,
        seg: usize,
        unit: usize,
        spikes: Range<usize>,
    ) -> Result<Option<RawWaveforms<'_>>> {
        Ok(spikes::unit_waveforms(self.unit(block, seg, unit)?, spikes)?.map(|w| w.into_owned()))
    }

    fn read_event_count(&self, block: usize, seg: usize, ev: usize) -> Result<u64> {
        Ok(self.event_data(block, seg, ev)?.samples.len() as u64)
    }

    fn event_time_base(&self, ev: usize) -> TimeBase {
        self.event_chans.get(ev).map_or(TimeBase::SECONDS, |c| {
            TimeBase::rate(c.source.info.sample_rate)
        })
    }

    fn read_events(&self, block: usize, seg: usize, ev: usize) -> Result<Events<'_>> {
        let d = self.event_data(block, seg, ev)?;
        let kind = self.event_chans[ev].kind;
        Ok(Events {
            timestamps: RawTimestamps::new(CowArray::from(ArrayView1::from(&d.samples[..]))),
            durations: match (kind, &d.durations) {
                (EventKind::Epoch, Some(dur)) => Some(RawTimestamps::new(CowArray::from(
                    ArrayView1::from(&dur[..]),
                ))),
                (EventKind::Epoch, None) => Some(RawTimestamps::new(
                    rawio_core::ndarray::Array1::<i64>::zeros(d.samples.len()),
                )),
                (EventKind::Event, _) => None,
            },
            labels: d.labels.clone(),
        })
    }
}
