//! Degrading per object: an object that cannot be read is left out and listed, with the
//! reason, under the block annotation [`NOT_READ_KEY`]; [`Options::strict`] turns that into
//! an error.

use rawio_core::{Error, Result};
use serde_json::{Value, json};

/// The block annotation listing what was left out: an array of
/// `{"path", "reason", "kind", "offset"}` objects (`kind`: `corrupt`, `not_found`,
/// `unsupported`, `io` or `invalid`; `offset`: the byte offset of the problem, the object
/// header's address, or null; `looked_for`, for a missing file, the paths tried). The same key any rawio reader uses; `rawio info` prints it as a
/// "not read" section and `rawio dump` carries it with the block annotations.
pub const NOT_READ_KEY: &str = rawio_core::NOT_READ;

/// How an NWB file is opened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Fail on the first object that cannot be read (a bad index, a missing external link
    /// target, an unsupported filter or layout...) instead of leaving it out and listing it
    /// under [`NOT_READ_KEY`]. Default false.
    pub strict: bool,
}

/// One object left out: its HDF5 path, why, and the kind of error (`corrupt`,
/// `not_found`, `unsupported`, `io`, `invalid`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRead {
    /// HDF5 path of the object (the link's path for a dangling external link).
    pub path: String,
    /// Why it was not read.
    pub reason: String,
    /// The kind of error.
    pub kind: &'static str,
    /// The byte offset of the problem, when known.
    pub offset: Option<u64>,
    /// For a missing file: the paths looked for.
    pub looked_for: Vec<String>,
}

impl NotRead {
    /// The entry for `path` left out because of `e` (the reason is the error's detail).
    pub(crate) fn from_error(path: &str, e: &Error) -> NotRead {
        let mut looked_for = Vec::new();
        let (reason, offset) = match e {
            Error::Corrupt { detail, offset, .. } => (detail.clone(), Some(*offset)),
            Error::Unsupported { feature, .. } => (format!("unsupported: {feature}"), None),
            Error::NotFound {
                what,
                looked_for: l,
                ..
            } => {
                looked_for = l.iter().map(|p| p.display().to_string()).collect();
                (what.clone(), None)
            }
            other => (other.to_string(), None),
        };
        NotRead {
            path: path.to_owned(),
            reason,
            kind: rawio_core::left_out::error_kind_name(e),
            offset,
            looked_for,
        }
    }

    /// The entry as listed under [`NOT_READ_KEY`].
    pub fn json(&self) -> Value {
        let mut v = json!({"path": self.path, "reason": self.reason, "kind": self.kind,
                           "offset": self.offset});
        if let (Some(o), false) = (v.as_object_mut(), self.looked_for.is_empty()) {
            o.insert("looked_for".into(), self.looked_for.clone().into());
        }
        v
    }
}

/// What the steps of opening share: the mode and the objects left out so far.
#[derive(Debug, Default)]
pub(crate) struct Ctx {
    pub strict: bool,
    pub not_read: Vec<NotRead>,
}

impl Ctx {
    pub fn new(options: &Options) -> Ctx {
        Ctx {
            strict: options.strict,
            not_read: Vec::new(),
        }
    }

    /// `Ok(Some(v))` for a readable object; for one that is not, the error in strict mode,
    /// else `Ok(None)` with the object listed.
    pub fn guard<T>(&mut self, path: &str, r: Result<T>) -> Result<Option<T>> {
        match r {
            Ok(v) => Ok(Some(v)),
            Err(e) => {
                self.fail(path, e)?;
                Ok(None)
            }
        }
    }

    /// Records `path` as not read because of `e` (the error itself in strict mode).
    pub fn fail(&mut self, path: &str, e: Error) -> Result<()> {
        if self.strict {
            return Err(e);
        }
        self.push(NotRead::from_error(path, &e));
        Ok(())
    }

    /// Lists `n` (once per path).
    pub fn push(&mut self, n: NotRead) {
        if !self.not_read.iter().any(|x| x.path == n.path) {
            self.not_read.push(n);
        }
    }
}
