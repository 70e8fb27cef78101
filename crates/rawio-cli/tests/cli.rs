//! The `rawio` binary: commands, output contract and exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

fn rawio(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rawio"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn sample() -> String {
    rawio_conformance::project_testdata("neuroscope/session.xml")
        .display()
        .to_string()
}

#[test]
fn info_summarises_the_bundled_sample() {
    let (code, out, _) = rawio(&["info", &sample()]);
    assert_eq!(code, 0);
    assert!(out.contains("neuroscope reader"));
    assert!(out.contains("nb_segment: [1]"));
    assert!(out.contains("shank1_cluster0"));
    assert!(out.contains("20000.0"));
}

#[test]
fn dump_follows_the_contract() {
    let (code, out, _) = rawio(&["dump", &sample(), "--json", "--full"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "rawio-dump/1");
    assert_eq!(v["format"], "neuroscope");
    assert_eq!(v["segments"][0]["signals"][0]["size"], 20000);
    assert!(
        v["segments"][0]["spikes"][0]["times_s"]
            .as_array()
            .unwrap()
            .len()
            == 65
    );
    let (code, _, err) = rawio(&["dump", &sample()]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn check_passes_on_fixtures() {
    let (code, out, _) = rawio(&["check", &sample()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 violations"));
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let unknown = dir.path().join("notes.txt");
    std::fs::write(&unknown, "hello").unwrap();
    let (code, _, err) = rawio(&["info", unknown.to_str().unwrap()]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("hint:"));
    let corrupt: PathBuf = dir.path().join("bad.plx");
    let mut bytes = b"PLEX".to_vec();
    bytes.extend([0u8; 100]);
    std::fs::write(&corrupt, bytes).unwrap();
    let (code, _, err) = rawio(&["info", corrupt.to_str().unwrap()]);
    assert_eq!(code, 4, "{err}");
    let missing = dir.path().join("missing.plx");
    let (code, _, err) = rawio(&["info", missing.to_str().unwrap(), "--format", "plexon"]);
    assert_eq!(code, 5, "{err}");
    let (code, _, _) = rawio(&["frobnicate"]);
    assert_eq!(code, 2);
    let (code, out, _) = rawio(&["formats"]);
    assert_eq!(code, 0);
    for f in ["neuroscope", "plexon", "phy", "nwb"] {
        assert!(out.contains(f), "{out}");
    }
}
