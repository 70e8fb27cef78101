//! Binning: `sparse_raster`, `raster`, `binned`, `binned_meanrate`, `rates`.

use crate::core::SpikeData;
use crate::error::{Result, SpikeDataError};
use ndarray::Array2;

/// Unit of a firing rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RateUnit {
    /// Spikes per ms (SpikeLab's default).
    #[default]
    KHz,
    /// Spikes per second.
    Hz,
}

impl RateUnit {
    fn scale(self, kilohertz: f64) -> f64 {
        match self {
            RateUnit::KHz => kilohertz,
            RateUnit::Hz => 1e3 * kilohertz,
        }
    }
}

/// A `units × bins` count matrix in compressed sparse row form (what SpikeLab's
/// `sparse_raster` returns as a `scipy.sparse.csr_matrix`, with duplicates summed).
///
/// The entries of row `u` are `bins[indptr[u]..indptr[u+1]]` (strictly increasing) with
/// `counts[..]` alongside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparseRaster {
    /// Number of units (rows).
    pub n_units: usize,
    /// Number of bins (columns).
    pub n_bins: usize,
    /// Row pointers, length `n_units + 1`.
    pub indptr: Vec<usize>,
    /// Bin index of each stored entry (`u32`, as scipy's `int32` CSR indices: a raster has at
    /// most 2^32 bins).
    pub bins: Vec<u32>,
    /// Spike count of each stored entry (never 0).
    pub counts: Vec<u32>,
}

impl SparseRaster {
    /// The `(unit, bin, count)` triplets in row order.
    pub fn triplets(&self) -> impl Iterator<Item = (usize, usize, u32)> + '_ {
        (0..self.n_units).flat_map(move |u| {
            let r = self.indptr[u]..self.indptr[u + 1];
            self.bins[r.clone()]
                .iter()
                .zip(&self.counts[r])
                .map(move |(&b, &c)| (u, b as usize, c))
        })
    }

    /// The count at `(unit, bin)` (0 outside the stored entries).
    pub fn get(&self, unit: usize, bin: usize) -> u32 {
        if unit >= self.n_units {
            return 0;
        }
        let r = self.indptr[unit]..self.indptr[unit + 1];
        let Ok(bin) = u32::try_from(bin) else {
            return 0;
        };
        match self.bins[r.clone()].binary_search(&bin) {
            Ok(k) => self.counts[r.start + k],
            Err(_) => 0,
        }
    }

    /// Column sums: the population count per bin.
    pub fn column_sums(&self) -> Vec<u64> {
        let mut out = vec![0u64; self.n_bins];
        for (&b, &c) in self.bins.iter().zip(&self.counts) {
            out[b as usize] += u64::from(c);
        }
        out
    }

    /// The dense `units × bins` matrix. Fails when it would not fit in memory addressing.
    pub fn to_dense(&self) -> Result<Array2<u32>> {
        check_dense(self.n_units, self.n_bins)?;
        let mut out = Array2::<u32>::zeros((self.n_units, self.n_bins));
        for (u, b, c) in self.triplets() {
            out[[u, b]] = c;
        }
        Ok(out)
    }
}

/// Fails when a dense `rows × cols` `u32` matrix would not fit in memory addressing.
pub(crate) fn check_dense(rows: usize, cols: usize) -> Result<()> {
    rows.checked_mul(cols)
        .filter(|&n| n <= isize::MAX as usize / 4)
        .map(|_| ())
        .ok_or_else(|| {
            SpikeDataError::invalid(format!(
                "a dense {rows} × {cols} raster is too large; use sparse_raster"
            ))
        })
}

/// Rasters with at least this many spikes are built by several threads.
const PARALLEL_SPIKES: usize = 1 << 20;

