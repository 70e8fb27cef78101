//! Truncated and byte-flipped copies of the fixtures never panic, hang or over-allocate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

rawio_conformance::install_allocation_budget!();

fn fixture(name: &str) -> std::path::PathBuf {
    rawio_conformance::project_testdata(&format!("nwb/{name}"))
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
        rawio_conformance::assert_robust!(&fixture(f), rawio_nwb::FORMAT.open);
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
        rawio_conformance::assert_robust!(&fixture(f), rawio_nwb::FORMAT.open);
    }
}

/// Opens the linking file of a copied `extlink/` directory.
fn open_extlink(dir: &std::path::Path) -> rawio_core::Result<Box<dyn rawio_core::RawIO>> {
    (rawio_nwb::FORMAT.open)(&dir.join("external_link.nwb"))
}

#[test]
fn robust_external_link_pair() {
    // the kit copies the whole directory, so both the linking file and its target are
    // truncated and byte-flipped (a damaged or truncated target must not panic either)
    rawio_conformance::assert_robust!(&fixture("extlink"), open_extlink);
}

#[test]
fn robust_ecephys() {
    rawio_conformance::assert_robust!(&fixture("ecephys.nwb"), rawio_nwb::FORMAT.open);
}
