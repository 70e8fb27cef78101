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

#[test]
fn openephys_header_values() {
    use rawio_core::{RawIO, RawIOExt, TimeWindow};
    let Some(p) = shared("nwb/openephys-0.6.7-nwb/Record Node 105/experiment1.nwb") else {
        return;
    };
    let r = rawio_nwb::NwbReader::open(&p).unwrap();
    let h = r.header();
    // continuous data has explicit timestamps: not a RawIO stream, listed instead
    assert!(h.signal_streams.is_empty());
    let seg = &h.blocks[0].segments[0];
    assert_eq!(
        seg.annotations["timestamps_series"]
            .as_array()
            .unwrap()
            .len(),
        11
    );
    // the continuous data: exactly regular 40 kHz timestamps, but explicit, so listed with
    // its shape, path and the rate its first/last timestamps imply (only those 2 are read)
    let es = seg.annotations["timestamps_series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "File Reader-100.example_data")
        .unwrap();
    assert_eq!(es["path"], "/acquisition/File Reader-100.example_data");
    assert_eq!(
        es["data_path"],
        "/acquisition/File Reader-100.example_data/data"
    );
    assert_eq!(es["neurodata_type"], "ElectricalSeries");
    assert_eq!(es["shape"], serde_json::json!([131362, 16]));
    assert_eq!(es["dtype"], "int16");
    assert_eq!(es["count"], 131362);
    assert_eq!(es["t_start"], 1.002275);
    assert_eq!(es["t_stop"], 4.28629999999995);
    let rate = es["rate_estimate"].as_f64().unwrap();
    assert!((rate - 40000.0).abs() < 1e-6, "{rate}");
    // the segment spans the timestamped series (sync_messages' wall-clock event times,
    // 1.7e12 "s", do not stretch it: event channels never do)
    assert_eq!((seg.t_start, seg.t_stop), (0.000075, 4.28629999999995));
    assert_eq!(h.blocks[0].annotations["nwb_version"], "2.5.0");
    assert_eq!(h.blocks[0].annotations["identifier"], "test-identifier");
    let names: Vec<&str> = h.event_channels.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["messages", "sync_messages"]);
    let e = r.event_timestamps(0, 0, 0, TimeWindow::ALL).unwrap();
    assert_eq!(e.len(), 14);
    assert_eq!(e.labels[0], "TTL Line=1 State=0"); // fixed-length |S512 text
    assert_eq!(r.rescale_event_timestamps(&e.timestamps, 0)[0], 1.002275);
    assert_eq!(h.event_channels[1].annotations["num_samples"], 2);
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
