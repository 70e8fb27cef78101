//! `from_rawio` on rawio-core's TinyReader, constructor checks, and pynapple npz files.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use rawio_core::testing::TinyReader;
use serde_json::{Value, json};
use spikedata::{
    FromRawioOptions, IntervalSet, NapObject, Options, RateUnit, SpikeData, SpikeDataError,
    TsGroup, UnitSelection, read_npz, write_interval_set, write_ts, write_tsgroup,
};
use std::path::PathBuf;

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/spikedata")
}

#[test]
fn from_rawio_tiny_reader() {
    let r = TinyReader::new();
    let sd = SpikeData::from_rawio(&r, 0, 0, &FromRawioOptions::default()).unwrap();
    assert_eq!(sd.n_units(), 2);
    assert_eq!(sd.start_time(), 0.0);
    assert_eq!(sd.length(), 3000.0);
    // same spike counts as the reader, ticks at 1 kHz → ms
    assert_eq!(sd.train(0).unwrap().len(), 40);
    assert_eq!(sd.train(0).unwrap()[..3], [10.0, 80.0, 150.0]);
    assert_eq!(sd.train(1).unwrap(), &[5.0, 6.0, 1500.0, 2999.0]);
    let a = &sd.unit_attrs().unwrap()[1];
    assert_eq!(a["unit_id"], "1");
    assert_eq!(a["name"], "unit1");
    assert_eq!(a["index"], 1);
    assert_eq!(a["wf_gain"], 0.5);
    assert_eq!(sd.metadata()["format"], "tiny");
    assert_eq!(sd.metadata()["source_file"], "<memory>");
    assert_eq!(sd.metadata()["t_stop_s"], 3.0);
    assert!(sd.metadata().get("window_widened").is_none());
    assert!(sd.raw().is_none());
    assert_eq!(sd.rates(RateUnit::Hz), vec![40.0 / 3.0, 4.0 / 3.0]);
}

#[test]
fn from_rawio_selection_events_and_raw() {
    let r = TinyReader::new();
    let opts = FromRawioOptions {
        units: UnitSelection::Ids(vec!["1".into()]),
        raw_stream: Some(0),
        events: true,
    };
    let sd = SpikeData::from_rawio(&r, 0, 0, &opts).unwrap();
    assert_eq!(sd.n_units(), 1);
    assert_eq!(sd.train(0).unwrap().len(), 4);
    let raw = sd.raw().unwrap();
    assert_eq!(raw.data().dim(), (3, 3000));
    assert_eq!(raw.time()[1], 1.0);
    // channel 2 of sample 0: raw 1926 * 0.195 - 5
    assert_eq!(raw.data()[[2, 0]], 1926.0 * 0.195 - 5.0);
    assert_eq!(
        sd.metadata()["events"]["triggers"],
        json!([100.0, 1100.0, 2500.5])
    );
    assert_eq!(sd.metadata()["events"]["trials"], json!([500.0, 2000.0]));
    let st = sd.align_to_metadata_events("events", 0.0, 0.0);
    assert!(st.is_err(), "an object is not an event array");
    let mut sd2 = sd.clone();
    sd2.metadata_mut()
        .insert("stim".into(), sd.metadata()["events"]["triggers"].clone());
    let st = sd2.align_to_metadata_events("stim", 10.0, 500.0).unwrap();
    assert_eq!(st.len(), 2); // 2500.5 + 500 > 3000: dropped
    assert_eq!(st.dropped, 1);
    // subtime slices the raw signal too
    let sub = sd.subtime(Some(1000.0), Some(1010.0), None).unwrap();
    assert_eq!(sub.raw().unwrap().len(), 10);
    assert_eq!(sub.raw().unwrap().time()[0], 0.0);

    let opts = FromRawioOptions {
        units: UnitSelection::Indexes(vec![1, 0]),
        ..FromRawioOptions::default()
    };
    let sd = SpikeData::from_rawio(&r, 0, 0, &opts).unwrap();
    assert_eq!(sd.train(0).unwrap().len(), 4);
    assert_eq!(sd.train(1).unwrap().len(), 40);
    for bad in [
        UnitSelection::Indexes(vec![2]),
        UnitSelection::Ids(vec!["x".into()]),
    ] {
        let opts = FromRawioOptions {
            units: bad,
            ..FromRawioOptions::default()
        };
        assert!(matches!(
            SpikeData::from_rawio(&r, 0, 0, &opts),
            Err(SpikeDataError::Rawio(_))
        ));
    }
    assert!(SpikeData::from_rawio(&r, 0, 1, &FromRawioOptions::default()).is_err());
}

