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
use ndarray::{Array2, Array3, ArrayView1, ArrayView2, Axis, Dimension, Ix3};

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
    let mut out = vec![0.0; a.len()];
    // the buffer has a.len() values: this cannot fail
    let _ = view_f64_into(a, g, o, &mut out, Order::RowMajor);
    Array2::from_shape_vec(a.raw_dim(), out).unwrap_or_default()
}

/// [`signal_f32`] of a typed `samples × channels` view: neo's float32 path (the
/// multiplication only when a gain differs from 1, the addition only when an offset differs
/// from 0, rounded to f32 after each step).
pub fn view_f32<T: Sample>(a: ArrayView2<'_, T>, g: &[f64], o: &[f64]) -> Array2<f32> {
    let mut out = vec![0.0; a.len()];
    // the buffer has a.len() values: this cannot fail
    let _ = view_f32_into(a, g, o, &mut out, Order::RowMajor);
    Array2::from_shape_vec(a.raw_dim(), out).unwrap_or_default()
}

/// [`view_f64`] into a caller's buffer of `a.len()` values in `order` (see [`map_into`]).
///
/// # Errors
/// [`Error::InvalidArgument`] when `out` does not hold exactly `a.len()` values.
pub fn view_f64_into<T: Sample>(
    a: ArrayView2<'_, T>,
    g: &[f64],
    o: &[f64],
    out: &mut [f64],
    order: Order,
) -> Result<()> {
    match (g.iter().any(|&x| x != 1.0), o.iter().any(|&x| x != 0.0)) {
        (true, true) => map_into(a, g, o, out, order, |v: T, gc, oc| v.to_f64() * gc + oc),
        (true, false) => map_into(a, g, o, out, order, |v: T, gc, _| v.to_f64() * gc),
        (false, true) => map_into(a, g, o, out, order, |v: T, _, oc| v.to_f64() + oc),
        (false, false) => map_into(a, g, o, out, order, |v: T, _, _| v.to_f64()),
    }
}

/// [`view_f32`] into a caller's buffer of `a.len()` values in `order` (see [`map_into`]).
///
/// # Errors
/// [`Error::InvalidArgument`] when `out` does not hold exactly `a.len()` values.
pub fn view_f32_into<T: Sample>(
    a: ArrayView2<'_, T>,
    g: &[f64],
    o: &[f64],
    out: &mut [f32],
    order: Order,
) -> Result<()> {
    match (g.iter().any(|&x| x != 1.0), o.iter().any(|&x| x != 0.0)) {
        (true, true) => map_into(a, g, o, out, order, |v: T, gc, oc| {
            f32_step(v.to_f32(), Some(gc), Some(oc))
        }),
        (true, false) => map_into(a, g, o, out, order, |v: T, gc, _| {
            f32_step(v.to_f32(), Some(gc), None)
        }),
        (false, true) => map_into(a, g, o, out, order, |v: T, _, oc| {
            f32_step(v.to_f32(), None, Some(oc))
        }),
        (false, false) => map_into(a, g, o, out, order, |v: T, _, _| v.to_f32()),
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
    let mut out = vec![O::default(); a.len()];
    fill_rows_parallel(a, &mut out, g, o, &f);
    Array2::from_shape_vec(a.raw_dim(), out).unwrap_or_default()
}

/// Memory order of an output buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// C order: the values of one sample (row) are adjacent.
    RowMajor,
    /// Fortran order: the values of one channel (column) are adjacent. Cheapest for a
    /// column-major input (a chunk read channel by channel), and what numpy's `astype` keeps.
    ColumnMajor,
}

/// [`map_rows`] into a caller's buffer of `a.len()` values in `order`, for callers whose own
/// allocator serves large buffers better (numpy reuses and huge-page-advises them; a fresh
/// `Vec` of 100 MB costs 25,000 page faults on every call).
///
/// # Errors
/// [`Error::InvalidArgument`] when `dst` does not hold exactly `a.len()` values.
pub fn map_into<T: Sample, O: Copy + Send>(
    a: ArrayView2<'_, T>,
    g: &[f64],
    o: &[f64],
    dst: &mut [O],
    order: Order,
    f: impl Fn(T, f64, f64) -> O + Sync,
) -> Result<()> {
    if dst.len() != a.len() {
        return Err(Error::invalid(format!(
            "output buffer of {} values for a {}x{} chunk",
            dst.len(),
            a.nrows(),
            a.ncols()
        )));
    }
    match order {
        Order::RowMajor => fill_rows_parallel(a, dst, g, o, &f),
        Order::ColumnMajor => fill_columns_parallel(a, dst, g, o, &f),
    }
    Ok(())
}

