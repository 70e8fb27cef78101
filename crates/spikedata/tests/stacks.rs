//! `RateData.frames` / `get_pairwise_fr_corr` and the slice stacks' analyses against
//! spikelab 0.1.2 goldens (`goldens_more.json`, sections `rate` and `spike_stack`).
//!
//! Exact: frames / subset / subtime / subslice, timings and orders, CCG-based comparisons
//! (integer correlations), responsive units, regressions' amplitudes, shuffled rank-order
//! z-scores of exact timings. Within 1e-12 relative (of the row / matrix scale where values
//! cross 0): rate correlations and similarities (scipy / BLAS sum in another order), STTC
//! means; p-values within 1e-9 (Student t by continued fraction).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
use common::*;

use ndarray::{Array2, Array3, Axis};
use serde_json::Value;
use spikedata::{
    Aggregate, BaselineMode, CompareFunc, RateData, RateSliceStack, SliceAggregator, SliceMetric,
    SpikeMetric, SpikeSliceStack, Timing,
};

fn shape(g: &Value) -> Vec<usize> {
    g["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect()
}

/// A golden `{shape, data}` array (any dimension) against `a`, within `tol` of the scale.
#[track_caller]
fn check_nd<D: ndarray::Dimension>(a: &ndarray::Array<f64, D>, g: &Value, tol: f64, what: &str) {
    assert_eq!(a.shape(), &shape(g)[..], "{what}: shape");
    let got: Vec<f64> = a.iter().copied().collect();
    if tol == 0.0 {
        for (i, (x, y)) in got.iter().zip(fv(&g["data"])).enumerate() {
            exact(*x, y, &format!("{what}[{i}]"));
        }
    } else {
        near_vec(&got, &fv(&g["data"]), tol, what);
    }
}

/// Golden slices `{idx, shape, data: [slice...]}` of a 3-D array.
#[track_caller]
fn check_slices(a: &Array3<f64>, g: &Value, tol: f64, what: &str) {
    assert_eq!(a.shape(), &shape(g)[..], "{what}: shape");
    for (k, idx) in g["idx"].as_array().unwrap().iter().enumerate() {
        let i = idx.as_u64().unwrap() as usize;
        let got: Vec<f64> = a.index_axis(Axis(2), i).iter().copied().collect();
        let want = fv(&g["data"][k]);
        if tol == 0.0 {
            for (j, (x, y)) in got.iter().zip(&want).enumerate() {
                exact(*x, *y, &format!("{what} slice {i}[{j}]"));
            }
        } else {
            near_vec(&got, &want, tol, &format!("{what} slice {i}"));
        }
    }
}

fn windows(v: &Value) -> Vec<(f64, f64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|w| (f(&w[0]), f(&w[1])))
        .collect()
}

fn rate_data() -> RateData {
    let g = &more()["rate"];
    let units: Vec<usize> = uv(&g["units"]).into_iter().map(|u| u as usize).collect();
    let sd = bursts().subset(&units, false).unwrap();
    let grid: Vec<f64> = (0..500).map(|k| k as f64 * f(&g["grid_step"])).collect();
    sd.resampled_isi(&grid, f(&g["sigma"])).unwrap()
}

fn frames() -> RateSliceStack {
    let g = &more()["rate"]["frames"];
    rate_data()
        .frames(f(&g["length"]), f(&g["overlap"]))
        .unwrap()
}

#[test]
fn rate_data_pairwise_correlations() {
    let rd = rate_data();
    for c in more()["rate"]["fr_corr"].as_array().unwrap() {
        let func = match c["func"].as_str().unwrap() {
            "cosine" => CompareFunc::Cosine,
            _ => CompareFunc::CrossCorrelation,
        };
        let lag = c["max_lag"].as_u64().unwrap() as usize;
        let (corr, l) = rd.get_pairwise_fr_corr(func, lag);
        check_nd(&corr, &c["corr"], 1e-12, &format!("{func:?} {lag} corr"));
        check_nd(&l, &c["lag"], 0.0, &format!("{func:?} {lag} lag"));
    }
}

