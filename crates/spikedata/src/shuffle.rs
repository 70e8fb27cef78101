//! Seeded randomisation: SpikeLab's `spike_shuffle`, `spike_shuffle_stack` and
//! `subset_stack`.
//!
//! The draws are numpy's (`np.random.default_rng(seed)`: SeedSequence + PCG64, reproduced in
//! `nprandom`), so an integer seed gives exactly SpikeLab's result. Without a seed the
//! generator is seeded from the clock (SpikeLab: from the OS entropy).

use crate::core::{Options, SpikeData};
use crate::error::{Result, SpikeDataError};
use crate::nprandom::{Pcg64, SeedSequence};
use crate::stack::SpikeSliceStack;
use std::collections::HashSet;

/// `np.random.default_rng(seed)`, or a clock-seeded generator when `None`.
fn rng_of(seed: Option<u64>) -> Pcg64 {
    let s = seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x5EED, |d| d.as_nanos() as u64)
    });
    Pcg64::seeded(u128::from(s))
}

/// numpy's `Generator.choice(pop, size, replace=False)` (shuffle on): a tail shuffle of
/// `arange(pop)` for large draws from large populations, else Floyd's algorithm with numpy's
/// open-addressing set followed by a shuffle of the draw.
fn choice_without_replacement(rng: &mut Pcg64, pop: usize, size: usize) -> Vec<usize> {
    if size == 0 {
        return Vec::new();
    }
    let (pop64, size64) = (pop as u64, size as u64);
    let idx: Vec<u64> = if pop > 10000 && size > pop / 50 {
        let mut all: Vec<u64> = (0..pop64).collect();
        let first = (pop64 - size64).max(1);
        for i in (first..pop64).rev() {
            let j = rng.bounded(i) as usize;
            all.swap(i as usize, j);
        }
        all.split_off(pop - size)
    } else {
        let set_size = (1.2 * size as f64) as u64;
        let mut mask = set_size;
        for s in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> s;
        }
        let empty = u64::MAX;
        let mut hash_set = vec![empty; usize::try_from(mask + 1).unwrap_or(usize::MAX)];
        let mut out = vec![0u64; size];
        for j in pop64 - size64..pop64 {
            let val = rng.bounded(j);
            let mut loc = (val & mask) as usize;
            while hash_set[loc] != empty && hash_set[loc] != val {
                loc = (loc + 1) & mask as usize;
            }
            let slot = (j + size64 - pop64) as usize;
            if hash_set[loc] == empty {
                hash_set[loc] = val;
                out[slot] = val;
            } else {
                let mut loc = (j & mask) as usize;
                while hash_set[loc] != empty {
                    loc = (loc + 1) & mask as usize;
                }
                hash_set[loc] = j;
                out[slot] = j;
            }
        }
        // _shuffle_int(size, 1, out): only after Floyd's draw
        for i in (1..out.len()).rev() {
            let j = rng.bounded(i as u64) as usize;
            out.swap(i, j);
        }
        out
    };
    idx.into_iter().map(|v| v as usize).collect()
}

/// SpikeLab's `randomize` on the active cells (`np.where(raster == 1)`, row-major): double-edge
/// swaps drawn with `rng.integers(n)` twice per attempt, `(swap_per_spike + 1) · n` attempts
/// and a second round when fewer than `swap_per_spike · n` succeeded.
fn double_edge_swaps(cells: &mut [(usize, usize)], swap_per_spike: u64, rng: &mut Pcg64) {
    let mut occupied: HashSet<(usize, usize)> = cells.iter().copied().collect();
    let n = cells.len() as u64;
    if n == 0 {
        return;
    }
    let attempts = swap_per_spike.saturating_add(1).saturating_mul(n);
    let wanted = swap_per_spike.saturating_mul(n);
    let mut done = 0u64;
    for round in 0..2 {
        if round == 1 && done >= wanted {
            break;
        }
        for _ in 0..attempts {
            let a = rng.bounded(n - 1) as usize;
            let b = rng.bounded(n - 1) as usize;
            let ((i0, j0), (i1, j1)) = (cells[a], cells[b]);
            if i0 == i1 || j0 == j1 || occupied.contains(&(i0, j1)) || occupied.contains(&(i1, j0))
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

impl SpikeData {
    /// SpikeLab's `spike_shuffle(swap_per_spike, seed, bin_size)`: the raster at
    /// `bin_size` ms is binarised (SpikeLab warns when a bin holds several spikes: their
    /// count is not kept) and randomised by degree-preserving double-edge swaps (Okun et
    /// al. 2012): `(swap_per_spike + 1) · spikes` attempts, a second round when fewer than
    /// `swap_per_spike · spikes` succeeded. Each unit keeps its number of active bins and
    /// each bin its number of active units. Spikes are rebuilt at bin centres
    /// (`from_raster`), with this window, attributes and metadata.
    ///
    /// Draws: `np.random.default_rng(seed).integers(n)` twice per attempt, as SpikeLab's
    /// `swap`; the same seed gives spikelab's shuffle exactly.
    pub fn spike_shuffle(
        &self,
        swap_per_spike: u64,
        seed: Option<u64>,
        bin_size: f64,
    ) -> Result<SpikeData> {
        self.shuffle_with(swap_per_spike, &mut rng_of(seed), bin_size)
    }

    fn shuffle_with(
        &self,
        swap_per_spike: u64,
        rng: &mut Pcg64,
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
        double_edge_swaps(&mut cells, swap_per_spike, rng);
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
    /// `n_shuffles` independent [`SpikeData::spike_shuffle`]s (the children of numpy's
    /// `SeedSequence(seed).spawn(n_shuffles)`, as SpikeLab), each spanning the whole window;
    /// the slices drop their attributes, the stack keeps this data's.
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
        // SeedSequence(seed).spawn(n): one independent stream per shuffle
        let children: Vec<Option<SeedSequence>> = match seed {
            Some(s) => SeedSequence::new(u128::from(s))
                .spawn(n_shuffles)
                .into_iter()
                .map(Some)
                .collect(),
            None => vec![None; n_shuffles],
        };
        let slices = children
            .iter()
            .map(|child| {
                let mut rng = match child {
                    Some(c) => Pcg64::from_seed_sequence(c),
                    None => rng_of(None),
                };
                self.shuffle_with(swap_per_spike, &mut rng, bin_size)
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
    /// keeping its attributes; the stack has no attributes of its own (as SpikeLab). Draws:
    /// numpy's `default_rng(seed).choice(N, k, replace=False)` per subset (spikelab's units
    /// for the same seed).
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
        let mut rng = rng_of(seed);
        let mut slices = Vec::with_capacity(n_subsets.min(1 << 16));
        for _ in 0..n_subsets {
            let mut pick = choice_without_replacement(&mut rng, n, units_per_subset);
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
