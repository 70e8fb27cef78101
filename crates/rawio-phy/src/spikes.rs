//! The spike arrays (`spike_times.npy`, `spike_clusters.npy` / `spike_templates.npy`,
//! `amplitudes.npy`) and the *index* step that groups spikes by unit ([`UnitSpikes::group`]):
//! a counting sort into one index array, each unit's spikes in time order.

use crate::FORMAT_ID;
use crate::folder::{corrupt, open_npy_opt};
use rawio_core::ndarray::{ArrayView, ArrayView1, Dimension, IxDyn};
use rawio_core::{Error, NpyFile, RawArray, RawTimestamps, Result, Sample, dispatch_raw};
use std::ops::Range;
use std::path::Path;

/// `v` as i64, when it is an integer that fits (callers refuse float arrays first, see
/// [`require_int`]).
#[inline]
pub(crate) fn to_i64<T: Sample>(v: T) -> Option<i64> {
    i64::try_from(v.to_i128()).ok()
}

/// The error for a float array where integers are expected.
pub(crate) fn not_int(f: &NpyFile) -> Error {
    corrupt(
        f.path(),
        0,
        format!("expected integers, found {}", f.header().dtype),
    )
}

/// `Ok` when `raw` (read from `f`) holds integers.
pub(crate) fn require_int<D: Dimension>(raw: &RawArray<'_, D>, f: &NpyFile) -> Result<()> {
    if raw.dtype().is_float() {
        Err(not_int(f))
    } else {
        Ok(())
    }
}

/// `(n,)` / `(n,1)` / `(1,n)` integer array values as i64, or a typed error.
pub(crate) fn int_values(f: &NpyFile) -> Result<Vec<i64>> {
    let raw = f.raw_1d()?;
    let path = f.path();
    if raw.dtype().is_float() {
        return Err(corrupt(
            path,
            0,
            format!("expected integers, found {}", raw.dtype()),
        ));
    }
    dispatch_raw!(&raw, a => a
        .iter()
        .map(|&v| {
            to_i64(v).ok_or_else(|| {
                corrupt(path, f.header().data_offset, format!("value {v:?} does not fit in i64"))
            })
        })
        .collect())
}

/// Elements `idx` of a (possibly 2-D `(n,1)`) array, in memory order.
pub(crate) fn gather_flat<T: Sample>(a: ArrayView<'_, T, IxDyn>, idx: &[usize]) -> Vec<T> {
    match a.as_slice_memory_order() {
        Some(s) => idx.iter().filter_map(|&i| s.get(i).copied()).collect(),
        None => {
            let v: Vec<T> = a.iter().copied().collect();
            idx.iter().filter_map(|&i| v.get(i).copied()).collect()
        }
    }
}

/// The per-spike arrays of the folder, memory-mapped, checked to have one entry per spike.
#[derive(Debug)]
pub(crate) struct SpikeFiles {
    pub(crate) spike_times: NpyFile,
    pub(crate) spike_templates: Option<NpyFile>,
    spike_clusters: Option<NpyFile>,
    pub(crate) amplitudes: Option<NpyFile>,
    /// Number of spikes.
    pub(crate) n: usize,
}

fn check_len(f: &NpyFile, n: usize) -> Result<()> {
    let m = f.header().element_count();
    if m != n as u64 {
        return Err(corrupt(
            f.path(),
            f.header().data_offset,
            format!("{m} entries but spike_times.npy has {n}"),
        ));
    }
    Ok(())
}

impl SpikeFiles {
    /// Opens the spike arrays of `dir`: `spike_times.npy` (integers) and
    /// `spike_clusters.npy` or `spike_templates.npy` are required.
    pub(crate) fn open(dir: &Path) -> Result<SpikeFiles> {
        let times_path = dir.join("spike_times.npy");
        if !times_path.is_file() {
            return Err(Error::NotFound {
                format: FORMAT_ID,
                what: "spike_times.npy".into(),
                looked_for: vec![times_path],
            });
        }
        let spike_times = NpyFile::open(&times_path, FORMAT_ID)?;
        let times = spike_times.raw_1d()?;
        if times.dtype().is_float() {
            return Err(Error::unsupported(
                FORMAT_ID,
                format!(
                    "{} holds {} values; spike times must be integer samples",
                    times_path.display(),
                    times.dtype()
                ),
            ));
        }
        let n = times.len();
        let spike_templates = open_npy_opt(dir, "spike_templates.npy")?;
        let spike_clusters = open_npy_opt(dir, "spike_clusters.npy")?;
        let Some(clusters) = spike_clusters.as_ref().or(spike_templates.as_ref()) else {
            return Err(Error::NotFound {
                format: FORMAT_ID,
                what: "spike_clusters.npy or spike_templates.npy".into(),
                looked_for: vec![
                    dir.join("spike_clusters.npy"),
                    dir.join("spike_templates.npy"),
                ],
            });
        };
        clusters.raw_1d()?;
        check_len(clusters, n)?;
        if let Some(f) = &spike_templates {
            check_len(f, n)?;
            f.raw_1d()?;
        }
        let amplitudes = open_npy_opt(dir, "amplitudes.npy")?;
        if let Some(a) = &amplitudes {
            check_len(a, n)?;
        }
        drop(times);
        Ok(SpikeFiles {
            spike_times,
            spike_templates,
            spike_clusters,
            amplitudes,
            n,
        })
    }

