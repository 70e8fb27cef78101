//! [`NeuroscopeReader`]: the [`RawIO`] implementation over a Neurosuite session.

use crate::header::{
    self, Clusters, EventList, ParseError, SessionXml, SiblingKind, SpikeFileKind,
};
use rawio_core::ndarray::{Array3, ArrayView1, CowArray};
use rawio_core::serde_json::{Value, json};
use rawio_core::{
    Annotations, Block, ChannelIndexes, Dtype, Error, EventChannel, EventKind, Events, Header,
    InterleavedLayout, MappedFile, RawChunk, RawIO, RawTimestamps, RawWaveforms, Result, Segment,
    SignalBuffer, SignalChannel, SignalStream, SpikeChannel, TimeBase,
};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The format id.
pub(crate) const FORMAT_ID: &str = "neuroscope";

/// The Neurosuite default LFP rate, used when the xml has no `lfpSamplingRate`.
pub const DEFAULT_LFP_SAMPLING_RATE: f64 = 1250.0;

/// Largest `nChannels` accepted for a signal file too short to hold one frame.
const MAX_CHANNELS_WITHOUT_DATA: u64 = 4096;

/// Which signal files of a session become signal streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignalFiles {
    /// One stream, as neo: the explicit binary file if any, else the first of `base.dat`,
    /// `base.lfp`, `base.eeg` that exists (none: the session has no signal stream).
    #[default]
    Auto,
    /// The wideband `base.dat` as stream `"0"` ("Signals") and the downsampled `base.lfp` (or
    /// `base.eeg`) as stream `"1"` ("LFP"), each when it exists.
    Both,
}

/// Options of [`NeuroscopeReader::open_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The signal file to read instead of searching `base.dat`/`.lfp`/`.eeg` (neo's
    /// `binary_file`). It must exist. A `.lfp`/`.eeg` name is read at `lfpSamplingRate`,
    /// anything else at `samplingRate`.
    pub binary_file: Option<PathBuf>,
    /// Which signal files become streams.
    pub signals: SignalFiles,
}

/// A signal file's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignalKind {
    Wideband,
    Lfp,
}

impl SignalKind {
    fn of(path: &Path) -> Self {
        match ext_lower(path).as_deref() {
            Some("lfp" | "eeg") => SignalKind::Lfp,
            _ => SignalKind::Wideband,
        }
    }
    fn name(self) -> &'static str {
        match self {
            SignalKind::Wideband => "wideband",
            SignalKind::Lfp => "lfp",
        }
    }
}

#[derive(Debug)]
struct StreamData {
    file: MappedFile,
    layout: InterleavedLayout,
}

#[derive(Debug)]
struct SpkData {
    file: MappedFile,
    n_samples: usize,
    n_channels: usize,
}

#[derive(Debug)]
struct UnitData {
    /// Index into `NeuroscopeReader::spk`.
    group: usize,
    /// Spike times in samples at `samplingRate`, sorted.
    timestamps: Vec<u64>,
    /// Index of each spike in the group's files (for `.spk`); empty when there is no `.spk`.
    spike_index: Vec<u64>,
}

#[derive(Debug)]
struct EventData {
    events: EventList,
}

/// A reader of a Neuroscope / Klusters (Neurosuite) session: `base.xml` plus its signal
/// (`.dat`, `.lfp`, `.eeg`), spike (`.res.N`, `.clu.N`, `.spk.N`) and event (`.evt`) files.
///
/// See the crate documentation for the mapping onto rawio's model.
#[derive(Debug)]
pub struct NeuroscopeReader {
    source: String,
    xml: SessionXml,
    header: Header,
    streams: Vec<StreamData>,
    spk: Vec<Option<SpkData>>,
    units: Vec<UnitData>,
    events: Vec<EventData>,
}

/// Paths of one session, resolved from what the user gave.
#[derive(Debug, Clone, PartialEq)]
struct SessionPaths {
    xml: PathBuf,
    dir: PathBuf,
    stem: String,
    explicit_signal: Option<PathBuf>,
}

fn ext_lower(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
}

fn file_name(path: &Path) -> Option<String> {
    path.file_name().and_then(|n| n.to_str()).map(str::to_owned)
}

