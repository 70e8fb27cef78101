//! Raster at 1 ms of 1,000 units with 10^7 spikes in total over 1 h.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use spikedata::{Options, SpikeData};

fn data() -> SpikeData {
    // deterministic LCG: 1000 units × 10_000 spikes uniformly over 3.6e6 ms
    let mut state = 0x1234_5678_9abc_def0u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let trains = (0..1000)
        .map(|_| (0..10_000).map(|_| next() * 3.6e6).collect())
        .collect();
    SpikeData::new(trains, Options::length(3.6e6)).unwrap()
}

fn bench(c: &mut Criterion) {
    let sd = data();
    let mut g = c.benchmark_group("raster_1000u_1e7spk_1h");
    g.sample_size(10);
    g.bench_function("sparse_raster_1ms", |b| {
        b.iter(|| sd.sparse_raster(1.0, 0.0).unwrap())
    });
    g.bench_function("binned_1ms", |b| b.iter(|| sd.binned(1.0).unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
