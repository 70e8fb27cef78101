//! The generated binary-format fixtures (testdata/openephys-binary): the generator's truth, neo's
//! dumps where neo reads them (with the documented neo differences), the conformance kit, and
//! the behaviours neo gets wrong, pinned one by one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{fixture, golden, neo_binary_opts};
use rawio_conformance::{CompareOptions, assert_conformant, assert_matches_dump};
use rawio_core::{ChannelSelection, Clock, EventKind, RawIO, RawIOExt, SampleClock, TimeWindow};
use rawio_openephys::{BinaryOptions, BinaryReader, SampleGap};

fn open(name: &str) -> BinaryReader {
    BinaryReader::open(fixture("binary", name)).unwrap()
}

fn stream(r: &BinaryReader, name: &str) -> usize {
    r.header()
        .signal_streams
        .iter()
        .position(|s| s.name == name)
        .unwrap_or_else(|| panic!("no stream {name}"))
}

const AP: &str = "Record Node 101#Neuropix-PXI-104.ProbeA-AP";
const DAQ: &str = "Record Node 101#NI-DAQmx-102.PXIe-6341";
const LFP: &str = "Record Node 101#Neuropix-PXI-104.ProbeA-LFP";
const BOARD: &str = "Record Node 101#Acquisition_Board-100.Rhythm Data";

#[test]
fn every_fixture_matches_the_generator_and_is_conformant() {
    for name in [
        "gui06_multinode",
        "gui05_two_nodes",
        "gui04_no_node",
        "twelve_streams",
    ] {
        let r = open(name);
        assert_matches_dump(
            &r,
            &golden("binary", &format!("{name}.truth.json")),
            &CompareOptions::default(),
        );
        assert_conformant(&r);
    }
}

