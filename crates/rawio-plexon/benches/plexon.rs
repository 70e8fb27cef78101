//! Criterion benches on the large generated PLX file (/tmp, never committed): open (header +
//! index), all spike timestamps of all units, and a 1 s read of every signal.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "support/bigfile.rs"]
mod bigfile;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rawio_core::{ChannelSelection, RawIOExt, TimeWindow};
use rawio_plexon::PlexonReader;

fn benches(c: &mut Criterion) {
    let path = bigfile::ensure_bench_file();
    let len = std::fs::metadata(&path).unwrap().len();
    drop(std::fs::read(&path).unwrap()); // page-cache it
    let mut g = c.benchmark_group("plexon");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(len));
    g.bench_function("open_header_and_index", |b| {
        b.iter(|| PlexonReader::open(&path).unwrap())
    });
    g.finish();
    let r = PlexonReader::open(&path).unwrap();
    let mut g = c.benchmark_group("plexon_reads");
    g.sample_size(10);
    g.bench_function("all_spike_timestamps", |b| {
        b.iter(|| {
            let mut n = 0;
            for u in 0..r.spike_channels_count() {
                let ts = r.spike_timestamps(0, 0, u, TimeWindow::ALL).unwrap();
                n += r.rescale_spike_timestamps(&ts).len();
            }
            n
        })
    });
    g.bench_function("one_second_all_channels_mid_stream", |b| {
        b.iter(|| {
            r.analogsignal_chunk(
                0,
                0,
                0,
                Some(5_000_050),
                Some(5_020_050),
                &ChannelSelection::All,
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(plexon, benches);
criterion_main!(plexon);