/// `path` with `.ext` appended to its file name (keeps dots in the stem).
fn with_appended(path: &Path, ext: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

fn resolve_paths(path: &Path, options: &Options) -> Result<SessionPaths> {
    let ext = ext_lower(path);
    let (stem_path, explicit) = match ext.as_deref() {
        Some("xml") => (path.with_extension(""), None),
        Some("dat" | "lfp" | "eeg") => (path.with_extension(""), Some(path.to_path_buf())),
        _ => (path.to_path_buf(), None),
    };
    let xml = if ext.as_deref() == Some("xml") {
        path.to_path_buf()
    } else {
        with_appended(&stem_path, "xml")
    };
    if !xml.is_file() {
        return Err(Error::NotFound {
            format: FORMAT_ID,
            what: "Neuroscope session xml".into(),
            looked_for: vec![xml],
        });
    }
    let explicit = options.binary_file.clone().or(explicit);
    if let Some(p) = &explicit
        && !p.is_file()
    {
        return Err(Error::NotFound {
            format: FORMAT_ID,
            what: "signal file given explicitly".into(),
            looked_for: vec![p.clone()],
        });
    }
    let stem = file_name(&stem_path)
        .ok_or_else(|| Error::invalid(format!("{}: no usable file name", path.display())))?;
    let dir = match stem_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok(SessionPaths {
        xml,
        dir,
        stem,
        explicit_signal: explicit,
    })
}

/// Files of one spike group.
#[derive(Debug, Default, Clone)]
struct GroupFiles {
    res: Option<PathBuf>,
    clu: Option<PathBuf>,
    spk: Option<PathBuf>,
    fet: Option<PathBuf>,
}

#[derive(Debug, Default)]
struct Siblings {
    groups: BTreeMap<u64, GroupFiles>,
    /// (suffix after `stem.`, channel name, path), sorted by suffix.
    events: Vec<(String, String, PathBuf)>,
}

fn scan_siblings(paths: &SessionPaths) -> Result<Siblings> {
    let mut out = Siblings::default();
    let prefix = format!("{}.", paths.stem);
    let entries = std::fs::read_dir(&paths.dir).map_err(|e| Error::io(&paths.dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(&paths.dir, e))?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        match header::classify_sibling(rest) {
            Some(SiblingKind::Spike(kind, n)) => {
                let g = out.groups.entry(n).or_default();
                let slot = match kind {
                    SpikeFileKind::Res => &mut g.res,
                    SpikeFileKind::Clu => &mut g.clu,
                    SpikeFileKind::Spk => &mut g.spk,
                    SpikeFileKind::Fet => &mut g.fet,
                };
                *slot = Some(path);
            }
            Some(SiblingKind::Event { name }) => {
                // `base.X.evt` may be the general event file of another session `base.X`
                if rest.ends_with(".evt") && belongs_to_other_session(paths, &name) {
                    continue;
                }
                out.events.push((rest.to_owned(), name, path));
            }
            None => {}
        }
    }
    out.events.sort();
    Ok(out)
}

fn belongs_to_other_session(paths: &SessionPaths, name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    (1..=parts.len()).any(|k| {
        let other = format!("{}.{}.xml", paths.stem, parts[..k].join("."));
        paths.dir.join(other).is_file()
    })
}

fn corrupt(path: &Path, e: ParseError) -> Error {
    Error::corrupt(FORMAT_ID, path, e.offset, e.detail)
}

impl NeuroscopeReader {
    /// Opens a session from `base.xml`, the stem `base`, or a signal file `base.dat`,
    /// `base.lfp`, `base.eeg` (which is then the signal file), with default [`Options`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, &Options::default())
    }

    /// Opens a session with explicit [`Options`].
    pub fn open_with(path: impl AsRef<Path>, options: &Options) -> Result<Self> {
        let path = path.as_ref();
        let paths = resolve_paths(path, options)?;
        let xml_bytes = std::fs::read(&paths.xml).map_err(|e| Error::io(&paths.xml, e))?;
        let xml = header::parse_session_xml(&xml_bytes).map_err(|e| corrupt(&paths.xml, e))?;
        let siblings = scan_siblings(&paths)?;
        let signal_files = choose_signals(&paths, options);

        if signal_files.is_empty() && siblings.groups.is_empty() && siblings.events.is_empty() {
            let mut looked_for: Vec<PathBuf> = [
                "dat", "lfp", "eeg", "res.N", "clu.N", "evt", "*.evt", "evt.*",
            ]
            .iter()
            .map(|e| paths.dir.join(format!("{}.{e}", paths.stem)))
            .collect();
            looked_for.insert(0, paths.xml.clone());
            return Err(Error::NotFound {
                format: FORMAT_ID,
                what: "no signal, spike or event file for this session".into(),
                looked_for,
            });
        }

        let mut warnings: Vec<String> = Vec::new();
        let gain = xml.gain_mv();
        let mut header = Header::default();

        // ---------------------------------------------------------------- signals
        let mut streams = Vec::new();
        if !signal_files.is_empty() {
            if xml.n_bits != 16 {
                return Err(Error::unsupported(
                    FORMAT_ID,
                    format!(
                        "{}: nBits = {} (only 16-bit signal files are supported)",
                        paths.xml.display(),
                        xml.n_bits
                    ),
                ));
            }
            if xml.n_channels == 0 {
                return Err(Error::corrupt(FORMAT_ID, &paths.xml, 0, "nChannels is 0"));
            }
        }
        let single = options.signals == SignalFiles::Auto;
        let channel_groups = if signal_files.is_empty() {
            BTreeMap::new()
        } else {
            xml.channel_groups()
        };
        for (path, kind) in &signal_files {
            let file = MappedFile::open(path)?;
            // every channel gets a header entry: refuse absurd counts that the file cannot hold
            if xml.n_channels > MAX_CHANNELS_WITHOUT_DATA
                && xml.n_channels.saturating_mul(2) > file.len()
            {
                return Err(Error::corrupt(
                    FORMAT_ID,
                    &paths.xml,
                    0,
                    format!(
                        "nChannels = {} but {} holds only {} bytes",
                        xml.n_channels,
                        path.display(),
                        file.len()
                    ),
                ));
            }
            let layout = InterleavedLayout::for_file::<i16>(file.len(), 0, xml.n_channels);
            let trailing = layout.trailing_bytes::<i16>(file.len());
            let rate = match kind {
                SignalKind::Wideband => xml.sampling_rate,
                SignalKind::Lfp => match xml.lfp_sampling_rate {
                    Some(r) => r,
                    None => {
                        warnings.push(format!(
                            "{}: no fieldPotentials/lfpSamplingRate in the xml; using the \
                             Neurosuite default {DEFAULT_LFP_SAMPLING_RATE} Hz",
                            path.display()
                        ));
                        DEFAULT_LFP_SAMPLING_RATE
                    }
                },
            };
            let (id, name) = if single || *kind == SignalKind::Wideband {
                ("0", "Signals")
            } else {
                ("1", "LFP")
            };
            let mut ann = Annotations::new();
            ann.insert("file".into(), json!(path.display().to_string()));
            ann.insert("kind".into(), json!(kind.name()));
            ann.insert("trailing_bytes".into(), json!(trailing));
            if trailing > 0 {
                let w = format!(
                    "{}: file size {} is not a multiple of the frame size {} ({} channels x 2 \
                     bytes); the last {trailing} bytes (a partial frame) are ignored",
                    path.display(),
                    file.len(),
                    xml.n_channels.saturating_mul(2),
                    xml.n_channels
                );
                ann.insert("warnings".into(), json!([w.clone()]));
                warnings.push(w);
            }
            header.signal_buffers.push(SignalBuffer {
                name: name.into(),
                id: id.into(),
            });
            header.signal_streams.push(SignalStream {
                name: name.into(),
                id: id.into(),
                buffer_id: id.into(),
                clock: rawio_core::SampleClock::Regular,
                annotations: ann,
            });
            for c in 0..xml.n_channels {
                let group = channel_groups.get(&c).copied();
                let mut ann = Annotations::new();
                ann.insert("group".into(), group.map_or(Value::Null, |(g, _)| json!(g)));
                ann.insert("skip".into(), json!(group.is_some_and(|(_, s)| s)));
                header.signal_channels.push(SignalChannel {
                    name: match group {
                        Some((g, _)) => format!("ch{c}grp{g}"),
                        None => format!("ch{c}grpnone"),
                    },
                    id: c.to_string(),
                    sampling_rate: rate,
                    dtype: Dtype::Int16,
                    units: "mV".into(),
                    gain,
                    offset: 0.0,
                    stream_id: id.into(),
                    buffer_id: id.into(),
                    annotations: ann,
                });
            }
            streams.push((StreamData { file, layout }, rate));
        }

        // ---------------------------------------------------------------- spikes
        let mut spk = Vec::new();
        let mut units = Vec::new();
        for (&n, files) in &siblings.groups {
            let (Some(res_path), clu_path) = (&files.res, &files.clu) else {
                if let Some(c) = &files.clu {
                    warnings.push(format!(
                        "{}: no matching .res.{n} file; spike group {n} is ignored",
                        c.display()
                    ));
                }
                continue;
            };
            let res_map = MappedFile::open(res_path)?;
            let times =
                header::parse_integers(res_map.bytes()).map_err(|e| corrupt(res_path, e))?;
            drop(res_map);
            let mut group_ann = Annotations::new();
            let clusters = match clu_path {
                Some(p) => {
                    let m = MappedFile::open(p)?;
                    let c = header::parse_clu(m.bytes()).map_err(|e| corrupt(p, e))?;
                    if c.ids.len() != times.len() {
                        return Err(Error::corrupt(
                            FORMAT_ID,
                            p,
                            c.end_offset,
                            format!(
                                "{} has {} spikes but {} has {} cluster ids (after the \
                                 cluster count line)",
                                res_path.display(),
                                times.len(),
                                p.display(),
                                c.ids.len()
                            ),
                        ));
                    }
                    group_ann.insert("n_clusters_declared".into(), json!(c.n_clusters));
                    c
                }
                None => {
                    warnings.push(format!(
                        "{}: no .clu.{n} file; every spike of group {n} is put in cluster 1 \
                         (as Klusters does)",
                        res_path.display()
                    ));
                    Clusters {
                        n_clusters: 1,
                        ids: vec![1; times.len()],
                        end_offset: 0,
                    }
                }
            };
            let group_index = spk.len();
            let spk_data = open_spk(&xml, n, files, times.len() as u64, &mut warnings)?;
            let has_spk = spk_data.is_some();
            let left_sweep = xml.peak_sample_index(n).unwrap_or(-1);
            let group_channels: Vec<u64> = xml
                .spike_group(n)
                .map(|g| g.channels.clone())
                .unwrap_or_default();
            for (cluster, ts, idx) in split_by_cluster(&times, &clusters.ids, has_spk) {
                let mut ann = group_ann.clone();
                ann.insert("group".into(), json!(n));
                ann.insert("cluster".into(), json!(cluster));
                ann.insert(
                    "cluster_kind".into(),
                    json!(match cluster {
                        0 => "artefact",
                        1 => "noise",
                        _ => "unit",
                    }),
                );
                ann.insert("channels".into(), json!(group_channels));
                ann.insert("res_file".into(), json!(res_path.display().to_string()));
                if let Some(f) = &files.fet {
                    ann.insert("fet_file".into(), json!(f.display().to_string()));
                }
                header.spike_channels.push(SpikeChannel {
                    name: format!("shank{n}_cluster{cluster}"),
                    id: format!("{n}#{cluster}"),
                    wf_units: "mV".into(),
                    wf_gain: gain,
                    wf_offset: 0.0,
                    wf_left_sweep: if has_spk { left_sweep } else { -1 },
                    wf_sampling_rate: if has_spk { xml.sampling_rate } else { 0.0 },
                    annotations: ann,
                });
                units.push(UnitData {
                    group: group_index,
                    timestamps: ts,
                    spike_index: idx,
                });
            }
            spk.push(spk_data);
        }

        // ---------------------------------------------------------------- events
        let mut events = Vec::new();
        for (suffix, name, path) in &siblings.events {
            let m = MappedFile::open(path)?;
            let list = header::parse_events(m.bytes()).map_err(|e| corrupt(path, e))?;
            let mut ann = Annotations::new();
            ann.insert("file".into(), json!(path.display().to_string()));
            header.event_channels.push(EventChannel {
                name: name.clone(),
                id: suffix.clone(),
                kind: EventKind::Event,
                annotations: ann,
            });
            events.push(EventData { events: list });
        }

        // ---------------------------------------------------------------- segment
        let mut t_stop = 0.0f64;
        for (s, rate) in &streams {
            t_stop = t_stop.max(s.layout.n_frames as f64 / rate);
        }
        for u in &units {
            if let Some(&last) = u.timestamps.last() {
                t_stop = t_stop.max(last as f64 / xml.sampling_rate);
            }
        }
        for e in &events {
            for &t in &e.events.times_ms {
                t_stop = t_stop.max(t / 1000.0);
            }
        }
        let mut seg_ann = Annotations::new();
        if t_stop.is_nan() || t_stop <= 0.0 {
            t_stop = 1.0 / xml.sampling_rate;
            seg_ann.insert(
                "t_stop_fallback".into(),
                json!("no sample, spike or event after 0: t_stop is one sample period"),
            );
        }
        if !warnings.is_empty() {
            seg_ann.insert("warnings".into(), json!(warnings));
        }
        let mut block_ann = Annotations::new();
        block_ann.insert("xml_file".into(), json!(paths.xml.display().to_string()));
        block_ann.insert("creator".into(), json!(xml.creator));
        block_ann.insert("n_bits".into(), json!(xml.n_bits));
        block_ann.insert("sampling_rate".into(), json!(xml.sampling_rate));
        block_ann.insert(
            "lfp_sampling_rate".into(),
            xml.lfp_sampling_rate.map_or(Value::Null, |r| json!(r)),
        );
        header.blocks = vec![Block {
            segments: vec![Segment {
                t_start: 0.0,
                t_stop,
                annotations: seg_ann,
            }],
            annotations: block_ann,
        }];
        header.validate()?;
        Ok(NeuroscopeReader {
            source: path.display().to_string(),
            xml,
            header,
            streams: streams.into_iter().map(|(s, _)| s).collect(),
            spk,
            units,
            events,
        })
    }

    /// The parsed session xml.
    pub fn session(&self) -> &SessionXml {
        &self.xml
    }

    /// Bytes after the last complete frame of the signal file of `stream` (a partial frame
    /// that is ignored), or `None` for an unknown stream.
    pub fn trailing_bytes(&self, stream: usize) -> Option<u64> {
        let s = self.streams.get(stream)?;
        Some(s.layout.trailing_bytes::<i16>(s.file.len()))
    }
}

