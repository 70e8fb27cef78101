//! Where an HDF5 file declares its sizes, for the conformance kit's robustness mode.
//!
//! Every dataset's and attribute's dataspace message stores its dimensions (and maximum
//! dimensions) as 8-byte little-endian integers. A reader that trusts them without checking the
//! bytes actually stored allocates or loops without bound; the kit sets each of them to extreme
//! values ([`rawio_core::testing::DeclaredSize`]). The dimensions are found by scanning the file
//! for dataspace messages (versions 1 and 2) whose dimensions equal the shape of an object the
//! walk of the file found, which excludes chance matches in data.

use crate::{H5File, MemberKind, OpenOptions};
use rawio_core::testing::DeclaredSize;
use std::collections::HashSet;
use std::path::Path;

/// The dataspace dimensions of every dataset and attribute of the HDF5 file at `path`
/// (`file` is the name reported in each [`DeclaredSize`], relative to the fixture root).
/// Empty when the file does not open.
pub fn declared_sizes(path: &Path, file: &Path) -> Vec<DeclaredSize> {
    let Ok(bytes) = std::fs::read(path) else {
        return Vec::new();
    };
    let Ok(f) = H5File::open_partial(path, "hdf5", &OpenOptions::default()) else {
        return Vec::new();
    };
    let mut shapes: HashSet<Vec<u64>> = HashSet::new();
    for o in f.objects() {
        if let Ok(attrs) = f.attributes(&o.path) {
            for a in attrs.iter() {
                shapes.insert(a.shape().to_vec());
            }
        }
        if o.kind == MemberKind::Dataset
            && let Ok(d) = f.dataset(&o.path)
        {
            shapes.insert(d.shape().to_vec());
        }
    }
    shapes.retain(|s| !s.is_empty());
    let mut out = Vec::new();
    for pos in 0..bytes.len() {
        let Some((dims_at, rank, has_max)) = dataspace_at(&bytes, pos) else {
            continue;
        };
        let Some(dims) = read_dims(&bytes, dims_at, rank) else {
            continue;
        };
        if !shapes.contains(&dims) {
            continue;
        }
        for (i, _) in dims.iter().enumerate() {
            out.push(DeclaredSize::le(
                file,
                (dims_at + 8 * i) as u64,
                8,
                format!("HDF5 dataspace {dims:?}: dimension {i}"),
            ));
            if has_max {
                out.push(DeclaredSize::le(
                    file,
                    (dims_at + 8 * (rank + i)) as u64,
                    8,
                    format!("HDF5 dataspace {dims:?}: maximum dimension {i}"),
                ));
            }
        }
    }
    out
}

/// A dataspace message header at `pos`: where its dimensions start, the rank, and whether
/// maximum dimensions follow.
fn dataspace_at(b: &[u8], pos: usize) -> Option<(usize, usize, bool)> {
    let h = b.get(pos..pos + 8)?;
    let (version, rank, flags) = (h[0], usize::from(h[1]), h[2]);
    if rank == 0 || rank > 32 || flags > 3 {
        return None;
    }
    match version {
        1 if h[3..8] == [0; 5] => Some((pos + 8, rank, flags & 1 == 1)),
        2 if h[3] == 1 => Some((pos + 4, rank, flags & 1 == 1)),
        _ => None,
    }
}

fn read_dims(b: &[u8], at: usize, rank: usize) -> Option<Vec<u64>> {
    (0..rank)
        .map(|i| {
            let s = b.get(at + 8 * i..at + 8 * i + 8)?;
            Some(u64::from_le_bytes(s.try_into().ok()?))
        })
        .collect()
}
