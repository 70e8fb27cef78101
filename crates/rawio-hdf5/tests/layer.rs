//! The HDF5 layer on h5py-written files: `testdata/hdf5/layer.h5`
//! (`testdata/generate/hdf5_fixtures.py`), SpikeLab-style files
//! (`testdata/generate/spikedata_loader_fixtures.py`) and NWB fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::single_range_in_vec_init
)]

use rawio_core::{ChannelIndexes, Dtype, Error, ErrorKind};
use rawio_hdf5::{
    ElementType, H5File, Link, MemberKind, OpenOptions, Record, SignalData, Value, sniff,
};
use std::path::{Path, PathBuf};

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel)
}

fn open(rel: &str) -> H5File {
    H5File::open(testdata(rel), "test", &OpenOptions::default()).unwrap()
}

fn loader(name: &str) -> H5File {
    open(&format!("spikedata/loaders/{name}"))
}

#[test]
fn members_in_creation_order_with_link_kinds() {
    let f = open("hdf5/layer.h5");
    // /data tracks creation order: zeta, alpha, mid, numbers (not by name)
    let g = f.group("data").unwrap();
    let names: Vec<String> = g.members().unwrap().into_iter().map(|m| m.name).collect();
    assert_eq!(names, ["zeta", "alpha", "mid", "numbers"]);
    // the walk lists by name (h5py's order)
    let walked: Vec<String> = f
        .members("/data")
        .unwrap()
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert_eq!(walked, ["alpha", "mid", "numbers", "zeta"]);
    // a soft link, with its target, listed once at the link
    let alias = f.group("/data/alpha").unwrap().members().unwrap();
    assert_eq!(alias[0].kind, MemberKind::Dataset);
    assert_eq!(
        alias[0].link,
        Link::Soft {
            target: "/data/zeta/signal".into()
        }
    );
    let o = f
        .objects()
        .iter()
        .find(|o| o.path == "/data/alpha/alias")
        .unwrap();
    assert!(o.soft);
    // the alias reads the target's data
    let a = f.dataset("/data/alpha/alias").unwrap();
    assert_eq!(a.shape(), [100, 4]);
    assert_eq!(
        a.address(),
        f.dataset("/data/zeta/signal").unwrap().address()
    );
    assert_eq!(a.name(), "alias");
    assert_eq!(f.root().unwrap().name(), "/");
    assert_eq!(f.kind("/data/zeta"), Some(MemberKind::Group));
    assert_eq!(f.kind("/nope"), None);
}

#[test]
fn attributes_of_every_scalar_type() {
    let f = open("hdf5/layer.h5");
    let root = f.attributes("/").unwrap();
    assert_eq!(root.text("format").as_deref(), Some("demo"));
    assert_eq!(root.get("version").unwrap().read_i64s().unwrap(), [1, 2, 3]);
    let s = f.dataset("/data/zeta/signal").unwrap();
    let a = s.attributes();
    assert_eq!(a.text("unit").as_deref(), Some("mV"));
    assert_eq!(a.f64("scale"), Some(0.5));
    assert_eq!(
        a.get("coefficients").unwrap().read_f64s().unwrap(),
        [0.25, 2.0]
    );
    // u64 exactly, not through f64
    assert_eq!(
        a.get("count").unwrap().read_values().unwrap(),
        [Value::UInt((1 << 40) + 1)]
    );
    assert_eq!(*a.get("flag").unwrap().element_type(), ElementType::Bool);
    assert_eq!(
        a.get("flag").unwrap().read_values().unwrap(),
        [Value::Bool(true)]
    );
    assert_eq!(a.get("label").unwrap().read_string().unwrap(), "fixed");
    assert_eq!(
        a.get("coefficients").unwrap().to_json(),
        serde_json::json!([0.25, 2.0])
    );
    // a reference attribute resolves to the target's path
    let d = f.group("/data").unwrap().attributes().unwrap();
    assert_eq!(d.reference("ref").as_deref(), Some("/data/mid"));
    assert_eq!(
        f.group("/data")
            .unwrap()
            .attribute("ref")
            .unwrap()
            .unwrap()
            .read_ref()
            .unwrap(),
        Some("/data/mid".into())
    );
    // wrong-type reads are errors naming the object and the attribute
    let e = a.get("unit").unwrap().read_f64().unwrap_err().to_string();
    assert!(
        e.contains("/data/zeta/signal") && e.contains("attribute unit"),
        "{e}"
    );
    assert!(a.get("scale").unwrap().read_string().is_err());
}

