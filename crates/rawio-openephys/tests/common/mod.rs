//! Helpers shared by the test files: fixtures, goldens, neo-golden normalisation.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use rawio_conformance::{CompareOptions, project_testdata};
use serde_json::Value;
use std::path::PathBuf;

/// A generated fixture of `kind` (`"binary"` or `"legacy"`).
pub fn fixture(kind: &str, name: &str) -> PathBuf {
    project_testdata(&format!("openephys-{kind}/{name}"))
}

/// A golden JSON of `kind`.
pub fn golden(kind: &str, name: &str) -> Value {
    let p = fixture(kind, &format!("golden/{name}"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap()
}

/// The neo differences every binary comparison ignores (docs/neo-differences.md): neo has no
/// spikes, types TTL channels "event" (so no durations for empty TTL channels), and repeats
/// event channel ids across nodes.
pub fn neo_binary_opts() -> CompareOptions {
    CompareOptions::default()
        .ignoring("/spike_channels")
        .ignoring("/segments/*/spikes")
        .ignoring("/event_channels/*/type")
        .ignoring("/event_channels/*/id")
        .ignoring("/segments/*/events/*/head_durations_s")
        .ignoring("/segments/*/events/*/durations_s")
}
