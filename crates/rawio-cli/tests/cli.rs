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

fn nwb_layout(name: &str) -> String {
    rawio_conformance::project_testdata(&format!("nwb/layouts/{name}"))
        .display()
        .to_string()
}

#[test]
fn info_lists_contents_session_and_what_was_not_read() {
    // a file with one bad table and a dangling external link opens; info says what it holds
    // and what it left out
    let damaged = nwb_layout("damaged.nwb");
    let (code, out, err) = rawio(&["info", &damaged]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("contents: 5 objects"), "{out}");
    assert!(
        out.contains("units_a") && out.contains("units table"),
        "{out}"
    );
    assert!(
        out.contains("interval table") && out.contains("start_time, stop_time"),
        "{out}"
    );
    assert!(out.contains("rawio-nwb-damaged"), "{out}"); // session identifier
    assert!(out.contains("not read: 2 objects"), "{out}");
    assert!(
        out.contains("/general/subject") && out.contains("missing_subject.nwb"),
        "{out}"
    );
    assert!(out.contains("/units/spike_times_index"), "{out}");
    // dump carries the same list
    let (code, out, _) = rawio(&["dump", &damaged, "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let paths: Vec<&str> = v["not_read"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/general/subject", "/units"]);
    // --strict makes them an error naming the first object
    for cmd in ["info", "check"] {
        let (code, _, err) = rawio(&[cmd, &damaged, "--strict"]);
        assert_eq!(code, 1, "{cmd}: {err}");
        assert!(
            err.contains("/general/subject") && err.contains("1 more"),
            "{err}"
        );
    }
    let (code, _, err) = rawio(&["dump", &damaged, "--json", "--strict"]);
    assert_eq!(code, 1, "{err}");
    // a clean file passes --strict; timestamped series show their explicit clock
    let ts = nwb_layout("timestamps.nwb");
    let (code, out, err) = rawio(&["info", &ts, "--strict"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("explicit times (nominal rate stated)"),
        "{out}"
    );
    assert!(out.contains("spike event series"), "{out}");
    assert!(!out.contains("not read"), "{out}");
    // HDF5 that is not NWB (nor NIX): unknown format with a hint, from info and check
    // (NIX-shaped files are left to the NIX reader: see rawio-nwb's tests)
    for cmd in ["info", "check"] {
        let (code, _, err) = rawio(&[cmd, &nwb_layout("not_nwb.h5")]);
        assert_eq!(code, 3, "{cmd}: {err}");
        assert!(err.contains("HDF5 file without the markers"), "{err}");
    }
}
