//! Raw → physical conversion with neo's exact numerics.
//!
//! `physical = raw * gain + offset`. neo converts the raw array to the target dtype first,
//! then multiplies by the (float64) gains only if one of them differs from 1, then adds the
//! (float64) offsets only if one differs from 0, storing the target dtype after each step. For
//! float32 that is `f32(f64(f32(f64(f32(raw)) * gain)) + offset)`, reproduced here bit for bit;
//! for float64 it is the plain formula.

use crate::dispatch_raw;
use crate::dtype::{RawArray, RawChunk, Sample};
use crate::error::{Error, Result};
use crate::header::Header;
use crate::selection::{ChannelSelection, resolve_channels};
use ndarray::{Array2, Array3, ArrayView2, Axis, Dimension, Ix3};

/// Gains and offsets of the selected channels of `stream`, checked against the chunk width.
pub fn stream_gains(
    header: &Header,
    stream: usize,
    channels: &ChannelSelection,
    raw: &RawChunk<'_>,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let idx = resolve_channels(header, stream, channels)?.to_vec();
    let chans = header.stream_channels(stream)?;
    if raw.ndim() != 2 || raw.shape()[1] != idx.len() {
        return Err(Error::invalid(format!(
            "chunk of shape {:?} does not match a selection of {} channels",
            raw.shape(),
            idx.len()
        )));
    }
    let gains = idx.iter().map(|&i| chans[i].gain).collect();
    let offsets = idx.iter().map(|&i| chans[i].offset).collect();
    Ok((gains, offsets))
}

/// `raw * gain[c] + offset[c]` in f64 (exact IEEE operations, as numpy).
pub fn signal_f64(raw: &RawChunk<'_>, gains: &[f64], offsets: &[f64]) -> Array2<f64> {
    dispatch_raw!(raw, a => view_f64(a.view(), gains, offsets))
}

/// `raw * gain[c] + offset[c]` in f32 with neo's two roundings.
pub fn signal_f32(raw: &RawChunk<'_>, gains: &[f64], offsets: &[f64]) -> Array2<f32> {
    dispatch_raw!(raw, a => view_f32(a.view(), gains, offsets))
}

/// [`signal_f64`] of a typed `samples × channels` view (for callers holding a plain array,
/// such as the Python package).
pub fn view_f64<T: Sample>(a: ArrayView2<'_, T>, g: &[f64], o: &[f64]) -> Array2<f64> {
    match (g.iter().any(|&x| x != 1.0), o.iter().any(|&x| x != 0.0)) {
        (true, true) => map_rows(a, g, o, |v: T, gc, oc| v.to_f64() * gc + oc),
        (true, false) => map_rows(a, g, o, |v: T, gc, _| v.to_f64() * gc),
        (false, true) => map_rows(a, g, o, |v: T, _, oc| v.to_f64() + oc),
        (false, false) => map_rows(a, g, o, |v: T, _, _| v.to_f64()),
    }
}

/// [`signal_f32`] of a typed `samples × channels` view: neo's float32 path (the
/// multiplication only when a gain differs from 1, the addition only when an offset differs
/// from 0, rounded to f32 after each step).
pub fn view_f32<T: Sample>(a: ArrayView2<'_, T>, g: &[f64], o: &[f64]) -> Array2<f32> {
    match (g.iter().any(|&x| x != 1.0), o.iter().any(|&x| x != 0.0)) {
        (true, true) => map_rows(a, g, o, |v: T, gc, oc| {
            f32_step(v.to_f32(), Some(gc), Some(oc))
        }),
        (true, false) => map_rows(a, g, o, |v: T, gc, _| f32_step(v.to_f32(), Some(gc), None)),
        (false, true) => map_rows(a, g, o, |v: T, _, oc| f32_step(v.to_f32(), None, Some(oc))),
        (false, false) => map_rows(a, g, o, |v: T, _, _| v.to_f32()),
    }
}

/// Chunks of at least this many values are converted on several threads.
pub const PARALLEL_VALUES: usize = 1 << 22;
/// At most this many conversion threads.
const MAX_THREADS: usize = 4;