#[test]
fn rate_data_frames_and_rate_stack_slicing() {
    let g = &more()["rate"];
    let fr = frames();
    check_slices(&fr.rates, &g["frames"]["stack"], 0.0, "frames");
    assert_eq!(fr.windows, windows(&g["frames"]["times"]));
    assert_eq!(fr.step_size, f(&g["frames"]["step"]));
    let rd = rate_data();
    for (e, (len, ov)) in g["frames_errors"].as_array().unwrap().iter().zip([
        (400.0, 400.0),
        (6000.0, 0.0),
        (400.0, -1.0),
    ]) {
        assert_eq!(
            rd.frames(len, ov).is_ok(),
            e.get("ok").is_some(),
            "frames({len}, {ov})"
        );
    }
    check_slices(
        &fr.subset(&[3, 1], true).unwrap().rates,
        &g["subset"],
        0.0,
        "subset",
    );
    let sub = fr.subtime_by_index(2, -3).unwrap();
    check_slices(
        &sub.rates,
        &g["subtime_by_index"]["stack"],
        0.0,
        "subtime_by_index",
    );
    assert_eq!(sub.windows, windows(&g["subtime_by_index"]["times"]));
    let sl = fr.subslice(&[2, 0, -1, 2]).unwrap();
    check_slices(&sl.rates, &g["subslice"]["stack"], 0.0, "subslice");
    // spikelab sorts the windows of a subslice but not its data (it warns that they are
    // misaligned); here each window stays with its slice
    let mut w = sl.windows.clone();
    w.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(w, windows(&g["subslice"]["times"]));
    assert_eq!(sl.windows[0], fr.windows[2]);
    assert!(fr.subslice(&[99]).is_err());
    let list = fr.to_rate_data();
    for (k, t) in g["list_times"].as_array().unwrap().iter().enumerate() {
        assert_eq!(list[k].times, fv(t), "list {k} times");
    }
    // option 2: a stack from a rate array
    let st = RateSliceStack::new(
        fr.rates.clone(),
        Some(fr.windows.clone()),
        Some(fr.step_size),
        None,
    )
    .unwrap();
    assert_eq!(st.rates, fr.rates);
    assert!(RateSliceStack::new(Array3::zeros((2, 0, 3)), None, None, None).is_err());
    let d = RateSliceStack::new(Array3::zeros((2, 4, 3)), None, Some(2.5), None).unwrap();
    assert_eq!(d.windows, vec![(0.0, 10.0), (10.0, 20.0), (20.0, 30.0)]);
}

fn groups(v: &Value) -> [Vec<f64>; 2] {
    [fv(&v[0]), fv(&v[1])]
}

#[test]
fn rate_stack_timing_and_order() {
    let g = &more()["rate"];
    let fr = frames();
    let timing = fr.get_unit_timing_per_slice(2.0);
    check_nd(&timing, &g["timing"], 0.0, "timing");
    let o = fr
        .order_units_across_slices(Aggregate::Median, 2.0, 0.95, None, None)
        .unwrap();
    let ids = groups(&g["order"]["ids"]);
    assert_eq!(
        o.high.units.iter().map(|&u| u as f64).collect::<Vec<_>>(),
        ids[0]
    );
    assert_eq!(
        o.low.units.iter().map(|&u| u as f64).collect::<Vec<_>>(),
        ids[1]
    );
    let std = groups(&g["order"]["std"]);
    close_vec(&o.high.std, &std[0], "std high");
    close_vec(&o.low.std, &std[1], "std low");
    let peak = groups(&g["order"]["peak"]);
    assert_eq!(o.high.timing, peak[0]);
    assert_eq!(o.low.timing, peak[1]);
    let frac = groups(&g["order"]["frac"]);
    assert_eq!(o.high.frac_active, frac[0]);
    assert_eq!(o.low.frac_active, frac[1]);
    assert!(!o.low.units.is_empty());
    let o = fr
        .order_units_across_slices(Aggregate::Mean, 1.0, 0.0, None, None)
        .unwrap();
    let ids = groups(&g["order_mean"]["ids"]);
    assert_eq!(
        o.high.units.iter().map(|&u| u as f64).collect::<Vec<_>>(),
        ids[0]
    );
    assert!(o.low.units.is_empty());
    assert_eq!(o.high.timing, groups(&g["order_mean"]["peak"])[0]);
}

