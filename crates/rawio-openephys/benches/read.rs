//! Throughput benches (run with `cargo bench -p rawio-openephys`), on sessions generated under
//! the temp dir at bench time (never committed):
//!
//! * `binary/*`: open a GUI 0.6 recording (64 channels × 2 Mi frames = 256 MiB
//!   `continuous.dat` + sample numbers), and read it whole in chunks of 64 Ki samples.
//! * `legacy/*`: open a legacy session (32 `.continuous` files of 2048 records = 130 MiB),
//!   and read it whole in chunks of 64 Ki samples (big-endian records decoded per chunk).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rawio_core::{ChannelSelection, RawIO, RawIOExt};
use rawio_openephys::{BinaryReader, LegacyReader};
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

const CHUNK: u64 = 1 << 16;

fn bench_dir() -> PathBuf {
    let d = std::env::temp_dir().join("rawio-openephys-bench");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn npy_i64(path: &Path, values: impl Iterator<Item = i64>, n: u64) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    f.write_all(&rawio_core::npy_header_bytes("<i8", &[n]))
        .unwrap();
    for v in values {
        f.write_all(&v.to_le_bytes()).unwrap();
    }
}

fn xorshift_block(x: &mut u32, block: &mut [u8]) {
    for b in block.chunks_exact_mut(4) {
        *x ^= *x << 13;
        *x ^= *x >> 17;
        *x ^= *x << 5;
        b.copy_from_slice(&x.to_le_bytes());
    }
}

/// A GUI 0.6 recording: `structure.oebin` + `continuous.dat` + `sample_numbers.npy`.
fn binary_session(dir: &Path) -> PathBuf {
    let (n_ch, n) = (64u64, 2u64 << 20);
    let rec = dir.join("binary/Record Node 101/experiment1/recording1");
    let cont = rec.join("continuous/Source-100.A");
    std::fs::create_dir_all(&cont).unwrap();
    let chans: Vec<String> = (1..=n_ch)
        .map(|c| format!(r#"{{"channel_name": "CH{c}", "bit_volts": 0.195, "units": ""}}"#))
        .collect();
    std::fs::write(
        rec.join("structure.oebin"),
        format!(
            r#"{{"GUI version": "0.6.7", "continuous": [{{"folder_name": "Source-100.A/",
            "sample_rate": 30000.0, "num_channels": {n_ch}, "channels": [{}]}}], "events": [],
            "spikes": []}}"#,
            chans.join(",")
        ),
    )
    .unwrap();
    let dat = cont.join("continuous.dat");
    if std::fs::metadata(&dat).map(|m| m.len()).ok() != Some(n * n_ch * 2) {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&dat).unwrap());
        let mut x = 12345u32;
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..n * n_ch * 2 / block.len() as u64 {
            xorshift_block(&mut x, &mut block);
            f.write_all(&block).unwrap();
        }
        npy_i64(
            &cont.join("sample_numbers.npy"),
            (0..n as i64).map(|i| 1000 + i),
            n,
        );
    }
    dir.join("binary")
}

/// A legacy session: 32 channels of 2048 records each.
fn legacy_session(dir: &Path) -> PathBuf {
    let (n_ch, n_rec) = (32u64, 2048u64);
    let d = dir.join("legacy");
    std::fs::create_dir_all(&d).unwrap();
    let mut x = 777u32;
    let mut samples = vec![0u8; 2048];
    for c in 1..=n_ch {
        let p = d.join(format!("100_CH{c}.continuous"));
        if std::fs::metadata(&p).map(|m| m.len()).ok() == Some(1024 + n_rec * 2070) {
            continue;
        }
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        let mut h = format!(
            "header.format = 'Open Ephys Data Format';\nheader.version = 0.4;\n\
             header.channel = 'CH{c}';\nheader.sampleRate = 30000;\nheader.bitVolts = 0.195;\n"
        )
        .into_bytes();
        h.resize(1024, b' ');
        f.write_all(&h).unwrap();
        for k in 0..n_rec {
            f.write_all(&(k as i64 * 1024).to_le_bytes()).unwrap();
            f.write_all(&1024u16.to_le_bytes()).unwrap();
            f.write_all(&0u16.to_le_bytes()).unwrap();
            xorshift_block(&mut x, &mut samples);
            f.write_all(&samples).unwrap();
            f.write_all(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 255]).unwrap();
        }
    }
    d
}

fn read_all(r: &dyn RawIO) -> u64 {
    let mut n = 0u64;
    for k in 0..r.header().signal_streams.len() {
        let size = r.signal_size(0, 0, k).unwrap();
        let mut i = 0;
        while i < size {
            let stop = (i + CHUNK).min(size);
            let c = r
                .analogsignal_chunk(0, 0, k, Some(i), Some(stop), &ChannelSelection::All)
                .unwrap();
            n += black_box(c.len()) as u64;
            r.release_signal(0, 0, k, i..stop);
            i = stop;
        }
    }
    n
}

fn benches(c: &mut Criterion) {
    let dir = bench_dir();
    let bin = binary_session(&dir);
    let leg = legacy_session(&dir);
    let mut g = c.benchmark_group("binary");
    g.measurement_time(Duration::from_secs(10)).sample_size(10);
    g.bench_function("open", |b| b.iter(|| BinaryReader::open(&bin).unwrap()));
    let r = BinaryReader::open(&bin).unwrap();
    g.throughput(Throughput::Bytes((2u64 << 20) * 64 * 2));
    g.bench_function("read_all", |b| b.iter(|| read_all(&r)));
    g.finish();
    let mut g = c.benchmark_group("legacy");
    g.measurement_time(Duration::from_secs(10)).sample_size(10);
    g.bench_function("open", |b| b.iter(|| LegacyReader::open(&leg).unwrap()));
    let r = LegacyReader::open(&leg).unwrap();
    g.throughput(Throughput::Bytes(32 * 2048 * 2070));
    g.bench_function("read_all", |b| b.iter(|| read_all(&r)));
    g.finish();
}

criterion_group!(all, benches);
criterion_main!(all);