/// Contiguous unit ranges with about `total / parts` spikes each (at most `parts`).
pub(crate) fn unit_groups(trains: &[Vec<f64>], parts: usize) -> Vec<std::ops::Range<usize>> {
    let total: usize = trains.iter().map(Vec::len).sum();
    let per = total.div_ceil(parts.max(1)).max(1);
    let mut out = Vec::with_capacity(parts);
    let (mut start, mut acc) = (0, 0);
    for (i, t) in trains.iter().enumerate() {
        acc += t.len();
        if acc >= per && out.len() + 1 < parts {
            out.push(start..i + 1);
            start = i + 1;
            acc = 0;
        }
    }
    if start < trains.len() || out.is_empty() {
        out.push(start..trains.len());
    }
    out
}

/// SpikeLab's bin count: `int(ceil((length + time_offset) / bin_size))`.
fn n_bins(length: f64, time_offset: f64, bin_size: f64) -> Result<usize> {
    let n = ((length + time_offset) / bin_size).ceil();
    if !(n >= 0.0) || n > (usize::MAX / 2) as f64 {
        return Err(SpikeDataError::invalid(format!(
            "cannot make {n} bins of {bin_size} ms"
        )));
    }
    Ok(n as usize)
}

/// How to divide by the bin size: by an exact reciprocal product when the bin is a power of
/// two (the product is then the correctly rounded quotient), else by a product with the
/// rounded reciprocal checked against the exact quotient near bin edges.
#[derive(Debug, Clone, Copy)]
enum Scale {
    Mul(f64),
    Div { bin: f64, inv: f64 },
}

impl Scale {
    fn of(bin_size: f64) -> Scale {
        let inv = 1.0 / bin_size;
        let pow2 = bin_size.is_normal() && bin_size.to_bits() & ((1u64 << 52) - 1) == 0;
        if pow2 && inv.is_normal() {
            Scale::Mul(inv)
        } else {
            Scale::Div { bin: bin_size, inv }
        }
    }
}

/// SpikeLab's bin of time `v`: `ceil((v + shift)/bin) - 1`, clipped to `[0, last]`.
///
/// The ceiling is taken on integers (`f64::ceil` is a libm call on baseline x86-64): for
/// `0 < x < last + 1`, `ceil(x) = trunc(x) + (trunc(x) < x)`; `x <= 0` gives bin 0 and
/// `x >= last + 1` the last bin, as the clip does.
///
/// `scale` is `Scale::of(bin_size)`: a power-of-two bin is applied as an exact product by
/// its reciprocal (a division is several times slower than a product). For other bins the
/// product with the rounded reciprocal is within a few ulps of the quotient, so its ceiling
/// is the quotient's unless it lies within `1e-13` (relative) of an integer; only then is the
/// exact division done.
#[inline]
fn bin_of(v: f64, shift: f64, scale: Scale, last: usize) -> usize {
    let x = match scale {
        Scale::Mul(inv) => (v + shift) * inv,
        Scale::Div { bin, inv } => {
            let y = (v + shift) * inv;
            if y > 0.0 && y < last as f64 + 1.0 {
                let t = y as usize;
                let f = y - t as f64;
                let m = y * 1e-13;
                if f > m && f < 1.0 - m {
                    return t;
                }
            }
            (v + shift) / bin
        }
    };
    if !(x > 0.0) {
        return 0;
    }
    if x >= last as f64 + 1.0 {
        return last;
    }
    let t = x as usize;
    (if (t as f64) < x { t + 1 } else { t }).saturating_sub(1)
}

impl SpikeData {
    /// Checks the arguments of [`SpikeData::sparse_raster`] and returns the bin count.
    pub(crate) fn sparse_raster_bins(&self, bin_size: f64, time_offset: f64) -> Result<usize> {
        if bin_size.is_nan() || bin_size <= 0.0 {
            return Err(SpikeDataError::invalid(format!(
                "bin_size must be > 0, got {bin_size}."
            )));
        }
        if !time_offset.is_finite() {
            return Err(SpikeDataError::invalid(format!(
                "time_offset must be finite, got {time_offset}."
            )));
        }
        if time_offset < -self.length {
            return Err(SpikeDataError::invalid(format!(
                "time_offset ({time_offset}) cannot be less than -length ({})",
                -self.length
            )));
        }
        let nb = n_bins(self.length, time_offset, bin_size)?;
        if nb == 0 && self.trains.iter().any(|t| !t.is_empty()) {
            return Err(SpikeDataError::invalid(
                "cannot bin spikes into a raster with zero bins",
            ));
        }
        Ok(nb)
    }

