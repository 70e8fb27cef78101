//! The stored extent of a dataset: how much of its declared shape the file actually holds.
//!
//! A dataspace declares a shape; nothing forces the storage to hold it. A contiguous or compact
//! dataset must hold every element in the file. A chunked dataset holds the chunks its index
//! lists: past them HDF5 gives the fill value, so a shape declared as 2^62 rows on a small file
//! would "read" forever. [`Dataset::stored_extent`] is the part of the shape covered by stored
//! data, per dimension; every read of this crate is bounded by it.

use crate::Dataset;
use hdf5_reader::chunk_index::ChunkEntry;
use hdf5_reader::messages::HdfMessage;
use hdf5_reader::messages::layout::{ChunkIndexing, DataLayout};
use rawio_core::Result;

impl Dataset {
    /// The extent of the declared shape that the file stores, per dimension (each at most the
    /// declared one): the whole shape for a contiguous or compact dataset (an error when the
    /// file is too small to hold it), the bounding box of the allocated chunks for a chunked
    /// one (zeros when no chunk was ever written). Reads past it are errors. Computed once
    /// (the chunk index is walked, no chunk is read).
    ///
    /// A dataset stored in an externally linked file is trusted to its declared shape (its
    /// reads stay bounded by the file's read limit).
    pub fn stored_extent(&self) -> Result<Vec<u64>> {
        let r = self
            .extent
            .get_or_init(|| self.compute_extent().map_err(|e| e.to_string()));
        r.clone().map_err(|detail| self.corrupt(detail))
    }

    fn compute_extent(&self) -> std::result::Result<Vec<u64>, String> {
        let shape = self.shape().to_vec();
        let Some(chunk) = self.chunk_shape() else {
            return self
                .check_extent()
                .map(|()| shape.clone())
                .map_err(|e| e.to_string());
        };
        let Some((f, layout, max_dims)) = self.own_layout() else {
            return Ok(shape); // header not found: trusted (reads stay bounded)
        };
        let DataLayout::Chunked {
            address,
            dims,
            chunk_indexing,
            ..
        } = layout
        else {
            return Ok(shape);
        };
        let sb = f.superblock();
        let (os, ls) = (sb.offset_size, sb.length_size);
        if hdf5_reader::io::Cursor::is_undefined_offset(address, os) {
            return Ok(vec![0; shape.len()]); // never written
        }
        let storage = f.storage();
        let ndim = shape.len();
        let entries: Vec<ChunkEntry> = match chunk_indexing {
            None => hdf5_reader::btree_v1::collect_btree_v1_leaves_storage(
                storage,
                address,
                os,
                ls,
                u32::try_from(ndim).ok(),
                &dims,
                None,
            )
            .map_err(|e| format!("chunk index: {e}"))?
            .into_iter()
            .filter_map(|(k, a)| match k {
                hdf5_reader::btree_v1::BTreeV1Key::RawData {
                    chunk_size,
                    filter_mask,
                    offsets,
                } => Some(ChunkEntry {
                    address: a,
                    size: u64::from(chunk_size),
                    filter_mask,
                    offsets: offsets.into_iter().take(ndim).collect(),
                }),
                hdf5_reader::btree_v1::BTreeV1Key::Group { .. } => None,
            })
            .collect(),
            Some(ChunkIndexing::SingleChunk { .. }) => return Ok(shape),
            Some(ChunkIndexing::Implicit) => {
                // every chunk is allocated, in one block: it must fit in the file
                let chunks = shape
                    .iter()
                    .zip(&chunk)
                    .try_fold(1u64, |a, (&s, &c)| a.checked_mul(s.div_ceil(c.max(1))));
                let elem = hdf5_reader::dtype_element_size(self.inner.dtype()).unwrap_or(1) as u64;
                let bytes = chunks.and_then(|n| {
                    n.checked_mul(chunk.iter().try_fold(elem, |a, &c| a.checked_mul(c))?)
                });
                let len = f.storage().len();
                return match bytes {
                    Some(b) if b <= len => Ok(shape),
                    _ => Err(format!(
                        "implicitly indexed chunks of shape {shape:?} do not fit in the file"
                    )),
                };
            }
            Some(ChunkIndexing::FixedArray { .. }) => {
                hdf5_reader::fixed_array::collect_fixed_array_chunk_entries_storage(
                    storage, address, os, ls, &shape, &dims, None,
                )
                .map_err(|e| format!("chunk index: {e}"))?
            }
            Some(ChunkIndexing::ExtensibleArray { .. }) => {
                hdf5_reader::extensible_array::collect_extensible_array_chunk_entries_storage(
                    storage,
                    address,
                    os,
                    ls,
                    &shape,
                    max_dims.as_deref(),
                    &dims,
                    None,
                )
                .map_err(|e| format!("chunk index: {e}"))?
            }
            Some(ChunkIndexing::BTreeV2) => {
                hdf5_reader::chunk_index::collect_v2_chunk_entries_storage(
                    storage,
                    address,
                    os,
                    ls,
                    u32::try_from(ndim).unwrap_or(u32::MAX),
                    &dims,
                    None,
                )
                .map_err(|e| format!("chunk index: {e}"))?
            }
        };
        Ok(bounding_box(&shape, &chunk, &entries))
    }

