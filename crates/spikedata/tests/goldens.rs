//! Every method against goldens written by spikelab 0.1.2 / pynapple 0.11.4
//! (`testdata/generate/spikedata_goldens.py`): integers exact, floats to 1e-12 relative.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use ndarray::Array2;
use serde_json::Value;
use spikedata::{IntervalSet, Options, RateUnit, SpikeData, Step};

mod common;
use common::*;

#[test]
fn goldens_are_from_the_reference_versions() {
    assert_eq!(goldens()["spikelab_version"], "0.1.2");
    assert_eq!(goldens()["pynapple_version"], "0.11.4");
    assert_eq!(datasets().len(), 3);
}

#[test]
fn constructor_sorts_and_pads() {
    for (name, g, sd) in datasets() {
        check_sd(&sd, &g["constructed"], &format!("{name} constructed"));
    }
}

#[test]
fn sparse_raster_matches() {
    let mut checked = 0;
    for (name, g, sd) in datasets() {
        for c in g["sparse_raster"].as_array().unwrap() {
            let (bin, off) = (f(&c["bin"]), f(&c["offset"]));
            let what = format!("{name} sparse_raster({bin}, {off})");
            let r = sd.sparse_raster(bin, off).unwrap();
            let s = &c["sparse"];
            assert_eq!(
                [r.n_units as u64, r.n_bins as u64],
                [
                    s["shape"][0].as_u64().unwrap(),
                    s["shape"][1].as_u64().unwrap()
                ],
                "{what}"
            );
            let trip: Vec<(u64, u64, u64)> = r
                .triplets()
                .map(|(u, b, n)| (u as u64, b as u64, u64::from(n)))
                .collect();
            let want: Vec<(u64, u64, u64)> = uv(&s["rows"])
                .into_iter()
                .zip(uv(&s["cols"]))
                .zip(uv(&s["counts"]))
                .map(|((a, b), c)| (a, b, c))
                .collect();
            assert_eq!(trip, want, "{what}");
            // the dense form agrees with the sparse one
            if r.n_bins < 20_000 {
                let d = sd.raster(bin, off).unwrap();
                assert_eq!(
                    d.sum() as u64,
                    want.iter().map(|t| t.2).sum::<u64>(),
                    "{what} dense"
                );
                for &(u, b, n) in &want {
                    assert_eq!(u64::from(d[[u as usize, b as usize]]), n, "{what} dense");
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 21);
}

#[test]
fn binned_rates_match() {
    for (name, g, sd) in datasets() {
        for c in g["binned"].as_array().unwrap() {
            let bin = f(&c["bin"]);
            assert_eq!(
                sd.binned(bin).unwrap(),
                uv(&c["counts"]),
                "{name} binned({bin})"
            );
        }
        for c in g["binned_meanrate"].as_array().unwrap() {
            let bin = f(&c["bin"]);
            let unit = if c["unit"] == "Hz" {
                RateUnit::Hz
            } else {
                RateUnit::KHz
            };
            close_vec(
                &sd.binned_meanrate(bin, unit).unwrap(),
                &fv(&c["rates"]),
                &format!("{name} binned_meanrate({bin}, {})", c["unit"]),
            );
        }
        close_vec(
            &sd.rates(RateUnit::Hz),
            &fv(&g["rates"]["Hz"]),
            &format!("{name} rates Hz"),
        );
        close_vec(
            &sd.rates(RateUnit::KHz),
            &fv(&g["rates"]["kHz"]),
            &format!("{name} rates kHz"),
        );
    }
}

#[test]
fn idces_times_and_events_match() {
    for (name, g, sd) in datasets() {
        let (i, t) = sd.idces_times();
        assert_eq!(
            i.iter().map(|&x| x as u64).collect::<Vec<_>>(),
            uv(&g["idces_times"]["idces"]),
            "{name}"
        );
        close_vec(
            &t,
            &fv(&g["idces_times"]["times"]),
            &format!("{name} idces_times"),
        );
        let ev = sd.events();
        let want = g["events"].as_array().unwrap();
        assert_eq!(ev.len(), want.len());
        for (k, ((u, t), w)) in ev.iter().zip(want).enumerate() {
            assert_eq!(*u as u64, w[0].as_u64().unwrap(), "{name} events[{k}] unit");
            close(*t, f(&w[1]), &format!("{name} events[{k}]"));
        }
    }
}

#[test]
fn isi_statistics_match() {
    for (name, g, sd) in datasets() {
        let isi = sd.interspike_intervals();
        for (k, (a, b)) in isi.iter().zip(g["isi"].as_array().unwrap()).enumerate() {
            close_vec(a, &fv(b), &format!("{name} isi {k}"));
        }
        close_vec(&sd.cv_isi(), &fv(&g["cv_isi"]), &format!("{name} cv_isi"));
        close_vec(
            &sd.cv2_isi(),
            &fv(&g["cv2_isi"]),
            &format!("{name} cv2_isi"),
        );
    }
}

#[test]
fn subtime_matches() {
    for (name, g, sd) in datasets() {
        for c in g["subtime"].as_array().unwrap() {
            let (s, e, sh) = (opt_f(&c["start"]), opt_f(&c["end"]), opt_f(&c["shift_to"]));
            check_result(
                sd.subtime(s, e, sh),
                &c["result"],
                &format!("{name} subtime({s:?}, {e:?}, {sh:?})"),
            );
        }
    }
}

#[test]
fn subset_and_append_match() {
    for (name, g, sd) in datasets() {
        for c in g["subset"].as_array().unwrap() {
            let units: Vec<usize> = uv(&c["units"]).into_iter().map(|u| u as usize).collect();
            let p = c["preserve_order"].as_bool().unwrap();
            check_result(
                sd.subset(&units, p),
                &c["result"],
                &format!("{name} subset({units:?}, {p})"),
            );
        }
        if let Some(cases) = g.get("subset_by").and_then(Value::as_array) {
            for c in cases {
                let by = c["by"].as_str().unwrap();
                let vals = c["values"].as_array().unwrap();
                check_result(
                    sd.subset_by(by, vals),
                    &c["result"],
                    &format!("{name} subset(by={by})"),
                );
            }
        }
        for c in g["append"].as_array().unwrap() {
            let off = f(&c["offset"]);
            check_result(
                sd.append(&sd, off, false),
                &c["result"],
                &format!("{name} append({off})"),
            );
        }
    }
}

#[test]
fn sliding_rate_matches() {
    for (name, g, sd) in datasets() {
        for c in g["sliding_rate"].as_array().unwrap() {
            let kw = &c["kwargs"];
            let step = match kw.get("step_size") {
                Some(s) => Step::Size(f(s)),
                None => Step::Rate(f(&kw["sampling_rate"])),
            };
            let r = sd
                .sliding_rate(
                    f(&kw["window_size"]),
                    step,
                    kw.get("t_start").map(f),
                    kw.get("t_end").map(f),
                    kw.get("gauss_sigma").map_or(0.0, f),
                    kw.get("apply_square")
                        .and_then(Value::as_bool)
                        .unwrap_or(true),
                )
                .unwrap();
            let what = format!("{name} sliding_rate({kw})");
            close_vec(&r.times, &fv(&c["times"]), &what);
            for (i, row) in c["rates"].as_array().unwrap().iter().enumerate() {
                close_vec(
                    &r.rates.row(i).to_vec(),
                    &fv(row),
                    &format!("{what} unit {i}"),
                );
            }
        }
    }
}

#[test]
fn resampled_isi_matches() {
    for (name, g, sd) in datasets() {
        for c in g["resampled_isi"].as_array().unwrap() {
            let times = fv(&c["times"]);
            let sigma = f(&c["sigma"]);
            let r = sd.resampled_isi(&times, sigma).unwrap();
            for (i, row) in c["rates"].as_array().unwrap().iter().enumerate() {
                close_vec(
                    &r.rates.row(i).to_vec(),
                    &fv(row),
                    &format!("{name} resampled_isi(sigma {sigma}) unit {i}"),
                );
            }
        }
        let c = &g["resampled_isi_single"];
        let r = sd.resampled_isi(&[f(&c["time"])], 10.0).unwrap();
        for (i, row) in c["rates"].as_array().unwrap().iter().enumerate() {
            close_vec(
                &r.rates.row(i).to_vec(),
                &fv(row),
                &format!("{name} resampled_isi single unit {i}"),
            );
        }
    }
}

#[test]
fn frames_and_align_match() {
    for (name, g, sd) in datasets() {
        for c in g["frames"].as_array().unwrap() {
            let (l, o) = (f(&c["length"]), f(&c["overlap"]));
            check_stack(
                sd.frames(l, o),
                &c["result"],
                &format!("{name} frames({l}, {o})"),
            );
        }
        for c in g["align_to_events"].as_array().unwrap() {
            let (pre, post) = (f(&c["pre"]), f(&c["post"]));
            let ev = fv(&c["events"]);
            check_stack(
                sd.align_to_events(&ev, pre, post),
                &c["result"],
                &format!("{name} align({pre}, {post})"),
            );
        }
        let mut checked = 0;
        for c in g["align_rate"].as_array().unwrap() {
            let (pre, post, bin, sigma) =
                (f(&c["pre"]), f(&c["post"]), f(&c["bin"]), f(&c["sigma"]));
            let ev = fv(&c["events"]);
            let what = format!("{name} align_rate({pre}, {post}, {bin}, {sigma})");
            let r = sd.align_to_events_rate(&ev, pre, post, bin, sigma);
            match (r, c["result"].get("ok")) {
                (Ok(st), Some(ok)) => {
                    let shape: Vec<usize> = uv(&ok["shape"]).iter().map(|&x| x as usize).collect();
                    assert_eq!(st.rates.shape(), &shape[..], "{what}: shape");
                    close(st.step_size, f(&ok["step_size"]), &format!("{what}: step"));
                    let windows = ok["windows"].as_array().unwrap();
                    for (k, (w, gw)) in st.windows.iter().zip(windows).enumerate() {
                        close(w.0, f(&gw[0]), &format!("{what}: window {k} start"));
                        close(w.1, f(&gw[1]), &format!("{what}: window {k} end"));
                    }
                    // C order, as numpy's ravel
                    let rates: Vec<f64> = st.rates.iter().copied().collect();
                    close_vec(&rates, &fv(&ok["rates"]), &what);
                    assert_eq!(st.dropped, ev.len() - st.windows.len());
                    assert_eq!(st.times.len(), st.windows.len());
                    checked += 1;
                }
                (Err(_), None) => {}
                (Ok(_), None) => panic!(
                    "{what}: spikelab failed ({}) but rust succeeded",
                    c["result"]["error"]
                ),
                (Err(e), Some(_)) => panic!("{what}: rust failed: {e}"),
            }
        }
        assert_eq!(checked, 3, "{name}");
    }
}

#[test]
fn constructors_match() {
    let g = goldens();
    for c in g["from_raster"].as_array().unwrap() {
        let rows: Vec<Vec<i64>> = c["raster"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_i64().unwrap())
                    .collect()
            })
            .collect();
        let (n, t) = (rows.len(), rows[0].len());
        let raster = Array2::from_shape_fn((n, t), |(i, j)| rows[i][j]);
        let bin = f(&c["bin"]);
        let sd = SpikeData::from_raster(
            &raster,
            bin,
            Options {
                start_time: f(&c["start_time"]),
                ..Options::default()
            },
        )
        .unwrap();
        check_sd(&sd, &c["result"], &format!("from_raster({bin})"));
    }
    // round trip: raster of sd1 at 7.3 ms → from_raster
    let sd1 = build(&g["datasets"]["sd1"]["input"]);
    let r = sd1.raster(7.3, 0.0).unwrap().mapv(i64::from);
    let back = SpikeData::from_raster(&r, 7.3, Options::default()).unwrap();
    check_sd(
        &back,
        &g["from_raster_sd1"]["result"],
        "from_raster(sd1.raster(7.3))",
    );

    for c in g["from_idces_times"].as_array().unwrap() {
        let idces: Vec<i64> = c["idces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap())
            .collect();
        let times = fv(&c["times"]);
        let n = c["N"].as_u64().map(|n| n as usize);
        let r = SpikeData::from_idces_times(
            &idces,
            &times,
            Options {
                n,
                ..Options::default()
            },
        );
        check_result(r, &c["result"], &format!("from_idces_times(N={n:?})"));
        // from_events is the same thing
        let events: Vec<(i64, f64)> = idces.iter().copied().zip(times.iter().copied()).collect();
        let r = SpikeData::from_events(
            &events,
            Options {
                n,
                ..Options::default()
            },
        );
        check_result(r, &c["result"], &format!("from_events(N={n:?})"));
    }
    let e = SpikeData::from_idces_times(&[], &[], Options::default()).unwrap();
    check_sd(&e, &g["from_idces_times_empty"], "from_idces_times([])");
}

#[test]
fn interval_set_matches_pynapple() {
    for c in goldens()["interval_set"].as_array().unwrap() {
        let iset = IntervalSet::new(&fv(&c["start_in"]), &fv(&c["end_in"])).unwrap();
        close_vec(iset.start(), &fv(&c["start"]), "IntervalSet start");
        close_vec(iset.end(), &fv(&c["end"]), "IntervalSet end");
        close_vec(
            &iset.restrict(&fv(&c["probe"])),
            &fv(&c["restrict"]),
            "restrict",
        );
    }
}
