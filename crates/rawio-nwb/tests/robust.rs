//! Truncated and byte-flipped copies of every fixture, and copies where each dataspace
//! dimension the file declares is set to 2^20, 2^28, 2^40, 2^62, 0 and -1, never panic, hang
//! or over-allocate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

rawio_conformance::install_allocation_budget!();

use rawio_core::testing::DeclaredSize;
use std::path::Path;

fn fixture(name: &str) -> std::path::PathBuf {
    rawio_conformance::project_testdata(&format!("nwb/{name}"))
}

/// Every dataspace dimension of the fixture's HDF5 files (`rawio_hdf5::declared`), named
/// relative to the fixture root (the file's directory, or the fixture directory).
fn declared(path: &Path) -> Vec<DeclaredSize> {
    let (root, files): (&Path, Vec<std::path::PathBuf>) = if path.is_dir() {
        let mut v: Vec<_> = std::fs::read_dir(path)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        v.sort();
        (path, v)
    } else {
        (path.parent().unwrap(), vec![path.to_path_buf()])
    };
    files
        .iter()
        .flat_map(|f| rawio_hdf5::declared::declared_sizes(f, f.strip_prefix(root).unwrap()))
        .collect()
}

fn robust(name: &str) {
    rawio_conformance::assert_robust!(&fixture(name), rawio_nwb::FORMAT.open, declared);
}

#[test]
fn robust_small_fixtures() {
    for f in [
        "latest.h5",
        "lzf.h5",
        "blosc.h5",
        "bare_units.h5",
        "zstd.h5",
    ] {
        robust(f);
    }
}

#[test]
fn robust_soft_links_and_superblocks() {
    for f in [
        "softlinks_earliest.h5",
        "softlinks_latest.h5",
        "superblock_v1.h5",
        "superblock_v2.h5",
    ] {
        robust(f);
    }
}

/// Opens the linking file of a copied `extlink/` directory.
fn open_extlink(dir: &Path) -> rawio_core::Result<Box<dyn rawio_core::RawIO>> {
    (rawio_nwb::FORMAT.open)(&dir.join("external_link.nwb"))
}

#[test]
fn robust_external_link_pair() {
    // the kit copies the whole directory, so both the linking file and its target are
    // truncated and byte-flipped (a damaged or truncated target must not panic either)
    rawio_conformance::assert_robust!(&fixture("extlink"), open_extlink, declared);
}

#[test]
fn robust_missing_link() {
    // its datasets are scalars (no dimension to set): truncations and byte flips only
    let p = fixture("missing_link.nwb");
    assert!(declared(&p).is_empty());
    rawio_conformance::assert_robust!(&p, rawio_nwb::FORMAT.open);
}

#[test]
fn robust_ecephys() {
    robust("ecephys.nwb");
}

#[test]
fn robust_layouts() {
    // timestamped series, spike event series, MatNWB region references, partial damage,
    // (HDF5 that is not NWB does not open, so it has no robustness run)
    for f in [
        "layouts/timestamps.nwb",
        "layouts/matnwb_2_0b.nwb",
        "layouts/damaged.nwb",
    ] {
        robust(f);
    }
}

// ---------------------------------------------------------------------------------------
// issue 12: declared counts trusted before they were checked against the stored bytes.
// Each case patches one dimension of a copy of ecephys.nwb (found by rawio_hdf5::declared)
// and opens it under a 64 MiB allocation budget.
// ---------------------------------------------------------------------------------------

/// A copy of ecephys.nwb with dimension `dim` of the dataspace `shape` (its first
/// occurrence in the file) set to `value`.
fn patched(shape: &str, dim: usize, value: i128) -> (tempfile::TempDir, std::path::PathBuf) {
    patched_nth(shape, dim, 0, value).unwrap()
}

/// [`patched`] at the `nth` occurrence of the dataspace (None past the last).
fn patched_nth(
    shape: &str,
    dim: usize,
    nth: usize,
    value: i128,
) -> Option<(tempfile::TempDir, std::path::PathBuf)> {
    let src = fixture("ecephys.nwb");
    let what = format!("HDF5 dataspace {shape}: dimension {dim}");
    let d = rawio_hdf5::declared::declared_sizes(&src, Path::new("ecephys.nwb"))
        .into_iter()
        .filter(|d| d.what == what)
        .nth(nth)?;
    let bytes = d.apply(&std::fs::read(&src).unwrap(), value).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ecephys.nwb");
    std::fs::write(&p, bytes).unwrap();
    Some((dir, p))
}

