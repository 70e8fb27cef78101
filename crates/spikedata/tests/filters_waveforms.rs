//! Issue 18, second part, against spikelab 0.1.2 / scipy / numpy goldens
//! (`testdata/generate/spikedata_goldens_more.py` → `goldens_more.json`):
//!
//! * scipy's Butterworth sections (`iirfilter`, `butter(.., fs=)`) within 4 ulps, and
//!   `sosfiltfilt` within 1e-12 of the signal's scale;
//! * `compute_spike_trig_pop_rate` within 1e-12 of each curve's scale (lags and delays exact);
//! * waveforms (`get_waveform_traces`) within 1e-12 relative, noise levels, SNR and
//!   normalised STD within 1e-10 relative (band-passed signals);
//! * numpy's seeded draws (`spike_shuffle`, `spike_shuffle_stack`, `subset_stack`): exact;
//! * `get_pairwise_latencies(return_distributions=True)`: exact.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
use common::*;

use ndarray::Array2;
use serde_json::Value;
use spikedata::signal::{Band, butter_filter, butter_sos, sosfiltfilt};
use spikedata::{
    Attrs, Options, RawSignal, SpikeData, WaveformMetricsOptions, WaveformOptions, WaveformSource,
};

fn band(order: u64, btype: &str, wn: &[f64]) -> (usize, Band) {
    let b = match btype {
        "lowpass" => Band::Lowpass(wn[0]),
        "highpass" => Band::Highpass(wn[0]),
        _ => Band::Bandpass(wn[0], wn[1]),
    };
    (order as usize, b)
}

#[test]
fn butterworth_and_sosfiltfilt_match_scipy() {
    let g = more();
    let x = fv(&g["filter_input"]);
    for d in g["butter"].as_array().unwrap() {
        let (order, b) = band(
            d["order"].as_u64().unwrap(),
            d["btype"].as_str().unwrap(),
            &fv(&d["wn"]),
        );
        let sos = butter_sos(order, b).unwrap();
        let want = d["sos"].as_array().unwrap();
        assert_eq!(sos.len(), want.len(), "{b:?}: sections");
        for (k, (s, w)) in sos.iter().zip(want).enumerate() {
            let w = fv(w);
            for (j, (a, e)) in s.iter().zip(&w).enumerate() {
                let tol = 4.0 * f64::EPSILON * e.abs().max(1.0);
                assert!(
                    (a - e).abs() <= tol,
                    "{order} {b:?} section {k}[{j}]: {a:?} vs {e:?}"
                );
            }
        }
        let y = sosfiltfilt(&sos, &x).unwrap();
        near_vec(
            &y,
            &fv(&d["filtered"]),
            1e-12,
            &format!("{order} {b:?} sosfiltfilt"),
        );
    }
    let bf = &g["butter_filter"];
    let y = butter_filter(&x, Some(300.0), Some(6000.0), 20000.0, 3).unwrap();
    near_vec(&y, &fv(&bf["filtered"]), 1e-12, "butter_filter");
    // butter(4, [300, 6000], fs=20000): Wn = f / (fs / 2)
    let sos = butter_sos(4, Band::Bandpass(300.0 / 10000.0, 6000.0 / 10000.0)).unwrap();
    for (s, w) in sos.iter().zip(g["butter_fs"].as_array().unwrap()) {
        for (a, e) in s.iter().zip(fv(w)) {
            assert!((a - e).abs() <= 4.0 * f64::EPSILON * e.abs().max(1.0));
        }
    }
    // scipy's padding rule
    assert!(g["filter_too_short"].get("error").is_some());
    let sos = butter_sos(2, Band::Lowpass(0.1)).unwrap();
    assert!(sosfiltfilt(&sos, &x[..9]).is_err());
    assert_eq!(sosfiltfilt(&sos, &x[..10]).unwrap().len(), 10);
    // bad designs
    assert!(butter_sos(0, Band::Lowpass(0.1)).is_err());
    assert!(butter_sos(2, Band::Lowpass(1.0)).is_err());
    assert!(butter_sos(2, Band::Bandpass(0.3, 0.2)).is_err());
    assert!(butter_filter(&x, None, None, 1000.0, 2).is_err());
}

