//! Throughput benches (run with `cargo bench -p rawio-neuroscope`):
//!
//! * `dat/*`: full-file chunked read of a 512 MiB `.dat` (64 channels x 4 Mi samples, generated
//!   under the temp dir at bench time, never committed), each chunk copied into a reusable
//!   buffer, against a plain `memcpy` of the same bytes from the same mapping.
//! * `res/*`: parsing a `.res` file of 10^7 spike times (and the matching `.clu`), and opening
//!   the whole session (parse + split into units).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rawio_core::{ChannelSelection, MappedFile, RawIOExt};
use rawio_neuroscope::NeuroscopeReader;
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

const N_CHANNELS: u64 = 64;
const N_SAMPLES: u64 = 4 << 20; // 4 Mi frames x 64 ch x 2 bytes = 512 MiB
const CHUNK: u64 = 1 << 16;
const N_SPIKES: u64 = 10_000_000;

fn bench_dir() -> PathBuf {
    let d = std::env::temp_dir().join("rawio-neuroscope-bench");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn xml(n_channels: u64) -> String {
    format!(
        "<?xml version='1.0'?>\n<parameters creator=\"bench\"><acquisitionSystem><nBits>16</nBits>\
         <nChannels>{n_channels}</nChannels><samplingRate>20000</samplingRate>\
         <voltageRange>20</voltageRange><amplification>1000</amplification><offset>0</offset>\
         </acquisitionSystem><fieldPotentials><lfpSamplingRate>1250</lfpSamplingRate>\
         </fieldPotentials><anatomicalDescription><channelGroups/></anatomicalDescription>\
         </parameters>\n"
    )
}

/// Writes `big.xml` + `big.dat` once (reused by later runs when the size matches).
fn big_session(dir: &Path) -> PathBuf {
    let dat = dir.join("big.dat");
    let want = N_SAMPLES * N_CHANNELS * 2;
    std::fs::write(dir.join("big.xml"), xml(N_CHANNELS)).unwrap();
    if std::fs::metadata(&dat).map(|m| m.len()).ok() != Some(want) {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&dat).unwrap());
        let mut x: u32 = 12345;
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..want / block.len() as u64 {
            for b in block.chunks_exact_mut(4) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                b.copy_from_slice(&x.to_le_bytes());
            }
            f.write_all(&block).unwrap();
        }
        f.flush().unwrap();
    }
    dir.join("big.xml")
}

/// Writes `spikes.xml` + `spikes.res.1` + `spikes.clu.1` with 10^7 sorted spikes in 20
/// clusters.
fn spike_session(dir: &Path) -> PathBuf {
    std::fs::write(dir.join("spikes.xml"), xml(4)).unwrap();
    let res = dir.join("spikes.res.1");
    if !res.exists() {
        let mut r = std::io::BufWriter::new(std::fs::File::create(&res).unwrap());
        let mut c =
            std::io::BufWriter::new(std::fs::File::create(dir.join("spikes.clu.1")).unwrap());
        writeln!(c, "20").unwrap();
        let mut t: u64 = 1000;
        let mut x: u32 = 777;
        for _ in 0..N_SPIKES {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            t += u64::from(x % 2000) + 1;
            writeln!(r, "{t}").unwrap();
            writeln!(c, "{}", x % 20).unwrap();
        }
        r.flush().unwrap();
        c.flush().unwrap();
    }
    dir.join("spikes.xml")
}

fn dat(c: &mut Criterion) {
    let xml = big_session(&bench_dir());
    let reader = NeuroscopeReader::open(&xml).unwrap();
    let bytes = N_SAMPLES * N_CHANNELS * 2;
    let mut g = c.benchmark_group("dat");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    let mut buf = vec![0i16; (CHUNK * N_CHANNELS) as usize];
    g.bench_function("chunked_read_copy_512MiB", |b| {
        b.iter(|| {
            for chunk in reader
                .signal_chunks(0, 0, 0, CHUNK, ChannelSelection::All)
                .unwrap()
            {
                let (_, raw) = chunk.unwrap();
                let a = raw.as_typed::<i16>().unwrap();
                let n = a.len();
                buf[..n].copy_from_slice(a.as_slice().unwrap());
            }
            black_box(&buf);
        })
    });
    g.bench_function("chunked_read_view_sum_512MiB", |b| {
        b.iter(|| {
            let mut s = 0i64;
            for chunk in reader
                .signal_chunks(0, 0, 0, CHUNK, ChannelSelection::All)
                .unwrap()
            {
                let (_, raw) = chunk.unwrap();
                let a = raw.as_typed::<i16>().unwrap();
                s += a
                    .as_slice()
                    .unwrap()
                    .iter()
                    .map(|&v| i64::from(v))
                    .sum::<i64>();
            }
            black_box(s)
        })
    });
    let map = MappedFile::open(xml.with_extension("dat")).unwrap();
    let mut out = vec![0u8; (CHUNK * N_CHANNELS * 2) as usize];
    g.bench_function("memcpy_512MiB", |b| {
        b.iter(|| {
            for src in map.bytes().chunks(out.len()) {
                out[..src.len()].copy_from_slice(src);
            }
            black_box(&out);
        })
    });
    g.finish();
}

fn res(c: &mut Criterion) {
    let xml = spike_session(&bench_dir());
    let res = std::fs::read(xml.with_extension("res.1")).unwrap();
    let clu = std::fs::read(xml.with_extension("clu.1")).unwrap();
    let mut g = c.benchmark_group("res");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(res.len() as u64));
    g.bench_function("parse_res_1e7", |b| {
        b.iter(|| {
            black_box(
                rawio_neuroscope::header::parse_integers(&res)
                    .unwrap()
                    .len(),
            )
        })
    });
    g.throughput(Throughput::Bytes(clu.len() as u64));
    g.bench_function("parse_clu_1e7", |b| {
        b.iter(|| black_box(rawio_neuroscope::header::parse_clu(&clu).unwrap().ids.len()))
    });
    g.throughput(Throughput::Bytes((res.len() + clu.len()) as u64));
    g.bench_function("open_session_1e7_spikes", |b| {
        b.iter(|| {
            let r = NeuroscopeReader::open(&xml).unwrap();
            black_box(r.spike_count(0, 0, 0).unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, res, dat);
criterion_main!(benches);