/// Runs `f` with at most 64 MiB more allocated than before.
fn budgeted<T>(f: impl FnOnce() -> T) -> T {
    let a = &RAWIO_CONFORMANCE_ALLOCATOR;
    a.set_limit(a.allocated() + (64 << 20)).unwrap();
    let out = f();
    a.set_limit(usize::MAX).unwrap();
    out
}

fn not_read(r: &rawio_nwb::NwbReader) -> Vec<(String, String)> {
    use rawio_core::RawIO;
    r.header().blocks[0].annotations[rawio_nwb::NOT_READ_KEY]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["path"].as_str().unwrap().to_owned(),
                n["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn issue12_column_count_of_a_series_is_checked_against_the_stored_data() {
    use rawio_core::RawIO;
    // ElectricalSeries data [30000, 8]: 8 columns declared as 2^20 .. 2^62 (panic "capacity
    // overflow", allocation abort, a 6 GiB allocation, a 20 s open before). The chunks store 8
    // columns: the series is not read, the reason names it; everything else reads.
    for v in [1 << 20, 1 << 28, 1 << 40, 1 << 62] {
        let (_d, p) = patched("[30000, 8]", 1, v);
        let r = budgeted(|| rawio_nwb::NwbReader::open(&p)).unwrap();
        let nr = not_read(&r);
        assert_eq!(nr[0].0, "/acquisition/ElectricalSeries", "{v}: {nr:?}");
        assert!(
            nr[0].1.contains("the file stores [30000, 8]"),
            "{v}: {nr:?}"
        );
        let h = r.header();
        assert_eq!(h.signal_streams.len(), 3, "{v}");
        assert_eq!(h.spike_channels.len(), 5, "{v}");
    }
}

#[test]
fn issue12_table_index_is_read_at_its_stored_length() {
    use rawio_core::RawIO;
    // the units' 166-element columns and indexes (`spike_times`, `amplitudes`,
    // `waveforms_index`...), each declared as 2^20 .. 2^62 (2 GiB allocated at open before):
    // a contiguous one does not fit in the file, a chunked one stores 166; the table is not
    // read (listed, the reason naming the dataset), the rest of the file is
    let mut seen = 0;
    for nth in 0.. {
        if patched_nth("[166]", 0, nth, 0).is_none() {
            break;
        }
        for v in [1 << 20, 1 << 28, 1 << 40, 1 << 62] {
            let (_d, p) = patched_nth("[166]", 0, nth, v).unwrap();
            let r = budgeted(|| rawio_nwb::NwbReader::open(&p)).unwrap();
            let nr = not_read(&r);
            assert_eq!(nr.len(), 1, "{nth} {v}: {nr:?}");
            assert_eq!(nr[0].0, "/units", "{nth} {v}: {nr:?}");
            let why = &nr[0].1;
            assert!(why.starts_with("/units/"), "{why}");
            assert!(
                why.contains("does not fit in the file") || why.contains("the file stores 166"),
                "{why}"
            );
            assert_eq!(r.header().spike_channels.len(), 0);
            assert_eq!(r.header().signal_streams.len(), 4);
        }
        seen += 1;
    }
    assert!(seen >= 3, "{seen} datasets of 166 elements");
}

#[test]
fn issue12_rows_past_the_stored_chunks_are_not_read() {
    use rawio_core::{ChannelSelection, RawIO, RawIOExt};
    // ElectricalSeries data [30000, 8] declared with 2^28 or 2^62 rows: reads past the stored
    // chunks used to return fill values, so a whole-length read never ended. The stream
    // holds the 30000 stored rows, with a warning; a read past them is an error.
    for v in [1 << 20, 1 << 28, 1 << 40, 1 << 62] {
        let (_d, p) = patched("[30000, 8]", 0, v);
        let r = budgeted(|| rawio_nwb::NwbReader::open(&p)).unwrap();
        let h = r.header();
        let k = h.stream_index("/acquisition/ElectricalSeries").unwrap();
        assert_eq!(r.signal_size(0, 0, k).unwrap(), 30000, "{v}");
        let warn = h.signal_streams[k].annotations["warning"].as_str().unwrap();
        assert!(warn.contains("30000 stored"), "{warn}");
        let n: u64 = r
            .signal_chunks(0, 0, k, 65536, ChannelSelection::All)
            .unwrap()
            .map(|c| c.unwrap().1.len() as u64)
            .sum();
        assert_eq!(n, 30000);
        // the object API reads the dataset by its stored extent too
        let f = rawio_nwb::NwbFile::open(&p).unwrap();
        let s = f.series("ElectricalSeries").unwrap();
        let e = s.read(30000..30001).unwrap_err();
        assert!(e.to_string().contains("stores"), "{e}");
    }
}
