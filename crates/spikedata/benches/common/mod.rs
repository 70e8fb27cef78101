//! The benches' data: uniform spikes from a fixed LCG.
#![allow(clippy::unwrap_used)]

use spikedata::{Options, SpikeData};

/// `units` trains of `per_unit` uniform spikes in `[0, length)` ms.
pub fn data(units: usize, per_unit: usize, length: f64) -> SpikeData {
    let mut state = 0x1234_5678_9abc_def0u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let trains = (0..units)
        .map(|_| (0..per_unit).map(|_| next() * length).collect())
        .collect();
    SpikeData::new(trains, Options::length(length)).unwrap()
}
