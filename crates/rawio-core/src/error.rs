//! The one error type shared by every rawio reader.

use std::path::{Path, PathBuf};

/// Result alias used throughout rawio.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when opening or reading a recording.
///
/// Every variant that concerns a file names it; [`Error::Corrupt`] also names the format and
/// the byte offset where the problem was found. Readers never panic on bad input: they return
/// one of these.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The operating system refused an I/O operation on `path`.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file violates its format at `offset`.
    #[error("corrupt {format} file {} at byte {offset}: {detail}", path.display())]
    Corrupt {
        /// Format id (`"plexon"`, `"neuroscope"`, ...).
        format: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// Byte offset in `path` where the problem was detected.
        offset: u64,
        /// What is wrong.
        detail: String,
    },
    /// The file uses a feature of its format that rawio does not implement.
    #[error("unsupported {format} feature: {feature}")]
    Unsupported {
        /// Format id.
        format: &'static str,
        /// What is not supported (name the file or dataset where useful).
        feature: String,
    },
    /// Files the format needs were not found.
    #[error("{format}: {what}; looked for: {}", list_paths(looked_for))]
    NotFound {
        /// Format id.
        format: &'static str,
        /// What was missing.
        what: String,
        /// Every path that was tried.
        looked_for: Vec<PathBuf>,
    },
    /// No enabled format recognises the path.
    #[error("unknown format: no enabled reader recognises {}", path.display())]
    UnknownFormat {
        /// The path given.
        path: PathBuf,
    },
    /// An argument is invalid (inconsistent selection, bad option, non-unique names...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// An index is outside its valid range.
    #[error("{what} {index} out of range (valid: 0..{len})")]
    OutOfRange {
        /// What was indexed ("block", "segment", "stream", "sample", ...).
        what: &'static str,
        /// The index given.
        index: u64,
        /// The number of valid entries.
        len: u64,
    },
    /// An id or name was not found.
    #[error("unknown {what} {id:?}")]
    UnknownId {
        /// What was looked up ("channel id", "channel name", ...).
        what: &'static str,
        /// The id given.
        id: String,
    },
}

fn list_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Error {
    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// An [`Error::Corrupt`].
    pub fn corrupt(
        format: &'static str,
        path: impl AsRef<Path>,
        offset: u64,
        detail: impl Into<String>,
    ) -> Self {
        Error::Corrupt {
            format,
            path: path.as_ref().to_path_buf(),
            offset,
            detail: detail.into(),
        }
    }

    /// An [`Error::Unsupported`].
    pub fn unsupported(format: &'static str, feature: impl Into<String>) -> Self {
        Error::Unsupported {
            format,
            feature: feature.into(),
        }
    }

    /// An [`Error::InvalidArgument`].
    pub fn invalid(detail: impl Into<String>) -> Self {
        Error::InvalidArgument(detail.into())
    }

    /// An [`Error::OutOfRange`].
    pub fn out_of_range(
        what: &'static str,
        index: impl TryInto<u64>,
        len: impl TryInto<u64>,
    ) -> Self {
        Error::OutOfRange {
            what,
            index: index.try_into().unwrap_or(u64::MAX),
            len: len.try_into().unwrap_or(u64::MAX),
        }
    }

    /// A short, stable name of the variant, for exit codes and reports.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Io { .. } => ErrorKind::Io,
            Error::Corrupt { .. } => ErrorKind::Corrupt,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::UnknownFormat { .. } => ErrorKind::UnknownFormat,
            Error::InvalidArgument(_) | Error::OutOfRange { .. } | Error::UnknownId { .. } => {
                ErrorKind::Argument
            }
        }
    }
}

/// Coarse classification of [`Error`], used by the CLI for exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::Io`].
    Io,
    /// [`Error::Corrupt`].
    Corrupt,
    /// [`Error::Unsupported`].
    Unsupported,
    /// [`Error::NotFound`].
    NotFound,
    /// [`Error::UnknownFormat`].
    UnknownFormat,
    /// Invalid argument, out of range index or unknown id.
    Argument,
}
