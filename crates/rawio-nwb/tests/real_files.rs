//! Every real NWB file under the shared test data opens and matches nwb_dump.py (goldens in
//! testdata/nwb/golden/real/).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

fn check(rel: &str, golden_name: &str) -> Option<(usize, usize, usize)> {
    let p = shared(rel)?;
    let truth = golden(&format!("real/{golden_name}"));
    Some(check_truth(&p, &truth))
}

#[test]
fn pynapple_units_file() {
    if let Some(n) = check(
        "nwb/pynapple-A8604-211122/A8604-211122.nwb",
        "A8604-211122.nwb",
    ) {
        assert_eq!(n, (0, 3, 1));
    }
}

#[test]
fn openephys_nwb_plugin_file() {
    if let Some(n) = check(
        "nwb/openephys-0.6.7-nwb/Record Node 105/experiment1.nwb",
        "experiment1.nwb",
    ) {
        assert_eq!(n, (13, 0, 0));
    }
}

#[test]
fn pynwb_back_compat_files() {
    for f in [
        "1.0.2_nwbfile.nwb",
        "1.1.2_nwbfile.nwb",
        "3.0.0_electrodes_dynamic_table.nwb",
    ] {
        check(&format!("nwb/pynwb-back-compat/{f}"), f);
    }
}

const OE_NWB: &str = "nwb/openephys-0.6.7-nwb/Record Node 105/experiment1.nwb";
const OE_BINARY: &str = "openephys-binary/openephys-0.6.7/Record Node 105/experiment1/recording1";

#[test]
fn openephys_header_values() {
    use rawio_core::{RateSource, RawIO, RawIOExt, SampleClock, TimeWindow};
    let Some(p) = shared(OE_NWB) else {
        return;
    };
    let r = rawio_nwb::NwbReader::open(&p).unwrap();
    let h = r.header();
    // the continuous data: a stream with an explicit clock (its timestamps), nominal rate =
    // 1 / median interval (the plugin states none), t_start = the first timestamp
    let ids: Vec<&str> = h.signal_streams.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["/acquisition/File Reader-100.example_data"]);
    assert_eq!(
        h.signal_streams[0].clock,
        SampleClock::Explicit {
            rate_source: RateSource::MedianInterval
        }
    );
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 131362);
    assert_eq!(r.signal_t_start(0, 0, 0).unwrap(), 1.002275);
    let rate = r.signal_sampling_rate(0).unwrap();
    assert!((rate - 40000.0).abs() < 1e-3, "{rate}");
    let ch = h.stream_channels(0).unwrap();
    assert_eq!(ch.len(), 16);
    assert_eq!(ch[0].gain, f64::from(5e-8f32) * f64::from(5e-8f32)); // conversion × channel_conversion
    assert_eq!(ch[0].units, "V");
    assert_eq!(
        r.signal_times(0, 0, 0, 131361..131362).unwrap()[0],
        4.28629999999995
    );
    // 8 SpikeEventSeries: one spike channel each, (events × 2 channels × 40 samples)
    // waveforms, gain = conversion × channel_conversion, rate of the continuous stream
    assert_eq!(h.spike_channels.len(), 8);
    let st1 = &h.spike_channels[0];
    assert_eq!(st1.name, "Spike Detector-104.example_data.Stereotrode 1");
    assert_eq!(
        st1.id,
        "/acquisition/Spike Detector-104.example_data.Stereotrode 1"
    );
    assert_eq!(st1.wf_units, "V");
    assert_eq!(st1.wf_gain, f64::from(5e-8f32) * f64::from(5e-8f32));
    assert_eq!(st1.wf_sampling_rate, rate);
    assert_eq!(st1.annotations["electrode_ids"], serde_json::json!([0, 1]));
    let counts: Vec<u64> = (0..8).map(|u| r.spike_count(0, 0, u).unwrap()).collect();
    assert_eq!(counts, [189, 184, 169, 161, 186, 166, 176, 148]);
    let t = r.rescale_spike_timestamps(&r.spike_timestamps(0, 0, 0, TimeWindow::ALL).unwrap());
    assert_eq!(t.to_vec()[..3], [0.004975, 0.02295, 0.0255]);
    let w = r
        .spike_raw_waveforms(0, 0, 0, TimeWindow::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(w.shape(), [189, 2, 40]);
    let w = w.as_typed::<i16>().unwrap();
    assert_eq!((w[[0, 0, 0]], w[[0, 0, 4]], w[[0, 1, 0]]), (-337, 111, 211));
    // events: the text messages, and the TTL series (timestamps repeat: one event per
    // row, label = the line number, negative when it goes low)
    let names: Vec<&str> = h.event_channels.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["messages", "Network Events-108.example_data.TTL"]);
    let e = r.event_timestamps(0, 0, 0, TimeWindow::ALL).unwrap();
    assert_eq!(e.len(), 14);
    assert_eq!(e.labels[0], "TTL Line=1 State=0"); // fixed-length |S512 text
    assert_eq!(r.rescale_event_timestamps(&e.timestamps, 0)[0], 1.002275);
    let ttl = r.event_timestamps(0, 0, 1, TimeWindow::ALL).unwrap();
    assert_eq!(ttl.len(), 128);
    assert_eq!(ttl.labels[..4], ["1", "-1", "2", "-2"]);
    // sync_messages holds milliseconds since 1970 and a sample number: another clock, not
    // an event channel; listed with the reason. The empty TTL series is listed too.
    let seg = &h.blocks[0].segments[0];
    let other = seg.annotations["other_series"].as_array().unwrap();
    let sync = other
        .iter()
        .find(|o| o["path"] == "/acquisition/sync_messages")
        .unwrap();
    assert!(
        sync["reason"].as_str().unwrap().contains("another clock"),
        "{sync}"
    );
    assert!(other.iter().any(
        |o| o["path"] == "/acquisition/File Reader-100.example_data.TTL"
            && o["reason"] == "no sample"
    ));
    // the segment spans every stream, spike and event (the first spike is at 75 µs)
    assert_eq!((seg.t_start, seg.t_stop), (0.000075, 4.28629999999995));
    assert_eq!(h.blocks[0].annotations["nwb_version"], "2.5.0");
    assert_eq!(h.blocks[0].annotations["identifier"], "test-identifier");
    assert_eq!(
        h.blocks[0].annotations[rawio_nwb::NOT_READ_KEY],
        serde_json::json!([])
    );
    // the object API reads the continuous data with its conversion (float32 5e-08)
    let f = rawio_nwb::NwbFile::open(&p).unwrap();
    let es = f.series("File Reader-100.example_data").unwrap();
    assert_eq!(es.conversion(), f64::from(5e-8f32));
    assert_eq!(es.channel_conversion().unwrap().len(), 16);
    // lazily: series() reads nothing; get() binary-searches the timestamps on disk and reads
    // only the rows it returns
    assert_eq!(es.len(), 131362);
    assert!(matches!(
        es.time_axis(),
        Some(rawio_nwb::TimeAxis::Timestamps { count: 131362, .. })
    ));
    let c = es.get(1.002275, 1.0023).unwrap();
    assert_eq!(c.times, [1.002275, 1.0023]);
    assert_eq!(c.data.shape(), [2, 16]);
    assert_eq!(es.index_range(1.002275, 1.0023).unwrap(), 0..2);
    assert_eq!(es.index_range(f64::MIN, f64::MAX).unwrap(), 0..131362);
    assert_eq!(es.index_range(5.0, 6.0).unwrap(), 131362..131362);
    assert_eq!(es.time(131361), Some(4.28629999999995));
    assert_eq!(es.read_times(1..3).unwrap(), [1.0023, 1.002325]);
    let mid = es.get(2.0, 2.001).unwrap();
    assert_eq!(mid.data.shape()[0], mid.times.len());
    assert!(
        mid.times.len() == 40 || mid.times.len() == 41,
        "{}",
        mid.times.len()
    );
    assert!(mid.times.iter().all(|&t| (2.0..=2.001).contains(&t)));
    // loading every timestamp is explicit, and then gives the same answers
    let all = es.times();
    assert_eq!(all.len(), 131362);
    assert_eq!(es.read_times(1..3).unwrap(), all[1..3]);
}

