//! Opens a Blackrock recording and reads and rescales every spike timestamp of every unit in
//! every segment, then prints a one-line JSON summary. The comparison script
//! (`scripts/compare_neo.py`) times this whole process against neo's `parse_header` plus every
//! `get_spike_timestamps` and `rescale_spike_timestamp`.
//!
//! ```sh
//! cargo run --release -p rawio-blackrock --example blackrock_spikes -- RECORDING
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rawio_blackrock::BlackrockReader;
use rawio_core::prelude::*;
use std::time::Instant;

fn main() {
    let path = std::env::args_os()
        .nth(1)
        .expect("usage: blackrock_spikes RECORDING");
    let t = Instant::now();
    let r = BlackrockReader::open(&path).unwrap();
    let open_s = t.elapsed().as_secs_f64();
    let mut spikes = 0usize;
    let mut checksum = 0.0f64;
    for seg in 0..r.segment_count(0).unwrap() {
        for u in 0..r.spike_channels_count() {
            let ts = r.spike_timestamps(0, seg, u, TimeWindow::ALL).unwrap();
            let s = r.rescale_spike_timestamps(&ts);
            spikes += s.len();
            checksum += s.iter().sum::<f64>();
        }
    }
    println!(
        "{{\"open_s\": {open_s}, \"total_s\": {}, \"units\": {}, \"spikes\": {spikes}, \"checksum\": {checksum}, \"index_bytes\": {}}}",
        t.elapsed().as_secs_f64(),
        r.spike_channels_count(),
        r.index_heap_bytes()
    );
}
