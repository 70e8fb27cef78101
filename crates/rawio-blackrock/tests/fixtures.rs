//! The generated fixtures of testdata/blackrock: the generator's truth, neo's goldens where neo
//! is right (with neo's documented bugs ignored), the conformance kit, options and errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rawio_blackrock::{BlackrockReader, Options};
use rawio_conformance::{CompareOptions, assert_conformant, assert_matches_dump, project_testdata};
use rawio_core::prelude::*;
use rawio_core::{ErrorKind, RateSource};
use serde_json::Value;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    project_testdata(&format!("blackrock/{name}"))
}

fn golden(name: &str) -> Value {
    let p = fixture(&format!("golden/{name}"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap()
}

fn open(name: &str) -> BlackrockReader {
    BlackrockReader::open(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn open_with(name: &str, o: Options) -> BlackrockReader {
    BlackrockReader::open_with(fixture(name), &o).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn no_nev() -> Options {
    Options {
        load_nev: false,
        ..Options::default()
    }
}

fn truth_opts() -> CompareOptions {
    CompareOptions::default().ignoring("/ptp_truth")
}

/// Every fixture matches the generator's truth and passes the conformance kit.
#[test]
fn every_fixture_matches_its_truth_and_is_conformant() {
    for stem in [
        "v23_paused",
        "v23_split",
        "v23_pause_packets",
        "v30_paused",
        "v22_8bit",
        "v21",
        "ptp",
        "partial",
        "utf16",
        "truncated",
        "zerocount",
        "unequal",
        "v23_tiny_first",
    ] {
        let r = open(stem);
        assert_matches_dump(&r, &golden(&format!("{stem}.truth.json")), &truth_opts());
        assert_conformant(&r);
    }
}

#[test]
fn neo_goldens_where_neo_is_right() {
    // neo keeps the bytes after a comment's NUL (docs/neo-differences.md (blackrock) #9)
    let comment_tail = CompareOptions::default()
        .ignoring("/segments/*/events/2/labels")
        .ignoring("/segments/*/events/2/head_labels")
        .ignoring("/segments/*/events/2/tail_labels");
    assert_matches_dump(&open("partial"), &golden("partial.neo.json"), &comment_tail);
    // neo drops the last sample of spec 2.1 files (#1)
    let last_sample = CompareOptions::default()
        .ignoring("/segments/*/signals/*/size")
        .ignoring("/segments/*/signals/*/tail")
        .ignoring("/segments/*/signals/*/sum")
        .ignoring("/segments/*/t_stop");
    assert_matches_dump(&open("v21.ns2"), &golden("v21.neo.json"), &last_sample);
    // neo keeps the label's bytes after its NUL (#9) and takes the segment t_start from the
    // last nsX, which starts 10 ticks after the ns2 here (#12)
    let label_tail = CompareOptions::default()
        .ignoring("/signal_channels/0/name")
        .ignoring("/segments/*/t_start");
    assert_matches_dump(
        &open_with("v23_paused.ns2", no_nev()),
        &golden("v23_paused.neo_nonev.json"),
        &label_tail,
    );
    assert_matches_dump(
        &open_with("v30_paused.ns6", no_nev()),
        &golden("v30_paused.neo_nonev.json"),
        &CompareOptions::default(),
    );
    assert_matches_dump(
        &open_with("ptp.ns6", no_nev()),
        &golden("ptp.neo_nonev.json"),
        &CompareOptions::default(),
    );
}

#[test]
fn paused_two_group_recording() {
    let r = open("v23_paused.nev");
    let h = r.header();
    assert_eq!(r.segment_count(0).unwrap(), 2);
    assert_eq!(r.nsx_numbers(), vec![2, 5]);
    let ids: Vec<(&str, &str)> = h
        .signal_streams
        .iter()
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect();
    assert_eq!(ids, vec![("2", "nsx2"), ("5", "nsx5")]);
    // label cut at its NUL, neo keeps "EyeX\0junk"
    assert_eq!(h.signal_channels[0].name, "EyeX");
    assert!(h.signal_channels[0].annotations.contains_key("label_note"));
    // non-zero offset: digital 0..4095 -> -5000..5000 mV
    let force = &h.signal_channels[2];
    assert_eq!(force.gain, 10000.0 / 4095.0);
    assert_eq!(force.offset, -5000.0);
    assert_eq!(force.units, "mV");
    assert_eq!(r.signal_size(0, 1, 1).unwrap(), 1500);
    assert_eq!(r.signal_t_start(0, 1, 0).unwrap(), 4.0);
    assert_eq!(r.signal_t_start(0, 1, 1).unwrap(), 120010.0 / 30000.0);
    // the segment starts with its earliest stream (neo: with the last nsX, 0.010333 s)
    assert_eq!(r.segment_t_start(0, 0).unwrap(), 0.01);
    // units 0/1/2/255 and one electrode that only fires in segment 1
    let names: Vec<&str> = h.spike_channels.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["ch1#0", "ch1#1", "ch2#2", "ch2#255", "ch3#0"]);
    assert_eq!(h.spike_channels[3].id, "Unit 2255");
    assert_eq!(
        h.spike_channels[3].annotations["unit_classification"],
        "noise"
    );
    assert_eq!(r.spike_count(0, 0, 4).unwrap(), 0);
    assert!(r.spike_count(0, 1, 4).unwrap() > 0);
    let wf = r
        .spike_raw_waveforms(0, 1, 4, TimeWindow::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(wf.dtype(), rawio_core::Dtype::Int16);
    assert_eq!(wf.shape()[1..], [1, 10]);
    let ev: Vec<&str> = h.event_channels.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(ev, ["digital_input_port", "serial_input_port", "comments"]);
    let c = r.event_timestamps(0, 1, 2, TimeWindow::ALL).unwrap();
    assert_eq!(c.labels, vec!["Ende é"]);
    assert_eq!(
        h.event_channels[0].annotations["digital_labels"][0]["label"],
        "digin"
    );
    assert_eq!(h.blocks[0].annotations["rec_pauses"], true);
}

#[test]
fn contiguous_blocks_are_one_segment_and_chunks_span_them() {
    let r = open("v23_split.ns5");
    assert_eq!(r.segment_count(0).unwrap(), 2);
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 180);
    assert_eq!(r.signal_size(0, 1, 0).unwrap(), 60);
    let h = r.header();
    assert_eq!(h.signal_streams[0].annotations["data_blocks"], 5);
    // blocks 0..100, 100..150, 150..180: one read across all three equals the pieces
    let all = ChannelSelection::All;
    let whole = r
        .analogsignal_chunk(0, 0, 0, Some(90), Some(160), &all)
        .unwrap();
    let a = r
        .analogsignal_chunk(0, 0, 0, Some(90), Some(100), &all)
        .unwrap();
    let b = r
        .analogsignal_chunk(0, 0, 0, Some(100), Some(150), &all)
        .unwrap();
    let c = r
        .analogsignal_chunk(0, 0, 0, Some(150), Some(160), &all)
        .unwrap();
    let cat = rawio_core::RawChunk::concatenate(0, &[a, b, c]).unwrap();
    let whole = whole.to_f64();
    assert_eq!(whole, cat.to_f64());
    let one = r
        .analogsignal_chunk(
            0,
            0,
            0,
            Some(149),
            Some(151),
            &ChannelSelection::Indexes(vec![1]),
        )
        .unwrap();
    assert_eq!(one.shape(), [2, 1]);
    // release is a hint: the data reads the same afterwards
    r.release_signal(0, 0, 0, 0..180);
    assert_eq!(
        r.analogsignal_chunk(0, 0, 0, Some(90), Some(160), &all)
            .unwrap()
            .to_f64(),
        whole
    );
}

#[test]
fn spec21_keeps_every_sample_and_takes_gains_from_the_nev() {
    let r = open("v21.ns2");
    let h = r.header();
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 500);
    let names: Vec<&str> = h.signal_channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["chan1", "chan2", "ainp9"]);
    assert_eq!(h.signal_channels[0].gain, 0.25);
    // the 21516 nV Cerebus bug is replaced by 152592.547 nV
    assert_eq!(h.signal_channels[1].gain, 305185.094 / 2000.0);
    assert_eq!(h.signal_channels[2].units, "uV");
    // 2.1 samples are aligned: zero-copy view
    let c = r
        .analogsignal_chunk(0, 0, 0, Some(0), Some(10), &ChannelSelection::Range(0..2))
        .unwrap();
    assert!(c.is_view());
    // skipping the NEV still reads its header for the gains (neo: gain 1)
    let fast = open_with("v21.ns2", no_nev());
    assert_eq!(fast.header().signal_channels[0].gain, 0.25);
    assert!(fast.header().spike_channels.is_empty());
    assert!(fast.header().event_channels.is_empty());
    // 2.1 analog-input events
    let ev = r.event_timestamps(0, 0, 3, TimeWindow::ALL).unwrap();
    assert_eq!(ev.labels, vec!["8"]);
}

#[test]
fn eight_bit_waveforms_and_units_without_header() {
    let r = open("v22_8bit.ns3");
    let h = r.header();
    let wf = r
        .spike_raw_waveforms(0, 0, 0, TimeWindow::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(wf.dtype(), rawio_core::Dtype::Int8);
    assert_eq!(wf.shape(), [3, 1, 24]);
    assert_eq!(h.spike_channels[0].wf_gain, 0.5);
    // electrode 7 has spikes but no NEUEVWAV header: kept (neo drops them), no waveforms
    assert_eq!(h.spike_channels[2].name, "ch7#0");
    assert_eq!(r.spike_count(0, 0, 2).unwrap(), 3);
    assert!(
        r.spike_raw_waveforms(0, 0, 2, TimeWindow::ALL)
            .unwrap()
            .is_none()
    );
    assert_eq!(h.event_channels.len(), 8);
    let a1 = r.event_timestamps(0, 0, 2, TimeWindow::ALL).unwrap();
    assert_eq!(a1.labels, vec!["11"]);
    let a3 = r.event_timestamps(0, 0, 4, TimeWindow::ALL).unwrap();
    assert_eq!(a3.labels, vec!["33"]);
    assert_eq!(r.event_count(0, 0, 7).unwrap(), 1);
}

#[test]
fn packets_in_pauses_go_to_the_nearer_segment() {
    let r = open("v23_pause_packets.ns2");
    let ts = |s| {
        r.spike_timestamps(0, s, 0, TimeWindow::ALL)
            .unwrap()
            .to_f64()
            .to_vec()
    };
    assert_eq!(ts(0), vec![100.0, 3500.0, 4300.0, 30000.0]);
    assert_eq!(ts(1), vec![40000.0, 59990.0, 61000.0, 70000.0]);
    // segments widen to their packets
    assert_eq!(r.segment_t_start(0, 0).unwrap(), 100.0 / 30000.0);
    assert_eq!(r.segment_t_stop(0, 0).unwrap(), 1.0);
    assert_eq!(r.segment_t_start(0, 1).unwrap(), 40000.0 / 30000.0);
}

#[test]
fn ptp_streams_have_exact_explicit_clocks() {
    let truth = golden("ptp.truth.json");
    let ns6: Vec<u64> = truth["ptp_truth"]["ns6_times_ns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let r = open("ptp.ns6");
    let h = r.header();
    assert_eq!(r.segment_count(0).unwrap(), 2);
    assert_eq!(
        h.signal_streams[1].clock,
        rawio_core::SampleClock::Explicit {
            rate_source: RateSource::Stated
        }
    );
    assert_eq!(r.signal_sampling_rate(1).unwrap(), 30000.0);
    let n0 = r.signal_size(0, 0, 1).unwrap();
    let n1 = r.signal_size(0, 1, 1).unwrap();
    assert_eq!((n0, n1), (300, 150));
    let got: Vec<u64> = [
        r.ptp_timestamps_ns(0, 1, 0..n0).unwrap(),
        r.ptp_timestamps_ns(1, 1, 0..n1).unwrap(),
    ]
    .concat();
    assert_eq!(got, ns6);
    // seconds: neo's ns as f64 / 1e9, to the bit
    let secs = r.signal_times(0, 1, 1, 0..n1).unwrap();
    for (i, s) in secs.iter().enumerate() {
        assert_eq!(*s, ns6[300 + i] as f64 / 1e9);
    }
    assert_eq!(r.signal_t_start(0, 1, 1).unwrap(), ns6[300] as f64 / 1e9);
    // exact lookups on the stored times
    let t = secs[17];
    assert_eq!(r.sample_index(0, 1, 1, t, Clock::Default).unwrap(), 17);
    // the dropped samples are a reported gap that does not split
    let gaps = &h.signal_streams[1].annotations["gaps"];
    assert_eq!(gaps[0]["sample"], 99);
    assert_eq!(gaps[0]["splits_segment"], false);
    assert_eq!(gaps[1]["splits_segment"], true);
    // NEV spikes in nanoseconds, in both segments
    assert_eq!(r.spike_time_base().per_second, 1e9);
    assert_eq!(r.spike_count(0, 1, 0).unwrap(), 3);
    // tolerance: a strict one splits at the drop too, a loose one never
    let strict = open_with(
        "ptp.ns6",
        Options {
            nsx: Some(6),
            ptp_gap_tolerance_ms: 0.05,
            ..Options::default()
        },
    );
    assert_eq!(strict.segment_count(0).unwrap(), 3);
    let loose = open_with(
        "ptp.ns6",
        Options {
            nsx: Some(6),
            ptp_gap_tolerance_ms: 100.0,
            load_nev: false,
        },
    );
    assert_eq!(loose.segment_count(0).unwrap(), 1);
    assert_eq!(loose.signal_size(0, 0, 0).unwrap(), 450);
    assert_eq!(loose.nsx_numbers(), vec![6]);
}

#[test]
fn comments_in_both_encodings() {
    let r = open("utf16.nev");
    assert!(r.header().signal_streams.is_empty());
    let c = r.event_timestamps(0, 0, 2, TimeWindow::ALL).unwrap();
    assert_eq!(
        c.labels,
        vec!["Ωmega start", "BOM é", "café Latin-1", "NeuroMotive"]
    );
}

#[test]
fn partial_packet_truncated_block_and_unwritten_count_are_reported() {
    let r = open("partial.nev");
    assert_eq!(r.header().blocks[0].annotations["nev_trailing_bytes"], 7);
    let r = open("truncated.ns5");
    let ann = &r.header().signal_streams[0].annotations;
    assert_eq!(ann["truncated_block"]["declared_samples"], 100);
    assert_eq!(ann["truncated_block"]["samples_present"], 40);
    assert_eq!(ann["trailing_bytes"], 3);
    let r = open("zerocount.ns5");
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 50);
    assert_eq!(
        r.header().signal_streams[0].annotations["recovered_block_samples"],
        50
    );
}

#[test]
fn tiny_first_block_is_kept() {
    // neo deletes segments with fewer than 2 samples (1 segment of 50 samples)
    let r = open("v23_tiny_first.ns5");
    assert_eq!(r.segment_count(0).unwrap(), 2);
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 1);
    assert_eq!(r.signal_size(0, 1, 0).unwrap(), 50);
}

#[test]
fn mixed_specs_open() {
    // a spec 2.1 ns2 with a spec 2.2 NEV: neo refuses ("Files don't have the same internal
    // version"); each file is read by its own spec
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("v21.ns2"), dir.path().join("mixed.ns2")).unwrap();
    std::fs::copy(fixture("v22_8bit.nev"), dir.path().join("mixed.nev")).unwrap();
    let r = BlackrockReader::open(dir.path().join("mixed")).unwrap();
    assert_conformant(&r);
    let h = r.header();
    // electrodes 1 and 2 take the 2.2 NEV's 500 nV; 137 has no NEUEVWAV header: raw values
    assert_eq!(h.signal_channels[0].gain, 0.5);
    assert_eq!(h.signal_channels[2].gain, 1.0);
    assert_eq!(h.signal_channels[2].units, "");
    assert!(h.signal_channels[2].annotations.contains_key("gain_note"));
    assert_eq!(h.spike_channels.len(), 3);
    assert_eq!(h.blocks[0].annotations["nev_file_spec"], "2.2");
}

#[test]
fn duplicate_electrode_ids_get_suffixes() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(fixture("v23_split.ns5")).unwrap();
    // channel 2's electrode id (offset 314 + 66 + 2) := 1, as channel 1's
    bytes[314 + 66 + 2..314 + 66 + 4].copy_from_slice(&1u16.to_le_bytes());
    let p = dir.path().join("dup.ns5");
    std::fs::write(&p, &bytes).unwrap();
    let r = BlackrockReader::open(&p).unwrap();
    let ids: Vec<&str> = r
        .header()
        .signal_channels
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids, ["1", "1#1"]);
    assert_conformant(&r);
}

