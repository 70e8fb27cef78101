//! Truncated and byte-flipped copies of every fixture never panic, hang or over-allocate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

rawio_conformance::install_allocation_budget!();

use rawio_conformance::project_testdata;

fn open(p: &std::path::Path) -> rawio_core::Result<Box<dyn rawio_core::RawIO>> {
    (rawio_neuroscope::FORMAT.open)(p)
}

#[test]
fn session_is_robust() {
    rawio_conformance::assert_robust!(&project_testdata("neuroscope/session.xml"), open);
}

#[test]
fn small_fixtures_are_robust() {
    for f in ["eegonly.xml", "partial.xml", "spikesonly.xml"] {
        rawio_conformance::assert_robust!(&project_testdata(&format!("neuroscope/{f}")), open);
    }
}
