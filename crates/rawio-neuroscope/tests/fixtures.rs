//! The generated fixtures of testdata/neuroscope: goldens from neo (signals) and from the
//! generator (spikes, events, LFP rates), the conformance kit, and the error cases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rawio_conformance::{CompareOptions, assert_conformant, assert_matches_dump, project_testdata};
use rawio_core::{ChannelSelection, ErrorKind, RawIO, RawIOExt, TimeWindow};
use rawio_neuroscope::{NeuroscopeReader, Options, SignalFiles};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    project_testdata(&format!("neuroscope/{name}"))
}

fn golden(name: &str) -> Value {
    let p = fixture(&format!("golden/{name}"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap()
}

/// neo has no spikes or events for Neuroscope: those paths differ by design.
fn neo_opts() -> CompareOptions {
    CompareOptions::default()
        .ignoring("/spike_channels")
        .ignoring("/event_channels")
        .ignoring("/segments/*/spikes")
        .ignoring("/segments/*/events")
}

/// neo reads .lfp/.eeg at samplingRate instead of lfpSamplingRate (docs/neo-differences).
fn neo_lfp_opts() -> CompareOptions {
    neo_opts()
        .ignoring("/signal_channels/*/sampling_rate")
        .ignoring("/segments/*/t_stop")
}

fn open(name: &str) -> NeuroscopeReader {
    NeuroscopeReader::open(fixture(name)).unwrap()
}

#[test]
fn session_dat_matches_neo_and_generator() {
    let r = open("session.xml");
    assert_matches_dump(&r, &golden("session.neo.json"), &neo_opts());
    assert_matches_dump(
        &r,
        &golden("session.truth.json"),
        &CompareOptions::default(),
    );
    let h = r.header();
    assert_eq!(h.signal_streams.len(), 1);
    assert_eq!(
        (
            h.signal_streams[0].name.as_str(),
            h.signal_streams[0].id.as_str()
        ),
        ("Signals", "0")
    );
    assert_eq!(h.signal_buffers.len(), 1);
    assert_eq!(h.signal_channels[0].sampling_rate, 20000.0);
    assert_eq!(h.signal_channels[1].annotations["skip"], true);
    assert_eq!(h.signal_channels[0].annotations["skip"], false);
    assert_eq!(h.signal_channels[5].annotations["group"], Value::Null);
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 20000);
    // zero-copy chunk
    let c = r
        .analogsignal_chunk(
            0,
            0,
            0,
            Some(100),
            Some(200),
            &ChannelSelection::Range(1..4),
        )
        .unwrap();
    assert!(c.is_view());
    assert_eq!(c.shape(), [100, 3]);
}

#[test]
fn session_spikes_and_events() {
    let r = open("session");
    let h = r.header();
    let names: Vec<&str> = h.spike_channels.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "shank1_cluster0",
            "shank1_cluster1",
            "shank1_cluster2",
            "shank1_cluster3",
            "shank1_cluster5",
            "shank2_cluster0",
            "shank2_cluster1",
            "shank2_cluster2",
            "shank2_cluster4"
        ]
    );
    assert_eq!(h.spike_channels[4].id, "1#5");
    assert_eq!(h.spike_channels[0].annotations["cluster_kind"], "artefact");
    assert_eq!(h.spike_channels[1].annotations["cluster_kind"], "noise");
    assert_eq!(h.spike_channels[2].annotations["cluster_kind"], "unit");
    assert!(
        h.spike_channels[6].annotations["fet_file"]
            .as_str()
            .unwrap()
            .ends_with("session.fet.2")
    );
    let total: u64 = (0..5).map(|u| r.spike_count(0, 0, u).unwrap()).sum();
    assert_eq!(total, 300);
    let total: u64 = (5..9).map(|u| r.spike_count(0, 0, u).unwrap()).sum();
    assert_eq!(total, 200);
    assert_eq!(h.spike_channels[0].wf_left_sweep, 3);
    assert_eq!(h.spike_channels[5].wf_left_sweep, 4);
    assert_eq!(h.spike_channels[5].wf_sampling_rate, 20000.0);
    assert_eq!(h.spike_channels[5].wf_gain, h.signal_channels[0].gain);
    let wf = r
        .spike_raw_waveforms(0, 0, 5, TimeWindow::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(wf.shape()[1..], [2, 10]);
    // the first spike of .spk.1 is in the first unit of its cluster: check one value by hand
    let spk = std::fs::read(fixture("session.spk.1")).unwrap();
    let clu = std::fs::read_to_string(fixture("session.clu.1")).unwrap();
    let first_cluster: u64 = clu.lines().nth(1).unwrap().parse().unwrap();
    let unit = h
        .spike_channels
        .iter()
        .position(|u| u.id == format!("1#{first_cluster}"))
        .unwrap();
    let wf = r
        .spike_raw_waveforms(0, 0, unit, TimeWindow::ALL)
        .unwrap()
        .unwrap();
    let wf = wf.as_typed::<i16>().unwrap();
    // file layout: [sample][channel]; ours: [channel][sample]. sample 2, channel 1:
    let at = (2 * 3 + 1) * 2;
    assert_eq!(wf[[0, 1, 2]], i16::from_le_bytes([spk[at], spk[at + 1]]));

    let ev: Vec<(&str, &str)> = h
        .event_channels
        .iter()
        .map(|e| (e.name.as_str(), e.id.as_str()))
        .collect();
    assert_eq!(ev, [("py.sw", "evt.py.sw"), ("rip", "rip.evt")]);
    let rip = r.event_timestamps(0, 0, 1, TimeWindow::ALL).unwrap();
    assert_eq!(rip.len(), 12);
    assert_eq!(rip.labels[..3], ["start 1", "peak 1", "stop 1"]);
    let first = std::fs::read_to_string(fixture("session.rip.evt")).unwrap();
    let first_ms: f64 = first.split('\t').next().unwrap().parse().unwrap();
    assert_eq!(
        r.rescale_event_timestamps(&rip.timestamps, 1)[0],
        first_ms / 1000.0
    );
    assert_conformant(&r);
}

