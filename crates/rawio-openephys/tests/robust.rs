//! Truncated, byte-flipped and declared-size-mutated copies of the fixtures never panic, hang or
//! over-allocate. `declared_sizes` lists every count the fixture's files declare: `.npy` shape
//! dimensions, `structure.oebin` channel counts and peak sample counts, legacy header sizes
//! (`header_bytes`, `blockLength`, `bufferSize`, `num_channels`, `samplesPerSpike`) and the
//! per-record sample and channel counts of `.continuous` and `.spikes` records.
#![allow(clippy::unwrap_used, clippy::expect_used)]

rawio_conformance::install_allocation_budget!();

use rawio_conformance::{DeclaredSize, fixture_files, project_testdata};
use std::path::Path;

fn open_binary(p: &Path) -> rawio_core::Result<Box<dyn rawio_core::RawIO>> {
    (rawio_openephys::FORMAT_BINARY.open)(p)
}

fn open_legacy(p: &Path) -> rawio_core::Result<Box<dyn rawio_core::RawIO>> {
    (rawio_openephys::FORMAT_LEGACY.open)(p)
}

/// The decimal digits right after each `key` in `text` (skipping `"`, `:`, `=`, `(` and
/// spaces), as `(offset, len)`.
fn numbers_after(text: &[u8], key: &str) -> Vec<(u64, u64)> {
    let k = key.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + k.len() <= text.len() {
        if &text[i..i + k.len()] != k {
            i += 1;
            continue;
        }
        let mut j = i + k.len();
        while j < text.len() && b"\": =(".contains(&text[j]) {
            j += 1;
        }
        let start = j;
        while j < text.len() && text[j].is_ascii_digit() {
            j += 1;
        }
        if j > start {
            out.push((start as u64, (j - start) as u64));
        }
        i = j.max(i + 1);
    }
    out
}

/// Every dimension of an npy header's shape tuple.
fn npy_shape(bytes: &[u8]) -> Vec<(u64, u64)> {
    let head = &bytes[..bytes.len().min(256)];
    let Some(p) = head.windows(9).position(|w| w == b"'shape': ") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut j = p + 10;
    while j < head.len() && head[j] != b')' {
        if head[j].is_ascii_digit() {
            let s = j;
            while j < head.len() && head[j].is_ascii_digit() {
                j += 1;
            }
            out.push((s as u64, (j - s) as u64));
        } else {
            j += 1;
        }
    }
    out
}

/// The declared sizes of every file of the fixture at `root`.
fn declared_sizes(root: &Path) -> Vec<DeclaredSize> {
    let mut out = Vec::new();
    for f in fixture_files(root) {
        let rel = f.strip_prefix(root).unwrap().to_path_buf();
        let bytes = std::fs::read(&f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let dec = |out: &mut Vec<DeclaredSize>, spans: Vec<(u64, u64)>, what: &str| {
            for (o, l) in spans {
                out.push(DeclaredSize::decimal(&rel, o, l, format!("{name}: {what}")));
            }
        };
        if name.ends_with(".npy") {
            dec(&mut out, npy_shape(&bytes), "npy shape");
        } else if name == "structure.oebin" {
            for key in ["num_channels", "pre_peak_samples", "post_peak_samples"] {
                dec(&mut out, numbers_after(&bytes, key), key);
            }
        } else if name.ends_with(".continuous")
            || name.ends_with(".spikes")
            || name.ends_with(".events")
        {
            let head = &bytes[..bytes.len().min(1024)];
            for key in [
                "header_bytes",
                "blockLength",
                "bufferSize",
                "num_channels",
                "samplesPerSpike",
            ] {
                dec(&mut out, numbers_after(head, key), key);
            }
            let first = if bytes.len() > 1024 + 2070 { 1024 } else { 0 };
            if name.ends_with(".continuous") && first > 0 {
                out.push(DeclaredSize::le(
                    &rel,
                    1024 + 8,
                    2,
                    format!("{name}: record samples"),
                ));
                let last = (bytes.len() as u64 - 1024) / 2070 * 2070 + 1024 - 2070 + 8;
                out.push(DeclaredSize::le(
                    &rel,
                    last,
                    2,
                    format!("{name}: last record samples"),
                ));
            }
            if name.ends_with(".spikes") && bytes.len() > 1024 + 44 {
                out.push(DeclaredSize::le(
                    &rel,
                    1024 + 19,
                    2,
                    format!("{name}: channels"),
                ));
                out.push(DeclaredSize::le(
                    &rel,
                    1024 + 21,
                    2,
                    format!("{name}: samples"),
                ));
            }
        }
    }
    out
}

fn binary(name: &str) -> std::path::PathBuf {
    project_testdata(&format!("openephys-binary/{name}"))
}

fn legacy(name: &str) -> std::path::PathBuf {
    project_testdata(&format!("openephys-legacy/{name}"))
}

#[test]
fn declared_sizes_cover_every_kind_of_file() {
    let d = declared_sizes(&binary("gui04_no_node"));
    let whats: Vec<&str> = d.iter().map(|s| s.what.as_str()).collect();
    assert!(whats.iter().any(|w| w.contains("npy shape")));
    assert!(
        whats
            .iter()
            .any(|w| w.contains("structure.oebin: num_channels"))
    );
    let d = declared_sizes(&legacy("gui04"));
    assert!(d.iter().any(|s| s.what.contains("record samples")));
    assert!(d.iter().any(|s| s.what.ends_with(".spikes: channels")));
    assert!(d.iter().any(|s| s.what.contains("header_bytes")));
    assert_eq!(
        npy_shape(
            b"\x93NUMPY\x01\x00v\x00{'descr': '<i8', 'fortran_order': False, 'shape': (12, 3), }"
        ),
        [(61, 2), (65, 1)]
    );
}

#[test]
fn binary_gui04_is_robust() {
    rawio_conformance::assert_robust!(&binary("gui04_no_node"), open_binary, declared_sizes);
}

#[test]
fn binary_gui05_is_robust() {
    rawio_conformance::assert_robust!(
        &binary("gui05_two_nodes/RecordNode105"),
        open_binary,
        declared_sizes
    );
}

#[test]
fn binary_gui06_recording_is_robust() {
    rawio_conformance::assert_robust!(
        &binary("gui06_multinode/Record Node 101/experiment3"),
        open_binary,
        declared_sizes
    );
}

#[test]
fn legacy_gui04_is_robust() {
    rawio_conformance::assert_robust!(&legacy("gui04"), open_legacy, declared_sizes);
}

#[test]
fn legacy_small_fixtures_are_robust() {
    for f in ["damaged", "bare_numbers", "gui06_nodes"] {
        rawio_conformance::assert_robust!(&legacy(f), open_legacy, declared_sizes);
    }
}
