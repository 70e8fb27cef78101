//! Truncated and byte-flipped copies of the fixtures, and copies where every count the file
//! declares is set to an extreme value, never panic, hang or over-allocate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

rawio_conformance::install_allocation_budget!();

use rawio_core::RawIO;
use rawio_core::testing::DeclaredSize;
use std::path::Path;

fn open(p: &Path) -> rawio_core::Result<Box<dyn RawIO>> {
    Ok(Box::new(rawio_plexon::PlexonReader::open(p)?))
}

/// The counts and sizes a `.plx` declares: the global header's channel counts and waveform
/// length, the first entries of its count tables, every DSP header's unit count, and the
/// waveform count and length of the first data blocks.
fn declared(p: &Path) -> Vec<DeclaredSize> {
    let name = p.file_name().unwrap();
    let bytes = std::fs::read(p).unwrap();
    let h = rawio_plexon::header::FileHeaders::parse(&bytes).unwrap();
    let mut out = vec![
        DeclaredSize::le(name, 140, 4, "NumDSPChannels"),
        DeclaredSize::le(name, 144, 4, "NumEventChannels"),
        DeclaredSize::le(name, 148, 4, "NumSlowChannels"),
        DeclaredSize::le(name, 152, 4, "NumPointsWave"),
        DeclaredSize::le(name, 156, 4, "NumPointsPreThr"),
    ];
    // TSCounts[0][0..3] and WFCounts[0][0..3] (5 ints per channel, from byte 260)
    for (table, base) in [("TSCounts", 260u64), ("WFCounts", 260 + 2600)] {
        for k in 1..3 {
            out.push(DeclaredSize::le(name, base + 4 * (5 + k), 4, table));
        }
    }
    for i in 0..h.dsps.len() as u64 {
        let base =
            rawio_plexon::header::GLOBAL_HEADER_SIZE + i * rawio_plexon::header::DSP_HEADER_SIZE;
        out.push(DeclaredSize::le(name, base + 96, 4, "DSP header NUnits"));
    }
    let mut pos = h.data_start;
    for _ in 0..4 {
        let Some(b) = bytes.get(pos as usize..pos as usize + 16) else {
            break;
        };
        out.push(DeclaredSize::le(
            name,
            pos + 12,
            2,
            "block NumberOfWaveforms",
        ));
        out.push(DeclaredSize::le(
            name,
            pos + 14,
            2,
            "block NumberOfWordsInWaveform",
        ));
        let (n, w) = (
            i16::from_le_bytes([b[12], b[13]]).max(0) as u64,
            i16::from_le_bytes([b[14], b[15]]).max(0) as u64,
        );
        pos += 16 + 2 * n * w;
    }
    out
}

#[test]
fn corrupted_fixtures() {
    for name in [
        "v103_stereo",
        "v105_gap",
        "v106_empty",
        // v106_mismatch is refused on purpose (tests/fixtures.rs checks its error)
        "v106_mixed",
    ] {
        let p = rawio_conformance::project_testdata(&format!("plexon/{name}.plx"));
        rawio_conformance::assert_robust!(&p, open, declared);
    }
}
