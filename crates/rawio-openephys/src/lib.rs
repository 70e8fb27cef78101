//! Open Ephys recordings for rawio: the **binary** format of GUI 0.4 to 1.0
//! (`structure.oebin`, `continuous.dat`, `.npy`) and the **legacy** format (`.continuous`,
//! `.events`, `.spikes`), with neo.rawio's names and one clock.
//!
//! ```no_run
//! use rawio_core::{ChannelSelection, Clock, RawIO, RawIOExt, TimeWindow};
//! use rawio_openephys::{BinaryOptions, BinaryReader, LegacyReader};
//!
//! # fn main() -> rawio_core::Result<()> {
//! // a session root, a Record Node, an experiment or a recording folder
//! let reader = BinaryReader::open("2024-05-01_10-00-00")?;
//! let h = reader.header();
//! for (k, s) in h.signal_streams.iter().enumerate() {
//!     let n = reader.signal_size(0, 0, k)?;
//!     let raw = reader.analogsignal_chunk(0, 0, k, Some(0), Some(n.min(30_000)), &ChannelSelection::All)?;
//!     let uv = reader.rescale_signal_f64(&raw, k, &ChannelSelection::All)?;
//!     // sample-clock seconds by default; the synchronized (main-clock) seconds on request
//!     let t = reader.signal_times(0, 0, k, 0..1)?;
//!     if reader.has_synchronized_clock(k) {
//!         let main = reader.signal_times_on(0, 0, k, 0..1, Clock::Explicit)?;
//!         println!("{}: {:?} at {} s ({} s on the main clock)", s.name, uv.dim(), t[0], main[0]);
//!     }
//! }
//! for (e, ch) in h.event_channels.iter().enumerate() {
//!     let ev = reader.event_timestamps(0, 0, e, TimeWindow::ALL)?;
//!     println!("{} ({}): {} events", ch.name, ch.kind.name(), ev.len());
//! }
//! // gaps of the sample numbers (dropped USB packets) as segments of their own
//! let split = BinaryReader::open_with(
//!     "2024-05-01_10-00-00",
//!     &BinaryOptions { split_at_gaps: true, ..BinaryOptions::default() },
//! )?;
//! // the legacy format: a folder of .continuous files, or of Record Node folders
//! let legacy = LegacyReader::open("2018-10-03_13-16-50")?;
//! # let _ = (split, legacy);
//! # Ok(()) }
//! ```
//!
//! # One clock
//!
//! Every time this crate returns by default is on the **sample clock**: a sample number
//! divided by its stream's rate. A signal starts at `first sample number / rate`, an event is
//! at `sample number / the event stream's rate`, a spike at `sample number / rate`. Times of
//! one recording are therefore comparable with one another, and an event never precedes the
//! recording it was recorded in because of a clock change (neo takes signal starts from the
//! sample numbers and event times from the synchronized seconds).
//!
//! GUI 0.6+ (`timestamps.npy` beside `sample_numbers.npy`) and 0.4/0.5
//! (`synchronized_timestamps.npy`) also store **synchronized seconds**: each sample's time on
//! the main clock after the GUI's sync. They are a second clock, never mixed with the first: a
//! stream that has them is [`rawio_core::SampleClock::RegularWithExplicit`] and
//! [`rawio_core::RawIOExt::signal_times_on`] with [`rawio_core::Clock::Explicit`] returns them
//! (zero-copy from the memory map); [`BinaryReader::event_synchronized_times`] and
//! [`BinaryReader::spike_synchronized_times`] return them for events and spikes. Files of
//! `-1` (the GUI's "no sync signal") offer no second clock. The legacy format has one clock.
//!
//! # Binary format ([`BinaryReader`], [`FORMAT_BINARY`]; parity with `OpenEphysBinaryRawIO`)
//!
//! * **Blocks** are experiments (`experimentN`, in number order), **segments** recordings
//!   (`recordingM`); every Record Node's streams are in the same blocks and segments.
//!   [`BinaryOptions::experiments`] keeps some experiments (neo's `experiment_names`). A
//!   stream absent from a recording has 0 samples there.
//! * **Streams**, as neo: one per `continuous/<folder>/` of every node, named
//!   `<Record Node>#<folder>` and sorted by name; stream `k` has id and buffer id `"k"`. Its
//!   `ADC` channels (except OneBox sources) form stream `"k + n"` named `<name>_ADC`, its `SYNC`
//!   channel stream `<name>SYNC`: the same buffer, zero-copy column slices of one memory map.
//!   Ids are in **numeric** order (neo sorts them as strings: `"10"` before `"2"`).
//! * **Channels**: name = id = `channel_name`, int16, gain = `bit_volts`, offset 0, units as
//!   written or `uV` (`V` for `ADC` channels) when empty.
//! * **Sample numbers**: `sample_numbers.npy` (GUI 0.6+) or the int64 `timestamps.npy`
//!   (GUI 0.4/0.5). Gaps (a jump other than +1) are listed in the segment annotation `gaps`
//!   and by [`BinaryReader::gaps`]; [`BinaryOptions::split_at_gaps`] starts a new segment after
//!   every gap of any stream. A `continuous.dat` that is not a whole number of frames (the GUI
//!   stopped mid-write) is read to its last whole frame, with a warning in the segment
//!   annotation `warnings`.
//! * **Events**: one channel per `events/<folder>/` of every node, in neo's order; name =
//!   `channel_name`, id = the name, or `<node>#<folder>#<name>` when two channels share it.
//!   TTL folders with `states.npy` / `channel_states.npy` are **epochs**: edges paired per line
//!   (a leading falling and a trailing rising edge dropped and counted), time = rising edge,
//!   duration = falling − rising, label = the line; an empty TTL folder is an epoch channel
//!   with no events. Text (MessageCenter), BINARY metadata and channel numbers are labels as
//!   neo writes them. `full_words.npy` is read ([`BinaryReader::event_full_words`]).
//! * **Spikes** (neo has none): each Spike Detector folder (`spikes/<folder>/`, GUI 0.6+) or
//!   Spike Viewer group (GUI 0.4/0.5) gives one unit per (electrode, cluster), named
//!   `<electrode>#<cluster>`, with waveforms (`spikes × channels × samples`), `wf_gain` =
//!   the source channels' `bit_volts`, `wf_left_sweep` = `pre_peak_samples`.
//! * Segment bounds cover the segment's signals, events and spikes.
//! * **Memory**: `continuous.dat` is memory-mapped and chunks are views into it;
//!   [`rawio_core::RawIO::release_signal`] drops a range's pages, and a read that starts where
//!   the previous read of the same stream ended drops the previous range's pages too, so a
//!   sequential scan keeps memory flat (views stay valid: dropped pages are read again from the
//!   page cache when touched).
//!
//! # Legacy format ([`LegacyReader`], [`FORMAT_LEGACY`]; parity with `OpenEphysRawIO`)
//!
//! * One block; one **segment** per start number (`100_CH1.continuous` is start 1,
//!   `100_CH1_2.continuous` start 2). File names of every GUI generation are understood:
//!   `100_CH1`, `100_example-data_CH1` and `106_17` (a channel number without `CH`, GUI 0.5.5).
//!   A folder of `Record Node` sub-folders opens as one session (streams prefixed by node).
//! * **Streams** `CH`, `ADC`, `AUX`... named `Signals CH`... (CH first, as neo); channel name =
//!   the file's channel token, id = its number, gain = `bitVolts`, units `uV` for CH, else `V`.
//!   Channels are in number order in **every** segment.
//! * Records are indexed once at open into runs (a file written without a hitch is one run,
//!   found from its end records); records are decoded from big-endian straight into the
//!   output chunk. Channels are read on their common window (the latest first sample to the
//!   earliest last one; what is left out is a warning). Missing records are gaps, read as
//!   [`LegacyOptions::fill_gap_value`] and listed in the segment annotation `gaps` with their
//!   recording numbers; damaged records (a marker out of place) are skipped by
//!   re-synchronising on the next marker, with a warning.
//! * **Spikes**: one unit per (`.spikes` file, sorted id), `<file>#<id>` as neo, with waveforms
//!   and the right count in every segment. **Events**: the `.events` file of either generation
//!   (GUI 0.6 headers lack `sampleRate`: the continuous rate is used), labels
//!   `type#processor#channel` as neo.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod binary;
pub mod fuzzing;
mod legacy;
pub mod legacy_format;
mod npy_text;
pub mod oebin;

