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
    /// Bin index of each stored entry.
    pub bins: Vec<usize>,
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
                .map(move |(&b, &c)| (u, b, c))
        })
    }

    /// The count at `(unit, bin)` (0 outside the stored entries).
    pub fn get(&self, unit: usize, bin: usize) -> u32 {
        if unit >= self.n_units {
            return 0;
        }
        let r = self.indptr[unit]..self.indptr[unit + 1];
        match self.bins[r.clone()].binary_search(&bin) {
            Ok(k) => self.counts[r.start + k],
            Err(_) => 0,
        }
    }

    /// Column sums: the population count per bin.
    pub fn column_sums(&self) -> Vec<u64> {
        let mut out = vec![0u64; self.n_bins];
        for (&b, &c) in self.bins.iter().zip(&self.counts) {
            out[b] += u64::from(c);
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
/// two (the product is then the correctly rounded quotient), else by a division.
#[derive(Debug, Clone, Copy)]
enum Scale {
    Mul(f64),
    Div(f64),
}

impl Scale {
    fn of(bin_size: f64) -> Scale {
        let inv = 1.0 / bin_size;
        let pow2 = bin_size.is_normal() && bin_size.to_bits() & ((1u64 << 52) - 1) == 0;
        if pow2 && inv.is_normal() {
            Scale::Mul(inv)
        } else {
            Scale::Div(bin_size)
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
/// its reciprocal (a division is several times slower than a product).
#[inline]
fn bin_of(v: f64, shift: f64, scale: Scale, last: usize) -> usize {
    let x = match scale {
        Scale::Mul(inv) => (v + shift) * inv,
        Scale::Div(bin) => (v + shift) / bin,
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
    pub fn sparse_raster(&self, bin_size: f64, time_offset: f64) -> Result<SparseRaster> {
        let nb = self.sparse_raster_bins(bin_size, time_offset)?;
        let n = self.trains.len();
        let mut indptr = Vec::with_capacity(n + 1);
        indptr.push(0);
        let total = self.spike_count();
        let mut bins = Vec::with_capacity(total);
        let mut counts: Vec<u32> = Vec::with_capacity(total);
        let last = nb.saturating_sub(1);
        let shift = -self.start_time + time_offset;
        let scale = Scale::of(bin_size);
        for t in &self.trains {
            // trains are sorted, so bins are non-decreasing within a row
            let mut prev = usize::MAX;
            for &v in t {
                let b = bin_of(v, shift, scale, last);
                if b == prev {
                    if let Some(c) = counts.last_mut() {
                        *c = c.saturating_add(1);
                    }
                } else {
                    bins.push(b);
                    counts.push(1);
                    prev = b;
                }
            }
            indptr.push(bins.len());
        }
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
        const BLOCK: usize = 1 << 15;
        let mut out = vec![0u64; nb];
        let last = nb.saturating_sub(1);
        let shift = -self.start_time + time_offset;
        let scale = Scale::of(bin_size);
        let mut cursor = vec![0usize; self.trains.len()];
        let mut block = vec![0u64; BLOCK.min(nb)];
        let mut lo = 0;
        while lo < nb {
            let hi = (lo + BLOCK).min(nb);
            for (t, k) in self.trains.iter().zip(cursor.iter_mut()) {
                while let Some(&v) = t.get(*k) {
                    let b = bin_of(v, shift, scale, last);
                    if b >= hi {
                        break;
                    }
                    // b >= lo: bins are non-decreasing along a sorted train
                    if let Some(c) = block.get_mut(b.wrapping_sub(lo)) {
                        *c += 1;
                    }
                    *k += 1;
                }
            }
            for (o, c) in out[lo..hi].iter_mut().zip(block.iter_mut()) {
                *o = std::mem::take(c);
            }
            lo = hi;
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