    /// The file holding this dataset's object header (this file, or an externally linked
    /// one), its layout message and its maximum dimensions: the first file whose header at
    /// the dataset's address has the handle's shape and chunk shape.
    fn own_layout(&self) -> Option<(hdf5_reader::Hdf5File, DataLayout, Option<Vec<u64>>)> {
        let mut files = vec![self.file.inner.file.clone()];
        if let Ok(l) = self.file.inner.linked.lock() {
            files.extend(l.iter().cloned());
        }
        files.into_iter().find_map(|f| {
            let (layout, max) = self.layout_in(&f)?;
            Some((f, layout, max))
        })
    }

    /// The layout and maximum dimensions of the header at this dataset's address in `f`, if
    /// it matches the handle's shape and chunk shape.
    fn layout_in(&self, f: &hdf5_reader::Hdf5File) -> Option<(DataLayout, Option<Vec<u64>>)> {
        if self.address() >= f.storage().len() {
            return None;
        }
        let header = f.get_or_parse_header(self.address()).ok()?;
        let mut layout = None;
        let mut space = None;
        for m in &header.messages {
            match m {
                HdfMessage::DataLayout(l) => layout = Some(l.layout.clone()),
                HdfMessage::Dataspace(d) => space = Some((d.dims.clone(), d.max_dims.clone())),
                _ => {}
            }
        }
        let (dims, max_dims) = space?;
        let layout = layout?;
        let same_chunks = match &layout {
            DataLayout::Chunked { dims: c, .. } => {
                c.iter().map(|&d| u64::from(d)).collect::<Vec<_>>() == self.chunk_shape()?
            }
            _ => false,
        };
        (dims == self.shape() && same_chunks).then_some((layout, max_dims))
    }
}

/// The bounding box of the chunks at `entries` (chunk shape `chunk`), clipped to `shape`.
fn bounding_box(shape: &[u64], chunk: &[u64], entries: &[ChunkEntry]) -> Vec<u64> {
    let mut ext = vec![0u64; shape.len()];
    for e in entries {
        if e.offsets.len() < shape.len() {
            continue;
        }
        let inside = e.offsets.iter().zip(shape).all(|(&o, &s)| o < s || s == 0);
        if !inside {
            continue; // stale chunk outside the current extent
        }
        for (d, x) in ext.iter_mut().enumerate() {
            let end = e.offsets[d].saturating_add(chunk.get(d).copied().unwrap_or(1));
            *x = (*x).max(end.min(shape[d]));
        }
    }
    ext
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(offsets: &[u64]) -> ChunkEntry {
        ChunkEntry {
            address: 0,
            size: 0,
            filter_mask: 0,
            offsets: offsets.to_vec(),
        }
    }

    #[test]
    fn bounding_boxes() {
        let e = [entry(&[0, 0]), entry(&[100, 0]), entry(&[100, 8])];
        assert_eq!(bounding_box(&[150, 10], &[100, 8], &e), [150, 10]);
        assert_eq!(bounding_box(&[1 << 40, 10], &[100, 8], &e), [200, 10]);
        assert_eq!(bounding_box(&[1 << 40, 10], &[100, 8], &[]), [0, 0]);
        // stale chunks past the extent are ignored
        assert_eq!(
            bounding_box(&[50, 10], &[100, 8], &[entry(&[0, 0]), entry(&[100, 0])]),
            [50, 8]
        );
    }
}