/// The Open Ephys NWB export and the binary copy of the same recording hold the same
/// samples, times and spike snippets: the stream reads exactly `continuous.dat` and
/// `timestamps.npy`, the spike channels `waveforms.npy` and `timestamps.npy`.
#[test]
fn openephys_nwb_export_matches_the_binary_copy() {
    use rawio_core::{ChannelSelection, NpyFile, RawIO, RawIOExt, TimeWindow};
    let (Some(p), Some(bin)) = (shared(OE_NWB), shared(OE_BINARY)) else {
        return;
    };
    let r = rawio_nwb::NwbReader::open(&p).unwrap();
    let cont = bin.join("continuous/File_Reader-100.example_data");
    let raw = std::fs::read(cont.join("continuous.dat")).unwrap();
    let want: Vec<i16> = raw
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    assert_eq!(want.len(), 131362 * 16);
    // read in chunks that do not align with the file's 2048-row HDF5 chunks
    let mut got = Vec::with_capacity(want.len());
    for c in r
        .signal_chunks(0, 0, 0, 5000, ChannelSelection::All)
        .unwrap()
    {
        let (_, c) = c.unwrap();
        got.extend(c.as_typed::<i16>().unwrap().iter().copied());
    }
    assert_eq!(got, want, "samples differ from continuous.dat");
    let ts = NpyFile::open(cont.join("timestamps.npy"), "npy")
        .unwrap()
        .to_f64_vec()
        .unwrap();
    assert_eq!(r.signal_times(0, 0, 0, 0..131362).unwrap().to_vec(), ts);
    let spikes = bin.join("spikes/Spike_Detector-104.example_data");
    for (u, sc) in r.header().spike_channels.iter().enumerate() {
        let name = sc.name.rsplit('.').next().unwrap(); // "Stereotrode 1"
        let dir = spikes.join(name);
        let t = NpyFile::open(dir.join("timestamps.npy"), "npy")
            .unwrap()
            .to_f64_vec()
            .unwrap();
        let got =
            r.rescale_spike_timestamps(&r.spike_timestamps(0, 0, u, TimeWindow::ALL).unwrap());
        assert_eq!(got.to_vec(), t, "{name} times");
        let w = NpyFile::open(dir.join("waveforms.npy"), "npy").unwrap();
        let want = w.raw().unwrap();
        let got = r
            .spike_raw_waveforms(0, 0, u, TimeWindow::ALL)
            .unwrap()
            .unwrap();
        assert_eq!(got.shape(), want.shape(), "{name} waveform shape");
        let (g, w) = (got.to_f64(), want.to_f64());
        assert!(
            g.iter().zip(w.iter()).all(|(a, b)| a == b),
            "{name} waveforms"
        );
    }
}
