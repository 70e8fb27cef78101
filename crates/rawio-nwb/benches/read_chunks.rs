//! Reads 1 s chunks (all channels) across a large gzip+shuffle ElectricalSeries.
//!
//! The file is not committed: write it with
//! `python testdata/generate/nwb_fixtures.py --bench /tmp/rawio-nwb-bench.nwb` (20 s × 384
//! channels int16 at 30 kHz, chunks (3000, 64), 240 MB) or point `RAWIO_NWB_BENCH_FILE` at
//! any NWB file whose first stream is large. Compare with
//! `python crates/rawio-nwb/benches/h5py_read_chunks.py /tmp/rawio-nwb-bench.nwb`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rawio_core::{ChannelSelection, RawIO, RawIOExt};
use rawio_nwb::NwbReader;

fn bench(c: &mut Criterion) {
    let path =
        std::env::var("RAWIO_NWB_BENCH_FILE").unwrap_or_else(|_| "/tmp/rawio-nwb-bench.nwb".into());
    if !std::path::Path::new(&path).exists() {
        eprintln!("SKIP: {path} not found (see the bench's doc comment)");
        return;
    }
    let r = NwbReader::open(&path).unwrap();
    let rate = r.signal_sampling_rate(0).unwrap() as u64;
    let n = r.signal_size(0, 0, 0).unwrap();
    let nch = r.signal_channels_count(0).unwrap() as u64;
    let bytes = n * nch * r.header().signal_channels[0].dtype.size() as u64;
    let mut g = c.benchmark_group("nwb");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.bench_function("read 1 s chunks, all channels", |b| {
        b.iter(|| {
            let mut total = 0usize;
            let mut s = 0;
            while s < n {
                let e = (s + rate).min(n);
                let c = r
                    .analogsignal_chunk(0, 0, 0, Some(s), Some(e), &ChannelSelection::All)
                    .unwrap();
                total += c.shape().iter().product::<usize>();
                s = e;
            }
            assert_eq!(total as u64, n * nch);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
