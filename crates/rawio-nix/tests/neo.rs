//! Files written by neo 0.14.6's NixIO: neo's names and ids, correct values where neo's
//! NIXRawIO is wrong (each difference pinned here is listed in docs/neo-differences.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use rawio_conformance::CompareOptions;
use rawio_core::{Dtype, EventKind, RawIO, RawIOExt, SampleClock, TimeWindow};

#[test]
fn neo_blocks_names_and_ids_follow_neo() {
    let r = open("neo_blocks.nix");
    assert!(r.is_neo());
    let h = r.header();
    assert_eq!(h.nb_segment(), vec![2, 2]);
    let streams: Vec<(&str, &str)> = h
        .signal_streams
        .iter()
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect();
    // neo's two streams (names empty), then the irregularly sampled signal neo leaves out
    assert_eq!(streams, [("0", ""), ("1", ""), ("2", "irregular")]);
    let ch: Vec<(&str, &str, &str)> = h
        .signal_channels
        .iter()
        .map(|c| (c.name.as_str(), c.id.as_str(), c.stream_id.as_str()))
        .collect();
    assert_eq!(
        ch,
        [
            ("fast", "0", "0"),
            ("fast", "1", "0"),
            ("slow", "2", "1"),
            ("slow", "3", "1"),
            ("irregular", "4", "2")
        ]
    );
    assert_eq!(h.signal_channels[0].dtype, Dtype::Float32);
    assert_eq!(h.signal_channels[0].units, "uV");
    assert_eq!(h.signal_channels[2].units, "mV");
    let units: Vec<&str> = h.spike_channels.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(units, ["unit A", "unit B"]);
    // unit id = the multi-tag's entity id (a UUID), as neo
    assert_eq!(h.spike_channels[0].id.len(), 36);
    let ev: Vec<(&str, &str, EventKind)> = h
        .event_channels
        .iter()
        .map(|e| (e.name.as_str(), e.id.as_str(), e.kind))
        .collect();
    assert_eq!(
        ev,
        [
            ("triggers", "0", EventKind::Event),
            ("trials", "0", EventKind::Epoch),
            ("session", "1", EventKind::Epoch)
        ]
    );
}

#[test]
fn neo_blocks_rates_and_starts_honour_units() {
    let r = open("neo_blocks.nix");
    let h = r.header();
    // 1 kHz is stored as an interval of 1.0 [1/kHz]: neo reports 1.0
    assert_eq!(h.signal_channels[0].sampling_rate, 1000.0);
    assert_eq!(h.signal_channels[2].sampling_rate, 250.0);
    // t_start 250 ms: neo reports 250.0
    assert_eq!(r.signal_t_start(0, 0, 0).unwrap(), 0.25);
    assert_eq!(r.signal_t_start(1, 1, 1).unwrap(), 0.5);
    // segment bounds span everything (neo: the last spike train's t_start/t_stop in its
    // own unit, 200.0 and 900.0 ms taken as seconds)
    for b in 0..2 {
        for s in 0..2 {
            let seg = h.segment(b, s).unwrap();
            assert_eq!((seg.t_start, seg.t_stop), (0.2, 0.9));
        }
    }
}

