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
    use rawio_core::{RawIO, TimeWindow};
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
    // no signal/unit/interval: the segment spans the timestamped series
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
    let c = es.get(1.002275, 1.0023).unwrap();
    assert_eq!(c.times, [1.002275, 1.0023]);
    assert_eq!(c.data.shape(), [2, 16]);
}
