//! Truncated and byte-flipped copies of the fixtures never panic, hang or over-allocate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

rawio_conformance::install_allocation_budget!();

fn fixture(name: &str) -> std::path::PathBuf {
    rawio_conformance::project_testdata(&format!("nwb/{name}"))
}

#[test]
fn robust_small_fixtures() {
    // (external_link.nwb cannot be checked: the kit copies a file and its stem siblings, not
    // its link target)
    for f in ["latest.h5", "lzf.h5", "blosc.h5", "bare_units.h5"] {
        rawio_conformance::assert_robust!(&fixture(f), rawio_nwb::FORMAT.open);
    }
}

#[test]
fn robust_ecephys() {
    rawio_conformance::assert_robust!(&fixture("ecephys.nwb"), rawio_nwb::FORMAT.open);
}