/// `f(value, gain[c], offset[c])` for every value of `a`, into a new row-major array, walking
/// `a` row by row (the per-channel loop vectorises; walking columns of a row-major chunk does
/// not), on up to 4 threads for [`PARALLEL_VALUES`] values or more. `g` and `o`
/// have one entry per column (missing entries give the default value).
pub fn map_rows<T: Sample, O: Copy + Default + Send>(
    a: ArrayView2<'_, T>,
    g: &[f64],
    o: &[f64],
    f: impl Fn(T, f64, f64) -> O + Sync,
) -> Array2<O> {
    let (n, ncols) = (a.len(), a.ncols());
    let mut out = vec![O::default(); n];
    let threads = if n >= PARALLEL_VALUES && ncols > 0 {
        std::thread::available_parallelism().map_or(1, |t| t.get().min(MAX_THREADS))
    } else {
        1
    };
    if threads == 1 {
        fill_rows(a, &mut out, g, o, &f);
    } else {
        let rows_per = a.nrows().div_ceil(threads).max(1);
        std::thread::scope(|s| {
            for (i, dst) in out.chunks_mut(rows_per * ncols).enumerate() {
                let start = i * rows_per;
                let part = a.slice_axis(
                    Axis(0),
                    ndarray::Slice::from(start..start + dst.len() / ncols),
                );
                let f = &f;
                s.spawn(move || fill_rows(part, dst, g, o, f));
            }
        });
    }
    Array2::from_shape_vec(a.raw_dim(), out).unwrap_or_default()
}

/// [`map_rows`] of `part` into `dst` (`part.len()` values, row-major), on one thread.
fn fill_rows<T: Sample, O: Copy>(
    part: ArrayView2<'_, T>,
    dst: &mut [O],
    g: &[f64],
    o: &[f64],
    f: &impl Fn(T, f64, f64) -> O,
) {
    let ncols = part.ncols().max(1);
    let row = |src: &[T], d: &mut [O]| {
        for (((d, &v), &gc), &oc) in d.iter_mut().zip(src).zip(g).zip(o) {
            *d = f(v, gc, oc);
        }
    };
    let rows = dst.chunks_exact_mut(ncols);
    match part.as_slice() {
        Some(flat) => flat
            .chunks_exact(ncols)
            .zip(rows)
            .for_each(|(s, d)| row(s, d)),
        None => {
            // rows of a column subset (a stream sharing its file with another) are still
            // contiguous: only rows that are not are gathered into a buffer
            let mut buf = Vec::with_capacity(ncols);
            for (src, d) in part.rows().into_iter().zip(rows) {
                match src.as_slice() {
                    Some(s) => row(s, d),
                    None => {
                        buf.clear();
                        buf.extend(src.iter().copied());
                        row(&buf, d);
                    }
                }
            }
        }
    }
}

#[inline]
fn f32_step(v: f32, gain: Option<f64>, offset: Option<f64>) -> f32 {
    let v = match gain {
        Some(g) => (f64::from(v) * g) as f32,
        None => v,
    };
    match offset {
        Some(o) => (f64::from(v) + o) as f32,
        None => v,
    }
}

/// `wf * gain + offset` in f64.
pub fn waveforms_f64(raw: &RawArray<'_, Ix3>, gain: f64, offset: f64) -> Array3<f64> {
    let mut out = raw.to_f64();
    if gain != 1.0 {
        out.mapv_inplace(|v| v * gain);
    }
    if offset != 0.0 {
        out.mapv_inplace(|v| v + offset);
    }
    out
}

/// `wf * gain + offset` in f32 with neo's roundings.
pub fn waveforms_f32(raw: &RawArray<'_, Ix3>, gain: f64, offset: f64) -> Array3<f32> {
    let mut out = raw.to_f32();
    let (g, o) = (
        (gain != 1.0).then_some(gain),
        (offset != 0.0).then_some(offset),
    );
    out.mapv_inplace(|v| f32_step(v, g, o));
    out
}

/// Every value of any raw array widened to f64 (helper for readers and tools).
pub fn to_f64_vec<D: Dimension>(raw: &RawArray<'_, D>) -> Vec<f64> {
    dispatch_raw!(raw, a => a.iter().map(|v| Sample::to_f64(*v)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn f32_matches_numpy_two_roundings() {
        // numpy: a = np.array([[12345]], 'int16').astype('float32'); a *= np.array([0.195]);
        // a += np.array([-0.1]) -> float32 2407.1748 (bits 0x451071a8)
        let raw = RawChunk::new(array![[12345i16]]);
        let y = signal_f32(&raw, &[0.195], &[-0.1]);
        let expect = ((f64::from(12345f32) * 0.195) as f32) as f64 - 0.1;
        assert_eq!(y[[0, 0]], expect as f32);
        let y64 = signal_f64(&raw, &[0.195], &[-0.1]);
        assert_eq!(y64[[0, 0]], 12345.0 * 0.195 - 0.1);
        // i32 beyond 2^24: converted to f32 first, as astype(float32)
        let raw = RawChunk::new(array![[16_777_217i32]]);
        assert_eq!(signal_f32(&raw, &[1.0], &[0.0])[[0, 0]], 16_777_216.0);
    }
}