#[test]
fn rate_stack_correlations() {
    let g = &more()["rate"];
    let fr = frames();
    for c in g["s2s_unit"].as_array().unwrap() {
        let lag = c["max_lag"].as_u64().unwrap() as usize;
        let r = fr
            .get_slice_to_slice_unit_corr_from_stack(
                CompareFunc::CrossCorrelation,
                f(&c["thr"]),
                0.3,
                lag,
                None,
            )
            .unwrap();
        check_slices(&r.corr, &c["all"], 1e-12, &format!("s2s unit lag {lag}"));
        near_vec(
            &r.av_corr,
            &fv(&c["av"]),
            1e-12,
            &format!("s2s unit av lag {lag}"),
        );
    }
    let r = fr.get_slice_to_slice_time_corr_from_stack(CompareFunc::Cosine, 0);
    check_slices(&r.corr, &g["s2s_time"]["all"], 1e-12, "s2s time");
    near_vec(&r.av_corr, &fv(&g["s2s_time"]["av"]), 1e-12, "s2s time av");
    let r = fr.get_slice_to_slice_time_corr_from_stack(CompareFunc::CrossCorrelation, 1);
    check_slices(
        &r.corr,
        &g["s2s_time_xcorr"]["all"],
        1e-12,
        "s2s time xcorr",
    );
    let u = fr.unit_to_unit_correlation(CompareFunc::CrossCorrelation, 2);
    check_nd(&u.corr, &g["u2u"]["corr"], 1e-12, "u2u corr");
    check_nd(u.lag.as_ref().unwrap(), &g["u2u"]["lag"], 0.0, "u2u lag");
    near_vec(&u.av_corr, &fv(&g["u2u"]["av_corr"]), 1e-12, "u2u av");
    near_vec(
        u.av_lag.as_ref().unwrap(),
        &fv(&g["u2u"]["av_lag"]),
        1e-12,
        "u2u av lag",
    );
    for (name, m) in [
        ("cosine", SliceMetric::Cosine),
        ("pearson", SliceMetric::Pearson),
        ("euclidean", SliceMetric::Euclidean),
        ("cross_entropy", SliceMetric::CrossEntropy),
    ] {
        check_nd(
            &fr.slice_to_slice_similarity(m),
            &g["similarity"][name],
            1e-12,
            name,
        );
    }
    for c in g["rank_order"].as_array().unwrap() {
        let ns = c["n_shuffles"].as_u64().unwrap() as usize;
        let mo = c["min_overlap"].as_u64().unwrap() as usize;
        let r = fr
            .rank_order_correlation(None, 2.0, mo, None, ns, Some(1))
            .unwrap();
        check_nd(&r.corr, &c["corr"], 1e-12, &format!("rank order {ns}"));
        check_nd(
            &r.overlap,
            &c["overlap"],
            0.0,
            &format!("rank overlap {ns}"),
        );
        near(r.av_corr, f(&c["av"]), f(&c["av"]).abs(), 1e-12, "rank av");
    }
    assert!(
        fr.rank_order_correlation(None, 2.0, 3, None, 3, Some(1))
            .is_err()
    );
}

fn spike_stack() -> SpikeSliceStack {
    let g = &more()["spike_stack"];
    bursts()
        .align_to_events(&fv(&g["events"]), f(&g["pre"]), f(&g["post"]))
        .unwrap()
}

