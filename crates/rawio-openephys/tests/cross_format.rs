//! The Open Ephys 0.6.7 example recording in three formats (../shared/testdata): binary,
//! legacy and the NWB export. The GUI's File Reader played the same example data into each;
//! the binary and NWB copies are one run (same sample numbers, 40 091 to 171 452), the legacy
//! copy another run (sample numbers from 251 635) whose first sample is binary sample 11 584.
//! The NWB values come from h5py (testdata/generate/openephys_nwb_golden.py), so this test does
//! not depend on the NWB reader.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::golden;
use rawio_conformance::shared_testdata;
use rawio_core::ndarray::Array2;
use rawio_core::{ChannelSelection, RawIO, RawIOExt, TimeWindow};
use rawio_openephys::{BinaryReader, LegacyReader};

/// Samples of the legacy run that follow binary sample 11 584 (to the binary's end).
const OFFSET: u64 = 11_584;
const OVERLAP: u64 = 131_362 - OFFSET;

fn all(r: &dyn RawIO, stream: usize, start: u64, stop: u64) -> Array2<i16> {
    r.analogsignal_chunk(
        0,
        0,
        stream,
        Some(start),
        Some(stop),
        &ChannelSelection::All,
    )
    .unwrap()
    .as_typed::<i16>()
    .unwrap()
    .to_owned()
}

#[test]
fn binary_and_legacy_agree_sample_for_sample() {
    let (Some(bin), Some(leg)) = (
        shared_testdata("openephys-binary/openephys-0.6.7"),
        shared_testdata("openephys-legacy/openephys-0.6.7"),
    ) else {
        return;
    };
    let b = BinaryReader::open(&bin).unwrap();
    // the legacy root holds both Record Node folders: one stream per node, as the binary
    let l = LegacyReader::open(&leg).unwrap();
    assert_eq!(l.header().signal_streams.len(), 2);
    for (k, node) in ["Record Node 101", "Record Node 105"].iter().enumerate() {
        assert_eq!(
            b.header().signal_streams[k].name,
            format!("{node}#File_Reader-100.example_data")
        );
        assert_eq!(l.header().signal_streams[k].id, format!("{node}#CH"));
        let bs = b.header().stream_channels(k).unwrap();
        let ls = l.header().stream_channels(k).unwrap();
        let names = |c: &Vec<&rawio_core::SignalChannel>| -> Vec<String> {
            c.iter().map(|c| c.name.clone()).collect()
        };
        assert_eq!(names(&bs), names(&ls));
        // same gain up to the legacy header's rounding (0.05 vs float32 0.05)
        assert_eq!(bs[0].gain, 0.05000000074505806);
        assert_eq!(ls[0].gain, 0.05);
        let x = all(&b, k, OFFSET, OFFSET + OVERLAP);
        let y = all(&l, k, 0, OVERLAP);
        let diff: Vec<(usize, usize, i16, i16)> = x
            .indexed_iter()
            .filter(|&((i, c), v)| *v != y[[i, c]])
            .map(|((i, c), v)| (i, c, *v, y[[i, c]]))
            .collect();
        if k == 0 {
            assert!(diff.is_empty(), "{node}: {diff:?}");
        } else {
            // Record Node 105 records after the Bandpass Filter: the two runs round six samples
            // differently (by one bit); every other sample of the 1.9 M agrees
            assert_eq!(
                diff,
                [
                    (18395, 3, 256, 257),
                    (27800, 0, 514, 515),
                    (37598, 7, 382, 383),
                    (37669, 1, 1117, 1118),
                    (54254, 11, -793, -794),
                    (111_922, 8, 262, 263)
                ],
                "{node}"
            );
        }
    }
    // each copy is on its own run's sample clock
    assert_eq!(b.signal_t_start(0, 0, 0).unwrap(), 40_091.0 / 40000.0);
    assert_eq!(l.signal_t_start(0, 0, 0).unwrap(), 251_635.0 / 40000.0);
}

#[test]
fn binary_and_nwb_export_agree() {
    let Some(bin) = shared_testdata("openephys-binary/openephys-0.6.7") else {
        return;
    };
    let b = BinaryReader::open(&bin).unwrap();
    let nwb = golden("binary", "real/openephys-0.6.7-nwb.json");
    let c = &nwb["continuous"];
    // Record Node 105 is the node the NWB export came from
    let k = 1;
    let n = b.signal_size(0, 0, k).unwrap();
    assert_eq!(c["shape"], serde_json::json!([n, 16]));
    let rows = |a: Array2<i16>| -> serde_json::Value {
        a.rows()
            .into_iter()
            .map(|r| r.iter().map(|&v| i64::from(v)).collect::<Vec<_>>())
            .collect::<Vec<_>>()
            .into()
    };
    assert_eq!(rows(all(&b, k, 0, 3)), c["head"]);
    assert_eq!(rows(all(&b, k, n - 3, n)), c["tail"]);
    let mut sums = vec![0i64; 16];
    for (_, chunk) in b
        .signal_chunks(0, 0, k, 65_536, ChannelSelection::All)
        .unwrap()
        .map(Result::unwrap)
    {
        for row in chunk.as_typed::<i16>().unwrap().rows() {
            for (s, v) in sums.iter_mut().zip(row) {
                *s += i64::from(*v);
            }
        }
    }
    assert_eq!(serde_json::json!(sums), c["sum"]);
    assert_eq!(
        b.signal_t_start(0, 0, k).unwrap(),
        c["first_sample_number"].as_f64().unwrap() / 40000.0
    );
    // NWB's channel_conversion is bit_volts in volts: 5e-08 V = 0.05 uV (float32)
    let conv = c["channel_conversion"][0].as_f64().unwrap();
    assert_eq!(conv, f64::from(5e-8f32));
    assert!((b.header().signal_channels[16].gain * 1e-6 - conv).abs() < 1e-15);
    // the eight stereotrodes: counts, first/last sample numbers and waveforms
    for u in 0..8 {
        let s = &nwb["spikes"][format!("Stereotrode {}", u + 1)];
        let ts = b.spike_timestamps(0, 0, u, TimeWindow::ALL).unwrap();
        assert_eq!(ts.len() as u64, s["count"].as_u64().unwrap());
        assert_eq!(ts.get_i64(0), s["first_sample_number"].as_i64());
        assert_eq!(ts.get_i64(ts.len() - 1), s["last_sample_number"].as_i64());
        let wf = b
            .spike_raw_waveforms(0, 0, u, TimeWindow::ALL)
            .unwrap()
            .unwrap();
        assert_eq!(serde_json::json!(wf.shape()), s["waveform_shape"]);
        assert_eq!(wf.sum_f64(), s["waveform_sum"].as_f64().unwrap());
    }
    // the Network Events TTL: 128 edges in both copies, 64 epochs here, one per positive
    // state, on the same lines. (The two writers stamped the edges with different sample
    // numbers: the NWB's first edge is at 40 091, the binary's at 40 944; the file contents
    // differ, not the readers.)
    let ttl = &nwb["ttl"];
    let mut lines: Vec<i64> = ttl["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_i64().unwrap())
        .filter(|&d| d > 0)
        .collect();
    let ev = b.event_timestamps(0, 0, 5, TimeWindow::ALL).unwrap();
    let mut ours: Vec<i64> = ev.labels.iter().map(|l| l.parse().unwrap()).collect();
    lines.sort_unstable();
    ours.sort_unstable();
    assert_eq!(ours, lines);
    assert_eq!(ttl["sync"][0], 40_091);
    assert_eq!(ev.timestamps.get_i64(0), Some(40_944));
}
