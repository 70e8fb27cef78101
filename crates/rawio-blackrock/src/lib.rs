//! Blackrock Microsystems (Cerebus, NeuroPort, Gemini) reader for rawio: NSx continuous data of
//! every file spec (2.1, 2.2, 2.3, 3.0 and 3.0 with PTP nanosecond clocks) and NEV spikes and
//! events, with recording pauses as segments.
//!
//! ```no_run
//! use rawio_blackrock::{BlackrockReader, Options};
//! use rawio_core::prelude::*;
//!
//! # fn main() -> rawio_core::Result<()> {
//! // a stem, an .nsX or a .nev: every sibling of the stem opens together
//! let reader = BlackrockReader::open("data/session001.ns5")?;
//! let h = reader.header();
//! for (i, stream) in h.signal_streams.iter().enumerate() {
//!     for seg in 0..reader.segment_count(0)? {
//!         let n = reader.signal_size(0, seg, i)?;
//!         let first = reader.analogsignal_chunk(0, seg, i, Some(0), Some(n.min(30)), &ChannelSelection::All)?;
//!         let uv = reader.rescale_signal_f64(&first, i, &ChannelSelection::All)?;
//!         println!("{} segment {seg}: {n} samples, first rows {:?}", stream.name, uv.dim());
//!     }
//! }
//! for (u, unit) in h.spike_channels.iter().enumerate() {
//!     let ts = reader.spike_timestamps(0, 0, u, TimeWindow::ALL)?;
//!     println!("{} ({}): {} spikes", unit.name, unit.id, ts.len());
//! }
//! // only the ns6, a 5 ms PTP gap tolerance, no NEV scan
//! let fast = BlackrockReader::open_with(
//!     "data/gemini001",
//!     &Options { nsx: Some(6), ptp_gap_tolerance_ms: 5.0, load_nev: false },
//! )?;
//! # let _ = fast;
//! # Ok(()) }
//! ```
//!
//! # Model (neo.rawio's, `BlackrockRawIO` 0.14.6)
//!
//! * **Streams**: one per `.nsX` file, id `"X"`, name `"nsxX"`, one buffer each. Channel ids are
//!   `str(electrode_id)`, names the extended-header label (cut at its first NUL; spec 2.1:
//!   `chan{id}` / `ainp{id-128}`), int16 samples, `gain = (max_analog - min_analog) /
//!   (max_digital - min_digital)`, `offset = -min_digital * gain + min_analog` in the header's
//!   units; spec 2.1 gains come from the NEV digitization factor (µV), or are 1 without it.
//!   The nominal rate is `30000 / period`.
//! * **Segments are recording pauses**: data blocks whose timestamp continues the previous
//!   block exactly (`timestamp + samples × period`) are one run; a pause starts a new run.
//!   Runs of the nsX files are paired into segments (by position when every file has the same
//!   number, else by time). PTP files store one packet per sample with a nanosecond clock:
//!   gaps above [`Options::ptp_gap_tolerance_ms`] (default 10 ms) or backward clock steps split
//!   segments, jitter and dropped samples do not (they are listed in the stream annotations
//!   `gaps`). Every sample is kept (spec 2.1 included).
//! * **Clocks**: standard streams are regular (`t_start = timestamp / timestamp_resolution`).
//!   PTP streams have an explicit clock ([`rawio_core::SampleClock::Explicit`], rate stated):
//!   [`rawio_core::RawIOExt::signal_times`] returns the stored times in seconds since the Unix
//!   epoch (neo's convention, `ns as f64 / 1e9`, exact to about 2.4e-7 s today);
//!   [`BlackrockReader::ptp_timestamps_ns`] returns the exact nanoseconds.
//! * **Units**: one per (electrode, unit class) seen in the NEV, including unsorted 0 and
//!   noise 255; names `ch{electrode}#{class}`, ids `Unit {1000·electrode + class}`, in
//!   `NEUEVWAV` header order. Timestamps are raw NEV ticks ([`rawio_core::TimeBase`] at the
//!   NEV timestamp resolution), waveforms int8/int16/int32 per the header flags
//!   (`wf_gain = digitization factor / 1000` µV).
//! * **Events**: `digital_input_port`, `serial_input_port` (labels: the input word) and
//!   `comments` (2.3+, Latin-1 or UTF-16 text); spec 2.1/2.2 also have the five
//!   `analog_input_channel_k` and `periodic_sampling_events`. Event ids are `""` as in neo.
//! * **NEV packets go to segments by time**: a packet belongs to the segment whose time span
//!   contains it, or in a pause to the nearer segment; segments widen to their packets. A
//!   NEV-only recording opens (spikes and events, no streams).
//!
//! Where neo 0.14.6 is wrong this reader is right; `docs/neo-differences.md` (Blackrock) lists
//! every difference.
#![forbid(unsafe_code)]

mod build;
mod files;
pub mod nev_header;
pub mod nev_index;
pub mod nsx_header;
pub mod nsx_index;
pub mod reader;
mod segments;
pub mod spec;
pub mod text;

pub use reader::{BlackrockReader, Options};
pub use spec::Spec;
pub use text::ParseError;

use rawio_core::{Confidence, Format, RawIO, Result};
use std::path::Path;

/// Whether the first bytes are an NSx or NEV header of a known spec.
pub fn is_blackrock_header(prefix: &[u8]) -> bool {
    nsx_header::detect_spec(prefix).is_some() || nev_header::detect_spec(prefix).is_some()
}

fn sniff(path: &Path) -> Confidence {
    let magic = |p: &Path| is_blackrock_header(&rawio_core::registry::read_prefix(p, 10));
    if path.is_file() {
        let known = files::EXTENSIONS
            .iter()
            .any(|e| rawio_core::registry::has_extension(path, &[e]));
        return match (magic(path), known) {
            (true, _) => 100,
            (false, true) => 5,
            _ => 0,
        };
    }
    if path.exists() {
        return 0;
    }
    let stem = files::stem_of(path);
    let any = files::EXTENSIONS[..7].iter().any(|e| {
        let mut s = stem.as_os_str().to_owned();
        s.push(".");
        s.push(e);
        magic(Path::new(&s))
    });
    if any { 100 } else { 0 }
}

fn open(path: &Path) -> Result<Box<dyn RawIO>> {
    Ok(Box::new(BlackrockReader::open(path)?))
}

/// The Blackrock format descriptor.
pub const FORMAT: Format = Format {
    id: "blackrock",
    name: "Blackrock NSx/NEV",
    extensions: &["ns1", "ns2", "ns3", "ns4", "ns5", "ns6", "nev"],
    opens: "a file stem, an .nsX or a .nev file (every .nsX and the .nev of the stem together)",
    sniff,
    open,
};