/// Conversion threads for a chunk of `n` values.
fn threads_for(n: usize) -> usize {
    if n >= PARALLEL_VALUES {
        std::thread::available_parallelism().map_or(1, |t| t.get().min(MAX_THREADS))
    } else {
        1
    }
}

/// `dst` (column-major) column by column, each a contiguous run, the columns shared among
/// up to [`MAX_THREADS`] threads.
fn fill_columns_parallel<T: Sample, O: Copy + Send>(
    a: ArrayView2<'_, T>,
    dst: &mut [O],
    g: &[f64],
    o: &[f64],
    f: &(impl Fn(T, f64, f64) -> O + Sync),
) {
    let nrows = a.nrows();
    if nrows == 0 {
        return;
    }
    let fill = |c0: usize, part: &mut [O]| {
        for (k, d) in part.chunks_exact_mut(nrows).enumerate() {
            let c = c0 + k;
            let (Some(&gc), Some(&oc)) = (g.get(c), o.get(c)) else {
                continue;
            };
            let col = a.column(c);
            match col.as_slice() {
                Some(v) => d.iter_mut().zip(v).for_each(|(d, &v)| *d = f(v, gc, oc)),
                None => d.iter_mut().zip(col).for_each(|(d, &v)| *d = f(v, gc, oc)),
            }
        }
    };
    let threads = threads_for(a.len()).min(a.ncols().max(1));
    split_lines(dst, nrows, a.ncols(), threads, &fill);
}

/// `work(first_line, part)` over `dst` cut into `threads` runs of whole lines of `line` values
/// (`lines` in all), each run on its own thread (inline for one).
fn split_lines<O: Send>(
    dst: &mut [O],
    line: usize,
    lines: usize,
    threads: usize,
    work: &(impl Fn(usize, &mut [O]) + Sync),
) {
    if threads <= 1 || line == 0 {
        work(0, dst);
        return;
    }
    let per = lines.div_ceil(threads).max(1);
    std::thread::scope(|s| {
        for (i, part) in dst.chunks_mut(per * line).enumerate() {
            s.spawn(move || work(i * per, part));
        }
    });
}