fn bools(v: &Value) -> Vec<bool> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_bool().unwrap())
        .collect()
}

#[test]
fn spike_stack_slicing_and_rasters() {
    let g = &more()["spike_stack"];
    let st = spike_stack();
    let r = st.to_raster_array_absolute(5.0).unwrap();
    assert_eq!(r.shape(), &shape(&g["raster_abs"])[..]);
    assert_eq!(
        r.iter().map(|&c| u64::from(c)).sum::<u64>(),
        g["raster_abs"]["sum"].as_u64().unwrap()
    );
    let nz: Vec<u64> = r
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(i, _)| i as u64)
        .collect();
    assert_eq!(nz, uv(&g["raster_abs"]["nonzero"]));
    let sub = st.subset(&[4, 1], true).unwrap();
    for (k, s) in g["subset"].as_array().unwrap().iter().enumerate() {
        for (u, t) in s.as_array().unwrap().iter().enumerate() {
            assert_eq!(sub.slices[k].train(u).unwrap(), &fv(t)[..]);
        }
    }
    let c = &g["subtime_by_index"];
    let sub = st.subtime_by_index(50, -20).unwrap();
    assert_eq!(sub.windows, windows(&c["times"]));
    for (k, s) in sub.slices.iter().enumerate() {
        assert_eq!(s.start_time(), f(&c["start"][k]));
        assert_eq!(s.length(), f(&c["length"][k]));
        for (u, t) in c["trains"][k].as_array().unwrap().iter().enumerate() {
            assert_eq!(
                s.train(u).unwrap(),
                &fv(t)[..],
                "subtime slice {k} unit {u}"
            );
        }
    }
    let sub = st.subslice(&[3, 0, -1]).unwrap();
    let mut w = sub.windows.clone();
    w.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(w, windows(&g["subslice_times"]));
    assert_eq!(
        (sub.windows[0], &sub.slices[1]),
        (st.windows[3], &st.slices[0])
    );
    for (name, m) in [
        ("subtract", BaselineMode::Subtract),
        ("ratio", BaselineMode::Ratio),
        ("zscore", BaselineMode::Zscore),
    ] {
        let b = st
            .baseline_normalized_raster(10.0, (-100.0, -20.0), m)
            .unwrap();
        check_slices(&b, &g["baseline"][name], 1e-15, name);
    }
    assert!(
        st.baseline_normalized_raster(10.0, (-150.0, 0.0), BaselineMode::Zscore)
            .is_err()
    );
    let resp = st
        .responsive_units(10.0, (-100.0, -20.0), None, 2.0, SliceAggregator::Mean)
        .unwrap();
    assert_eq!(resp, bools(&g["responsive"]["mean"]));
    let resp = st
        .responsive_units(
            10.0,
            (-100.0, -20.0),
            Some((-10.0, 50.0)),
            3.0,
            SliceAggregator::Max,
        )
        .unwrap();
    assert_eq!(resp, bools(&g["responsive"]["max_window"]));
    assert_eq!(st.compute_frac_active(2), fv(&g["frac_active"]));
    // a stack from slices (option 2)
    let again =
        SpikeSliceStack::from_slices(st.slices.clone(), Some(st.windows.clone()), None).unwrap();
    assert_eq!(again.slices, st.slices);
    assert!(SpikeSliceStack::from_slices(Vec::new(), None, None).is_err());
    assert_eq!(st.apply(|s| s.spike_count()).len(), st.len());
}

