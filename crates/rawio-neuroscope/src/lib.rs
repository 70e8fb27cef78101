//! Neuroscope / Klusters (Neurosuite) sessions for rawio: signals, sorted spikes and events.
//!
//! ```no_run
//! use rawio_core::{ChannelSelection, RawIO, RawIOExt, TimeWindow};
//! use rawio_neuroscope::NeuroscopeReader;
//!
//! # fn main() -> rawio_core::Result<()> {
//! let reader = NeuroscopeReader::open("data/A2929-200711.xml")?;
//! let header = reader.header();
//! if !header.signal_streams.is_empty() {
//!     // first 1000 samples of every channel, then in mV
//!     let raw = reader.analogsignal_chunk(0, 0, 0, Some(0), Some(1000), &ChannelSelection::All)?;
//!     let mv = reader.rescale_signal_f64(&raw, 0, &ChannelSelection::All)?;
//!     println!("{:?} samples x channels", mv.dim());
//! }
//! for (u, unit) in header.spike_channels.iter().enumerate() {
//!     let ts = reader.spike_timestamps(0, 0, u, TimeWindow::ALL)?;
//!     println!("{} ({}): {} spikes", unit.name, unit.annotations["cluster_kind"], ts.len());
//! }
//! # Ok(()) }
//! ```
//!
//! # What a session is
//!
//! A session is `base.xml` (written by NeuroScope or ndManager) plus any of:
//!
//! | file | becomes |
//! |---|---|
//! | `base.dat` | the wideband int16 signal, at `acquisitionSystem/samplingRate` |
//! | `base.lfp`, `base.eeg` | the downsampled signal, at `fieldPotentials/lfpSamplingRate` |
//! | `base.res.N` + `base.clu.N` | one spike channel per (spike group N, cluster id) |
//! | `base.spk.N` | the waveforms of group N's spikes |
//! | `base.evt`, `base.X.evt`, `base.evt.X` | one event channel each |
//!
//! The reader opens from `base.xml`, the stem `base`, or `base.dat`/`.lfp`/`.eeg` (that file
//! is then the signal file); [`Options::binary_file`] names any other signal file, as neo's
//! `binary_file`.
//!
//! # Signals (parity with `neo.rawio.NeuroScopeRawIO`)
//!
//! * With [`SignalFiles::Auto`] (the default, neo's behaviour) one buffer and stream, both
//!   named `"Signals"` with id `"0"`, from the explicit file or the first of `base.dat`,
//!   `base.lfp`, `base.eeg`. With [`SignalFiles::Both`], `base.dat` is stream/buffer `"0"`
//!   ("Signals") and `base.lfp` (else `base.eeg`) stream/buffer `"1"` ("LFP"): ids are tied
//!   to the file kind, so a session with only an `.lfp` has a single stream `"1"`.
//! * Channels are named `ch{c}grp{g}` (`g` = 0-based index of the anatomical group, `none`
//!   when the channel is in no group) with id `"{c}"`, as neo; annotations carry `group` and
//!   the xml `skip` flag.
//! * int16 interleaved, memory-mapped; chunks are zero-copy views. gain =
//!   `voltageRange * 1000 / 2^nBits / amplification` mV per bit, offset 0 (the xml `offset`
//!   is ignored, as neo). `nBits != 16` is [`rawio_core::Error::Unsupported`].
//! * **Difference from neo:** `.lfp`/`.eeg` files are reported at `lfpSamplingRate` (neo uses
//!   `samplingRate`, which makes them 16x too short in time). Without `lfpSamplingRate` the
//!   Neurosuite default of 1250 Hz is used, with a warning.
//! * A file whose size is not a whole number of frames is read up to its last whole frame;
//!   the stream annotations give `trailing_bytes` and a warning (also in the segment's
//!   `warnings`).
//!
//! # Spikes (neo has none)
//!
//! * Spike group `N` (1-based, the `N`-th `spikeDetection` group) gives one spike channel per
//!   cluster id found in `base.clu.N`, ordered by group then cluster id, named
//!   `shank{N}_cluster{c}` with id `"{N}#{c}"`. Clusters 0 (artefact) and 1 (noise) are
//!   included; the `cluster_kind` annotation is `"artefact"`, `"noise"` or `"unit"`.
//! * Timestamps are the raw `.res.N` sample indexes (u64) at `samplingRate`
//!   ([`rawio_core::TimeBase::rate`]), sorted per unit.
//! * `.res.N` and `.clu.N` must have as many spikes, else [`rawio_core::Error::Corrupt`] with
//!   both counts. A `.res.N` without `.clu.N` puts every spike in cluster 1 (as Klusters).
//! * Waveforms come from `base.spk.N` (int16, `nSamples x channels` per spike, sample-major),
//!   returned as `spikes x channels x samples`; `wf_left_sweep = peakSampleIndex`,
//!   `wf_gain` = the signal gain, `wf_sampling_rate = samplingRate`. Without a usable `.spk`
//!   (missing, or its size does not match; a warning says why) waveforms are `None`,
//!   `wf_left_sweep` is -1 and `wf_sampling_rate` 0.
//!
//! # Events
//!
//! Each event file is one event channel of raw f64 milliseconds
//! ([`rawio_core::TimeBase::MILLISECONDS`]) with the line's description as label. The channel
//! id is the file name after `base.` (`rip.evt`, `evt.py.rip`); the name drops the `evt`
//! part: `base.rip.evt` → `rip`, `base.evt.py.rip` → `py.rip`, `base.evt` → `evt`.
//! `base.X.evt` is skipped when `base.X.xml` exists (it belongs to session `base.X`).
//!
//! # Segment
//!
//! One block with one segment; `t_start` 0, `t_stop` = the largest of the signal durations,
//! the last spike and the last event. When all of those are 0 (an empty session), `t_stop`
//! is one sample period (`1 / samplingRate`) and the segment annotation `t_stop_fallback`
//! says so.
//!
//! # Structure
//!
//! Opening is a pipeline of named steps (see CONTRIBUTING, "The open pipeline"), one module
//! each: discover the session's files (`session`), parse the xml ([`header`], pure), index the
//! signal files, spike groups and event files (`signals`, `spikes`, `events`, which also build
//! their header entries), then the segment (`reader`).
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod events;
pub mod header;
mod reader;
mod session;
mod signals;
mod spikes;

