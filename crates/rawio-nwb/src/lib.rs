//! NWB 2.x files (HDF5) for rawio, in pure Rust: [`NwbReader`], a [`rawio_core::RawIO`], and
//! [`NwbFile`], a lazy object API in the spirit of pynapple's `NWBFile`.
//!
//! # Example
//!
//! ```no_run
//! use rawio_core::{ChannelSelection, RawIO, RawIOExt, TimeWindow};
//! use rawio_nwb::{NwbFile, NwbReader};
//!
//! # fn main() -> rawio_core::Result<()> {
//! // as a RawIO: regularly sampled series are signal streams, Units rows are spike channels
//! let r = NwbReader::open("session.nwb")?;
//! let raw = r.analogsignal_chunk(0, 0, 0, Some(0), Some(30_000), &ChannelSelection::All)?;
//! let volts = r.rescale_signal_f64(&raw, 0, &ChannelSelection::All)?; // conversion × channel_conversion + offset
//! let spikes = r.spike_timestamps(0, 0, 0, TimeWindow::between(0.0, 10.0))?;
//! # let _ = (volts, spikes);
//!
//! // as objects: every convertible object by unique short name
//! let f = NwbFile::open("session.nwb")?;
//! for (key, kind) in f.keys() {
//!     println!("{key}: {kind:?}");
//! }
//! let es = f.series("ElectricalSeries")?;
//! let chunk = es.get(0.5, 0.5002)?; // both ends inclusive, only those rows are read
//! println!("{} rows at {:?}", chunk.times.len(), chunk.times.first());
//! let units = f.units("units")?;
//! println!("{} units", units.ids.len());
//! # Ok(()) }
//! ```
//!
//! # HDF5 access
//!
//! Through `hdf5-reader` (no libhdf5), wrapped in one private adapter module. Supported:
//! superblocks v0–v3, deflate, shuffle, fletcher32, LZF (h5py's filter 32000, decoded here)
//! and Zstd (hdf5plugin's filter 32015, decoded with `ruzstd`); soft links in every kind of
//! group storage (symbol tables, compact and dense links), each aliased object listed once,
//! at its target's own path; external links resolved relative to the linking file (a
//! missing target is an error naming it); object references resolved to paths; vlen and
//! fixed-length strings; bool enums; compounds; any integer width for ids and ragged
//! indexes. Other filters (Blosc 32001, LZ4 32004, bitshuffle 32008, ...) give
//! [`rawio_core::Error::Unsupported`] naming the filter and the dataset when the data is
//! read, never wrong values.
//!
//! # RawIO mapping (1 block, 1 segment)
//!
//! * **Signal streams**: one per TimeSeries (any group with `data` and `starting_time`,
//!   anywhere in the file) whose `starting_time` has a positive `rate` and whose data is
//!   1-D or 2-D numeric. Stream id = the group path, name = the group name; `t_start` =
//!   `starting_time`. Channels: one per column. For an ElectricalSeries, channel id = the
//!   electrodes table `id` of the referenced row (column index if those ids repeat), name =
//!   the `channel_name` or `label` column if present, else the id; the row's scalar
//!   electrode columns are channel annotations. Other series: id = name = column index.
//!   dtype = stored dtype; units from `data@unit` (`volts` → `V`); gain = `conversion` ×
//!   `channel_conversion[c]`; offset = `data@offset`.
//! * Series with explicit `timestamps` (even exactly regular ones, like the Open Ephys NWB
//!   plugin's continuous data), N-D data or text are not signals. They are listed in the
//!   segment annotations: `timestamps_series` entries give `path`, `name`,
//!   `neurodata_type`, `data_path`, `shape`, `dtype`, `unit`, `timestamps` (path), `count`,
//!   `t_start`/`t_stop` (first/last timestamp) and `rate_estimate` (`(count − 1) /
//!   (t_stop − t_start)`; only those two timestamps are read); `other_series` entries give
//!   `path`, `reason` and, for regular N-D series, `shape`, `dtype`, `starting_time`,
//!   `rate`. [`NwbFile::series`] reads them lazily.
//! * **Spike channels**: one per row of every Units table (`/units`, or typed `Units`, or
//!   any table with `*_times` + `*_times_index`, including SpikeLab's bare exports). id =
//!   the unit id (prefixed by the table path for tables other than `/units`); name = a
//!   `unit_name`/`name` column, else `unit{id}`. Timestamps are f64 seconds (time base 1).
//!   Unsorted times within a unit are sorted (annotation `warning`). Waveforms come from
//!   the (doubly) ragged `waveforms` column, reordered with the sort; every other column
//!   (scalar, text, ragged, N-D, `electrodes` as row indexes plus `electrode_ids`) is a unit
//!   annotation. `time_support` is the unit's observation time support: the union of its
//!   `obs_intervals` (`time_support_source` = `"obs_intervals"`), or the whole segment when
//!   it has none (`"segment"`). Spikes outside it are kept.
//! * **Event channels**: every TimeIntervals table → an epoch channel (start, stop − start,
//!   tags joined by `,`); AnnotationSeries and EventsTable → event channels (text labels).
//! * **Segment** `t_start`/`t_stop` span every timed object: signal streams (`t_start` ..
//!   `t_start + n / rate`), regular N-D series, timestamped series (first/last timestamp),
//!   spikes, the units' `obs_intervals` and the TimeIntervals tables. Event channels do not
//!   stretch it (the Open Ephys plugin stores wall-clock milliseconds in `sync_messages`).
//!   An empty file gives `[0, 1]`; a single-instant span gets `t_stop = t_start + 1`.
//! * Block annotations: `nwb_version`, `identifier`, `session_description`,
//!   `session_start_time`, `/general` text fields, `subject_*`.
#![forbid(unsafe_code)]