#[test]
fn gui06_streams_split_as_neo_and_read_as_views() {
    let r = open("gui06_multinode");
    let h = r.header();
    let names: Vec<(&str, &str, &str)> = h
        .signal_streams
        .iter()
        .map(|s| (s.name.as_str(), s.id.as_str(), s.buffer_id.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            (BOARD, "0", "0"),
            (DAQ, "1", "1"),
            (AP, "2", "2"),
            (LFP, "3", "3"),
            ("Record Node 102#Neuropix-PXI-104.ProbeA-AP", "4", "4"),
            (
                "Record Node 101#Acquisition_Board-100.Rhythm Data_ADC",
                "5",
                "0"
            ),
            (
                "Record Node 101#Neuropix-PXI-104.ProbeA-APSYNC",
                "Record Node 101#Neuropix-PXI-104.ProbeA-APSYNC",
                "2"
            ),
            (
                "Record Node 102#Neuropix-PXI-104.ProbeA-APSYNC",
                "Record Node 102#Neuropix-PXI-104.ProbeA-APSYNC",
                "4"
            ),
        ]
    );
    assert_eq!(h.signal_buffers.len(), 5);
    let adc = h.stream_channels(5).unwrap();
    assert_eq!(
        adc.iter()
            .map(|c| (c.name.as_str(), c.units.as_str(), c.gain))
            .collect::<Vec<_>>(),
        [("ADC1", "V", 0.00015), ("ADC2", "V", 0.00015)]
    );
    let board = h.stream_channels(0).unwrap();
    assert_eq!(board[0].units, "uV");
    assert_eq!(board[0].id, "CH1");
    // the SYNC channel: one column of the AP file, 0/1 square wave every 100 samples
    let sync = r
        .analogsignal_chunk(0, 0, 6, Some(95), Some(105), &ChannelSelection::All)
        .unwrap();
    assert!(sync.is_view());
    assert_eq!(
        sync.as_typed::<i16>().unwrap().column(0).to_vec(),
        [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    );
    // neural channels of the AP file are a zero-copy column slice of the same mapping
    let ap = r
        .analogsignal_chunk(0, 0, 2, Some(0), Some(600), &ChannelSelection::Range(1..3))
        .unwrap();
    assert!(ap.is_view());
    assert_eq!(ap.shape(), [600, 2]);
}

#[test]
fn one_sample_clock_and_the_synchronized_clock_beside_it() {
    let r = open("gui06_multinode");
    let (daq, lfp, ap) = (stream(&r, DAQ), stream(&r, LFP), stream(&r, AP));
    // NI-DAQ: sample numbers start at 123456 + 17 at 30 kHz; synchronized seconds drift
    assert_eq!(r.signal_t_start(0, 0, daq).unwrap(), 123_473.0 / 30000.0);
    assert_eq!(
        r.signal_clock(daq).unwrap(),
        SampleClock::RegularWithExplicit
    );
    assert_eq!(r.signal_clock(lfp).unwrap(), SampleClock::Regular);
    assert!(r.has_synchronized_clock(daq) && !r.has_synchronized_clock(lfp));
    let regular = r.signal_times(0, 0, daq, 0..3).unwrap();
    assert_eq!(regular[1], 123_473.0 / 30000.0 + 1.0 / 30000.0);
    let sync = r.signal_times_on(0, 0, daq, 0..3, Clock::Explicit).unwrap();
    for (i, t) in sync.iter().enumerate() {
        let sn = 123_473.0 + i as f64;
        assert_eq!(*t, sn / 30000.0 * (1.0 + 2e-5) + 0.0123);
    }
    assert!(sync.is_view());
    assert!(r.signal_times_on(0, 0, lfp, 0..3, Clock::Explicit).is_err());
    let i = r.sample_index(0, 0, daq, sync[2], Clock::Explicit).unwrap();
    assert_eq!(i, 2);
    // events are on the same sample clock as the signals: the first TTL rising edge is at
    // sample 123456 + 40, its synchronized time is 0.1 ms later
    let ev = r.event_timestamps(0, 0, 2, TimeWindow::ALL).unwrap();
    let t = r.rescale_event_timestamps(&ev.timestamps, 2);
    assert_eq!(t[0], 123_496.0 / 30000.0);
    let s = r.event_synchronized_times(0, 0, 2).unwrap().unwrap();
    assert_eq!(s[0], 123_496.0 / 30000.0 + 1e-4);
    assert!(t[0] >= r.signal_t_start(0, 0, ap).unwrap());
}

#[test]
fn ttl_states_are_epochs_paired_per_line() {
    let r = open("gui06_multinode");
    let h = r.header();
    assert_eq!(h.event_channels[2].name, "Neuropixels PXI Sync");
    assert_eq!(h.event_channels[2].kind, EventKind::Epoch);
    // an empty TTL folder is an epoch channel with no events
    assert_eq!(h.event_channels[1].kind, EventKind::Epoch);
    assert_eq!(r.event_count(0, 0, 1).unwrap(), 0);
    let all = r.event_timestamps(0, 0, 2, TimeWindow::ALL).unwrap();
    // 3 pulses on lines 1 and 3; the leading falling and trailing rising edges are dropped
    assert_eq!(all.len(), 6);
    assert_eq!(all.labels, ["1", "3", "1", "3", "1", "3"]);
    let d = r.rescale_epoch_durations(all.durations.as_ref().unwrap(), 2);
    assert_eq!(
        d.to_vec(),
        [15.0, 18.0, 15.0, 18.0, 15.0, 18.0].map(|x| x / 30000.0)
    );
    let ann = &h.blocks[0].segments[0].annotations;
    assert_eq!(ann["event_channel_stats"][2]["unpaired_edges"], 2);
    // a window keeps timestamps, durations and labels together (neo forgets the durations)
    let t = r.rescale_event_timestamps(&all.timestamps, 2);
    let w = r
        .event_timestamps(0, 0, 2, TimeWindow::between(t[2], t[3]))
        .unwrap();
    assert_eq!(w.len(), 2);
    assert_eq!(w.durations.as_ref().unwrap().len(), 2);
    assert_eq!(w.labels, ["1", "3"]);
    let fw = r.event_full_words(0, 0, 2).unwrap().unwrap();
    assert_eq!(fw, [1, 3, 1, 3, 1, 3]);
}

#[test]
fn messages_spikes_and_multi_experiment_blocks() {
    let r = open("gui06_multinode");
    let h = r.header();
    assert_eq!(h.nb_segment(), [2, 1]);
    assert_eq!(h.blocks[1].annotations["experiment"], "experiment3");
    assert_eq!(h.event_channels[0].name, "Messages");
    assert_eq!(
        h.event_channels[0].id,
        "Record Node 101#MessageCenter#Messages"
    );
    assert_eq!(
        h.event_channels[3].id,
        "Record Node 102#MessageCenter#Messages"
    );
    let m = r.event_timestamps(1, 0, 0, TimeWindow::ALL).unwrap();
    assert_eq!(
        m.labels,
        [
            "start Record Node 101 experiment3 recording1",
            "stimulus on"
        ]
    );
    let units: Vec<(&str, &str)> = h
        .spike_channels
        .iter()
        .map(|u| (u.name.as_str(), u.id.as_str()))
        .collect();
    assert_eq!(
        units,
        [
            (
                "Stereotrode 1#0",
                "Record Node 101#Spike_Detector-105.ProbeA-AP/Stereotrode 1#0#0"
            ),
            (
                "Stereotrode 1#3",
                "Record Node 101#Spike_Detector-105.ProbeA-AP/Stereotrode 1#0#3"
            ),
            (
                "Stereotrode 2#0",
                "Record Node 101#Spike_Detector-105.ProbeA-AP/Stereotrode 2#1#0"
            ),
            (
                "Stereotrode 2#3",
                "Record Node 101#Spike_Detector-105.ProbeA-AP/Stereotrode 2#1#3"
            ),
        ]
    );
    let u = &h.spike_channels[0];
    assert_eq!(
        (u.wf_gain, u.wf_left_sweep, u.wf_sampling_rate),
        (0.195, 3, 30000.0)
    );
    assert_eq!(r.spike_time_base().per_second, 30000.0);
    // spikes come back sorted although they are not on disk
    let ts = r.spike_timestamps(0, 0, 0, TimeWindow::ALL).unwrap();
    let v = ts.as_typed::<i64>().unwrap().to_vec();
    assert!(v.windows(2).all(|w| w[0] <= w[1]));
    let sync = r.spike_synchronized_times(0, 0, 0).unwrap().unwrap();
    assert_eq!(sync[0], v[0] as f64 / 30000.0);
    let wf = r
        .spike_raw_waveforms(0, 0, 0, TimeWindow::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(wf.shape(), [v.len(), 2, 10]);
}

#[test]
fn gaps_are_reported_and_can_split_segments() {
    let r = open("gui06_multinode");
    let ap = stream(&r, AP);
    assert_eq!(
        r.gaps(0, 1, ap).unwrap(),
        [
            SampleGap {
                sample_index: 200,
                sample_number: 223_456 + 200 + 37,
                missing_samples: 37
            },
            SampleGap {
                sample_index: 450,
                sample_number: 223_456 + 450 + 42,
                missing_samples: 5
            }
        ]
    );
    assert!(r.gaps(0, 0, ap).unwrap().is_empty());
    let ann = &r.header().blocks[0].segments[1].annotations["gaps"];
    assert_eq!(ann["count"], 4); // two gaps in the AP stream of each node
    assert_eq!(ann["listed"][0]["missing_samples"], 37);
    // split: recording2 of experiment1 becomes three gap-free segments
    let opts = BinaryOptions {
        split_at_gaps: true,
        ..BinaryOptions::default()
    };
    let s = BinaryReader::open_with(fixture("binary", "gui06_multinode"), &opts).unwrap();
    assert_eq!(s.header().nb_segment(), [4, 1]);
    let sizes: Vec<u64> = (1..4).map(|k| s.signal_size(0, k, ap).unwrap()).collect();
    assert_eq!(sizes, [200, 250, 150]);
    let t0: Vec<f64> = (1..4)
        .map(|k| s.signal_t_start(0, k, ap).unwrap())
        .collect();
    assert_eq!(t0, [223_456.0, 223_693.0, 223_948.0].map(|x| x / 30000.0));
    for k in 1..4 {
        assert!(s.gaps(0, k, ap).unwrap().is_empty());
    }
    // the other streams are cut at the same times; nothing is lost
    let daq = stream(&s, DAQ);
    let total: u64 = (1..4).map(|k| s.signal_size(0, k, daq).unwrap()).sum();
    assert_eq!(total, 600);
    assert_conformant(&s);
}

#[test]
fn partial_frames_are_read_to_the_last_whole_frame_with_a_warning() {
    let r = open("gui06_multinode");
    let lfp = stream(&r, LFP);
    assert_eq!(r.signal_size(1, 0, lfp).unwrap(), 50);
    let w = r.header().blocks[1].segments[0].annotations["warnings"]
        .as_array()
        .unwrap();
    assert!(
        w.iter().any(|m| m
            .as_str()
            .unwrap()
            .contains("3 bytes after the last whole frame")),
        "{w:?}"
    );
}

#[test]
fn opens_at_every_level_and_selects_experiments() {
    let root = fixture("binary", "gui06_multinode");
    let node = root.join("Record Node 101");
    let rec = node.join("experiment1/recording2");
    for (p, blocks, streams) in [
        (node.clone(), vec![2, 1], 6),
        (node.join("experiment1"), vec![2], 6),
        (rec.clone(), vec![1], 6),
        (rec.join("structure.oebin"), vec![1], 6),
        (
            rec.join("continuous/NI-DAQmx-102.PXIe-6341/continuous.dat"),
            vec![1],
            6,
        ),
    ] {
        let r = BinaryReader::open(&p).unwrap();
        assert_eq!(r.header().nb_segment(), blocks, "{}", p.display());
        assert_eq!(r.header().signal_streams.len(), streams);
    }
    let opts = BinaryOptions {
        experiments: Some(vec!["experiment3".into()]),
        ..BinaryOptions::default()
    };
    let r = BinaryReader::open_with(&root, &opts).unwrap();
    assert_eq!(r.header().nb_segment(), [1]);
    let bad = BinaryOptions {
        experiments: Some(vec!["experiment2".into()]),
        ..BinaryOptions::default()
    };
    assert!(BinaryReader::open_with(&root, &bad).is_err());
    assert_eq!(
        rawio_openephys::sniff_binary(&root),
        100,
        "sniffs a session root"
    );
    assert_eq!(rawio_openephys::sniff_legacy(&root), 0);
}

#[test]
fn gui05_matches_neo_except_the_double_division_of_ttl_times() {
    let r = open("gui05_two_nodes");
    let neo = golden("binary", "gui05_two_nodes.neo.json");
    // neo divides the TTL sample numbers by the rate twice (epoch branch, then rescale) when
    // there is no sample_numbers.npy, so its TTL times and the segment start are 40000x too
    // small
    let opts = neo_binary_opts()
        .ignoring("/segments/*/t_start")
        .ignoring("/segments/*/events/0")
        .ignoring("/segments/*/events/2");
    assert_matches_dump(&r, &neo, &opts);
    let neo_t = neo["segments"][0]["events"][0]["times_s"][0]
        .as_f64()
        .unwrap();
    let ev = r.event_timestamps(0, 0, 0, TimeWindow::ALL).unwrap();
    let ours = r.rescale_event_timestamps(&ev.timestamps, 0)[0];
    assert_eq!(ours, 181_898.0 / 40000.0);
    assert_eq!(neo_t, ours / 40000.0);
    // synchronized_timestamps.npy of -1 (no sync) offers no explicit clock; a real one does
    assert_eq!(r.signal_clock(0).unwrap(), SampleClock::Regular);
    assert_eq!(r.signal_clock(1).unwrap(), SampleClock::RegularWithExplicit);
    assert_eq!(r.event_full_words(0, 0, 0).unwrap().unwrap(), [4, 16]);
}

#[test]
fn gui04_keeps_both_tracking_groups_and_reads_spikes() {
    let r = open("gui04_no_node");
    let h = r.header();
    let ev: Vec<(&str, &str)> = h
        .event_channels
        .iter()
        .map(|e| (e.name.as_str(), e.id.as_str()))
        .collect();
    assert_eq!(
        ev,
        [
            ("GUI Messages", "GUI Messages"),
            (
                "Tracking data",
                "Tracking_Port-127.0/BINARY_group_1#Tracking data"
            ),
            (
                "Tracking data",
                "Tracking_Port-127.0/BINARY_group_2#Tracking data"
            ),
        ]
    );
    // neo keys event streams by their top folder, so BINARY_group_2 overwrites group_1: its
    // only tracking channel is our channel 2
    let mut neo = golden("binary", "gui04_no_node.neo.json");
    assert_eq!(neo["event_channels"].as_array().unwrap().len(), 2);
    for seg in neo["segments"].as_array_mut().unwrap() {
        let evs = seg["events"].as_array_mut().unwrap();
        evs.insert(1, serde_json::Value::Null);
    }
    let opts = neo_binary_opts()
        .ignoring("/event_channels")
        .ignoring("/segments/*/events/1")
        .ignoring("/segments/*/events/*/event_index");
    assert_matches_dump(&r, &neo, &opts);
    let labels = r.event_timestamps(0, 0, 1, TimeWindow::ALL).unwrap().labels;
    assert_eq!(
        labels[0],
        "Color=[b'green'];Port=[27021];Address=[b'/green']"
    );
    let names: Vec<&str> = h.spike_channels.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["TT  p124.0 n0#0", "TT  p124.0 n1#0"]);
    assert_eq!(h.spike_channels[0].wf_gain, 0.19499999284744263);
    assert_eq!(
        h.spike_channels[0].annotations["wf_gain_source"],
        "bit_volts of the first continuous channel"
    );
}

#[test]
fn twelve_streams_keep_their_own_t_start() {
    let r = open("twelve_streams");
    for k in 0..12 {
        assert_eq!(r.header().signal_streams[k].id, k.to_string());
        assert_eq!(r.signal_t_start(0, 0, k).unwrap(), (k + 1) as f64);
    }
    // neo sorts the ids as strings ("0", "1", "10", "11", "2", ...) and then reads t_start by
    // header position: its stream "10" gets stream 2's start
    let neo = golden("binary", "twelve_streams.neo.json");
    let neo_ids: Vec<&str> = neo["signal_streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(&neo_ids[..4], ["0", "1", "10", "11"]);
    assert_eq!(neo["segments"][0]["signals"][2]["t_start"], 3.0);
    // everything else agrees once streams are compared in numeric order
    let mut n = neo.clone();
    let order = [0usize, 1, 4, 5, 6, 7, 8, 9, 10, 11, 2, 3];
    let streams: Vec<_> = order
        .iter()
        .map(|&i| neo["signal_streams"][i].clone())
        .collect();
    let sigs: Vec<_> = order
        .iter()
        .map(|&i| neo["segments"][0]["signals"][i].clone())
        .collect();
    n["signal_streams"] = streams.into();
    n["segments"][0]["signals"] = sigs.into();
    let opts = neo_binary_opts()
        .ignoring("/segments/*/signals/*/t_start")
        .ignoring("/segments/*/signals/*/stream_index");
    assert_matches_dump(&r, &n, &opts);
}

#[test]
fn gui06_node_matches_neo_where_neo_reads_it() {
    // neo cannot open the whole fixture (a partial frame in experiment3); it reads experiment1
    // of Record Node 101, where the TTL times differ only by clock (neo: synchronized seconds)
    let p = fixture("binary", "gui06_multinode/Record Node 101/experiment1");
    let r = BinaryReader::open(&p).unwrap();
    let neo = golden("binary", "gui06_node101_experiment1.neo.json");
    // neo reads the t_start of a SYNC stream from the source at (header position - number of
    // sources): here the NI-DAQ's, not the AP's
    let opts = neo_binary_opts()
        .ignoring("/segments/*/t_start")
        .ignoring("/segments/*/t_stop")
        .ignoring("/segments/*/events/2")
        .ignoring("/segments/*/signals/5/t_start");
    assert_matches_dump(&r, &neo, &opts);
    let sync = r
        .header()
        .stream_index("Record Node 101#Neuropix-PXI-104.ProbeA-APSYNC")
        .unwrap();
    assert_eq!(sync, 5);
    assert_eq!(r.signal_t_start(0, 0, sync).unwrap(), 123_456.0 / 30000.0);
    assert_eq!(
        neo["segments"][0]["signals"][5]["t_start"],
        123_473.0 / 30000.0,
        "neo: the NI-DAQ's start"
    );
    let neo_ttl = &neo["segments"][0]["events"][2];
    assert_eq!(neo_ttl["times_s"][0], 123_496.0 / 30000.0 + 1e-4);
    let ev = r.event_timestamps(0, 0, 2, TimeWindow::ALL).unwrap();
    assert_eq!(
        r.rescale_event_timestamps(&ev.timestamps, 2)[0],
        123_496.0 / 30000.0
    );
}