    /// SpikeLab's `sparse_raster(bin_size, time_offset)`: bins are **right-closed** relative
    /// to `start_time` (`bin = ceil((t - start_time + offset)/bin) - 1`), clipped to
    /// `[0, n_bins-1]` so a spike at exactly `start_time` lands in bin 0 and one at the very
    /// end in the last bin; `n_bins = ceil((length + time_offset)/bin_size)`.
    ///
    /// **Zero bins with spikes is an error** ([`SpikeDataError::InvalidArgument`]): a
    /// zero-length window (or `time_offset = -length`) gives zero bins, and a spike has no
    /// bin to go to. SpikeLab clips its bin index to `[0, -1]` and builds an invalid CSR
    /// matrix (column `-1`) that corrupts memory when it is used (`binned` then aborts
    /// the interpreter). Zero bins without spikes is an empty raster, as SpikeLab.
    ///
    /// Bin indexes are `u32` (scipy's `int32` CSR indices): more than 2^32 bins (49 days at
    /// 1 ms) is an error. Large rasters (2^20 spikes and more) are built by the idle cores.
    pub fn sparse_raster(&self, bin_size: f64, time_offset: f64) -> Result<SparseRaster> {
        let nb = self.sparse_raster_bins(bin_size, time_offset)?;
        if nb as u64 > 1u64 << 32 {
            return Err(SpikeDataError::invalid(format!(
                "a sparse raster of {nb} bins exceeds 2^32 bins; use a larger bin_size"
            )));
        }
        let n = self.trains.len();
        let last = nb.saturating_sub(1);
        let shift = -self.start_time + time_offset;
        let scale = Scale::of(bin_size);
        let total = self.spike_count();
        let threads = crate::parallel::threads_for(total, PARALLEL_SPIKES);
        // each train's entries: its bins, equal neighbours merged (trains are sorted, so
        // bins are non-decreasing within a row)
        let row = |t: &[f64], bins: &mut [u32], counts: &mut [u32]| -> usize {
            let mut k = 0;
            let mut prev = usize::MAX;
            for &v in t {
                let b = bin_of(v, shift, scale, last);
                if b == prev {
                    counts[k - 1] = counts[k - 1].saturating_add(1);
                } else {
                    // nb <= 2^32 is checked above
                    bins[k] = b as u32;
                    counts[k] = 1;
                    prev = b;
                    k += 1;
                }
            }
            k
        };
        let distinct = |t: &[f64]| -> usize {
            let mut k = 0;
            let mut prev = usize::MAX;
            for &v in t {
                let b = bin_of(v, shift, scale, last);
                if b != prev {
                    k += 1;
                    prev = b;
                }
            }
            k
        };
        // unit ranges of about equal spike counts, one per thread
        let groups = unit_groups(&self.trains, threads);
        // pass 1: entries per unit (in parallel), then the row pointers
        let per_unit: Vec<usize> = if threads > 1 {
            std::thread::scope(|s| {
                let hs: Vec<_> = groups
                    .iter()
                    .map(|r| {
                        let tr = &self.trains[r.clone()];
                        s.spawn(move || tr.iter().map(|t| distinct(t)).collect::<Vec<_>>())
                    })
                    .collect();
                hs.into_iter()
                    .flat_map(|h| h.join().unwrap_or_default())
                    .collect()
            })
        } else {
            Vec::new()
        };
        if threads > 1 && per_unit.len() == n {
            let mut indptr = Vec::with_capacity(n + 1);
            indptr.push(0);
            for &k in &per_unit {
                indptr.push(indptr[indptr.len() - 1] + k);
            }
            let nnz = indptr[n];
            // zeroed (lazily mapped) buffers: the threads fault their own pages in
            let mut bins = vec![0u32; nnz];
            let mut counts = vec![0u32; nnz];
            std::thread::scope(|s| {
                let (mut rb, mut rc) = (&mut bins[..], &mut counts[..]);
                for r in &groups {
                    let len = indptr[r.end] - indptr[r.start];
                    let (b, rest_b) = std::mem::take(&mut rb).split_at_mut(len);
                    let (c, rest_c) = std::mem::take(&mut rc).split_at_mut(len);
                    rb = rest_b;
                    rc = rest_c;
                    let tr = &self.trains[r.clone()];
                    let row = &row;
                    s.spawn(move || {
                        let mut off = 0;
                        for t in tr {
                            off += row(t, &mut b[off..], &mut c[off..]);
                        }
                    });
                }
            });
            return Ok(SparseRaster {
                n_units: n,
                n_bins: nb,
                indptr,
                bins,
                counts,
            });
        }
        let mut indptr = Vec::with_capacity(n + 1);
        indptr.push(0);
        let mut bins = vec![0u32; total];
        let mut counts = vec![0u32; total];
        let mut off = 0;
        for t in &self.trains {
            off += row(t, &mut bins[off..], &mut counts[off..]);
            indptr.push(off);
        }
        bins.truncate(off);
        counts.truncate(off);
        Ok(SparseRaster {
            n_units: n,
            n_bins: nb,
            indptr,
            bins,
            counts,
        })
    }

