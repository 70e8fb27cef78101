//! Truncated and byte-flipped copies of every fixture, and copies where every count the session
//! declares is set to an extreme value, never panic, hang or over-allocate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

rawio_conformance::install_allocation_budget!();

use rawio_conformance::project_testdata;
use rawio_core::testing::DeclaredSize;
use std::path::Path;

fn open(p: &Path) -> rawio_core::Result<Box<dyn rawio_core::RawIO>> {
    (rawio_neuroscope::FORMAT.open)(p)
}

/// The counts and sizes a session declares in its `.xml`: channel count, bits, rates, channel
/// numbers of the groups, waveform lengths and peak positions, feature counts.
fn declared(p: &Path) -> Vec<DeclaredSize> {
    let name = p.file_name().unwrap();
    let xml = std::fs::read(p).unwrap();
    let mut out = Vec::new();
    for (marker, what) in [
        ("<nChannels>", "nChannels"),
        ("<nBits>", "nBits"),
        ("<samplingRate>", "samplingRate"),
        ("<lfpSamplingRate>", "lfpSamplingRate"),
        ("<nSamples>", "spike group nSamples"),
        ("<peakSampleIndex>", "spike group peakSampleIndex"),
        ("<nFeatures>", "spike group nFeatures"),
        ("\">", "anatomical group channel number"),
        ("<channel>", "spike group channel number"),
    ] {
        out.extend(DeclaredSize::decimals_after(name, &xml, marker, what));
    }
    out
}

#[test]
fn session_is_robust() {
    rawio_conformance::assert_robust!(&project_testdata("neuroscope/session.xml"), open, declared);
}

#[test]
fn small_fixtures_are_robust() {
    for f in ["eegonly.xml", "partial.xml", "spikesonly.xml"] {
        rawio_conformance::assert_robust!(
            &project_testdata(&format!("neuroscope/{f}")),
            open,
            declared
        );
    }
}
