//! Spike-train objects built on any rawio reader: SpikeLab's `SpikeData` in Rust.
//!
//! A [`SpikeData`] holds one sorted train per unit in **milliseconds** (SpikeLab's unit, so
//! results compare 1:1 with `spikelab==0.1.2`), a window `[start_time, start_time + length]`,
//! per-unit attributes, metadata and an optional raw signal. Every method reproduces
//! SpikeLab's exact conventions (right-closed raster bins with bin-0 clipping, half-open
//! `subtime` with negative-from-end bounds, numpy's summation order in the statistics...);
//! the crate's tests compare them with goldens written by spikelab itself
//! (`testdata/generate/spikedata_goldens.py`).
//!
//! # Example
//!
//! ```
//! use rawio_core::testing::TinyReader;
//! use spikedata::{FromRawioOptions, RateUnit, SpikeData};
//!
//! # fn main() -> spikedata::Result<()> {
//! // From any reader: spike timestamps → ms, window from the segment.
//! let reader = TinyReader::new();
//! let sd = SpikeData::from_rawio(&reader, 0, 0, &FromRawioOptions::default())?;
//! assert_eq!(sd.n_units(), 2);
//! assert_eq!(sd.length(), 3000.0);
//!
//! // SpikeLab's binning: 1 ms right-closed bins, as a sparse (unit, bin, count) matrix.
//! let r = sd.sparse_raster(1.0, 0.0)?;
//! assert_eq!(r.n_bins, 3000);
//! assert_eq!(r.get(1, 4), 1); // the spike at 5 ms lies in bin (4, 5]
//!
//! // Rates, sub-windows, statistics.
//! let hz = sd.rates(RateUnit::Hz);
//! assert!((hz[0] - 40.0 / 3.0).abs() < 1e-12);
//! let first_second = sd.subtime(Some(0.0), Some(1000.0), None)?;
//! assert_eq!(first_second.train(1), Some(&[5.0, 6.0][..]));
//! let cv = sd.cv_isi();
//! assert_eq!(cv[0], 0.0); // a perfectly regular train
//! # Ok(()) }
//! ```
//!
//! # What is here
//!
//! * Construction: [`SpikeData::new`] / [`SpikeData::from_trains`] (SpikeLab's checks),
//!   [`SpikeData::from_idces_times`], [`SpikeData::from_events`], [`SpikeData::from_raster`],
//!   [`SpikeData::from_rawio`] (any [`rawio_core::RawIO`]).
//! * Binning: [`SpikeData::sparse_raster`], [`SpikeData::raster`], [`SpikeData::binned`],
//!   [`SpikeData::binned_meanrate`], [`SpikeData::rates`].
//! * Selection: [`SpikeData::subset`], [`SpikeData::subset_by`], [`SpikeData::subtime`],
//!   [`SpikeData::append`], [`SpikeData::concatenate_units`], [`SpikeData::restrict`].
//! * Statistics: [`SpikeData::interspike_intervals`], [`SpikeData::cv_isi`],
//!   [`SpikeData::cv2_isi`], [`SpikeData::resampled_isi`], [`SpikeData::sliding_rate`].
//! * Windows: [`SpikeData::frames`], [`SpikeData::align_to_events`] → [`SpikeSliceStack`].
//! * pynapple: [`IntervalSet`], and `.npz` files of `Ts` / `TsGroup` / `IntervalSet`
//!   ([`read_npz`], [`write_tsgroup`], [`SpikeData::write_npz`], [`SpikeData::read_npz`]).
#![forbid(unsafe_code)]
// `!(x > 0.0)` is used on purpose: it rejects NaN along with the out-of-range values.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

mod core;
mod error;
mod from_rawio;
mod interval;
mod npz;
mod numeric;
mod raster;
mod select;
mod stack;
mod stats;

pub use crate::core::{Attrs, Options, RawSignal, SpikeData};
pub use error::{Result, SpikeDataError};
pub use from_rawio::{FromRawioOptions, UnitSelection};
pub use interval::IntervalSet;
pub use npz::{
    NapObject, NpzNotes, Ts, TsGroup, read_npz, write_interval_set, write_ts, write_tsgroup,
};
pub use raster::{RateUnit, SparseRaster};
pub use stack::SpikeSliceStack;
pub use stats::{RateData, Step};
