//! The first steps of opening: find the files of a recording, then parse and index each NSx
//! file and the NEV file.

use crate::nev_header::{self, EXT_SIZE, ExtHeader, NevBasicHeader};
use crate::nev_index::{NevScan, scan_packets};
use crate::nsx_header::{self, NsxBasicHeader, NsxChannel, NsxSpec};
use crate::nsx_index::{
    BlockIndex, PtpIndex, Run, block_runs, index_blocks, index_ptp, index_v21, is_ptp,
};
use crate::reader::Options;
use crate::text::ParseError;
use rawio_core::{Error, MappedFile, Result};
use std::cmp::Ordering;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

/// The format id.
pub(crate) const FMT: &str = "blackrock";

/// Extensions of the files of a Blackrock recording (`.sif` and `.ccf` are recognised but not
/// read).
pub(crate) const EXTENSIONS: [&str; 9] = [
    "ns1", "ns2", "ns3", "ns4", "ns5", "ns6", "nev", "sif", "ccf",
];

pub(crate) fn corrupt(path: &Path, e: ParseError) -> Error {
    Error::corrupt(FMT, path, e.offset, e.detail)
}

/// Resident bytes touched by reads of one file before its mapping's pages are dropped.
const RELEASE_AFTER: u64 = 32 << 20;

/// Counts the bytes of a mapped file touched by reads and drops the mapping's pages from the
/// resident set every [`RELEASE_AFTER`] bytes, so that reading a multi-GB file keeps memory
/// flat even when the caller never calls `release_signal`.
#[derive(Debug, Default)]
pub(crate) struct Touched(AtomicU64);

impl Touched {
    pub fn account(&self, map: &MappedFile, bytes: u64) {
        let t = self.0.fetch_add(bytes, AtomicOrdering::Relaxed) + bytes;
        if t >= RELEASE_AFTER {
            self.0.store(0, AtomicOrdering::Relaxed);
            map.release(0, map.len());
        }
    }
}

/// A time as an exact tick count of a clock: compared exactly across clocks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Instant {
    pub ticks: u64,
    pub res: u32,
}

impl Instant {
    pub fn seconds(self) -> f64 {
        self.ticks as f64 / f64::from(self.res)
    }
}

impl PartialEq for Instant {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Instant {}
impl PartialOrd for Instant {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Instant {
    fn cmp(&self, other: &Self) -> Ordering {
        (u128::from(self.ticks) * u128::from(other.res))
            .cmp(&(u128::from(other.ticks) * u128::from(self.res)))
    }
}

/// The files of one recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileSet {
    /// The stem (path without extension).
    pub stem: PathBuf,
    /// `(X, path)` of every `.nsX` loaded, ascending X.
    pub nsx: Vec<(u8, PathBuf)>,
    /// The `.nev` file.
    pub nev: Option<PathBuf>,
    /// Every nsX present, loaded or not.
    pub available_nsx: Vec<u8>,
}

fn with_suffix(stem: &Path, ext: &str) -> PathBuf {
    let mut s: OsString = stem.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// The existing file `stem.ext` (also tried in upper case), recording every path tried.
fn sibling(stem: &Path, ext: &str, tried: &mut Vec<PathBuf>) -> Option<PathBuf> {
    for e in [ext.to_owned(), ext.to_ascii_uppercase()] {
        let p = with_suffix(stem, &e);
        if p.is_file() {
            return Some(p);
        }
        tried.push(p);
    }
    None
}

/// The stem of a path: the path without a Blackrock extension, or the path itself.
pub(crate) fn stem_of(path: &Path) -> PathBuf {
    let known = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)));
    if known {
        path.with_extension("")
    } else {
        path.to_path_buf()
    }
}

/// Finds the nsX and nev files of the recording at `path` (a stem, an `.nsX` or a `.nev`).
pub(crate) fn discover(path: &Path, options: &Options) -> Result<FileSet> {
    let stem = stem_of(path);
    let mut tried = Vec::new();
    let mut available = Vec::new();
    let mut nsx = Vec::new();
    for n in 1u8..=6 {
        if let Some(p) = sibling(&stem, &format!("ns{n}"), &mut tried) {
            available.push(n);
            if options.nsx.is_none_or(|want| want == n) {
                nsx.push((n, p));
            }
        }
    }
    let nev = sibling(&stem, "nev", &mut tried);
    if let Some(want) = options.nsx
        && !available.contains(&want)
    {
        return Err(Error::NotFound {
            format: FMT,
            what: format!("the requested ns{want} file (available: {available:?})"),
            looked_for: vec![with_suffix(&stem, &format!("ns{want}"))],
        });
    }
    if nsx.is_empty() && nev.is_none() {
        return Err(Error::NotFound {
            format: FMT,
            what: "no Blackrock .nsX or .nev file".into(),
            looked_for: tried,
        });
    }
    Ok(FileSet {
        stem,
        nsx,
        nev,
        available_nsx: available,
    })
}