#[test]
fn enums_bools_records_references_text() {
    let f = open("hdf5/layer.h5");
    let e = f.dataset("enum").unwrap();
    assert_eq!(*e.element_type(), ElementType::Enum(Dtype::Int8));
    assert_eq!(e.read_i64().unwrap(), [0, 5, 1, 7]);
    let v = e.read_values().unwrap();
    assert_eq!(
        v[1],
        Value::Enum {
            value: 5,
            name: Some("C".into())
        }
    );
    assert_eq!(
        v[3],
        Value::Enum {
            value: 7,
            name: None
        }
    );
    let b = f.dataset("bools").unwrap();
    assert_eq!(*b.element_type(), ElementType::Bool);
    assert_eq!(b.read_i64().unwrap(), [1, 0, 1]);
    assert_eq!(b.read_values().unwrap()[1], Value::Bool(false));
    let r = f.dataset("records").unwrap().read_records().unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].get("idx"), Some(&Value::Int(3)));
    assert_eq!(r[1].get("value"), Some(&Value::Float(-0.25)));
    assert_eq!(r[1].get("name"), Some(&Value::Text("second".into())));
    assert_eq!(
        r[1].get("target"),
        Some(&Value::Ref(Some("/data/zeta/signal".into())))
    );
    assert_eq!(
        r[0].to_json(),
        serde_json::json!({"idx": 3, "value": 1.5, "name": "first", "target": "/data/zeta"})
    );
    assert_eq!(
        f.dataset("refs").unwrap().read_refs().unwrap(),
        [Some("/data/zeta".into()), Some("/data/zeta/signal".into())]
    );
    assert_eq!(
        f.dataset("text").unwrap().read_strings().unwrap(),
        ["alpha", "beta", "gamma"]
    );
    assert_eq!(f.dataset("fixed").unwrap().read_string().unwrap(), "scalar");
    assert!(f.dataset("text").unwrap().read_f64().is_err());
    assert!(f.dataset("records").unwrap().read_f64().is_err());
    let _ = Record::default();
}

#[test]
fn hyperslabs_and_signal_chunks() {
    let f = open("hdf5/layer.h5");
    let s = f.dataset("/data/zeta/signal").unwrap();
    assert_eq!(s.chunk_shape(), Some(vec![10, 4]));
    let h = s.read_hyperslab(&[15..18, 1..3]).unwrap();
    assert_eq!(h.shape(), [3, 2]);
    assert_eq!(h.as_typed::<i16>().unwrap()[[0, 0]], 15 * 4 + 1);
    assert!(matches!(
        s.read_hyperslab(&[0..101]).unwrap_err(),
        Error::OutOfRange { .. }
    ));
    assert!(s.read_hyperslab(&[0..1, 3..5]).is_err());
    let sig = SignalData::new(s).unwrap();
    assert_eq!(
        (sig.samples(), sig.channels(), sig.dtype()),
        (100, 4, Dtype::Int16)
    );
    let c = sig.read(98..100, &ChannelIndexes::Range(0..4)).unwrap();
    assert_eq!(c.as_typed::<i16>().unwrap()[[1, 3]], 99 * 4 + 3);
    let c = sig
        .read(0..3, &ChannelIndexes::List(vec![3, 1, 1]))
        .unwrap();
    assert_eq!(c.shape(), [3, 3]);
    assert_eq!(c.as_typed::<i16>().unwrap().row(2).to_vec(), [11, 9, 9]);
    assert!(sig.read(0..3, &ChannelIndexes::Range(2..5)).is_err());
    // 1-D: one channel, contiguous storage
    let one = SignalData::new(f.dataset("/data/zeta/signal1d").unwrap()).unwrap();
    assert_eq!(one.channels(), 1);
    assert!(one.dataset().chunk_shape().is_none());
    let c = one.read(4..6, &ChannelIndexes::List(vec![0, 0])).unwrap();
    assert_eq!(c.as_typed::<f32>().unwrap().row(1).to_vec(), [1.25, 1.25]);
    // empty selections and empty datasets
    assert_eq!(
        one.read(5..5, &ChannelIndexes::Range(0..1))
            .unwrap()
            .shape(),
        [0, 1]
    );
    let e = f.dataset("empty").unwrap();
    assert_eq!(e.read_raw().unwrap().shape(), [0, 3]);
    // not a signal: text, or 3 channels of records
    assert_eq!(
        SignalData::new(f.dataset("text").unwrap())
            .unwrap_err()
            .kind(),
        ErrorKind::Unsupported
    );
}

