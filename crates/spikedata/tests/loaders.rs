//! The loaders against spikelab 0.1.2's own loaders run on the same files
//! (`testdata/generate/spikedata_loader_fixtures.py` → `testdata/spikedata/loaders/`): spike
//! times bit-identical, windows, attributes; where spikelab is wrong the difference is pinned.
#![cfg(all(feature = "hdf5", feature = "nwb", feature = "phy"))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use serde_json::{Value, json};
use spikedata::{
    Hdf5Layout, Hdf5Options, Hdf5Raw, KilosortOptions, NwbOptions, SpikeData, SpikeDataError,
    TimeUnit, UnitFilter,
};
use std::path::PathBuf;
use std::sync::OnceLock;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/spikedata/loaders")
}

fn goldens() -> &'static Value {
    static G: OnceLock<Value> = OnceLock::new();
    G.get_or_init(|| {
        serde_json::from_str(&std::fs::read_to_string(dir().join("goldens.json")).unwrap()).unwrap()
    })
}

fn real_goldens() -> &'static Value {
    static G: OnceLock<Value> = OnceLock::new();
    G.get_or_init(|| {
        serde_json::from_str(&std::fs::read_to_string(dir().join("real.json")).unwrap()).unwrap()
    })
}

fn fv(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Trains, start and length bit-identical to a spikelab result.
#[track_caller]
fn assert_same_spikes(sd: &SpikeData, golden: &Value, what: &str) {
    let trains = golden["trains"].as_array().unwrap();
    assert_eq!(sd.n_units(), trains.len(), "{what}: N");
    for (u, t) in trains.iter().enumerate() {
        let expected = fv(t);
        let got = sd.train(u).unwrap();
        assert_eq!(got.len(), expected.len(), "{what}: unit {u} count");
        for (k, (a, b)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(
                a.to_bits(),
                b.to_bits(),
                "{what}: unit {u} spike {k}: {a} vs {b}"
            );
        }
    }
    assert_eq!(
        sd.start_time(),
        golden["start_time"].as_f64().unwrap(),
        "{what}: start"
    );
    assert_eq!(
        sd.length(),
        golden["length"].as_f64().unwrap(),
        "{what}: length"
    );
}

fn unit_attr(sd: &SpikeData, key: &str) -> Vec<Value> {
    sd.unit_attr(key)
        .into_iter()
        .map(|v| v.cloned().unwrap_or(Value::Null))
        .collect()
}

fn golden_attr(golden: &Value, key: &str) -> Vec<Value> {
    golden["neuron_attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.get(key).cloned().unwrap_or(Value::Null))
        .collect()
}

fn warnings(sd: &SpikeData) -> Vec<String> {
    sd.metadata()
        .get("loader_warnings")
        .and_then(Value::as_array)
        .map(|v| v.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

// -----------------------------------------------------------------------------------------
// generic HDF5
// -----------------------------------------------------------------------------------------

fn unit_of(kwargs: &Value, key: &str) -> TimeUnit {
    match kwargs.get(key).and_then(Value::as_str).unwrap_or("s") {
        "s" => TimeUnit::Seconds,
        "ms" => TimeUnit::Milliseconds,
        "samples" => TimeUnit::Samples(kwargs["fs_Hz"].as_f64().unwrap()),
        other => panic!("unit {other}"),
    }
}

/// The options equivalent to a case's spikelab keyword arguments.
fn hdf5_options(case: &Value, n_units: Option<usize>) -> Hdf5Options {
    let kw = &case["kwargs"];
    let s = |k: &str| kw[k].as_str().unwrap().to_owned();
    let layout = if kw.get("raster_dataset").is_some() {
        Hdf5Layout::Raster {
            dataset: s("raster_dataset"),
            bin_size_ms: kw["raster_bin_size_ms"].as_f64().unwrap(),
        }
    } else if kw.get("spike_times_dataset").is_some() {
        Hdf5Layout::Ragged {
            times: s("spike_times_dataset"),
            index: s("spike_times_index_dataset"),
            unit: unit_of(kw, "spike_times_unit"),
            n_units,
        }
    } else if kw.get("group_per_unit").is_some() {
        Hdf5Layout::GroupPerUnit {
            group: s("group_per_unit"),
            unit: unit_of(kw, "group_time_unit"),
        }
    } else {
        Hdf5Layout::Paired {
            idces: s("idces_dataset"),
            times: s("times_dataset"),
            unit: unit_of(kw, "times_unit"),
        }
    };
    let mut o = Hdf5Options::new(layout);
    o.length_ms = kw.get("length_ms").and_then(Value::as_f64);
    if kw.get("raw_dataset").is_some() {
        o.raw = Some(Hdf5Raw {
            dataset: s("raw_dataset"),
            time_dataset: s("raw_time_dataset"),
            time_unit: unit_of(kw, "raw_time_unit"),
        });
    }
    o
}

fn hdf5_case(name: &str) -> &'static Value {
    &goldens()["hdf5"][name]
}

fn load_hdf5(name: &str, n_units: Option<usize>) -> spikedata::Result<SpikeData> {
    let case = hdf5_case(name);
    SpikeData::from_hdf5(
        dir().join(case["file"].as_str().unwrap()),
        &hdf5_options(case, n_units),
    )
}

#[test]
fn hdf5_layouts_match_spikelab() {
    for name in [
        "raster",
        "raster_length_ignored",
        "ragged_s",
        "group",
        "group_samples",
        "paired",
    ] {
        let case = hdf5_case(name);
        let sd = load_hdf5(name, None).unwrap();
        let g = &case["result"];
        assert_same_spikes(&sd, g, name);
        assert!(sd.unit_attrs().is_none(), "{name}");
        // SpikeLab's warnings, word for word
        let expected: Vec<String> = case["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(warnings(&sd), expected, "{name}: warnings");
        let src = sd.metadata()["source_file"].as_str().unwrap();
        assert!(src.ends_with(case["file"].as_str().unwrap()), "{src}");
        assert!(std::path::Path::new(src).is_absolute());
        match g.get("raw") {
            Some(raw) => {
                let r = sd.raw().unwrap();
                let shape: Vec<usize> = raw["shape"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_u64().unwrap() as usize)
                    .collect();
                assert_eq!(r.data().shape(), &shape[..]);
                assert_eq!(
                    r.data().iter().copied().collect::<Vec<_>>(),
                    fv(&raw["data"])
                );
                assert_eq!(r.time(), &fv(&raw["time"])[..]);
            }
            None => assert!(sd.raw().is_none()),
        }
    }
}

#[test]
fn raster_expansion_is_bounded_by_max_raster_spikes() {
    // a raster holds counts: a few bytes can declare millions of spikes, so the expansion is
    // capped (default spikedata::MAX_RASTER_SPIKES = 2^28), and the cap is the caller's choice
    let case = hdf5_case("raster");
    let total = load_hdf5("raster", None).unwrap().spike_count() as u64;
    assert!(total > 1, "{total}");
    let mut o = hdf5_options(case, None);
    assert_eq!(o.max_raster_spikes, spikedata::MAX_RASTER_SPIKES);
    let file = dir().join(case["file"].as_str().unwrap());
    o.max_raster_spikes = total;
    assert_eq!(
        SpikeData::from_hdf5(&file, &o).unwrap().spike_count() as u64,
        total
    );
    o.max_raster_spikes = total - 1;
    let e = SpikeData::from_hdf5(&file, &o).unwrap_err();
    assert!(matches!(e, SpikeDataError::Unsupported(_)), "{e}");
    assert!(e.to_string().contains("max_raster_spikes"), "{e}");
}

#[test]
fn hdf5_concrete_values() {
    // raster: 5 units, 120 bins of 2.5 ms from -50 ms; 3 spikes in bin 0 of unit 2
    let sd = load_hdf5("raster", None).unwrap();
    assert_eq!(sd.start_time(), -50.0);
    assert_eq!(sd.length(), 299.99999999999994); // 120 · 2.5 − ulp
    assert_eq!(&sd.train(2).unwrap()[..3], &[-49.375, -48.75, -48.125]);
    assert!(sd.train(1).unwrap().is_empty());
    assert_eq!(sd.raster(2.5, 0.0).unwrap().ncols(), 120);
    // ragged: unit 3 empty, unit 4 stored unsorted and sorted here
    let sd = load_hdf5("ragged_s", None).unwrap();
    assert!(sd.train(3).unwrap().is_empty());
    assert!(sd.train(4).unwrap().is_sorted());
    assert_eq!((sd.start_time(), sd.length()), (0.0, 5000.0));
    // group: natural order, 12 units from the keys "0".."11"
    let sd = load_hdf5("group", None).unwrap();
    assert_eq!(sd.n_units(), 12);
    let keys: Vec<&str> = sd.metadata()["unit_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(keys[..3], ["0", "1", "2"]);
    assert_eq!(keys[11], "11");
    let sd = load_hdf5("group_samples", None).unwrap();
    assert_eq!(
        sd.metadata()["unit_keys"],
        json!(["unit_1", "unit_2", "unit_10"])
    );
    // paired: ids {0,1,3,5} → 6 units, 2 and 4 empty
    let sd = load_hdf5("paired", None).unwrap();
    assert_eq!(sd.n_units(), 6);
    assert!(sd.train(2).unwrap().is_empty() && sd.train(4).unwrap().is_empty());
    assert_eq!(sd.spike_count(), 60);
}

/// A leading-zero index: spikelab guesses it from the leading 0; here the unit count decides.
#[test]
fn hdf5_leading_zero_index_needs_the_unit_count() {
    let case = hdf5_case("ragged_lz_samples");
    let n = case["n_units"].as_u64().unwrap() as usize;
    let sd = load_hdf5("ragged_lz_samples", Some(n)).unwrap();
    assert_same_spikes(&sd, &case["result"], "ragged_lz_samples");
    assert!(sd.train(2).unwrap().is_empty());
    let e = load_hdf5("ragged_lz_samples", None).unwrap_err();
    assert!(matches!(e, SpikeDataError::InvalidArgument(_)), "{e}");
    assert!(e.to_string().contains("give the number of units"), "{e}");
    // a wrong count is an error, not a silent misassignment
    assert!(load_hdf5("ragged_lz_samples", Some(7)).is_err());
}

/// SpikeLab bug: its own ragged export of data whose first unit is empty (`[0, 3, 5]`) reads
/// back as 2 units with the spikes moved to the wrong units.
#[test]
fn hdf5_spikelab_export_with_empty_first_unit() {
    let case = hdf5_case("ragged_first_empty");
    assert_eq!(case["result"]["N"], 2); // spikelab: wrong
    assert_eq!(case["truth"]["N"], 3);
    assert!(load_hdf5("ragged_first_empty", None).is_err());
    let sd = load_hdf5("ragged_first_empty", Some(3)).unwrap();
    assert_same_spikes(&sd, &case["truth"], "ragged_first_empty with n_units=3");
}

/// SpikeLab bug: `last - start + np.spacing(last)` is short when `last < 0`.
#[test]
fn hdf5_negative_spikes_default_window() {
    let case = hdf5_case("group_negative");
    assert!(
        case["error"]
            .as_str()
            .unwrap()
            .contains("exceeds end of time window")
    );
    let sd = load_hdf5("group_negative", None).unwrap();
    assert_eq!(sd.start_time(), -10.0);
    assert!(sd.end_time() >= -5.0);
    assert_eq!(sd.length(), 5.000000000000001); // 5 + ulp
    assert_eq!(sd.train(0).unwrap(), &[-7.0, -5.0]);
}

#[test]
fn hdf5_errors_name_the_file_and_dataset() {
    let f = dir().join("ragged_s.h5");
    let o = Hdf5Options::new(Hdf5Layout::Ragged {
        times: "nope".into(),
        index: "spike_times_index".into(),
        unit: TimeUnit::Seconds,
        n_units: None,
    });
    let e = SpikeData::from_hdf5(&f, &o).unwrap_err().to_string();
    assert!(e.contains("/nope") && e.contains("ragged_s.h5"), "{e}");
    // a float index is refused (no silent truncation)
    let o = Hdf5Options::new(Hdf5Layout::Ragged {
        times: "spike_times".into(),
        index: "spike_times".into(),
        unit: TimeUnit::Seconds,
        n_units: None,
    });
    let e = SpikeData::from_hdf5(&f, &o).unwrap_err().to_string();
    assert!(e.contains("integer"), "{e}");
    // samples need a positive rate
    let o = Hdf5Options::new(Hdf5Layout::GroupPerUnit {
        group: "spikes".into(),
        unit: TimeUnit::Samples(0.0),
    });
    assert!(SpikeData::from_hdf5(dir().join("group_samples.h5"), &o).is_err());
    // a group that is not there
    let o = Hdf5Options::new(Hdf5Layout::GroupPerUnit {
        group: "units".into(),
        unit: TimeUnit::Seconds,
    });
    let e = SpikeData::from_hdf5(dir().join("group_samples.h5"), &o).unwrap_err();
    assert!(e.to_string().contains("group /units"), "{e}");
    // an explicit window that does not hold the spikes
    let mut o = hdf5_options(hdf5_case("group"), None);
    o.length_ms = Some(10.0);
    assert!(matches!(
        SpikeData::from_hdf5(dir().join("group.h5"), &o),
        Err(SpikeDataError::OutOfWindow { .. })
    ));
    // not an HDF5 file
    let e = SpikeData::from_hdf5(dir().join("ks_info/params.py"), &o).unwrap_err();
    assert!(e.to_string().contains("params.py"), "{e}");
}

#[test]
fn hdf5_metadata_is_kept() {
    let mut o = hdf5_options(hdf5_case("paired"), None);
    o.metadata.insert("session".into(), json!("s1"));
    o.metadata.insert("source_file".into(), json!("mine"));
    let sd = SpikeData::from_hdf5(dir().join("paired.h5"), &o).unwrap();
    assert_eq!(sd.metadata()["session"], "s1");
    assert_eq!(sd.metadata()["source_file"], "mine"); // setdefault, as spikelab
}

// -----------------------------------------------------------------------------------------
// NWB
// -----------------------------------------------------------------------------------------

fn nwb_case(name: &str) -> &'static Value {
    &goldens()["nwb"][name]
}

#[test]
fn nwb_units_all_columns_all_electrodes() {
    let case = nwb_case("nwb_units");
    // spikelab's pynwb path crashes (KeyError), then its h5py fallback crashes too (it reuses
    // the half-filled lists): spikelab cannot load this file by default
    assert!(
        case["pynwb"]["error"]
            .as_str()
            .unwrap()
            .contains("neuron_attributes")
    );
    let g = &case["h5py"]["result"];
    let sd = SpikeData::from_nwb(dir().join("nwb_units.nwb"), &NwbOptions::default()).unwrap();
    // the same spikes (spikelab's h5py path, ms); only the window differs
    for u in 0..4 {
        assert_eq!(sd.train(u).unwrap(), &fv(&g["trains"][u])[..], "unit {u}");
    }
    assert_eq!(unit_attr(&sd, "unit_id"), golden_attr(g, "unit_id"));
    assert_eq!(
        unit_attr(&sd, "unit_id"),
        vec![json!(3), json!(7), json!(8), json!(15)]
    );
    // window: the union of obs_intervals, [0.25 s, 21.5 s] (spikelab: [0, last spike])
    assert_eq!(sd.start_time(), 250.0);
    assert_eq!(sd.length(), 21250.0);
    assert_eq!(sd.metadata()["window_source"], "obs_intervals");
    assert_eq!(g["start_time"], 0.0);
    // electrodes resolved row → id (spikelab's h5py path stores the row as the electrode)
    assert_eq!(
        golden_attr(g, "electrode"),
        vec![json!(0), json!(3), json!(4), json!(1)]
    );
    assert_eq!(
        unit_attr(&sd, "electrode"),
        vec![json!(10), json!(20), json!(21), json!(11)]
    );
    assert_eq!(
        unit_attr(&sd, "electrodes"),
        vec![
            json!([10, 11]),
            json!([20]),
            json!([21, 22, 12]),
            json!([11])
        ]
    );
    // location = [x, y, z] of the first electrode (spikelab: none, it looks rows up by id)
    assert_eq!(unit_attr(&sd, "location")[1], json!([60.0, 103.0, -15.0]));
    assert!(golden_attr(g, "location").iter().all(Value::is_null));
    // every other column
    assert_eq!(
        unit_attr(&sd, "quality"),
        vec![json!("good"), json!("mua"), json!("good"), json!("noise")]
    );
    assert_eq!(unit_attr(&sd, "snr")[2], json!(2.5));
    assert_eq!(unit_attr(&sd, "n_peaks")[3], json!(6));
    assert_eq!(
        unit_attr(&sd, "is_good"),
        vec![json!(true), json!(false), json!(true), json!(false)]
    );
    assert_eq!(
        unit_attr(&sd, "obs_intervals")[0],
        json!([[0.5, 10.0], [12.0, 20.0]])
    );
    let wf = &unit_attr(&sd, "waveform_mean")[0];
    assert_eq!(wf.as_array().unwrap().len(), 4);
    assert_eq!(wf[0].as_array().unwrap().len(), 2);
    assert_eq!(
        unit_attr(&sd, "electrode_group")[1],
        json!("/general/extracellular_ephys/shankB")
    );
    assert_eq!(unit_attr(&sd, "group_name")[0], json!("shankA"));
    // unit 8 was stored unsorted
    assert_eq!(sd.metadata()["resorted_units"], json!([8]));
    assert!(sd.train(2).unwrap().is_sorted());
    // metadata: session and the whole electrodes table
    let m = sd.metadata();
    assert_eq!(m["format"], "NWB");
    assert_eq!(m["identifier"], "spikedata-units");
    assert_eq!(m["session_description"], "spikedata loader fixture");
    assert_eq!(m["subject_subject_id"], "mouse-1");
    assert_eq!(m["units_table"], "/units");
    assert_eq!(m["unit_count"], 4);
    let el = m["electrodes"].as_array().unwrap();
    assert_eq!(el.len(), 6);
    assert_eq!(el[3]["id"], 20);
    assert_eq!(el[3]["label"], "e20");
    assert_eq!(el[3]["location"], "CA3");
}

#[test]
fn nwb_session_window() {
    let case = nwb_case("nwb_session");
    let g = &case["pynwb"]["result"];
    let sd = SpikeData::from_nwb(dir().join("nwb_session.nwb"), &NwbOptions::default()).unwrap();
    for u in 0..3 {
        assert_eq!(sd.train(u).unwrap(), &fv(&g["trains"][u])[..], "unit {u}");
    }
    assert_eq!(case["h5py"]["result"]["trains"], g["trains"]);
    // epochs [0, 30] s, trials, the 100 Hz series from 2 s with 3300 samples (→ 35 s); the
    // timestamped series (to 39.5 s) is not read
    assert_eq!((sd.start_time(), sd.length()), (0.0, 35000.0));
    assert_eq!(sd.metadata()["window_source"], "session");
    // spikelab: [0, last spike + ulp]
    assert!(g["length"].as_f64().unwrap() < 29000.0);
    // explicit options win
    let o = NwbOptions {
        start_time_ms: Some(-5.0),
        length_ms: Some(40000.0),
        ..NwbOptions::default()
    };
    let sd = SpikeData::from_nwb(dir().join("nwb_session.nwb"), &o).unwrap();
    assert_eq!((sd.start_time(), sd.length()), (-5.0, 40000.0));
    assert_eq!(sd.metadata()["window_source"], "options");
    let o = NwbOptions {
        length_ms: Some(10.0),
        ..NwbOptions::default()
    };
    assert!(matches!(
        SpikeData::from_nwb(dir().join("nwb_session.nwb"), &o),
        Err(SpikeDataError::OutOfWindow { .. })
    ));
    // a table that is not there
    let o = NwbOptions {
        units_table: Some("nope".into()),
        ..NwbOptions::default()
    };
    assert!(SpikeData::from_nwb(dir().join("nwb_session.nwb"), &o).is_err());
}

/// SpikeLab's own "NWB" export (bare units, root attrs, electrode ids stored in `electrodes`).
#[test]
fn nwb_spikelab_export_round_trips() {
    let case = nwb_case("spikelab_export");
    let truth = &case["truth"];
    let sd =
        SpikeData::from_nwb(dir().join("spikelab_export.nwb"), &NwbOptions::default()).unwrap();
    assert_same_spikes(&sd, truth, "spikelab_export");
    assert_same_spikes(
        &sd,
        &case["h5py"]["result"],
        "spikelab_export (spikelab h5py)",
    );
    assert_eq!(sd.metadata()["window_source"], "file_attrs");
    assert_eq!(unit_attr(&sd, "electrode"), golden_attr(truth, "electrode"));
    assert_eq!(unit_attr(&sd, "location"), golden_attr(truth, "location"));
    assert_eq!(
        unit_attr(&sd, "unit_id"),
        golden_attr(&case["h5py"]["result"], "unit_id")
    );
}

#[test]
fn nwb_leading_zero_indexes() {
    let g = &nwb_case("nwb_leading_zero")["h5py"]["result"];
    let sd =
        SpikeData::from_nwb(dir().join("nwb_leading_zero.h5"), &NwbOptions::default()).unwrap();
    for u in 0..3 {
        assert_eq!(sd.train(u).unwrap(), &fv(&g["trains"][u])[..], "unit {u}");
    }
    assert!(sd.train(1).unwrap().is_empty());
    assert_eq!(unit_attr(&sd, "unit_id"), golden_attr(g, "unit_id"));
    assert_eq!(unit_attr(&sd, "electrode"), golden_attr(g, "electrode"));
    assert_eq!(
        unit_attr(&sd, "electrodes"),
        vec![json!([0]), json!([1]), json!([2, 1])]
    );
    // no obs_intervals, no intervals, no series: [0, last spike]
    assert_eq!((sd.start_time(), sd.length()), (0.0, 4000.0));
    assert_eq!(sd.metadata()["window_source"], "session");
}

#[test]
fn nwb_real_file_matches_spikelab() {
    let Some(path) =
        rawio_conformance::shared_testdata("nwb/pynapple-A8604-211122/A8604-211122.nwb")
    else {
        return;
    };
    let g = &real_goldens()["nwb_A8604"];
    let sd = SpikeData::from_nwb(&path, &NwbOptions::default()).unwrap();
    for sub in ["pynwb", "h5py"] {
        let r = &g[sub]["result"];
        let trains = r["trains"].as_array().unwrap();
        assert_eq!(sd.n_units(), trains.len());
        for (u, t) in trains.iter().enumerate() {
            let got = sd.train(u).unwrap();
            assert_eq!(got.len() as u64, t["count"].as_u64().unwrap());
            assert_eq!(got.first().copied(), t["first"].as_f64());
            assert_eq!(got.last().copied(), t["last"].as_f64());
            let every: Vec<f64> = got.iter().step_by(100).copied().collect();
            assert_eq!(every, fv(&t["every_100th"]));
            let bits = got
                .iter()
                .fold(0u64, |acc, v| acc.wrapping_add(v.to_bits()));
            assert_eq!(bits, t["bits_sum"].as_u64().unwrap(), "unit {u}");
        }
        assert_eq!(unit_attr(&sd, "unit_id"), golden_attr(r, "unit_id"));
        assert_eq!(r["start_time"], 0.0);
        assert_eq!(r["length"], 1087352.833); // last spike + ulp
    }
    assert_eq!(sd.spike_count(), 21354);
    // the window is the session: the epoch [0, 1087.5289 s] (spikelab: last spike + ulp)
    assert_eq!(sd.start_time(), 0.0);
    assert_eq!(sd.length(), 1087528.9);
    assert_eq!(sd.metadata()["window_source"], "session");
    // spikelab's pynwb path stores the ElectrodeGroup object as "electrode"
    assert_eq!(
        golden_attr(&g["pynwb"]["result"], "electrode")[0],
        json!("<ElectrodeGroup:group0_psb>")
    );
    assert!(unit_attr(&sd, "electrode").iter().all(Value::is_null));
    assert_eq!(unit_attr(&sd, "group_name")[0], json!("group0_psb"));
    assert_eq!(unit_attr(&sd, "group"), vec![json!(0), json!(0), json!(0)]);
    assert_eq!(unit_attr(&sd, "location_label")[0], json!(""));
    assert_eq!(sd.metadata()["electrodes"].as_array().unwrap().len(), 383);
}

// -----------------------------------------------------------------------------------------
// KiloSort / Phy
// -----------------------------------------------------------------------------------------

fn ks_case(name: &str) -> &'static Value {
    &goldens()["kilosort"][name]
}

fn load_ks(dir_name: &str, units: UnitFilter) -> SpikeData {
    SpikeData::from_kilosort(
        dir().join(dir_name),
        &KilosortOptions {
            units,
            ..KilosortOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn kilosort_tsv_ch_is_a_channel_index() {
    let g = &ks_case("ks_info")["spikelab"]["result"];
    let sd = load_ks("ks_info", UnitFilter::good_and_mua());
    assert_same_spikes(&sd, g, "ks_info");
    assert_eq!(unit_attr(&sd, "unit_id"), golden_attr(g, "unit_id"));
    assert_eq!(sd.metadata()["cluster_ids"], g["metadata"]["cluster_ids"]);
    assert_eq!(sd.metadata()["fs_Hz"], g["metadata"]["fs_Hz"]);
    assert_eq!(sd.metadata()["source_format"], "KiloSort");
    // phy's `ch` is an index into channel_map ([0,1,2,3,8,9,10,11]); spikelab uses it as the
    // electrode itself
    assert_eq!(
        golden_attr(g, "electrode"),
        vec![json!(2), json!(5), json!(7), json!(6)]
    );
    assert_eq!(
        unit_attr(&sd, "electrode"),
        vec![json!(2), json!(9), json!(11), json!(10)]
    );
    assert_eq!(unit_attr(&sd, "ch"), golden_attr(g, "electrode"));
    // the position row is the channel index, as spikelab's (by luck: it indexes by `ch`)
    assert_eq!(unit_attr(&sd, "location"), golden_attr(g, "location"));
    assert_eq!(unit_attr(&sd, "channel_source")[0], json!("tsv"));
    assert_eq!(unit_attr(&sd, "group")[1], json!("mua"));
}

#[test]
fn kilosort_template_channels() {
    let g = &ks_case("ks_templates")["spikelab"]["result"];
    let sd = load_ks("ks_templates", UnitFilter::good_and_mua());
    assert_same_spikes(&sd, g, "ks_templates");
    // same electrode (the dominant template's peak, through channel_map) ...
    assert_eq!(unit_attr(&sd, "electrode"), golden_attr(g, "electrode"));
    assert_eq!(unit_attr(&sd, "channel_source")[0], json!("template"));
    // ... but spikelab indexes channel_positions by the electrode (a .dat row), and past
    // the end falls back to the unit's ordinal: wrong positions for units 1-3
    let positions = |idx: &[usize]| -> Vec<Value> {
        idx.iter()
            .map(|&i| json!([(i % 2) as f64 * 16.0, i as f64 * 20.0]))
            .collect()
    };
    assert_eq!(unit_attr(&sd, "location"), positions(&[2, 5, 7, 6]));
    assert_eq!(golden_attr(g, "location")[0], positions(&[2])[0]);
    assert_ne!(golden_attr(g, "location")[1], positions(&[5])[0]);
    // without labels filter: every cluster, as spikelab without a TSV
    let g = &ks_case("ks_templates_all")["spikelab"]["result"];
    let sd = load_ks("ks_templates", UnitFilter::All);
    assert_same_spikes(&sd, g, "ks_templates_all");
    assert_eq!(unit_attr(&sd, "electrode"), golden_attr(g, "electrode"));
    assert_eq!(sd.metadata()["params"]["n_channels_dat"], 12);
}

#[test]
fn kilosort_real_folder() {
    let Some(path) = rawio_conformance::shared_testdata("phy/kwikteam-template") else {
        return;
    };
    let g = &real_goldens()["kwikteam_template"];
    // spikelab 0.1.2 crashes on this folder's (n, 1) arrays
    assert!(
        g["as_is"]["error"]
            .as_str()
            .unwrap()
            .starts_with("IndexError")
    );
    let sd = SpikeData::from_kilosort(&path, &KilosortOptions::default()).unwrap();
    let r = &g["flattened"]["result"];
    assert_same_spikes(&sd, r, "kwikteam good+mua");
    assert_eq!(unit_attr(&sd, "unit_id"), vec![json!(4)]);
    let all = SpikeData::from_kilosort(
        &path,
        &KilosortOptions {
            units: UnitFilter::All,
            length_ms: None,
        },
    )
    .unwrap();
    let r = &g["flattened_all"]["result"];
    assert_same_spikes(&all, r, "kwikteam all");
    assert_eq!(all.n_units(), 62); // clusters 0..=63 but 23 and 42
    assert_eq!(all.spike_count(), 314);
    assert_eq!(unit_attr(&all, "unit_id"), golden_attr(r, "unit_id"));
    // the same electrodes (dominant template peak → channel_map) ...
    assert_eq!(unit_attr(&all, "electrode"), golden_attr(r, "electrode"));
    // ... but spikelab reads channel_positions at the .dat channel instead of the channel
    // index: 60 of 62 locations are wrong there. Cluster 4: channel_map[24] = 28.
    let a = &sd.unit_attrs().unwrap()[0];
    assert_eq!(a["channel_index"], 24);
    assert_eq!(a["electrode"], 28);
    assert_eq!(a["location"], json!([20.0, 400.0]));
    assert_eq!(
        golden_attr(&g["flattened"]["result"], "location")[0],
        json!([20.0, 440.0])
    );
    let ours = unit_attr(&all, "location");
    let theirs = golden_attr(r, "location");
    assert_eq!(ours.iter().zip(&theirs).filter(|(x, y)| x != y).count(), 60);
    assert_eq!(unit_attr(&all, "location"), unit_attr(&all, "position"));
}

// -----------------------------------------------------------------------------------------
// robustness: damaged copies of every fixture fail cleanly (no panic)
// -----------------------------------------------------------------------------------------

fn damaged_copies(src: &std::path::Path, out: &std::path::Path) -> Vec<PathBuf> {
    let bytes = std::fs::read(src).unwrap();
    let n = bytes.len();
    let mut v = Vec::new();
    for (k, cut) in [0, 8, 100, n / 3, n / 2, n - 1].into_iter().enumerate() {
        let p = out.join(format!("cut{k}.h5"));
        std::fs::write(&p, &bytes[..cut.min(n)]).unwrap();
        v.push(p);
    }
    // deterministic byte flips spread over the file
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for k in 0..24 {
        let mut b = bytes.clone();
        for _ in 0..4 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state % n as u64) as usize;
            b[i] ^= 0xff;
        }
        let p = out.join(format!("flip{k}.h5"));
        std::fs::write(&p, &b).unwrap();
        v.push(p);
    }
    v
}

#[test]
fn damaged_files_do_not_panic() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["ragged_s", "group", "paired", "raster"] {
        let case = hdf5_case(name);
        let src = dir().join(case["file"].as_str().unwrap());
        let o = hdf5_options(case, None);
        for p in damaged_copies(&src, tmp.path()) {
            let _ = SpikeData::from_hdf5(&p, &o);
        }
    }
    for name in ["nwb_session.nwb", "spikelab_export.nwb"] {
        for p in damaged_copies(&dir().join(name), tmp.path()) {
            let _ = SpikeData::from_nwb(&p, &NwbOptions::default());
        }
    }
    // a KiloSort folder with each .npy truncated in turn
    let src = dir().join("ks_info");
    for f in [
        "spike_times.npy",
        "spike_clusters.npy",
        "cluster_info.tsv",
        "templates.npy",
    ] {
        let d = tmp.path().join(format!("ks_{f}"));
        std::fs::create_dir_all(&d).unwrap();
        for e in std::fs::read_dir(&src).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), d.join(e.file_name())).unwrap();
        }
        let b = std::fs::read(src.join(f)).unwrap();
        std::fs::write(d.join(f), &b[..b.len() / 2]).unwrap();
        let _ = SpikeData::from_kilosort(&d, &KilosortOptions::default());
    }
}

