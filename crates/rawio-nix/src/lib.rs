//! NIX files (G-Node's data model on HDF5) for rawio, in pure Rust: [`NixReader`], a
//! [`rawio_core::RawIO`] for both files written by neo's `NixIO` and generic NIX files
//! (nixio users, the NIX library).
//!
//! # Example
//!
//! ```no_run
//! use rawio_core::{ChannelSelection, RawIO, RawIOExt, TimeWindow};
//! use rawio_nix::NixReader;
//!
//! # fn main() -> rawio_core::Result<()> {
//! // a file written by neo's NixIO: neo's streams, units and event channels
//! let r = NixReader::open("neo_session.nix")?;
//! assert!(r.is_neo());
//! let raw = r.analogsignal_chunk(0, 0, 0, Some(0), Some(1000), &ChannelSelection::All)?;
//! let spikes = r.spike_timestamps(1, 0, 0, TimeWindow::ALL)?; // block 1, segment 0, unit 0
//! println!("{:?} {}", raw.shape(), spikes.len());
//!
//! // a generic NIX file (the NIX tutorial's): arrays with a time dimension are streams,
//! // range dimensions explicit clocks, multi-tags and tags event/epoch channels
//! let t = NixReader::open("Tutorial.nix")?;
//! let h = t.header();
//! for s in &h.signal_streams {
//!     println!("{} ({})", s.name, s.clock.name());
//! }
//! let irregular = h.stream_index("data_irregular")?;
//! let times = t.signal_times(0, 0, irregular, 0..10)?; // the range dimension's ticks, in s
//! let tags = t.event_timestamps(1, 0, 0, TimeWindow::ALL)?; // tag_A's positions
//! // what is not mapped is listed, with the reason, in the block annotations
//! println!("{:?} {} {:?}", times, tags.len(), h.blocks[0].annotations.get(rawio_nix::NOT_MAPPED));
//! # Ok(()) }
//! ```
//!
//! # Opening, step by step
//!
//! [`NixReader::open`] is a pipeline of named steps (module `open`): open the HDF5 file and
//! check its root `format` attribute (`"nix"`) → read the NIX tree (blocks, data arrays with
//! their dimension descriptors, tags, multi-tags, groups, sources; metadata sections) → detect
//! neo-written files (a block of type `neo.block`) → map (neo or generic) → assemble the
//! header (segment bounds). Opening reads metadata, spike and event times; signal samples,
//! explicit sample times and waveforms are read on demand by hyperslab (deflate-compressed
//! arrays included). Time units are honoured everywhere: `s`, `ms`, `us`, `ns`, `min`, `h`
//! and neo's sampling-period units `1/Hz`, `1/kHz`, `1/MHz`.
//!
//! # Files written by neo's NixIO (neo 0.14.6's `NIXRawIO` names and ids)
//!
//! * Blocks are the `neo.block` blocks; segments their `neo.segment` groups (in creation
//!   order). Streams, units and event channels are defined by the first segment of the first
//!   block; the k-th signal, spike train, event or epoch of another segment is the k-th of
//!   the first (a segment whose k-th signal differs in channels, dtype or rate has no samples
//!   of that stream, and the block annotations list it).
//! * **Streams**: one per AnalogSignal (its DataArrays `neo.analogsignal.<id>.<k>`, one per
//!   channel), ids `0`, `1`, ... in order of first appearance, names empty (as neo). Channel
//!   name = the signal's `neo_name`, id = the array's index among the segment group's data
//!   arrays; units = the array's unit; gain 1, offset 0; `sampling_rate` = 1 / the time
//!   dimension's interval **in its unit** (neo drops the unit); `t_start` = the `t_start`
//!   property in its unit (else the dimension's offset). IrregularlySampledSignals, which
//!   neo's reader leaves out, are explicit-clock streams after the regular ones (named after
//!   the signal).
//! * **Units**: one per SpikeTrain multi-tag, name = `neo_name`, id = the multi-tag's entity
//!   id (as neo). Times in seconds (the positions' unit honoured), sorted; waveforms from the
//!   `neo.waveforms` feature (`spikes × channels × samples`), `wf_sampling_rate` from its time
//!   dimension (unit honoured), `wf_left_sweep` = the `left_sweep` property converted to
//!   samples (-1 when unknown).
//! * **Event channels**: Events then Epochs in the segment's order, name = `neo_name`, ids
//!   counted per kind (`0`, `1`, ... for events and for epochs, as neo); times and durations
//!   in seconds (their arrays' units), labels from the positions' set dimension.
//! * **Segment bounds** span every signal, spike train (`t_start`/`t_stop`), event and epoch.
//! * Annotations: `name` (neo_name), `nix_name`, `description` and the properties that are not
//!   neo attributes (array annotations under `__array_annotations__`) on blocks, segments,
//!   streams, units and event channels; the block's `not_mapped` lists neo Groups, image
//!   sequences and channel views.
//!
//! # Generic NIX files (`nix-generic-mapping.md`)
//!
//! * Each NIX block is a rawio block with one segment.
//! * **Time dimension**: the first sampled or range descriptor among the first `ndim` whose
//!   unit is a time unit (descriptors beyond the data's rank are ignored).
//! * **Streams**: every 1-D or 2-D numeric DataArray with a time dimension (2-D: the other
//!   dimension a set, or none), except the arrays of multi-tags' positions and extents and
//!   self-timed arrays. Stream name = id = the array name. 1-D: one channel named after the
//!   array, id `0`; 2-D: one channel per set index, name = id = its label (the index when the
//!   labels are missing or repeat); channels-first arrays are transposed on read
//!   ([`rawio_hdf5::ChannelsFirst`]). `sampling_rate` = 1 / interval in seconds, `t_start` =
//!   the offset in seconds; units = the array's unit; gain = c1 and offset = c0 − c1 ×
//!   `expansion_origin` from `polynom_coefficients` (gain 1, offset 0 when absent; higher
//!   degrees are not mapped).
//! * **Explicit clocks**: a range time dimension (stored ticks, or a linked 1-D array) gives
//!   an explicit-clock stream: times = the ticks in seconds, `t_start` = the first tick,
//!   nominal rate = 1 / median interval.
//! * **Event channels**: multi-tags, then tags, then self-timed arrays (a range dimension
//!   linked to the array itself); name = id = the object's name. A multi-tag is an `event`
//!   channel, or an `epoch` with its extents; a tag is an `epoch` of one entry; labels are
//!   the positions' set labels, else the object's name. Time unit: the tag's `units`, else the
//!   positions' (extents') unit, else the first referenced array's time unit, else seconds;
//!   2-D positions use the column of the referenced array's time dimension.
//! * Streams and event channels are the **union over blocks** by name (the mapping text says
//!   "defined by the first block", which would drop the tutorial's second block); a block
//!   without one has no samples or events of it.
//! * **Not mapped** (block annotation [`NOT_MAPPED`], each entry with `path`, `name`, `type`
//!   and `reason`): arrays with no time dimension, 3-D+ arrays, text arrays, non-linear
//!   polynomials, tags whose unit is not a time, arrays that differ from the stream of the
//!   same name, block members this reader does not read (data frames).
//! * Annotations: blocks carry `name`, `nix_type`, `nix_path`, `nix_id`, `nix_version`, the
//!   block's metadata section as a nested object (`metadata`: properties, `<name>_unit`,
//!   sub-sections) and its groups; streams and event channels their type, path, id, label,
//!   metadata, sources and polynomial. No spike channels.
#![forbid(unsafe_code)]

