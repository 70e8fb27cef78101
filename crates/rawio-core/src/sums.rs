//! Exact per-channel sums of signal chunks at memory speed.
//!
//! Integer samples are summed exactly (the result is converted to f64 once, at the end); float
//! samples are summed in f64, in sample order per channel. Narrow integers accumulate in `i32` /
//! `i64` lanes over blocks of rows that cannot overflow, then flush to `i128` totals, so the
//! inner loop is a plain widening add that the compiler vectorizes.

use crate::dispatch_raw;
use crate::dtype::{RawChunk, Sample};
use ndarray::{ArrayView2, CowArray, Ix2};

/// Running per-channel sums over consecutive chunks of one stream (all chunks must have the
/// same number of channels; extra columns are ignored, missing ones add nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSums {
    ints: Vec<i128>,
    floats: Vec<f64>,
    is_float: bool,
}

/// Rows per block for narrow (≤ 16-bit) integers: `65535 × 32768 < 2^31`.
const NARROW_BLOCK: usize = 32_768;

impl ColumnSums {
    /// Sums of `n` channels, all zero.
    pub fn new(n: usize) -> Self {
        ColumnSums {
            ints: vec![0; n],
            floats: vec![0.0; n],
            is_float: false,
        }
    }

    /// Adds every sample of `chunk` (`samples × channels`) to its channel's sum.
    pub fn add(&mut self, chunk: &RawChunk<'_>) {
        dispatch_raw!(chunk, a => self.add_typed(a));
    }

    fn add_typed<T: Sample>(&mut self, a: &CowArray<'_, T, Ix2>) {
        let view = a.view();
        if T::DTYPE.is_float() {
            self.is_float = true;
            add_rows(view, &mut self.floats, |acc: &mut f64, v: T| {
                *acc += v.to_f64()
            });
            return;
        }
        match T::DTYPE.size() {
            1 | 2 => {
                let mut acc = vec![0i32; self.ints.len()];
                for start in (0..view.nrows()).step_by(NARROW_BLOCK) {
                    let end = (start + NARROW_BLOCK).min(view.nrows());
                    let block = view.slice(ndarray::s![start..end, ..]);
                    add_rows(block, &mut acc, |s: &mut i32, v: T| {
                        // exact: |v| <= 65535 for every 1- or 2-byte integer type
                        *s += v.to_i128() as i32
                    });
                    for (t, s) in self.ints.iter_mut().zip(acc.iter_mut()) {
                        *t += i128::from(*s);
                        *s = 0;
                    }
                }
            }
            4 => {
                // |v| < 2^32 and a chunk has < 2^31 rows: no i64 overflow
                let mut acc = vec![0i64; self.ints.len()];
                add_rows(view, &mut acc, |s: &mut i64, v: T| *s += v.to_i128() as i64);
                for (t, s) in self.ints.iter_mut().zip(acc) {
                    *t += i128::from(s);
                }
            }
            _ => add_rows(view, &mut self.ints, |s: &mut i128, v: T| *s += v.to_i128()),
        }
    }

    /// Adds the sums of `other` (the sums of a later part of the same stream).
    pub fn merge(&mut self, other: &ColumnSums) {
        for (a, b) in self.ints.iter_mut().zip(&other.ints) {
            *a += *b;
        }
        for (a, b) in self.floats.iter_mut().zip(&other.floats) {
            *a += *b;
        }
        self.is_float |= other.is_float;
    }

    /// The sums as f64 (integers exact until this conversion).
    pub fn to_f64(&self) -> Vec<f64> {
        if self.is_float {
            self.floats.clone()
        } else {
            self.ints.iter().map(|&v| v as f64).collect()
        }
    }
}

/// `acc[c] op= row[c]` for every row: over one flat slice when the view is contiguous
/// (the vectorizable path), row by row otherwise.
fn add_rows<T: Sample, A>(view: ArrayView2<'_, T>, acc: &mut [A], add: impl Fn(&mut A, T)) {
    let nc = view.ncols();
    if nc == 0 {
        return;
    }
    let transposed = view.t();
    if view.as_slice().is_none()
        && let Some(flat) = transposed.as_slice()
    {
        // column-major: each channel is one contiguous run
        for (a, col) in acc.iter_mut().zip(flat.chunks_exact(view.nrows().max(1))) {
            for &v in col {
                add(a, v);
            }
        }
        return;
    }
    if let Some(flat) = view.as_slice() {
        for row in flat.chunks_exact(nc) {
            for (a, &v) in acc.iter_mut().zip(row) {
                add(a, v);
            }
        }
    } else {
        for row in view.rows() {
            for (a, &v) in acc.iter_mut().zip(row.iter()) {
                add(a, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, ShapeBuilder, array};

    #[test]
    fn exact_for_every_width() {
        let n = 100_000usize;
        let a = Array2::from_shape_fn(
            (n, 2),
            |(i, c)| if c == 0 { i16::MAX } else { -(i as i16 % 7) },
        );
        let mut s = ColumnSums::new(2);
        s.add(&RawChunk::new(a.view()));
        s.add(&RawChunk::new(a.slice(ndarray::s![..10, ..])));
        let want0 = (n as f64 + 10.0) * f64::from(i16::MAX);
        let want1: i64 = (0..n).chain(0..10).map(|i| -((i as i16 % 7) as i64)).sum();
        assert_eq!(s.to_f64(), vec![want0, want1 as f64]);

        let u = array![[u64::MAX, 1], [u64::MAX, 2]];
        let mut s = ColumnSums::new(2);
        s.add(&RawChunk::new(u.view()));
        assert_eq!(s.to_f64(), vec![2.0 * u64::MAX as f64, 3.0]);

        let w = array![[u32::MAX, 0], [u32::MAX, 5]];
        let mut s = ColumnSums::new(2);
        s.add(&RawChunk::new(w.view()));
        assert_eq!(s.to_f64(), vec![2.0 * f64::from(u32::MAX), 5.0]);

        let f = array![[0.5f32, 1.0], [0.25, -1.0]];
        let mut s = ColumnSums::new(2);
        s.add(&RawChunk::new(f.view()));
        assert_eq!(s.to_f64(), vec![0.75, 0.0]);

        // column-major
        let fo = Array2::from_shape_vec((3, 2).f(), vec![1i16, 2, 3, 10, 20, 30]).unwrap();
        let mut s = ColumnSums::new(2);
        s.add(&RawChunk::new(fo.view()));
        assert_eq!(s.to_f64(), vec![6.0, 60.0]);

        // a non-contiguous view (every other column)
        let b = Array2::from_shape_fn((5, 4), |(i, c)| (i * 10 + c) as u8);
        let v = b.slice(ndarray::s![.., ..;2]);
        let mut s = ColumnSums::new(2);
        s.add(&RawChunk::new(v));
        assert_eq!(s.to_f64(), vec![100.0, 110.0]);
    }
}
