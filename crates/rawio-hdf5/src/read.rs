//! Typed dataset reads: dtype dispatch, widening, hyperslabs, text, references, records.

use crate::Dataset;
use crate::value::{ElementType, Record, Value, decode, decode_int};
use hdf5_reader::{Datatype, SliceInfo, SliceInfoElem};
use ndarray::{ArrayD, IxDyn};
use rawio_core::{Dtype, Error, RawArray, Result, Sample};
use std::ops::Range;

/// A whole dataset read into memory: values flattened in C (row-major) order.
#[derive(Debug, Clone, PartialEq)]
pub struct Array<T> {
    /// The dataset's shape (`[]` for a scalar, which has one value).
    pub shape: Vec<usize>,
    /// `shape.iter().product()` values, row-major.
    pub values: Vec<T>,
}

/// Zeros of `dt` with shape `dims`.
fn empty_array(dt: Dtype, dims: &[usize]) -> RawArray<'static, IxDyn> {
    macro_rules! z {
        ($t:ty) => {
            RawArray::new(ArrayD::<$t>::zeros(IxDyn(dims)))
        };
    }
    match dt {
        Dtype::Int8 => z!(i8),
        Dtype::Uint8 => z!(u8),
        Dtype::Int16 => z!(i16),
        Dtype::Uint16 => z!(u16),
        Dtype::Int32 => z!(i32),
        Dtype::Uint32 => z!(u32),
        Dtype::Int64 => z!(i64),
        Dtype::Uint64 => z!(u64),
        Dtype::Float32 => z!(f32),
        Dtype::Float64 => z!(f64),
    }
}