    /// SpikeLab's `raster(bin_size, time_offset)`: the dense `units × bins` form of
    /// [`SpikeData::sparse_raster`]. Mind the size: 1000 units × 1 h at 1 ms is 3.6 G entries.
    pub fn raster(&self, bin_size: f64, time_offset: f64) -> Result<Array2<u32>> {
        self.sparse_raster(bin_size, time_offset)?.to_dense()
    }

    /// SpikeLab's `binned(bin_size)`: population spike count per bin (same bins as
    /// [`SpikeData::sparse_raster`], counted straight into the bins without building the
    /// raster). Zero bins with spikes is an error, as in [`SpikeData::sparse_raster`].
    pub fn binned(&self, bin_size: f64) -> Result<Vec<u64>> {
        if self.trains.is_empty() {
            let nb = if self.length > 0.0 {
                n_bins(self.length, 0.0, bin_size)?
            } else {
                0
            };
            return Ok(vec![0; nb]);
        }
        let nb = self.sparse_raster_bins(bin_size, 0.0)?;
        Ok(self.column_counts(nb, bin_size, 0.0))
    }

    /// The population count per bin of [`SpikeData::sparse_raster`]`(bin_size,
    /// time_offset)` with `nb` bins (already checked).
    ///
    /// The bins are filled block by block (each train resumes where it stopped), so the
    /// counters being written stay in cache however many units there are.
    pub(crate) fn column_counts(&self, nb: usize, bin_size: f64, time_offset: f64) -> Vec<u64> {
        let mut out = vec![0u64; nb];
        let last = nb.saturating_sub(1);
        let shift = -self.start_time + time_offset;
        let scale = Scale::of(bin_size);
        let threads = if nb >= 1024 {
            crate::parallel::threads_for(self.spike_count(), PARALLEL_SPIKES)
        } else {
            1
        };
        // bins lo.. of `part`: each train starts at its first spike in bin >= lo. The
        // counters of a block are u32 (half the cache of u64; a block holds fewer than
        // 2^32 spikes unless the whole data does, which takes the u64 path).
        let small = self.spike_count() < u32::MAX as usize;
        let fill = |lo: usize, part: &mut [u64]| {
            const BLOCK: usize = 1 << 15;
            let end = lo + part.len();
            let mut cursor: Vec<usize> = self
                .trains
                .iter()
                .map(|t| {
                    if lo == 0 {
                        0
                    } else {
                        t.partition_point(|&v| bin_of(v, shift, scale, last) < lo)
                    }
                })
                .collect();
            let mut block = vec![0u32; if small { BLOCK.min(part.len()) } else { 0 }];
            let mut wide = vec![0u64; if small { 0 } else { BLOCK.min(part.len()) }];
            let mut b0 = lo;
            while b0 < end {
                let b1 = (b0 + BLOCK).min(end);
                for (t, k) in self.trains.iter().zip(cursor.iter_mut()) {
                    let run = &t[*k..];
                    let mut taken = 0;
                    for &v in run {
                        let b = bin_of(v, shift, scale, last);
                        if b >= b1 {
                            break;
                        }
                        // b >= b0: bins are non-decreasing along a sorted train
                        let i = b.wrapping_sub(b0);
                        if small {
                            if let Some(c) = block.get_mut(i) {
                                *c += 1;
                            }
                        } else if let Some(c) = wide.get_mut(i) {
                            *c += 1;
                        }
                        taken += 1;
                    }
                    *k += taken;
                }
                let dst = &mut part[b0 - lo..b1 - lo];
                if small {
                    for (o, c) in dst.iter_mut().zip(block.iter_mut()) {
                        *o = u64::from(std::mem::take(c));
                    }
                } else {
                    for (o, c) in dst.iter_mut().zip(wide.iter_mut()) {
                        *o = std::mem::take(c);
                    }
                }
                b0 = b1;
            }
        };
        if threads > 1 {
            let per = nb.div_ceil(threads);
            std::thread::scope(|s| {
                for (i, part) in out.chunks_mut(per).enumerate() {
                    let fill = &fill;
                    s.spawn(move || fill(i * per, part));
                }
            });
        } else {
            fill(0, &mut out);
        }
        out
    }

