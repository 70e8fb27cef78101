//! Seeded randomisation: SpikeLab's `spike_shuffle`, `spike_shuffle_stack` and
//! `subset_stack`.
//!
//! **Difference from SpikeLab:** SpikeLab draws with numpy's `default_rng` (PCG64), which
//! this crate does not reproduce; the same seed gives a different (equally valid) draw. The
//! generator here is SplitMix64 with Lemire's unbiased bounded integers: the same seed
//! gives the same result on every platform, and the invariants SpikeLab documents hold
//! (per-unit and per-bin spike counts of the binarised raster for the shuffles; sorted,
//! distinct units for the subsets).

use crate::core::{Options, SpikeData};
use crate::error::{Result, SpikeDataError};
use crate::stack::SpikeSliceStack;
use std::collections::HashSet;

/// SplitMix64.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator from `seed`, or from the clock when `None`.
    pub(crate) fn new(seed: Option<u64>) -> Rng {
        Rng(seed.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0x5EED, |d| d.as_nanos() as u64)
        }))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`), Lemire's multiply-and-reject.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// A child seed (for the members of a stack).
    fn fork(&mut self) -> u64 {
        self.next_u64()
    }
}

impl SpikeData {
    /// SpikeLab's `spike_shuffle(swap_per_spike, seed, bin_size)`: the raster at
    /// `bin_size` ms is binarised (SpikeLab warns when a bin holds several spikes: their
    /// count is not kept) and randomised by degree-preserving double-edge swaps (Okun et
    /// al. 2012): `(swap_per_spike + 1) · spikes` attempts, a second round when fewer than
    /// `swap_per_spike · spikes` succeeded. Each unit keeps its number of active bins and
    /// each bin its number of active units. Spikes are rebuilt at bin centres
    /// (`from_raster`), with this window, attributes and metadata.
    pub fn spike_shuffle(
        &self,
        swap_per_spike: u64,
        seed: Option<u64>,
        bin_size: f64,
    ) -> Result<SpikeData> {
        if self.n_units() == 0 {
            return SpikeData::new(
                Vec::new(),
                Options {
                    length: Some(self.length),
                    start_time: self.start_time,
                    metadata: self.metadata.clone(),
                    ..Options::default()
                },
            );
        }
        let r = self.sparse_raster(bin_size, 0.0)?;
        let mut cells: Vec<(usize, usize)> = r.triplets().map(|(u, b, _)| (u, b)).collect();
        let mut occupied: HashSet<(usize, usize)> = cells.iter().copied().collect();
        let n = cells.len() as u64;
        let mut rng = Rng::new(seed);
        if n > 0 {
            let attempts = swap_per_spike.saturating_add(1).saturating_mul(n);
            let wanted = swap_per_spike.saturating_mul(n);
            let mut done = 0u64;
            for round in 0..2 {
                if round == 1 && done >= wanted {
                    break;
                }
                for _ in 0..attempts {
                    let a = rng.below(n) as usize;
                    let b = rng.below(n) as usize;
                    let ((i0, j0), (i1, j1)) = (cells[a], cells[b]);
                    if i0 == i1
                        || j0 == j1
                        || occupied.contains(&(i0, j1))
                        || occupied.contains(&(i1, j0))
                    {
                        continue;
                    }
                    occupied.remove(&(i0, j0));
                    occupied.remove(&(i1, j1));
                    occupied.insert((i0, j1));
                    occupied.insert((i1, j0));
                    cells[a] = (i0, j1);
                    cells[b] = (i1, j0);
                    done += 1;
                }
            }
        }
        let mut trains = vec![Vec::new(); self.n_units()];
        // from_raster with one spike per bin: base + (1 · bin/2 + 0)
        let step = bin_size / 2.0;
        for (u, b) in cells {
            if let Some(t) = trains.get_mut(u) {
                t.push(self.start_time + b as f64 * bin_size + (step + 0.0));
            }
        }
        SpikeData::new(
            trains,
            Options {
                n: Some(self.n_units()),
                length: Some(self.length),
                start_time: self.start_time,
                unit_attrs: self.unit_attrs.clone(),
                metadata: self.metadata.clone(),
                raw: None,
            },
        )
    }

    /// SpikeLab's `spike_shuffle_stack(n_shuffles, seed, swap_per_spike, bin_size)`:
    /// `n_shuffles` independent [`SpikeData::spike_shuffle`]s (child seeds drawn from
    /// `seed`), each spanning the whole window; the slices drop their attributes, the stack
    /// keeps this data's.
    pub fn spike_shuffle_stack(
        &self,
        n_shuffles: usize,
        seed: Option<u64>,
        swap_per_spike: u64,
        bin_size: f64,
    ) -> Result<SpikeSliceStack> {
        if n_shuffles < 1 {
            return Err(SpikeDataError::invalid("n_shuffles must be at least 1."));
        }
        let mut parent = Rng::new(seed);
        let slices = (0..n_shuffles)
            .map(|_| {
                let child = parent.fork();
                self.spike_shuffle(swap_per_spike, Some(child), bin_size)
                    .map(|mut s| {
                        s.unit_attrs = None;
                        s
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SpikeSliceStack {
            slices,
            windows: vec![(self.start_time, self.end_time()); n_shuffles],
            unit_attrs: self.unit_attrs.clone(),
            dropped: 0,
        })
    }

    /// SpikeLab's `subset_stack(n_subsets, units_per_subset, seed)`: `n_subsets` random
    /// subsets of `units_per_subset` distinct units (sorted), each a [`SpikeData::subset`]
    /// keeping its attributes; the stack has no attributes of its own (as SpikeLab).
    pub fn subset_stack(
        &self,
        n_subsets: usize,
        units_per_subset: usize,
        seed: Option<u64>,
    ) -> Result<SpikeSliceStack> {
        if n_subsets < 1 {
            return Err(SpikeDataError::invalid("n_subsets must be at least 1."));
        }
        let n = self.n_units();
        if units_per_subset > n {
            return Err(SpikeDataError::invalid(format!(
                "units_per_subset ({units_per_subset}) exceeds number of units ({n})"
            )));
        }
        let mut rng = Rng::new(seed);
        let mut slices = Vec::with_capacity(n_subsets.min(1 << 16));
        for _ in 0..n_subsets {
            // partial Fisher-Yates
            let mut pool: Vec<usize> = (0..n).collect();
            for k in 0..units_per_subset {
                let j = k + rng.below((n - k) as u64) as usize;
                pool.swap(k, j);
            }
            let mut pick = pool[..units_per_subset].to_vec();
            pick.sort_unstable();
            slices.push(self.subset(&pick, false)?);
        }
        Ok(SpikeSliceStack {
            slices,
            windows: vec![(self.start_time, self.end_time()); n_subsets],
            unit_attrs: None,
            dropped: 0,
        })
    }
}
