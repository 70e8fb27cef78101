//! The exporters write what SpikeLab (and this crate's loaders) read back. The files are
//! committed in `testdata/spikedata/rust_written/export/` (rewrite them with
//! `SPIKEDATA_WRITE_FIXTURES=1`), and the golden script records what spikelab 0.1.2's
//! loaders make of them in `rust_written/spikelab_check.json`, asserted here.
#![cfg(all(
    feature = "hdf5-export",
    feature = "hdf5",
    feature = "nwb",
    feature = "phy"
))]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
use common::*;

use ndarray::array;
use serde_json::{Value, json};
use spikedata::{
    Attrs, ExportUnit, Hdf5Export, Hdf5Layout, Hdf5Options, Hdf5Raw, Hdf5Style, KilosortExport,
    KilosortOptions, NwbOptions, Options, RawSignal, SpikeData, TimeUnit,
};
use std::path::{Path, PathBuf};

fn source() -> SpikeData {
    let attrs: Vec<Attrs> = [
        (3, [10.0, 20.0]),
        (1, [0.0, 40.5]),
        (3, [10.0, 20.0]),
        (7, [5.0, -2.0]),
    ]
    .iter()
    .enumerate()
    .map(|(i, (e, loc))| {
        json!({"unit_id": i, "electrode": e, "location": loc})
            .as_object()
            .unwrap()
            .clone()
    })
    .collect();
    let raw = RawSignal::new(
        array![[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 0.25, 8.0]],
        vec![0.0, 1.0, 2.0, 3.0],
    )
    .unwrap();
    SpikeData::new(
        vec![
            vec![0.0, 1.5, 250.0, 999.9],
            vec![],
            vec![3.0, 3.0, 512.25],
            vec![0.1, 1000.0],
        ],
        Options {
            length: Some(1000.0),
            unit_attrs: Some(attrs),
            raw: Some(raw),
            ..Options::default()
        },
    )
    .unwrap()
}

fn out_dir() -> PathBuf {
    testdata().join("rust_written/export")
}

/// Every file of `dir` (recursively), relative path → bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn write_all(sd: &SpikeData, dir: &Path) {
    let h = |style| Hdf5Export::new(style);
    sd.to_hdf5(dir.join("ragged_s.h5"), &h(Hdf5Style::ragged()))
        .unwrap();
    let mut e = h(Hdf5Style::Ragged {
        times: "st".into(),
        index: "sti".into(),
        unit: ExportUnit::Samples,
    });
    e.fs_hz = Some(30000.0);
    e.raw = Some(("raw".into(), "raw_t".into(), ExportUnit::Milliseconds));
    sd.to_hdf5(dir.join("ragged_samples_raw.h5"), &e).unwrap();
    let group = Hdf5Style::Group {
        group: "units".into(),
        unit: ExportUnit::Milliseconds,
    };
    sd.to_hdf5(dir.join("group_ms.h5"), &h(group.clone()))
        .unwrap();
    // no units: the (empty) group is written all the same, as SpikeLab
    let empty = SpikeData::new(Vec::new(), spikedata::Options::length(100.0)).unwrap();
    empty
        .to_hdf5(dir.join("group_empty.h5"), &h(group))
        .unwrap();
    let paired = Hdf5Style::Paired {
        idces: "idces".into(),
        times: "times".into(),
        unit: ExportUnit::Milliseconds,
    };
    sd.to_hdf5(dir.join("paired_ms.h5"), &h(paired)).unwrap();
    let raster = Hdf5Style::Raster {
        dataset: "raster".into(),
        bin_size_ms: 2.5,
    };
    sd.to_hdf5(dir.join("raster.h5"), &h(raster)).unwrap();
    sd.to_nwb(dir.join("units.nwb")).unwrap();
    sd.to_kilosort(dir.join("kilosort"), &KilosortExport::new(30000.0))
        .unwrap();
    let mut k = KilosortExport::new(30000.0);
    k.time_unit = ExportUnit::Milliseconds;
    sd.to_kilosort(dir.join("kilosort_ms"), &k).unwrap();
}