/// The signal files that become streams, with their role, in stream order.
fn choose_signals(paths: &SessionPaths, options: &Options) -> Vec<(PathBuf, SignalKind)> {
    let sib = |ext: &str| {
        let p = paths.dir.join(format!("{}.{ext}", paths.stem));
        p.is_file().then_some(p)
    };
    let explicit = paths.explicit_signal.clone().map(|p| {
        let k = SignalKind::of(&p);
        (p, k)
    });
    match options.signals {
        SignalFiles::Auto => match explicit {
            Some(e) => vec![e],
            None => ["dat", "lfp", "eeg"]
                .iter()
                .find_map(|e| sib(e))
                .map(|p| {
                    let k = SignalKind::of(&p);
                    vec![(p, k)]
                })
                .unwrap_or_default(),
        },
        SignalFiles::Both => {
            let mut wide = sib("dat").map(|p| (p, SignalKind::Wideband));
            let mut lfp = sib("lfp")
                .or_else(|| sib("eeg"))
                .map(|p| (p, SignalKind::Lfp));
            if let Some(e) = explicit {
                match e.1 {
                    SignalKind::Wideband => wide = Some(e),
                    SignalKind::Lfp => lfp = Some(e),
                }
            }
            wide.into_iter().chain(lfp).collect()
        }
    }
}