#[test]
fn lfp_is_read_at_lfp_sampling_rate() {
    // neo's bug: it reports .lfp at samplingRate (20 kHz); we use lfpSamplingRate (1250 Hz)
    let opts = Options {
        binary_file: Some(fixture("session.lfp")),
        ..Options::default()
    };
    let r = NeuroscopeReader::open_with(fixture("session.xml"), &opts).unwrap();
    let neo = golden("session.lfp.neo.json");
    assert_eq!(neo["signal_channels"][0]["sampling_rate"], 20000.0);
    assert_eq!(neo["segments"][0]["t_stop"], 0.0625);
    assert_matches_dump(&r, &neo, &neo_lfp_opts());
    assert_matches_dump(
        &r,
        &golden("session.lfp.truth.json"),
        &CompareOptions::default(),
    );
    assert_eq!(r.signal_sampling_rate(0).unwrap(), 1250.0);
    assert_eq!(r.segment_t_stop(0, 0).unwrap(), 1.0);
    assert_conformant(&r);

    // opening the .lfp directly is the same
    let r2 = NeuroscopeReader::open(fixture("session.lfp")).unwrap();
    assert_eq!(r2.signal_sampling_rate(0).unwrap(), 1250.0);
    assert_eq!(r2.signal_size(0, 0, 0).unwrap(), 1250);
}

#[test]
fn both_streams() {
    let opts = Options {
        signals: SignalFiles::Both,
        ..Options::default()
    };
    let r = NeuroscopeReader::open_with(fixture("session.xml"), &opts).unwrap();
    let h = r.header();
    let s: Vec<(&str, &str, &str)> = h
        .signal_streams
        .iter()
        .map(|s| (s.name.as_str(), s.id.as_str(), s.buffer_id.as_str()))
        .collect();
    assert_eq!(s, [("Signals", "0", "0"), ("LFP", "1", "1")]);
    assert_eq!(h.signal_channels.len(), 12);
    assert_eq!(r.signal_sampling_rate(0).unwrap(), 20000.0);
    assert_eq!(r.signal_sampling_rate(1).unwrap(), 1250.0);
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 20000);
    assert_eq!(r.signal_size(0, 0, 1).unwrap(), 1250);
    let lfp = r
        .analogsignal_chunk(0, 0, 1, None, None, &ChannelSelection::All)
        .unwrap();
    let truth = golden("session.lfp.truth.json");
    let sums: Vec<f64> = truth["segments"][0]["signals"][0]["sum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(lfp.column_sums(), sums);
    assert_matches_dump(
        &r,
        &golden("session.truth.json"),
        &CompareOptions::default(),
    );
    assert_conformant(&r);
}

