//! [`ChannelsFirst`]: a `channels × samples` dataset read as `samples × channels` chunks (the
//! transposing counterpart of [`crate::SignalData`], for formats that store channels first,
//! such as NIX arrays whose first dimension is a set of channels).

use crate::Dataset;
use ndarray::Ix2;
use rawio_core::{ChannelIndexes, Dtype, RawArray, RawChunk, Result};
use std::ops::Range;

/// A 2-D numeric dataset whose rows are channels and whose columns are samples, read by
/// hyperslab (only the selected channels' span and the requested samples) and transposed into
/// a `samples × channels` [`RawChunk`] in the stored dtype (standard layout, owned).
#[derive(Debug, Clone)]
pub struct ChannelsFirst {
    ds: Dataset,
    samples: u64,
    channels: u64,
    dtype: Dtype,
}

impl ChannelsFirst {
    /// Wraps `ds`: it must be 2-D numeric (bools and enums read as integers).
    pub fn new(ds: Dataset) -> Result<ChannelsFirst> {
        let dtype = ds.element_type().numeric_dtype();
        let (Some(dtype), [channels, samples]) = (dtype, ds.shape()) else {
            return Err(ds.file().unsupported(
                ds.path(),
                format!(
                    "a channels-first signal of {:?} with shape {:?}",
                    ds.element_type(),
                    ds.shape()
                ),
            ));
        };
        let (channels, samples) = (*channels, *samples);
        Ok(ChannelsFirst {
            ds,
            samples,
            channels,
            dtype,
        })
    }

    /// The dataset.
    pub fn dataset(&self) -> &Dataset {
        &self.ds
    }

    /// Number of samples (the second dimension).
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Number of channels (the first dimension).
    pub fn channels(&self) -> u64 {
        self.channels
    }

    /// The stored dtype.
    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// Samples `samples` of `channels` as a `samples × channels` chunk in the stored dtype.
    /// Out-of-range samples or channels are [`rawio_core::Error::OutOfRange`].
    pub fn read<'a>(&self, samples: Range<u64>, channels: &ChannelIndexes) -> Result<RawChunk<'a>> {
        let (lo64, hi64, list) =
            crate::signal::checked_span(&samples, self.samples, channels, self.channels)?;
        let raw = self.ds.read_hyperslab(&[lo64..hi64, samples])?;
        let bad = |e: ndarray::ShapeError| self.ds.corrupt(e);
        let chunk: RawChunk<'a> = rawio_core::dispatch_raw!(raw, x => {
            let x = x.into_owned().into_dimensionality::<Ix2>().map_err(bad)?;
            RawArray::new(x.reversed_axes().as_standard_layout().into_owned())
        });
        Ok(match list {
            Some(l) => chunk.select(1, &l),
            None => chunk,
        })
    }
}