    /// SpikeLab's `binned_meanrate(bin_size, unit)`: `binned / N / bin_size` (kHz), ×1e3 for
    /// Hz.
    pub fn binned_meanrate(&self, bin_size: f64, unit: RateUnit) -> Result<Vec<f64>> {
        if !(bin_size > 0.0) {
            return Err(SpikeDataError::invalid(format!(
                "bin_size must be > 0, got {bin_size}."
            )));
        }
        if self.trains.is_empty() {
            return Ok(vec![0.0; self.sparse_raster(bin_size, 0.0)?.n_bins]);
        }
        let n = self.trains.len() as f64;
        Ok(self
            .binned(bin_size)?
            .into_iter()
            .map(|c| unit.scale(c as f64 / n / bin_size))
            .collect())
    }

    /// SpikeLab's `rates(unit)`: spike count / length per unit (0 when the length is 0).
    pub fn rates(&self, unit: RateUnit) -> Vec<f64> {
        if self.length == 0.0 {
            return vec![0.0; self.trains.len()];
        }
        self.trains
            .iter()
            .map(|t| unit.scale(t.len() as f64 / self.length))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reciprocal product with its edge check gives the division's bins, also for times
    /// that are exact or near multiples of the bin.
    #[test]
    fn reciprocal_bins_equal_division_bins() {
        for &bin in &[0.3, 7.3, 40.0, 2.5, 0.1, 1e-3 * 3.0, 12345.678] {
            let scale = Scale::of(bin);
            let last = 1usize << 40;
            let exact = |v: f64| {
                let x = v / bin;
                if !(x > 0.0) {
                    0
                } else {
                    (x.ceil() as usize).saturating_sub(1).min(last)
                }
            };
            let mut state = 0x9E37_79B9_7F4A_7C15u64;
            for k in 0..200_000u64 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let m = (k % 5000) as f64;
                let v = match k % 4 {
                    0 => m * bin,
                    1 => f64::from_bits((m * bin).to_bits().wrapping_add(state % 5)),
                    2 => f64::from_bits((m * bin).to_bits().wrapping_sub(state % 5)),
                    _ => (state >> 11) as f64 / (1u64 << 53) as f64 * 5000.0 * bin,
                };
                assert_eq!(bin_of(v, 0.0, scale, last), exact(v), "bin {bin} v {v:?}");
            }
        }
    }
}
