//! Format descriptors: each format crate describes itself with a [`Format`]; the umbrella
//! crate `rawio` registers the enabled ones and picks a reader by sniffing.

use crate::error::Result;
use crate::rawio::RawIO;
use std::path::Path;

/// How sure a format is that a path is one of its recordings.
pub type Confidence = u8;

/// A format crate's description of itself.
#[derive(Clone, Copy)]
pub struct Format {
    /// Stable id, as in the dump contract (`"neuroscope"`, `"plexon"`, ...).
    pub id: &'static str,
    /// Human-readable name.
    pub name: &'static str,
    /// File extensions (without the dot) the format's entry files use.
    pub extensions: &'static [&'static str],
    /// What the reader is opened on (file, directory, stem), for help texts.
    pub opens: &'static str,
    /// Looks at a path (a file, a directory or a file stem that does not exist itself) and
    /// returns a confidence (0 = not this format, 100 = certain: magic bytes or markers
    /// checked). Must be cheap and must not fail.
    pub sniff: fn(&Path) -> Confidence,
    /// Opens a reader on the path.
    pub open: fn(&Path) -> Result<Box<dyn RawIO>>,
}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Format")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("extensions", &self.extensions)
            .finish()
    }
}

/// Whether `path` has one of `extensions` (case-insensitive).
pub fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// The first `n` bytes of a file (fewer if it is shorter), or empty on any error.
pub fn read_prefix(path: &Path, n: usize) -> Vec<u8> {
    use std::io::Read;
    let mut buf = Vec::new();
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.take(n as u64).read_to_end(&mut buf);
    }
    buf
}