#[test]
fn a_pause_in_one_group_only() {
    let r = open("unequal.ns2");
    assert_eq!(r.segment_count(0).unwrap(), 2);
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 100);
    assert_eq!(r.signal_size(0, 1, 0).unwrap(), 0);
    assert_eq!(r.signal_size(0, 1, 1).unwrap(), 600);
    let empty = r
        .analogsignal_chunk(0, 1, 0, None, None, &ChannelSelection::All)
        .unwrap();
    assert_eq!(empty.shape(), [0, 1]);
}

#[test]
fn options_and_errors() {
    let only5 = open_with(
        "v23_paused",
        Options {
            nsx: Some(5),
            ..Options::default()
        },
    );
    assert_eq!(only5.nsx_numbers(), vec![5]);
    assert_eq!(only5.header().spike_channels.len(), 5);
    let e = BlackrockReader::open_with(
        fixture("v23_paused"),
        &Options {
            nsx: Some(3),
            ..Options::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let e = BlackrockReader::open_with(
        fixture("ptp"),
        &Options {
            ptp_gap_tolerance_ms: -1.0,
            ..Options::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Argument);
    let e = BlackrockReader::open(fixture("no_such_recording")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    // a block header flag that is not 1 names the file and the offset
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(fixture("v23_split.ns5")).unwrap();
    let second_block = 314 + 2 * 66 + 9 + 100 * 4;
    bytes[second_block] = 7;
    let p = dir.path().join("bad.ns5");
    std::fs::write(&p, &bytes).unwrap();
    let e = BlackrockReader::open(&p).unwrap_err();
    let msg = e.to_string();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert!(msg.contains(&format!("at byte {second_block}")), "{msg}");
    assert!(msg.contains("bad.ns5"), "{msg}");
}

#[test]
fn format_descriptor_sniffs_stems_and_files() {
    let f = rawio_blackrock::FORMAT;
    assert_eq!((f.sniff)(&fixture("v23_paused")), 100);
    assert_eq!((f.sniff)(&fixture("v23_paused.nev")), 100);
    assert_eq!((f.sniff)(&fixture("golden/v21.truth.json")), 0);
    assert_eq!((f.sniff)(&fixture("nothing_here")), 0);
    let r = (f.open)(&fixture("v21")).unwrap();
    assert_eq!(r.format_id(), "blackrock");
}

/// A segment inside one data block is described for zero-copy maps (the Python package maps
/// it as neo does), the first block at its odd offset; a segment across blocks and PTP data
/// are not plain frames.
#[test]
fn segments_in_one_block_are_described_even_at_odd_offsets() {
    let r = open("v23_paused.ns5");
    for seg in 0..r.segment_count(0).unwrap() {
        // stream 0 is the .ns2 of the pair
        let d = r.signal_buffer_description(0, seg, 0).unwrap().unwrap();
        assert_eq!(d.file_path, fixture("v23_paused.ns2"));
        let bytes = std::fs::read(&d.file_path).unwrap();
        let n = r.signal_size(0, seg, 0).unwrap();
        let cols = r.header().stream_channels(0).unwrap().len() as u64;
        assert_eq!(d.shape, [n, cols]);
        assert_eq!(d.columns, 0..cols);
        if seg == 0 {
            // 314 + 66 * channels of header, then the 9-byte block header
            assert_eq!(d.file_offset, 314 + 66 * cols + 9);
            assert_eq!(d.file_offset % 2, 1);
        }
        let chunk = r
            .analogsignal_chunk(0, seg, 0, Some(n - 1), Some(n), &ChannelSelection::All)
            .unwrap()
            .to_f64();
        let last = usize::try_from(d.file_offset + (n - 1) * cols * 2).unwrap();
        let from_file: Vec<f64> = bytes[last..last + 2 * cols as usize]
            .chunks_exact(2)
            .map(|b| f64::from(i16::from_le_bytes([b[0], b[1]])))
            .collect();
        assert_eq!(
            chunk.iter().copied().collect::<Vec<_>>(),
            from_file,
            "seg {seg} {d:?}"
        );
    }
    let split = open("v23_split.ns5"); // segment 0 is blocks of 100, 50 and 30 samples
    assert!(split.signal_buffer_description(0, 0, 0).unwrap().is_none());
    let ptp = open_with("ptp.ns6", no_nev());
    assert!(ptp.signal_buffer_description(0, 0, 0).unwrap().is_none());
}
