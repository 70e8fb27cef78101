//! Issue 18's analyses against goldens written by spikelab 0.1.2 (with its numba kernels)
//! in `testdata/generate/spikedata_goldens.py` → `goldens_analyses.json`.
//!
//! Bit-identical (`exact`): STTC, latencies, pairwise latencies, cross-correlograms,
//! curation, locations / electrodes / channel rasters, burst edges and counts, fraction
//! active, `split_epochs`. Within 1e-12 relative: `get_pop_rate` and what is computed from it
//! (numpy's `convolve` sums with BLAS `ddot`), `RateData` values (scipy's Gaussian `exp`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
use common::*;

use serde_json::Value;
use spikedata::{BurstOptions, IsiMethod, Options, SpikeData};
use std::sync::OnceLock;

fn an() -> &'static Value {
    static G: OnceLock<Value> = OnceLock::new();
    load_json("goldens_analyses.json", &G)
}

fn datasets() -> Vec<(String, &'static Value, SpikeData, &'static Value)> {
    ["sd1", "sd2", "sd3"]
        .into_iter()
        .map(|k| {
            let g = &goldens()["datasets"][k];
            (k.to_string(), &an()[k], build(&g["input"]), g)
        })
        .collect()
}

#[test]
fn sttc_matches() {
    for (name, g, sd, _) in datasets() {
        for c in g["sttc"].as_array().unwrap() {
            let m = sd.spike_time_tilings(f(&c["delt"])).unwrap();
            check_matrix(
                &m,
                &c["matrix"],
                None,
                &format!("{name} sttc {}", c["delt"]),
            );
        }
        for c in g["sttc_pair"].as_array().unwrap() {
            let (i, j) = (
                c["i"].as_u64().unwrap() as usize,
                c["j"].as_u64().unwrap() as usize,
            );
            let v = sd.spike_time_tiling(i, j, f(&c["delt"])).unwrap();
            exact(v, f(&c["value"]), &format!("{name} sttc pair {i} {j}"));
        }
        // two units: spikelab's numpy path
        let two = sd.subset(&[0, 1], false).unwrap();
        let m = two.spike_time_tilings(20.0).unwrap();
        check_matrix(
            &m,
            &g["sttc_two_units"],
            None,
            &format!("{name} sttc 2 units"),
        );
    }
    let sd = SpikeData::new(vec![vec![1.0]], Options::length(10.0)).unwrap();
    assert!(sd.spike_time_tilings(0.0).is_err());
    assert!(sd.spike_time_tiling(0, 3, 1.0).is_err());
}

#[test]
fn latencies_match() {
    for (name, g, sd, _) in datasets() {
        for c in g["latencies"].as_array().unwrap() {
            let m = sd.latencies(&fv(&c["times"]), f(&c["window"]));
            check_matrix(&m, &c["matrix"], None, &format!("{name} latencies"));
        }
        let c = &g["latencies_to_index"];
        let m = sd.latencies_to_index(1, 50.0).unwrap();
        check_matrix(
            &m,
            &c["matrix"],
            None,
            &format!("{name} latencies_to_index"),
        );
        for c in g["pairwise_latencies"].as_array().unwrap() {
            let (m, s) = sd.get_pairwise_latencies(c["window"].as_f64());
            let what = format!("{name} pairwise latencies {}", c["window"]);
            check_matrix(&m, &c["mean"], None, &what);
            check_matrix(&s, &c["std"], None, &what);
        }
    }
}

#[test]
fn ccg_matches() {
    for (name, g, sd, _) in datasets() {
        for c in g["ccg"].as_array().unwrap() {
            let (corr, lag) = sd.get_pairwise_ccg(f(&c["bin"]), f(&c["max_lag"])).unwrap();
            let what = format!("{name} ccg bin {} lag {}", c["bin"], c["max_lag"]);
            check_matrix(&corr, &c["corr"], None, &what);
            check_matrix(&lag, &c["lag"], None, &what);
        }
    }
}

#[test]
fn pop_rate_matches() {
    for (name, g, sd, _) in datasets() {
        for c in g["pop_rate"].as_array().unwrap() {
            let r = sd.get_pop_rate(f(&c["square"]), f(&c["gauss"]), f(&c["bin"]));
            let what = format!(
                "{name} pop_rate {} {} {}",
                c["square"], c["gauss"], c["bin"]
            );
            match (r, c["result"].get("ok")) {
                (Ok(v), Some(ok)) => {
                    let want = fv(ok);
                    assert_eq!(v.len(), want.len(), "{what}");
                    for (k, (a, b)) in v.iter().zip(&want).enumerate() {
                        assert!(
                            (a - b).abs() <= 1e-12 * a.abs().max(b.abs()),
                            "{what}[{k}]: {a} {b}"
                        );
                    }
                }
                (Err(_), None) => {}
                (r, _) => panic!("{what}: rust {r:?} vs spikelab {}", c["result"]),
            }
        }
    }
}

