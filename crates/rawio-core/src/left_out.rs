//! What a reader left out of a recording, and why: listed, never dropped silently.
//!
//! Two block annotations, each an array of `{"path", "reason", "kind", ...}` objects:
//!
//! * [`NOT_READ`]: objects that **cannot be read** (a damaged index, a missing link target, a
//!   filter rawio does not decode...). `kind` is `corrupt`, `not_found`, `unsupported`, `io` or
//!   `invalid`; optional `offset` (byte offset of the problem) and `looked_for` (the paths tried
//!   for a missing file). `rawio info` prints them, `rawio dump` copies them, and strict opening
//!   (`rawio::OpenOptions::strict`, `--strict`) refuses such a recording.
//! * [`NOT_MAPPED`]: objects that were read but have no place in the RawIO model (a NIX array
//!   with no time dimension, an image...). `kind` says what the object is. Listed by
//!   `rawio info` and `rawio dump`; never an error.

use crate::error::Error;
use crate::header::{Annotations, Header};
use serde_json::{Value, json};
use std::path::PathBuf;

/// The block annotation listing the objects that cannot be read.
pub const NOT_READ: &str = "not_read";

/// The block annotation listing the objects that have no place in the RawIO model.
pub const NOT_MAPPED: &str = "not_mapped";

/// One object a reader left out (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// Block index.
    pub block: usize,
    /// Where the object is in the recording (an HDF5 path, a file name...).
    pub path: String,
    /// Why it was left out.
    pub reason: String,
    /// For [`NOT_READ`]: `corrupt`, `not_found`, `unsupported`, `io` or `invalid`; for
    /// [`NOT_MAPPED`]: what the object is.
    pub kind: String,
    /// The byte offset of the problem, when the reader knows it.
    pub offset: Option<u64>,
    /// For a missing file, the paths looked for.
    pub looked_for: Vec<PathBuf>,
}

/// The entries under block annotation `key` ([`NOT_READ`] or [`NOT_MAPPED`]) of every block.
pub fn left_out(header: &Header, key: &str) -> Vec<LeftOut> {
    let mut out = Vec::new();
    for (b, blk) in header.blocks.iter().enumerate() {
        let Some(list) = blk.annotations.get(key).and_then(Value::as_array) else {
            continue;
        };
        for v in list {
            let s = |k: &str| {
                v.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            out.push(LeftOut {
                block: b,
                path: s("path"),
                reason: s("reason"),
                kind: s("kind"),
                offset: v.get("offset").and_then(Value::as_u64),
                looked_for: v
                    .get("looked_for")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|p| p.as_str().map(PathBuf::from))
                            .collect()
                    })
                    .unwrap_or_default(),
            });
        }
    }
    out
}

/// The short kind name of an error, as listed in [`NOT_READ`] entries.
pub fn error_kind_name(e: &Error) -> &'static str {
    match e {
        Error::Corrupt { .. } => "corrupt",
        Error::NotFound { .. } => "not_found",
        Error::Unsupported { .. } => "unsupported",
        Error::Io { .. } => "io",
        _ => "invalid",
    }
}

/// Appends a [`NOT_READ`] entry for the object at `path` that failed with `error`.
pub fn push_not_read(annotations: &mut Annotations, path: &str, error: &Error) {
    let mut entry =
        json!({"path": path, "reason": error.to_string(), "kind": error_kind_name(error)});
    if let (Error::Corrupt { offset, .. }, Some(o)) = (error, entry.as_object_mut()) {
        o.insert("offset".into(), json!(offset));
    }
    if let (Error::NotFound { looked_for, .. }, Some(o)) = (error, entry.as_object_mut()) {
        o.insert("looked_for".into(), json!(looked_for));
    }
    push(annotations, NOT_READ, entry);
}

/// Appends an entry to the array under `key`.
pub fn push(annotations: &mut Annotations, key: &str, entry: Value) {
    match annotations
        .entry(key)
        .or_insert_with(|| Value::Array(Vec::new()))
    {
        Value::Array(a) => a.push(entry),
        other => *other = Value::Array(vec![entry]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::Block;

    #[test]
    fn entries_round_trip() {
        let mut a = Annotations::new();
        push_not_read(
            &mut a,
            "/units",
            &Error::corrupt("nwb", "f.nwb", 42, "bad index"),
        );
        push(
            &mut a,
            NOT_MAPPED,
            json!({"path": "/data/img", "reason": "3-D", "kind": "DataArray"}),
        );
        let h = Header {
            blocks: vec![Block {
                segments: vec![],
                annotations: a,
            }],
            ..Default::default()
        };
        let nr = left_out(&h, NOT_READ);
        assert_eq!(nr.len(), 1);
        assert_eq!(
            (nr[0].path.as_str(), nr[0].kind.as_str(), nr[0].offset),
            ("/units", "corrupt", Some(42))
        );
        assert!(nr[0].reason.contains("bad index"));
        let nm = left_out(&h, NOT_MAPPED);
        assert_eq!(
            (nm[0].path.as_str(), nm[0].kind.as_str()),
            ("/data/img", "DataArray")
        );
    }
}
