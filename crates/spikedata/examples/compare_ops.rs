//! Times the operations of `scripts/compare_spikelab.py` on the data that script generates.
//!
//! `cargo run --release -p spikedata --example compare_ops -- DIR REPEATS [OPS]`: reads
//! `DIR/big.bin` and `DIR/small.bin` (u64 unit count, then per unit a u64 spike count and the
//! f64 spike times in ms, then the f64 length; little-endian), runs each operation REPEATS
//! times and prints one JSON object per line: `{"op": ..., "ms": best time, "check": ...}`.
//! `OPS` (comma-separated words) keeps only the operations whose name contains one of them.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use spikedata::{
    BurstOptions, ExportUnit, Hdf5Export, Hdf5Style, IsiMethod, KilosortExport, Options, SpikeData,
    Step,
};
use std::path::Path;
use std::time::Instant;

fn load(path: &Path) -> SpikeData {
    let b = std::fs::read(path).unwrap();
    let mut p = 0;
    let mut u64_ = || {
        let v = u64::from_le_bytes(b[p..p + 8].try_into().unwrap());
        p += 8;
        v
    };
    let n = u64_() as usize;
    let mut trains = Vec::with_capacity(n);
    for _ in 0..n {
        let c = u64_() as usize;
        trains.push((0..c).map(|_| f64::from_bits(u64_())).collect::<Vec<f64>>());
    }
    let length = f64::from_bits(u64_());
    SpikeData::new(trains, Options::length(length)).unwrap()
}

/// Only the operations whose name contains one of the comma-separated words of the third
/// argument (all when absent): for profiling one operation.
fn selected(op: &str) -> bool {
    match std::env::args().nth(3) {
        None => true,
        Some(f) => f.split(',').any(|w| op.contains(w)),
    }
}

