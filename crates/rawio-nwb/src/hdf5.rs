//! Plain read-only access to any HDF5 file (not only NWB), in pure Rust.
//!
//! A small public face of the crate's HDF5 layer for loaders of generic HDF5 layouts (such as
//! SpikeLab's raster / ragged / group-per-unit / paired spike files): open a file, list a
//! group's members, read a numeric dataset whole as `f64` or `i64` together with its shape,
//! and read attributes as JSON. The filters, links and types are those of the NWB reader
//! (see the crate documentation): soft links are followed, external links resolved relative
//! to the file, and a filter that is not supported is an error naming it, never wrong values.
//! Errors are [`rawio_core::Error`]s naming the file and the dataset.
//!
//! ```no_run
//! use rawio_nwb::hdf5::{Hdf5File, MemberKind};
//!
//! # fn main() -> rawio_core::Result<()> {
//! let f = Hdf5File::open("spikes.h5")?;
//! for m in f.members("/")? {
//!     println!("{} ({:?})", m.name, m.kind);
//! }
//! let times = f.read_f64("/spike_times")?; // any numeric dtype, widened
//! let index = f.read_i64("/spike_times_index")?; // integer datasets only, exact
//! println!("{:?} {} values; index {:?}", times.shape, times.values.len(), index.values);
//! let start = f.attr("/", "start_time")?; // Option<serde_json::Value>
//! # let _ = (start, MemberKind::Group);
//! # Ok(()) }
//! ```

use crate::h5::{Elem, FORMAT_ID, H5File, NodeKind};
use rawio_core::{Dtype, Error, RawArray, Result};
use serde_json::Value;
use std::path::Path;

/// Whether a group member is a group or a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberKind {
    /// A group.
    Group,
    /// A dataset.
    Dataset,
}

/// One member of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's name (the last path component).
    pub name: String,
    /// Group or dataset.
    pub kind: MemberKind,
}

/// The element type of a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElementType {
    /// One of the ten numeric dtypes.
    Numeric(Dtype),
    /// h5py's bool (an enum of FALSE/TRUE), read as 0/1.
    Bool,
    /// Another enum over an integer type, read as its integer values.
    Enum(Dtype),
    /// Fixed or variable-length text.
    Text,
    /// Anything else (references, compounds, opaque, float16...), described.
    Other(String),
}

impl ElementType {
    /// Whether [`Hdf5File::read_i64`] accepts the type (integers, bools, integer enums).
    pub fn is_integer(&self) -> bool {
        match self {
            ElementType::Numeric(d) => !d.is_float(),
            ElementType::Bool | ElementType::Enum(_) => true,
            _ => false,
        }
    }

    /// Whether [`Hdf5File::read_f64`] accepts the type.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            ElementType::Numeric(_) | ElementType::Bool | ElementType::Enum(_)
        )
    }
}

/// A whole dataset read into memory: values flattened in C (row-major) order.
#[derive(Debug, Clone, PartialEq)]
pub struct Array<T> {
    /// The dataset's shape (`[]` for a scalar, which has one value).
    pub shape: Vec<usize>,
    /// `shape.iter().product()` values, row-major.
    pub values: Vec<T>,
}

/// A read-only HDF5 file. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Hdf5File {
    h: H5File,
}

impl std::fmt::Debug for Hdf5File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hdf5File")
            .field("path", &self.h.path())
            .finish()
    }
}

/// `/a/b` form of a user path (`a/b`, `/a/b/`, `/`...).
fn norm(path: &str) -> String {
    let p = path.trim_matches('/');
    if p.is_empty() {
        "/".into()
    } else {
        format!("/{p}")
    }
}

impl Hdf5File {
    /// Opens an HDF5 file and lists its objects (metadata only; no dataset is read).
    pub fn open(path: impl AsRef<Path>) -> Result<Hdf5File> {
        Ok(Hdf5File {
            h: H5File::open(path.as_ref())?,
        })
    }

    /// The file path.
    pub fn path(&self) -> &Path {
        self.h.path()
    }

    fn not_found(&self, what: String) -> Error {
        Error::NotFound {
            format: FORMAT_ID,
            what: format!("{what} in {}", self.h.path().display()),
            looked_for: vec![self.h.path().to_path_buf()],
        }
    }

    /// Whether a group exists at `path` (`/` is the root).
    pub fn is_group(&self, path: &str) -> bool {
        self.h.is_group(&norm(path))
    }

    /// Whether a dataset exists at `path`.
    pub fn is_dataset(&self, path: &str) -> bool {
        self.h.is_dataset(&norm(path))
    }