pub use header::SessionXml;
pub use reader::{DEFAULT_LFP_SAMPLING_RATE, NeuroscopeReader, Options, SignalFiles};

use rawio_core::registry::{has_extension, read_prefix};
use rawio_core::{Confidence, Format, RawIO};
use std::path::Path;

/// The format id, in [`FORMAT`] and in every error.
pub const FORMAT_ID: &str = "neuroscope";

/// Bytes of an xml file looked at by [`FORMAT`]'s sniffer.
const SNIFF_BYTES: usize = 4096;

/// The Neuroscope format descriptor, for the `rawio` registry.
pub const FORMAT: Format = Format {
    id: FORMAT_ID,
    name: "Neuroscope / Klusters (Neurosuite)",
    extensions: &["xml", "dat", "lfp", "eeg"],
    opens: "a session: base.xml, base.dat/.lfp/.eeg, or the stem base",
    sniff,
    open: open_boxed,
};

fn open_boxed(path: &Path) -> rawio_core::Result<Box<dyn RawIO>> {
    Ok(Box::new(NeuroscopeReader::open(path)?))
}

fn xml_is_session(xml: &Path) -> bool {
    xml.is_file() && header::looks_like_session_xml(&read_prefix(xml, SNIFF_BYTES))
}

/// The sniffer of [`FORMAT`]: 100 for a session xml, 90 for a signal file or a stem whose
/// `.xml` is a session xml, 0 otherwise.
pub fn sniff(path: &Path) -> Confidence {
    if has_extension(path, &["xml"]) {
        return if xml_is_session(path) { 100 } else { 0 };
    }
    if has_extension(path, &["dat", "lfp", "eeg"]) && path.is_file() {
        return if xml_is_session(&path.with_extension("xml")) {
            90
        } else {
            0
        };
    }
    if !path.exists() {
        let mut s = path.as_os_str().to_owned();
        s.push(".xml");
        if xml_is_session(Path::new(&s)) {
            return 90;
        }
    }
    0
}