/// The indexed data of an NSx file.
#[derive(Debug)]
pub(crate) enum NsxData {
    /// Spec 2.1 (one block) or 2.2/2.3/3.0 data blocks.
    Blocks(BlockIndex),
    /// A PTP packet array.
    Ptp(PtpIndex),
}

/// One opened NSx file: its headers, its data index and its runs.
#[derive(Debug)]
pub(crate) struct NsxFile {
    pub number: u8,
    pub path: PathBuf,
    pub map: MappedFile,
    pub basic: NsxBasicHeader,
    pub channels: Vec<NsxChannel>,
    pub data: NsxData,
    pub runs: Vec<Run>,
    pub touched: Touched,
}

impl NsxFile {
    pub fn is_ptp(&self) -> bool {
        matches!(self.data, NsxData::Ptp(_))
    }

    pub fn channel_count(&self) -> u64 {
        u64::from(self.basic.channel_count)
    }

    /// Start of a run as an exact instant.
    pub fn run_start(&self, r: &Run) -> Instant {
        Instant {
            ticks: r.first_timestamp,
            res: self.basic.timestamp_resolution,
        }
    }

    /// End of a run (last sample plus one period) as an exact instant.
    pub fn run_end(&self, r: &Run) -> Instant {
        Instant {
            ticks: r.end_timestamp,
            res: self.basic.timestamp_resolution,
        }
    }

    /// neo's signal t_start: `timestamp / timestamp_resolution`.
    pub fn run_t_start(&self, r: &Run) -> f64 {
        self.run_start(r).seconds()
    }

    /// neo's t_stop of a run: `t_start + n / rate`, for PTP `last / resolution + period / 30000`.
    pub fn run_t_stop(&self, r: &Run) -> f64 {
        let n = r.samples.end - r.samples.start;
        match &self.data {
            NsxData::Ptp(p) => {
                let last = self
                    .ptp_timestamp(p, r.samples.end.saturating_sub(1))
                    .unwrap_or(r.first_timestamp);
                last as f64 / f64::from(self.basic.timestamp_resolution)
                    + f64::from(self.basic.period) / f64::from(nsx_header::BASE_RATE)
            }
            NsxData::Blocks(_) => self.run_t_start(r) + n as f64 / self.basic.sampling_rate(),
        }
    }

    /// The nanosecond timestamp of PTP packet `g`.
    pub fn ptp_timestamp(&self, p: &PtpIndex, g: u64) -> Option<u64> {
        let b = self.map.range(FMT, p.packet_offset(g) + 1, 8).ok()?;
        Some(u64::from_le_bytes(b.try_into().ok()?))
    }
}

/// Parses and indexes one NSx file.
pub(crate) fn open_nsx(number: u8, path: &Path, options: &Options) -> Result<NsxFile> {
    let map = MappedFile::open(path)?;
    let bytes = map.bytes();
    let basic = nsx_header::parse_basic_header(bytes).map_err(|e| corrupt(path, e))?;
    let at = basic.channels_offset();
    let size = basic.channel_size();
    let n = u64::from(basic.channel_count);
    let all = n
        .checked_mul(size)
        .ok_or_else(|| Error::corrupt(FMT, path, at, "channel count overflows"))?;
    let raw = map.range(FMT, at, all).map_err(|_| {
        Error::corrupt(
            FMT,
            path,
            at,
            format!(
                "{n} channel headers of {size} bytes need {} bytes but the file has {}",
                at.saturating_add(all),
                map.len()
            ),
        )
    })?;
    let channels = raw
        .chunks_exact(usize::try_from(size).unwrap_or(usize::MAX))
        .zip((0u64..).map(|i| at + i * size))
        .map(|(c, off)| nsx_header::parse_channel(c, basic.spec, off))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| corrupt(path, e))?;
    let (data, runs) = if basic.spec == NsxSpec::V21 {
        let idx = index_v21(bytes, &basic);
        let runs = block_runs(&idx, basic.period, basic.timestamp_resolution);
        (NsxData::Blocks(idx), runs)
    } else if is_ptp(bytes, &basic) {
        let tol = options.ptp_tolerance_ns();
        let idx = index_ptp(bytes, &basic, tol, &|o, l| map.release(o, l))
            .map_err(|e| corrupt(path, e))?;
        let runs = idx.runs.clone();
        (NsxData::Ptp(idx), runs)
    } else {
        let idx = index_blocks(bytes, &basic).map_err(|e| corrupt(path, e))?;
        let runs = block_runs(&idx, basic.period, basic.timestamp_resolution);
        (NsxData::Blocks(idx), runs)
    };
    Ok(NsxFile {
        number,
        path: path.to_path_buf(),
        map,
        basic,
        channels,
        data,
        runs,
        touched: Touched::default(),
    })
}

