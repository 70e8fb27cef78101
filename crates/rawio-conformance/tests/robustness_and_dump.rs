//! Robustness harness, dump contract and golden comparison on a tiny file format defined here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rawio_conformance::{
    CompareOptions, RobustOptions, assert_matches_dump, check_robustness, dump_json,
};
use rawio_core::testing::TinyReader;
use rawio_core::{Error, RawIO, Result};
use std::path::Path;

rawio_conformance::install_allocation_budget!();

/// A "format" whose file holds a u64 count then that many bytes; a buggy variant trusts the
/// count (unbounded allocation), another panics on short files.
fn open_careful(path: &Path) -> Result<Box<dyn RawIO>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let n = bytes
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
        .ok_or_else(|| Error::corrupt("toy", path, 0, "short"))?;
    if n > bytes.len() as u64 - 8 {
        return Err(Error::corrupt("toy", path, 0, "count past end"));
    }
    Ok(Box::new(TinyReader::new()))
}

fn open_panicky(path: &Path) -> Result<Box<dyn RawIO>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap());
    assert!(n as usize <= bytes.len(), "count too large");
    Ok(Box::new(TinyReader::new()))
}

fn open_hangs(path: &Path) -> Result<Box<dyn RawIO>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if bytes.len() < 20 {
        std::thread::sleep(std::time::Duration::from_secs(5));
    }
    Ok(Box::new(TinyReader::new()))
}

fn fixture(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("toy.bin");
    let mut b = 24u64.to_le_bytes().to_vec();
    b.extend(0..24u8);
    std::fs::write(&p, b).unwrap();
    p
}

#[test]
fn robustness_catches_panics_and_hangs_and_passes_careful_code() {
    let dir = tempfile::tempdir().unwrap();
    let p = fixture(dir.path());
    let opts = RobustOptions {
        flips: 50,
        ..Default::default()
    };
    let ok = check_robustness(&p, open_careful, &opts);
    assert!(ok.is_ok(), "{ok}");
    assert!(ok.assertions >= 50);
    let bad = check_robustness(&p, open_panicky, &opts);
    assert!(bad.failed("robustness/panic"), "{bad}");
    let slow = check_robustness(
        &p,
        open_hangs,
        &RobustOptions {
            timeout: std::time::Duration::from_millis(300),
            flips: 5,
            ..Default::default()
        },
    );
    assert!(slow.failed("robustness/hang"), "{slow}");
    rawio_conformance::assert_robust!(&p, open_careful);
}

#[test]
fn dump_contract_and_golden_comparison() {
    let r = TinyReader::new();
    let d = dump_json(&r, true).unwrap();
    assert_eq!(d["schema"], "rawio-dump/1");
    assert_eq!(d["nb_segment"], serde_json::json!([1]));
    let sig = &d["segments"][0]["signals"][0];
    assert_eq!(sig["size"], 3000);
    let col0: i64 = r.signal.column(0).iter().map(|&v| i64::from(v)).sum();
    assert_eq!(sig["sum"][0].as_f64().unwrap(), col0 as f64);
    assert_eq!(sig["head"][0], serde_json::json!([-100, 913, 1926]));
    assert_eq!(
        d["segments"][0]["spikes"][1]["head_s"],
        serde_json::json!([0.005, 0.006, 1.5, 2.999])
    );
    assert_eq!(
        d["segments"][0]["spikes"][1]["waveform_shape"],
        serde_json::json!([4, 1, 4])
    );
    assert_eq!(
        d["segments"][0]["events"][1]["head_durations_s"],
        serde_json::json!([1.0, 0.75])
    );
    assert_eq!(
        d["segments"][0]["events"][0]["labels"],
        serde_json::json!(["a", "b", "a"])
    );
    assert_eq!(d["event_channels"][1]["type"], "epoch");
    assert_matches_dump(&r, &d, &CompareOptions::default());
    let mut wrong = d.clone();
    wrong["segments"][0]["signals"][0]["sum"][1] = serde_json::json!(1.0);
    let res =
        std::panic::catch_unwind(|| assert_matches_dump(&r, &wrong, &CompareOptions::default()));
    assert!(res.is_err());
    assert_matches_dump(
        &r,
        &wrong,
        &CompareOptions::default().ignoring("/segments/*/signals/*/sum"),
    );
}

#[test]
fn dump_of_a_multi_block_reader_with_an_explicit_clock() {
    use rawio_core::testing::MultiBlockReader;
    let r = MultiBlockReader::new();
    let d = rawio_conformance::dump_json(&r, true).unwrap();
    assert_eq!(d["nb_block"], 2);
    assert_eq!(d["nb_segment"], serde_json::json!([2, 2]));
    assert_eq!(d["segments"].as_array().unwrap().len(), 4);
    assert_eq!(d["signal_streams"][0]["clock"], "regular");
    assert_eq!(d["signal_streams"][1]["clock"], "explicit");
    let seg = &d["segments"][3]; // block 1, segment 1
    assert_eq!(seg["block"], 1);
    assert_eq!(seg["segment"], 1);
    let regular = &seg["signals"][0];
    assert_eq!(regular["size"], MultiBlockReader::regular_len(1, 1));
    assert!(regular.get("explicit_times_head_s").is_none());
    let explicit = &seg["signals"][1];
    let n = MultiBlockReader::explicit_len(1, 1);
    assert_eq!(explicit["clock"], "explicit");
    assert_eq!(
        explicit["explicit_times_head_s"],
        serde_json::json!(
            (0..3)
                .map(|i| MultiBlockReader::explicit_time(1, 1, i))
                .collect::<Vec<_>>()
        )
    );
    assert_eq!(
        explicit["explicit_times_tail_s"][2],
        serde_json::json!(MultiBlockReader::explicit_time(1, 1, n - 1))
    );
    assert_eq!(
        explicit["t_start"],
        serde_json::json!(MultiBlockReader::explicit_time(1, 1, 0))
    );
    let spikes: Vec<f64> = MultiBlockReader::spikes(1, 1)
        .iter()
        .map(|&t| t as f64 / 1000.0)
        .collect();
    assert_eq!(seg["spikes"][0]["times_s"], serde_json::json!(spikes));
    assert_eq!(
        seg["events"][0]["labels"],
        serde_json::json!(["b1s1e0", "b1s1e1", "b1s1e2"])
    );
}
