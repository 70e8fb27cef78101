//! Truncated, byte-flipped and declared-size-mutated copies of every fixture never panic, hang
//! or allocate beyond the kit's budget.
#![allow(clippy::unwrap_used, clippy::expect_used)]

rawio_conformance::install_allocation_budget!();

use rawio_conformance::{DeclaredSize, fixture_files, project_testdata};
use std::path::Path;

fn open(p: &Path) -> rawio_core::Result<Box<dyn rawio_core::RawIO>> {
    (rawio_blackrock::FORMAT.open)(p)
}

fn u32_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from(u32::from_le_bytes(
        b.get(at..at + 4)?.try_into().ok()?,
    )))
}

/// The counts and sizes an NSx file declares: channel count, sample period, header size,
/// timestamp resolution, and the sample count of (up to) the first eight data blocks (for
/// PTP files, of the first, second and last packets).
fn nsx_sizes(name: &str, b: &[u8]) -> Vec<DeclaredSize> {
    let le = |at: u64, w: u8, what: &str| DeclaredSize::le(name, at, w, format!("{name}: {what}"));
    if b.starts_with(b"NEURALSG") {
        return vec![le(28, 4, "channel count"), le(24, 4, "period")];
    }
    let mut out = vec![
        le(10, 4, "bytes in headers"),
        le(286, 4, "period"),
        le(290, 4, "timestamp resolution"),
        le(310, 4, "channel count"),
    ];
    let (Some(hdr), Some(ch), Some(res)) = (u32_at(b, 10), u32_at(b, 310), u32_at(b, 290)) else {
        return out;
    };
    let v3 = b.starts_with(b"BRSMPGRP");
    let hs = if v3 { 13 } else { 9 };
    let count_at = if v3 { 9 } else { 5 };
    if res == 1_000_000_000 {
        let stride = 13 + 2 * ch;
        let n = (b.len() as u64 - hdr) / stride;
        for k in [0, 1, n - 1] {
            out.push(le(
                hdr + k * stride + 9,
                4,
                &format!("PTP packet {k} sample count"),
            ));
        }
        return out;
    }
    let mut at = hdr;
    for k in 0..8 {
        let Some(n) = u32_at(b, (at + count_at) as usize) else {
            break;
        };
        out.push(le(
            at + count_at,
            4,
            &format!("data block {k} sample count"),
        ));
        at += hs + n * 2 * ch;
    }
    out
}

/// The counts and sizes a NEV file declares: header size, packet size, timestamp resolution,
/// extended-header count, and the waveform sample size and width of the first NEUEVWAV header.
fn nev_sizes(name: &str, b: &[u8]) -> Vec<DeclaredSize> {
    let le = |at: u64, w: u8, what: &str| DeclaredSize::le(name, at, w, format!("{name}: {what}"));
    let mut out = vec![
        le(12, 4, "bytes in headers"),
        le(16, 4, "bytes per data packet"),
        le(20, 4, "timestamp resolution"),
        le(332, 4, "extended header count"),
    ];
    let n = u32_at(b, 332).unwrap_or(0) as usize;
    if let Some(i) = (0..n).find(|i| b.get(336 + 32 * i..344 + 32 * i) == Some(b"NEUEVWAV")) {
        let at = (336 + 32 * i) as u64;
        out.push(le(at + 21, 1, "NEUEVWAV bytes per waveform sample"));
        out.push(le(at + 22, 2, "NEUEVWAV spike width"));
    }
    out
}

/// Every declared count and size of the fixture at `path` (all the files of its stem).
fn declared_sizes(path: &Path) -> Vec<DeclaredSize> {
    let mut out = Vec::new();
    for f in fixture_files(path) {
        let name = f.file_name().unwrap().to_str().unwrap().to_owned();
        let b = std::fs::read(&f).unwrap();
        if b.starts_with(b"NEURALEV") || b.starts_with(b"BREVENTS") {
            out.extend(nev_sizes(&name, &b));
        } else if b.starts_with(b"NEURAL") || b.starts_with(b"BRSMPGRP") {
            out.extend(nsx_sizes(&name, &b));
        }
    }
    out
}

fn check(stem: &str) {
    let p = project_testdata(&format!("blackrock/{stem}"));
    rawio_conformance::assert_robust!(&p, open, declared_sizes);
}

#[test]
fn paused_two_groups_and_nev() {
    check("v23_paused");
}

#[test]
fn split_blocks_truncated_and_zero_count() {
    check("v23_split");
    check("truncated");
    check("zerocount");
    check("unequal");
    check("v23_tiny_first");
}

#[test]
fn spec30_and_pause_packets() {
    check("v30_paused");
    check("v23_pause_packets");
}

#[test]
fn spec21_and_22() {
    check("v21");
    check("v22_8bit");
}

#[test]
fn ptp() {
    check("ptp");
}

#[test]
fn nev_only() {
    check("partial.nev");
    check("utf16.nev");
}

#[test]
fn declared_sizes_cover_every_file() {
    let d = declared_sizes(&project_testdata("blackrock/v23_paused"));
    let files: std::collections::BTreeSet<_> = d.iter().map(|s| s.file.clone()).collect();
    assert_eq!(files.len(), 3);
    // ns2: 4 header fields + 2 blocks; ns5: 4 + 2; nev: 4 + 2
    assert_eq!(d.len(), 18);
    let p = declared_sizes(&project_testdata("blackrock/ptp"));
    assert!(
        p.iter()
            .any(|s| s.what.contains("PTP packet 1 sample count"))
    );
}

#[test]
fn real_central_files() {
    for rel in [
        "gin-ephy-testing-data/FileSpec2.3001.nev",
        "gin-ephy-testing-data/test2/test.ns5",
    ] {
        let Some(p) = rawio_conformance::shared_testdata(&format!("blackrock/{rel}")) else {
            return;
        };
        rawio_conformance::assert_robust!(&p, open, declared_sizes);
    }
}