    /// The cluster of each spike: `spike_clusters.npy`, else `spike_templates.npy`.
    pub(crate) fn clusters(&self) -> &NpyFile {
        match (&self.spike_clusters, &self.spike_templates) {
            (Some(c), _) | (None, Some(c)) => c,
            (None, None) => &self.spike_times, // not reached: `open` requires one of them
        }
    }

    /// The per-spike arrays read by the open passes (views of the mapped files).
    pub(crate) fn arrays(&self) -> Result<SpikeArrays<'_>> {
        let templates = match &self.spike_templates {
            Some(f) => Some((f.raw_1d()?, f)),
            None => None,
        };
        Ok(SpikeArrays {
            times: self.spike_times.raw_1d()?,
            clusters: (self.clusters().raw_1d()?, self.clusters()),
            templates,
        })
    }

    /// Drops the pages of the per-spike arrays read at open from the resident set (they are
    /// re-read from the files if a per-unit accessor needs them).
    pub(crate) fn release(&self) {
        for f in [
            self.spike_clusters.as_ref(),
            self.spike_templates.as_ref(),
            self.amplitudes.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            f.release();
        }
    }
}

/// The per-spike arrays of [`SpikeFiles`] that the open passes read, each with its file.
pub(crate) struct SpikeArrays<'f> {
    pub(crate) times: RawTimestamps<'f>,
    pub(crate) clusters: (RawTimestamps<'f>, &'f NpyFile),
    pub(crate) templates: Option<(RawTimestamps<'f>, &'f NpyFile)>,
}

impl SpikeArrays<'_> {
    /// The sorted unique cluster ids.
    pub(crate) fn cluster_ids(&self) -> Result<Vec<i64>> {
        let (clusters, f) = &self.clusters;
        require_int(clusters, f)?;
        dispatch_raw!(clusters, a => unique_ids(a.view(), f))
    }
}

/// Sorted unique values of an integer array (no copy of the array when the values span a
/// range no larger than the array plus 64 Ki).
pub(crate) fn unique_ids<T: Sample>(a: ArrayView1<'_, T>, f: &NpyFile) -> Result<Vec<i64>> {
    let mut lo = i64::MAX;
    let mut hi = i64::MIN;
    for &v in a.iter() {
        let v = to_i64(v).ok_or_else(|| {
            corrupt(
                f.path(),
                f.header().data_offset,
                format!("id {v:?} does not fit in i64"),
            )
        })?;
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if a.is_empty() {
        return Ok(Vec::new());
    }
    let span = (i128::from(hi) - i128::from(lo) + 1) as u128;
    if span <= a.len() as u128 + 65536 {
        let mut seen = vec![false; span as usize];
        for &v in a.iter() {
            if let Some(s) = to_i64(v).and_then(|v| seen.get_mut((v - lo) as usize)) {
                *s = true;
            }
        }
        Ok(seen
            .iter()
            .enumerate()
            .filter(|(_, s)| **s)
            .map(|(i, _)| lo + i as i64)
            .collect())
    } else {
        let mut v: Vec<i64> = a.iter().filter_map(|&v| to_i64(v)).collect();
        v.sort_unstable();
        v.dedup();
        Ok(v)
    }
}

/// `id → position in a sorted id list`, through a dense table when the ids span a small
/// range, else by binary search.
pub(crate) struct Lookup {
    pub(crate) ids: Vec<i64>,
    min: i64,
    dense: Option<Vec<u32>>,
}

impl Lookup {
    pub(crate) fn new(ids: Vec<i64>, budget: u64) -> Self {
        let min = ids.first().copied().unwrap_or(0);
        let max = ids.last().copied().unwrap_or(0);
        let span = (i128::from(max) - i128::from(min) + 1) as u128;
        let dense =
            (span <= u128::from(budget) + 65536 && ids.len() < u32::MAX as usize).then(|| {
                let mut t = vec![u32::MAX; span as usize];
                for (i, &id) in ids.iter().enumerate() {
                    if let Some(s) = t.get_mut((id - min) as usize) {
                        *s = i as u32;
                    }
                }
                t
            });
        Lookup { ids, min, dense }
    }

    #[inline]
    pub(crate) fn get(&self, id: i64) -> Option<usize> {
        match &self.dense {
            Some(t) => {
                let k = usize::try_from(id.checked_sub(self.min)?).ok()?;
                t.get(k)
                    .copied()
                    .filter(|&u| u != u32::MAX)
                    .map(|u| u as usize)
            }
            None => self.ids.binary_search(&id).ok(),
        }
    }
}

/// Spike indexes grouped by unit: unit `u` owns `order[offsets[u]..offsets[u + 1]]`, sorted
/// by spike time. `u32` indexes while the file has fewer than 2³² spikes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Order {
    U32(Vec<u32>),
    U64(Vec<u64>),
}

