//! On-disk sample types and arrays that keep them.
//!
//! Readers return data in the dtype the file stores ([`RawArray`]), as neo does; conversion to
//! physical units is a separate, explicit step (see [`crate::rescale`]).

use ndarray::{Axis, CowArray, Dimension, Ix1, Ix2, Ix3, RemoveAxis};
use serde::Serialize;
use std::fmt;

/// A numeric type stored in a recording file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    /// `int8`
    Int8,
    /// `uint8`
    Uint8,
    /// `int16`
    Int16,
    /// `uint16`
    Uint16,
    /// `int32`
    Int32,
    /// `uint32`
    Uint32,
    /// `int64`
    Int64,
    /// `uint64`
    Uint64,
    /// `float32`
    Float32,
    /// `float64`
    Float64,
}

impl Dtype {
    /// numpy's name for the type (`"int16"`, `"float32"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Dtype::Int8 => "int8",
            Dtype::Uint8 => "uint8",
            Dtype::Int16 => "int16",
            Dtype::Uint16 => "uint16",
            Dtype::Int32 => "int32",
            Dtype::Uint32 => "uint32",
            Dtype::Int64 => "int64",
            Dtype::Uint64 => "uint64",
            Dtype::Float32 => "float32",
            Dtype::Float64 => "float64",
        }
    }

    /// Size of one value in bytes.
    pub fn size(self) -> usize {
        match self {
            Dtype::Int8 | Dtype::Uint8 => 1,
            Dtype::Int16 | Dtype::Uint16 => 2,
            Dtype::Int32 | Dtype::Uint32 | Dtype::Float32 => 4,
            Dtype::Int64 | Dtype::Uint64 | Dtype::Float64 => 8,
        }
    }

    /// Whether the type is a floating-point type.
    pub fn is_float(self) -> bool {
        matches!(self, Dtype::Float32 | Dtype::Float64)
    }

    /// Parses numpy names (`"int16"`, `"<i2"`, `"i2"`, `"float32"`, `"f4"`...). Only
    /// little-endian or byte-order-free spellings are accepted.
    pub fn from_numpy(name: &str) -> Option<Dtype> {
        let n = name.trim();
        let n = n
            .strip_prefix('<')
            .or_else(|| n.strip_prefix('|'))
            .unwrap_or(n);
        Some(match n {
            "int8" | "i1" => Dtype::Int8,
            "uint8" | "u1" => Dtype::Uint8,
            "int16" | "i2" => Dtype::Int16,
            "uint16" | "u2" => Dtype::Uint16,
            "int32" | "i4" => Dtype::Int32,
            "uint32" | "u4" => Dtype::Uint32,
            "int64" | "i8" => Dtype::Int64,
            "uint64" | "u8" => Dtype::Uint64,
            "float32" | "f4" => Dtype::Float32,
            "float64" | "f8" | "float" => Dtype::Float64,
            _ => return None,
        })
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A Rust type that can hold one on-disk sample. Implemented for the ten [`Dtype`]s.
pub trait Sample:
    Copy + Send + Sync + PartialEq + PartialOrd + fmt::Debug + Default + bytemuck::Pod + 'static
{
    /// The matching [`Dtype`].
    const DTYPE: Dtype;
    /// Widening conversion, as numpy's `astype(float64)`.
    fn to_f64(self) -> f64;
    /// Conversion as numpy's `astype(float32)` (round to nearest).
    fn to_f32(self) -> f32;
    /// Exact value for integer types (floats are truncated, saturating).
    fn to_i128(self) -> i128;
    /// Decodes a little-endian value from exactly `size_of::<Self>()` bytes.
    fn from_le_slice(bytes: &[u8]) -> Self;
    /// Wraps an array of this type into a [`RawArray`].
    fn wrap<D: Dimension>(array: CowArray<'_, Self, D>) -> RawArray<'_, D>;
    /// The typed array inside `raw`, if its dtype is `Self`.
    fn unwrap_ref<'b, 'a, D: Dimension>(
        raw: &'b RawArray<'a, D>,
    ) -> Option<&'b CowArray<'a, Self, D>>;
}

macro_rules! impl_sample {
    ($($t:ty => $variant:ident, $dtype:ident;)*) => {$(
        impl Sample for $t {
            const DTYPE: Dtype = Dtype::$dtype;
            #[inline]
            fn to_f64(self) -> f64 { self as f64 }
            #[inline]
            fn to_f32(self) -> f32 { self as f32 }
            #[inline]
            fn to_i128(self) -> i128 { self as i128 }
            #[inline]
            fn from_le_slice(bytes: &[u8]) -> Self {
                let mut b = [0u8; std::mem::size_of::<$t>()];
                let n = b.len().min(bytes.len());
                b[..n].copy_from_slice(&bytes[..n]);
                <$t>::from_le_bytes(b)
            }
            fn wrap<D: Dimension>(array: CowArray<'_, Self, D>) -> RawArray<'_, D> {
                RawArray::$variant(array)
            }
            fn unwrap_ref<'b, 'a, D: Dimension>(raw: &'b RawArray<'a, D>) -> Option<&'b CowArray<'a, Self, D>> {
                match raw { RawArray::$variant(a) => Some(a), _ => None }
            }
        }
    )*};
}

impl_sample! {
    i8 => I8, Int8;
    u8 => U8, Uint8;
    i16 => I16, Int16;
    u16 => U16, Uint16;
    i32 => I32, Int32;
    u32 => U32, Uint32;
    i64 => I64, Int64;
    u64 => U64, Uint64;
    f32 => F32, Float32;
    f64 => F64, Float64;
}

/// A float as a JSON value for annotations and the dump contract: finite values as numbers, others as the strings
/// `"NaN"`, `"inf"`, `"-inf"`.
pub fn json_f64(v: f64) -> serde_json::Value {
    if v.is_nan() {
        serde_json::Value::from("NaN")
    } else if v.is_infinite() {
        serde_json::Value::from(if v > 0.0 { "inf" } else { "-inf" })
    } else {
        serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

/// An n-dimensional array in one of the on-disk dtypes, borrowed from the file (zero-copy,
/// lifetime `'a`) or owned.
///
/// Signal chunks are `RawArray<'_, Ix2>` ([`RawChunk`]), waveforms `RawArray<'_, Ix3>`
/// ([`RawWaveforms`]), timestamps `RawArray<'_, Ix1>` ([`RawTimestamps`]).
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum RawArray<'a, D: Dimension> {
    I8(CowArray<'a, i8, D>),
    U8(CowArray<'a, u8, D>),
    I16(CowArray<'a, i16, D>),
    U16(CowArray<'a, u16, D>),
    I32(CowArray<'a, i32, D>),
    U32(CowArray<'a, u32, D>),
    I64(CowArray<'a, i64, D>),
    U64(CowArray<'a, u64, D>),
    F32(CowArray<'a, f32, D>),
    F64(CowArray<'a, f64, D>),
}

/// A signal chunk: samples × channels in the on-disk dtype.
pub type RawChunk<'a> = RawArray<'a, Ix2>;
/// Raw spike waveforms: spikes × channels × samples.
pub type RawWaveforms<'a> = RawArray<'a, Ix3>;
/// Raw timestamps (ticks, sample indexes or seconds, see [`crate::TimeBase`]).
pub type RawTimestamps<'a> = RawArray<'a, Ix1>;

/// Applies `$body` to the array inside any variant, binding it as `$a`.
#[macro_export]
macro_rules! dispatch_raw {
    ($value:expr, $a:ident => $body:expr) => {
        match $value {
            $crate::RawArray::I8($a) => $body,
            $crate::RawArray::U8($a) => $body,
            $crate::RawArray::I16($a) => $body,
            $crate::RawArray::U16($a) => $body,
            $crate::RawArray::I32($a) => $body,
            $crate::RawArray::U32($a) => $body,
            $crate::RawArray::I64($a) => $body,
            $crate::RawArray::U64($a) => $body,
            $crate::RawArray::F32($a) => $body,
            $crate::RawArray::F64($a) => $body,
        }
    };
}

impl<'a, D: Dimension> RawArray<'a, D> {
    /// Wraps a typed array.
    pub fn new<T: Sample>(array: impl Into<CowArray<'a, T, D>>) -> Self {
        T::wrap(array.into())
    }

    /// The stored dtype.
    pub fn dtype(&self) -> Dtype {
        match self {
            RawArray::I8(_) => Dtype::Int8,
            RawArray::U8(_) => Dtype::Uint8,
            RawArray::I16(_) => Dtype::Int16,
            RawArray::U16(_) => Dtype::Uint16,
            RawArray::I32(_) => Dtype::Int32,
            RawArray::U32(_) => Dtype::Uint32,
            RawArray::I64(_) => Dtype::Int64,
            RawArray::U64(_) => Dtype::Uint64,
            RawArray::F32(_) => Dtype::Float32,
            RawArray::F64(_) => Dtype::Float64,
        }
    }

    /// Shape of the array.
    pub fn shape(&self) -> &[usize] {
        dispatch_raw!(self, a => a.shape())
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape().len()
    }

    /// Length along the first axis (samples, spikes or timestamps).
    pub fn len(&self) -> usize {
        self.shape().first().copied().unwrap_or(0)
    }

    /// Whether the first axis is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the data is borrowed from the file (no copy was made).
    pub fn is_view(&self) -> bool {
        dispatch_raw!(self, a => a.is_view())
    }

    /// Converts to an owned array (copies only a borrowed view). The result can take any
    /// lifetime (ndarray's arrays are invariant in theirs).
    pub fn into_owned<'b>(self) -> RawArray<'b, D> {
        dispatch_raw!(self, a => Sample::wrap(CowArray::from(a.into_owned())))
    }

    /// Every value widened to f64 (numpy `astype(float64)`).
    pub fn to_f64(&self) -> ndarray::Array<f64, D> {
        dispatch_raw!(self, a => a.mapv(Sample::to_f64))
    }

    /// Every value converted to f32 (numpy `astype(float32)`).
    pub fn to_f32(&self) -> ndarray::Array<f32, D> {
        dispatch_raw!(self, a => a.mapv(Sample::to_f32))
    }

    /// The typed array, if the dtype is `T`.
    pub fn as_typed<T: Sample>(&self) -> Option<ndarray::ArrayView<'_, T, D>> {
        T::unwrap_ref(self).map(|a| a.view())
    }

    /// Sum of every value as f64: integers are summed exactly (as i128) then converted, floats
    /// are summed in f64.
    pub fn sum_f64(&self) -> f64 {
        fn int_sum<S: Sample, D: Dimension>(a: &CowArray<'_, S, D>) -> f64 {
            a.iter().fold(0i128, |acc, &v| acc + v.to_i128()) as f64
        }
        match self {
            RawArray::I8(a) => int_sum(a),
            RawArray::U8(a) => int_sum(a),
            RawArray::I16(a) => int_sum(a),
            RawArray::U16(a) => int_sum(a),
            RawArray::I32(a) => int_sum(a),
            RawArray::U32(a) => int_sum(a),
            RawArray::I64(a) => int_sum(a),
            RawArray::U64(a) => int_sum(a),
            RawArray::F32(a) => a.iter().map(|&v| f64::from(v)).sum(),
            RawArray::F64(a) => a.iter().sum(),
        }
    }
}

impl<'a, D: RemoveAxis> RawArray<'a, D> {
    /// Indexes `range` along `axis` (a view, no copy). The range is clamped to the axis
    /// length; an `axis` beyond the array's dimensions gives an empty result instead of a
    /// panic.
    pub fn slice_axis(&self, axis: usize, range: std::ops::Range<usize>) -> RawArray<'_, D> {
        // An axis past the last one has length 0 here, so the range clamps to 0..0.
        let len = self.shape().get(axis).copied().unwrap_or(0);
        let end = range.end.min(len);
        let range = range.start.min(end)..end;
        let axis = axis.min(self.ndim().saturating_sub(1));
        dispatch_raw!(self, a => Sample::wrap(CowArray::from(
            a.slice_axis(Axis(axis), ndarray::Slice::from(range))
        )))
    }

    /// Selected indexes along `axis` (copies). Indexes past the end are skipped.
    pub fn select<'b>(&self, axis: usize, indexes: &[usize]) -> RawArray<'b, D> {
        let axis = axis.min(self.ndim().saturating_sub(1));
        let len = self.shape().get(axis).copied().unwrap_or(0);
        let idx: Vec<usize> = indexes.iter().copied().filter(|&i| i < len).collect();
        dispatch_raw!(self, a => Sample::wrap(CowArray::from(a.select(Axis(axis), &idx))))
    }

    /// Concatenates arrays of one dtype along `axis`. `None` if dtypes or shapes disagree or the
    /// list is empty.
    pub fn concatenate(axis: usize, parts: &[RawArray<'_, D>]) -> Option<RawArray<'static, D>> {
        fn cat<T: Sample, D: RemoveAxis>(
            axis: usize,
            parts: &[RawArray<'_, D>],
        ) -> Option<RawArray<'static, D>> {
            let views: Option<Vec<_>> = parts.iter().map(|p| p.as_typed::<T>()).collect();
            ndarray::concatenate(Axis(axis), &views?)
                .ok()
                .map(|a| T::wrap(CowArray::from(a)))
        }
        match parts.first()?.dtype() {
            Dtype::Int8 => cat::<i8, D>(axis, parts),
            Dtype::Uint8 => cat::<u8, D>(axis, parts),
            Dtype::Int16 => cat::<i16, D>(axis, parts),
            Dtype::Uint16 => cat::<u16, D>(axis, parts),
            Dtype::Int32 => cat::<i32, D>(axis, parts),
            Dtype::Uint32 => cat::<u32, D>(axis, parts),
            Dtype::Int64 => cat::<i64, D>(axis, parts),
            Dtype::Uint64 => cat::<u64, D>(axis, parts),
            Dtype::Float32 => cat::<f32, D>(axis, parts),
            Dtype::Float64 => cat::<f64, D>(axis, parts),
        }
    }
}

impl RawArray<'_, Ix1> {
    /// Element `i` widened to f64.
    pub fn get_f64(&self, i: usize) -> Option<f64> {
        dispatch_raw!(self, a => a.get(i).map(|v| v.to_f64()))
    }

    /// Element `i` as an i64, for integer arrays (`None` for float arrays, out-of-range
    /// indexes and values beyond i64).
    pub fn get_i64(&self, i: usize) -> Option<i64> {
        if self.dtype().is_float() {
            return None;
        }
        dispatch_raw!(self, a => a.get(i).and_then(|v| i64::try_from(v.to_i128()).ok()))
    }
}

impl RawArray<'_, Ix2> {
    /// Per-column sums as f64 (integers exact, see [`crate::ColumnSums`]).
    pub fn column_sums(&self) -> Vec<f64> {
        let mut s = crate::sums::ColumnSums::new(self.shape().get(1).copied().unwrap_or(0));
        s.add(self);
        s.to_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn dtype_names_round_trip() {
        for d in [
            Dtype::Int8,
            Dtype::Uint8,
            Dtype::Int16,
            Dtype::Uint16,
            Dtype::Int32,
            Dtype::Uint32,
            Dtype::Int64,
            Dtype::Uint64,
            Dtype::Float32,
            Dtype::Float64,
        ] {
            assert_eq!(Dtype::from_numpy(d.name()), Some(d));
        }
        assert_eq!(Dtype::from_numpy("<i2"), Some(Dtype::Int16));
        assert_eq!(Dtype::from_numpy(">i2"), None);
    }

    #[test]
    fn views_slices_and_sums() {
        let a = array![[1i16, 2, 3], [4, 5, 6]];
        let raw = RawChunk::new(a.view());
        assert!(raw.is_view());
        assert_eq!(raw.dtype(), Dtype::Int16);
        let cols = raw.slice_axis(1, 1..3);
        assert!(cols.is_view());
        assert_eq!(cols.as_typed::<i16>().unwrap(), array![[2i16, 3], [5, 6]]);
        assert_eq!(raw.column_sums(), vec![5.0, 7.0, 9.0]);
        let sel = raw.select(1, &[2, 0]);
        assert_eq!(sel.as_typed::<i16>().unwrap(), array![[3i16, 1], [6, 4]]);
        assert!(RawChunk::concatenate(0, &[raw.clone(), sel.clone()]).is_none());
        assert_eq!(raw.slice_axis(0, 1..9).shape(), [1, 3]);
        let ok =
            RawChunk::concatenate(0, &[raw.slice_axis(0, 0..1), raw.slice_axis(0, 1..2)]).unwrap();
        assert_eq!(ok, raw.clone().into_owned());
    }

    #[test]
    fn exact_integer_sums() {
        let a = ndarray::Array1::from(vec![u64::MAX, u64::MAX]);
        let raw = RawTimestamps::new(a);
        assert_eq!(raw.sum_f64(), 2.0 * (u64::MAX as f64));
        assert_eq!(json_f64(f64::NAN), serde_json::json!("NaN"));
        assert_eq!(json_f64(f64::NEG_INFINITY), serde_json::json!("-inf"));
    }
}