#[test]
fn sniff_reads_root_attributes_only() {
    let root = sniff(&testdata("hdf5/layer.h5")).unwrap();
    assert_eq!(root.text("format"), Some("demo"));
    assert_eq!(
        root.get("version").unwrap(),
        [Value::Int(1), Value::Int(2), Value::Int(3)]
    );
    let nwb = sniff(&testdata("nwb/ecephys.nwb")).unwrap();
    assert_eq!(nwb.text("neurodata_type"), Some("NWBFile"));
    assert_eq!(nwb.text("nwb_version"), Some("2.11.0"));
    assert!(sniff(&testdata("spikedata/loaders/ks_info/params.py")).is_none());
    assert!(
        sniff(&testdata("nwb/bare_units.h5"))
            .unwrap()
            .values
            .is_empty()
    );
}

// ---- ported from rawio-nwb's `hdf5` module tests

#[test]
fn members_shapes_values_attributes() {
    let f = loader("raster.h5");
    let m = f.members("/").unwrap();
    let names: Vec<&str> = m.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["raster", "raw", "raw_time"]);
    assert!(m.iter().all(|m| m.kind == MemberKind::Dataset));
    let raster = f.dataset("raster").unwrap();
    assert_eq!(raster.shape(), [5, 120]);
    assert_eq!(*raster.element_type(), ElementType::Numeric(Dtype::Int32));
    let r = raster.read_i64_array().unwrap();
    assert_eq!(r.shape, vec![5, 120]);
    assert_eq!(r.values.len(), 600);
    assert!(r.values[120..240].iter().all(|&v| v == 0)); // unit 1 is empty
    assert_eq!(r.values[240], 3);
    let t = f.dataset("raw_time").unwrap().read_f64_array().unwrap();
    assert_eq!(t.values[0], -0.05);
    let raw = f.dataset("raw").unwrap();
    assert_eq!(*raw.element_type(), ElementType::Numeric(Dtype::Float32));
    // floats are not integers
    let e = raw.read_i64().unwrap_err().to_string();
    assert!(e.contains("/raw") && e.contains("raster.h5"), "{e}");
    let a = f.attributes("/").unwrap();
    assert_eq!(a.f64("start_time"), Some(-50.0));
    assert_eq!(a.f64("length_ms"), Some(123.0));
    assert!(a.get("nope").is_none());
    assert_eq!(
        a.get("gains").unwrap().to_json(),
        serde_json::json!([[0.5, 1.0], [2.0, 4.0]])
    );
    assert_eq!(
        raster.attribute("shape_hint").unwrap().to_json(),
        serde_json::json!([5, 120])
    );

    // groups, a compressed dataset, u64 index, empty attributes
    let f = loader("ragged_lz_samples.h5");
    assert!(f.is_group("sorting") && !f.is_dataset("sorting"));
    assert_eq!(f.members("/").unwrap()[0].kind, MemberKind::Group);
    let idx = f
        .dataset("/sorting/index")
        .unwrap()
        .read_i64_array()
        .unwrap();
    assert_eq!(idx.values.first(), Some(&0));
    assert_eq!(idx.shape, vec![5]);
    let f = loader("ragged_s.h5");
    let st = f.dataset("spike_times").unwrap().read_f64().unwrap();
    let ixd = f.dataset("spike_times_index").unwrap();
    let ix = ixd.read_i64().unwrap();
    assert_eq!(*ixd.element_type(), ElementType::Numeric(Dtype::Uint64));
    assert_eq!(ix.last().map(|&v| v as usize), Some(st.len()));
    assert!(f.attributes("spike_times").unwrap().is_empty());
}