#[test]
fn spike_triggered_population_rate_matches_spikelab() {
    let sd = bursts();
    for c in more()["stpr"].as_array().unwrap() {
        let kw = &c["kwargs"];
        let get = |k: &str, d: f64| kw.get(k).and_then(Value::as_f64).unwrap_or(d);
        let (window, cutoff, fs, bin, cut) = (
            get("window_ms", 80.0) as usize,
            get("cutoff_hz", 20.0),
            get("fs", 1000.0),
            get("bin_size", 1.0),
            get("cut_outer", 10.0) as usize,
        );
        let r = sd.compute_spike_trig_pop_rate(window, cutoff, fs, bin, cut);
        let what = format!("stpr {kw}");
        match c["result"].get("ok") {
            Some(ok) => {
                let r = r.unwrap();
                assert_eq!(
                    r.lags,
                    ok["lags"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_i64().unwrap())
                        .collect::<Vec<_>>()
                );
                for (k, row) in ok["stpr_rows"].as_array().unwrap().iter().enumerate() {
                    let i = row.as_u64().unwrap() as usize;
                    let got: Vec<f64> = r.stpr.row(i).to_vec();
                    near_vec(&got, &fv(&ok["stpr"][k]), 1e-12, &format!("{what} row {i}"));
                }
                let scale = r.stpr.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                for (key, got) in [("zero_lag", &r.zero_lag), ("max", &r.max)] {
                    for (a, b) in got.iter().zip(fv(&ok[key])) {
                        near(*a, b, scale, 1e-12, &format!("{what} {key}"));
                    }
                }
                assert_eq!(r.delays, fv(&ok["delays"]), "{what} delays");
            }
            None if cut == 0 => {
                // spikelab slices [0:-0] and fails; here every lag counts
                let r = r.unwrap();
                for u in 0..sd.n_units() {
                    let row = r.stpr.row(u);
                    let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    assert_eq!(r.max[u], m);
                    let at = row.iter().position(|&v| v == m).unwrap();
                    assert_eq!(r.delays[u], at as f64 - window as f64);
                }
            }
            None => assert!(
                r.is_err(),
                "{what}: spikelab failed ({}), rust did not",
                c["result"]["error"]
            ),
        }
    }
    let one = SpikeData::new(vec![vec![1.0]], Options::length(100.0)).unwrap();
    assert!(
        one.compute_spike_trig_pop_rate(10, 20.0, 1000.0, 1.0, 2)
            .is_err()
    );
    let silent = SpikeData::new(vec![vec![], vec![]], Options::length(100.0)).unwrap();
    assert!(
        silent
            .compute_spike_trig_pop_rate(10, 20.0, 1000.0, 1.0, 2)
            .is_err()
    );
    assert!(
        sd.compute_spike_trig_pop_rate(0, 20.0, 1000.0, 1.0, 0)
            .is_err()
    );
    assert!(
        sd.compute_spike_trig_pop_rate(10, 600.0, 1000.0, 1.0, 2)
            .is_err()
    );
}

/// The golden raw signal: `waveform_raw.npy`, int16 `channels × samples`.
fn raw_signal() -> Array2<f64> {
    let bytes = std::fs::read(testdata().join("waveform_raw.npy")).unwrap();
    let h = rawio_core::npy::NpyHeader::parse(&bytes).unwrap();
    let (c, t) = (h.shape[0] as usize, h.shape[1] as usize);
    let data = &bytes[h.data_offset as usize..];
    Array2::from_shape_fn((c, t), |(i, j)| {
        let k = 2 * (i * t + j);
        f64::from(i16::from_le_bytes([data[k], data[k + 1]]))
    })
}

fn wave_sd(attrs: Option<Vec<Attrs>>) -> SpikeData {
    let w = &more()["waveforms"];
    let trains = w["trains"].as_array().unwrap().iter().map(fv).collect();
    SpikeData::new(
        trains,
        Options {
            length: Some(f(&w["length"])),
            unit_attrs: attrs,
            raw: Some(RawSignal::with_rate_khz(raw_signal(), f(&w["fs_khz"]))),
            ..Options::default()
        },
    )
    .unwrap()
}

