//! Throughput benches (run with `cargo bench -p rawio-blackrock`), on files generated under the
//! temp dir at bench time (never committed, reused when their size matches):
//!
//! * `nev/open` and `nev/open_all_spikes`: opening a 128 MiB NEV 2.3 (1.29 M 104-byte packets,
//!   96 electrodes x 4 unit classes) and reading every unit's timestamps;
//! * `nsx/chunks`: reading a 256 MiB NSx 2.3 (32 channels, two data blocks) in 65536-sample
//!   chunks, and `nsx/chunks_released` the same through `signal_chunks` (pages released
//!   behind the cursor);
//! * `ptp/open`: opening (scanning every packet of) a 64 MiB PTP ns6.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rawio_blackrock::BlackrockReader;
use rawio_core::prelude::*;
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

const NEV_BYTES: u64 = 128 << 20;
const NSX_BYTES: u64 = 256 << 20;
const PTP_BYTES: u64 = 64 << 20;
const N_CH: u64 = 32;
const PACKET: u64 = 104;

fn bench_dir() -> PathBuf {
    let d = std::env::temp_dir().join("rawio-blackrock-bench");
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Rng(u32);
impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
}

fn fresh(path: &Path, len: u64) -> bool {
    std::fs::metadata(path).map(|m| m.len()).ok() != Some(len)
}

fn nsx_header(major: u8, minor: u8, period: u32, res: u32) -> Vec<u8> {
    let mut b = if major == 3 {
        b"BRSMPGRP".to_vec()
    } else {
        b"NEURALCD".to_vec()
    };
    b.extend_from_slice(&[major, minor]);
    b.extend_from_slice(&(314 + 66 * N_CH as u32).to_le_bytes());
    b.extend_from_slice(&[0u8; 16 + 256]);
    b.extend_from_slice(&period.to_le_bytes());
    b.extend_from_slice(&res.to_le_bytes());
    b.extend_from_slice(&[0u8; 16]);
    b.extend_from_slice(&(N_CH as u32).to_le_bytes());
    for c in 0..N_CH as u16 {
        let mut e = b"CC".to_vec();
        e.extend_from_slice(&(c + 1).to_le_bytes());
        e.extend_from_slice(&[0u8; 18]);
        for v in [-32764i16, 32764, -8191, 8191] {
            e.extend_from_slice(&v.to_le_bytes());
        }
        e.extend_from_slice(b"uV");
        e.resize(66, 0);
        b.extend_from_slice(&e);
    }
    b
}