#[test]
fn errors_name_format_file_and_object() {
    let f = loader("group.h5");
    let e = f.dataset("/units/99").unwrap_err();
    assert!(e.to_string().contains("/units/99"), "{e}");
    assert!(e.to_string().contains("test"), "{e}"); // the caller's format id
    assert!(f.members("/units/0").is_err()); // a dataset, not a group
    assert!(matches!(
        f.members("/missing").unwrap_err(),
        Error::NotFound { .. }
    ));
    assert!(f.attributes("/missing").is_err());
    assert!(f.group("units").unwrap().dataset("99").is_err());
    let e = H5File::open(
        testdata("spikedata/loaders/nope.h5"),
        "x",
        &OpenOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("nope.h5"), "{e}");
    let e = H5File::open(
        testdata("spikedata/loaders/ks_info/params.py"),
        "x",
        &OpenOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("params.py"), "{e}");
    // an unknown filter names itself and the dataset
    let f = open("nwb/blosc.h5");
    let e = f
        .dataset("/acquisition/blosc_series/data")
        .unwrap()
        .read_rows(0..10)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    let msg = e.to_string();
    assert!(
        msg.contains("HDF5 filter 32001") && msg.contains("blosc_series/data"),
        "{msg}"
    );
}

#[test]
fn array_and_text_attributes() {
    // pynwb writes `colnames` (text array) on tables
    let f = loader("nwb_units.nwb");
    let a = f.attributes("/units").unwrap();
    assert_eq!(a.text("neurodata_type").as_deref(), Some("Units"));
    assert!(
        a.strings("colnames")
            .unwrap()
            .contains(&"spike_times".to_owned())
    );
    let q = f.dataset("/units/quality").unwrap();
    assert_eq!(*q.element_type(), ElementType::Text);
    assert!(q.read_f64().is_err());
    let st = f.attributes("/acquisition/raw/starting_time").unwrap();
    assert_eq!(st.f64("rate"), Some(1000.0));
    // references in a dataset resolve to group paths
    let g = f
        .dataset("/general/extracellular_ephys/electrodes/group")
        .unwrap()
        .read_refs()
        .unwrap();
    assert!(
        g[0].as_deref()
            .unwrap()
            .starts_with("/general/extracellular_ephys/")
    );
}

#[test]
fn lzf_zstd_and_external_links() {
    // LZF (h5py 32000) and Zstd (hdf5plugin 32015) decode
    let f = open("nwb/lzf.h5");
    let ds = f
        .objects()
        .iter()
        .find(|o| o.path.ends_with("/data") && o.kind == MemberKind::Dataset)
        .map(|o| o.path.clone())
        .unwrap();
    let c = f.dataset(&ds).unwrap().read_rows(3990..4000).unwrap();
    assert_eq!(c.as_typed::<i16>().unwrap()[[9]], 3999 / 7);
    let f = open("nwb/zstd.h5");
    let z = f.dataset("/acquisition/zstd_shuffle/data").unwrap();
    assert_eq!(z.read_rows(0..1).unwrap().shape(), [1, 3]);
    // an external link: its member kind and the target's data
    let f = open("nwb/extlink/external_link.nwb");
    assert!(
        f.objects()
            .iter()
            .any(|o| o.path.starts_with("/acquisition/"))
    );
    let missing = H5File::open(
        testdata("nwb/missing_link.nwb"),
        "x",
        &OpenOptions::default(),
    )
    .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert!(
        missing.to_string().contains("does_not_exist.nwb"),
        "{missing}"
    );
}

