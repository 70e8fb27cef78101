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
//! Through [`rawio_hdf5`] (pure Rust, no libhdf5), re-exported as [`hdf5`]: superblocks
//! v0–v3, deflate, shuffle, fletcher32, LZF (h5py's filter 32000) and Zstd (hdf5plugin's
//! filter 32015); soft links in every kind of group storage (symbol tables, compact and
//! dense links), each aliased object listed once, at its target's own path; external links
//! resolved relative to the linking file (a missing target is an error naming it); object
//! references resolved to paths; vlen and fixed-length strings; bool enums; compounds; any
//! integer width for ids and ragged indexes. Other filters (Blosc 32001, LZ4 32004,
//! bitshuffle 32008, ...) give [`rawio_core::Error::Unsupported`] naming the filter and the
//! dataset when the data is read, never wrong values.
//!
//! # Opening, step by step
//!
//! [`NwbReader::open`] is a pipeline of named steps, each testable alone: open the HDF5 file
//! (walk its objects) → find the NWB model (series, tables, session) → index the signal
//! streams, the units and the event channels → assemble the header (segment bounds, unit
//! time supports, annotations).
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

mod contents;
mod degrade;
mod file;
pub mod hdf5;
mod model;
mod open;
mod reader;
mod signals;
mod spike_events;
mod table;

pub use degrade::{NOT_READ_KEY, NotRead, Options};
pub use file::{Intervals, NwbFile, ObjectKind, Series, SeriesChunk, Units};
pub use model::TimeAxis;
pub use reader::NwbReader;
pub use table::{Column, ColumnData, Table};

use rawio_core::{Confidence, Format, RawIO, Result};
use std::path::Path;

/// Format id (every error names it).
pub(crate) const FORMAT_ID: &str = "nwb";

/// How confident the NWB reader is that `path` is one of its files: 100 for an HDF5 file
/// whose root says NWB (`nwb_version`, or `neurodata_type` = `NWBFile`); for other HDF5
/// files with one of NWB's root groups (`acquisition`, `units`...: SpikeLab's bare units
/// exports, which the reader opens too) 80 with the `.nwb` extension, 40 with `.h5` /
/// `.hdf5`, unless their root declares another data model in a `format` attribute (as NIX
/// files do). Any other file, HDF5 or not, 0.
fn sniff(path: &Path) -> Confidence {
    let Some(root) = rawio_hdf5::sniff(path) else {
        return 0;
    };
    if root.contains("nwb_version") || root.text("neurodata_type") == Some("NWBFile") {
        return 100;
    }
    if root.text("format").is_some() {
        return 0;
    }
    let shaped = rawio_hdf5::sniff_members(path)
        .unwrap_or_default()
        .iter()
        .any(|m| open::NWB_GROUPS.contains(&m.as_str()));
    if !shaped {
        return 0;
    }
    if rawio_core::registry::has_extension(path, &["nwb"]) {
        80
    } else if rawio_core::registry::has_extension(path, &["h5", "hdf5"]) {
        40
    } else {
        0
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

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata")
            .join(name)
    }

    #[test]
    fn sniff_needs_the_signature() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.nwb");
        std::fs::write(&p, b"not hdf5 at all, no").unwrap();
        assert_eq!(sniff(&p), 0);
        let mut v = vec![0u8; 512];
        v.extend_from_slice(rawio_hdf5::SIGNATURE);
        v.extend_from_slice(&[0; 32]);
        std::fs::write(&p, &v).unwrap();
        // the signature alone (no NWB attribute, no NWB group) is not NWB
        assert_eq!(sniff(&p), 0);
        let q = dir.path().join("x.h5");
        std::fs::write(&q, &v).unwrap();
        assert_eq!(sniff(&q), 0);
        let r = dir.path().join("x.nix");
        std::fs::write(&r, &v).unwrap();
        assert_eq!(sniff(&r), 0);
        assert_eq!(sniff(dir.path()), 0);
    }

    #[test]
    fn sniff_reads_the_root_attributes() {
        // NWB markers win whatever the extension
        assert_eq!(sniff(&fixture("nwb/latest.h5")), 100);
        assert_eq!(sniff(&fixture("nwb/ecephys.nwb")), 100);
        // unmarked HDF5: SpikeLab's bare exports
        assert_eq!(sniff(&fixture("nwb/bare_units.h5")), 40);
        assert_eq!(sniff(&fixture("spikedata/loaders/spikelab_export.nwb")), 80);
        // a root that declares another data model (NIX) is not claimed
        if let Some(p) =
            rawio_conformance::shared_testdata("nix/gin-ephy-testing-data/nixio_fr.nix")
        {
            assert_eq!(sniff(&p), 0);
        }
    }
}