#[test]
fn eeg_only_session() {
    let r = open("eegonly.xml");
    assert_matches_dump(&r, &golden("eegonly.neo.json"), &neo_lfp_opts());
    assert_matches_dump(
        &r,
        &golden("eegonly.truth.json"),
        &CompareOptions::default(),
    );
    assert_eq!(r.header().spike_channels.len(), 0);
    assert_conformant(&r);
    assert_eq!(rawio_neuroscope::sniff(&fixture("eegonly.eeg")), 90);
}

#[test]
fn partial_frame_is_ignored_with_a_warning() {
    // neo refuses this file (ValueError: not a multiple of the data-type size)
    let r = open("partial.xml");
    assert_matches_dump(
        &r,
        &golden("partial.truth.json"),
        &CompareOptions::default(),
    );
    assert_eq!(r.trailing_bytes(0), Some(3));
    let st = &r.header().signal_streams[0];
    assert_eq!(st.annotations["trailing_bytes"], 3);
    let w = st.annotations["warnings"][0].as_str().unwrap();
    assert!(w.contains("last 3 bytes"), "{w}");
    let seg = &r.header().blocks[0].segments[0];
    assert!(
        seg.annotations["warnings"][0]
            .as_str()
            .unwrap()
            .contains("partial frame")
    );
    assert_conformant(&r);
}

#[test]
fn spikes_only_session_has_no_stream() {
    let r = open("spikesonly.xml");
    assert_matches_dump(
        &r,
        &golden("spikesonly.truth.json"),
        &CompareOptions::default(),
    );
    let h = r.header();
    assert_eq!(h.signal_streams.len(), 0);
    assert_eq!(h.spike_channels.len(), 4);
    assert_eq!(h.spike_channels[3].name, "shank1_cluster7");
    assert!(
        r.spike_raw_waveforms(0, 0, 0, TimeWindow::ALL)
            .unwrap()
            .is_none()
    );
    assert_eq!(h.event_channels[0].name, "evt");
    assert_conformant(&r);
    // opened from the stem as well
    let r2 = open("spikesonly");
    assert_eq!(r2.header().spike_channels.len(), 4);
}

#[test]
fn nbits_other_than_16_is_unsupported() {
    let e = NeuroscopeReader::open(fixture("nbits24.xml")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(e.to_string().contains("nBits = 24"), "{e}");
}

#[test]
fn missing_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    // explicitly named signal file that does not exist
    std::fs::copy(fixture("session.xml"), dir.path().join("s.xml")).unwrap();
    let e = NeuroscopeReader::open(dir.path().join("s.dat")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("s.dat"), "{e}");
    let opts = Options {
        binary_file: Some(dir.path().join("other.fil")),
        ..Options::default()
    };
    let e = NeuroscopeReader::open_with(dir.path().join("s.xml"), &opts).unwrap_err();
    assert!(e.to_string().contains("other.fil"), "{e}");
    // an xml alone: nothing to read
    let e = NeuroscopeReader::open(dir.path().join("s.xml")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let msg = e.to_string();
    for want in ["s.dat", "s.lfp", "s.eeg", "s.res.N", "s.clu.N", "s.evt"] {
        assert!(msg.contains(want), "{msg} lacks {want}");
    }
    // no xml
    let e = NeuroscopeReader::open(dir.path().join("nothing")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("nothing.xml"), "{e}");
}

fn copy_session(dir: &Path, files: &[&str]) {
    for f in files {
        std::fs::copy(fixture(&format!("session.{f}")), dir.join(format!("s.{f}"))).unwrap();
    }
}

#[test]
fn res_clu_count_mismatch_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    copy_session(dir.path(), &["xml", "res.1", "clu.1"]);
    let clu = std::fs::read_to_string(dir.path().join("s.clu.1")).unwrap();
    let cut: String = clu.lines().take(100).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.path().join("s.clu.1"), cut).unwrap();
    let e = NeuroscopeReader::open(dir.path().join("s.xml")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    let msg = e.to_string();
    assert!(
        msg.contains("300 spikes") && msg.contains("99 cluster ids"),
        "{msg}"
    );
}

