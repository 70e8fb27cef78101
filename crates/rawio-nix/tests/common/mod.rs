//! Test helpers: fixture paths, the generator's truth, and reads in seconds.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use rawio_core::{ChannelSelection, RawIO, RawIOExt, TimeWindow};
use rawio_nix::NixReader;
use serde_json::Value;
use std::path::PathBuf;

/// `testdata/nix/<name>` in the workspace.
pub fn fixture(name: &str) -> PathBuf {
    rawio_conformance::project_testdata(&format!("nix/{name}"))
}

/// Opens a fixture.
pub fn open(name: &str) -> NixReader {
    let p = fixture(name);
    NixReader::open(&p).unwrap_or_else(|e| panic!("open {}: {e}", p.display()))
}

/// The generator's truth of a fixture (`testdata/nix/truth/<name>.json`).
pub fn truth(name: &str) -> Value {
    let p = fixture("truth").join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// A JSON array of numbers.
pub fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Asserts two float lists agree within `tol`.
pub fn assert_close(actual: &[f64], expected: &[f64], tol: f64) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        assert!((a - e).abs() <= tol, "{actual:?} vs {expected:?}");
    }
}

/// The whole stream as f64, `samples × channels` rows.
pub fn stream_f64(r: &NixReader, block: usize, stream: usize) -> Vec<Vec<f64>> {
    let raw = r
        .analogsignal_chunk(block, 0, stream, None, None, &ChannelSelection::All)
        .unwrap();
    raw.to_f64()
        .rows()
        .into_iter()
        .map(|row| row.to_vec())
        .collect()
}

/// Column sums of a whole stream.
pub fn column_sums(r: &NixReader, block: usize, seg: usize, stream: usize) -> Vec<f64> {
    r.analogsignal_chunk(block, seg, stream, None, None, &ChannelSelection::All)
        .unwrap()
        .column_sums()
}

/// Spike times (s) of a unit.
pub fn spikes(r: &NixReader, block: usize, seg: usize, unit: usize) -> Vec<f64> {
    let ts = r
        .spike_timestamps(block, seg, unit, TimeWindow::ALL)
        .unwrap();
    r.rescale_spike_timestamps(&ts).to_vec()
}

/// Event times, durations and labels of an event channel.
pub fn events(
    r: &NixReader,
    block: usize,
    seg: usize,
    ev: usize,
) -> (Vec<f64>, Option<Vec<f64>>, Vec<String>) {
    let e = r.event_timestamps(block, seg, ev, TimeWindow::ALL).unwrap();
    let t = r.rescale_event_timestamps(&e.timestamps, ev).to_vec();
    let d = e
        .durations
        .as_ref()
        .map(|d| r.rescale_event_timestamps(d, ev).to_vec());
    (t, d, e.labels.clone())
}

/// The `not_mapped` entries of a block: (name, reason).
pub fn not_mapped(r: &NixReader, block: usize) -> Vec<(String, String)> {
    r.header().blocks[block]
        .annotations
        .get(rawio_nix::NOT_MAPPED)
        .and_then(Value::as_array)
        .map(|v| {
            v.iter()
                .map(|e| {
                    (
                        e["name"].as_str().unwrap().to_owned(),
                        e["reason"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}
