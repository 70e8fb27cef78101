//! Issue 18's operations: npz writing, population rate and bursts on 1,000 units × 10^4
//! spikes over 1 h; STTC, pairwise latencies and cross-correlograms on 50 units × 1,000
//! spikes over 60 s. `scripts/compare_spikelab.py` times the same against spikelab.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
mod common;
use common::data;
use spikedata::BurstOptions;

fn bench(c: &mut Criterion) {
    let big = data(1000, 10_000, 3.6e6);
    let dir = tempfile::tempdir().unwrap();
    let npz = dir.path().join("big.npz");
    let mut g = c.benchmark_group("population_1000u_1e7spk_1h");
    g.sample_size(10);
    g.bench_function("write_npz", |b| b.iter(|| big.write_npz(&npz).unwrap()));
    g.bench_function("get_pop_rate_20_100", |b| {
        b.iter(|| big.get_pop_rate(20.0, 100.0, 1.0).unwrap())
    });
    g.bench_function("get_bursts", |b| {
        b.iter(|| big.get_bursts(&BurstOptions::new(1.5, 100.0, 0.5)).unwrap())
    });
    g.finish();

    let small = data(50, 1000, 60_000.0);
    let mut g = c.benchmark_group("pairwise_50u_5e4spk_60s");
    g.sample_size(10);
    g.bench_function("spike_time_tilings", |b| {
        b.iter(|| small.spike_time_tilings(20.0).unwrap())
    });
    g.bench_function("get_pairwise_latencies", |b| {
        b.iter(|| small.get_pairwise_latencies(Some(50.0)))
    });
    g.bench_function("get_pairwise_ccg", |b| {
        b.iter(|| small.get_pairwise_ccg(1.0, 50.0).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
