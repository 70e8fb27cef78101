//! Truncated and byte-flipped copies of the fixtures never panic, hang or over-allocate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

rawio_conformance::install_allocation_budget!();

use rawio_core::RawIO;
use std::path::Path;

fn open(p: &Path) -> rawio_core::Result<Box<dyn RawIO>> {
    Ok(Box::new(rawio_plexon::PlexonReader::open(p)?))
}

#[test]
fn corrupted_fixtures() {
    for name in ["v103_stereo", "v105_gap", "v106_empty"] {
        let p = rawio_conformance::project_testdata(&format!("plexon/{name}.plx"));
        rawio_conformance::assert_robust!(&p, open);
    }
}
