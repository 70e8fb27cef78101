//! Dataset region references: an object plus a selection of its elements, stored in the
//! global heap (what NWB 2.0b writers such as MatNWB use for ragged indexes and table
//! regions).

#![allow(clippy::single_range_in_vec_init)] // one-range selections are vectors of ranges

use crate::Dataset;
use crate::value::ElementType;
use hdf5_reader::global_heap::GlobalHeapCollection;
use rawio_core::Result;
use std::collections::HashMap;
use std::ops::Range;

/// Most blocks or points one selection may expand to.
const MAX_SELECTED_BLOCKS: u64 = 1 << 20;

/// The elements a region reference selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// No element.
    None,
    /// Every element of the referenced dataset.
    All,
    /// Single elements, each with one coordinate per dimension.
    Points(Vec<Vec<u64>>),
    /// Blocks, each with one half-open range per dimension, in stored order.
    Blocks(Vec<Vec<Range<u64>>>),
}

impl Selection {
    /// The selection of a 1-D dataset of `len` elements as ranges, in stored order
    /// (`None` for a selection of another rank).
    pub fn ranges_1d(&self, len: u64) -> Option<Vec<Range<u64>>> {
        match self {
            Selection::None => Some(Vec::new()),
            Selection::All => Some(vec![0..len]),
            Selection::Points(p) => p
                .iter()
                .map(|c| match c.as_slice() {
                    [i] => Some(*i..i.checked_add(1)?),
                    _ => None,
                })
                .collect(),
            Selection::Blocks(b) => b
                .iter()
                .map(|r| match r.as_slice() {
                    [x] => Some(x.clone()),
                    _ => None,
                })
                .collect(),
        }
    }

    /// The rows (first-dimension indexes) a selection covers, in stored order, each
    /// block's rows in turn (a block or point of a 2-D table region selects whole rows).
    pub fn rows(&self, len: u64) -> Option<Vec<Range<u64>>> {
        match self {
            Selection::None => Some(Vec::new()),
            Selection::All => Some(vec![0..len]),
            Selection::Points(p) => p
                .iter()
                .map(|c| c.first().and_then(|&i| Some(i..i.checked_add(1)?)))
                .collect(),
            Selection::Blocks(b) => b.iter().map(|r| r.first().cloned()).collect(),
        }
    }
}

/// A resolved dataset region reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// The path of the referenced dataset (`None` when the walk did not reach it).
    pub path: Option<String>,
    /// The selected elements.
    pub selection: Selection,
}

/// A little-endian reader over one serialized selection.
struct Cur<'a> {
    b: &'a [u8],
    at: usize,
}

impl Cur<'_> {
    fn take(&mut self, n: usize) -> std::result::Result<&[u8], String> {
        let end = self.at.checked_add(n).ok_or("overflow")?;
        let s = self
            .b
            .get(self.at..end)
            .ok_or_else(|| format!("selection truncated at byte {}", self.at))?;
        self.at = end;
        Ok(s)
    }
    fn uint(&mut self, n: usize) -> std::result::Result<u64, String> {
        let s = self.take(n)?;
        if n > 8 {
            return Err(format!("{n}-byte integer"));
        }
        let mut a = [0u8; 8];
        a[..n].copy_from_slice(s);
        Ok(u64::from_le_bytes(a))
    }
    fn u32(&mut self) -> std::result::Result<u64, String> {
        self.uint(4)
    }
    fn u8(&mut self) -> std::result::Result<u64, String> {
        self.uint(1)
    }
}

/// Parses a serialized dataspace selection (H5S_select_serialize, versions 1 to 3).
pub(crate) fn parse_selection(b: &[u8]) -> std::result::Result<Selection, String> {
    let mut c = Cur { b, at: 0 };
    let kind = c.u32()?;
    let version = c.u32()?;
    match kind {
        0 => Ok(Selection::None),
        3 => Ok(Selection::All),
        1 => {
            let (enc, rank, n) = match version {
                1 => {
                    c.u32()?; // reserved
                    c.u32()?; // length
                    (4, c.u32()?, c.u32()?)
                }
                2 => {
                    let enc = usize::try_from(c.u8()?).map_err(|e| e.to_string())?;
                    let rank = c.u32()?;
                    (enc, rank, c.uint(enc)?)
                }
                v => return Err(format!("point selection version {v}")),
            };
            bounded(n, rank)?;
            let mut pts = Vec::new();
            for _ in 0..n {
                pts.push(
                    (0..rank)
                        .map(|_| c.uint(enc))
                        .collect::<std::result::Result<_, _>>()?,
                );
            }
            Ok(Selection::Points(pts))
        }
        2 => hyperslab(&mut c, version),
        k => Err(format!("selection type {k}")),
    }
}