impl Order {
    /// The spike indexes of `r`, in order.
    pub(crate) fn indexes(&self, r: Range<usize>) -> Vec<usize> {
        let mut out = Vec::with_capacity(r.len());
        self.for_each(r, |i| out.push(i));
        out
    }

    /// The values of `a` at the spike indexes of `r`, in order.
    pub(crate) fn gather<T: Copy>(&self, r: Range<usize>, a: ArrayView1<'_, T>) -> Vec<T> {
        let mut out = Vec::with_capacity(r.len());
        self.for_each(r, |i| out.extend(a.get(i).copied()));
        out
    }

    /// `f(i)` for each spike index of `r`, in order.
    pub(crate) fn for_each(&self, r: Range<usize>, mut f: impl FnMut(usize)) {
        match self {
            Order::U32(v) => v.get(r).unwrap_or(&[]).iter().for_each(|&i| f(i as usize)),
            Order::U64(v) => v.get(r).unwrap_or(&[]).iter().for_each(|&i| f(i as usize)),
        }
    }
}

/// The spikes of each unit.
#[derive(Debug)]
pub(crate) struct UnitSpikes {
    /// Unit `u`'s spikes are `order[offsets[u]..offsets[u + 1]]`.
    pub(crate) offsets: Vec<usize>,
    pub(crate) order: Order,
}

impl UnitSpikes {
    /// Groups the spikes of `arrays` by unit (`kept`: the units' sorted cluster ids); a
    /// unit's spikes are in time order (stable: file order for equal times). Also returns
    /// the cluster id → unit lookup.
    pub(crate) fn group(arrays: &SpikeArrays<'_>, kept: Vec<i64>) -> Result<(Lookup, UnitSpikes)> {
        let n_units = kept.len();
        let lookup = Lookup::new(kept, arrays.times.len() as u64);
        let (clusters, f) = &arrays.clusters;
        require_int(clusters, f)?;
        let (offsets, mut order) =
            dispatch_raw!(clusters, a => group_by_unit(a.view(), &lookup, n_units));
        let times = &arrays.times;
        // sort each unit by time when the file is not globally sorted
        let sorted = dispatch_raw!(times, a => match a.as_slice() {
            Some(s) => s.windows(2).all(|w| w[0] <= w[1]),
            None => a.iter().zip(a.iter().skip(1)).all(|(x, y)| x <= y),
        });
        if !sorted {
            dispatch_raw!(times, a => sort_units(a.view(), &mut order, &offsets));
        }
        Ok((lookup, UnitSpikes { offsets, order }))
    }

    /// Number of units.
    pub(crate) fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The range of `order` of `unit`.
    pub(crate) fn range(&self, unit: usize) -> Range<usize> {
        match (self.offsets.get(unit), self.offsets.get(unit + 1)) {
            (Some(&a), Some(&b)) => a..b,
            _ => 0..0,
        }
    }
}

/// Counting sort of the spikes by unit: `(offsets, order)`.
fn group_by_unit<T: Sample>(
    clusters: ArrayView1<'_, T>,
    lookup: &Lookup,
    n_units: usize,
) -> (Vec<usize>, Order) {
    let unit = |v: T| to_i64(v).and_then(|c| lookup.get(c));
    let mut counts = vec![0usize; n_units + 1];
    for &c in clusters.iter() {
        if let Some(u) = unit(c) {
            counts[u + 1] += 1;
        }
    }
    for u in 0..n_units {
        counts[u + 1] += counts[u];
    }
    let offsets = counts;
    let total = offsets[n_units];
    let mut next: Vec<usize> = offsets[..n_units].to_vec();
    let order = if clusters.len() <= u32::MAX as usize {
        Order::U32(scatter(clusters, &unit, &mut next, total, |i| i as u32))
    } else {
        Order::U64(scatter(clusters, &unit, &mut next, total, |i| i as u64))
    };
    (offsets, order)
}