/// Applies a selection to an in-memory array (enum datasets, which have no typed read).
fn apply_selection(a: RawArray<'static, IxDyn>, sel: &[Range<u64>]) -> RawArray<'static, IxDyn> {
    let mut cur = a;
    for (axis, r) in sel.iter().enumerate() {
        let len = cur.shape().get(axis).copied().unwrap_or(0);
        let st = usize::try_from(r.start).unwrap_or(len).min(len);
        let en = usize::try_from(r.end).unwrap_or(len).min(len).max(st);
        cur = cur.slice_axis(axis, st..en).into_owned();
    }
    cur
}

/// One sample as a typed value.
fn sample_value<T: Sample>(v: T) -> Value {
    match T::DTYPE {
        Dtype::Float32 | Dtype::Float64 => Value::Float(v.to_f64()),
        Dtype::Uint8 | Dtype::Uint16 | Dtype::Uint32 | Dtype::Uint64 => {
            Value::UInt(u64::try_from(v.to_i128()).unwrap_or(0))
        }
        _ => Value::Int(i64::try_from(v.to_i128()).unwrap_or(0)),
    }
}

impl Dataset {
    /// A corrupt-data error about this dataset (at its object header).
    pub fn corrupt(&self, detail: impl std::fmt::Display) -> Error {
        self.file.corrupt_at(&self.path, self.address(), detail)
    }

    pub(crate) fn map_err(&self, e: hdf5_reader::error::Error) -> Error {
        self.file.err(&self.path, e)
    }

    /// Checks the declared extent against the storage that can hold it: a dataset that is
    /// not chunked stores every element in the file, so its declared size must fit in it.
    /// (Chunked datasets are read chunk by chunk and only the selection is allocated, within
    /// the file's read limit.)
    pub(crate) fn check_extent(&self) -> Result<()> {
        if self.chunk_shape().is_some() {
            return Ok(());
        }
        let elem = hdf5_reader::dtype_element_size(self.inner.dtype()).unwrap_or(1) as u64;
        let bytes = self
            .element_count()
            .and_then(|n| n.checked_mul(elem.max(1)));
        match bytes {
            Some(b) if b <= self.file.max_file_len() => Ok(()),
            _ => Err(self.corrupt(format!(
                "shape {:?} of {elem}-byte elements does not fit in the file",
                self.shape()
            ))),
        }
    }

    /// Checks a selection (`sel[d]` of dimension `d`, the others whole) against the stored
    /// extent: elements the shape declares but the file does not store are not read.
    pub(crate) fn check_stored(&self, sel: &[Range<u64>]) -> Result<()> {
        let ext = self.stored_extent()?;
        for (d, (&e, &len)) in ext.iter().zip(self.shape()).enumerate() {
            let end = sel.get(d).map_or(len, |r| r.end);
            if end > e && sel.get(d).is_none_or(|r| !r.is_empty()) {
                return Err(self.corrupt(format!(
                    "dimension {d} is declared with {len} elements but the file stores {e} \
                     (stored extent {ext:?}); element {} requested",
                    end - 1
                )));
            }
        }
        Ok(())
    }

    /// Rows `rows` of the first dimension, every other dimension whole, in the stored dtype
    /// (bools as int8 0/1, enums as their integers). A scalar has one row.
    pub fn read_rows(&self, rows: Range<u64>) -> Result<RawArray<'static, IxDyn>> {
        let n = self.len();
        if rows.end > n || rows.start > rows.end {
            return Err(Error::out_of_range("sample", rows.end, n.saturating_add(1)));
        }
        if self.ndim() == 0 {
            return self.read_hyperslab(&[]);
        }
        self.read_hyperslab(&[rows])
    }

    /// The whole numeric (or bool/enum) dataset in its stored dtype.
    pub fn read_raw(&self) -> Result<RawArray<'static, IxDyn>> {
        self.read_rows(0..self.len())
    }

    /// A hyperslab: `ranges[d]` of dimension `d` for the first `ranges.len()` dimensions,
    /// the others whole, in the stored dtype. Ranges outside the shape are
    /// [`Error::OutOfRange`].
    pub fn read_hyperslab(&self, ranges: &[Range<u64>]) -> Result<RawArray<'static, IxDyn>> {
        let shape = self.shape().to_vec();
        if ranges.len() > shape.len() {
            return Err(Error::invalid(format!(
                "{} ranges for the {}-D dataset {}",
                ranges.len(),
                shape.len(),
                self.path
            )));
        }
        let mut sel: Vec<Range<u64>> = Vec::with_capacity(shape.len());
        for (d, &len) in shape.iter().enumerate() {
            let r = ranges.get(d).cloned().unwrap_or(0..len);
            if r.end > len || r.start > r.end {
                let what = if d == 0 { "sample" } else { "column" };
                return Err(Error::out_of_range(what, r.end, len.saturating_add(1)));
            }
            sel.push(r);
        }
        let dt = self.element_type().numeric_dtype().ok_or_else(|| {
            self.corrupt(format!("not a numeric dataset ({:?})", self.element_type()))
        })?;
        // hdf5-reader cannot express empty selections: build them here
        if sel.iter().any(|r| r.is_empty()) {
            let dims: Vec<usize> = sel
                .iter()
                .map(|r| usize::try_from(r.end - r.start).unwrap_or(usize::MAX))
                .collect();
            // an array with no element may still not have a shape ndarray can hold: the
            // product of its other lengths must fit an isize (a declared 2^64 - 3 rows by 0)
            let fits = dims
                .iter()
                .filter(|&&d| d != 0)
                .try_fold(1usize, |p, &d| p.checked_mul(d))
                .is_some_and(|p| isize::try_from(p).is_ok());
            if !fits {
                return Err(self.corrupt(format!("selection of shape {dims:?} is too large")));
            }
            return Ok(empty_array(dt, &dims));
        }
        self.check_stored(&sel)?;
        match self.element_type() {
            ElementType::Numeric(_) => self.read_numeric(dt, &sel),
            _ => self.read_enum(&sel),
        }
    }

    fn read_numeric(&self, dt: Dtype, sel: &[Range<u64>]) -> Result<RawArray<'static, IxDyn>> {
        let info = SliceInfo {
            selections: sel
                .iter()
                .map(|r| SliceInfoElem::Slice {
                    start: r.start,
                    end: r.end,
                    step: 1,
                })
                .collect(),
        };
        // chunks decoded in parallel (rayon) when the selection spans several of them
        let parallel = self.chunk_shape().is_some_and(|c| {
            sel.iter()
                .zip(&c)
                .map(|(r, &c)| (r.end - r.start).div_ceil(c.max(1)))
                .try_fold(1u64, u64::checked_mul)
                .is_none_or(|n| n > 1)
        });
        macro_rules! rd {
            ($t:ty) => {
                RawArray::new(
                    if parallel {
                        self.inner.read_slice_parallel::<$t>(&info)
                    } else {
                        self.inner.read_slice::<$t>(&info)
                    }
                    .map_err(|e| self.map_err(e))?,
                )
            };
        }
        Ok(match dt {
            Dtype::Int8 => rd!(i8),
            Dtype::Uint8 => rd!(u8),
            Dtype::Int16 => rd!(i16),
            Dtype::Uint16 => rd!(u16),
            Dtype::Int32 => rd!(i32),
            Dtype::Uint32 => rd!(u32),
            Dtype::Int64 => rd!(i64),
            Dtype::Uint64 => rd!(u64),
            Dtype::Float32 => rd!(f32),
            Dtype::Float64 => rd!(f64),
        })
    }

    /// Enums (h5py bools included) have no typed read: the whole dataset's integers are
    /// decoded, then the selection applied.
    fn read_enum(&self, sel: &[Range<u64>]) -> Result<RawArray<'static, IxDyn>> {
        let Datatype::Enum { base, .. } = self.inner.dtype() else {
            return Err(self.corrupt("enum expected"));
        };
        let size = match **base {
            Datatype::FixedPoint { size, .. } => usize::from(size).max(1),
            _ => 1,
        };
        let raw = self.inner.read_raw_bytes().map_err(|e| self.map_err(e))?;
        let vals: Vec<i64> = raw
            .chunks_exact(size)
            .map(|c| decode_int(base, c).and_then(|v| v.as_i64()).unwrap_or(0))
            .collect();
        let shape: Vec<usize> = self
            .shape()
            .iter()
            .map(|&d| usize::try_from(d).unwrap_or(0))
            .collect();
        let arr = ArrayD::from_shape_vec(IxDyn(&shape), vals).map_err(|e| self.corrupt(e))?;
        Ok(apply_selection(RawArray::new(arr), sel))
    }

    /// The whole numeric (or bool) dataset as f64, flattened in C order (integers widened
    /// as numpy's `astype(float)`).
    pub fn read_f64(&self) -> Result<Vec<f64>> {
        Ok(self.read_raw()?.to_f64().into_iter().collect())
    }

    /// The whole integer dataset converted exactly to `T`; floating-point datasets and
    /// values `T` cannot hold fail (`what` describes them).
    fn read_integers<T: TryFrom<i128>>(&self, what: &str) -> Result<Vec<T>> {
        let a = self.read_raw()?;
        if a.dtype().is_float() {
            return Err(self.corrupt(format!("expected integers, found {}", a.dtype())));
        }
        rawio_core::dispatch_raw!(&a, x => x
            .iter()
            .map(|&v| {
                let w = v.to_i128();
                T::try_from(w).map_err(|_| self.corrupt(format!("{what} {w}")))
            })
            .collect::<Result<Vec<T>>>())
    }

    /// The whole integer (bool, enum) dataset as i64, exactly; floating-point datasets and
    /// u64 values above `i64::MAX` fail.
    pub fn read_i64(&self) -> Result<Vec<i64>> {
        self.read_integers("value exceeding i64:")
    }

    /// The whole integer dataset as u64 (indexes); floating-point datasets and negative
    /// values fail.
    pub fn read_u64(&self) -> Result<Vec<u64>> {
        self.read_integers("negative index")
    }

    /// [`Dataset::read_f64`] with the shape.
    pub fn read_f64_array(&self) -> Result<Array<f64>> {
        let a = self.read_raw()?;
        Ok(Array {
            shape: a.shape().to_vec(),
            values: a.to_f64().into_iter().collect(),
        })
    }

    /// [`Dataset::read_i64`] with the shape.
    pub fn read_i64_array(&self) -> Result<Array<i64>> {
        let shape = self
            .shape()
            .iter()
            .map(|&d| usize::try_from(d).unwrap_or(usize::MAX))
            .collect();
        Ok(Array {
            shape,
            values: self.read_i64()?,
        })
    }

    /// Every element of a text dataset (a scalar gives one).
    pub fn read_strings(&self) -> Result<Vec<String>> {
        if *self.element_type() != ElementType::Text {
            return Err(self.corrupt("not a text dataset"));
        }
        self.check_stored(&[])?;
        self.inner.read_strings().map_err(|e| self.map_err(e))
    }

    /// The first element of a text dataset.
    pub fn read_string(&self) -> Result<String> {
        self.read_strings()?
            .into_iter()
            .next()
            .ok_or_else(|| self.corrupt("empty text dataset"))
    }

    /// Object references as the paths of their targets (`None` for null or unresolved
    /// references).
    pub fn read_refs(&self) -> Result<Vec<Option<String>>> {
        if *self.element_type() != ElementType::ObjectRef {
            return Err(self.corrupt("not an object-reference dataset"));
        }
        self.check_stored(&[])?;
        let raw = self.inner.read_raw_bytes().map_err(|e| self.map_err(e))?;
        let os = self.file.inner.offset_size;
        let addrs = hdf5_reader::reference::read_object_references(&raw, os)
            .map_err(|e| self.map_err(e))?;
        Ok(addrs
            .into_iter()
            .map(|a| self.file.path_of_address(a).map(str::to_owned))
            .collect())
    }

    /// Every element decoded (row-major): numbers, bools, enums with their member names,
    /// text, references as paths, compound records.
    pub fn read_values(&self) -> Result<Vec<Value>> {
        match self.element_type() {
            ElementType::Text => {
                return Ok(self.read_strings()?.into_iter().map(Value::Text).collect());
            }
            ElementType::Numeric(_) => {
                let a = self.read_raw()?;
                return Ok(rawio_core::dispatch_raw!(&a, x => x
                    .iter()
                    .map(|&v| sample_value(v))
                    .collect()));
            }
            _ => {}
        }
        self.check_stored(&[])?;
        let dt = self.inner.dtype().clone();
        let size = hdf5_reader::dtype_element_size(&dt).unwrap_or(0);
        if size == 0 || matches!(dt, Datatype::VarLen { .. }) {
            return Err(self.corrupt(format!("type not decoded ({:?})", self.element_type())));
        }
        let raw = self.inner.read_raw_bytes().map_err(|e| self.map_err(e))?;
        let resolve = |b: &[u8]| Value::Ref(self.file.resolve_ref(b));
        Ok(raw
            .chunks_exact(size)
            .map(|b| decode(&dt, b, &resolve))
            .collect())
    }

    /// The records of a compound dataset (numeric, enum, text and reference fields
    /// decoded; references as paths).
    pub fn read_records(&self) -> Result<Vec<Record>> {
        if *self.element_type() != ElementType::Compound {
            return Err(self.corrupt("not a compound dataset"));
        }
        Ok(self
            .read_values()?
            .into_iter()
            .map(|v| match v {
                Value::Record(r) => r,
                _ => Record::default(),
            })
            .collect())
    }
}