fn nev_file(dir: &Path) -> PathBuf {
    let p = dir.join("spikes.nev");
    let n = NEV_BYTES / PACKET;
    let ext: Vec<u8> = (1..=96u16)
        .flat_map(|e| {
            let mut w = b"NEUEVWAV".to_vec();
            w.extend_from_slice(&e.to_le_bytes());
            w.extend_from_slice(&[1, 1, 250, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
            w.extend_from_slice(&48u16.to_le_bytes());
            w.resize(32, 0);
            w
        })
        .collect();
    let hdr = 336 + ext.len() as u64;
    if fresh(&p, hdr + n * PACKET) {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        let mut b = b"NEURALEV\x02\x03\x01\x00".to_vec();
        b.extend_from_slice(&(hdr as u32).to_le_bytes());
        b.extend_from_slice(&(PACKET as u32).to_le_bytes());
        b.extend_from_slice(&30000u32.to_le_bytes());
        b.extend_from_slice(&30000u32.to_le_bytes());
        b.resize(332, 0);
        b.extend_from_slice(&96u32.to_le_bytes());
        f.write_all(&b).unwrap();
        f.write_all(&ext).unwrap();
        let mut rng = Rng(4242);
        let mut ts = 0u32;
        let mut pkt = vec![0u8; PACKET as usize];
        for _ in 0..n {
            let r = rng.next();
            ts += r % 60;
            pkt[..4].copy_from_slice(&ts.to_le_bytes());
            pkt[4..6].copy_from_slice(&((r >> 8) as u16 % 96 + 1).to_le_bytes());
            pkt[6] = [0, 1, 2, 255][(r >> 24) as usize % 4];
            pkt[8..].iter_mut().for_each(|x| *x = r as u8);
            f.write_all(&pkt).unwrap();
        }
        f.flush().unwrap();
    }
    p
}

fn nsx_file(dir: &Path) -> PathBuf {
    let p = dir.join("signal.ns5");
    let frames = NSX_BYTES / (2 * N_CH);
    let hdr = nsx_header(2, 3, 1, 30000);
    if fresh(&p, hdr.len() as u64 + 18 + frames * 2 * N_CH) {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        f.write_all(&hdr).unwrap();
        let mut rng = Rng(99);
        let block: Vec<u8> = (0..1 << 20).map(|_| rng.next() as u8).collect();
        let half = frames / 2;
        for (ts, n) in [(0u32, half), (half as u32 + 150_000, frames - half)] {
            f.write_all(&[1]).unwrap();
            f.write_all(&ts.to_le_bytes()).unwrap();
            f.write_all(&(n as u32).to_le_bytes()).unwrap();
            let mut left = n * 2 * N_CH;
            while left > 0 {
                let k = left.min(block.len() as u64) as usize;
                f.write_all(&block[..k]).unwrap();
                left -= k as u64;
            }
        }
        f.flush().unwrap();
    }
    p
}

fn ptp_file(dir: &Path) -> PathBuf {
    let p = dir.join("gemini.ns6");
    let stride = 13 + 2 * N_CH;
    let n = PTP_BYTES / stride;
    let hdr = nsx_header(3, 0, 1, 1_000_000_000);
    if fresh(&p, hdr.len() as u64 + n * stride) {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        f.write_all(&hdr).unwrap();
        let mut rng = Rng(7);
        let mut pkt = vec![0u8; stride as usize];
        pkt[0] = 1;
        pkt[9..13].copy_from_slice(&1u32.to_le_bytes());
        for i in 0..n {
            let ts = 1_700_000_000_000_000_000u64 + i * 33_333 + u64::from(rng.next() % 50);
            pkt[1..9].copy_from_slice(&ts.to_le_bytes());
            f.write_all(&pkt).unwrap();
        }
        f.flush().unwrap();
    }
    p
}

fn benches(c: &mut Criterion) {
    let dir = bench_dir();
    let nev = nev_file(&dir);
    let nsx = nsx_file(&dir);
    let ptp = ptp_file(&dir);

    let mut g = c.benchmark_group("nev");
    g.throughput(Throughput::Bytes(NEV_BYTES));
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("open", |b| {
        b.iter(|| black_box(BlackrockReader::open(&nev).unwrap()))
    });
    g.bench_function("open_all_spikes", |b| {
        b.iter(|| {
            let r = BlackrockReader::open(&nev).unwrap();
            let mut n = 0;
            for u in 0..r.spike_channels_count() {
                let ts = r.spike_timestamps(0, 0, u, TimeWindow::ALL).unwrap();
                n += r.rescale_spike_timestamps(&ts).len();
            }
            black_box(n)
        })
    });
    g.finish();

    let r = BlackrockReader::open(&nsx).unwrap();
    let mut g = c.benchmark_group("nsx");
    g.throughput(Throughput::Bytes(NSX_BYTES));
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("chunks", |b| {
        b.iter(|| {
            let mut s = 0i64;
            for seg in 0..2 {
                let n = r.signal_size(0, seg, 0).unwrap();
                let mut i = 0;
                while i < n {
                    let stop = (i + 65536).min(n);
                    let c = r
                        .analogsignal_chunk(0, seg, 0, Some(i), Some(stop), &ChannelSelection::All)
                        .unwrap();
                    s += i64::from(c.as_typed::<i16>().unwrap()[[0, 0]]);
                    i = stop;
                }
            }
            black_box(s)
        })
    });
    g.bench_function("chunks_released", |b| {
        b.iter(|| {
            let mut s = 0usize;
            for seg in 0..2 {
                for c in r
                    .signal_chunks(0, seg, 0, 65536, ChannelSelection::All)
                    .unwrap()
                {
                    s += c.unwrap().1.len();
                }
            }
            black_box(s)
        })
    });
    g.finish();

    let mut g = c.benchmark_group("ptp");
    g.throughput(Throughput::Bytes(PTP_BYTES));
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("open", |b| {
        b.iter(|| black_box(BlackrockReader::open(&ptp).unwrap()))
    });
    g.finish();
}

criterion_group!(blackrock, benches);
criterion_main!(blackrock);
