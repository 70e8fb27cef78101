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
//! // as a RawIO: series are signal streams (regular or explicit clock), Units rows and
//! // spike event series are spike channels; what cannot be read is listed, not fatal
//! let r = NwbReader::open("session.nwb")?;
//! for n in r.header().blocks[0].annotations[rawio_nwb::NOT_READ_KEY].as_array().into_iter().flatten() {
//!     eprintln!("not read: {} ({})", n["path"], n["reason"]);
//! }
//! let strict = NwbReader::open_with("session.nwb", &rawio_nwb::Options { strict: true });
//! # let _ = strict;
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
//! v0–v3, deflate (zlib-rs, chunks decoded in parallel), shuffle, fletcher32, LZF (h5py's
//! filter 32000) and Zstd (hdf5plugin's filter 32015); soft links in every kind of group
//! storage, each aliased object listed once, at its target's own path; external links
//! resolved relative to the linking file; object references resolved to paths; dataset
//! region references (NWB 2.0b, MatNWB) resolved to the referenced dataset and selection;
//! vlen and fixed-length strings; bool enums; compounds; any integer width for ids and
//! ragged indexes. Other filters (Blosc 32001, LZ4 32004, bitshuffle 32008, ...) give
//! [`rawio_core::Error::Unsupported`] naming the filter and the dataset when the data is
//! read, never wrong values. Every read is bounded by what the file stores
//! ([`rawio_hdf5::Dataset::stored_extent`]): a declared shape past the stored bytes or chunks
//! is never read (a series is cut to its stored rows, with a `warning` annotation).
//!
//! # Opening, step by step
//!
//! [`NwbReader::open`] is a pipeline of named steps, each testable alone: open the HDF5 file
//! (walk its objects) → find the NWB model (series, tables, session) → index the signal
//! streams, the units tables, the spike event series and the event channels → assemble the
//! header (segment bounds, unit time supports, annotations).
//!
//! # Damage is per object, and said
//!
//! An object that cannot be read (a bad ragged index, an external link whose target file is
//! missing, an unsupported filter or layout, a declared shape the file does not store) is
//! left out and the rest of the file is read. Each one is listed under the block annotation
//! [`NOT_READ_KEY`] (`not_read`: `path`, `reason`, `kind`, `offset` when known), which
//! `rawio info` prints as a "not read" section and `rawio dump` carries.
//! [`Options::strict`] (`NwbReader::open_with`, `rawio --strict`) makes the first one an
//! error instead; errors name the HDF5 object path. A units table is read whole or not at
//! all; a series, a table, an event series each stand alone.
//!
//! An HDF5 file that is not NWB-shaped (no `nwb_version` / `NWBFile` attribute and none of
//! NWB's root groups `acquisition`, `analysis`, `general`, `intervals`, `processing`,
//! `stimulus`, `units`) is [`rawio_core::Error::UnknownFormat`], and the sniff gives it 0: a
//! NIX file or any other HDF5 file is left to another format.
//!
//! # RawIO mapping (1 block, 1 segment)
//!
//! * **Signal streams**: one per TimeSeries (any group with `data` and `starting_time` or
//!   `timestamps`, anywhere in the file: acquisition, processing modules and their `LFP` /
//!   `FilteredEphys` containers, stimulus) whose data is 1-D or 2-D numeric. Stream id = the
//!   group path, name = the group name.
//!   * `starting_time` with a positive `rate`: a **regular** clock, `t_start` =
//!     `starting_time`.
//!   * `timestamps`: an **explicit** clock ([`rawio_core::SampleClock::Explicit`]): the
//!     stored times are the sample times ([`rawio_core::RawIOExt::signal_times`] reads only
//!     the ones asked for), `t_start` is the first one, the channels' rate is nominal: a
//!     `rate` attribute of the group, its `data` or its `timestamps` when one is stored
//!     (`Stated`), else 1 / the median of the first 4096 intervals (`MedianInterval`). The
//!     times are checked finite and non-decreasing at open (all of them up to 2^20, else
//!     the first 2^20 and the last). A stream has min(rows, timestamps) samples.
//!   * A 1-D series whose timestamps **repeat** (Open Ephys' TTL series: a line number per
//!     row, rising and falling at the same time) has no sample clock: it is an **event
//!     channel**, one event per row labelled with the stored value.
//!
//!   Channels: one per column. For an ElectricalSeries, channel id = the electrodes table
//!   `id` of the referenced row (column index if those ids repeat, or when the series'
//!   column count differs from its electrode count: annotation `electrodes_warning`), name =
//!   the `channel_name` or `label` column if present, else the id; the row's scalar
//!   electrode columns are channel annotations. Other series: id = name = column index.
//!   dtype = stored dtype; units from `data@unit` (`volts` → `V`); gain = `conversion` ×
//!   `channel_conversion[c]`; offset = `data@offset`.
//! * Series that are not streams (N-D or text data, no rate, no sample) are listed in the
//!   segment annotation `other_series` (`path`, `reason`, and `shape`, `dtype`,
//!   `starting_time`, `rate` when known). [`NwbFile::series`] reads any series lazily.
//! * **Spike channels**: one per row of every Units table (`/units`, or typed `Units`, or
//!   any table with `*_times` + `*_times_index`, including SpikeLab's bare exports). id =
//!   the unit id (prefixed by the table path for tables other than `/units`); name = a
//!   `unit_name`/`name` column, else `unit{id}`. Timestamps are f64 seconds (time base 1).
//!   Unsorted times within a unit are sorted (annotation `warning`). Waveforms come from
//!   the (doubly) ragged `waveforms` column, reordered with the sort; every other column
//!   (scalar, text, ragged, N-D, `electrodes` as row indexes plus `electrode_ids`) is a unit
//!   annotation. `time_support` is the unit's observation time support: the union of its
//!   `obs_intervals` (`time_support_source` = `"obs_intervals"`), or the whole segment when
//!   it has none (`"segment"`). Spikes outside it are kept. Ragged indexes and table
//!   regions stored as dataset region references (NWB 2.0b, MatNWB) are read too.
//! * **Spike event series** (`SpikeEventSeries`: snippets cut around threshold crossings,
//!   as the Open Ephys plugin and aqnwb write them): one spike channel per series (not per
//!   electrode group: a series is what the writer detected on one electrode group, and its
//!   snippets span all of that group's channels). id = the series path, name = its name;
//!   timestamps exact (sorted if stored unsorted, waveforms following); waveforms from
//!   `data` (`events × channels × samples`, or `events × samples` as one channel); gain =
//!   `conversion` × `channel_conversion` (when equal on every channel; else `conversion`
//!   and a `warning`), offset = `data@offset`, units from `data@unit`; waveform rate = the
//!   rate of the fastest stream recorded on the same electrodes (`waveform_rate_from`),
//!   else 0 (unknown). Annotations: the electrode rows and `electrode_ids`.
//! * **Event channels**: every TimeIntervals table → an epoch channel (start, stop − start,
//!   tags joined by `,`); AnnotationSeries and EventsTable → event channels (text labels);
//!   1-D series with repeated timestamps → event channels (see above).
//! * **Another clock**: an event series with a time farther from the span of everything else
//!   than max(1 h, 1000 × that span) is not on the recording's clock (the Open Ephys plugin's
//!   `sync_messages` holds milliseconds since 1970 and a sample number): it is not an event
//!   channel, it is listed in `other_series` with the reason.
//! * **Segment** `t_start`/`t_stop` span every timed object: signal streams (both clocks),
//!   regular and timestamped N-D series, spikes (units and spike event series), the units'
//!   `obs_intervals`, the TimeIntervals tables and the event channels. An empty file gives
//!   `[0, 1]`; a single-instant span gets `t_stop = t_start + 1`.
//! * **Block annotations**: `nwb_version`, `identifier`, `session_description`,
//!   `session_start_time`, `/general` text fields, `subject_*`; `session` (those fields as
//!   one object, `subject` nested); `contents`: every object of the file by pynapple's short
//!   key with its kind (units / interval / events / electrodes table with `rows` and
//!   `columns` by name, series with a regular or explicit clock, series read as events,
//!   annotation series, spike event series, series that are not streams with a `note`),
//!   which `rawio info` prints; [`NOT_READ_KEY`].
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
