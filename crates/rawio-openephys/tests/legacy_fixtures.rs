//! The generated legacy-format fixtures (testdata/openephys-legacy): the generator's truth,
//! neo's dumps where neo reads them, the conformance kit, and neo's legacy bugs pinned.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{fixture, golden};
use rawio_conformance::{CompareOptions, assert_conformant, assert_matches_dump};
use rawio_core::{ChannelSelection, RawIO, RawIOExt, TimeWindow};
use rawio_openephys::{LegacyOptions, LegacyReader};

fn open(name: &str) -> LegacyReader {
    LegacyReader::open(fixture("legacy", name)).unwrap()
}

#[test]
fn every_fixture_matches_the_generator_and_is_conformant() {
    for name in ["gui04", "gui06_nodes", "bare_numbers", "damaged"] {
        let r = open(name);
        assert_matches_dump(
            &r,
            &golden("legacy", &format!("{name}.truth.json")),
            &CompareOptions::default(),
        );
        assert_conformant(&r);
    }
}

#[test]
fn gui04_matches_neo_in_the_first_segment() {
    let r = open("gui04");
    let h = r.header();
    let streams: Vec<(&str, &str)> = h
        .signal_streams
        .iter()
        .map(|s| (s.name.as_str(), s.id.as_str()))
        .collect();
    assert_eq!(
        streams,
        [
            ("Signals CH", "CH"),
            ("Signals ADC", "ADC"),
            ("Signals AUX", "AUX")
        ]
    );
    let chans: Vec<(&str, &str, &str)> = h
        .signal_channels
        .iter()
        .map(|c| (c.name.as_str(), c.id.as_str(), c.units.as_str()))
        .collect();
    assert_eq!(
        chans,
        [
            ("CH1", "1", "uV"),
            ("CH2", "2", "uV"),
            ("CH3", "3", "uV"),
            ("CH4", "4", "uV"),
            ("ADC1", "1", "V"),
            ("AUX1", "1", "V")
        ]
    );
    // neo: spike_count 0 (spike times do not start at 0), the event channel named after the
    // last start's file with an empty id, the columns of the `_2` files permuted, and segment
    // bounds from the signals only
    let opts = CompareOptions::default()
        .ignoring("/segments/*/spikes")
        .ignoring("/event_channels")
        .ignoring("/segments/1")
        .ignoring("/segments/0/t_stop");
    let neo = golden("legacy", "gui04.neo.json");
    assert_matches_dump(&r, &neo, &opts);
    assert_eq!(neo["event_channels"][0]["name"], "all_channels_2");
    assert_eq!(neo["event_channels"][0]["id"], "");
    assert_eq!(h.event_channels[0].name, "all_channels");
    assert_eq!(neo["segments"][0]["spikes"][0]["count"], 0);
    assert_eq!(r.spike_count(0, 0, 0).unwrap(), 3);
    assert_eq!(r.spike_count(0, 1, 0).unwrap(), 3);
    // neo's second segment reads CH1 from 100_ADC1_2.continuous: its first CH column is our
    // ADC stream
    let adc_head = r
        .analogsignal_chunk(0, 1, 1, Some(0), Some(1), &ChannelSelection::All)
        .unwrap();
    assert_eq!(
        neo["segments"][1]["signals"][0]["head"][0][0],
        i64::from(adc_head.as_typed::<i16>().unwrap()[[0, 0]])
    );
}

