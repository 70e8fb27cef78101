//! The four edge cases of issue 18, each pinned against what spikelab 0.1.2 / pynapple
//! 0.11.4 do (see the method docs for the differences kept on purpose).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use ndarray::array;
use serde_json::{Value, json};
use spikedata::{IntervalSet, Options, SpikeData, SpikeDataError, TsGroup, write_tsgroup};
use std::path::PathBuf;

fn rust_written() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/spikedata/rust_written")
}

/// Edge case 1: A decreasing time grid: spikelab's `RateData` raises "times must be monotonically
/// non-decreasing" (for every sigma, also 0); so does this crate.
#[test]
fn resampled_isi_decreasing_grid_is_an_error() {
    let sd = SpikeData::new(
        vec![vec![1.0, 5.0, 9.0, 30.0], vec![2.0, 3.0]],
        Options::length(50.0),
    )
    .unwrap();
    let grid: Vec<f64> = (0..20).map(|k| 40.0 - 2.0 * k as f64).collect();
    for sigma in [10.0, 0.0, 2.5] {
        match sd.resampled_isi(&grid, sigma) {
            Err(SpikeDataError::InvalidArgument(m)) => {
                assert!(m.contains("monotonically non-decreasing"), "{m}")
            }
            other => panic!("sigma {sigma}: expected an error, got {other:?}"),
        }
    }
    // units with fewer than 2 spikes do not skip the check (spikelab checks in RateData)
    let sparse = SpikeData::new(vec![vec![1.0]], Options::length(50.0)).unwrap();
    assert!(sparse.resampled_isi(&grid, 0.0).is_err());
    assert!(sd.resampled_isi(&[0.0, f64::NAN], 0.0).is_err());
    // the increasing grid still works: 1000 / 4 Hz between the spikes at 1 and 5 ms
    let up: Vec<f64> = grid.iter().rev().copied().collect();
    let r = sd.resampled_isi(&up, 0.0).unwrap();
    assert_eq!(r.rates[[0, 1]], 250.0);
}

/// Zero units: spikelab's `np.array([])` rate array becomes `(0, 1)` and its `RateData`
/// rejects it unless the grid has one point; so does this crate.
#[test]
fn resampled_isi_without_units_matches_spikelab() {
    let sd = SpikeData::new(Vec::new(), Options::length(100.0)).unwrap();
    let grid: Vec<f64> = (0..20).map(|k| 5.0 * k as f64).collect();
    match sd.resampled_isi(&grid, 10.0) {
        Err(SpikeDataError::InvalidArgument(m)) => {
            assert!(m.contains("Number of columns"), "{m}")
        }
        other => panic!("expected an error, got {other:?}"),
    }
    assert!(sd.resampled_isi(&[], 10.0).is_err());
    let one = sd.resampled_isi(&[50.0], 10.0).unwrap();
    assert_eq!(one.rates.dim(), (0, 1));
}

/// Edge case 2: A negative count in `from_raster`: spikelab returns an empty unit
/// (`from_raster([[1, -2, 0]], 1.0).train == [[0.5]]`, the -2 silently lost); here it is
/// an error that names the cell.
#[test]
fn from_raster_negative_count_is_an_error() {
    let r = array![[1i64, -2, 0]];
    match SpikeData::from_raster(&r, 1.0, Options::default()) {
        Err(SpikeDataError::InvalidArgument(m)) => assert!(m.contains("(0, 1)"), "{m}"),
        other => panic!("expected an error, got {other:?}"),
    }
    let ok = SpikeData::from_raster(&array![[1i64, 0, 0]], 1.0, Options::default()).unwrap();
    assert_eq!(ok.train(0), Some(&[0.5][..]));
}

/// Edge case 3: npz and a zero-length window: the window is written as it is (start = end), and on
/// reading, as pynapple's `load_file`, spikes outside the normalised time support are
/// dropped; an empty support drops them all. The files are checked by pynapple in the
/// golden script (`rust_written/pynapple_check.json`).
#[test]
fn npz_zero_length_window_matches_pynapple() {
    let sd = SpikeData::new(vec![vec![5.0], vec![5.0, 5.0]], Options::window(5.0, 0.0)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("zero.npz");
    sd.write_npz(&p).unwrap();
    let back = SpikeData::read_npz(&p).unwrap();
    assert_eq!(back.n_units(), 2);
    assert_eq!(back.spike_count(), 0, "pynapple restricts every spike away");
    assert_eq!((back.start_time(), back.length()), (5.0, 0.0));

    // spikes outside a two-interval support (pynapple: unit 0 -> [], unit 1 -> [0.003])
    let g = TsGroup {
        keys: vec![0, 1],
        ts: vec![vec![0.001, 0.0045], vec![0.003, 0.007]],
        time_support: IntervalSet::new(&[0.002, 0.006], &[0.004, 0.0065]).unwrap(),
    };
    let q = dir.path().join("restrict.npz");
    write_tsgroup(&q, &g).unwrap();
    let back = SpikeData::read_npz(&q).unwrap();
    assert_eq!(back.trains(), &[vec![], vec![3.0]]);

    let out = rust_written();
    for (name, path) in [("zero_window.npz", &p), ("restrict_tsgroup.npz", &q)] {
        let new = std::fs::read(path).unwrap();
        if std::env::var_os("SPIKEDATA_WRITE_FIXTURES").is_some() {
            std::fs::write(out.join(name), &new).unwrap();
        }
        assert_eq!(
            std::fs::read(out.join(name)).unwrap(),
            new,
            "{name} changed"
        );
    }
    let text = std::fs::read_to_string(out.join("pynapple_check.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["zero_window.npz"]["t"], json!([[], []]));
    assert_eq!(v["zero_window.npz"]["start"], json!([]));
    assert_eq!(v["restrict_tsgroup.npz"]["t"], json!([[], [0.003]]));
    assert_eq!(
        v["zip64_tsgroup.npz"]["t"],
        json!([[0.001, 0.25, 0.9005], [], [0.0, 0.25, 1.0]])
    );
}

/// Edge case 4: Zero bins but spikes: spikelab builds a CSR matrix with column -1 (`binned` then
/// aborts the interpreter with "corrupted double-linked list"); here both are errors.
#[test]
fn zero_bins_with_spikes_is_an_error() {
    let sd = SpikeData::new(vec![vec![0.0]], Options::length(0.0)).unwrap();
    for r in [
        sd.sparse_raster(1.0, 0.0).map(|_| ()),
        sd.binned(1.0).map(|_| ()),
    ] {
        match r {
            Err(SpikeDataError::InvalidArgument(m)) => assert!(m.contains("zero bins"), "{m}"),
            other => panic!("expected an error, got {other:?}"),
        }
    }
    // time_offset = -length leaves zero bins too
    let sd = SpikeData::new(vec![vec![1.0]], Options::length(10.0)).unwrap();
    assert!(sd.sparse_raster(1.0, -10.0).is_err());
    // zero bins and no spike is an empty raster, as spikelab
    let empty = SpikeData::new(vec![vec![]], Options::length(0.0)).unwrap();
    let r = empty.sparse_raster(1.0, 0.0).unwrap();
    assert_eq!((r.n_units, r.n_bins), (1, 0));
    assert_eq!(empty.binned(1.0).unwrap(), Vec::<u64>::new());
}
