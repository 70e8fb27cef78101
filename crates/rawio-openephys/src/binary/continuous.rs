//! Continuous streams: the sources (`continuous/<folder>/` of every node, named as neo names
//! them), their split into header streams (neural, `_ADC`, `SYNC`), and the per-recording
//! files: `continuous.dat` memory-mapped, the sample numbers (gaps, `t_start`) and the
//! synchronized timestamps (the explicit clock).

use rawio_core::{
    Error, InterleavedLayout, MappedFile, NpyFile, Result, SignalChannel, annotations,
};
use serde_json::{Value, json};
use std::ops::Range;
use std::path::Path;

use super::FORMAT_ID;
use crate::npy_text::int_values;
use crate::oebin::{ChannelInfo, ContinuousInfo, safe_folder};

/// Most gaps listed one by one in the annotations of a segment (the count is always given).
pub(crate) const MAX_LISTED_GAPS: usize = 100;

/// A continuous source: one `continuous/<folder>/` of one Record Node, the same in every
/// recording where it appears.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    /// neo's stream name: `"<node>#<folder>"` (`"<folder>"` without a node).
    pub name: String,
    /// The folder under `continuous/` (no trailing slash).
    pub folder: String,
    /// Sampling rate in Hz.
    pub sample_rate: f64,
    /// Channels in file column order.
    pub channels: Vec<ChannelInfo>,
}

impl Source {
    /// The source of an oebin entry of `node`, or `None` (with the reason) when its folder
    /// name is unusable.
    pub fn of(node: &str, info: &ContinuousInfo) -> std::result::Result<Source, String> {
        let folder = safe_folder(&info.folder_name)
            .ok_or_else(|| format!("unusable folder_name {:?}", info.folder_name))?;
        let top = folder.split('/').next().unwrap_or(&folder).to_owned();
        let name = if node.is_empty() {
            top
        } else {
            format!("{node}#{top}")
        };
        Ok(Source {
            name,
            folder,
            sample_rate: info.sample_rate,
            channels: info.channels.clone(),
        })
    }

    /// Whether `other` (the same source in another recording) has the same channels and rate.
    pub fn same_layout(&self, other: &Source) -> bool {
        self.sample_rate == other.sample_rate
            && self.channels.len() == other.channels.len()
            && self
                .channels
                .iter()
                .zip(&other.channels)
                .all(|(a, b)| a.name == b.name && a.bit_volts == b.bit_volts)
    }
}

/// What a header stream holds of its source's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreamKind {
    /// Neural channels (everything that is neither ADC nor SYNC).
    Neural,
    /// `ADC` channels of a non-OneBox source (`<name>_ADC`).
    Adc,
    /// The `SYNC` channel(s) (`<name>SYNC`).
    Sync,
}

impl StreamKind {
    pub fn name(self) -> &'static str {
        match self {
            StreamKind::Neural => "neural",
            StreamKind::Adc => "adc",
            StreamKind::Sync => "sync",
        }
    }
}

/// A header stream: some columns of one source's `continuous.dat`.
#[derive(Debug, Clone)]
pub(crate) struct HeaderStream {
    /// Index into the sources.
    pub source: usize,
    /// Stream name and id, as neo.
    pub name: String,
    pub id: String,
    pub kind: StreamKind,
    /// File columns, in channel order.
    pub columns: Vec<usize>,
}

fn kind_of(source: &Source, ch: &ChannelInfo) -> StreamKind {
    if ch.name.contains("SYNC") {
        StreamKind::Sync
    } else if ch.name.contains("ADC") && !source.name.contains("OneBox") {
        StreamKind::Adc
    } else {
        StreamKind::Neural
    }
}

/// neo's streams of the sorted sources: neural stream `k` has id `"k"`, the ADC channels of
/// source `k` stream `"k + n_sources"` named `<name>_ADC`, the SYNC channel stream
/// `"<name>SYNC"`. Ordered by numeric id, then the SYNC streams by id (neo sorts every id as
/// a string, which puts `"10"` before `"2"`).
pub(crate) fn header_streams(sources: &[Source]) -> Vec<HeaderStream> {
    let n = sources.len();
    let mut numbered: Vec<(usize, HeaderStream)> = Vec::new();
    let mut sync: Vec<HeaderStream> = Vec::new();
    for (k, src) in sources.iter().enumerate() {
        for kind in [StreamKind::Neural, StreamKind::Adc, StreamKind::Sync] {
            let columns: Vec<usize> = src
                .channels
                .iter()
                .enumerate()
                .filter(|(_, c)| kind_of(src, c) == kind)
                .map(|(i, _)| i)
                .collect();
            if columns.is_empty() {
                continue;
            }
            let (name, id, num) = match kind {
                StreamKind::Neural => (src.name.clone(), k.to_string(), k),
                StreamKind::Adc => (format!("{}_ADC", src.name), (k + n).to_string(), k + n),
                StreamKind::Sync => {
                    let id = format!("{}SYNC", src.name);
                    (id.clone(), id, usize::MAX)
                }
            };
            let hs = HeaderStream {
                source: k,
                name,
                id,
                kind,
                columns,
            };
            if kind == StreamKind::Sync {
                sync.push(hs);
            } else {
                numbered.push((num, hs));
            }
        }
    }
    numbered.sort_by_key(|(num, _)| *num);
    sync.sort_by(|a, b| a.id.cmp(&b.id));
    numbered.into_iter().map(|(_, s)| s).chain(sync).collect()
}