/// One opened NEV file: headers and, unless skipped, the packet scan.
#[derive(Debug)]
pub(crate) struct NevFile {
    pub path: PathBuf,
    pub map: MappedFile,
    pub basic: NevBasicHeader,
    pub ext: Vec<ExtHeader>,
    pub scan: Option<NevScan>,
    pub touched: Touched,
}

/// Parses a NEV file's headers and, when `scan` is set, indexes every packet.
pub(crate) fn open_nev(path: &Path, scan: bool) -> Result<NevFile> {
    let map = MappedFile::open(path)?;
    let bytes = map.bytes();
    let basic = nev_header::parse_basic_header(bytes).map_err(|e| corrupt(path, e))?;
    let n = u64::from(basic.n_ext_headers);
    let raw = map
        .range(FMT, nev_header::BASIC_SIZE, n * EXT_SIZE)
        .map_err(|_| {
            Error::corrupt(
                FMT,
                path,
                332,
                format!(
                    "{n} extended headers need {} bytes but the file has {}",
                    nev_header::BASIC_SIZE + n * EXT_SIZE,
                    map.len()
                ),
            )
        })?;
    let ext = raw
        .chunks_exact(32)
        .zip((0u64..).map(|i| nev_header::BASIC_SIZE + i * EXT_SIZE))
        .map(|(c, off)| nev_header::parse_ext_header(c, basic.spec, off))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| corrupt(path, e))?;
    let scan = scan.then(|| scan_packets(bytes, &basic, &|o, l| map.release(o, l)));
    Ok(NevFile {
        path: path.to_path_buf(),
        map,
        basic,
        ext,
        scan,
        touched: Touched::default(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn instants_compare_exactly_across_clocks() {
        let a = Instant {
            ticks: 30000,
            res: 30000,
        };
        let b = Instant {
            ticks: 1_000_000_000,
            res: 1_000_000_000,
        };
        assert_eq!(a, b);
        let c = Instant {
            ticks: 1_000_000_001,
            res: 1_000_000_000,
        };
        assert!(c > a);
        assert_eq!(a.seconds(), 1.0);
    }

    #[test]
    fn stems_and_discovery() {
        assert_eq!(
            stem_of(Path::new("/d/FileSpec2.3001.nev")),
            PathBuf::from("/d/FileSpec2.3001")
        );
        assert_eq!(
            stem_of(Path::new("/d/FileSpec2.3001")),
            PathBuf::from("/d/FileSpec2.3001")
        );
        assert_eq!(stem_of(Path::new("x.NS5")), PathBuf::from("x"));
        let dir = tempfile::tempdir().unwrap();
        let stem = dir.path().join("rec.001");
        std::fs::write(with_suffix(&stem, "ns2"), b"").unwrap();
        std::fs::write(with_suffix(&stem, "NS5"), b"").unwrap();
        std::fs::write(with_suffix(&stem, "nev"), b"").unwrap();
        let set = discover(&with_suffix(&stem, "nev"), &Options::default()).unwrap();
        assert_eq!(set.stem, stem);
        assert_eq!(set.available_nsx, vec![2, 5]);
        assert_eq!(set.nsx[1].1, with_suffix(&stem, "NS5"));
        assert!(set.nev.is_some());
        let one = Options {
            nsx: Some(5),
            ..Options::default()
        };
        assert_eq!(discover(&stem, &one).unwrap().nsx.len(), 1);
        let missing = Options {
            nsx: Some(3),
            ..Options::default()
        };
        assert!(matches!(
            discover(&stem, &missing),
            Err(Error::NotFound { .. })
        ));
        let e = discover(&dir.path().join("nothing"), &Options::default()).unwrap_err();
        let Error::NotFound { looked_for, .. } = e else {
            panic!()
        };
        assert_eq!(looked_for.len(), 14);
    }
}
