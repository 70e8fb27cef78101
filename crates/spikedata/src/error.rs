//! The error type of the crate.

use std::path::PathBuf;

/// Result alias of the crate.
pub type Result<T, E = SpikeDataError> = std::result::Result<T, E>;

/// Everything that can go wrong when building or transforming a [`crate::SpikeData`] (SpikeLab
/// raises `ValueError` in the same places).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpikeDataError {
    /// A spike time (or another time) is NaN or infinite.
    #[error("spike times for unit {unit} contain {what} values")]
    NonFinite {
        /// Unit index.
        unit: usize,
        /// `"NaN"` or `"inf"`.
        what: &'static str,
    },
    /// A spike lies outside `[start_time, start_time + length]`.
    #[error("unit {unit}: spike time {time} ms is outside the window [{start}, {end}] ms")]
    OutOfWindow {
        /// Unit index.
        unit: usize,
        /// The offending time (ms).
        time: f64,
        /// Window start (ms).
        start: f64,
        /// Window end (ms).
        end: f64,
    },
    /// A unit index is negative or `>= N`.
    #[error("unit index out of range: {index} (N={n})")]
    UnitOutOfRange {
        /// The index given.
        index: i64,
        /// Number of units.
        n: usize,
    },
    /// An argument is invalid (bad length, bin size, window, lengths that do not match...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A reader failed.
    #[error(transparent)]
    Rawio(#[from] rawio_core::Error),
    /// I/O error on a file.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A `.npz` / `.npy` file violates its format at `offset`.
    #[error("corrupt npz file {} at byte {offset}: {detail}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Byte offset where the problem was found.
        offset: u64,
        /// What is wrong.
        detail: String,
    },
    /// A feature of a file that this crate does not implement.
    #[error("unsupported: {0}")]
    Unsupported(String),
}

impl SpikeDataError {
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        SpikeDataError::InvalidArgument(msg.into())
    }
}
