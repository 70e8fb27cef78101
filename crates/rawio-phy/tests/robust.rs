//! Truncated and byte-flipped copies of every fixture folder never panic, hang or over-allocate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

rawio_conformance::install_allocation_budget!();

use rawio_conformance::project_testdata;

fn open(p: &std::path::Path) -> rawio_core::Result<Box<dyn rawio_core::RawIO>> {
    (rawio_phy::FORMAT.open)(p)
}

#[test]
fn corrupted_fixtures() {
    for name in ["int64_plain", "uint64_col", "spaces"] {
        rawio_conformance::assert_robust!(&project_testdata(&format!("phy/{name}")), open);
    }
}