/// The header channels in neo's order: every source's channels in file column order (a
/// source's neural, ADC and SYNC channels interleaved as written), each in its stream.
pub(crate) fn header_channels(sources: &[Source], streams: &[HeaderStream]) -> Vec<SignalChannel> {
    let mut out = Vec::new();
    for (k, src) in sources.iter().enumerate() {
        for (c, _) in src.channels.iter().enumerate() {
            if let Some(hs) = streams
                .iter()
                .find(|h| h.source == k && h.columns.contains(&c))
            {
                out.extend(stream_channels(src, hs, c..c + 1));
            }
        }
    }
    out
}

/// The header channels of columns `cols` of a stream, as neo builds them.
fn stream_channels(
    src: &Source,
    hs: &HeaderStream,
    cols: std::ops::Range<usize>,
) -> Vec<SignalChannel> {
    hs.columns
        .iter()
        .filter(|c| cols.contains(c))
        .filter_map(|&c| src.channels.get(c))
        .map(|ch| {
            let units = if !ch.units.is_empty() {
                ch.units.clone()
            } else if ch.name.contains("ADC") {
                "V".to_owned()
            } else {
                "uV".to_owned()
            };
            let mut ann = annotations(ch.extra.iter().map(|(k, v)| (k.clone(), v.clone())));
            ann.insert("source".into(), json!(src.folder));
            SignalChannel {
                name: ch.name.clone(),
                id: ch.name.clone(),
                sampling_rate: src.sample_rate,
                dtype: rawio_core::Dtype::Int16,
                units,
                gain: ch.bit_volts,
                offset: 0.0,
                stream_id: hs.id.clone(),
                buffer_id: hs.source.to_string(),
                annotations: ann,
            }
        })
        .collect()
}

/// A discontinuity of the sample numbers: at frame `index`, the sample number jumps from
/// `before` to `after` instead of `before + 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Gap {
    pub index: u64,
    pub before: i64,
    pub after: i64,
}

impl Gap {
    /// Samples missing (negative for a backward jump).
    pub fn missing(&self) -> i64 {
        self.after.saturating_sub(self.before).saturating_sub(1)
    }

    pub fn to_json(self, stream: &str, rate: f64) -> Value {
        json!({
            "stream": stream,
            "sample_index": self.index,
            "sample_number": self.after,
            "missing_samples": self.missing(),
            "missing_s": self.missing() as f64 / rate,
        })
    }
}

/// Every frame `i` where `sn[i] != sn[i-1] + 1`.
pub(crate) fn find_gaps(sn: &[i64]) -> Vec<Gap> {
    sn.windows(2)
        .enumerate()
        .filter(|(_, w)| w[0].checked_add(1) != Some(w[1]))
        .map(|(i, w)| Gap {
            index: i as u64 + 1,
            before: w[0],
            after: w[1],
        })
        .collect()
}

/// One source's files in one recording.
#[derive(Debug)]
pub(crate) struct RecordingStream {
    pub dat: MappedFile,
    pub layout: InterleavedLayout,
    /// Integer sample numbers (`sample_numbers.npy`, or `timestamps.npy` before GUI 0.6).
    pub sample_numbers: Option<NpyFile>,
    /// Synchronized seconds, when present and usable (not the `-1` of an unsynchronized
    /// recording, one per frame).
    pub sync: Option<NpyFile>,
    /// Sample-number discontinuities over the frames that have sample numbers.
    pub gaps: Vec<Gap>,
    /// Things a user should know (partial frame, missing or odd files).
    pub warnings: Vec<String>,
}

fn open_npy(path: &Path) -> Result<Option<NpyFile>> {
    if path.is_file() {
        NpyFile::open(path, FORMAT_ID).map(Some)
    } else {
        Ok(None)
    }
}