/// A golden `{shape, data}` array against a 2-D array.
#[track_caller]
fn check_arr2(a: &Array2<f64>, g: &Value, tol: f64, what: &str) {
    let shape: Vec<usize> = g["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(a.shape(), &shape[..], "{what}: shape");
    let got: Vec<f64> = a.iter().copied().collect();
    near_vec(&got, &fv(&g["data"]), tol, what);
}

#[test]
fn waveform_traces_match_spikelab() {
    let w = &more()["waveforms"];
    let sd = wave_sd(None);
    close(sd.raw_rate_khz().unwrap(), 20.0, "raw rate");
    let traces = sd
        .get_waveform_traces(None, &WaveformOptions::default())
        .unwrap();
    let g = &w["traces_raw"];
    for (u, t) in traces.iter().enumerate() {
        assert_eq!(t.channels, vec![0, 1, 2, 3]);
        assert_eq!(
            t.n_spikes() as u64,
            g["n_spikes"][u].as_u64().unwrap(),
            "unit {u}"
        );
        assert_eq!(
            t.spike_times_ms,
            fv(&g["spike_times"][u]),
            "unit {u} spike times"
        );
        check_arr2(
            &t.avg_waveform(),
            &g["avg"][u],
            1e-13,
            &format!("unit {u} avg"),
        );
        let first = t.waveforms.index_axis(ndarray::Axis(2), 0).to_owned();
        check_arr2(&first, &g["first"][u], 0.0, &format!("unit {u} first"));
    }
    let g = &w["traces_bandpass"];
    let opts = WaveformOptions {
        ms_before: 0.5,
        ms_after: 1.5,
        channels: Some(vec![2, 0]),
        bandpass: Some((300.0, 6000.0)),
        filter_order: 3,
    };
    let traces = sd.get_waveform_traces(Some(&[3, 1]), &opts).unwrap();
    for (k, t) in traces.iter().enumerate() {
        assert_eq!(t.channels, vec![2, 0]);
        check_arr2(
            &t.avg_waveform(),
            &g["avg"][k],
            1e-12,
            &format!("bandpass avg {k}"),
        );
    }
    assert!(sd.get_waveform_traces(Some(&[5]), &opts).is_err());
    let no_raw = SpikeData::new(vec![vec![1.0]], Options::length(5.0)).unwrap();
    assert!(
        no_raw
            .get_waveform_traces(None, &WaveformOptions::default())
            .is_err()
    );
}

#[test]
fn waveform_metrics_match_spikelab() {
    let w = &more()["waveforms"];
    let mut sd = wave_sd(None);
    let noise = sd
        .estimate_noise_levels(&[0, 1, 2, 3], 300.0, 6000.0)
        .unwrap();
    near_vec(&noise, &fv(&w["noise_levels"]), 1e-12, "noise levels");
    let m = sd
        .compute_waveform_metrics(&WaveformMetricsOptions::default())
        .unwrap();
    assert_eq!(m.source, WaveformSource::Raw);
    for (a, b) in m.snr.iter().zip(fv(&w["metrics"]["snr"])) {
        near(*a, b, b.abs(), 1e-10, "snr");
    }
    for (a, b) in m.std_norm.iter().zip(fv(&w["metrics"]["std_norm"])) {
        near(*a, b, b.abs(), 1e-10, "std_norm");
    }
    // stored as attributes, as SpikeLab
    let snr_attr: Vec<f64> = sd
        .unit_attr("snr")
        .iter()
        .map(|v| v.unwrap().as_f64().unwrap())
        .collect();
    assert_eq!(snr_attr, m.snr);

    let opts = WaveformMetricsOptions {
        ms_before: 0.8,
        ms_after: 1.2,
        at_peak: false,
        window_ms_before: 0.3,
        window_ms_after: 0.6,
        ..WaveformMetricsOptions::default()
    };
    let m = wave_sd(None).waveform_metrics(&opts).unwrap();
    for (a, b) in m.snr.iter().zip(fv(&w["metrics_window"]["snr"])) {
        near(*a, b, b.abs(), 1e-10, "snr window");
    }
    for (a, b) in m.std_norm.iter().zip(fv(&w["metrics_window"]["std_norm"])) {
        near(*a, b, b.abs(), 1e-10, "std_norm window");
    }

    // units mapped to a channel: the noise of that channel (spikelab: of row 0)
    let g = &w["mapped"];
    let attrs: Vec<Attrs> = g["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut a = Attrs::new();
            a.insert("channel".into(), c.clone());
            a
        })
        .collect();
    let m = wave_sd(Some(attrs))
        .waveform_metrics(&WaveformMetricsOptions::default())
        .unwrap();
    for (a, b) in m.snr.iter().zip(fv(&g["snr"])) {
        near(*a, b, b.abs(), 1e-10, "mapped snr");
    }
    for (a, b) in m.std_norm.iter().zip(fv(&g["std_norm"])) {
        near(*a, b, b.abs(), 1e-10, "mapped std_norm");
    }
    assert_ne!(
        fv(&g["snr"]),
        fv(&g["spikelab_snr"]),
        "the golden shows spikelab's indexing"
    );

    // curation
    let g = &w["curate_snr"];
    let (out, cur) = wave_sd(None)
        .curate_by_snr(f(&g["min_snr"]), 1.0, 2.0)
        .unwrap();
    let want: Vec<bool> = g["passed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_bool().unwrap())
        .collect();
    assert_eq!(cur.passed, want);
    assert_eq!(out.n_units() as u64, g["n"].as_u64().unwrap());
    assert!(out.unit_attr("snr").iter().all(Option::is_some));
    for (a, b) in cur.metric.iter().zip(fv(&g["metric"])) {
        near(*a, b, b.abs(), 1e-10, "curate snr");
    }
    let g = &w["curate_std_norm"];
    let (_, cur) = wave_sd(None)
        .curate_by_std_norm(f(&g["max"]), &WaveformMetricsOptions::default())
        .unwrap();
    let want: Vec<bool> = g["passed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_bool().unwrap())
        .collect();
    assert_eq!(cur.passed, want);
    // precomputed attributes are used as they are
    let mut pre = SpikeData::new(vec![vec![1.0], vec![2.0]], Options::length(5.0)).unwrap();
    pre.set_unit_attr_values("snr", vec![3.0.into(), 9.0.into()], None)
        .unwrap();
    let (out, cur) = pre.curate_by_snr(5.0, 1.0, 2.0).unwrap();
    assert_eq!(
        (cur.metric, cur.passed, out.n_units()),
        (vec![3.0, 9.0], vec![false, true], 1)
    );
    // neither attributes, raw signal nor waveforms
    let bare = SpikeData::new(vec![vec![1.0]], Options::length(5.0)).unwrap();
    assert!(bare.curate_by_snr(5.0, 1.0, 2.0).is_err());

    // a recording shorter than one noise chunk uses every sample
    let short = &w["short_noise"];
    let raw = raw_signal().slice(ndarray::s![.., ..5000]).to_owned();
    let sd = SpikeData::new(
        vec![vec![1.0]],
        Options {
            length: Some(250.0),
            raw: Some(RawSignal::with_rate_khz(raw, 20.0)),
            ..Options::default()
        },
    )
    .unwrap();
    let n = sd
        .estimate_noise_levels(&[0, 1, 2, 3], 300.0, 6000.0)
        .unwrap();
    near_vec(&n, &fv(short), 1e-12, "short noise");
}

#[test]
fn attached_waveforms_give_metrics_without_a_raw_signal() {
    // waveforms cut from the raw signal, attached to data without it: the metrics use them
    let sd = wave_sd(None);
    let traces = sd
        .get_waveform_traces(None, &WaveformOptions::default())
        .unwrap();
    let (trains, start, length, attrs, meta, _) = sd.into_parts();
    let mut bare = SpikeData::new(
        trains,
        Options {
            length: Some(length),
            start_time: start,
            unit_attrs: attrs,
            metadata: meta,
            ..Options::default()
        },
    )
    .unwrap();
    assert!(bare.set_waveforms(traces[..2].to_vec()).is_err());
    bare.set_waveforms(traces.clone()).unwrap();
    let m = bare
        .compute_waveform_metrics(&WaveformMetricsOptions::default())
        .unwrap();
    assert_eq!(m.source, WaveformSource::Attached);
    for (u, t) in traces.iter().enumerate() {
        // residual noise: MAD of waveform - mean on the peak channel
        let avg = t.avg_waveform();
        let (c, s) = avg.dim();
        let chan = (0..c)
            .max_by(|&a, &b| {
                let pa = avg.row(a).iter().fold(0.0f64, |m, v| m.max(v.abs()));
                let pb = avg.row(b).iter().fold(0.0f64, |m, v| m.max(v.abs()));
                pa.partial_cmp(&pb).unwrap().then(b.cmp(&a))
            })
            .unwrap();
        let peak = (0..s)
            .max_by(|&a, &b| {
                avg[[chan, a]]
                    .abs()
                    .partial_cmp(&avg[[chan, b]].abs())
                    .unwrap()
                    .then(b.cmp(&a))
            })
            .unwrap();
        let mut r: Vec<f64> = Vec::new();
        for j in 0..s {
            for k in 0..t.n_spikes() {
                r.push(t.waveforms[[chan, j, k]] - avg[[chan, j]]);
            }
        }
        r.sort_by(f64::total_cmp);
        let med = |v: &[f64]| {
            let n = v.len();
            if n % 2 == 1 {
                v[n / 2]
            } else {
                (v[n / 2 - 1] + v[n / 2]) / 2.0
            }
        };
        let m0 = med(&r);
        let mut d: Vec<f64> = r.iter().map(|x| (x - m0).abs()).collect();
        d.sort_by(f64::total_cmp);
        let noise = med(&d) / 0.6745;
        close(
            m.snr[u],
            avg[[chan, peak]].abs() / noise,
            &format!("unit {u} snr"),
        );
    }
    // waveforms follow subset and subtime
    let sub = bare.subset(&[3, 1], true).unwrap();
    assert_eq!(sub.waveforms().unwrap()[0], traces[3]);
    let cut = bare.subtime(Some(100.0), Some(500.0), None).unwrap();
    for (u, w) in cut.waveforms().unwrap().iter().enumerate() {
        let want: Vec<f64> = traces[u]
            .spike_times_ms
            .iter()
            .filter(|&&t| (100.0..500.0).contains(&t))
            .map(|t| t - 100.0)
            .collect();
        assert_eq!(w.spike_times_ms, want);
        assert_eq!(w.n_spikes(), want.len());
    }
    assert!(
        bare.append(&bare, 0.0, false)
            .unwrap()
            .waveforms()
            .is_none()
    );
}

#[test]
fn rawio_waveforms_are_attached() {
    use rawio_core::testing::TinyReader;
    use spikedata::FromRawioOptions;
    let reader = TinyReader::new();
    let sd =
        SpikeData::from_rawio_with_waveforms(&reader, 0, 0, &FromRawioOptions::default()).unwrap();
    let w = sd.waveforms().unwrap();
    assert_eq!(w.len(), 2);
    for (u, uw) in w.iter().enumerate() {
        // every spike has its waveform, laid out channels × samples × spikes
        assert_eq!(uw.spike_times_ms, sd.train(u).unwrap());
        assert_eq!(uw.waveforms.dim(), (1, 4, sd.train(u).unwrap().len()));
        let raw = &reader.waveforms[u];
        let gain = rawio_core::RawIO::header(&reader).spike_channels[u].wf_gain;
        let off = rawio_core::RawIO::header(&reader).spike_channels[u].wf_offset;
        for k in 0..uw.n_spikes() {
            for j in 0..4 {
                close(
                    uw.waveforms[[0, j, k]],
                    f64::from(raw[[k, 0, j]]) * gain + off,
                    "waveform sample",
                );
            }
        }
    }
    // metrics from the attached waveforms (no raw signal)
    let mut sd = sd;
    let m = sd
        .compute_waveform_metrics(&WaveformMetricsOptions::default())
        .unwrap();
    assert_eq!(m.source, WaveformSource::Attached);
    assert_eq!(m.snr.len(), 2);
    // a subtime keeps the waveforms of the spikes kept
    let cut = sd.subtime(Some(0.0), Some(1000.0), None).unwrap();
    for (u, w) in cut.waveforms().unwrap().iter().enumerate() {
        assert_eq!(w.spike_times_ms, cut.train(u).unwrap());
    }
    // data not from a reader has no spike channel index
    let mut plain = SpikeData::new(vec![vec![1.0]], Options::length(5.0)).unwrap();
    assert!(plain.attach_rawio_waveforms(&reader, 0, 0).is_err());
}

#[test]
fn seeded_draws_match_numpy() {
    let g = &more()["shuffle"];
    let trains: Vec<Vec<f64>> = g["trains"].as_array().unwrap().iter().map(fv).collect();
    let attrs: Vec<Attrs> = (0..trains.len())
        .map(|i| {
            let mut a = Attrs::new();
            a.insert("id".into(), i.into());
            a
        })
        .collect();
    let sd = SpikeData::new(
        trains,
        Options {
            length: Some(f(&g["length"])),
            unit_attrs: Some(attrs),
            ..Options::default()
        },
    )
    .unwrap();
    for c in g["spike_shuffle"].as_array().unwrap() {
        let s = sd
            .spike_shuffle(
                c["swap"].as_u64().unwrap(),
                c["seed"].as_u64(),
                f(&c["bin"]),
            )
            .unwrap();
        for (u, t) in c["trains"].as_array().unwrap().iter().enumerate() {
            assert_eq!(
                s.train(u).unwrap(),
                &fv(t)[..],
                "seed {} unit {u}",
                c["seed"]
            );
        }
    }
    let st = sd.spike_shuffle_stack(3, Some(5), 3, 2.0).unwrap();
    for (k, s) in g["stack"].as_array().unwrap().iter().enumerate() {
        for (u, t) in s.as_array().unwrap().iter().enumerate() {
            assert_eq!(
                st.slices[k].train(u).unwrap(),
                &fv(t)[..],
                "stack {k} unit {u}"
            );
        }
    }
    let ids = |st: &spikedata::SpikeSliceStack| -> Vec<Vec<u64>> {
        st.slices
            .iter()
            .map(|s| {
                s.unit_attr("id")
                    .iter()
                    .map(|v| v.unwrap().as_u64().unwrap())
                    .collect()
            })
            .collect()
    };
    let want = |v: &Value| -> Vec<Vec<u64>> { v.as_array().unwrap().iter().map(uv).collect() };
    assert_eq!(
        ids(&sd.subset_stack(5, 3, Some(11)).unwrap()),
        want(&g["subset_stack"])
    );
    let attrs: Vec<Attrs> = (0..20000)
        .map(|i| {
            let mut a = Attrs::new();
            a.insert("id".into(), i.into());
            a
        })
        .collect();
    let big = SpikeData::new(
        vec![Vec::new(); 20000],
        Options {
            length: Some(1.0),
            unit_attrs: Some(attrs),
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(
        ids(&big.subset_stack(2, 500, Some(3)).unwrap()),
        want(&g["subset_stack_big"])
    );
    assert_eq!(
        ids(&big.subset_stack(2, 7, Some(4)).unwrap()),
        want(&g["subset_stack_big_small"])
    );
}

#[test]
fn pairwise_latency_distributions_match_spikelab() {
    let g = &more()["latency_dist"];
    let trains = g["trains"].as_array().unwrap().iter().map(fv).collect();
    let sd = SpikeData::new(
        trains,
        Options {
            length: Some(f(&g["length"])),
            start_time: f(&g["start_time"]),
            ..Options::default()
        },
    )
    .unwrap();
    for c in g["cases"].as_array().unwrap() {
        let w = c["window"].as_f64();
        let d = sd.get_pairwise_latency_distributions(w);
        let n = sd.n_units();
        let flat = |m: &Array2<f64>| m.iter().copied().collect::<Vec<f64>>();
        assert_eq!(flat(&d.mean), fv(&c["mean"]["data"]), "mean {w:?}");
        assert_eq!(flat(&d.std), fv(&c["std"]["data"]), "std {w:?}");
        for i in 0..n {
            for j in 0..n {
                assert_eq!(
                    d.distributions[[i, j]],
                    fv(&c["dist"][i][j]),
                    "dist {i} {j} {w:?}"
                );
            }
        }
    }
}