    /// The members of group `path`, sorted by name (byte order). Fails when `path` is not a
    /// group.
    pub fn members(&self, path: &str) -> Result<Vec<Member>> {
        let p = norm(path);
        if !self.h.is_group(&p) {
            return Err(self.not_found(format!("group {p}")));
        }
        Ok(self
            .h
            .children(&p)
            .into_iter()
            .map(|(name, k)| Member {
                name,
                kind: match k {
                    NodeKind::Group => MemberKind::Group,
                    NodeKind::Dataset => MemberKind::Dataset,
                },
            })
            .collect())
    }

    fn dataset(&self, path: &str) -> Result<(String, crate::h5::Dataset)> {
        let p = norm(path);
        if !self.h.is_dataset(&p) {
            return Err(self.not_found(format!("dataset {p}")));
        }
        let ds = self.h.dataset(&p)?;
        Ok((p, ds))
    }

    /// The shape of dataset `path` (`[]` for a scalar).
    pub fn shape(&self, path: &str) -> Result<Vec<u64>> {
        let (_, ds) = self.dataset(path)?;
        Ok(H5File::shape(&ds))
    }

    /// The element type of dataset `path`.
    pub fn element_type(&self, path: &str) -> Result<ElementType> {
        let (_, ds) = self.dataset(path)?;
        Ok(match H5File::elem(&ds) {
            Elem::Num(d) => ElementType::Numeric(d),
            Elem::Bool => ElementType::Bool,
            Elem::Enum(d) => ElementType::Enum(d),
            Elem::Str => ElementType::Text,
            Elem::ObjRef => ElementType::Other("object reference".into()),
            Elem::Compound => ElementType::Other("compound".into()),
            Elem::Other(s) => ElementType::Other(s),
        })
    }

    fn read_raw(&self, path: &str) -> Result<(String, RawArray<'static, ndarray::IxDyn>)> {
        let (p, ds) = self.dataset(path)?;
        let shape = H5File::shape(&ds);
        let rows = shape.first().copied().unwrap_or(1);
        // `read_rows` handles empty datasets (which hdf5-reader cannot select) and scalars
        let a = self.h.read_rows(&ds, &p, 0, rows, None)?;
        Ok((p, a))
    }

    /// The whole numeric dataset `path` as f64 (integers widened, numpy's `astype(float)`;
    /// bools as 0/1). Text and other types fail with [`Error::Corrupt`] naming the dataset.
    pub fn read_f64(&self, path: &str) -> Result<Array<f64>> {
        let (_, a) = self.read_raw(path)?;
        Ok(Array {
            shape: a.shape().to_vec(),
            values: a.to_f64().into_iter().collect(),
        })
    }

    /// The whole integer (or bool / integer enum) dataset `path` as i64, exactly. Floating
    /// point datasets fail (no silent truncation), as do u64 values above `i64::MAX`.
    pub fn read_i64(&self, path: &str) -> Result<Array<i64>> {
        let (p, a) = self.read_raw(path)?;
        if a.dtype().is_float() {
            return Err(self.h.bad(
                &p,
                format!("expected an integer dataset, found {}", a.dtype()),
            ));
        }
        let shape = a.shape().to_vec();
        let values = rawio_core::dispatch_raw!(&a, x => x
            .iter()
            .map(|&v| {
                let w = rawio_core::Sample::to_i128(v);
                i64::try_from(w).map_err(|_| self.h.bad(&p, format!("value {w} exceeds i64")))
            })
            .collect::<Result<Vec<i64>>>())?;
        Ok(Array { shape, values })
    }

    /// Every attribute of the object (group or dataset) at `path` as JSON: numbers (integers
    /// as integers; NaN/inf as the strings `"NaN"`, `"inf"`, `"-inf"`), bools, strings,
    /// object references as paths, numeric and text arrays as (nested) lists. Attributes of
    /// other types are left out.
    pub fn attrs(&self, path: &str) -> Result<serde_json::Map<String, Value>> {
        let p = norm(path);
        if !self.h.is_group(&p) && !self.h.is_dataset(&p) {
            return Err(self.not_found(format!("object {p}")));
        }
        let attrs = self.h.attrs(&p);
        let mut m = self.h.attrs_json(&attrs);
        for a in &attrs {
            if !m.contains_key(&a.name)
                && let Some(v) = crate::h5::numeric_array_json(a)
            {
                m.insert(a.name.clone(), v);
            }
        }
        Ok(m)
    }