fn open_spk(
    xml: &SessionXml,
    n: u64,
    files: &GroupFiles,
    n_spikes: u64,
    warnings: &mut Vec<String>,
) -> Result<Option<SpkData>> {
    let Some(path) = &files.spk else {
        return Ok(None);
    };
    let n_channels = xml.spike_group(n).map_or(0, |g| g.channels.len() as u64);
    let n_samples = xml.n_samples(n).unwrap_or(0);
    let mut skip = |why: String| {
        warnings.push(format!(
            "{}: {why}; no waveforms for group {n}",
            path.display()
        ));
        Ok(None)
    };
    if xml.n_bits != 16 {
        return skip(format!("nBits = {} (only 16 is supported)", xml.n_bits));
    }
    if n_channels == 0 {
        return skip(format!(
            "no channels for spikeDetection group {n} in the xml"
        ));
    }
    if n_samples == 0 {
        return skip("no nSamples in the xml".into());
    }
    let file = MappedFile::open(path)?;
    let expected = n_spikes
        .checked_mul(n_samples)
        .and_then(|v| v.checked_mul(n_channels))
        .and_then(|v| v.checked_mul(2));
    if expected != Some(file.len()) {
        return skip(format!(
            "size {} bytes but {n_spikes} spikes x {n_samples} samples x {n_channels} channels \
             x 2 bytes = {} bytes",
            file.len(),
            expected.map_or_else(|| "overflow".to_string(), |e| e.to_string())
        ));
    }
    let (Ok(n_samples), Ok(n_channels)) = (usize::try_from(n_samples), usize::try_from(n_channels))
    else {
        return skip("waveform size too large".into());
    };
    Ok(Some(SpkData {
        file,
        n_samples,
        n_channels,
    }))
}