#[test]
fn curation_matches() {
    for (name, g, sd, _) in datasets() {
        let cases = [
            ("curate_min_spikes", sd.curate_by_min_spikes(5.0).unwrap()),
            (
                "curate_firing_rate",
                sd.curate_by_firing_rate(10.0).unwrap(),
            ),
            (
                "curate_isi_percent",
                sd.curate_by_isi_violations(0.01, 1.5, 0.0, IsiMethod::Percent)
                    .unwrap(),
            ),
            (
                "curate_isi_hill",
                sd.curate_by_isi_violations(0.5, 3.0, 0.2, IsiMethod::Hill)
                    .unwrap(),
            ),
        ];
        for (key, (out, res)) in cases {
            let c = &g[key];
            let what = format!("{name} {key}");
            let trains = c["trains"].as_array().unwrap();
            assert_eq!(out.n_units(), trains.len(), "{what}");
            for (t, gt) in out.trains().iter().zip(trains) {
                assert_eq!(t, &fv(gt), "{what}");
            }
            for (a, b) in res.metric.iter().zip(fv(&c["metric"])) {
                exact(*a, b, &what);
            }
            let passed: Vec<bool> = c["passed"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_bool().unwrap())
                .collect();
            assert_eq!(res.passed, passed, "{what}");
        }
    }
}

#[test]
fn unit_arrays_and_channel_raster_match() {
    for (name, g, sd, _) in datasets() {
        match (sd.unit_locations(), &g["unit_locations"]) {
            (None, Value::Null) => {}
            (Some(m), v) => check_matrix(&m, v, None, &name),
            (None, v) => panic!("{name}: locations {v}"),
        }
        let el: Option<Vec<Value>> = g["electrodes"].as_array().cloned();
        assert_eq!(sd.electrodes(), el, "{name} electrodes");
        let map = sd.neuron_to_channel_map(None).unwrap();
        let want = g["neuron_to_channel_map"].as_object().unwrap();
        assert_eq!(map.len(), want.len(), "{name}");
        for (k, v) in want {
            assert_eq!(
                map[&k.parse::<usize>().unwrap()],
                v.as_i64().unwrap(),
                "{name}"
            );
        }
        match (sd.channel_raster(7.3, None), g["channel_raster"].get("ok")) {
            (Ok((channels, r)), Some(ok)) => {
                let rows = ok.as_array().unwrap();
                assert_eq!(channels.len(), rows.len());
                assert_eq!(channels, vec![0, 3, 6, 9, 12, 15]);
                for (i, row) in rows.iter().enumerate() {
                    let want: Vec<u32> = fv(row).iter().map(|&x| x as u32).collect();
                    assert_eq!(r.row(i).to_vec(), want, "{name} channel row {i}");
                }
            }
            (Err(_), None) => {}
            (r, _) => panic!("{name}: channel_raster {r:?}"),
        }
    }
}

#[test]
fn rate_data_methods_match() {
    for (name, g, sd, gg) in datasets() {
        let times = fv(&gg["resampled_isi"][0]["times"]);
        let rd = sd.resampled_isi(&times, 10.0).unwrap();
        let check = |r: spikedata::RateData, key: &str| {
            let c = &g[key];
            let what = format!("{name} {key}");
            assert_eq!(r.times, fv(&c["times"]), "{what}");
            check_matrix(&r.rates, &c["rates"], Some(1e-12), &what);
            assert_eq!(
                r.unit_attrs.map(|a| serde_json::to_value(a).unwrap()),
                c["neuron_attributes"]
                    .as_array()
                    .map(|a| Value::Array(a.clone())),
                "{what}"
            );
        };
        check(rd.subset(&[2, 0, 2], true).unwrap(), "rate_subset");
        check(rd.subset(&[2, 0], false).unwrap(), "rate_subset_sorted");
        let st = sd.start_time();
        check(
            rd.subtime(Some(st + 100.0), Some(st + 300.0)).unwrap(),
            "rate_subtime",
        );
        check(
            rd.subtime(Some(st + 402.5), None).unwrap(),
            "rate_subtime_open",
        );
        check(
            rd.subtime_by_index(-10, -2).unwrap(),
            "rate_subtime_by_index",
        );
        assert!(rd.subset(&[99], false).is_err());
        assert!(rd.subtime(Some(st + 300.0), Some(st + 100.0)).is_err());
        assert!(rd.subtime_by_index(5, 5).is_err());
    }
}

fn burst_data() -> (SpikeData, &'static Value) {
    let g = &an()["bursts"];
    let trains = g["trains"].as_array().unwrap().iter().map(fv).collect();
    (
        SpikeData::new(trains, Options::length(f(&g["length"]))).unwrap(),
        g,
    )
}

