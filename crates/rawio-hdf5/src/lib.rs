//! The HDF5 layer of rawio, in pure Rust: what every HDF5-based format crate (NWB, NIX) and
//! loader (spikedata's SpikeLab HDF5 files) reads files through. It knows no format: the
//! format id a caller passes to [`H5File::open`] is the one its errors name.
//!
//! # Example
//!
//! ```no_run
//! use rawio_core::ChannelIndexes;
//! use rawio_hdf5::{H5File, MemberKind, OpenOptions, SignalData, Value};
//!
//! # fn main() -> rawio_core::Result<()> {
//! // cheap: the signature and the root attributes only (a registry's sniff)
//! if let Some(root) = rawio_hdf5::sniff("session.nix".as_ref()) {
//!     println!("format attribute: {:?}", root.text("format"));
//! }
//!
//! let f = H5File::open("session.nix", "nix", &OpenOptions::default())?;
//! for m in f.root()?.members()? {
//!     // link creation order when the group tracks it, else by name
//!     println!("{} {:?} {:?}", m.name, m.kind, m.link);
//! }
//! let da = f.group("/data/block/data_arrays/trace")?;
//! let attrs = da.attributes()?;
//! let unit = attrs.text("unit"); // text attribute, if present
//! let coefficients = attrs.get("polynom_coefficients").map(|a| a.read_f64s()).transpose()?;
//! let data = da.dataset("data")?;
//! println!("{:?} {:?} {unit:?} {coefficients:?}", data.shape(), data.element_type());
//!
//! // rows × channels in the stored dtype, by hyperslab (ChannelsFirst for channels × rows)
//! let signal = SignalData::new(data)?;
//! let chunk = signal.read(0..1000, &ChannelIndexes::Range(0..2))?;
//! println!("{:?} {}", chunk.shape(), chunk.dtype());
//!
//! // typed values: enums with their member names, compound records, references as paths
//! for v in f.dataset("/data/block/some_table")?.read_values()? {
//!     if let Value::Record(r) = v {
//!         println!("{:?}", r.get("name"));
//!     }
//! }
//! # let _ = MemberKind::Group;
//! # Ok(()) }
//! ```
//!
//! # What it reads
//!
//! Through `hdf5-reader` (no libhdf5), whose types stay private: superblocks v0–v3; groups
//! in every storage (symbol tables, compact and dense links), with each member's link kind
//! (hard, soft with its target, external with its file) and link creation order; soft links
//! followed; external links resolved relative to the linking file (a missing target is an
//! [`rawio_core::Error::NotFound`] naming the link and the file, or, with
//! [`H5File::open_partial`], an entry of [`H5File::unreadable`]); object references resolved
//! to paths; dataset region references resolved to the referenced dataset and its selection
//! ([`Dataset::read_region_refs`], [`Region`], [`Selection`]: NWB 2.0b's ragged indexes);
//! attributes of every numeric width, text, bool, enum, reference and compound type; datasets
//! read with dtype dispatch and widening (f64, exact i64/u64), 1-D to N-D hyperslabs, text,
//! references, enums (with member names) and compounds (typed [`Record`]s). Filters:
//! deflate (zlib-rs, pure Rust at zlib-ng speed, with runtime CPU detection), shuffle, LZF
//! (h5py's 32000) and Zstd (hdf5plugin's 32015) decoded here, fletcher32 by hdf5-reader; the
//! chunks of one read are decoded in parallel (rayon), and a 16 MiB chunk cache per file keeps
//! the chunks a sequential reader straddles. Any other filter (Blosc 32001, LZ4 32004,
//! bitshuffle 32008, ...) gives [`rawio_core::Error::Unsupported`] naming it and the dataset
//! when the data is read, never wrong values.
//!
//! # Bad files
//!
//! Every error is a [`rawio_core::Error`] naming the format, the file and the HDF5 object
//! path (in [`rawio_core::Error::Corrupt`]'s detail, with the object header's address as the
//! offset when known). Reads are bounded: a decoded chunk by [`OpenOptions::max_chunk_bytes`],
//! a selection by [`OpenOptions::max_read_ratio`] × the file size (at least 256 MiB), and every
//! read by the dataset's [`Dataset::stored_extent`]: a contiguous dataset must fit in the file
//! with its declared shape, and a chunked one is read only within the chunks its index lists
//! (a shape declared as 2^62 rows on a small file is never looped over). A walk that meets an
//! unreadable member either fails ([`H5File::open`]) or leaves it out and lists it
//! ([`H5File::open_partial`], [`Unreadable`]). [`sniff_members`] lists the root group's
//! members for a registry's sniff.
#![forbid(unsafe_code)]

mod attr;
mod columns;
pub mod declared;
mod extent;
mod file;
mod filters;
mod links;
mod object;
mod read;
mod region;
mod signal;
mod sniff;
mod value;

pub use attr::{Attribute, Attributes};
pub use columns::ChannelsFirst;
pub use file::{H5File, Object, OpenOptions, Unreadable};
pub use filters::{FILTER_LZF, FILTER_ZSTD};
pub use links::Link;
pub use object::{Dataset, Group, Member, MemberKind};
pub use read::Array;
pub use region::{Region, Selection};
pub use signal::SignalData;
pub use sniff::{RootAttributes, SIGNATURE, has_signature, sniff, sniff_members};
pub use value::{ElementType, Record, Value};
