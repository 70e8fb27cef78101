//! Reads the first signal stream of an NWB file front to back in chunks of `SECONDS` (all
//! channels), as a whole process: what `scripts/compare_neo.py` times against h5py reading
//! the same chunks.
//!
//! ```text
//! cargo run --release -p rawio-nwb --example read_chunks -- FILE.nwb [SECONDS]
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rawio_core::{ChannelSelection, RawIOExt};
use rawio_nwb::NwbReader;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: read_chunks FILE.nwb [SECONDS]");
    let secs: f64 = args.next().map_or(1.0, |s| s.parse().expect("SECONDS"));
    let r = NwbReader::open(&path).unwrap();
    let rate = r.signal_sampling_rate(0).unwrap();
    let chunk = ((rate * secs).round() as u64).max(1);
    let (mut rows, mut check) = (0u64, 0f64);
    for c in r
        .signal_chunks(0, 0, 0, chunk, ChannelSelection::All)
        .unwrap()
    {
        let (range, c) = c.unwrap();
        rows += range.end - range.start;
        check += c.column_sums().first().copied().unwrap_or(0.0);
    }
    println!("{rows} rows, checksum {check}");
}
