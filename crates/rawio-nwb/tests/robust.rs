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
    for f in ["latest.h5", "lzf.h5", "blosc.h5", "bare_units.h5", "zstd.h5"] {
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
