//! The core of rawio: the [`RawIO`] trait every format reader implements, the header types,
//! channel selection, time bases, errors, and the shared helpers (memory map, `.npy`, chunked
//! iteration) that format crates use instead of writing their own.
//!
//! The vocabulary is neo.rawio's: a recording has **blocks** of **segments**; analog
//! **signal streams** group channels with one rate and dtype; **spike channels** are sorted
//! units; **event channels** hold events or epochs. Data comes back raw, in the file's dtype
//! and clock, and is converted explicitly (`rescale_*`).
//!
//! # Example
//!
//! Any reader is used the same way (here with a tiny in-memory reader from the tests; a real
//! program gets a `Box<dyn RawIO>` from `rawio::open(path)`):
//!
//! ```
//! use rawio_core::prelude::*;
//! # fn demo(reader: &dyn RawIO) -> rawio_core::Result<()> {
//! let header = reader.header();
//! for (i, stream) in header.signal_streams.iter().enumerate() {
//!     let size = reader.signal_size(0, 0, i)?;
//!     // first second of two channels, raw, then in physical units
//!     let rate = reader.signal_sampling_rate(i)?;
//!     let stop = size.min(rate as u64);
//!     let sel = ChannelSelection::Indexes(vec![0]);
//!     let raw = reader.analogsignal_chunk(0, 0, i, Some(0), Some(stop), &sel)?;
//!     let volts = reader.rescale_signal_f64(&raw, i, &sel)?;
//!     println!("{}: {:?} {}", stream.name, volts.dim(), header.signal_channels[0].units);
//! }
//! for (u, unit) in header.spike_channels.iter().enumerate() {
//!     let ts = reader.spike_timestamps(0, 0, u, TimeWindow::between(0.0, 10.0))?;
//!     let seconds = reader.rescale_spike_timestamps(&ts);
//!     println!("{}: {} spikes in the first 10 s", unit.name, seconds.len());
//! }
//! # Ok(()) }
//! # demo(&rawio_core::testing::TinyReader::new()).unwrap();
//! ```
#![deny(unsafe_code)]

pub mod clock;
pub mod dtype;
pub mod error;
pub mod header;
pub mod io;
pub mod left_out;
pub mod npy;
pub mod rawio;
pub mod registry;
pub mod rescale;
pub mod selection;
pub mod sums;
pub mod testing;
pub mod time;

pub use clock::{Clock, RateSource, SampleClock};
pub use dtype::{Dtype, RawArray, RawChunk, RawTimestamps, RawWaveforms, Sample, json_f64};
pub use error::{Error, ErrorKind, Result};
pub use header::{
    Annotations, Block, EventChannel, EventKind, Header, Segment, SignalBuffer, SignalChannel,
    SignalStream, SpikeChannel, annotations,
};
pub use io::{InterleavedLayout, LeReader, MappedFile, ShortRead};
pub use left_out::{LeftOut, NOT_MAPPED, NOT_READ, left_out};
pub use npy::{NpyFile, NpyHeader, NpyRawHeader, header_bytes as npy_header_bytes};
pub use rawio::{BufferDescription, Events, RawIO, RawIOExt, SampleTimes, SignalChunks};
pub use registry::{Confidence, Format};
pub use selection::{ChannelIndexes, ChannelSelection, resolve_channels};
pub use sums::ColumnSums;
pub use time::{TimeBase, TimeWindow};

/// The traits and the types used in almost every call: `use rawio_core::prelude::*;`.
pub mod prelude {
    pub use crate::clock::{Clock, SampleClock};
    pub use crate::dtype::{RawChunk, RawTimestamps, RawWaveforms};
    pub use crate::error::{Error, Result};
    pub use crate::rawio::{RawIO, RawIOExt};
    pub use crate::selection::ChannelSelection;
    pub use crate::time::TimeWindow;
}

pub use ndarray;
pub use serde_json;