pub use binary::{BinaryOptions, BinaryReader, SampleGap};
pub use legacy::{LegacyOptions, LegacyReader};

/// Format id of the binary format (as `neo_dump.py openephys-binary`).
pub const FORMAT_BINARY_ID: &str = "openephys-binary";
/// Format id of the legacy format (as `neo_dump.py openephys-legacy`).
pub const FORMAT_LEGACY_ID: &str = "openephys-legacy";

use rawio_core::registry::{has_extension, read_prefix};
use rawio_core::{Confidence, Format, RawIO};
use std::path::Path;

/// The Open Ephys binary format descriptor, for the `rawio` registry.
pub const FORMAT_BINARY: Format = Format {
    id: FORMAT_BINARY_ID,
    name: "Open Ephys binary (GUI 0.4-1.0, structure.oebin)",
    extensions: &["oebin", "dat", "npy"],
    opens: "a session root, Record Node, experiment or recording folder, or structure.oebin",
    sniff: sniff_binary,
    open: open_binary,
};

fn open_binary(path: &Path) -> rawio_core::Result<Box<dyn RawIO>> {
    Ok(Box::new(BinaryReader::open(path)?))
}

/// Whether `dir` or a folder at most `depth` levels below holds a `structure.oebin`.
fn has_oebin_below(dir: &Path, depth: usize) -> bool {
    if dir.join("structure.oebin").is_file() {
        return true;
    }
    if depth == 0 {
        return false;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return false;
    };
    rd.flatten()
        .take(256)
        .any(|e| e.path().is_dir() && has_oebin_below(&e.path(), depth - 1))
}