/// Splits spike times by cluster id (ascending), each unit's times sorted ascending (stable,
/// so equal times keep file order), with the spike's index in the group's files when
/// `with_index`.
fn split_by_cluster(
    times: &[u64],
    ids: &[u64],
    with_index: bool,
) -> Vec<(u64, Vec<u64>, Vec<u64>)> {
    let mut counts: BTreeMap<u64, usize> = BTreeMap::new();
    for &id in ids {
        *counts.entry(id).or_insert(0) += 1;
    }
    let keys: Vec<u64> = counts.keys().copied().collect();
    let mut out: Vec<(u64, Vec<u64>, Vec<u64>)> = counts
        .iter()
        .map(|(&k, &c)| {
            (
                k,
                Vec::with_capacity(c),
                Vec::with_capacity(if with_index { c } else { 0 }),
            )
        })
        .collect();
    let mut last: Option<(u64, usize)> = None;
    for (i, (&t, &id)) in times.iter().zip(ids).enumerate() {
        let slot = match last {
            Some((k, s)) if k == id => s,
            _ => {
                let s = keys.binary_search(&id).unwrap_or(0);
                last = Some((id, s));
                s
            }
        };
        if let Some(u) = out.get_mut(slot) {
            u.1.push(t);
            if with_index {
                u.2.push(i as u64);
            }
        }
    }
    for u in &mut out {
        if !u.1.is_sorted() {
            if with_index {
                let mut pairs: Vec<(u64, u64)> =
                    u.1.iter().copied().zip(u.2.iter().copied()).collect();
                pairs.sort_by_key(|p| p.0);
                u.1 = pairs.iter().map(|p| p.0).collect();
                u.2 = pairs.iter().map(|p| p.1).collect();
            } else {
                u.1.sort_unstable();
            }
        }
    }
    out
}