#[test]
fn exporters_write_what_spikelab_reads() {
    let sd = source();
    let tmp = tempfile::tempdir().unwrap();
    write_all(&sd, tmp.path());
    // deterministic bytes, equal to the committed files spikelab was run on
    let fresh = files(tmp.path());
    if std::env::var_os("SPIKEDATA_WRITE_FIXTURES").is_some() {
        let _ = std::fs::remove_dir_all(out_dir());
        std::fs::create_dir_all(out_dir()).unwrap();
        write_all(&sd, &out_dir());
    }
    assert_eq!(
        files(&out_dir()),
        fresh,
        "exported files changed: rerun the golden script"
    );

    let text =
        std::fs::read_to_string(testdata().join("rust_written/spikelab_check.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let trains_ms: Vec<Vec<f64>> = sd.trains().to_vec();
    let samples = |t: &[f64]| -> Vec<f64> {
        t.iter()
            .map(|x| (x * 30.0).round_ties_even() / 30000.0 * 1e3)
            .collect()
    };
    for (name, want) in [
        (
            "ragged_s.h5",
            trains_ms
                .iter()
                .map(|t| t.iter().map(|x| x / 1e3 * 1e3).collect())
                .collect::<Vec<Vec<f64>>>(),
        ),
        (
            "ragged_samples_raw.h5",
            trains_ms.iter().map(|t| samples(t)).collect(),
        ),
        ("group_ms.h5", trains_ms.clone()),
        ("paired_ms.h5", trains_ms.clone()),
        (
            "units.nwb",
            trains_ms
                .iter()
                .map(|t| t.iter().map(|x| x / 1e3 * 1e3).collect())
                .collect(),
        ),
        (
            "kilosort_ms",
            [0, 2, 3].iter().map(|&u| trains_ms[u].clone()).collect(),
        ),
    ] {
        let e = &v[name];
        assert!(
            e.get("error").is_none(),
            "{name}: spikelab failed: {}",
            e["error"]
        );
        let got: Vec<Vec<f64>> = e["trains"].as_array().unwrap().iter().map(fv).collect();
        // (KiloSort folders have no row for a unit without spikes: spikelab drops unit 1)
        assert_eq!(got, want, "{name}: spikelab's trains");
    }
    for name in [
        "ragged_s.h5",
        "group_ms.h5",
        "paired_ms.h5",
        "raster.h5",
        "units.nwb",
    ] {
        assert_eq!(
            v[name]["attrs"],
            json!({"start_time": 0.0, "length_ms": 1000.0}),
            "{name}"
        );
    }
    assert_eq!(
        v["ragged_samples_raw.h5"]["raw_data"],
        json!([[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 0.25, 8.0]])
    );
    assert_eq!(
        v["ragged_samples_raw.h5"]["raw_time"],
        json!([0.0, 1.0, 2.0, 3.0])
    );
    // the empty group file: spikelab reads it as N = 0 (its loader needs the group)
    let ge = &v["group_empty.h5"];
    assert!(ge.get("error").is_none(), "group_empty: {}", ge["error"]);
    assert_eq!(
        (ge["n"].as_u64(), &ge["objects"]),
        (Some(0), &json!(["units"]))
    );
    assert_eq!(ge["attrs"], json!({"start_time": 0.0, "length_ms": 100.0}));
    // raster: spikelab's from_raster spreads the counts inside each 2.5 ms bin
    let r = &v["raster.h5"];
    assert!(r.get("error").is_none(), "raster: {}", r["error"]);
    let counts: Vec<usize> = r["trains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_array().unwrap().len())
        .collect();
    assert_eq!(counts, vec![4, 0, 3, 2]);
    // NWB electrodes and locations (spikelab's h5py path: electrode = row of the table)
    assert_eq!(
        v["units.nwb"]["objects"],
        json!([
            "general",
            "general/extracellular_ephys",
            "general/extracellular_ephys/electrodes",
            "general/extracellular_ephys/electrodes/id",
            "general/extracellular_ephys/electrodes/x",
            "general/extracellular_ephys/electrodes/y",
            "units",
            "units/electrodes",
            "units/electrodes_index",
            "units/id",
            "units/spike_times",
            "units/spike_times_index"
        ])
    );
    // KiloSort samples: rint(ms · 30)
    let ks: Vec<Vec<f64>> = v["kilosort"]["trains"]
        .as_array()
        .unwrap()
        .iter()
        .map(fv)
        .collect();
    let want: Vec<Vec<f64>> = [0, 2, 3].iter().map(|&u| samples(&trains_ms[u])).collect();
    assert_eq!(
        ks, want,
        "kilosort: spikelab drops the empty unit 1 (no spikes, no cluster)"
    );
    assert_eq!(v["kilosort"]["electrodes"], json!([3, 3, 7]));

    // and this crate's loaders read them back
    let dir = out_dir();
    let ragged = Hdf5Layout::Ragged {
        times: "spike_times".into(),
        index: "spike_times_index".into(),
        unit: TimeUnit::Seconds,
        n_units: Some(4),
    };
    let back = SpikeData::from_hdf5(dir.join("ragged_s.h5"), &Hdf5Options::new(ragged)).unwrap();
    assert_eq!(
        back.trains(),
        v["ragged_s.h5"]["trains"]
            .as_array()
            .unwrap()
            .iter()
            .map(fv)
            .collect::<Vec<_>>()
            .as_slice()
    );
    assert_eq!((back.start_time(), back.length()), (0.0, 1000.0));
    let mut o = Hdf5Options::new(Hdf5Layout::Ragged {
        times: "st".into(),
        index: "sti".into(),
        unit: TimeUnit::Samples(30000.0),
        n_units: Some(4),
    });
    o.raw = Some(Hdf5Raw {
        dataset: "raw".into(),
        time_dataset: "raw_t".into(),
        time_unit: TimeUnit::Milliseconds,
    });
    let back = SpikeData::from_hdf5(dir.join("ragged_samples_raw.h5"), &o).unwrap();
    assert_eq!(back.raw(), sd.raw());
    let paired = Hdf5Layout::Paired {
        idces: "idces".into(),
        times: "times".into(),
        unit: TimeUnit::Milliseconds,
    };
    let back = SpikeData::from_hdf5(dir.join("paired_ms.h5"), &Hdf5Options::new(paired)).unwrap();
    assert_eq!(back.trains(), trains_ms.as_slice(), "paired");
    let nwb = SpikeData::from_nwb(dir.join("units.nwb"), &NwbOptions::default()).unwrap();
    assert_eq!(nwb.n_units(), 4);
    let ks = SpikeData::from_kilosort(dir.join("kilosort"), &KilosortOptions::default()).unwrap();
    assert_eq!(ks.spike_count(), sd.spike_count());
}