/// The sniffer of [`FORMAT_BINARY`]: 100 for `structure.oebin` or a folder with one at most
/// three levels down, 90 for a `continuous.dat` of a recording folder, 0 otherwise.
pub fn sniff_binary(path: &Path) -> Confidence {
    if path.is_dir() {
        return if has_oebin_below(path, 3) { 100 } else { 0 };
    }
    if path.file_name().is_some_and(|n| n == "structure.oebin") {
        return 100;
    }
    if has_extension(path, &["dat", "npy"]) {
        let mut d = path.parent();
        for _ in 0..3 {
            let Some(p) = d else { break };
            if p.join("structure.oebin").is_file() {
                return 90;
            }
            d = p.parent();
        }
    }
    0
}

/// The legacy Open Ephys format descriptor, for the `rawio` registry.
pub const FORMAT_LEGACY: Format = Format {
    id: FORMAT_LEGACY_ID,
    name: "Open Ephys legacy (.continuous, .events, .spikes)",
    extensions: &["continuous", "spikes", "events"],
    opens: "a folder of .continuous/.events/.spikes files (or of Record Node folders), or a file in it",
    sniff: sniff_legacy,
    open: open_legacy,
};

fn open_legacy(path: &Path) -> rawio_core::Result<Box<dyn RawIO>> {
    Ok(Box::new(LegacyReader::open(path)?))
}

/// The start of every legacy file's header.
const LEGACY_MAGIC: &[u8] = b"header.format = 'Open Ephys Data Format'";

fn is_legacy_file(path: &Path) -> bool {
    has_extension(path, &["continuous", "spikes", "events"])
        && read_prefix(path, LEGACY_MAGIC.len()) == LEGACY_MAGIC
}

/// The sniffer of [`FORMAT_LEGACY`]: 100 for a legacy `.continuous`/`.spikes`/`.events` file
/// or a folder holding one (directly or in a `Record Node` sub-folder), 0 otherwise.
pub fn sniff_legacy(path: &Path) -> Confidence {
    if path.is_file() {
        return if is_legacy_file(path) { 100 } else { 0 };
    }
    let scan = |d: &Path| {
        std::fs::read_dir(d)
            .ok()
            .is_some_and(|rd| rd.flatten().take(4096).any(|e| is_legacy_file(&e.path())))
    };
    if scan(path) {
        return 100;
    }
    let sub = std::fs::read_dir(path).ok().is_some_and(|rd| {
        rd.flatten()
            .take(256)
            .any(|e| e.path().is_dir() && scan(&e.path()))
    });
    if sub { 100 } else { 0 }
}