impl RawIO for NeuroscopeReader {
    fn format_id(&self) -> &'static str {
        FORMAT_ID
    }

    fn source_name(&self) -> String {
        self.source.clone()
    }

    fn header(&self) -> &Header {
        &self.header
    }

    fn read_signal_size(&self, _block: usize, _seg: usize, stream: usize) -> Result<u64> {
        self.streams
            .get(stream)
            .map(|s| s.layout.n_frames)
            .ok_or_else(|| Error::out_of_range("stream", stream, self.streams.len()))
    }

    fn read_signal_t_start(&self, _block: usize, _seg: usize, _stream: usize) -> Result<f64> {
        Ok(0.0)
    }

    fn read_signal_chunk(
        &self,
        _block: usize,
        _seg: usize,
        stream: usize,
        samples: Range<u64>,
        channels: &ChannelIndexes,
    ) -> Result<RawChunk<'_>> {
        let s = self
            .streams
            .get(stream)
            .ok_or_else(|| Error::out_of_range("stream", stream, self.streams.len()))?;
        s.layout.read::<i16>(&s.file, FORMAT_ID, samples, channels)
    }

    fn read_buffer_description(
        &self,
        _block: usize,
        _seg: usize,
        stream: usize,
    ) -> Option<rawio_core::BufferDescription> {
        let s = self.streams.get(stream)?;
        Some(s.layout.describe(s.file.path(), rawio_core::Dtype::Int16))
    }

    fn release_signal(&self, _block: usize, _seg: usize, stream: usize, samples: Range<u64>) {
        if let Some(s) = self.streams.get(stream) {
            s.layout.release(&s.file, rawio_core::Dtype::Int16, samples);
        }
    }

    fn read_spike_count(&self, _block: usize, _seg: usize, unit: usize) -> Result<u64> {
        Ok(self.unit(unit)?.timestamps.len() as u64)
    }

    fn spike_time_base(&self) -> TimeBase {
        TimeBase::rate(self.xml.sampling_rate)
    }

    fn read_spike_timestamps(
        &self,
        _block: usize,
        _seg: usize,
        unit: usize,
    ) -> Result<RawTimestamps<'_>> {
        let u = self.unit(unit)?;
        Ok(RawTimestamps::new(CowArray::from(ArrayView1::from(
            &u.timestamps[..],
        ))))
    }

    fn read_spike_waveforms(
        &self,
        _block: usize,
        _seg: usize,
        unit: usize,
        spikes: Range<usize>,
    ) -> Result<Option<RawWaveforms<'_>>> {
        let u = self.unit(unit)?;
        let Some(Some(spk)) = self.spk.get(u.group) else {
            return Ok(None);
        };
        let Some(indexes) = u.spike_index.get(spikes.clone()) else {
            return Err(Error::out_of_range(
                "spike",
                spikes.end,
                u.spike_index.len(),
            ));
        };
        let (ns, nc) = (spk.n_samples, spk.n_channels);
        let per_spike = ns * nc;
        let bytes = spk.file.bytes();
        let mut out = Array3::<i16>::zeros((indexes.len(), nc, ns));
        for (k, &g) in indexes.iter().enumerate() {
            let start = usize::try_from(g)
                .ok()
                .and_then(|g| g.checked_mul(per_spike * 2))
                .ok_or_else(|| {
                    Error::corrupt(FORMAT_ID, spk.file.path(), 0, "spike index overflow")
                })?;
            let end = start.saturating_add(per_spike * 2);
            let rec = bytes.get(start..end).ok_or_else(|| {
                Error::corrupt(
                    FORMAT_ID,
                    spk.file.path(),
                    start as u64,
                    format!("waveform of spike {g} is past the end of the file"),
                )
            })?;
            for (j, pair) in rec.chunks_exact(2).enumerate() {
                let (s, c) = (j / nc, j % nc);
                out[[k, c, s]] = i16::from_le_bytes([pair[0], pair[1]]);
            }
        }
        Ok(Some(RawWaveforms::new(out)))
    }

    fn read_event_count(&self, _block: usize, _seg: usize, ev: usize) -> Result<u64> {
        Ok(self.event(ev)?.events.times_ms.len() as u64)
    }

    fn event_time_base(&self, _ev: usize) -> TimeBase {
        TimeBase::MILLISECONDS
    }

    fn read_events(&self, _block: usize, _seg: usize, ev: usize) -> Result<Events<'_>> {
        let e = &self.event(ev)?.events;
        Ok(Events {
            timestamps: RawTimestamps::new(CowArray::from(ArrayView1::from(&e.times_ms[..]))),
            durations: None,
            labels: e.labels.clone(),
        })
    }
}

