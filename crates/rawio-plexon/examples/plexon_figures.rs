//! Measures the figures of the Plexon issue on the large bench file and prints them as JSON:
//! open time (header + index, page-cached, best of 5) and throughput, index bytes per block,
//! peak RSS while reading every signal chunk, time to read every spike timestamp of every unit.
//!
//! ```sh
//! cargo run --release -p rawio-plexon --example plexon_figures [FILE]
//! ```
//! Without FILE the bench file is generated under /tmp first (see benches/support/bigfile.rs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../benches/support/bigfile.rs"]
mod bigfile;

use rawio_core::{ChannelSelection, RawIOExt, TimeWindow};
use rawio_plexon::PlexonReader;
use std::time::Instant;

fn status_kb(key: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let path = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(bigfile::ensure_bench_file);
    let len = std::fs::metadata(&path).unwrap().len();
    // warm the page cache
    drop(std::fs::read(&path).unwrap());
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let r = PlexonReader::open(&path).unwrap();
        best = best.min(t.elapsed().as_secs_f64());
        drop(r);
    }
    let rss_before_open = status_kb("VmRSS:");
    let r = PlexonReader::open(&path).unwrap();
    let blocks = r.block_count_in_file();
    let index = r.index_heap_bytes();
    let rss_after_open = status_kb("VmRSS:");
    // reset the peak RSS, then read every chunk of every stream
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let t = Instant::now();
    let mut checksum = 0i64;
    for s in 0..r.signal_streams_count() {
        let n = r.signal_size(0, 0, s).unwrap();
        let mut i = 0;
        while i < n {
            let stop = (i + 65536).min(n);
            let c = r
                .analogsignal_chunk(0, 0, s, Some(i), Some(stop), &ChannelSelection::All)
                .unwrap();
            checksum += c.sum_f64() as i64;
            i = stop;
        }
    }
    let read_s = t.elapsed().as_secs_f64();
    let peak_read = status_kb("VmHWM:");
    let mut best_spikes = f64::MAX;
    let mut n_spikes = 0;
    for _ in 0..5 {
        let t = Instant::now();
        n_spikes = 0;
        for u in 0..r.spike_channels_count() {
            let ts = r.spike_timestamps(0, 0, u, TimeWindow::ALL).unwrap();
            let secs = r.rescale_spike_timestamps(&ts);
            n_spikes += secs.len();
        }
        best_spikes = best_spikes.min(t.elapsed().as_secs_f64());
    }
    let out = serde_json::json!({
        "file": path.display().to_string(),
        "file_bytes": len,
        "blocks": blocks,
        "open_s": best,
        "open_gb_per_s": len as f64 / best / 1e9,
        "index_bytes": index,
        "index_bytes_per_block": index as f64 / blocks as f64,
        "rss_kb_before_open": rss_before_open,
        "rss_kb_after_open": rss_after_open,
        "peak_rss_kb_reading_all_signals": peak_read,
        "read_all_signals_s": read_s,
        "signal_checksum": checksum,
        "spikes": n_spikes,
        "all_spike_timestamps_s": best_spikes,
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}