#[test]
fn spike_stack_timing_order_and_comparisons() {
    let g = &more()["spike_stack"];
    let st = spike_stack();
    for (name, t) in [
        ("median", Timing::Median),
        ("mean", Timing::Mean),
        ("first", Timing::First),
    ] {
        check_nd(
            &st.get_unit_timing_per_slice(t, 2),
            &g["timing"][name],
            0.0,
            name,
        );
    }
    let o = st
        .order_units_across_slices(Aggregate::Median, Timing::Median, 2, 0.9, None, None)
        .unwrap();
    let ids = groups(&g["order"]["ids"]);
    assert_eq!(
        o.high.units.iter().map(|&u| u as f64).collect::<Vec<_>>(),
        ids[0]
    );
    assert_eq!(
        o.low.units.iter().map(|&u| u as f64).collect::<Vec<_>>(),
        ids[1]
    );
    let tim = groups(&g["order"]["timing"]);
    assert_eq!(o.high.timing, tim[0]);
    let std = groups(&g["order"]["std"]);
    close_vec(&o.high.std, &std[0], "std");
    assert_eq!(o.low.timing, tim[1]);
    close_vec(&o.low.std, &std[1], "std low");
    assert_eq!(o.high.frac_active, groups(&g["order"]["frac"])[0]);
    assert_eq!(o.low.frac_active, groups(&g["order"]["frac"])[1]);
    assert!(!o.low.units.is_empty());

    let u = st
        .unit_to_unit_comparison(SpikeMetric::Ccg {
            bin_size: 2.0,
            max_lag: 20.0,
        })
        .unwrap();
    check_nd(&u.corr, &g["u2u_ccg"]["corr"], 0.0, "u2u ccg");
    check_nd(
        u.lag.as_ref().unwrap(),
        &g["u2u_ccg"]["lag"],
        0.0,
        "u2u ccg lag",
    );
    near_vec(
        &u.av_corr,
        &fv(&g["u2u_ccg"]["av_corr"]),
        1e-14,
        "u2u ccg av",
    );
    near_vec(
        u.av_lag.as_ref().unwrap(),
        &fv(&g["u2u_ccg"]["av_lag"]),
        1e-14,
        "u2u ccg av lag",
    );
    let u = st
        .unit_to_unit_comparison(SpikeMetric::Sttc { delt: 10.0 })
        .unwrap();
    check_nd(&u.corr, &g["u2u_sttc"]["corr"], 0.0, "u2u sttc");
    near_vec(
        &u.av_corr,
        &fv(&g["u2u_sttc"]["av_corr"]),
        1e-14,
        "u2u sttc av",
    );
    assert!(u.lag.is_none());

    let r = st
        .get_slice_to_slice_unit_comparison(
            SpikeMetric::Ccg {
                bin_size: 2.0,
                max_lag: 20.0,
            },
            2,
            0.3,
            None,
        )
        .unwrap();
    check_nd(&r.corr, &g["s2s_ccg"]["corr"], 0.0, "s2s ccg");
    check_nd(
        r.lag.as_ref().unwrap(),
        &g["s2s_ccg"]["lag"],
        0.0,
        "s2s ccg lag",
    );
    near_vec(
        &r.av_corr,
        &fv(&g["s2s_ccg"]["av_corr"]),
        1e-14,
        "s2s ccg av",
    );
    near_vec(
        r.av_lag.as_ref().unwrap(),
        &fv(&g["s2s_ccg"]["av_lag"]),
        1e-14,
        "s2s ccg av lag",
    );
    let r = st
        .get_slice_to_slice_unit_comparison(SpikeMetric::Sttc { delt: 15.0 }, 3, 0.3, None)
        .unwrap();
    check_nd(&r.corr, &g["s2s_sttc"]["corr"], 0.0, "s2s sttc");
    near_vec(
        &r.av_corr,
        &fv(&g["s2s_sttc"]["av_corr"]),
        1e-14,
        "s2s sttc av",
    );

    for (name, m) in [
        ("cosine", SliceMetric::Cosine),
        ("pearson", SliceMetric::Pearson),
        ("euclidean", SliceMetric::Euclidean),
        ("cross_entropy", SliceMetric::CrossEntropy),
    ] {
        check_nd(
            &st.slice_to_slice_similarity(m, 5.0).unwrap(),
            &g["similarity"][name],
            1e-12,
            name,
        );
    }
    for c in g["rank_order"].as_array().unwrap() {
        let ns = c["n_shuffles"].as_u64().unwrap() as usize;
        let r = st
            .rank_order_correlation(None, Timing::First, 1, 3, ns, None, Some(3))
            .unwrap();
        check_nd(&r.corr, &c["corr"], 1e-12, &format!("rank order {ns}"));
        check_nd(
            &r.overlap,
            &c["overlap"],
            0.0,
            &format!("rank overlap {ns}"),
        );
    }
}