#[test]
fn declared_sizes_point_at_dataspace_dimensions() {
    let path = rawio_conformance_free_testdata("hdf5/layer.h5");
    let found = rawio_hdf5::declared::declared_sizes(&path, std::path::Path::new("layer.h5"));
    assert!(found.len() >= 4, "{found:?}");
    let bytes = std::fs::read(&path).unwrap();
    let f = rawio_hdf5::H5File::open(&path, "test", &Default::default()).unwrap();
    let dims: std::collections::HashSet<u64> = f
        .objects()
        .iter()
        .filter_map(|o| f.dataset(&o.path).ok())
        .flat_map(|d| d.shape().to_vec())
        .collect();
    assert!(found.iter().all(|d| d.what.contains("HDF5 dataspace")));
    // every dataset dimension of the file is listed at least once
    for d in dims {
        assert!(
            found.iter().any(|x| {
                let at = x.offset as usize;
                u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) == d
            }),
            "dimension {d} not found"
        );
    }
}

fn rawio_conformance_free_testdata(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel)
}

#[test]
fn partial_walks_stored_extents_region_references() {
    // a dangling external link: open fails naming it, open_partial lists it and goes on
    let p = testdata("nwb/missing_link.nwb");
    let e = H5File::open(&p, "x", &OpenOptions::default()).unwrap_err();
    assert!(
        e.to_string().contains("/acquisition/linked_raw/data"),
        "{e}"
    );
    let f = H5File::open_partial(&p, "x", &OpenOptions::default()).unwrap();
    let u = f.unreadable();
    assert_eq!(u.len(), 1);
    assert_eq!(u[0].path, "/acquisition/linked_raw/data");
    assert_eq!(u[0].error.kind(), ErrorKind::NotFound);
    assert!(u[0].error.to_string().contains("does_not_exist.nwb"));
    assert!(f.is_dataset("/acquisition/linked_raw/starting_time"));
    // stored extents: chunked (the allocated chunks), contiguous (the shape)
    let f = open("nwb/ecephys.nwb");
    let d = f.dataset("/acquisition/ElectricalSeries/data").unwrap();
    assert_eq!(d.chunk_shape(), Some(vec![1000, 8]));
    assert_eq!(d.stored_extent().unwrap(), [30000, 8]);
    let id = f.dataset("/units/id").unwrap();
    assert_eq!(id.stored_extent().unwrap(), id.shape());
    // region references (MatNWB's NWB 2.0b ragged index): hyperslabs of spike_times
    let f = open("nwb/layouts/matnwb_2_0b.nwb");
    let idx = f.dataset("/units/spike_times_index").unwrap();
    assert_eq!(*idx.element_type(), ElementType::RegionRef);
    let refs = idx.read_region_refs().unwrap();
    let runs: Vec<Vec<std::ops::Range<u64>>> = refs
        .iter()
        .map(|r| {
            let r = r.as_ref().unwrap();
            assert_eq!(r.path.as_deref(), Some("/units/spike_times"));
            r.selection.ranges_1d(5).unwrap()
        })
        .collect();
    assert_eq!(runs, vec![vec![0..3], vec![], vec![3..5]]);
    assert!(f.dataset("/units/id").unwrap().read_region_refs().is_err());
    // the root's members, cheaply
    assert_eq!(
        rawio_hdf5::sniff_members(&testdata("nwb/bare_units.h5")).unwrap(),
        ["units"]
    );
    assert_eq!(rawio_hdf5::sniff_members(&testdata("nwb/nope.h5")), None);
}

#[test]
fn an_empty_selection_of_a_huge_declared_shape_is_an_error() {
    // fuzz finding (spikedata_hdf5, testdata/hdf5/regressions/empty_by_huge_rows.h5: a
    // mutated SpikeLab raster file, kept as found): `/raw` declares 2^64 - 3 rows by 0 columns.
    // No element, but no array can have that shape: ndarray panicked; now an error naming it.
    let f = open("hdf5/regressions/empty_by_huge_rows.h5");
    let e = f.dataset("/raw").unwrap().read_f64_array().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt, "{e}");
    assert!(e.to_string().contains("/raw"), "{e}");
    assert!(e.to_string().contains("too large"), "{e}");
}