/// The counting sort's second pass: spike `i` goes to slot `next[unit]` of its unit.
fn scatter<T: Sample, I: Copy + Default>(
    clusters: ArrayView1<'_, T>,
    unit: &impl Fn(T) -> Option<usize>,
    next: &mut [usize],
    total: usize,
    index: impl Fn(usize) -> I,
) -> Vec<I> {
    let mut o = vec![I::default(); total];
    for (i, &c) in clusters.iter().enumerate() {
        if let Some(u) = unit(c) {
            o[next[u]] = index(i);
            next[u] += 1;
        }
    }
    o
}

/// Sorts each unit's spike indexes by spike time (stable).
fn sort_units<T: Sample>(times: ArrayView1<'_, T>, order: &mut Order, offsets: &[usize]) {
    let key = |i: usize| times.get(i).copied().unwrap_or_default();
    let cmp = |a: usize, b: usize| {
        key(a)
            .partial_cmp(&key(b))
            .unwrap_or(std::cmp::Ordering::Equal)
    };
    for w in offsets.windows(2) {
        match order {
            Order::U32(v) => sort_run(v.get_mut(w[0]..w[1]), |i| i as usize, cmp),
            Order::U64(v) => sort_run(v.get_mut(w[0]..w[1]), |i| i as usize, cmp),
        }
    }
}

/// Sorts one unit's spike indexes (`pos` turns one into a position) with `cmp` (stable).
fn sort_run<I: Copy>(
    run: Option<&mut [I]>,
    pos: impl Fn(I) -> usize,
    cmp: impl Fn(usize, usize) -> std::cmp::Ordering,
) {
    if let Some(s) = run {
        s.sort_by(|&a, &b| cmp(pos(a), pos(b)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_npy::{i64s, write};
    use rawio_core::ndarray::{Array1, IxDyn};

    #[test]
    fn ids_lookup_and_counting_sort() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        i64s(&d.join("spike_times.npy"), &[50, 10, 40, 20, 30]);
        i64s(&d.join("spike_clusters.npy"), &[7, 3, 7, 3, 9]);
        let files = SpikeFiles::open(d).unwrap();
        assert_eq!(files.n, 5);
        let arrays = files.arrays().unwrap();
        assert_eq!(arrays.cluster_ids().unwrap(), vec![3, 7, 9]);
        let (lookup, g) = UnitSpikes::group(&arrays, vec![3, 7]).unwrap();
        assert_eq!(g.len(), 2);
        assert_eq!(g.offsets, vec![0, 2, 4]);
        // times 50, 10, 40, 20: unit 7 = spikes 0 and 2, sorted by time → 2, 0
        assert_eq!(g.order.indexes(g.range(0)), vec![1, 3]);
        assert_eq!(g.order.indexes(g.range(1)), vec![2, 0]);
        assert_eq!(g.range(5), 0..0);
        assert_eq!(lookup.get(7), Some(1));
        assert_eq!(lookup.get(9), None);
        let sparse = Lookup::new(vec![-5, 1 << 40], 0);
        assert_eq!((sparse.get(1 << 40), sparse.get(0)), (Some(1), None));
    }

    #[test]
    fn arrays_must_be_integers_of_one_length() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let e = SpikeFiles::open(d).unwrap_err();
        assert!(e.to_string().contains("spike_times.npy"), "{e}");
        i64s(&d.join("spike_times.npy"), &[1, 2]);
        let e = SpikeFiles::open(d).unwrap_err();
        assert!(e.to_string().contains("spike_clusters.npy"), "{e}");
        i64s(&d.join("spike_templates.npy"), &[1]);
        let e = SpikeFiles::open(d).unwrap_err();
        assert!(
            e.to_string()
                .contains("1 entries but spike_times.npy has 2"),
            "{e}"
        );
        let f: Vec<u8> = [1.0f64, 2.0].iter().flat_map(|x| x.to_le_bytes()).collect();
        write(&d.join("spike_templates.npy"), "<f8", &[2], &f);
        let files = SpikeFiles::open(d).unwrap();
        let e = files.arrays().unwrap().cluster_ids().unwrap_err();
        assert!(e.to_string().contains("expected integers"), "{e}");
        assert!(int_values(files.clusters()).is_err());
        let a = Array1::from(vec![5i16, 6, 7]).into_dyn();
        assert_eq!(
            gather_flat(a.view().into_dimensionality::<IxDyn>().unwrap(), &[2, 0, 9]),
            vec![7, 5]
        );
    }
}