    /// Attribute `name` of the object at `path` as JSON (see [`Hdf5File::attrs`]), `None`
    /// when the object has no such attribute.
    pub fn attr(&self, path: &str, name: &str) -> Result<Option<Value>> {
        Ok(self.attrs(path)?.remove(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// SpikeLab-style HDF5 files written by h5py
    /// (`testdata/generate/spikedata_loader_fixtures.py`).
    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/spikedata/loaders")
            .join(name)
    }

    #[test]
    fn paths_are_normalised() {
        assert_eq!(norm(""), "/");
        assert_eq!(norm("/"), "/");
        assert_eq!(norm("a/b"), "/a/b");
        assert_eq!(norm("/a/b/"), "/a/b");
    }

    #[test]
    fn members_shapes_values_attributes() {
        let f = Hdf5File::open(fixture("raster.h5")).unwrap();
        let m = f.members("/").unwrap();
        let names: Vec<&str> = m.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["raster", "raw", "raw_time"]);
        assert!(m.iter().all(|m| m.kind == MemberKind::Dataset));
        assert_eq!(f.shape("raster").unwrap(), vec![5, 120]);
        assert_eq!(
            f.element_type("/raster").unwrap(),
            ElementType::Numeric(Dtype::Int32)
        );
        let r = f.read_i64("raster").unwrap();
        assert_eq!(r.shape, vec![5, 120]);
        assert_eq!(r.values.len(), 600);
        assert!(r.values[120..240].iter().all(|&v| v == 0)); // unit 1 is empty
        assert_eq!(r.values[240], 3);
        let t = f.read_f64("raw_time").unwrap();
        assert_eq!(t.values[0], -0.05);
        assert_eq!(
            f.element_type("raw").unwrap(),
            ElementType::Numeric(Dtype::Float32)
        );
        // floats are not integers
        let e = f.read_i64("raw").unwrap_err().to_string();
        assert!(e.contains("/raw") && e.contains("raster.h5"), "{e}");
        let a = f.attrs("/").unwrap();
        assert_eq!(a["start_time"], serde_json::json!(-50.0));
        assert_eq!(
            f.attr("/", "length_ms").unwrap(),
            Some(serde_json::json!(123.0))
        );
        assert_eq!(f.attr("/", "nope").unwrap(), None);
        assert_eq!(a["gains"], serde_json::json!([[0.5, 1.0], [2.0, 4.0]]));
        assert_eq!(
            f.attr("raster", "shape_hint").unwrap(),
            Some(serde_json::json!([5, 120]))
        );

        // groups, a compressed dataset, u64 index, empty attributes
        let f = Hdf5File::open(fixture("ragged_lz_samples.h5")).unwrap();
        assert!(f.is_group("sorting") && !f.is_dataset("sorting"));
        assert_eq!(f.members("/").unwrap()[0].kind, MemberKind::Group);
        let idx = f.read_i64("/sorting/index").unwrap();
        assert_eq!(idx.values.first(), Some(&0));
        assert_eq!(idx.shape, vec![5]);
        let f = Hdf5File::open(fixture("ragged_s.h5")).unwrap();
        let st = f.read_f64("spike_times").unwrap();
        let ix = f.read_i64("spike_times_index").unwrap();
        assert_eq!(
            f.element_type("spike_times_index").unwrap(),
            ElementType::Numeric(Dtype::Uint64)
        );
        assert_eq!(ix.values.last().map(|&v| v as usize), Some(st.values.len()));
        assert!(f.attrs("spike_times").unwrap().is_empty());
    }

    #[test]
    fn errors_name_file_and_object() {
        let f = Hdf5File::open(fixture("group.h5")).unwrap();
        let e = f.read_f64("/units/99").unwrap_err();
        assert!(matches!(e, Error::NotFound { .. }), "{e}");
        assert!(e.to_string().contains("/units/99"), "{e}");
        assert!(f.members("/units/0").is_err()); // a dataset, not a group
        assert!(f.attrs("/missing").is_err());
        assert!(f.shape("units").is_err());
        let e = Hdf5File::open(fixture("nope.h5")).unwrap_err();
        assert!(e.to_string().contains("nope.h5"), "{e}");
        let e = Hdf5File::open(fixture("ks_info/params.py")).unwrap_err();
        assert!(e.to_string().contains("params.py"), "{e}");
    }

    #[test]
    fn array_and_text_attributes() {
        // pynwb writes `colnames` (text array) on tables
        let f = Hdf5File::open(fixture("nwb_units.nwb")).unwrap();
        let a = f.attrs("/units").unwrap();
        assert_eq!(a["neurodata_type"], "Units");
        assert!(
            a["colnames"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!("spike_times"))
        );
        assert_eq!(f.element_type("/units/quality").unwrap(), ElementType::Text);
        assert!(f.read_f64("/units/quality").is_err());
        let st = f.attrs("/acquisition/raw/starting_time").unwrap();
        assert_eq!(st["rate"], serde_json::json!(1000.0));
    }
}