fn bounded(n: u64, rank: u64) -> std::result::Result<(), String> {
    if rank == 0 || rank > 32 || n > MAX_SELECTED_BLOCKS {
        return Err(format!("selection of {n} blocks of rank {rank}"));
    }
    Ok(())
}

/// Blocks given as (start, inclusive end) per dimension.
fn irregular(
    c: &mut Cur<'_>,
    enc: usize,
    rank: u64,
    n: u64,
) -> std::result::Result<Selection, String> {
    bounded(n, rank)?;
    let mut blocks = Vec::new();
    for _ in 0..n {
        let start: Vec<u64> = (0..rank)
            .map(|_| c.uint(enc))
            .collect::<std::result::Result<_, _>>()?;
        let end: Vec<u64> = (0..rank)
            .map(|_| c.uint(enc))
            .collect::<std::result::Result<_, _>>()?;
        let block = start
            .iter()
            .zip(&end)
            .map(|(&a, &e)| {
                let e = e.checked_add(1).ok_or("block end overflows")?;
                if e < a {
                    return Err(format!("block [{a}, {e}) ends before it starts"));
                }
                Ok(a..e)
            })
            .collect::<std::result::Result<_, String>>()?;
        blocks.push(block);
    }
    Ok(Selection::Blocks(blocks))
}

/// A regular hyperslab (start, stride, count, block per dimension) as blocks.
fn regular(c: &mut Cur<'_>, enc: usize, rank: u64) -> std::result::Result<Selection, String> {
    bounded(0, rank)?;
    let mut dims = Vec::new();
    for _ in 0..rank {
        let v: Vec<u64> = (0..4)
            .map(|_| c.uint(enc))
            .collect::<std::result::Result<_, _>>()?;
        let (start, stride, count, block) = (v[0], v[1], v[2], v[3]);
        // contiguous along this dimension: one range
        let ranges: Vec<Range<u64>> = if block == stride || count == 1 {
            let len = count.checked_mul(block).ok_or("hyperslab overflows")?;
            vec![start..start.checked_add(len).ok_or("hyperslab overflows")?]
        } else {
            if count > MAX_SELECTED_BLOCKS {
                return Err(format!("hyperslab of {count} blocks"));
            }
            (0..count)
                .map(|i| {
                    let a = i
                        .checked_mul(stride)
                        .and_then(|x| x.checked_add(start))
                        .ok_or("hyperslab overflows")?;
                    Ok(a..a.checked_add(block).ok_or("hyperslab overflows")?)
                })
                .collect::<std::result::Result<_, String>>()?
        };
        dims.push(ranges);
    }
    // the cartesian product of the per-dimension ranges, first dimension slowest
    let total = dims
        .iter()
        .try_fold(1u64, |a, d| a.checked_mul(d.len() as u64))
        .filter(|&n| n <= MAX_SELECTED_BLOCKS)
        .ok_or("hyperslab of too many blocks")?;
    let mut blocks: Vec<Vec<Range<u64>>> = vec![Vec::new()];
    for d in &dims {
        blocks = blocks
            .into_iter()
            .flat_map(|b| {
                d.iter().map(move |r| {
                    let mut x = b.clone();
                    x.push(r.clone());
                    x
                })
            })
            .collect();
    }
    debug_assert_eq!(blocks.len() as u64, total);
    Ok(Selection::Blocks(blocks))
}

fn hyperslab(c: &mut Cur<'_>, version: u64) -> std::result::Result<Selection, String> {
    match version {
        1 => {
            c.u32()?; // reserved
            c.u32()?; // length
            let rank = c.u32()?;
            let n = c.u32()?;
            irregular(c, 4, rank, n)
        }
        2 => {
            let flags = c.u8()?;
            c.u32()?; // length
            let rank = c.u32()?;
            if flags & 1 == 0 {
                return Err("irregular hyperslab of version 2".into());
            }
            regular(c, 8, rank)
        }
        3 => {
            let flags = c.u8()?;
            let enc = usize::try_from(c.u8()?).map_err(|e| e.to_string())?;
            let rank = c.u32()?;
            if flags & 1 == 1 {
                regular(c, enc, rank)
            } else {
                let n = c.uint(enc)?;
                irregular(c, enc, rank, n)
            }
        }
        v => Err(format!("hyperslab selection version {v}")),
    }
}