/// [`fill_rows`] over up to [`MAX_THREADS`] threads, each on a contiguous run of rows.
fn fill_rows_parallel<T: Sample, O: Copy + Send>(
    a: ArrayView2<'_, T>,
    out: &mut [O],
    g: &[f64],
    o: &[f64],
    f: &(impl Fn(T, f64, f64) -> O + Sync),
) {
    let ncols = a.ncols();
    let threads = if ncols > 0 { threads_for(a.len()) } else { 1 };
    let work = |r0: usize, part: &mut [O]| {
        let rows = part.len() / ncols.max(1);
        fill_rows(
            a.slice_axis(Axis(0), ndarray::Slice::from(r0..r0 + rows)),
            part,
            g,
            o,
            f,
        );
    };
    split_lines(out, ncols, a.nrows(), threads, &work);
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
        // column-major (a chunk built channel by channel): gathering each row would read
        // `ncols` cache lines per row, so blocks of rows are transposed in cache instead
        None if part.nrows() > 1 && part.strides()[0] == 1 => fill_from_columns(part, dst, g, o, f),
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

/// [`fill_rows`] of a view whose columns are contiguous, a block of rows at a time (about
/// 16 K values, so the block of `dst` stays in cache): each column's run is converted into a
/// small buffer (a loop that vectorises), then scattered into its column of the block.
fn fill_from_columns<T: Sample, O: Copy>(
    part: ArrayView2<'_, T>,
    dst: &mut [O],
    g: &[f64],
    o: &[f64],
    f: &impl Fn(T, f64, f64) -> O,
) {
    let ncols = part.ncols();
    let rows_per_block = (16_384 / ncols.max(1)).clamp(16, 1024);
    let columns: Vec<(ArrayView1<'_, T>, f64, f64)> = part
        .columns()
        .into_iter()
        .zip(g)
        .zip(o)
        .map(|((c, &gc), &oc)| (c, gc, oc))
        .collect();
    let mut run: Vec<O> = Vec::with_capacity(rows_per_block);
    for (b, block) in dst.chunks_mut(rows_per_block * ncols).enumerate() {
        let r0 = b * rows_per_block;
        let n = block.len() / ncols;
        for (c, (col, gc, oc)) in columns.iter().enumerate() {
            let col = col.slice(ndarray::s![r0..r0 + n]);
            run.clear();
            match col.as_slice() {
                Some(v) => run.extend(v.iter().map(|&v| f(v, *gc, *oc))),
                None => run.extend(col.iter().map(|&v| f(v, *gc, *oc))),
            }
            for (d, &v) in block[c..].iter_mut().step_by(ncols).zip(&run) {
                *d = v;
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
    use ndarray::{ShapeBuilder, array};

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

    /// The value-by-value definition the kernels must reproduce in every memory layout.
    fn reference(a: ArrayView2<'_, i16>, g: &[f64], o: &[f64]) -> Array2<f32> {
        Array2::from_shape_fn(a.raw_dim(), |(r, c)| {
            f32_step(f32::from(a[[r, c]]), Some(g[c]), Some(o[c]))
        })
    }

    #[test]
    fn every_layout_gives_the_same_values() {
        // 1,100 rows: a full block of rows (1,024 for 7 columns) and a partial one;
        // 4,200 x 1,000 takes the threaded path (>= PARALLEL_VALUES)
        for (rows, cols) in [(1_100, 7), (4_200, 1_000), (1, 3), (0, 4)] {
            let c_order = Array2::from_shape_fn((rows, cols), |(r, c)| {
                ((r * 31 + c * 17) % 4001) as i16 - 2000
            });
            let f_order = {
                let mut f = Array2::zeros((rows, cols).f());
                f.assign(&c_order);
                f
            };
            let g: Vec<f64> = (0..cols).map(|c| 0.195 + c as f64 * 1e-3).collect();
            let o: Vec<f64> = (0..cols).map(|c| c as f64 * -0.25).collect();
            let want = reference(c_order.view(), &g, &o);
            assert_eq!(
                view_f32(c_order.view(), &g, &o),
                want,
                "C order {rows}x{cols}"
            );
            assert_eq!(
                view_f32(f_order.view(), &g, &o),
                want,
                "F order {rows}x{cols}"
            );
            if cols > 2 {
                // a column subset of each layout (rows not contiguous in the C-order one)
                let sub = ndarray::s![.., 1..cols - 1];
                let (gs, os) = (&g[1..cols - 1], &o[1..cols - 1]);
                let want = reference(c_order.slice(sub), gs, os);
                assert_eq!(view_f32(c_order.slice(sub), gs, os), want);
                assert_eq!(view_f32(f_order.slice(sub), gs, os), want);
                // every other row of the column-major one (columns strided)
                let every_other = ndarray::s![..;2, ..];
                let want = reference(c_order.slice(every_other), &g, &o);
                assert_eq!(view_f32(f_order.slice(every_other), &g, &o), want);
            }
            let want64 = Array2::from_shape_fn((rows, cols), |(r, c)| {
                f64::from(c_order[[r, c]]) * g[c] + o[c]
            });
            for input in [c_order.view(), f_order.view()] {
                let mut out = vec![0.0; rows * cols];
                view_f64_into(input, &g, &o, &mut out, Order::RowMajor).unwrap();
                assert_eq!(out, want64.iter().copied().collect::<Vec<_>>());
                view_f64_into(input, &g, &o, &mut out, Order::ColumnMajor).unwrap();
                assert_eq!(out, want64.t().iter().copied().collect::<Vec<_>>());
                let mut out32 = vec![0.0; rows * cols];
                view_f32_into(input, &g, &o, &mut out32, Order::ColumnMajor).unwrap();
                assert_eq!(out32, want.t().iter().copied().collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn a_buffer_of_the_wrong_size_is_an_error() {
        let a = Array2::<i16>::zeros((3, 2));
        let mut out = vec![0.0f32; 5];
        let e =
            view_f32_into(a.view(), &[1.0; 2], &[0.0; 2], &mut out, Order::RowMajor).unwrap_err();
        assert!(e.to_string().contains("5 values for a 3x2 chunk"), "{e}");
    }
}
