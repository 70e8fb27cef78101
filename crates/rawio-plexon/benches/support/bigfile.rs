//! Writes the large benchmark PLX file (never committed): 16 wideband slow channels at 20 kHz
//! in blocks of 100 samples, 48 units on 16 spike channels (32-word waveforms, about 4800
//! spikes/s in all) and a strobed event channel. 640 s give about 5.15 M blocks and 690 MB.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Length of the recording.
pub const SECONDS: u64 = 640;
const PERIOD_TICKS: u64 = 200; // 5 ms at 40 kHz = 100 samples at 20 kHz
const SLOW: u16 = 16;
const SAMPLES: u16 = 100;
const SPIKES_PER_PERIOD: u64 = 24;
const UNITS: u64 = 48;

/// The bench file path: `$RAWIO_PLEXON_BENCH_FILE` or `/tmp/rawio-plexon-bench.plx`.
pub fn bench_path() -> PathBuf {
    std::env::var_os("RAWIO_PLEXON_BENCH_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/rawio-plexon-bench.plx"))
}

fn cstr(s: &str, n: usize) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.resize(n, 0);
    v
}

fn block(
    w: &mut impl Write,
    kind: u16,
    ts: u64,
    ch: u16,
    unit: u16,
    nwf: u16,
    nw: u16,
) -> std::io::Result<()> {
    let mut b = [0u8; 16];
    b[0..2].copy_from_slice(&kind.to_le_bytes());
    b[2..4].copy_from_slice(&((ts >> 32) as u16).to_le_bytes());
    b[4..8].copy_from_slice(&(ts as u32).to_le_bytes());
    b[8..10].copy_from_slice(&ch.to_le_bytes());
    b[10..12].copy_from_slice(&unit.to_le_bytes());
    b[12..14].copy_from_slice(&nwf.to_le_bytes());
    b[14..16].copy_from_slice(&nw.to_le_bytes());
    w.write_all(&b)
}

/// Writes the file if it does not exist yet (or has another size). Returns its path.
pub fn ensure_bench_file() -> PathBuf {
    let path = bench_path();
    let periods = SECONDS * 40000 / PERIOD_TICKS;
    let per_period = u64::from(SLOW) * (16 + 2 * u64::from(SAMPLES)) + SPIKES_PER_PERIOD * 80;
    let header = 7504 + 16 * 1020 + 296 + u64::from(SLOW) * 296;
    let expected = header + periods * per_period + (periods / 4) * 16;
    if std::fs::metadata(&path).map(|m| m.len()).ok() == Some(expected) {
        return path;
    }
    write(&path, periods).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), expected);
    path
}

fn write(path: &Path, periods: u64) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(8 << 20, std::fs::File::create(path)?);
    // global header
    let mut g = vec![0u8; 7504];
    g[0..4].copy_from_slice(&0x5845_4c50u32.to_le_bytes());
    g[4..8].copy_from_slice(&106i32.to_le_bytes());
    for (off, v) in [
        (136, 40000i32),
        (140, 16),
        (144, 1),
        (148, i32::from(SLOW)),
        (152, 32),
        (156, 8),
        (160, 2024),
        (164, 1),
        (168, 1),
        (188, 40000),
    ] {
        g[off..off + 4].copy_from_slice(&v.to_le_bytes());
    }
    g[200] = 1;
    g[201] = 1;
    g[202] = 16;
    g[203] = 16;
    g[204..206].copy_from_slice(&2500u16.to_le_bytes());
    g[206..208].copy_from_slice(&2500u16.to_le_bytes());
    g[208..210].copy_from_slice(&1u16.to_le_bytes());
    w.write_all(&g)?;
    for ch in 1..=16i32 {
        let mut d = cstr(&format!("SPK{ch:02}"), 32);
        d.extend(cstr("", 32));
        for v in [ch, 0, ch, 0, 1000, 1, -100, 1, 3] {
            d.extend(v.to_le_bytes());
        }
        d.resize(1020, 0);
        w.write_all(&d)?;
    }
    let mut e = cstr("Strobed", 32);
    e.extend(257i32.to_le_bytes());
    e.resize(296, 0);
    w.write_all(&e)?;
    for ch in 0..i32::from(SLOW) {
        let mut s = cstr(&format!("WB{:02}", ch + 1), 32);
        for v in [ch, 20000, 1000, 1, 1, 0] {
            s.extend(v.to_le_bytes());
        }
        s.resize(296, 0);
        w.write_all(&s)?;
    }
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut samples = vec![0u8; 2 * usize::from(SAMPLES)];
    let mut wave = [0u8; 64];
    for p in 0..periods {
        let t = 1000 + p * PERIOD_TICKS;
        for ch in 0..SLOW {
            for (i, s) in samples.chunks_exact_mut(2).enumerate() {
                let v = ((p as i64 * 100 + i as i64) * (i64::from(ch) + 3) % 4001 - 2000) as i16;
                s.copy_from_slice(&v.to_le_bytes());
            }
            block(&mut w, 5, t, ch, 0, 1, SAMPLES)?;
            w.write_all(&samples)?;
        }
        for k in 0..SPIKES_PER_PERIOD {
            let unit = (p * SPIKES_PER_PERIOD + k) % UNITS;
            let ts = t + next() % PERIOD_TICKS;
            for (i, s) in wave.chunks_exact_mut(2).enumerate() {
                s.copy_from_slice(&((i as i16 - 16) * 50).to_le_bytes());
            }
            block(
                &mut w,
                1,
                ts,
                (unit / 3 + 1) as u16,
                (unit % 3) as u16,
                1,
                32,
            )?;
            w.write_all(&wave)?;
        }
        if p % 4 == 0 {
            block(&mut w, 4, t + 1, 257, (next() % 65536) as u16, 0, 0)?;
        }
    }
    w.flush()
}
