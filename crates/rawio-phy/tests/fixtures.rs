//! Generated fixtures (testdata/phy, from testdata/generate/phy_fixtures.py): goldens from neo
//! and from the generator's own truth, concrete values, conformance.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rawio_conformance::{CompareOptions, assert_conformant, assert_matches_dump, project_testdata};
use rawio_core::serde_json::{self, Value};
use rawio_core::{ChannelSelection, ErrorKind, RawIO, RawIOExt, TimeWindow};
use rawio_phy::{Options, PhyReader, UnitFilter, WaveformChannels};

fn fixture(name: &str) -> std::path::PathBuf {
    project_testdata(&format!("phy/{name}"))
}

fn golden(name: &str) -> Value {
    let p = project_testdata(&format!("phy/golden/{name}"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap()
}

fn open(name: &str) -> PhyReader {
    PhyReader::open(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn times(r: &PhyReader, unit: usize) -> Vec<f64> {
    let ts = r.spike_timestamps(0, 0, unit, TimeWindow::ALL).unwrap();
    r.rescale_spike_timestamps(&ts).to_vec()
}

#[test]
fn int64_plain_matches_neo_and_truth() {
    let r = open("int64_plain");
    assert_matches_dump(
        &r,
        &golden("int64_plain.neo.json"),
        &CompareOptions::default(),
    );
    assert_matches_dump(
        &r,
        &golden("int64_plain.truth.json"),
        &CompareOptions::default(),
    );
    assert_eq!(r.cluster_ids(), vec![0, 1, 2, 3, 4, 5]);
    let ts = r.spike_timestamps(0, 0, 0, TimeWindow::ALL).unwrap();
    assert_eq!(ts.dtype(), rawio_core::Dtype::Int64);
    assert_eq!(r.spike_count(0, 0, 0).unwrap(), 68);
    assert!(!r.has_raw_data(), "missing.dat is not there");
    assert!(r.header().signal_streams.is_empty());
    assert!(
        r.spike_raw_waveforms(0, 0, 0, TimeWindow::ALL)
            .unwrap()
            .is_none()
    );
    assert!(
        r.header().blocks[0].annotations["raw_data_warning"]
            .as_str()
            .unwrap()
            .contains("missing.dat")
    );
}

#[test]
fn int64_plain_annotations_follow_neo_typing() {
    let r = open("int64_plain");
    let ann = |u: usize| r.header().spike_channels[u].annotations.clone();
    // cluster 0: KSLabel good, info row with an empty ContamPct
    let a0 = ann(0);
    assert_eq!(a0["cluster_id"], 0);
    assert_eq!(a0["quality"], "good");
    assert_eq!(a0["amplitude"], 12.5);
    assert_eq!(a0["contampct"], Value::Null);
    assert_eq!(a0["ch"], 1);
    assert_eq!(a0["depth"], 20.0);
    assert_eq!(a0["templates"], serde_json::json!([0]));
    // no channel_map: channel = ch
    assert_eq!(a0["channel"], 1);
    assert_eq!(a0["channel_source"], "tsv");
    assert!(
        a0.get("group").is_none(),
        "cluster 0 has no row in cluster_group.tsv"
    );
    // cluster 1: KSLabel mua but curated group good
    let a1 = ann(1);
    assert_eq!(a1["quality"], "mua");
    assert_eq!(a1["group"], "good");
    assert_eq!(
        a1["channel"],
        Value::Null,
        "no ch, no templates.npy: no channel (no guess)"
    );
    // cluster 3: no KSLabel row, group noise, integer amplitude, empty ch
    let a3 = ann(3);
    assert!(a3.get("quality").is_none());
    assert_eq!(a3["group"], "noise");
    assert_eq!(a3["amplitude"], 1);
    assert_eq!(a3["ch"], Value::Null);
    assert_eq!(a3["contampct"], 99.0);
    // amplitudes.npy mean
    let amps = r.spike_amplitudes(0).unwrap().unwrap();
    assert_eq!(amps.len(), 68);
    let mean = amps.iter().sum::<f64>() / 68.0;
    assert!((a0["amplitude_mean"].as_f64().unwrap() - mean).abs() < 1e-9);
    assert_eq!(r.spike_template_ids(2).unwrap().unwrap(), vec![2; 68]);
}

#[test]
fn label_filter_keeps_good_and_mua() {
    let opts = Options {
        units: UnitFilter::good_and_mua(),
        ..Options::default()
    };
    let r = PhyReader::open_with(fixture("int64_plain"), &opts).unwrap();
    // group wins over KSLabel: 0 good(KS), 1 good(group), 2 good(KS), 3 noise(group), 4 noise(KS), 5 mua(KS)
    assert_eq!(r.cluster_ids(), vec![0, 1, 2, 5]);
    assert_eq!(r.header().spike_channels[3].name, "unit 5");
    assert_eq!(times(&r, 3), times(&open("int64_plain"), 5));
    assert_conformant(&r);
    let only = Options {
        units: UnitFilter::Labels(vec!["noise".into()]),
        ..Options::default()
    };
    let r = PhyReader::open_with(fixture("int64_plain"), &only).unwrap();
    assert_eq!(r.cluster_ids(), vec![3, 4]);
    // no labels at all in the folder: keep everything
    let r = PhyReader::open_with(fixture("mixed_shapes"), &opts).unwrap();
    assert_eq!(r.cluster_ids(), vec![3, 8]);
}

#[test]
fn uint64_col_matches_neo_except_order_and_extras() {
    let r = open("uint64_col");
    // neo returns the unsorted file order and has no raw data: compare sorted times by hand,
    // everything else with the golden.
    let neo = golden("uint64_col.neo.json");
    let opts = CompareOptions::default()
        .ignoring("/signal_streams")
        .ignoring("/signal_channels")
        .ignoring("/spike_channels/*/wf_*")
        .ignoring("/segments/*/t_stop")
        .ignoring("/segments/*/signals")
        .ignoring("/segments/*/spikes/*/waveform_*")
        .ignoring("/segments/*/spikes/*/head_s")
        .ignoring("/segments/*/spikes/*/tail_s")
        .ignoring("/segments/*/spikes/*/times_s");
    assert_matches_dump(&r, &neo, &opts);
    for (u, s) in neo["segments"][0]["spikes"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let mut want: Vec<f64> = s["times_s"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert!(
            want.windows(2).any(|w| w[0] > w[1]),
            "neo's times are unsorted for unit {u}"
        );
        want.sort_by(f64::total_cmp);
        assert_eq!(times(&r, u), want);
    }
    assert_matches_dump(
        &r,
        &golden("uint64_col.truth.json"),
        &CompareOptions::default(),
    );
}

#[test]
fn uint64_col_units_channels_and_waveforms() {
    let r = open("uint64_col");
    assert_eq!(r.cluster_ids(), vec![0, 17, 40], "sparse ids after merges");
    let ts = r.spike_timestamps(0, 0, 0, TimeWindow::ALL).unwrap();
    assert_eq!(ts.dtype(), rawio_core::Dtype::Uint64);
    assert_eq!(ts.ndim(), 1, "(n,1) files give 1-D timestamps");
    let h = r.header();
    assert_eq!(
        h.segment(0, 0).unwrap().t_stop,
        3000.0 / 20000.0,
        "t_stop = .dat duration"
    );
    assert_eq!(h.signal_channels.len(), 8);
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 3000);
    let a = &h.spike_channels[1].annotations;
    assert_eq!(a["cluster_id"], 17);
    assert_eq!(a["templates"], serde_json::json!([1, 2]));
    assert!(
        a.get("quality").is_none() && a.get("group").is_none(),
        "17 has no row"
    );
    assert_eq!(h.spike_channels[2].annotations["group"], "mua");
    // channel via the dominant template and channel_map; position from channel_positions
    for u in 0..3 {
        let a = &h.spike_channels[u].annotations;
        let local = a["channel_index"].as_u64().unwrap() as usize;
        let map = [7u64, 5, 3, 1, 0, 2];
        assert_eq!(a["channel"].as_u64().unwrap(), map[local]);
        assert_eq!(a["channel_source"], "template");
        assert_eq!(a["position"], serde_json::json!([0.0, 10.0 * local as f64]));
        assert_eq!(r.waveform_channels(u).unwrap()[0] as u64, map[local]);
        assert_eq!(
            r.waveform_channels(u).unwrap().len(),
            6,
            "6 mapped channels < 12"
        );
    }
    assert_eq!(r.n_samples_waveforms(), 20);
    assert_eq!(h.spike_channels[0].wf_left_sweep, 10);
    // first spikes at samples 0, 5, 9: zero-padded windows
    let wf = r
        .spike_raw_waveforms(0, 0, 0, TimeWindow::ALL)
        .unwrap()
        .unwrap();
    let wf = wf.as_typed::<i16>().unwrap().to_owned();
    let ts = r.spike_timestamps(0, 0, 0, TimeWindow::ALL).unwrap();
    let ts: Vec<u64> = ts.as_typed::<u64>().unwrap().to_vec();
    let chans = r.waveform_channels(0).unwrap().to_vec();
    let raw = r
        .analogsignal_chunk(0, 0, 0, None, None, &ChannelSelection::All)
        .unwrap();
    let raw = raw.as_typed::<i16>().unwrap().to_owned();
    for (k, &t) in ts.iter().enumerate() {
        for (ci, &c) in chans.iter().enumerate() {
            for j in 0..20i64 {
                let s = t as i64 - 10 + j;
                let want = if (0..3000).contains(&s) {
                    raw[[s as usize, c]]
                } else {
                    0
                };
                assert_eq!(
                    wf[[k, ci, j as usize]],
                    want,
                    "spike {k} at {t}, channel {c}, sample {j}"
                );
            }
        }
    }
    // All channels option
    let opts = Options {
        waveform_channels: WaveformChannels::All,
        ..Options::default()
    };
    let all = PhyReader::open_with(fixture("uint64_col"), &opts).unwrap();
    let w = all
        .spike_raw_waveforms(0, 0, 2, TimeWindow::between(0.0, 0.01))
        .unwrap()
        .unwrap();
    assert_eq!(w.shape()[1..], [8, 20]);
    let best = r
        .spike_raw_waveforms(0, 0, 2, TimeWindow::between(0.0, 0.01))
        .unwrap()
        .unwrap();
    assert_eq!(best.shape()[0], w.shape()[0]);
}

#[test]
fn uint64_col_pc_features_opt_in() {
    assert!(open("uint64_col").pc_features(0).unwrap().is_none());
    let opts = Options {
        load_pc_features: true,
        ..Options::default()
    };
    let r = PhyReader::open_with(fixture("uint64_col"), &opts).unwrap();
    let pcf = r.pc_features(1).unwrap().unwrap();
    assert_eq!(
        pcf.shape(),
        [r.spike_count(0, 0, 1).unwrap() as usize, 3, 4]
    );
    assert_eq!(
        r.header().spike_channels[0].annotations["pc_feature_ind"],
        serde_json::json!([[0.0, 1.0, 2.0, 3.0]])
    );
}

#[test]
fn mixed_shapes_are_1d_unlike_neo() {
    let r = open("mixed_shapes");
    assert_matches_dump(
        &r,
        &golden("mixed_shapes.truth.json"),
        &CompareOptions::default(),
    );
    let ts = r.spike_timestamps(0, 0, 1, TimeWindow::ALL).unwrap();
    assert_eq!(ts.ndim(), 1);
    assert_eq!(r.params().sample_rate, 25000.0);
}

#[test]
fn spaces_in_dat_path_and_concatenated_files() {
    let r = open("spaces");
    assert_matches_dump(&r, &golden("spaces.truth.json"), &CompareOptions::default());
    assert_eq!(
        r.params().dat_path,
        vec![r"raw data\rec 0.dat", "raw data/rec 1.dat"]
    );
    assert_eq!(r.params().offset, 16);
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 1000);
    // a chunk across the two files equals the two halves
    let all = r
        .analogsignal_chunk(0, 0, 0, None, None, &ChannelSelection::All)
        .unwrap();
    let mid = r
        .analogsignal_chunk(
            0,
            0,
            0,
            Some(590),
            Some(610),
            &ChannelSelection::Indexes(vec![2, 0]),
        )
        .unwrap();
    let all = all.as_typed::<i16>().unwrap();
    let mid = mid.as_typed::<i16>().unwrap();
    for i in 0..20 {
        assert_eq!(mid[[i, 0]], all[[590 + i, 2]]);
        assert_eq!(mid[[i, 1]], all[[590 + i, 0]]);
    }
    assert_eq!(r.n_samples_waveforms(), 30, "3 ms without templates.npy");
    assert_eq!(r.waveform_channels(0).unwrap(), &[0, 1, 2]);
}

#[test]
fn missing_params_is_a_clear_error() {
    let e = PhyReader::open(fixture("no_params")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("params.py"), "{e}");
}

#[test]
fn format_descriptor_and_sniff() {
    assert_eq!(rawio_phy::FORMAT.id, "phy");
    assert_eq!((rawio_phy::FORMAT.sniff)(&fixture("int64_plain")), 100);
    assert_eq!((rawio_phy::FORMAT.sniff)(&fixture("no_params")), 50);
    assert_eq!(
        (rawio_phy::FORMAT.sniff)(&fixture("int64_plain/params.py")),
        0
    );
    assert_eq!((rawio_phy::FORMAT.sniff)(&fixture("golden")), 0);
    let r = (rawio_phy::FORMAT.open)(&fixture("uint64_col")).unwrap();
    assert_eq!(r.format_id(), "phy");
    // a file inside the folder opens the folder
    assert_eq!(
        PhyReader::open(fixture("uint64_col/params.py"))
            .unwrap()
            .cluster_ids(),
        vec![0, 17, 40]
    );
}

#[test]
fn conformance_on_every_fixture() {
    for name in ["int64_plain", "uint64_col", "mixed_shapes", "spaces"] {
        assert_conformant(&open(name));
    }
    let opts = Options {
        waveform_channels: WaveformChannels::All,
        load_pc_features: true,
        ..Options::default()
    };
    assert_conformant(&PhyReader::open_with(fixture("uint64_col"), &opts).unwrap());
}

#[test]
fn edge_cases_in_temp_folders() {
    use std::io::Write;
    fn npy(path: &std::path::Path, descr: &str, shape: &str, data: &[u8]) {
        let mut h = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        while (10 + h.len() + 1) % 64 != 0 {
            h.push(' ');
        }
        h.push('\n');
        let mut f = std::fs::File::create(path).unwrap();
        f.write_all(b"\x93NUMPY\x01\x00").unwrap();
        f.write_all(&(h.len() as u16).to_le_bytes()).unwrap();
        f.write_all(h.as_bytes()).unwrap();
        f.write_all(data).unwrap();
    }
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(p.join("params.py"), "sample_rate = 1000.0\n").unwrap();
    let t: Vec<u8> = [0i64, 0, 0].iter().flat_map(|v| v.to_le_bytes()).collect();
    let c: Vec<u8> = [7i32, 7, 7].iter().flat_map(|v| v.to_le_bytes()).collect();
    npy(&p.join("spike_times.npy"), "<i8", "(3,)", &t);
    npy(&p.join("spike_clusters.npy"), "<i4", "(3,)", &c);
    // every spike at sample 0: t_stop is one sample, not 0
    let r = PhyReader::open(p).unwrap();
    assert_eq!(r.header().segment(0, 0).unwrap().t_stop, 0.001);
    assert_eq!(r.spike_count(0, 0, 0).unwrap(), 3);
    // mismatched lengths are corrupt errors naming the file
    npy(&p.join("spike_clusters.npy"), "<i4", "(2,)", &c[..8]);
    let e = PhyReader::open(p).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert!(e.to_string().contains("spike_clusters.npy"), "{e}");
    // float spike times are unsupported
    npy(&p.join("spike_clusters.npy"), "<i4", "(3,)", &c);
    npy(&p.join("spike_times.npy"), "<f8", "(3,)", &t);
    assert_eq!(
        PhyReader::open(p).unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    // no sample_rate
    npy(&p.join("spike_times.npy"), "<i8", "(3,)", &t);
    std::fs::write(p.join("params.py"), "dat_path = 'x.dat'\n").unwrap();
    let e = PhyReader::open(p).unwrap_err();
    assert!(e.to_string().contains("sample_rate"), "{e}");
    // empty folder
    let e = PhyReader::open(tempfile::tempdir().unwrap().path()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}