/// Calls `f` with the sample numbers as an `i64` slice (a view into the mapping when the
/// file is aligned int64, else a converted copy).
pub(crate) fn with_i64<R>(f: &NpyFile, g: impl FnOnce(&[i64]) -> R) -> Result<R> {
    let a = f.raw_1d()?;
    if let Some(v) = a.as_typed::<i64>()
        && let Some(s) = v.as_slice()
    {
        return Ok(g(s));
    }
    let v = int_values(f)?;
    Ok(g(&v))
}

impl RecordingStream {
    /// Opens `continuous/<folder>/` of a recording.
    pub fn open(dir: &Path, src: &Source) -> Result<RecordingStream> {
        let mut warnings = Vec::new();
        let dat = MappedFile::open(dir.join("continuous.dat"))?;
        let n_ch = src.channels.len() as u64;
        let layout = InterleavedLayout::for_file::<i16>(dat.len(), 0, n_ch);
        let trailing = layout.trailing_bytes::<i16>(dat.len());
        if trailing > 0 {
            warnings.push(format!(
                "{}: {} bytes after the last whole frame of {n_ch} channels ignored (the \
                 recording stopped mid-write); {} frames read",
                dat.path().display(),
                trailing,
                layout.n_frames
            ));
        }
        let sn_file = dir.join("sample_numbers.npy");
        let (sample_numbers, sync_path) = if sn_file.is_file() {
            (open_npy(&sn_file)?, dir.join("timestamps.npy"))
        } else {
            let ts = open_npy(&dir.join("timestamps.npy"))?;
            let ts = match ts {
                Some(t) if t.header().dtype.is_float() => {
                    warnings.push(format!(
                        "{}: float timestamps without sample_numbers.npy; t_start is 0",
                        t.path().display()
                    ));
                    None
                }
                other => other,
            };
            (ts, dir.join("synchronized_timestamps.npy"))
        };
        let mut gaps = Vec::new();
        match &sample_numbers {
            Some(f) => {
                let n = f.header().element_count();
                if n != layout.n_frames {
                    warnings.push(format!(
                        "{}: {n} sample numbers for {} frames",
                        f.path().display(),
                        layout.n_frames
                    ));
                }
                let m = usize::try_from(n.min(layout.n_frames)).unwrap_or(usize::MAX);
                gaps = with_i64(f, |s| find_gaps(s.get(..m).unwrap_or(s)))?;
                f.release();
            }
            None => warnings.push(format!(
                "{}: no sample numbers; t_start is 0 and gaps are not detected",
                dir.display()
            )),
        }
        let sync = open_sync(&sync_path, layout.n_frames, &mut warnings)?;
        Ok(RecordingStream {
            dat,
            layout,
            sample_numbers,
            sync,
            gaps,
            warnings,
        })
    }

    /// The sample number of frame `i`.
    pub fn sample_number(&self, i: u64) -> Option<i64> {
        let f = self.sample_numbers.as_ref()?;
        let a = f.raw_1d().ok()?;
        let i = usize::try_from(i).ok()?;
        a.get_i64(i)
    }

    /// The frame range of each piece when the recording is cut at `cuts` (times in seconds on
    /// the sample clock): frames whose time `sn / rate` is in `[cut_k, cut_k+1)`.
    pub fn pieces(&self, cuts: &[f64], rate: f64) -> Result<Vec<Range<u64>>> {
        let n = self.layout.n_frames;
        let Some(f) = &self.sample_numbers else {
            let mut v = vec![0..0; cuts.len()];
            v.push(0..n);
            return Ok(v);
        };
        let bounds: Vec<u64> = with_i64(f, |s| {
            let m = s.len().min(usize::try_from(n).unwrap_or(usize::MAX));
            let s = &s[..m];
            cuts.iter()
                .map(|&t| s.partition_point(|&x| (x as f64) / rate < t) as u64)
                .collect()
        })?;
        let mut out = Vec::with_capacity(cuts.len() + 1);
        let mut lo = 0u64;
        for b in bounds {
            let b = b.max(lo);
            out.push(lo..b);
            lo = b;
        }
        out.push(lo..n);
        Ok(out)
    }
}