#[test]
fn declared_unit_counts_are_bounded_by_the_file() {
    // regression inputs (testdata/generate/spikedata_regressions.py; the raster one is a fuzz
    // finding): units that hold no spike cost no byte, so a corrupt raster dimension or paired
    // id could make the loader allocate 11 GB of empty trains (raster) or pad 2^40 units
    let reg = dir().join("../regressions");
    let raster = Hdf5Options::new(Hdf5Layout::Raster {
        dataset: "raster".into(),
        bin_size_ms: 2.5,
    });
    let e = SpikeData::from_hdf5(reg.join("raster_huge_units.h5"), &raster).unwrap_err();
    assert!(matches!(e, SpikeDataError::InvalidArgument(_)), "{e}");
    assert!(e.to_string().contains("declares 469762053 units"), "{e}");
    let paired = Hdf5Options::new(Hdf5Layout::Paired {
        idces: "idces".into(),
        times: "times".into(),
        unit: TimeUnit::Milliseconds,
    });
    let e = SpikeData::from_hdf5(reg.join("paired_huge_id.h5"), &paired).unwrap_err();
    assert!(
        e.to_string().contains("declares 1099511627777 units"),
        "{e}"
    );
    // ids up to 2^20 stay readable however small the file (a sparse Phy export)
    assert_eq!(load_hdf5("paired", None).unwrap().n_units(), 6);
}