#[test]
fn spike_stack_response_statistics() {
    let g = &more()["spike_stack"];
    let st = spike_stack();
    let check = |r: &spikedata::ResponseRegression, c: &Value, what: &str| {
        near_vec(&r.slope, &fv(&c["slope"]), 1e-12, &format!("{what} slope"));
        near_vec(
            &r.intercept,
            &fv(&c["intercept"]),
            1e-12,
            &format!("{what} intercept"),
        );
        near_vec(
            &r.r_squared,
            &fv(&c["r_squared"]),
            1e-12,
            &format!("{what} r2"),
        );
        near_vec(
            &r.stderr,
            &fv(&c["stderr"]),
            1e-12,
            &format!("{what} stderr"),
        );
        for (a, b) in r.p_value.iter().zip(fv(&c["p_value"])) {
            near(*a, b, b.abs(), 1e-9, &format!("{what} p"));
        }
    };
    let r = st
        .per_unit_response_regression(5.0, (0.0, 60.0), None, None, 3)
        .unwrap();
    check(&r, &g["regression"], "regression");
    check_nd(
        &r.amplitudes,
        &g["regression"]["amplitudes"],
        0.0,
        "amplitudes",
    );
    let x = [3.0, 1.0, 4.0, 1.5, 5.0, 9.0];
    let r = st
        .per_unit_response_regression(5.0, (0.0, 60.0), Some(&x), Some((-100.0, -20.0)), 3)
        .unwrap();
    check(&r, &g["regression_baseline"], "regression baseline");

    let labels: Vec<i64> = g["group_similarity"]["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let (classes, sim) = st
        .group_pair_similarity(&labels, SliceMetric::Cosine, 5.0, None)
        .unwrap();
    assert_eq!(classes, vec![0, 1, 2]);
    check_nd(
        &sim,
        &g["group_similarity"]["sim"],
        1e-12,
        "group similarity",
    );
    let groups = [0, 0, 1, 1, 2, 2];
    let (gs, mask, count) = st
        .responsive_units_per_group(
            &groups,
            10.0,
            (-100.0, -20.0),
            None,
            1.5,
            SliceAggregator::Mean,
        )
        .unwrap();
    assert_eq!(gs, vec![0, 1, 2]);
    check_nd(
        &mask.mapv(|b| if b { 1.0 } else { 0.0 }),
        &g["per_group"]["mask"],
        0.0,
        "per group mask",
    );
    assert_eq!(
        count.iter().map(|&c| c as u64).collect::<Vec<_>>(),
        uv(&g["per_group"]["count"])
    );
    let ch = st
        .responsiveness_change(
            &groups,
            &[0],
            &[2],
            10.0,
            (-100.0, -20.0),
            None,
            1.5,
            SliceAggregator::Mean,
        )
        .unwrap();
    let c = &g["change"];
    assert_eq!(ch.early, bools(&c["early_mask"]));
    assert_eq!(ch.late, bools(&c["late_mask"]));
    assert_eq!(ch.gained, bools(&c["gained"]));
    assert_eq!(ch.lost, bools(&c["lost"]));
    assert_eq!(ch.preserved, bools(&c["preserved"]));
    assert!(
        st.responsiveness_change(
            &groups,
            &[7],
            &[2],
            10.0,
            (-100.0, -20.0),
            None,
            1.5,
            SliceAggregator::Mean
        )
        .is_err()
    );
    let _ = Array2::<f64>::zeros((1, 1));
}