#[test]
fn bad_res_line_reports_line_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    copy_session(dir.path(), &["xml", "clu.1"]);
    let mut res = std::fs::read_to_string(fixture("session.res.1")).unwrap();
    let third = res.match_indices('\n').nth(1).unwrap().0 + 1;
    res.insert(third, '-');
    std::fs::write(dir.path().join("s.res.1"), res).unwrap();
    let e = NeuroscopeReader::open(dir.path().join("s")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("at byte {third}")) && msg.contains("line 3"),
        "{msg}"
    );
    assert!(msg.contains("s.res.1"), "{msg}");
}

#[test]
fn spk_of_wrong_size_gives_no_waveforms_and_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    copy_session(dir.path(), &["xml", "res.2", "clu.2", "spk.2"]);
    let spk = std::fs::read(dir.path().join("s.spk.2")).unwrap();
    std::fs::write(dir.path().join("s.spk.2"), &spk[..spk.len() - 2]).unwrap();
    let r = NeuroscopeReader::open(dir.path().join("s.xml")).unwrap();
    assert!(
        r.spike_raw_waveforms(0, 0, 0, TimeWindow::ALL)
            .unwrap()
            .is_none()
    );
    assert_eq!(r.header().spike_channels[0].wf_left_sweep, -1);
    let w = r.header().blocks[0].segments[0].annotations["warnings"][0]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(w.contains("7998") && w.contains("8000"), "{w}");
}

#[test]
fn unsorted_res_is_sorted_per_unit_with_matching_waveforms() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("session.xml"), dir.path().join("s.xml")).unwrap();
    // group 2: channels [3, 4], 10 samples
    std::fs::write(dir.path().join("s.res.2"), "50\n10\n30\n").unwrap();
    std::fs::write(dir.path().join("s.clu.2"), "1\n2\n2\n2\n").unwrap();
    let mut spk = Vec::new();
    for spike in 0..3i16 {
        for k in 0..20i16 {
            spk.extend_from_slice(&(spike * 100 + k).to_le_bytes());
        }
    }
    std::fs::write(dir.path().join("s.spk.2"), spk).unwrap();
    let r = NeuroscopeReader::open(dir.path().join("s.xml")).unwrap();
    let ts = r.spike_timestamps(0, 0, 0, TimeWindow::ALL).unwrap();
    assert_eq!(ts.as_typed::<u64>().unwrap().to_vec(), vec![10, 30, 50]);
    let wf = r
        .spike_raw_waveforms(0, 0, 0, TimeWindow::ALL)
        .unwrap()
        .unwrap();
    let wf = wf.as_typed::<i16>().unwrap();
    // sorted spike 0 is file spike 1; sample 0 channel 1 = value index 1
    assert_eq!(wf[[0, 1, 0]], 101);
    assert_eq!(wf[[1, 0, 3]], 206);
    assert_eq!(wf[[2, 1, 9]], 19);
    assert_eq!(r.segment_t_stop(0, 0).unwrap(), 50.0 / 20000.0);
    assert_conformant(&r);
}

