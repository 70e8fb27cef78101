//! Issue 18's operations: npz and HDF5 writing, population rate and bursts on 1,000 units ×
//! 10^4 spikes over 1 h; STTC, pairwise latencies, cross-correlograms, the spike-triggered
//! population rate, stack comparisons and rank-order correlation on 50 units × 1,000 spikes
//! over 60 s; Butterworth filtering and waveform metrics on 4 channels × 1.2 M samples.
//! `scripts/compare_spikelab.py` times the same against spikelab.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
mod common;
use common::data;
use spikedata::{
    BurstOptions, Hdf5Export, Hdf5Style, Options, RawSignal, SpikeData, SpikeMetric, Timing,
    WaveformMetricsOptions,
};

fn bench(c: &mut Criterion) {
    let big = data(1000, 10_000, 3.6e6);
    let dir = tempfile::tempdir().unwrap();
    let npz = dir.path().join("big.npz");
    let mut g = c.benchmark_group("population_1000u_1e7spk_1h");
    g.sample_size(10);
    g.bench_function("write_npz", |b| b.iter(|| big.write_npz(&npz).unwrap()));
    let h5 = dir.path().join("big.h5");
    g.bench_function("to_hdf5_ragged", |b| {
        b.iter(|| {
            big.to_hdf5(&h5, &Hdf5Export::new(Hdf5Style::ragged()))
                .unwrap()
        })
    });
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
    g.bench_function("compute_spike_trig_pop_rate", |b| {
        b.iter(|| {
            small
                .compute_spike_trig_pop_rate(80, 20.0, 1000.0, 1.0, 10)
                .unwrap()
        })
    });
    let frames = small.frames(5000.0, 0.0).unwrap();
    g.bench_function("unit_to_unit_comparison_ccg", |b| {
        b.iter(|| {
            frames
                .unit_to_unit_comparison(SpikeMetric::Ccg {
                    bin_size: 1.0,
                    max_lag: 50.0,
                })
                .unwrap()
        })
    });
    let frames = small.frames(2000.0, 0.0).unwrap();
    g.bench_function("rank_order_correlation_20_shuffles", |b| {
        b.iter(|| {
            frames
                .rank_order_correlation(None, Timing::Median, 2, 3, 20, None, Some(1))
                .unwrap()
        })
    });
    g.finish();

    // 4 channels at 20 kHz over 60 s, and the first 5 units' spikes
    let n = 1_200_000;
    let mut state = 7u64;
    let raw = ndarray::Array2::from_shape_fn((4, n), |_| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 20.0
    });
    let five: Vec<usize> = (0..5).collect();
    let (trains, ..) = small.subset(&five, true).unwrap().into_parts();
    let wave = SpikeData::new(
        trains,
        Options {
            length: Some(60_000.0),
            raw: Some(RawSignal::with_rate_khz(raw.clone(), 20.0)),
            ..Options::default()
        },
    )
    .unwrap();
    let mut g = c.benchmark_group("waveforms_4ch_1.2M");
    g.sample_size(10);
    g.bench_function("butter_filter_bandpass3", |b| {
        b.iter(|| {
            spikedata::signal::butter_filter(
                raw.row(0).as_slice().unwrap(),
                Some(300.0),
                Some(6000.0),
                20000.0,
                3,
            )
            .unwrap()
        })
    });
    g.bench_function("waveform_metrics", |b| {
        b.iter(|| {
            wave.waveform_metrics(&WaveformMetricsOptions::default())
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
