//! **rawio**: fast, exact readers for neurophysiology recordings, in neo.rawio's vocabulary.
//!
//! This umbrella crate re-exports [`rawio_core`] (the [`RawIO`] trait and shared types) and
//! every enabled format crate (one cargo feature per format), and opens any recording by
//! sniffing its format.
//!
//! | feature | crate | format |
//! |---|---|---|
//! | `neuroscope` | `rawio-neuroscope` | Neuroscope/Klusters sessions (`.xml` + `.dat`/`.lfp`/`.res`/`.clu`/`.spk`/`.evt`) |
//! | `plexon` | `rawio-plexon` | Plexon `.plx` |
//! | `phy` | `rawio-phy` | KiloSort/Phy output folders |
//! | `nwb` | `rawio-nwb` | NWB 2.x (pure-Rust HDF5) |
//! | `nix` | `rawio-nix` | NIX (G-Node) files on HDF5, neo-written or generic |
//! | `blackrock` | `rawio-blackrock` | Blackrock `.nsX` (spec 2.1–3.0, PTP) and `.nev` |
//! | `openephys` | `rawio-openephys` | Open Ephys binary (`structure.oebin`) and legacy (`.continuous`) |
//!
//! # Example
//!
//! ```no_run
//! use rawio::prelude::*;
//!
//! # fn main() -> rawio::Result<()> {
//! let reader = rawio::open("recordings/session.xml")?; // or a .plx file, a Phy folder, ...
//! let h = reader.header();
//! println!("{} streams, {} units", h.signal_streams.len(), h.spike_channels.len());
//! if !h.signal_streams.is_empty() {
//!     let raw = reader.analogsignal_chunk(0, 0, 0, Some(0), Some(1000), &ChannelSelection::All)?;
//!     let physical = reader.rescale_signal_f64(&raw, 0, &ChannelSelection::All)?;
//!     println!("first 1000 samples: {:?} in {}", physical.dim(), h.signal_channels[0].units);
//! }
//! for unit in 0..h.spike_channels.len() {
//!     let ts = reader.spike_timestamps(0, 0, unit, TimeWindow::ALL)?;
//!     let seconds = reader.rescale_spike_timestamps(&ts);
//!     println!("{}: {} spikes", h.spike_channels[unit].name, seconds.len());
//! }
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub use rawio_core;
pub use rawio_core::*;

#[cfg(feature = "blackrock")]
pub use rawio_blackrock as blackrock;
#[cfg(feature = "neuroscope")]
pub use rawio_neuroscope as neuroscope;
#[cfg(feature = "nix")]
pub use rawio_nix as nix;
#[cfg(feature = "nwb")]
pub use rawio_nwb as nwb;
#[cfg(feature = "openephys")]
pub use rawio_openephys as openephys;
#[cfg(feature = "phy")]
pub use rawio_phy as phy;
#[cfg(feature = "plexon")]
pub use rawio_plexon as plexon;

use std::path::Path;

/// Every enabled format, in registration order.
#[allow(clippy::vec_init_then_push)]
pub fn formats() -> Vec<&'static Format> {
    #[allow(unused_mut)]
    let mut v: Vec<&'static Format> = Vec::new();
    #[cfg(feature = "neuroscope")]
    v.push(&rawio_neuroscope::FORMAT);
    #[cfg(feature = "plexon")]
    v.push(&rawio_plexon::FORMAT);
    #[cfg(feature = "phy")]
    v.push(&rawio_phy::FORMAT);
    #[cfg(feature = "nwb")]
    v.push(&rawio_nwb::FORMAT);
    #[cfg(feature = "nix")]
    v.push(&rawio_nix::FORMAT);
    #[cfg(feature = "blackrock")]
    v.push(&rawio_blackrock::FORMAT);
    #[cfg(feature = "openephys")]
    v.push(&rawio_openephys::FORMAT_BINARY);
    #[cfg(feature = "openephys")]
    v.push(&rawio_openephys::FORMAT_LEGACY);
    v
}

/// The enabled format with this id.
pub fn format(id: &str) -> Option<&'static Format> {
    formats()
        .into_iter()
        .find(|f| f.id.eq_ignore_ascii_case(id))
}

/// The format that recognises `path` with the highest confidence.
pub fn probe(path: impl AsRef<Path>) -> Result<&'static Format> {
    let path = path.as_ref();
    formats()
        .into_iter()
        .map(|f| ((f.sniff)(path), f))
        .filter(|(c, _)| *c > 0)
        .max_by_key(|(c, _)| *c)
        .map(|(_, f)| f)
        .ok_or_else(|| Error::UnknownFormat {
            path: path.to_path_buf(),
        })
}

/// Opens a recording (a file, a directory or a file stem) with the format that recognises it.
pub fn open(path: impl AsRef<Path>) -> Result<Box<dyn RawIO>> {
    let path = path.as_ref();
    let f = probe(path)?;
    (f.open)(path)
}

/// Opens a recording with the named format (`"neuroscope"`, `"plexon"`, ...).
pub fn open_as(path: impl AsRef<Path>, format_id: &str) -> Result<Box<dyn RawIO>> {
    let path = path.as_ref();
    let f = format(format_id).ok_or_else(|| {
        Error::invalid(format!(
            "unknown or disabled format {format_id:?}; enabled: {}",
            formats()
                .iter()
                .map(|f| f.id)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    (f.open)(path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn unknown_paths_are_unknown_format() {
        let e = super::open("/definitely/not/a/recording.xyz").err();
        assert!(matches!(e, Some(super::Error::UnknownFormat { .. })));
        assert!(super::open_as("/x", "no-such-format").is_err());
    }
}
