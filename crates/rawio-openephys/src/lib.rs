//! Open Ephys (placeholder docs).
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod binary;
mod legacy;
pub mod legacy_format;
mod npy_text;
pub mod oebin;

pub use binary::{BinaryOptions, BinaryReader, SampleGap};
pub use legacy::{LegacyOptions, LegacyReader};

/// Format id of the binary format.
pub const FORMAT_BINARY_ID: &str = "openephys-binary";
/// Format id of the legacy format.
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