fn time<T>(op: &str, repeats: usize, mut f: impl FnMut() -> T, check: impl Fn(&T) -> String) {
    if !selected(op) {
        return;
    }
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..repeats {
        let t0 = Instant::now();
        let r = f();
        best = best.min(t0.elapsed().as_secs_f64() * 1e3);
        last = Some(r);
    }
    let c = last.as_ref().map(&check).unwrap_or_default();
    println!("{{\"op\": \"{op}\", \"ms\": {best}, \"check\": \"{c}\"}}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(&args[1]);
    let repeats: usize = args.get(2).map_or(3, |r| r.parse().unwrap());
    let big = load(&dir.join("big.bin"));
    let small = load(&dir.join("small.bin"));
    let uniq = load(&dir.join("small_unique.bin"));
    let out = dir.join("rust_out");
    std::fs::create_dir_all(&out).unwrap();

    time(
        "sparse_raster 1ms",
        repeats,
        || big.sparse_raster(1.0, 0.0).unwrap(),
        |r| {
            r.counts
                .iter()
                .map(|&c| u64::from(c))
                .sum::<u64>()
                .to_string()
        },
    );
    time(
        "binned 1ms",
        repeats,
        || big.binned(1.0).unwrap(),
        |r| r.iter().sum::<u64>().to_string(),
    );
    time(
        "binned 40ms",
        repeats,
        || big.binned(40.0).unwrap(),
        |r| r.iter().sum::<u64>().to_string(),
    );
    let npz = out.join("big.npz");
    time(
        "write_npz",
        repeats,
        || big.write_npz(&npz).unwrap(),
        |_| String::new(),
    );
    time(
        "read_npz",
        repeats,
        || SpikeData::read_npz(&npz).unwrap(),
        |s| s.spike_count().to_string(),
    );
    time(
        "rates",
        repeats,
        || big.rates(spikedata::RateUnit::Hz),
        |r| format!("{:.6}", r[0]),
    );
    time(
        "cv_isi",
        repeats,
        || big.cv_isi(),
        |r| format!("{:.12}", r[0]),
    );
    time(
        "subtime",
        repeats,
        || big.subtime(Some(1000.0), Some(2_000_000.0), None).unwrap(),
        |s| s.spike_count().to_string(),
    );
    time(
        "get_pop_rate 20/100",
        repeats,
        || big.get_pop_rate(20.0, 100.0, 1.0).unwrap(),
        |r| format!("{:.9}", r[r.len() / 2]),
    );
    time(
        "get_bursts",
        repeats,
        || big.get_bursts(&BurstOptions::new(1.5, 100.0, 0.5)).unwrap(),
        |b| b.tburst.len().to_string(),
    );
    time(
        "curate_by_isi_violations",
        repeats,
        || {
            big.curate_by_isi_violations(0.01, 1.5, 0.0, IsiMethod::Percent)
                .unwrap()
        },
        |(s, _)| s.n_units().to_string(),
    );
    let events: Vec<f64> = (0..1000).map(|k| 1000.0 + k as f64 * 3500.0).collect();
    time(
        "latencies 1000 events",
        repeats,
        || big.latencies(&events, 100.0),
        |m| m.iter().filter(|v| v.is_finite()).count().to_string(),
    );
    let h5 = out.join("big.h5");
    time(
        "to_hdf5 ragged",
        repeats,
        || {
            big.to_hdf5(&h5, &Hdf5Export::new(Hdf5Style::ragged()))
                .unwrap()
        },
        |_| String::new(),
    );
    let mut k = KilosortExport::new(30000.0);
    k.time_unit = ExportUnit::Samples;
    time(
        "to_kilosort",
        repeats,
        || big.to_kilosort(out.join("ks"), &k).unwrap(),
        |_| String::new(),
    );

    time(
        "spike_time_tilings",
        repeats,
        || small.spike_time_tilings(20.0).unwrap(),
        |m| format!("{:.12}", m[[0, 1]]),
    );
    time(
        "get_pairwise_latencies",
        repeats,
        || small.get_pairwise_latencies(Some(50.0)),
        |(m, _)| format!("{:.9}", m[[0, 1]]),
    );
    time(
        "get_pairwise_ccg",
        repeats,
        || small.get_pairwise_ccg(1.0, 50.0).unwrap(),
        |(c, _)| format!("{:.12}", c[[0, 1]]),
    );
    let grid: Vec<f64> = (0..(small.length() / 5.0) as usize)
        .map(|k| k as f64 * 5.0)
        .collect();
    time(
        "resampled_isi 5ms",
        repeats,
        || small.resampled_isi(&grid, 10.0).unwrap(),
        |r| format!("{:.9}", r.rates[[0, 100]]),
    );
    time(
        "sliding_rate 50/10",
        repeats,
        || {
            small
                .sliding_rate(50.0, Step::Size(10.0), None, None, 0.0, true)
                .unwrap()
        },
        |r| format!("{:.9}", r.rates[[0, 100]]),
    );
    time(
        "spike_shuffle",
        repeats,
        || small.spike_shuffle(5, Some(1), 1.0).unwrap(),
        |s| s.spike_count().to_string(),
    );

    time(
        "compute_spike_trig_pop_rate",
        repeats,
        || {
            uniq.compute_spike_trig_pop_rate(80, 20.0, 1000.0, 1.0, 10)
                .unwrap()
        },
        |r| format!("{:.9}", r.zero_lag[0]),
    );
    time(
        "pairwise latency distributions",
        repeats,
        || small.get_pairwise_latency_distributions(Some(50.0)),
        |r| format!("{:.9} {}", r.mean[[0, 1]], r.distributions[[0, 1]].len()),
    );
    let rd_small = small.resampled_isi(&grid, 10.0).unwrap();
    time(
        "RateData.frames + s2s unit corr",
        repeats,
        || {
            rd_small
                .frames(1000.0, 0.0)
                .unwrap()
                .get_slice_to_slice_unit_corr_from_stack(
                    spikedata::CompareFunc::CrossCorrelation,
                    0.1,
                    0.3,
                    0,
                    None,
                )
                .unwrap()
        },
        |r| {
            let v: Vec<f64> = r.av_corr.iter().copied().filter(|x| !x.is_nan()).collect();
            format!("{:.9}", v.iter().sum::<f64>() / v.len() as f64)
        },
    );
    let frames_5s = small.frames(5000.0, 0.0).unwrap();
    time(
        "unit_to_unit_comparison ccg",
        repeats,
        || {
            frames_5s
                .unit_to_unit_comparison(spikedata::SpikeMetric::Ccg {
                    bin_size: 1.0,
                    max_lag: 50.0,
                })
                .unwrap()
        },
        |r| format!("{:.12}", r.av_corr[0]),
    );
    let frames_2s = small.frames(2000.0, 0.0).unwrap();
    time(
        "rank_order_correlation 20 shuffles",
        repeats,
        || {
            frames_2s
                .rank_order_correlation(None, spikedata::Timing::Median, 2, 3, 20, None, Some(1))
                .unwrap()
        },
        |r| format!("{:.9}", r.av_corr),
    );
    // the raw signal of the waveform metrics: 4 × (60 s at 20 kHz), f64 little-endian
    let raw_bytes = std::fs::read(dir.join("raw.f64")).unwrap();
    let raw_vals: Vec<f64> = raw_bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let n_samp = raw_vals.len() / 4;
    let raw = ndarray::Array2::from_shape_vec((4, n_samp), raw_vals).unwrap();
    time(
        "butter_filter 1.2M",
        repeats,
        || {
            spikedata::signal::butter_filter(
                raw.row(0).as_slice().unwrap(),
                Some(300.0),
                Some(6000.0),
                20000.0,
                3,
            )
            .unwrap()
        },
        |y| format!("{:.9}", y[1000]),
    );
    let five: Vec<usize> = (0..5).collect();
    let (trains, ..) = small.subset(&five, true).unwrap().into_parts();
    let wave = SpikeData::new(
        trains,
        Options {
            length: Some(small.length()),
            raw: Some(spikedata::RawSignal::with_rate_khz(raw.clone(), 20.0)),
            ..Options::default()
        },
    )
    .unwrap();
    time(
        "compute_waveform_metrics",
        repeats,
        || {
            wave.waveform_metrics(&spikedata::WaveformMetricsOptions::default())
                .unwrap()
        },
        |m| format!("{:.6}", m.snr[0]),
    );
}
