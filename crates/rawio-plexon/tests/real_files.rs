//! The real PLX files of /work/shared/testdata/plexon/plexon-sdk (OmniPlex, PLX 106): neo's
//! dumps where neo is right, the independent block walk (testdata/generate/plexon_truth.py)
//! for signals. Skipped cleanly when ../shared is absent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rawio_conformance::{CompareOptions, assert_conformant, assert_matches_dump, shared_testdata};
use rawio_core::{RawIO, RawIOExt, TimeWindow};
use rawio_plexon::PlexonReader;

fn real(name: &str) -> Option<PlexonReader> {
    let p = shared_testdata(&format!("plexon/plexon-sdk/{name}.plx"))?;
    Some(PlexonReader::open(p).unwrap())
}

/// Only neo's documented signal bugs are ignored: signal t_start (always 0 in neo), the tail
/// (neo zeroes the last block) and the sums (missing that block).
fn neo_ignores() -> CompareOptions {
    CompareOptions::default()
        .ignoring("/segments/*/signals/*/t_start")
        .ignoring("/segments/*/signals/*/tail")
        .ignoring("/segments/*/signals/*/sum")
}

#[test]
fn sixteen_spikes_lfp_matches_neo_and_the_blocks() {
    let Some(r) = real("16sp_lfp_with_2coords") else {
        return;
    };
    assert_matches_dump(
        &r,
        &golden("16sp_lfp_with_2coords.neo.json"),
        &neo_ignores(),
    );
    check_blocks_truth(&r, &golden("16sp_lfp_with_2coords.blocks.json"));
    let h = r.header();
    assert_eq!(h.signal_streams.len(), 1);
    assert_eq!(h.signal_streams[0].id, "FP");
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 15962);
    // neo reads -1,725,129 for FP01 (it drops the last block); the file holds -1,680,265
    assert_eq!(stream_sums(&r, 0, 0, 4096)[0], -1_680_265.0);
    assert_eq!(r.signal_t_start(0, 0, 0).unwrap(), 181.0 / 40000.0);
    assert_eq!(h.spike_channels.len(), 8);
    assert_eq!(h.spike_channels[0].id, "ch1#0");
    assert_eq!(r.spike_count(0, 0, 0).unwrap(), 1154);
    assert_eq!(h.event_channels.len(), 49);
    let strobed = h
        .event_channels
        .iter()
        .position(|e| e.name == "Strobed")
        .unwrap();
    let ev = r.event_timestamps(0, 0, strobed, TimeWindow::ALL).unwrap();
    assert_eq!(ev.len(), 1924);
    assert_eq!(ev.labels[0], "22009");
    assert_eq!(h.blocks[0].annotations["header_count_mismatch_count"], 0);
    assert_eq!(h.blocks[0].segments[0].t_stop, 644882.0 / 40000.0);
    assert_conformant(&r);
}

#[test]
fn analog_only_matches_neo_and_the_blocks() {
    let Some(r) = real("opx141ch1to3analogOnly003") else {
        return;
    };
    assert_matches_dump(
        &r,
        &golden("opx141ch1to3analogOnly003.neo.json"),
        &neo_ignores(),
    );
    check_blocks_truth(&r, &golden("opx141ch1to3analogOnly003.blocks.json"));
    let h = r.header();
    let ids: Vec<&str> = h.signal_streams.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["FP", "SPKC", "WB"]);
    assert_eq!(r.signal_size(0, 0, 2).unwrap(), 318000);
    assert_eq!(
        stream_sums(&r, 0, 2, 100_000),
        vec![-7_248_383.0, -40_194_646.0]
    );
    assert_eq!(h.spike_channels.len(), 0);
    assert_eq!(h.blocks[0].annotations["header_count_mismatch_count"], 0);
    assert_conformant(&r);
}

#[test]
fn files_without_data_blocks_open() {
    // neo 0.14.6 raises UnboundLocalError on both
    for name in ["ts_freq_zero", "waveform_freq_zero"] {
        let Some(r) = real(name) else { return };
        let h = r.header();
        assert_eq!(h.signal_streams.len(), 0, "{name}");
        assert_eq!(h.spike_channels.len(), 0);
        assert_eq!(h.event_channels.len(), 43);
        assert!((0..43).all(|e| r.event_count(0, 0, e).unwrap() == 0));
        let a = &h.blocks[0].annotations;
        assert_eq!(a["data_blocks"], 0);
        // TSCounts (24 entries), WFCounts (24) and EVCounts (10) promise data that is not there
        assert_eq!(a["header_count_mismatch_count"], 58, "{name}");
        let seg = &h.blocks[0].segments[0];
        assert!(seg.t_stop > seg.t_start && seg.t_stop.is_finite());
        assert_conformant(&r);
    }
    if let Some(r) = real("waveform_freq_zero") {
        // LastTimestamp 753672 at 40 kHz
        assert_eq!(r.header().blocks[0].segments[0].t_stop, 753672.0 / 40000.0);
    }
}
