//! Plain read-only access to any HDF5 file (not only NWB): [`rawio_hdf5`], re-exported.
//!
//! The NWB reader reads through this layer; loaders of generic HDF5 layouts (such as
//! SpikeLab's raster / ragged / group-per-unit / paired spike files) can use it directly,
//! or depend on `rawio-hdf5` alone. [`open`] opens a file with the NWB reader's options, its
//! errors naming the format `nwb`; [`H5File::open`] lets a caller name its own format.
//!
//! ```no_run
//! use rawio_nwb::hdf5::MemberKind;
//!
//! # fn main() -> rawio_core::Result<()> {
//! let f = rawio_nwb::hdf5::open("spikes.h5")?;
//! for m in f.members("/")? {
//!     println!("{} ({:?})", m.name, m.kind);
//! }
//! let times = f.dataset("/spike_times")?.read_f64_array()?; // any numeric dtype, widened
//! let index = f.dataset("/spike_times_index")?.read_i64()?; // integer datasets only, exact
//! println!("{:?} {} values; index {index:?}", times.shape, times.values.len());
//! let start = f.attributes("/")?.f64("start_time"); // Option<f64>
//! # let _ = (start, MemberKind::Group);
//! # Ok(()) }
//! ```

pub use rawio_hdf5::*;

/// Opens an HDF5 file as the NWB reader does (default [`OpenOptions`], errors naming the
/// format `nwb`) and walks its objects.
pub fn open(path: impl AsRef<std::path::Path>) -> rawio_core::Result<H5File> {
    H5File::open(path, crate::FORMAT_ID, &OpenOptions::default())
}