#[test]
fn res_without_clu_is_cluster_1_and_empty_session_t_stop_fallback() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("spikesonly.xml"), dir.path().join("s.xml")).unwrap();
    std::fs::write(dir.path().join("s.res.3"), "").unwrap();
    std::fs::write(dir.path().join("s.rip.evt"), "").unwrap();
    let r = NeuroscopeReader::open(dir.path().join("s.xml")).unwrap();
    assert_eq!(r.header().spike_channels.len(), 0);
    assert_eq!(r.header().event_channels.len(), 1);
    assert_eq!(r.segment_t_stop(0, 0).unwrap(), 1.0 / 32552.0);
    assert_conformant(&r);
    std::fs::write(dir.path().join("s.res.3"), "5\n7\n").unwrap();
    let r = NeuroscopeReader::open(dir.path().join("s.xml")).unwrap();
    assert_eq!(r.header().spike_channels[0].id, "3#1");
    assert_eq!(
        r.header().spike_channels[0].annotations["cluster_kind"],
        "noise"
    );
    assert_eq!(r.spike_count(0, 0, 0).unwrap(), 2);
}

#[test]
fn other_session_event_files_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    copy_session(dir.path(), &["xml", "rip.evt"]);
    std::fs::copy(fixture("session.xml"), dir.path().join("s.day2.xml")).unwrap();
    std::fs::write(dir.path().join("s.day2.evt"), "1.0 x\n").unwrap();
    let r = NeuroscopeReader::open(dir.path().join("s.xml")).unwrap();
    let names: Vec<&str> = r
        .header()
        .event_channels
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(names, ["rip"]);
}

#[test]
fn sniffing() {
    use rawio_neuroscope::sniff;
    assert_eq!(sniff(&fixture("session.xml")), 100);
    assert_eq!(sniff(&fixture("session.dat")), 90);
    assert_eq!(sniff(&fixture("session.lfp")), 90);
    assert_eq!(sniff(&fixture("session")), 90);
    assert_eq!(sniff(&fixture("nosuch")), 0);
    assert_eq!(sniff(&fixture("session.res.1")), 0);
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("settings.xml");
    std::fs::write(
        &other,
        "<?xml version='1.0'?><SETTINGS><parameters/></SETTINGS>",
    )
    .unwrap();
    assert_eq!(sniff(&other), 0);
    std::fs::write(dir.path().join("settings.dat"), [0u8; 4]).unwrap();
    assert_eq!(sniff(&dir.path().join("settings.dat")), 0);
    assert_eq!(rawio_neuroscope::FORMAT.id, "neuroscope");
    let boxed = (rawio_neuroscope::FORMAT.open)(&fixture("session.xml")).unwrap();
    assert_eq!(boxed.format_id(), "neuroscope");
}

#[test]
fn absurd_channel_count_is_corrupt_not_an_allocation() {
    let dir = tempfile::tempdir().unwrap();
    let xml = std::fs::read_to_string(fixture("session.xml")).unwrap();
    let xml = xml.replace(
        "<nChannels>6</nChannels>",
        "<nChannels>999999999999</nChannels>",
    );
    std::fs::write(dir.path().join("s.xml"), xml).unwrap();
    std::fs::write(dir.path().join("s.dat"), [0u8; 64]).unwrap();
    let e = NeuroscopeReader::open(dir.path().join("s.xml")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt, "{e}");
    assert!(e.to_string().contains("nChannels = 999999999999"), "{e}");
}

#[test]
fn xml_without_anatomical_description_opens() {
    // neo 0.14.6 raises AttributeError on such an xml
    let dir = tempfile::tempdir().unwrap();
    let xml = std::fs::read_to_string(fixture("partial.xml")).unwrap();
    let start = xml.find("<anatomicalDescription>").unwrap();
    let end = xml.find("</anatomicalDescription>").unwrap() + "</anatomicalDescription>".len();
    std::fs::write(
        dir.path().join("s.xml"),
        format!("{}{}", &xml[..start], &xml[end..]),
    )
    .unwrap();
    std::fs::write(dir.path().join("s.dat"), [1u8, 0, 2, 0, 3, 0, 4, 0]).unwrap();
    let r = NeuroscopeReader::open(dir.path().join("s.dat")).unwrap();
    let names: Vec<&str> = r
        .header()
        .signal_channels
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["ch0grpnone", "ch1grpnone"]);
    let c = r
        .analogsignal_chunk(0, 0, 0, None, None, &ChannelSelection::All)
        .unwrap();
    assert_eq!(c.column_sums(), vec![4.0, 6.0]);
    assert_conformant(&r);
}
