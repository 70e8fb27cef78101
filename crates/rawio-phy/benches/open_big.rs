//! Open a Phy folder with 20 M spikes and 500 clusters and read every unit's timestamps;
//! compare with neo's PhyRawIO in the same run (when the oracle Python is available).
//!
//! The folder is generated under the temp dir on first use (≈ 480 MB, never committed):
//! int64 spike_times (sorted), int32 spike_clusters, uint32 spike_templates, float64
//! amplitudes (n, 1), params.py. `RAWIO_PHY_BENCH_SPIKES` changes the spike count.
//!
//! Figures printed after criterion's: Rust time (one cold-ish run in a child process) and peak
//! RSS vs the npy sizes, neo's time and RSS, and the speed-up.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::Criterion;
use rawio_core::{RawIOExt, TimeWindow};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

const CLUSTERS: u64 = 500;

fn n_spikes() -> u64 {
    std::env::var("RAWIO_PHY_BENCH_SPIKES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000_000)
}

fn write_npy(
    path: &Path,
    descr: &str,
    shape: &[u64],
    n: u64,
    mut value: impl FnMut(u64) -> Vec<u8>,
) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    f.write_all(&rawio_core::npy_header_bytes(descr, shape))
        .unwrap();
    for i in 0..n {
        f.write_all(&value(i)).unwrap();
    }
    f.flush().unwrap();
}

fn folder() -> PathBuf {
    let n = n_spikes();
    let dir = std::env::temp_dir().join(format!("rawio-phy-bench-{n}"));
    if dir.join("done").is_file() {
        return dir;
    }
    std::fs::create_dir_all(&dir).unwrap();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut rng = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // sorted times: ~30 kHz, mean 4.5 samples apart (20 M spikes ≈ 50 min of recording)
    let mut t = 0i64;
    let mut clusters = Vec::with_capacity(n as usize);
    write_npy(&dir.join("spike_times.npy"), "<i8", &[n], n, |_| {
        t += (rng() % 10) as i64;
        clusters.push((rng() % CLUSTERS) as i32 * 2 + 1); // sparse odd ids
        t.to_le_bytes().to_vec()
    });
    write_npy(&dir.join("spike_clusters.npy"), "<i4", &[n], n, |i| {
        clusters[i as usize].to_le_bytes().to_vec()
    });
    write_npy(&dir.join("spike_templates.npy"), "<u4", &[n], n, |i| {
        ((clusters[i as usize] / 2) as u32).to_le_bytes().to_vec()
    });
    write_npy(&dir.join("amplitudes.npy"), "<f8", &[n, 1], n, |i| {
        (10.0 + (i % 97) as f64).to_le_bytes().to_vec()
    });
    std::fs::write(dir.join("params.py"), "dat_path = 'absent.dat'\nn_channels_dat = 384\ndtype = 'int16'\noffset = 0\nsample_rate = 30000.0\nhp_filtered = False\n").unwrap();
    std::fs::write(dir.join("done"), "").unwrap();
    dir
}

fn read_all(dir: &Path) -> u64 {
    let r = rawio_phy::PhyReader::open(dir).unwrap();
    let mut n = 0;
    for u in 0..r.spike_channels_count() {
        n += r.spike_timestamps(0, 0, u, TimeWindow::ALL).unwrap().len() as u64;
    }
    n
}

fn npy_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "npy"))
        .map(|e| e.metadata().unwrap().len())
        .sum()
}

fn peak_rss() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn main() {
    let dir = folder();
    if std::env::var_os("RAWIO_PHY_BENCH_CHILD").is_some() {
        let t0 = Instant::now();
        let n = read_all(&dir);
        println!("{} {} {}", t0.elapsed().as_secs_f64(), peak_rss(), n);
        return;
    }
    let mut c = Criterion::default().configure_from_args().sample_size(10);
    c.bench_function(
        &format!(
            "phy open + all timestamps ({} spikes, {CLUSTERS} clusters)",
            n_spikes()
        ),
        |b| b.iter(|| read_all(&dir)),
    );
    c.final_summary();

    // one run in a child process for the RSS figure
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .env("RAWIO_PHY_BENCH_CHILD", "1")
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&out.stdout);
    let f: Vec<f64> = line
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    let (rust_s, rust_rss) = (
        f.first().copied().unwrap_or(f64::NAN),
        f.get(1).copied().unwrap_or(f64::NAN),
    );
    let npy = npy_bytes(&dir) as f64;
    println!(
        "rawio-phy: {rust_s:.3} s, peak RSS {:.0} MB = {:.2} x the npy files ({:.0} MB)",
        rust_rss / 1e6,
        rust_rss / npy,
        npy / 1e6
    );

    let py = std::env::var("RAWIO_ORACLE_PY")
        .unwrap_or_else(|_| "/root/.cache/rawio-oracle-venv/bin/python".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/neo_phy_bench.py");
    match std::process::Command::new(&py)
        .arg(&script)
        .arg(&dir)
        .output()
    {
        Ok(o) if o.status.success() => {
            let s = String::from_utf8_lossy(&o.stdout);
            let v: rawio_core::serde_json::Value =
                rawio_core::serde_json::from_str(s.trim()).unwrap_or_default();
            let neo_s = v["seconds"].as_f64().unwrap_or(f64::NAN);
            let neo_rss = v["max_rss_bytes"].as_f64().unwrap_or(f64::NAN);
            println!(
                "neo PhyRawIO: {neo_s:.3} s, peak RSS {:.0} MB = {:.2} x the npy files",
                neo_rss / 1e6,
                neo_rss / npy
            );
            println!("speed-up: {:.1}x (same run, same folder)", neo_s / rust_s);
        }
        Ok(o) => println!("neo run failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => println!("SKIP neo comparison: cannot run {py}: {e}"),
    }
}
