//! Helpers shared by the golden tests: the goldens' JSON, float comparisons, and building /
//! checking `SpikeData` from the goldens' blocks.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use ndarray::Array2;
use serde_json::Value;
use spikedata::{Attrs, Options, SpikeData, SpikeSliceStack};
use std::path::PathBuf;
use std::sync::OnceLock;

pub fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/spikedata")
}

pub fn goldens() -> &'static Value {
    static G: OnceLock<Value> = OnceLock::new();
    G.get_or_init(|| {
        let text = std::fs::read_to_string(testdata().join("goldens.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    })
}

pub fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN) // null = NaN
}

pub fn fv(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(f).collect()
}

pub fn uv(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

pub fn opt_f(v: &Value) -> Option<f64> {
    v.as_f64()
}

#[track_caller]
pub fn close(a: f64, b: f64, what: &str) {
    if a.is_nan() && b.is_nan() {
        return;
    }
    let tol = 1e-12 * a.abs().max(b.abs()) + 1e-300;
    assert!(
        a == b || (a - b).abs() <= tol,
        "{what}: rust {a:?} != spikelab {b:?} (diff {:e})",
        a - b
    );
}

#[track_caller]
pub fn close_vec(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths differ");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        close(*x, *y, &format!("{what}[{i}]"));
    }
}

pub fn attrs_of(v: &Value) -> Option<Vec<Attrs>> {
    v.as_array()
        .map(|a| a.iter().map(|m| m.as_object().unwrap().clone()).collect())
}

/// Builds a SpikeData from the golden's `input` block.
pub fn build(input: &Value) -> SpikeData {
    let trains = input["trains"].as_array().unwrap().iter().map(fv).collect();
    SpikeData::new(
        trains,
        Options {
            n: None,
            length: Some(f(&input["length"])),
            start_time: f(&input["start_time"]),
            unit_attrs: attrs_of(&input["neuron_attributes"]),
            metadata: input["metadata"].as_object().unwrap().clone(),
            raw: None,
        },
    )
    .unwrap()
}

#[track_caller]
pub fn check_sd(sd: &SpikeData, g: &Value, what: &str) {
    let trains = g["trains"].as_array().unwrap();
    assert_eq!(sd.n_units(), trains.len(), "{what}: N");
    assert_eq!(sd.n_units() as u64, g["n"].as_u64().unwrap(), "{what}: N");
    for (i, t) in trains.iter().enumerate() {
        close_vec(sd.train(i).unwrap(), &fv(t), &format!("{what}: train {i}"));
    }
    close(
        sd.start_time(),
        f(&g["start_time"]),
        &format!("{what}: start_time"),
    );
    close(sd.length(), f(&g["length"]), &format!("{what}: length"));
    assert_eq!(
        sd.unit_attrs().map(<[Attrs]>::to_vec),
        attrs_of(&g["neuron_attributes"]),
        "{what}: attrs"
    );
    assert_eq!(
        sd.metadata(),
        g["metadata"].as_object().unwrap(),
        "{what}: metadata"
    );
}

#[track_caller]
pub fn check_result(r: spikedata::Result<SpikeData>, g: &Value, what: &str) {
    match (r, g.get("ok")) {
        (Ok(sd), Some(ok)) => check_sd(&sd, ok, what),
        (Err(_), None) => {}
        (Ok(_), None) => panic!(
            "{what}: spikelab failed ({}) but rust succeeded",
            g["error"]
        ),
        (Err(e), Some(_)) => panic!("{what}: rust failed: {e}"),
    }
}

#[track_caller]
pub fn check_stack(r: spikedata::Result<SpikeSliceStack>, g: &Value, what: &str) {
    match (r, g.get("ok")) {
        (Ok(st), Some(ok)) => {
            let windows = ok["windows"].as_array().unwrap();
            assert_eq!(st.windows.len(), windows.len(), "{what}: slice count");
            for (k, (w, gw)) in st.windows.iter().zip(windows).enumerate() {
                close(w.0, f(&gw[0]), &format!("{what}: window {k} start"));
                close(w.1, f(&gw[1]), &format!("{what}: window {k} end"));
            }
            for (k, (s, gs)) in st
                .slices
                .iter()
                .zip(ok["slices"].as_array().unwrap())
                .enumerate()
            {
                check_sd(s, gs, &format!("{what}: slice {k}"));
            }
        }
        (Err(_), None) => {}
        (Ok(_), None) => panic!(
            "{what}: spikelab failed ({}) but rust succeeded",
            g["error"]
        ),
        (Err(e), Some(_)) => panic!("{what}: rust failed: {e}"),
    }
}

pub fn datasets() -> Vec<(String, &'static Value, SpikeData)> {
    goldens()["datasets"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, g)| (k.clone(), g, build(&g["input"])))
        .collect()
}

/// Loads a JSON file of `testdata/spikedata` once per test binary.
pub fn load_json(name: &str, cell: &'static OnceLock<Value>) -> &'static Value {
    cell.get_or_init(|| {
        let text = std::fs::read_to_string(testdata().join(name)).unwrap();
        serde_json::from_str(&text).unwrap()
    })
}

/// Bit-identical (NaN equal to NaN; `-0.0 == 0.0`).
#[track_caller]
pub fn exact(a: f64, b: f64, what: &str) {
    assert!(
        a == b || (a.is_nan() && b.is_nan()),
        "{what}: rust {a:?} != reference {b:?}"
    );
}

/// A matrix against a golden list of rows, exactly (`tol = None`) or to `tol` relative.
#[track_caller]
pub fn check_matrix(m: &Array2<f64>, g: &Value, tol: Option<f64>, what: &str) {
    let rows = g.as_array().unwrap();
    assert_eq!(m.nrows(), rows.len(), "{what}: rows");
    for (i, r) in rows.iter().enumerate() {
        let r = fv(r);
        assert_eq!(m.ncols(), r.len(), "{what}: cols");
        for (j, &b) in r.iter().enumerate() {
            let a = m[[i, j]];
            match tol {
                None => exact(a, b, &format!("{what}[{i},{j}]")),
                Some(t) => assert!(
                    a == b
                        || (a.is_nan() && b.is_nan())
                        || (a - b).abs() <= t * a.abs().max(b.abs()),
                    "{what}[{i},{j}]: rust {a:?} != reference {b:?}"
                ),
            }
        }
    }
}

/// `goldens_more.json` (issue 18, second part).
pub fn more() -> &'static Value {
    static G: OnceLock<Value> = OnceLock::new();
    load_json("goldens_more.json", &G)
}

/// `|a - b| <= tol · scale` (NaN equal to NaN).
#[track_caller]
pub fn near(a: f64, b: f64, scale: f64, tol: f64, what: &str) {
    assert!(
        a == b || (a.is_nan() && b.is_nan()) || (a - b).abs() <= tol * scale,
        "{what}: rust {a:?} != reference {b:?} (diff {:e}, scale {scale:e})",
        a - b
    );
}

#[track_caller]
pub fn near_vec(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        near(*x, *y, scale, tol, &format!("{what}[{i}]"));
    }
}

pub fn bursts() -> SpikeData {
    let b = &more()["bursts"];
    let trains = b["trains"].as_array().unwrap().iter().map(fv).collect();
    let attrs = (0..12)
        .map(|i| {
            let mut a = Attrs::new();
            a.insert("id".into(), (100 + i).into());
            a
        })
        .collect();
    SpikeData::new(
        trains,
        Options {
            length: Some(f(&b["length"])),
            unit_attrs: Some(attrs),
            ..Options::default()
        },
    )
    .unwrap()
}