#[test]
fn from_rawio_widens_a_window_that_misses_spikes() {
    let mut r = TinyReader::new();
    r.header_mut().blocks[0].segments[0].t_stop = 2.5;
    let sd = SpikeData::from_rawio(&r, 0, 0, &FromRawioOptions::default()).unwrap();
    assert_eq!(sd.end_time(), 2999.0);
    assert_eq!(sd.metadata()["window_widened"], true);
}

#[test]
fn constructor_checks_like_spikelab() {
    let err = |t: Vec<Vec<f64>>, o: Options| SpikeData::new(t, o).unwrap_err();
    assert!(matches!(
        err(vec![vec![1.0, f64::NAN]], Options::default()),
        SpikeDataError::NonFinite {
            unit: 0,
            what: "NaN"
        }
    ));
    assert!(matches!(
        err(vec![vec![], vec![f64::INFINITY]], Options::default()),
        SpikeDataError::NonFinite {
            unit: 1,
            what: "inf"
        }
    ));
    assert!(matches!(
        err(vec![vec![5.0]], Options::length(4.0)),
        SpikeDataError::OutOfWindow { unit: 0, .. }
    ));
    assert!(matches!(
        err(vec![vec![5.0]], Options::window(6.0, 10.0)),
        SpikeDataError::OutOfWindow { .. }
    ));
    assert!(matches!(
        err(vec![], Options::length(-1.0)),
        SpikeDataError::InvalidArgument(_)
    ));
    assert!(matches!(
        err(vec![], Options::length(f64::NAN)),
        SpikeDataError::InvalidArgument(_)
    ));
    let o = Options {
        unit_attrs: Some(vec![Default::default()]),
        ..Options::default()
    };
    assert!(matches!(
        err(vec![vec![], vec![]], o),
        SpikeDataError::InvalidArgument(_)
    ));
    // defaults: sorted copy, length to the last spike, padding to N
    let sd = SpikeData::new(
        vec![vec![3.0, 1.0, 2.0]],
        Options {
            n: Some(3),
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(sd.train(0).unwrap(), &[1.0, 2.0, 3.0]);
    assert_eq!(sd.length(), 3.0);
    assert_eq!(sd.n_units(), 3);
    assert!(SpikeData::from_idces_times(&[0, -1], &[1.0, 2.0], Options::default()).is_err());
    assert!(SpikeData::from_idces_times(&[0], &[1.0, 2.0], Options::default()).is_err());
    assert!(SpikeData::from_raster(&ndarray::array![[1i64]], 0.0, Options::default()).is_err());
    assert!(SpikeData::from_raster(&ndarray::array![[-1i64]], 1.0, Options::default()).is_err());
}

#[test]
fn method_argument_errors() {
    let sd = SpikeData::new(vec![vec![0.0, 10.0], vec![5.0]], Options::length(20.0)).unwrap();
    assert!(sd.sparse_raster(0.0, 0.0).is_err());
    assert!(sd.sparse_raster(f64::NAN, 0.0).is_err());
    assert!(sd.sparse_raster(1.0, f64::INFINITY).is_err());
    assert!(sd.sparse_raster(1.0, -21.0).is_err());
    assert!(sd.binned_meanrate(-1.0, RateUnit::Hz).is_err());
    assert!(sd.subset(&[2], false).is_err());
    assert!(sd.subset_by("x", &[Value::from(1)]).is_err());
    assert!(sd.subtime(None, None, Some(f64::NAN)).is_err());
    assert!(sd.append(&sd, -1.0, false).is_err());
    assert!(
        sd.append(&sd.subset(&[0], false).unwrap(), 0.0, false)
            .is_err()
    );
    assert!(sd.frames(10.0, 10.0).is_err());
    assert!(sd.frames(10.0, -1.0).is_err());
    assert!(
        sd.sliding_rate(0.0, spikedata::Step::Size(1.0), None, None, 0.0, true)
            .is_err()
    );
    assert!(sd.resampled_isi(&[1.0, 1.0, 2.0], 1.0).is_err());
    assert!(sd.resampled_isi(&[1.0, 2.0, 4.0], 1.0).is_err());
    // a raster of a zero-length window with a spike at start_time cannot be made
    let z = SpikeData::new(vec![vec![0.0]], Options::length(0.0)).unwrap();
    assert!(z.sparse_raster(1.0, 0.0).is_err());
    // a spike exactly at start_time lands in bin 0, one at the end in the last bin
    let r = sd.sparse_raster(10.0, 0.0).unwrap();
    assert_eq!(r.n_bins, 2);
    assert_eq!(r.get(0, 0), 2); // 0.0 (clipped) and 10.0 (right-closed)
    assert_eq!(r.get(1, 0), 1);
    // attributes
    let mut sd = sd;
    sd.set_unit_attr("good", Value::Bool(true));
    sd.set_unit_attr_values("id", vec![json!(7), json!(9)], None)
        .unwrap();
    assert!(sd.set_unit_attr_values("id", vec![json!(7)], None).is_err());
    assert_eq!(sd.unit_attr("id"), vec![Some(&json!(7)), Some(&json!(9))]);
    assert_eq!(
        sd.subset_by("id", &[json!(9.0)]).unwrap().train(0).unwrap(),
        &[5.0]
    );
    let both = sd.concatenate_units(&sd).unwrap();
    assert_eq!(both.n_units(), 4);
    assert_eq!(both.unit_attrs().unwrap().len(), 4);
}

#[test]
fn interval_set_keeps_metadata_with_pairs() {
    // unsorted pairs: pynapple sorts start and end independently and drops metadata; here the
    // pairs move together and merged intervals keep their first row's metadata
    let iset = IntervalSet::with_metadata(
        &[5.0, 0.0, 2.0, 8.0],
        &[6.0, 1.0, 4.0, 8.0],
        vec![(
            "label".into(),
            vec![json!("c"), json!("a"), json!("b"), json!("z")],
        )],
    )
    .unwrap();
    assert_eq!(iset.start(), &[0.0, 2.0, 5.0]);
    assert_eq!(iset.end(), &[1.0, 4.0, 6.0]);
    assert_eq!(
        iset.metadata()[0].1,
        vec![json!("a"), json!("b"), json!("c")]
    );
    assert!(iset.was_changed());
    assert_eq!(iset.tot_length(), 4.0);
    assert!(iset.contains(1.0) && !iset.contains(1.5));
    // overlapping pairs with unsorted ends merge into one
    let m = IntervalSet::new(&[0.0, 1.0, 5.0], &[10.0, 2.0, 6.0]).unwrap();
    assert_eq!((m.start(), m.end()), (&[0.0][..], &[10.0][..]));
    // restrict on SpikeData (ms)
    let sd = SpikeData::new(vec![vec![0.0, 1.0, 2.5, 5.0, 9.0]], Options::length(10.0)).unwrap();
    let r = sd
        .restrict(&IntervalSet::new(&[1.0, 5.0], &[2.5, 6.0]).unwrap())
        .unwrap();
    assert_eq!(r.train(0).unwrap(), &[1.0, 2.5, 5.0]);
    assert_eq!(r.length(), 10.0);
}

#[test]
fn reads_pynapple_npz_files() {
    let (obj, notes) = read_npz(testdata().join("pynapple_tsgroup.npz")).unwrap();
    let NapObject::TsGroup(g) = obj else {
        panic!("not a TsGroup")
    };
    assert_eq!(g.keys, vec![3, 7, 12]);
    assert_eq!(g.ts[0], vec![0.5, 1.5, 2.25]);
    assert_eq!(g.ts[1], vec![0.25, 1.0, 1.5, 3.0, 4.0]);
    assert!(g.ts[2].is_empty());
    assert_eq!(
        (g.time_support.start(), g.time_support.end()),
        (&[0.0][..], &[5.0][..])
    );
    assert!(
        notes.skipped.iter().any(|s| s.starts_with("_metadata")),
        "{notes:?}"
    );

    let (obj, _) = read_npz(testdata().join("pynapple_ts.npz")).unwrap();
    let NapObject::Ts(ts) = obj else {
        panic!("not a Ts")
    };
    assert_eq!(ts.t, vec![0.1, 0.2, 0.7]);
    let (obj, _) = read_npz(testdata().join("pynapple_iset.npz")).unwrap();
    let NapObject::IntervalSet(i) = obj else {
        panic!("not an IntervalSet")
    };
    assert_eq!((i.start(), i.end()), (&[0.0, 2.0][..], &[1.0, 3.5][..]));

    let e = read_npz(testdata().join("pynapple_compressed.npz")).unwrap_err();
    assert!(matches!(e, SpikeDataError::Unsupported(_)), "{e}");

    let sd = SpikeData::read_npz(testdata().join("pynapple_tsgroup.npz")).unwrap();
    assert_eq!(sd.n_units(), 3);
    assert_eq!(
        sd.train(1).unwrap(),
        &[250.0, 1000.0, 1500.0, 3000.0, 4000.0]
    );
    assert_eq!((sd.start_time(), sd.length()), (0.0, 5000.0));
    assert_eq!(sd.unit_attrs().unwrap()[2]["unit_id"], 12);
}

#[test]
fn npz_corruptions_are_errors() {
    let good = std::fs::read(testdata().join("pynapple_tsgroup.npz")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.npz");
    for cut in [0, 10, 100, good.len() / 2, good.len() - 1] {
        std::fs::write(&p, &good[..cut]).unwrap();
        assert!(read_npz(&p).is_err(), "truncated at {cut}");
    }
    for pos in (0..good.len()).step_by(7) {
        let mut b = good.clone();
        b[pos] ^= 0x5A;
        std::fs::write(&p, &b).unwrap();
        let _ = read_npz(&p); // must not panic
    }
    assert!(matches!(
        read_npz(dir.path().join("missing.npz")),
        Err(SpikeDataError::Io { .. })
    ));
}

#[test]
fn writes_npz_for_pynapple() {
    let sd = SpikeData::new(
        vec![vec![1.0, 250.0, 900.5], vec![], vec![0.0, 1000.0]],
        Options::length(1000.0),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sd.npz");
    sd.write_npz(&p).unwrap();
    let back = SpikeData::read_npz(&p).unwrap();
    assert_eq!(back.trains(), sd.trains());
    assert_eq!((back.start_time(), back.length()), (0.0, 1000.0));

    // The files the golden script hands to pynapple (committed, with pynapple's verdict):
    // the writer must still produce exactly those bytes. Rewrite them with
    // SPIKEDATA_WRITE_FIXTURES=1, then rerun the golden script.
    let out = testdata().join("rust_written");
    let g = TsGroup {
        keys: vec![3, 7, 12],
        ts: vec![vec![0.5, 1.5, 2.25], vec![0.25, 1.0, 1.5, 3.0, 4.0], vec![]],
        time_support: IntervalSet::new(&[0.0], &[5.0]).unwrap(),
    };
    let ts = spikedata::Ts {
        t: vec![0.1, 0.2, 0.7],
        time_support: IntervalSet::new(&[0.0], &[1.0]).unwrap(),
    };
    let iset = IntervalSet::new(&[0.0, 2.0], &[1.0, 3.5]).unwrap();
    let fresh = dir.path();
    sd.write_npz(fresh.join("spikedata_tsgroup.npz")).unwrap();
    write_tsgroup(fresh.join("tsgroup.npz"), &g).unwrap();
    write_ts(fresh.join("ts.npz"), &ts).unwrap();
    write_interval_set(fresh.join("iset.npz"), &iset).unwrap();
    for name in ["spikedata_tsgroup.npz", "tsgroup.npz", "ts.npz", "iset.npz"] {
        let new = std::fs::read(fresh.join(name)).unwrap();
        if std::env::var_os("SPIKEDATA_WRITE_FIXTURES").is_some() {
            std::fs::create_dir_all(&out).unwrap();
            std::fs::write(out.join(name), &new).unwrap();
        }
        assert_eq!(
            std::fs::read(out.join(name)).unwrap(),
            new,
            "{name} changed: rerun the golden script"
        );
    }
    let out = out.as_path();
    let (obj, _) = read_npz(out.join("tsgroup.npz")).unwrap();
    assert_eq!(obj, NapObject::TsGroup(g));

    // pynapple's verdict on those files (written by the golden script), when present
    if let Ok(text) = std::fs::read_to_string(out.join("pynapple_check.json")) {
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["tsgroup.npz"]["type"], "TsGroup");
        assert_eq!(v["tsgroup.npz"]["keys"], json!([3, 7, 12]));
        assert_eq!(v["tsgroup.npz"]["t"][1], json!([0.25, 1.0, 1.5, 3.0, 4.0]));
        assert_eq!(v["spikedata_tsgroup.npz"]["type"], "TsGroup");
        assert_eq!(v["spikedata_tsgroup.npz"]["t"][2], json!([0.0, 1.0]));
        assert_eq!(v["spikedata_tsgroup.npz"]["end"], json!([1.0]));
        assert_eq!(v["ts.npz"]["t"], json!([0.1, 0.2, 0.7]));
        assert_eq!(v["iset.npz"]["end"], json!([1.0, 3.5]));
    }
}