#[test]
fn neo_blocks_values_match_the_generator() {
    let r = open("neo_blocks.nix");
    let t = truth("neo_blocks.nix");
    for b in 0..2 {
        for s in 0..2 {
            let st = &t["blocks"][b]["segments"][s];
            assert_eq!(
                r.signal_size(b, s, 0).unwrap(),
                st["fast"]["n"].as_u64().unwrap()
            );
            assert_close(&column_sums(&r, b, s, 0), &floats(&st["fast"]["sum"]), 1e-9);
            assert_close(&column_sums(&r, b, s, 1), &floats(&st["slow"]["sum"]), 1e-9);
            // the irregularly sampled signal: an explicit clock
            let times = floats(&st["irregular_times_s"]);
            let n = r.signal_size(b, s, 2).unwrap();
            assert_close(
                &r.signal_times(b, s, 2, 0..n).unwrap().to_vec(),
                &times,
                0.0,
            );
            // spike_count is the number of spikes (neo: 0)
            assert_eq!(r.spike_count(b, s, 0).unwrap(), 7);
            assert_close(&spikes(&r, b, s, 0), &floats(&st["unit_A_s"]), 0.0);
            // unit B is stored in ms
            assert_close(&spikes(&r, b, s, 1), &floats(&st["unit_B_s"]), 1e-15);
            let wf = r
                .spike_raw_waveforms(b, s, 0, TimeWindow::ALL)
                .unwrap()
                .unwrap();
            assert_eq!(wf.shape(), &[7, 2, 8]);
            assert!((wf.sum_f64() - st["waveform_sum"].as_f64().unwrap()).abs() < 1e-9);
            assert!(
                r.spike_raw_waveforms(b, s, 1, TimeWindow::ALL)
                    .unwrap()
                    .is_none()
            );
            let (times, durations, labels) = events(&r, b, s, 0);
            assert_eq!((times, durations), (vec![0.3, 0.45, 0.6], None));
            assert_eq!(labels, ["on", "off", "on"]);
            // epoch durations in ms (neo: 50 and 100 "seconds")
            let (times, durations, labels) = events(&r, b, s, 1);
            assert_eq!(times, vec![0.3, 0.5]);
            assert_eq!(durations.unwrap(), floats(&st["trials_durations_s"]));
            assert_eq!(labels, ["trial1", "trial2"]);
            // the second epoch (neo: IndexError)
            let (times, durations, labels) = events(&r, b, s, 2);
            assert_eq!((times, durations), (vec![0.25], Some(vec![0.6])));
            assert_eq!(labels, ["whole"]);
        }
    }
}

#[test]
fn neo_blocks_waveform_header_and_annotations() {
    let r = open("neo_blocks.nix");
    let h = r.header();
    let u = &h.spike_channels[0];
    assert_eq!((u.wf_units.as_str(), u.wf_sampling_rate), ("uV", 20000.0));
    // left_sweep 0.1 ms at 20 kHz = 2 samples (neo: 0)
    assert_eq!(u.wf_left_sweep, 2);
    // no waveforms: no unit (neo: "None"), unknown left sweep
    let u = &h.spike_channels[1];
    assert_eq!(
        (u.wf_units.as_str(), u.wf_left_sweep, u.wf_sampling_rate),
        ("", -1, 0.0)
    );
    assert_eq!(h.spike_channels[0].annotations["quality"], "good");
    assert_eq!(h.blocks[1].annotations["name"], "block 1");
    assert_eq!(h.blocks[1].annotations["session"], 1);
    assert_eq!(
        h.blocks[0].annotations["tags"],
        serde_json::json!(["x", "y"])
    );
    assert_eq!(h.blocks[0].segments[1].annotations["condition"], "nogo");
    assert_eq!(h.blocks[0].segments[1].annotations["name"], "seg 0.1");
    assert_eq!(h.signal_streams[0].annotations["probe"], "A");
    assert_eq!(
        h.signal_streams[0].annotations["__array_annotations__"]["channel_names"],
        serde_json::json!(["a0", "a1"])
    );
    assert_eq!(h.event_channels[0].annotations["source"], "ttl");
    assert!(matches!(
        h.signal_streams[2].clock,
        SampleClock::Explicit { .. }
    ));
    // the neo Group is listed, not a segment
    let nm = not_mapped(&r, 0);
    assert_eq!(nm.len(), 1, "{nm:?}");
    assert!(nm[0].1.contains("neo Group"));
}

#[test]
fn neo_tiny_matches_neo_dump_but_for_spike_count() {
    let r = open("neo_tiny.nix");
    let golden: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("golden/neo_tiny.nix.json")).unwrap(),
    )
    .unwrap();
    // neo's spike_count() is 0 (it matches the unit id against the sources' ids)
    let opts = CompareOptions::default().ignoring("/segments/*/spikes/*/count");
    rawio_conformance::assert_matches_dump(&r, &golden, &opts);
    assert_eq!(r.spike_count(0, 0, 0).unwrap(), 4);
}

#[test]
fn neo_seed_in_ms() {
    let r = open("neo_seed.nix");
    let h = r.header();
    assert_eq!(h.signal_channels[0].sampling_rate, 1000.0);
    assert_eq!(spikes(&r, 0, 0, 0), vec![0.001, 0.003]);
    let seg = h.segment(0, 0).unwrap();
    assert_eq!((seg.t_start, seg.t_stop), (0.0, 0.008));
}
