//! The conformance kit on every generated fixture and every real NWB file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::fixture;
use rawio_nwb::NwbReader;

/// The conformance kit, with no exception (its f32 check reproduces neo's two roundings exactly,
/// so streams with a `data@offset` are checked bit for bit too).
fn conformant(p: &std::path::Path) {
    let r = NwbReader::open(p).unwrap_or_else(|e| panic!("open {}: {e}", p.display()));
    rawio_conformance::assert_conformant(&r);
}

#[test]
fn ecephys_fixture() {
    conformant(&fixture("ecephys.nwb"));
}

#[test]
fn small_fixtures() {
    for f in [
        "extlink/external_link.nwb",
        "extlink/raw.nwb",
        "latest.h5",
        "lzf.h5",
        "zstd.h5",
        "superblock_v1.h5",
        "superblock_v2.h5",
        "softlinks_earliest.h5",
        "softlinks_latest.h5",
        "bare_units.h5",
    ] {
        conformant(&fixture(f));
    }
}

#[test]
fn real_files() {
    for rel in [
        "nwb/pynapple-A8604-211122/A8604-211122.nwb",
        "nwb/openephys-0.6.7-nwb/Record Node 105/experiment1.nwb",
        "nwb/pynwb-back-compat/1.0.2_nwbfile.nwb",
        "nwb/pynwb-back-compat/1.1.2_nwbfile.nwb",
        "nwb/pynwb-back-compat/3.0.0_electrodes_dynamic_table.nwb",
    ] {
        if let Some(p) = rawio_conformance::shared_testdata(rel) {
            conformant(&p);
        }
    }
}
