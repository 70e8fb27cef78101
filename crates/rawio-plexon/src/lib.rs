//! Plexon `.plx` reader for rawio: complete, exact and fast.
//!
//! ```no_run
//! use rawio_core::{ChannelSelection, RawIO, RawIOExt, TimeWindow};
//! use rawio_plexon::{Options, PlexonReader};
//!
//! # fn main() -> rawio_core::Result<()> {
//! let reader = PlexonReader::open("recording.plx")?;
//! for (i, stream) in reader.header().signal_streams.iter().enumerate() {
//!     let n = reader.signal_size(0, 0, i)?;
//!     let chunk = reader.analogsignal_chunk(0, 0, i, Some(0), Some(n.min(1000)), &ChannelSelection::All)?;
//!     println!("{}: {n} samples, first chunk {:?}", stream.name, chunk.shape());
//! }
//! for (u, unit) in reader.header().spike_channels.iter().enumerate() {
//!     let ts = reader.spike_timestamps(0, 0, u, TimeWindow::ALL)?;
//!     println!("{} ({}): {} spikes", unit.name, unit.id, ts.len());
//! }
//! // one segment per gap-free run of the continuous channels
//! let split = PlexonReader::open_with(
//!     "recording.plx",
//!     &Options { split_segments_at_gaps: true, ..Options::default() },
//! )?;
//! println!("{} segments", split.segment_count(0)?);
//! # Ok(()) }
//! ```
//!
//! The model follows `neo.rawio.PlexonRawIO` (0.14.6): one block and one segment; slow
//! channels grouped into streams by the non-digit prefix of their name (`WB`, `FP`, `SP`,
//! `AI`, `AIF`, or the prefix itself), channel ids `str(Channel)`; one unit per
//! `(channel, unit)` pair found in the spike blocks (unit 0 = unsorted), ids `ch{chan}#{unit}`;
//! one event channel per event header, labels = the strobed value. Spike and event timestamps
//! are raw `u64` ticks of the global `ADFrequency` clock (40-bit timestamps are exact).
//!
//! Where neo is wrong, this reader is right (see `docs/neo-differences.md (plexon)`): the last
//! block of every slow channel is read, reads starting mid-stream are exact, slow-channel gains
//! use `BitsPerSlowSample`, signal `t_start` is the first block's timestamp, the segment's
//! `t_stop` covers the signals, gaps between slow blocks are reported in the annotations
//! (and can split segments), and files without data blocks or with a zero clock open.
//!
//! # Structure
//!
//! Opening is a pipeline of named steps (see CONTRIBUTING, "The open pipeline"):
//! [`header::FileHeaders::parse`] (pure) reads the headers, [`index::Index::scan_file`] indexes
//! every data block in one pass, then private modules build the channels (`channels`), the
//! segments (`segments`) and the block annotations (`annotations`, including the check of the
//! header's per-channel counts against the index); [`reader`] holds the reader and its reads.
#![forbid(unsafe_code)]

mod annotations;
mod channels;
pub mod header;
pub mod index;
mod read;
pub mod reader;
mod segments;

pub use reader::{Options, PlexonReader};

use rawio_core::{Confidence, Format, RawIO, Result};
use std::path::Path;

/// The format id, in [`FORMAT`] and in every error.
pub const FORMAT_ID: &str = "plexon";

fn sniff(path: &Path) -> Confidence {
    let prefix = rawio_core::registry::read_prefix(path, 4);
    if prefix.as_slice() == header::MAGIC.to_le_bytes() {
        100
    } else if rawio_core::registry::has_extension(path, FORMAT.extensions) && path.is_file() {
        5
    } else {
        0
    }
}

fn open(path: &Path) -> Result<Box<dyn RawIO>> {
    Ok(Box::new(PlexonReader::open(path)?))
}

/// The Plexon `.plx` format descriptor.
pub const FORMAT: Format = Format {
    id: FORMAT_ID,
    name: "Plexon PLX",
    extensions: &["plx"],
    opens: "a .plx file",
    sniff,
    open,
};