mod generic;
mod mapping;
pub mod model;
mod neo;
pub mod open;
mod reader;
pub mod sections;
pub mod units;

pub use mapping::NOT_MAPPED;
pub use reader::NixReader;

use rawio_core::{Confidence, Format, RawIO, Result};
use std::path::Path;

/// Format id (every error names it).
pub(crate) const FORMAT_ID: &str = "nix";

/// How confident the NIX reader is that `path` is one of its files: 100 for an HDF5 file
/// whose root `format` attribute is `"nix"`, 0 otherwise (whatever the extension).
fn sniff(path: &Path) -> Confidence {
    match rawio_hdf5::sniff(path) {
        Some(root) if root.text("format") == Some("nix") => 100,
        _ => 0,
    }
}

fn open_boxed(path: &Path) -> Result<Box<dyn RawIO>> {
    Ok(Box::new(NixReader::open(path)?))
}

/// The NIX format descriptor for the `rawio` registry.
pub const FORMAT: Format = Format {
    id: "nix",
    name: "NIX (G-Node) on HDF5, neo-written or generic",
    extensions: &["nix", "h5"],
    opens: "a .nix (HDF5) file",
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
    fn sniff_reads_the_format_attribute() {
        assert_eq!(sniff(&fixture("nix/tutorial.nix")), 100);
        assert_eq!(sniff(&fixture("nix/neo_blocks.nix")), 100);
        // an NWB file is HDF5 without format = "nix"
        assert_eq!(sniff(&fixture("nwb/ecephys.nwb")), 0);
        assert_eq!(sniff(&fixture("nix")), 0);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.nix");
        std::fs::write(&p, b"not hdf5").unwrap();
        assert_eq!(sniff(&p), 0);
    }
}