mod file;
mod h5;
pub mod hdf5;
mod lzf;
mod model;
mod reader;
mod table;
mod zstd;

pub use file::{Intervals, NwbFile, ObjectKind, Series, SeriesChunk, Units};
pub use model::TimeAxis;
pub use reader::NwbReader;
pub use table::{Column, ColumnData, Table};

use rawio_core::{Confidence, Format, RawIO, Result};
use std::path::Path;

/// The HDF5 file signature.
const HDF5_MAGIC: &[u8; 8] = b"\x89HDF\r\n\x1a\n";

/// Whether the file starts with the HDF5 signature at 0, 512, 1024, 2048, ... (user block).
fn has_hdf5_signature(path: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut off = 0u64;
    while off + 8 <= len && off <= 1 << 20 {
        let mut b = [0u8; 8];
        if f.seek(SeekFrom::Start(off)).is_err() || f.read_exact(&mut b).is_err() {
            return false;
        }
        if &b == HDF5_MAGIC {
            return true;
        }
        off = if off == 0 { 512 } else { off * 2 };
    }
    false
}

fn sniff(path: &Path) -> Confidence {
    if !path.is_file() || !has_hdf5_signature(path) {
        return 0;
    }
    if rawio_core::registry::has_extension(path, &["nwb"]) {
        80
    } else {
        40
    }
}

fn open_boxed(path: &Path) -> Result<Box<dyn RawIO>> {
    Ok(Box::new(NwbReader::open(path)?))
}

/// The NWB format descriptor for the `rawio` registry.
pub const FORMAT: Format = Format {
    id: "nwb",
    name: "Neurodata Without Borders 2.x (HDF5)",
    extensions: &["nwb", "h5", "hdf5"],
    opens: "an .nwb (HDF5) file",
    sniff,
    open: open_boxed,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_needs_the_signature() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.nwb");
        std::fs::write(&p, b"not hdf5 at all, no").unwrap();
        assert_eq!(sniff(&p), 0);
        let mut v = vec![0u8; 512];
        v.extend_from_slice(HDF5_MAGIC);
        v.extend_from_slice(&[0; 32]);
        std::fs::write(&p, &v).unwrap();
        assert_eq!(sniff(&p), 80);
        let q = dir.path().join("x.h5");
        std::fs::write(&q, &v).unwrap();
        assert_eq!(sniff(&q), 40);
        assert_eq!(sniff(dir.path()), 0);
    }
}