#[test]
fn bursts_match() {
    let (sd, g) = burst_data();
    for (key, sq, ga) in [("pop_rate", 20.0, 100.0), ("pop_rate_acc", 8.0, 8.0)] {
        let v = sd.get_pop_rate(sq, ga, 1.0).unwrap();
        let want = fv(&g[key]);
        assert_eq!(v.len(), want.len());
        for (a, b) in v.iter().zip(&want) {
            assert!(
                (a - b).abs() <= 1e-12 * a.abs().max(b.abs()),
                "{key}: {a} {b}"
            );
        }
    }
    for c in g["bursts"].as_array().unwrap() {
        let mut o = BurstOptions::new(f(&c["thr"]), f(&c["dist"]), f(&c["mult"]));
        o.peak_to_trough = c["peak_to_trough"].as_bool().unwrap();
        let b = sd.get_bursts(&o).unwrap();
        let what = format!("bursts {c:.0}", c = c["thr"]);
        assert_eq!(b.tburst, fv(&c["tburst"]), "{what}");
        let edges: Vec<[f64; 2]> = c["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| [f(&e[0]), f(&e[1])])
            .collect();
        assert_eq!(b.edges, edges, "{what}");
        for (a, w) in b.peak_amp.iter().zip(fv(&c["peak_amp"])) {
            assert!((a - w).abs() <= 1e-12 * w.abs(), "{what}: {a} {w}");
        }
    }
    // the data has bursts: 8 at threshold 1.5 (spikelab), 2 at 2.0, none at 4.0
    let n: Vec<usize> = g["bursts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tburst"].as_array().unwrap().len())
        .collect();
    assert_eq!(n, vec![2, 8, 2, 0]);
    let c = &g["burst_sensitivity"];
    let counts = sd
        .burst_sensitivity(
            &fv(&c["thr"]),
            &fv(&c["dist"]),
            &BurstOptions::new(0.0, 1.0, 0.5),
        )
        .unwrap();
    let want: Vec<Vec<usize>> = c["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as usize)
                .collect()
        })
        .collect();
    assert_eq!(counts, want);

    let c = &g["frac_active"];
    let edges: Vec<[f64; 2]> = c["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| [f(&e[0]), f(&e[1])])
        .collect();
    let fa = sd.get_frac_active(&edges, 2.0, 0.5, 1.0).unwrap();
    assert_eq!(fa.frac_per_unit, fv(&c["per_unit"]));
    assert_eq!(fa.frac_per_burst, fv(&c["per_burst"]));
    let bb: Vec<usize> = c["backbone_units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(fa.backbone_units, bb);
    let fs = sd.get_frac_spikes_in_burst(&edges, 1.0).unwrap();
    for (a, b) in fs.iter().zip(fv(&g["frac_spikes_in_burst"])) {
        exact(*a, b, "frac_spikes_in_burst");
    }
    let scaled: Vec<[f64; 2]> = edges.iter().map(|e| [e[0] / 5.0, e[1] / 5.0]).collect();
    let fa5 = sd.get_frac_active(&scaled, 1.0, 0.3, 5.0).unwrap();
    let ok = &g["frac_active_bin5"]["ok"];
    assert_eq!(fa5.frac_per_unit, fv(&ok[0]));
    assert_eq!(fa5.frac_per_burst, fv(&ok[1]));
    check_matrix(
        &sd.spike_time_tilings(10.0).unwrap(),
        &g["sttc"],
        None,
        "burst sttc",
    );
    // inverted and out-of-raster edges
    assert!(sd.get_frac_active(&[[5.0, 4.0]], 1.0, 0.5, 1.0).is_err());
    assert!(sd.get_frac_active(&[[5.0, 1e9]], 1.0, 0.5, 1.0).is_err());
    assert!(sd.get_bursts(&BurstOptions::new(2.0, 0.5, 0.5)).is_err());
}

#[test]
fn split_epochs_matches() {
    let mut md = spikedata::Attrs::new();
    md.insert(
        "rec_chunks_ms".into(),
        serde_json::json!([[0.0, 400.0], [400.0, 1000.5]]),
    );
    md.insert(
        "rec_chunk_names".into(),
        serde_json::json!(["a.raw.h5", "b.raw.h5"]),
    );
    md.insert("keep".into(), serde_json::json!(1));
    let attrs = (0..3)
        .map(|i| {
            serde_json::json!({"epoch_templates": [[1.0], [2.0]], "id": i})
                .as_object()
                .unwrap()
                .clone()
        })
        .collect();
    let sd = SpikeData::new(
        vec![vec![10.0, 390.0, 400.0, 700.0], vec![], vec![999.0, 405.5]],
        Options {
            length: Some(1000.5),
            unit_attrs: Some(attrs),
            metadata: md,
            ..Options::default()
        },
    )
    .unwrap();
    let epochs = sd.split_epochs().unwrap();
    let want = an()["split_epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), want.len());
    for (k, (e, w)) in epochs.iter().zip(want).enumerate() {
        check_sd(e, w, &format!("epoch {k}"));
    }
    assert!(
        SpikeData::new(vec![], Options::length(1.0))
            .unwrap()
            .split_epochs()
            .is_err()
    );
}
