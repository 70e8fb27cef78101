//! Raster at 1 ms of 1,000 units with 10^7 spikes in total over 1 h.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
mod common;
use spikedata::SpikeData;

fn data() -> SpikeData {
    // 1000 units × 10_000 spikes uniformly over 3.6e6 ms
    common::data(1000, 10_000, 3.6e6)
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