/// The synchronized timestamps when usable: float, one per frame (at least), not `-1` at
/// either end (the GUI writes `-1` everywhere when there is no sync signal).
fn open_sync(path: &Path, frames: u64, warnings: &mut Vec<String>) -> Result<Option<NpyFile>> {
    let Some(f) = open_npy(path)? else {
        return Ok(None);
    };
    if !f.header().dtype.is_float() {
        warnings.push(format!(
            "{}: not floating-point seconds; no synchronized clock",
            f.path().display()
        ));
        return Ok(None);
    }
    let n = f.header().element_count();
    if n < frames {
        warnings.push(format!(
            "{}: {n} synchronized times for {frames} frames; no synchronized clock",
            f.path().display()
        ));
        return Ok(None);
    }
    if frames == 0 {
        return Ok(None);
    }
    let a = f.raw_1d()?;
    let first = a.get_f64(0).unwrap_or(-1.0);
    let last = usize::try_from(frames - 1)
        .ok()
        .and_then(|i| a.get_f64(i))
        .unwrap_or(-1.0);
    if first == -1.0 || last == -1.0 || !first.is_finite() || !last.is_finite() || last < first {
        return Ok(None);
    }
    drop(a);
    Ok(Some(f))
}

/// An error for a source whose layout differs between recordings.
pub(crate) fn inconsistent(name: &str, a: &str, b: &str) -> Error {
    Error::unsupported(
        FORMAT_ID,
        format!(
            "stream {name:?} has different channels or rates in {a} and {b}; open one \
             experiment at a time (BinaryOptions::experiments)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    fn ch(name: &str) -> ChannelInfo {
        ChannelInfo {
            name: name.into(),
            bit_volts: 0.195,
            units: String::new(),
            extra: Map::new(),
        }
    }

    fn src(name: &str, chans: &[&str]) -> Source {
        Source {
            name: name.into(),
            folder: name.into(),
            sample_rate: 30000.0,
            channels: chans.iter().map(|c| ch(c)).collect(),
        }
    }

    #[test]
    fn neo_stream_split_and_numeric_order() {
        let mut sources: Vec<Source> = (0..12)
            .map(|i| src(&format!("S{i:02}"), &["CH1"]))
            .collect();
        sources[1] = src("S01", &["CH1", "CH2", "ADC1", "ADC2", "CH3_SYNC"]);
        sources[11] = src("OneBox-S11", &["ADC1", "CH1"]);
        let hs = header_streams(&sources);
        let ids: Vec<&str> = hs.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "13", "S01SYNC"
            ]
        );
        let adc = hs.iter().find(|s| s.id == "13").unwrap();
        assert_eq!(
            (adc.name.as_str(), adc.columns.clone()),
            ("S01_ADC", vec![2, 3])
        );
        let neural = hs.iter().find(|s| s.id == "1").unwrap();
        assert_eq!(neural.columns, vec![0, 1]);
        let sync = hs.last().unwrap();
        assert_eq!((sync.columns.clone(), sync.source), (vec![4], 1));
        // OneBox keeps ADC channels in the neural stream
        assert_eq!(
            hs.iter().find(|s| s.id == "11").unwrap().columns,
            vec![0, 1]
        );
        let chans = header_channels(&sources, &hs);
        let s1: Vec<(&str, &str, &str)> = chans
            .iter()
            .filter(|c| c.buffer_id == "1")
            .map(|c| (c.name.as_str(), c.stream_id.as_str(), c.units.as_str()))
            .collect();
        assert_eq!(
            s1,
            [
                ("CH1", "1", "uV"),
                ("CH2", "1", "uV"),
                ("ADC1", "13", "V"),
                ("ADC2", "13", "V"),
                ("CH3_SYNC", "S01SYNC", "uV")
            ]
        );
        assert_eq!(neural.columns, vec![0, 1]);
        assert_eq!(adc.columns, vec![2, 3]);
    }

    #[test]
    fn gaps_are_found() {
        let g = find_gaps(&[5, 6, 7, 10, 11, 9, 10]);
        assert_eq!(
            g,
            vec![
                Gap {
                    index: 3,
                    before: 7,
                    after: 10
                },
                Gap {
                    index: 5,
                    before: 11,
                    after: 9
                }
            ]
        );
        assert_eq!((g[0].missing(), g[1].missing()), (2, -3));
        assert!(find_gaps(&[1]).is_empty());
        assert_eq!(find_gaps(&[i64::MAX, i64::MAX]).len(), 1);
    }

    #[test]
    fn sources_are_named_as_neo() {
        let info = ContinuousInfo {
            folder_name: "Neuropix-PXI-100.ProbeA-AP/".into(),
            sample_rate: 30000.0,
            channels: vec![ch("CH1")],
            extra: Map::new(),
        };
        assert_eq!(
            Source::of("Record Node 101", &info).unwrap().name,
            "Record Node 101#Neuropix-PXI-100.ProbeA-AP"
        );
        assert_eq!(
            Source::of("", &info).unwrap().name,
            "Neuropix-PXI-100.ProbeA-AP"
        );
        let bad = ContinuousInfo {
            folder_name: "../x".into(),
            ..info
        };
        assert!(Source::of("", &bad).is_err());
    }
}
