//! [`SignalData`]: a 1-D or 2-D HDF5 dataset read as signal chunks (what
//! [`rawio_core::InterleavedLayout`] is for flat binaries).

use crate::Dataset;
use ndarray::{Ix2, IxDyn};
use rawio_core::{ChannelIndexes, Dtype, Error, RawArray, RawChunk, Result};
use std::ops::Range;

/// A `samples × channels` (or 1-D, one channel) numeric dataset, read by hyperslab into
/// [`RawChunk`]s in the stored dtype. Only the rows and the column span of the selected
/// channels are read; consecutive chunks reuse the file's chunk cache (64 MiB), so reading
/// a series front to back decodes each HDF5 chunk once.
#[derive(Debug, Clone)]
pub struct SignalData {
    ds: Dataset,
    samples: u64,
    channels: u64,
    dtype: Dtype,
}

impl SignalData {
    /// Wraps `ds`: it must be 1-D or 2-D numeric (bools and enums read as integers), and
    /// its columns stored whole. The samples are the rows the file stores
    /// ([`Dataset::stored_extent`]), at most the declared ones.
    pub fn new(ds: Dataset) -> Result<SignalData> {
        let dtype = ds.element_type().numeric_dtype();
        let (Some(dtype), 1 | 2) = (dtype, ds.ndim()) else {
            return Err(ds.file().unsupported(
                ds.path(),
                format!(
                    "a signal of {:?} with shape {:?}",
                    ds.element_type(),
                    ds.shape()
                ),
            ));
        };
        let ext = ds.stored_extent()?;
        if ext.get(1..) != ds.shape().get(1..) {
            return Err(ds.corrupt(format!(
                "shape {:?} declared, but the file stores {ext:?}",
                ds.shape()
            )));
        }
        let samples = ext.first().copied().unwrap_or(1).min(ds.len());
        let channels = ds.shape().get(1).copied().unwrap_or(1);
        Ok(SignalData {
            ds,
            samples,
            channels,
            dtype,
        })
    }

    /// The same signal cut to its first `samples` rows (at most the stored ones): for a
    /// series whose times are fewer than its rows.
    pub fn with_samples(mut self, samples: u64) -> SignalData {
        self.samples = self.samples.min(samples);
        self
    }

    /// The dataset.
    pub fn dataset(&self) -> &Dataset {
        &self.ds
    }

    /// Number of samples (rows).
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Number of channels (columns; 1 for a 1-D dataset).
    pub fn channels(&self) -> u64 {
        self.channels
    }

    /// The stored dtype.
    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// Samples `samples` of `channels` as a `samples × channels` chunk in the stored dtype
    /// (owned, so of any lifetime).
    /// Out-of-range samples or channels are [`Error::OutOfRange`].
    pub fn read<'a>(&self, samples: Range<u64>, channels: &ChannelIndexes) -> Result<RawChunk<'a>> {
        let (lo64, hi64, list) = checked_span(&samples, self.samples, channels, self.channels)?;
        let one_d = self.ds.ndim() == 1;
        let raw = if one_d {
            self.ds.read_hyperslab(&[samples])?
        } else {
            self.ds.read_hyperslab(&[samples, lo64..hi64])?
        };
        let chunk = to_2d(raw, &self.ds)?;
        Ok(match (list, one_d) {
            (Some(l), _) => chunk.select(1, &l),
            // one channel: select it (Range 0..1, or 0..0)
            (None, true) => chunk.slice_axis(1, 0..(hi64 - lo64) as usize).into_owned(),
            (None, false) => chunk,
        })
    }
}

/// Checks `samples` against `n_samples` and `channels` against `n_channels`; returns the
/// span of channels to read (`lo..hi`) and, for a list, each wanted channel's place in that span.
pub(crate) fn checked_span(
    samples: &Range<u64>,
    n_samples: u64,
    channels: &ChannelIndexes,
    n_channels: u64,
) -> Result<(u64, u64, Option<Vec<usize>>)> {
    if samples.end > n_samples || samples.start > samples.end {
        return Err(Error::out_of_range(
            "sample",
            samples.end,
            n_samples.saturating_add(1),
        ));
    }
    let (lo, hi, list) = match channels {
        ChannelIndexes::Range(r) => (r.start, r.end, None),
        ChannelIndexes::List(l) => {
            let lo = l.iter().copied().min().unwrap_or(0);
            let hi = l.iter().copied().max().map_or(0, |m| m.saturating_add(1));
            (lo, hi, Some(l.iter().map(|&i| i - lo).collect::<Vec<_>>()))
        }
    };
    let (lo64, hi64) = (lo as u64, hi as u64);
    if hi64 > n_channels || lo > hi {
        return Err(Error::out_of_range("channel", hi64, n_channels + 1));
    }
    Ok((lo64, hi64, list))
}

/// Reshapes a 1-D or 2-D array to 2-D (1-D becomes one column).
fn to_2d<'a>(a: RawArray<'static, IxDyn>, ds: &Dataset) -> Result<RawChunk<'a>> {
    let bad = |e: ndarray::ShapeError| ds.corrupt(e);
    rawio_core::dispatch_raw!(a, x => {
        let x = x.into_owned();
        let x = if x.ndim() == 1 {
            let n = x.len();
            x.into_shape_with_order(IxDyn(&[n, 1])).map_err(bad)?
        } else {
            x
        };
        Ok(RawArray::new(x.into_dimensionality::<Ix2>().map_err(bad)?))
    })
}
