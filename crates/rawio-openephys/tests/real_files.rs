//! Real sessions of ../shared/testdata (skipped with a printed reason when absent): neo's dumps
//! where neo reads them (committed under testdata/openephys-*/golden/real), concrete values
//! counted from the files where neo refuses them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{golden, neo_binary_opts};
use rawio_conformance::{CompareOptions, assert_conformant, assert_matches_dump, shared_testdata};
use rawio_core::{RawIO, RawIOExt, TimeWindow};
use rawio_openephys::{BinaryReader, LegacyReader};

fn warnings(r: &dyn RawIO, block: usize, seg: usize) -> Vec<String> {
    r.header().blocks[block].segments[seg]
        .annotations
        .get("warnings")
        .and_then(|w| w.as_array())
        .map(|w| w.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

#[test]
fn gui067_binary_two_nodes_with_spikes() {
    let Some(dir) = shared_testdata("openephys-binary/openephys-0.6.7") else {
        return;
    };
    let r = BinaryReader::open(&dir).unwrap();
    // neo has no spikes; the segment therefore starts at the first spike here (sample 3)
    let opts = neo_binary_opts().ignoring("/segments/*/t_start");
    assert_matches_dump(
        &r,
        &golden("binary", "real/openephys-0.6.7.neo.json"),
        &opts,
    );
    assert_conformant(&r);
    let h = r.header();
    assert_eq!(r.signal_size(0, 0, 1).unwrap(), 131_362);
    assert_eq!(r.signal_t_start(0, 0, 1).unwrap(), 40091.0 / 40000.0);
    assert_eq!(r.segment_t_start(0, 0).unwrap(), 3.0 / 40000.0);
    // 8 Spike Detector stereotrodes (electrode indexes 0..7), one cluster each; counts are the
    // lengths of their sample_numbers.npy
    let counts: Vec<u64> = (0..8).map(|u| r.spike_count(0, 0, u).unwrap()).collect();
    assert_eq!(counts, [189, 184, 169, 161, 186, 166, 176, 148]);
    assert_eq!(h.spike_channels[7].name, "Stereotrode 8#0");
    let wf = r
        .spike_raw_waveforms(0, 0, 0, TimeWindow::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(wf.shape(), [189, 2, 40]);
    // the Network Events TTL: 128 edges, 64 epochs
    assert_eq!(h.event_channels[2].kind, rawio_core::EventKind::Epoch);
    assert_eq!(r.event_count(0, 0, 2).unwrap(), 64);
    assert_eq!(
        r.signal_clock(0).unwrap(),
        rawio_core::SampleClock::RegularWithExplicit
    );
}

#[test]
fn gin_v0441_with_spikes_and_tracking() {
    let Some(dir) = shared_testdata("openephys-binary/gin-ephy-testing-data/v0.4.4.1_with_spikes")
    else {
        return;
    };
    let r = BinaryReader::open(&dir).unwrap();
    let mut neo = golden("binary", "real/v0.4.4.1_with_spikes.neo.json");
    // neo keeps only BINARY_group_2 of the two tracking folders (both map to one key)
    for seg in neo["segments"].as_array_mut().unwrap() {
        seg["events"]
            .as_array_mut()
            .unwrap()
            .insert(2, serde_json::Value::Null);
    }
    let opts = neo_binary_opts()
        .ignoring("/event_channels")
        .ignoring("/segments/*/events/2")
        .ignoring("/segments/*/events/*/event_index");
    assert_matches_dump(&r, &neo, &opts);
    assert_conformant(&r);
    let h = r.header();
    assert_eq!(h.event_channels.len(), 4);
    // one spike folder of 8 tetrodes: one unit per electrode (cluster 0), 3379 spikes in all
    assert_eq!(h.spike_channels.len(), 8);
    let total: u64 = (0..8).map(|u| r.spike_count(0, 0, u).unwrap()).sum();
    assert_eq!(total, 3379);
    assert_eq!(h.spike_channels[0].name, "TT  p124.0 n0#0");
    let wf = r
        .spike_raw_waveforms(0, 0, 0, TimeWindow::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(&wf.shape()[1..], [4, 40]);
}

#[test]
fn gin_v06_neuropixels_three_experiments_one_clock() {
    let Some(dir) = shared_testdata(
        "openephys-binary/gin-ephy-testing-data/v0.6.x_neuropixels_multiexp_multistream",
    ) else {
        return;
    };
    let r = BinaryReader::open(&dir).unwrap();
    assert_conformant(&r);
    let h = r.header();
    assert_eq!(h.nb_segment(), [1, 1, 1]);
    assert_eq!(h.signal_channels.len(), 776);
    // neo's values (neo_dump.py): sizes, t_starts and sums of the first channels
    let want = [
        [
            (62.23336666666667, 0.0),
            (62.1066, 19191.0),
            (62.12603333333333, -66194.0),
        ],
        [
            (6.233366666666667, 0.0),
            (5.829633333333334, -111880.0),
            (5.829666666666666, -171933.0),
        ],
        [
            (8.833366666666667, 0.0),
            (8.5095, -50399.0),
            (8.522233333333334, -128019.0),
        ],
    ];
    for (b, w) in want.iter().enumerate() {
        for (k, &(t0, sum0)) in w.iter().enumerate() {
            assert_eq!(r.signal_size(b, 0, k).unwrap(), 100);
            assert_eq!(r.signal_t_start(b, 0, k).unwrap(), t0);
            let c = r
                .analogsignal_chunk(
                    b,
                    0,
                    k,
                    None,
                    None,
                    &rawio_core::ChannelSelection::Range(0..1),
                )
                .unwrap();
            assert_eq!(c.sum_f64(), sum0);
        }
    }
    // TTL times on the sample clock: neo's synchronized first NI-DAQ edge is 62.727 s, the
    // stored sample number says 62.8463 s (1 885 389 / 30 kHz); durations 0.5 s exactly
    let ev = r.event_timestamps(0, 0, 1, TimeWindow::ALL).unwrap();
    assert_eq!(ev.len(), 1196);
    let t = r.rescale_event_timestamps(&ev.timestamps, 1);
    assert_eq!(t[0], 1_885_389.0 / 30000.0);
    let sync = r.event_synchronized_times(0, 0, 1).unwrap().unwrap();
    assert_eq!(sync[0], 62.72707435742971);
    assert!(t[0] >= r.signal_t_start(0, 0, 0).unwrap());
}

#[test]
fn gin_v05_two_nodes_partial_frame_opens() {
    let Some(dir) = shared_testdata("openephys-binary/gin-ephy-testing-data/v0.5.x_two_nodes")
    else {
        return;
    };
    // neo refuses the session: RecordNode105/recording1's continuous.dat is 639 873 bytes, not
    // a whole number of 16-channel frames
    let r = BinaryReader::open(&dir).unwrap();
    assert_conformant(&r);
    assert_eq!(r.header().nb_segment(), [3]);
    let names: Vec<&str> = r
        .header()
        .signal_streams
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "RecordNode103#File_Reader-100.0",
            "RecordNode105#File_Reader-100.0"
        ]
    );
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 20_000);
    assert_eq!(r.signal_size(0, 0, 1).unwrap(), 639_872 / 32);
    assert_eq!(r.signal_size(0, 2, 0).unwrap(), 20_000);
    assert_eq!(r.signal_t_start(0, 0, 0).unwrap(), 181_888.0 / 40000.0);
    let w = warnings(&r, 0, 0);
    assert!(
        w.iter()
            .any(|m| m.contains("1 bytes after the last whole frame")),
        "{w:?}"
    );
    let w = warnings(&r, 0, 2);
    assert!(
        w.iter()
            .any(|m| m.contains("1 bytes after the last whole frame")),
        "{w:?}"
    );
    // synchronized_timestamps.npy is -1 everywhere (no sync signal): no explicit clock
    assert_eq!(r.signal_clock(0).unwrap(), rawio_core::SampleClock::Regular);
}

#[test]
fn legacy_gui067_nodes_match_neo() {
    for node in [101, 105] {
        let Some(dir) = shared_testdata(&format!(
            "openephys-legacy/openephys-0.6.7/Record Node {node}"
        )) else {
            return;
        };
        let r = LegacyReader::open(&dir).unwrap();
        // neo: no events (the 0.6 header has no sampleRate), 0 spikes (times not starting at 0)
        let opts = CompareOptions::default()
            .ignoring("/event_channels")
            .ignoring("/segments/*/events")
            .ignoring("/segments/*/spikes")
            .ignoring("/segments/*/t_start");
        assert_matches_dump(
            &r,
            &golden(
                "legacy",
                &format!("real/openephys-0.6.7_node{node}.neo.json"),
            ),
            &opts,
        );
        assert_conformant(&r);
        // 130 records of 1024 samples from sample 251 635; events: (3072 - 1024) / 16 records
        assert_eq!(r.signal_size(0, 0, 0).unwrap(), 133_120);
        assert_eq!(r.signal_t_start(0, 0, 0).unwrap(), 251_635.0 / 40000.0);
        assert_eq!(r.event_count(0, 0, 0).unwrap(), 128);
        if node == 105 {
            // (38 608 - 1024) / (44 + 2*2*40 + 6*2) records in Stereotrode1
            assert_eq!(r.spike_count(0, 0, 0).unwrap(), 174);
            let first = r.spike_timestamps(0, 0, 0, TimeWindow::ALL).unwrap();
            assert_eq!(first.get_f64(0), Some(212_313.0));
        }
    }
}

#[test]
fn legacy_gin_sample_data_1_damaged_copy_opens() {
    let Some(dir) =
        shared_testdata("openephys-legacy/gin-ephy-testing-data/OpenEphys_SampleData_1")
    else {
        return;
    };
    // This copy has every CR LF pair turned into LF (no 0x0d 0x0a pair in 3 MB of binary
    // data): headers are 1021 bytes and four CH0 records lost a byte. neo refuses it ("non
    // valid data block size"); the reader re-synchronises on the record markers, fills the
    // four damaged CH0 records with the gap value and says so.
    let r = LegacyReader::open(&dir).unwrap();
    assert_conformant(&r);
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 414 * 1024);
    assert_eq!(r.signal_t_start(0, 0, 0).unwrap(), 51_968.0 / 40000.0);
    let gaps = r.header().blocks[0].segments[0].annotations["gaps"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(gaps, 4);
    let w = warnings(&r, 0, 0);
    assert!(
        w.iter()
            .any(|m| m.contains("8276 bytes of damaged records")),
        "{w:?}"
    );
    // (99 086 - 1021) bytes of 216-byte spike records, one trailing byte
    assert_eq!(r.spike_count(0, 0, 0).unwrap(), 454);
}

#[test]
fn legacy_gin_sample_data_2_two_starts_and_a_recording_restart() {
    let Some(dir) = shared_testdata(
        "openephys-legacy/gin-ephy-testing-data/OpenEphys_SampleData_2_(multiple_starts)",
    ) else {
        return;
    };
    let r = LegacyReader::open(&dir).unwrap();
    assert_conformant(&r);
    assert_eq!(r.header().nb_segment(), [2]);
    // start 1: records from 49 184 to 389 888 (+1024), with recording number 1 after a pause of
    // 92 896 samples; start 2: CH0_2 lost its first record, so CH1_2 is clipped by 1024
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 390_912 - 49_184);
    assert_eq!(r.signal_size(0, 1, 0).unwrap(), 118_464 - 43_712);
    let gaps = &r.header().blocks[0].segments[0].annotations["gaps"];
    assert!(
        gaps.as_array()
            .unwrap()
            .iter()
            .any(|g| g["missing_samples"] == 92_896
                && g["recording_numbers"] == serde_json::json!([0, 1]))
    );
    let w = warnings(&r, 0, 1);
    assert!(
        w.iter()
            .any(|m| m.contains("channel CH1 clipped") && m.contains("1024 samples before")),
        "{w:?}"
    );
}