#[test]
fn units_events_and_a_recording_not_starting_at_zero() {
    let r = open("gui04");
    let h = r.header();
    let units: Vec<(&str, f64, f64)> = h
        .spike_channels
        .iter()
        .map(|u| (u.name.as_str(), u.wf_gain, u.wf_offset))
        .collect();
    let g = f64::from(1000f32 / 20000f32);
    let o = f64::from(-32768f32 * (1000f32 / 20000f32));
    assert_eq!(
        units,
        [
            ("SEp100.0n0#0", g, o),
            ("SEp100.0n0#2", g, o),
            ("STp100.0n1#0", g, o)
        ]
    );
    assert_eq!(r.signal_t_start(0, 0, 0).unwrap(), 123_904.0 / 30000.0);
    let ts = r.spike_timestamps(0, 0, 1, TimeWindow::ALL).unwrap();
    assert_eq!(
        ts.as_typed::<i64>().unwrap().to_vec(),
        [
            123_904 + 37 + 211,
            123_904 + 37 + 3 * 211,
            123_904 + 37 + 5 * 211
        ]
    );
    let wf = r
        .spike_raw_waveforms(0, 0, 2, TimeWindow::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(wf.shape(), [6, 2, 40]);
    let ev = r.event_timestamps(0, 1, 0, TimeWindow::ALL).unwrap();
    assert_eq!(ev.labels, ["3#100#0", "3#100#0", "3#100#2", "3#100#2"]);
    assert_eq!(
        h.blocks[0].segments[1].annotations["openephys_segment_index"],
        2
    );
}

#[test]
fn gui06_names_nodes_and_events_without_sample_rate() {
    let r = open("gui06_nodes");
    let h = r.header();
    assert_eq!(h.signal_streams[0].id, "Record Node 101#CH");
    assert_eq!(h.signal_streams[1].name, "Record Node 102#Signals CH");
    // the GUI 0.6 event header has no sampleRate: the node's continuous rate is used (neo
    // drops the events)
    assert_eq!(h.event_channels.len(), 2);
    assert_eq!(h.event_channels[0].id, "Record Node 101#100_example-data");
    assert_eq!(r.event_time_base(0).per_second, 40000.0);
    assert_eq!(r.event_count(0, 0, 1).unwrap(), 2);
    assert_eq!(h.spike_channels[0].name, "Stereotrode1_example-data#0");
    // the segment holds the spikes recorded before the first continuous sample
    assert_eq!(r.segment_t_start(0, 0).unwrap(), 212_313.0 / 40000.0);
    let node = fixture("legacy", "gui06_nodes/Record Node 101");
    let one = LegacyReader::open(&node).unwrap();
    let neo = golden("legacy", "gui06_node101.neo.json");
    let opts = CompareOptions::default()
        .ignoring("/segments/*/spikes")
        .ignoring("/event_channels")
        .ignoring("/segments/*/events")
        .ignoring("/segments/*/t_start");
    assert_matches_dump(&one, &neo, &opts);
    assert_eq!(neo["event_channels"].as_array().unwrap().len(), 0);
}

#[test]
fn bare_channel_numbers_are_channels_not_starts() {
    let r = open("bare_numbers");
    let h = r.header();
    assert_eq!(h.nb_segment(), [2]);
    let names: Vec<&str> = h.signal_channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["1", "17"]);
    assert_eq!(r.signal_t_start(0, 1, 0).unwrap(), 70_000.0 / 30000.0);
    assert_eq!(
        rawio_openephys::sniff_legacy(&fixture("legacy", "bare_numbers")),
        100
    );
}

#[test]
fn damaged_files_open_with_gaps_filled_and_warnings() {
    let r = open("damaged");
    let ann = &r.header().blocks[0].segments[0].annotations;
    let gaps = ann["gaps"].as_array().unwrap();
    let listed: Vec<(&str, i64, i64)> = gaps
        .iter()
        .map(|g| {
            (
                g["channel"].as_str().unwrap(),
                g["sample_index"].as_i64().unwrap(),
                g["missing_samples"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(listed, [("CH1", 2048, 1024), ("CH2", 3072, 1024)]);
    assert_eq!(gaps[0]["recording_numbers"], serde_json::json!([0, 1]));
    assert_eq!(gaps[1]["recording_numbers"], serde_json::json!([0, 0]));
    let w: Vec<&str> = ann["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        w.iter()
            .any(|m| m.contains("100_CH2.continuous: 2069 bytes of damaged records")),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|m| m.contains("channel CH1 clipped") && m.contains("1024 after")),
        "{w:?}"
    );
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 5 * 1024);
    // gaps read as the fill value chosen by the user
    let f = LegacyReader::open_with(
        fixture("legacy", "damaged"),
        &LegacyOptions { fill_gap_value: -7 },
    )
    .unwrap();
    let c = f
        .analogsignal_chunk(0, 0, 0, Some(2047), Some(2050), &ChannelSelection::All)
        .unwrap();
    let a = c.as_typed::<i16>().unwrap();
    assert_eq!((a[[1, 0]], a[[2, 0]]), (-7, -7));
    assert_ne!(a[[0, 0]], -7);
    assert_eq!(f.fill_gap_value(), -7);
}