impl NeuroscopeReader {
    fn unit(&self, unit: usize) -> Result<&UnitData> {
        self.units
            .get(unit)
            .ok_or_else(|| Error::out_of_range("spike channel", unit, self.units.len()))
    }

    fn event(&self, ev: usize) -> Result<&EventData> {
        self.events
            .get(ev)
            .ok_or_else(|| Error::out_of_range("event channel", ev, self.events.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_clusters_sorted() {
        let times = [5u64, 3, 9, 1, 7];
        let ids = [2u64, 0, 2, 2, 0];
        let out = split_by_cluster(&times, &ids, true);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0], (0, vec![3, 7], vec![1, 4]));
        assert_eq!(out[1], (2, vec![1, 5, 9], vec![3, 0, 2]));
        let out = split_by_cluster(&times, &ids, false);
        assert_eq!(out[1], (2, vec![1, 5, 9], vec![]));
    }

    #[test]
    fn appends_extension_to_dotted_stems() {
        assert_eq!(
            with_appended(Path::new("a/rat.day1"), "xml"),
            PathBuf::from("a/rat.day1.xml")
        );
        assert_eq!(SignalKind::of(Path::new("x.EEG")), SignalKind::Lfp);
        assert_eq!(SignalKind::of(Path::new("x.fil")), SignalKind::Wideband);
    }
}