impl Dataset {
    /// Dataset region references (NWB 2.0b's ragged indexes and table regions), each
    /// resolved to the path of the referenced dataset and its selection; `None` for a null
    /// reference. Fails on a dataset of another type.
    pub fn read_region_refs(&self) -> Result<Vec<Option<Region>>> {
        if *self.element_type() != ElementType::RegionRef {
            return Err(self.corrupt("not a region-reference dataset"));
        }
        let size = hdf5_reader::dtype_element_size(self.inner.dtype()).unwrap_or(0);
        let f = &self.file.inner.file;
        let sb = f.superblock();
        let (os, ls) = (sb.offset_size, sb.length_size);
        let osz = usize::from(os);
        if size < osz + 4 {
            return Err(self.corrupt(format!("{size}-byte region references")));
        }
        let raw = self.read_raw_region_bytes()?;
        let mut heaps: HashMap<u64, GlobalHeapCollection> = HashMap::new();
        let mut out = Vec::with_capacity(raw.len() / size);
        for (i, r) in raw.chunks_exact(size).enumerate() {
            let mut c = Cur { b: r, at: 0 };
            let bad = |d: String| self.corrupt(format!("region reference {i}: {d}"));
            let heap = c.uint(osz).map_err(bad)?;
            let index = c.u32().map_err(bad)?;
            if heap == 0 || hdf5_reader::io::Cursor::is_undefined_offset(heap, os) {
                out.push(None);
                continue;
            }
            if let std::collections::hash_map::Entry::Vacant(v) = heaps.entry(heap) {
                let col = GlobalHeapCollection::parse_at_storage(f.storage(), heap, os, ls)
                    .map_err(|e| bad(format!("global heap at {heap}: {e}")))?;
                v.insert(col);
            }
            let obj = heaps
                .get(&heap)
                .and_then(|h| h.get_object(u16::try_from(index).ok()?))
                .ok_or_else(|| bad(format!("no object {index} in the global heap at {heap}")))?;
            let mut oc = Cur {
                b: &obj.data,
                at: 0,
            };
            let addr = oc.uint(osz).map_err(bad)?;
            let selection =
                parse_selection(obj.data.get(osz..).unwrap_or_default()).map_err(bad)?;
            out.push(Some(Region {
                path: self.file.path_of_address(addr).map(str::to_owned),
                selection,
            }));
        }
        Ok(out)
    }

    fn read_raw_region_bytes(&self) -> Result<Vec<u8>> {
        self.check_stored(&[])?;
        self.inner.read_raw_bytes().map_err(|e| self.map_err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le32(v: &[u32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn hyperslab_v1_points_all_none() {
        // hyperslab v1: 1-D, two blocks [3, 7] and [10, 10]
        let mut b = le32(&[2, 1, 0, 0, 1, 2, 3, 7, 10, 10]);
        assert_eq!(
            parse_selection(&b).unwrap(),
            Selection::Blocks(vec![vec![3..8], vec![10..11]])
        );
        assert_eq!(
            parse_selection(&b).unwrap().ranges_1d(20).unwrap(),
            [3..8, 10..11]
        );
        b.truncate(b.len() - 4);
        assert!(parse_selection(&b).is_err());
        // points v1: rank 2, (4, 0) and (5, 1)
        let b = le32(&[1, 1, 0, 0, 2, 2, 4, 0, 5, 1]);
        let s = parse_selection(&b).unwrap();
        assert_eq!(s, Selection::Points(vec![vec![4, 0], vec![5, 1]]));
        assert_eq!(s.rows(9).unwrap(), [4..5, 5..6]);
        assert_eq!(s.ranges_1d(9), None);
        assert_eq!(
            parse_selection(&le32(&[3, 1, 0, 0])).unwrap(),
            Selection::All
        );
        assert_eq!(
            parse_selection(&le32(&[0, 1, 0, 0])).unwrap(),
            Selection::None
        );
        assert!(parse_selection(&le32(&[9, 1])).is_err());
        // absurd block counts are refused before anything is allocated
        assert!(parse_selection(&le32(&[2, 1, 0, 0, 1, u32::MAX])).is_err());
    }

    #[test]
    fn regular_hyperslabs_v2_v3() {
        // v2 regular: start 5, stride 1, count 1, block 4 (8-byte values)
        let mut b = le32(&[2, 2]);
        b.push(1);
        b.extend(le32(&[0, 1]));
        for v in [5u64, 1, 1, 4] {
            b.extend(v.to_le_bytes());
        }
        assert_eq!(
            parse_selection(&b).unwrap(),
            Selection::Blocks(vec![vec![5..9]])
        );
        // v3 regular, 4-byte values: start 2, stride 10, count 3, block 2
        let mut b = le32(&[2, 3]);
        b.extend([1, 4]);
        b.extend(le32(&[1, 2, 10, 3, 2]));
        assert_eq!(
            parse_selection(&b).unwrap().ranges_1d(100).unwrap(),
            [2..4, 12..14, 22..24]
        );
        // v3 irregular, 2-byte values: one block [1, 3]
        let mut b = le32(&[2, 3]);
        b.extend([0, 2]); // flags, encoding size
        b.extend(le32(&[1])); // rank
        b.extend([1, 0]); // one block
        b.extend([1, 0, 3, 0]); // [1, 3]
        assert_eq!(parse_selection(&b).unwrap().ranges_1d(9).unwrap(), [1..4]);
    }
}
