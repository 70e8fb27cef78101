//! [`PhyReader`]: the [`RawIO`] implementation for KiloSort / Phy output folders.

use crate::header::{Params, PyValue, Table, table_annotations};
use crate::{FORMAT_ID, Options, UnitFilter, WaveformChannels};
use rawio_core::ndarray::{Array1, Array3, ArrayView1, Axis, CowArray, Ix1, IxDyn};
use rawio_core::serde_json::{Map, Value};
use rawio_core::{
    Annotations, Block, ChannelIndexes, Dtype, Error, EventChannel, Events, Header,
    InterleavedLayout, MappedFile, NpyFile, RawArray, RawChunk, RawIO, RawTimestamps, RawWaveforms,
    Result, Sample, Segment, SignalChannel, SignalStream, SpikeChannel, TimeBase, dispatch_raw,
};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Integer sample types (cluster ids, template ids and spike times must be integers).
trait IntSample: Sample {
    fn to_i64(self) -> Option<i64>;
}

macro_rules! impl_int {
    ($($t:ty),*) => {$(impl IntSample for $t {
        #[inline]
        fn to_i64(self) -> Option<i64> { i64::try_from(self).ok() }
    })*};
}
impl_int!(i8, u8, i16, u16, i32, u32, i64, u64);

/// Applies `$body` to the typed 1-D array of an integer [`RawArray`], `$other` for floats.
macro_rules! with_int {
    ($raw:expr, $a:ident => $body:expr, $other:expr) => {
        match $raw {
            RawArray::I8($a) => $body,
            RawArray::U8($a) => $body,
            RawArray::I16($a) => $body,
            RawArray::U16($a) => $body,
            RawArray::I32($a) => $body,
            RawArray::U32($a) => $body,
            RawArray::I64($a) => $body,
            RawArray::U64($a) => $body,
            _ => $other,
        }
    };
}

/// Spike indexes grouped by unit: unit `u` owns `order[offsets[u]..offsets[u + 1]]`, sorted
/// by spike time. `u32` indexes while the file has fewer than 2³² spikes.
#[derive(Debug)]
enum Order {
    U32(Vec<u32>),
    U64(Vec<u64>),
}

impl Order {
    fn indexes(&self, r: Range<usize>) -> Vec<usize> {
        match self {
            Order::U32(v) => v
                .get(r)
                .unwrap_or(&[])
                .iter()
                .map(|&i| i as usize)
                .collect(),
            Order::U64(v) => v
                .get(r)
                .unwrap_or(&[])
                .iter()
                .map(|&i| i as usize)
                .collect(),
        }
    }
}

/// The raw data files (`dat_path`), concatenated in time.
#[derive(Debug)]
struct RawData {
    files: Vec<(MappedFile, InterleavedLayout)>,
    /// First frame of each file in the concatenation, plus the total at the end.
    starts: Vec<u64>,
    dtype: Dtype,
    n_channels: u64,
}

impl RawData {
    fn total_frames(&self) -> u64 {
        self.starts.last().copied().unwrap_or(0)
    }

    /// Frames `samples` (inside `0..total`) of `channels`, a view when inside one file.
    fn read(&self, samples: Range<u64>, channels: &ChannelIndexes) -> Result<RawChunk<'_>> {
        let mut parts = Vec::new();
        for (k, (file, layout)) in self.files.iter().enumerate() {
            let (s0, s1) = (self.starts[k], self.starts[k + 1]);
            let lo = samples.start.max(s0);
            let hi = samples.end.min(s1);
            if lo < hi
                || (samples.is_empty() && parts.is_empty() && lo == hi && k + 1 == self.files.len())
            {
                let part = read_layout(self.dtype, layout, file, (lo - s0)..(hi - s0), channels)?;
                parts.push(part);
            }
        }
        match parts.len() {
            0 => read_layout(
                self.dtype,
                &self.files[0].1,
                &self.files[0].0,
                0..0,
                channels,
            ),
            1 => Ok(parts.remove(0)),
            _ => RawArray::concatenate(0, &parts)
                .map(RawArray::into_owned)
                .ok_or_else(|| Error::invalid("cannot join raw data files")),
        }
    }
}

impl RawData {
    /// Drops the pages of frames `samples` (see [`RawIO::release_signal`]).
    fn release(&self, samples: Range<u64>) {
        for (k, (file, layout)) in self.files.iter().enumerate() {
            let (Some(&s0), Some(&s1)) = (self.starts.get(k), self.starts.get(k + 1)) else {
                continue;
            };
            let (lo, hi) = (samples.start.max(s0), samples.end.min(s1));
            if lo < hi {
                layout.release(file, self.dtype, (lo - s0)..(hi - s0));
            }
        }
    }
}

fn read_layout<'f>(
    dtype: Dtype,
    layout: &InterleavedLayout,
    file: &'f MappedFile,
    samples: Range<u64>,
    channels: &ChannelIndexes,
) -> Result<RawChunk<'f>> {
    match dtype {
        Dtype::Int8 => layout.read::<i8>(file, FORMAT_ID, samples, channels),
        Dtype::Uint8 => layout.read::<u8>(file, FORMAT_ID, samples, channels),
        Dtype::Int16 => layout.read::<i16>(file, FORMAT_ID, samples, channels),
        Dtype::Uint16 => layout.read::<u16>(file, FORMAT_ID, samples, channels),
        Dtype::Int32 => layout.read::<i32>(file, FORMAT_ID, samples, channels),
        Dtype::Uint32 => layout.read::<u32>(file, FORMAT_ID, samples, channels),
        Dtype::Int64 => layout.read::<i64>(file, FORMAT_ID, samples, channels),
        Dtype::Uint64 => layout.read::<u64>(file, FORMAT_ID, samples, channels),
        Dtype::Float32 => layout.read::<f32>(file, FORMAT_ID, samples, channels),
        Dtype::Float64 => layout.read::<f64>(file, FORMAT_ID, samples, channels),
    }
}

fn layout_for(dtype: Dtype, len: u64, offset: u64, n_channels: u64) -> InterleavedLayout {
    match dtype {
        Dtype::Int8 => InterleavedLayout::for_file::<i8>(len, offset, n_channels),
        Dtype::Uint8 => InterleavedLayout::for_file::<u8>(len, offset, n_channels),
        Dtype::Int16 => InterleavedLayout::for_file::<i16>(len, offset, n_channels),
        Dtype::Uint16 => InterleavedLayout::for_file::<u16>(len, offset, n_channels),
        Dtype::Int32 => InterleavedLayout::for_file::<i32>(len, offset, n_channels),
        Dtype::Uint32 => InterleavedLayout::for_file::<u32>(len, offset, n_channels),
        Dtype::Int64 => InterleavedLayout::for_file::<i64>(len, offset, n_channels),
        Dtype::Uint64 => InterleavedLayout::for_file::<u64>(len, offset, n_channels),
        Dtype::Float32 => InterleavedLayout::for_file::<f32>(len, offset, n_channels),
        Dtype::Float64 => InterleavedLayout::for_file::<f64>(len, offset, n_channels),
    }
}

/// Per-unit information computed at open.
#[derive(Debug, Clone)]
struct UnitInfo {
    cluster_id: i64,
    /// `.dat` channels of the waveforms, best first.
    wf_channels: Vec<usize>,
}

/// A reader of one KiloSort / Phy output folder.
///
/// One block, one segment; one unit per cluster (sorted by cluster id, as neo), timestamps
/// in samples of `sample_rate`. When `dat_path` resolves, the raw data is a signal stream and
/// units have waveforms cut from it (see the crate documentation).
#[derive(Debug)]
pub struct PhyReader {
    dir: PathBuf,
    header: Header,
    params: Params,
    options: Options,
    spike_times: NpyFile,
    spike_templates: Option<NpyFile>,
    amplitudes: Option<NpyFile>,
    pc_features: Option<NpyFile>,
    order: Order,
    offsets: Vec<usize>,
    units: Vec<UnitInfo>,
    raw: Option<RawData>,
    n_samples_waveforms: usize,
}

fn corrupt(path: &Path, offset: u64, detail: impl Into<String>) -> Error {
    Error::corrupt(FORMAT_ID, path, offset, detail)
}

fn open_npy_opt(dir: &Path, name: &str) -> Result<Option<NpyFile>> {
    let p = dir.join(name);
    if p.is_file() {
        NpyFile::open(&p, FORMAT_ID).map(Some)
    } else {
        Ok(None)
    }
}

fn not_int(f: &NpyFile) -> Error {
    corrupt(
        f.path(),
        0,
        format!("expected integers, found {}", f.header().dtype),
    )
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

/// Sorted unique values of an integer array (no copy of the array when the values span a
/// range no larger than the array plus 64 Ki).
fn unique_ids<T: IntSample>(a: ArrayView1<'_, T>, f: &NpyFile) -> Result<Vec<i64>> {
    let mut lo = i64::MAX;
    let mut hi = i64::MIN;
    for &v in a.iter() {
        let v = v.to_i64().ok_or_else(|| {
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
            if let Some(s) = v.to_i64().and_then(|v| seen.get_mut((v - lo) as usize)) {
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
        let mut v: Vec<i64> = a.iter().filter_map(|v| v.to_i64()).collect();
        v.sort_unstable();
        v.dedup();
        Ok(v)
    }
}

/// `id → position in a sorted id list`, through a dense table when the ids span a small
/// range, else by binary search.
struct Lookup {
    ids: Vec<i64>,
    min: i64,
    dense: Option<Vec<u32>>,
}

impl Lookup {
    fn new(ids: Vec<i64>, budget: u64) -> Self {
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
    fn get(&self, id: i64) -> Option<usize> {
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

/// Counting sort of the spikes by unit: `(offsets, order)`.
fn group_by_unit<T: IntSample>(
    clusters: ArrayView1<'_, T>,
    lookup: &Lookup,
    n_units: usize,
) -> (Vec<usize>, Order) {
    let unit = |v: T| v.to_i64().and_then(|c| lookup.get(c));
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
        let mut o = vec![0u32; total];
        for (i, &c) in clusters.iter().enumerate() {
            if let Some(u) = unit(c) {
                o[next[u]] = i as u32;
                next[u] += 1;
            }
        }
        Order::U32(o)
    } else {
        let mut o = vec![0u64; total];
        for (i, &c) in clusters.iter().enumerate() {
            if let Some(u) = unit(c) {
                o[next[u]] = i as u64;
                next[u] += 1;
            }
        }
        Order::U64(o)
    };
    (offsets, order)
}

/// What the sequential statistics pass computes per unit.
struct UnitStats {
    /// Template ids (ascending) with their spike counts, when `spike_templates.npy` exists.
    templates: Option<Vec<Vec<(i64, u64)>>>,
    /// Mean of `amplitudes.npy`, when it exists.
    amplitude_mean: Vec<Option<f64>>,
}

const CHUNK: usize = 1 << 16;

/// Upper bound of the waveform width (a corrupt `templates.npy` or `sample_rate` cannot ask
/// for more).
const MAX_WAVEFORM_SAMPLES: usize = 1 << 16;

/// `map(value)` of `a[r]` into `out` (`u32::MAX` where the map gives nothing).
fn mapped_chunk<T: IntSample>(
    a: ArrayView1<'_, T>,
    r: Range<usize>,
    map: impl Fn(i64) -> Option<usize>,
    out: &mut Vec<u32>,
) {
    out.clear();
    if let Some(s) = a.as_slice().and_then(|s| s.get(r.clone())) {
        out.extend(
            s.iter()
                .map(|v| v.to_i64().and_then(&map).map_or(u32::MAX, |u| u as u32)),
        );
    } else {
        out.extend(
            a.slice_axis(Axis(0), rawio_core::ndarray::Slice::from(r))
                .iter()
                .map(|v| v.to_i64().and_then(&map).map_or(u32::MAX, |u| u as u32)),
        );
    }
}

/// One sequential pass (in chunks) over clusters, templates and amplitudes: per-unit template
/// counts (a `units × templates` table when it is small enough, else a per-unit gather) and
/// amplitude means.
fn unit_stats(
    clusters: &RawTimestamps<'_>,
    lookup: &Lookup,
    n_units: usize,
    templates: Option<(&RawTimestamps<'_>, &NpyFile)>,
    amps: Option<&RawTimestamps<'_>>,
    order: &Order,
    offsets: &[usize],
) -> Result<UnitStats> {
    let n = clusters.len();
    let tl = match templates {
        Some((t, f)) => {
            let ids = with_int!(t, a => unique_ids(a.view(), f)?, return Err(not_int(f)));
            Some(Lookup::new(ids, n as u64))
        }
        None => None,
    };
    let nt = tl.as_ref().map_or(0, |l| l.ids.len());
    let table_ok = (n_units as u128) * (nt as u128) <= (n as u128) / 4 + (1 << 20);
    let mut table = vec![
        0u64;
        if tl.is_some() && table_ok {
            n_units * nt
        } else {
            0
        }
    ];
    let mut sums = vec![0f64; if amps.is_some() { n_units } else { 0 }];
    let mut counts = vec![0u64; sums.len()];
    let (mut ubuf, mut tbuf, mut abuf) = (Vec::new(), Vec::new(), Vec::<f64>::new());
    let mut start = 0;
    while start < n {
        let r = start..n.min(start + CHUNK);
        start = r.end;
        with_int!(clusters, a => mapped_chunk(a.view(), r.clone(), |c| lookup.get(c), &mut ubuf), ());
        if let (Some((t, _)), Some(l), false) = (templates, &tl, table.is_empty()) {
            with_int!(t, a => mapped_chunk(a.view(), r.clone(), |v| l.get(v), &mut tbuf), ());
            for (&u, &k) in ubuf.iter().zip(&tbuf) {
                if u != u32::MAX
                    && k != u32::MAX
                    && let Some(c) = table.get_mut(u as usize * nt + k as usize)
                {
                    *c += 1;
                }
            }
        }
        if let Some(am) = amps {
            abuf.clear();
            dispatch_raw!(am, a => abuf.extend(a.slice_axis(Axis(0), rawio_core::ndarray::Slice::from(r.clone())).iter().map(|v| v.to_f64())));
            for (&u, &v) in ubuf.iter().zip(&abuf) {
                if let (Some(s), Some(c)) = (sums.get_mut(u as usize), counts.get_mut(u as usize)) {
                    *s += v;
                    *c += 1;
                }
            }
        }
    }
    let unit_templates = match (templates, &tl) {
        (Some((t, f)), Some(l)) => Some(if table.is_empty() {
            with_int!(t, a => count_templates(a.view(), f, order, offsets)?, return Err(not_int(f)))
        } else {
            (0..n_units)
                .map(|u| {
                    (0..nt)
                        .filter_map(|k| {
                            let c = table[u * nt + k];
                            (c > 0).then(|| (l.ids[k], c))
                        })
                        .collect()
                })
                .collect()
        }),
        _ => None,
    };
    let amplitude_mean = if amps.is_some() {
        sums.iter()
            .zip(&counts)
            .map(|(&s, &c)| (c > 0).then(|| s / c as f64))
            .collect()
    } else {
        vec![None; n_units]
    };
    Ok(UnitStats {
        templates: unit_templates,
        amplitude_mean,
    })
}

/// For each unit, its template ids (ascending) with their spike counts.
fn count_templates<T: IntSample>(
    t: ArrayView1<'_, T>,
    f: &NpyFile,
    order: &Order,
    offsets: &[usize],
) -> Result<Vec<Vec<(i64, u64)>>> {
    let ids = unique_ids(t, f)?;
    let lookup = Lookup::new(ids, t.len() as u64);
    let mut counts = vec![0u64; lookup.ids.len()];
    let mut out = Vec::with_capacity(offsets.len().saturating_sub(1));
    for w in offsets.windows(2) {
        let mut touched = Vec::new();
        let mut add = |i: usize| {
            if let Some(k) = t
                .get(i)
                .and_then(|v| v.to_i64())
                .and_then(|v| lookup.get(v))
            {
                if counts[k] == 0 {
                    touched.push(k);
                }
                counts[k] += 1;
            }
        };
        match order {
            Order::U32(o) => o[w[0]..w[1]].iter().for_each(|&i| add(i as usize)),
            Order::U64(o) => o[w[0]..w[1]].iter().for_each(|&i| add(i as usize)),
        }
        touched.sort_unstable();
        out.push(
            touched
                .iter()
                .map(|&k| (lookup.ids[k], std::mem::take(&mut counts[k])))
                .collect(),
        );
    }
    Ok(out)
}

/// `(n,)` / `(n,1)` / `(1,n)` integer array values as i64, or a typed error.
fn int_values(f: &NpyFile) -> Result<Vec<i64>> {
    let raw = f.raw_1d()?;
    let path = f.path();
    with_int!(&raw, a => a.iter().map(|v| v.to_i64().ok_or_else(|| corrupt(path, f.header().data_offset, format!("value {v:?} does not fit in i64")))).collect(),
        Err(corrupt(path, 0, format!("expected integers, found {}", raw.dtype()))))
}

impl PhyReader {
    /// Opens a Phy folder with the default [`Options`] (every cluster, no PC features, the
    /// 12 best channels for waveforms).
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(dir, &Options::default())
    }

    /// Opens a Phy folder. `dir` may also be a file inside the folder (such as `params.py`).
    pub fn open_with(dir: impl AsRef<Path>, options: &Options) -> Result<Self> {
        let mut dir = dir.as_ref().to_path_buf();
        if dir.is_file() {
            dir = dir.parent().map(Path::to_path_buf).unwrap_or_default();
        }
        let params_path = dir.join("params.py");
        if !params_path.is_file() {
            return Err(Error::NotFound {
                format: FORMAT_ID,
                what: "params.py (it holds sample_rate)".into(),
                looked_for: vec![params_path],
            });
        }
        let bytes = std::fs::read(&params_path).map_err(|e| Error::io(&params_path, e))?;
        let params = Params::parse(&String::from_utf8_lossy(&bytes))
            .map_err(|e| corrupt(&params_path, e.offset, e.detail))?;
        let fs = params.sample_rate;

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

        let spike_templates = open_npy_opt(&dir, "spike_templates.npy")?;
        let clusters_file = open_npy_opt(&dir, "spike_clusters.npy")?;
        let Some(cluster_npy) = clusters_file.as_ref().or(spike_templates.as_ref()) else {
            return Err(Error::NotFound {
                format: FORMAT_ID,
                what: "spike_clusters.npy or spike_templates.npy".into(),
                looked_for: vec![
                    dir.join("spike_clusters.npy"),
                    dir.join("spike_templates.npy"),
                ],
            });
        };
        let clusters = cluster_npy.raw_1d()?;
        check_len(cluster_npy, n)?;
        let templates_arr = match &spike_templates {
            Some(f) => {
                check_len(f, n)?;
                Some(f.raw_1d()?)
            }
            None => None,
        };
        let amplitudes = open_npy_opt(&dir, "amplitudes.npy")?;
        if let Some(a) = &amplitudes {
            check_len(a, n)?;
        }

        // cluster tables, in file-name order (a later file wins for a repeated column)
        let tables = read_tables(&dir)?;

        // unique cluster ids and the unit filter
        let ids = with_int!(&clusters, a => unique_ids(a.view(), cluster_npy)?, return Err(not_int(cluster_npy)));
        let label_of = |id: i64| -> Option<String> {
            let ann = tables.get(&id)?;
            ["group", "quality"]
                .iter()
                .find_map(|k| ann.get(*k).and_then(Value::as_str).map(str::to_owned))
        };
        let kept: Vec<i64> = match &options.units {
            UnitFilter::All => ids,
            UnitFilter::Labels(labels) => {
                if ids.iter().all(|&id| label_of(id).is_none()) {
                    ids
                } else {
                    ids.into_iter()
                        .filter(|&id| label_of(id).is_some_and(|l| labels.iter().any(|x| x == &l)))
                        .collect()
                }
            }
        };
        let n_units = kept.len();

        // counting sort of spikes by unit (stable: file order inside a unit)
        let lookup = Lookup::new(kept.clone(), n as u64);
        let (offsets, mut order) = with_int!(&clusters, a => group_by_unit(a.view(), &lookup, n_units), return Err(not_int(cluster_npy)));
        // sort each unit by time when the file is not globally sorted
        let sorted = dispatch_raw!(&times, a => match a.as_slice() {
            Some(s) => s.windows(2).all(|w| w[0] <= w[1]),
            None => a.iter().zip(a.iter().skip(1)).all(|(x, y)| x <= y),
        });
        if !sorted {
            dispatch_raw!(&times, a => sort_units(a.view(), &mut order, &offsets));
        }
        // templates of each unit (with spike counts) and mean amplitudes: one sequential pass
        let amp_arr = match &amplitudes {
            Some(f) => Some(f.raw_1d()?),
            None => None,
        };
        let stats = unit_stats(
            &clusters,
            &lookup,
            n_units,
            templates_arr.as_ref().zip(spike_templates.as_ref()),
            amp_arr.as_ref(),
            &order,
            &offsets,
        )?;
        drop(amp_arr);
        drop(clusters);
        drop(templates_arr);
        // the open passes are over: drop those pages from the resident set (they are re-read
        // from the files if a per-unit accessor needs them)
        for f in [
            clusters_file.as_ref(),
            spike_templates.as_ref(),
            amplitudes.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            f.release();
        }

        // per-unit templates and amplitudes
        let templates_npy = open_npy_opt(&dir, "templates.npy")?;
        let template_ind = open_npy_opt(&dir, "template_ind.npy")?;
        let channel_map = match open_npy_opt(&dir, "channel_map.npy")? {
            Some(f) => Some(int_values(&f)?),
            None => None,
        };
        let channel_positions = match open_npy_opt(&dir, "channel_positions.npy")? {
            Some(f) => {
                let shape = f.header().shape.clone();
                let vals = f.to_f64_vec()?;
                let cols = if shape.len() == 2 {
                    shape[1] as usize
                } else {
                    1
                };
                Some(
                    vals.chunks(cols.max(1))
                        .map(<[f64]>::to_vec)
                        .collect::<Vec<_>>(),
                )
            }
            None => None,
        };
        let templates = match &templates_npy {
            Some(t) if t.header().shape.len() == 3 => {
                Some(Templates::load(t, template_ind.as_ref())?)
            }
            _ => None,
        };
        let pc_feature_ind = if options.load_pc_features {
            match open_npy_opt(&dir, "pc_feature_ind.npy")? {
                Some(f) => {
                    let shape = f.header().shape.clone();
                    let cols = if shape.len() == 2 {
                        shape[1] as usize
                    } else {
                        1
                    };
                    Some((f.to_f64_vec()?, cols.max(1)))
                }
                None => None,
            }
        } else {
            None
        };
        let pc_features = if options.load_pc_features {
            let f = open_npy_opt(&dir, "pc_features.npy")?;
            if let Some(f) = &f {
                let s = &f.header().shape;
                if s.len() != 3 || s[0] != n as u64 {
                    return Err(corrupt(
                        f.path(),
                        0,
                        format!("shape {s:?} is not (n_spikes={n}, n_pcs, n_channels)"),
                    ));
                }
            }
            f
        } else {
            None
        };

        let nsw = templates
            .as_ref()
            .map(|t| t.n_samples)
            .filter(|&w| w > 0)
            .unwrap_or_else(|| ((fs * 0.003).round() as usize).max(1))
            .min(MAX_WAVEFORM_SAMPLES);

        // raw data
        let (raw, raw_warning) = open_raw(&dir, &params);
        let n_dat = raw.as_ref().map(|r| r.n_channels as usize);

        let mut units = Vec::with_capacity(n_units);
        let mut spike_channels = Vec::with_capacity(n_units);
        for (u, &cid) in kept.iter().enumerate() {
            let mut ann = Annotations::new();
            ann.insert("cluster_id".into(), Value::from(cid));
            if let Some(t) = tables.get(&cid) {
                for (k, v) in t {
                    ann.insert(k.clone(), v.clone());
                }
            }
            // templates of the unit and the dominant one (most spikes; smallest id on ties)
            let mut dominant = None;
            if let Some(ut) = &stats.templates {
                let tl = &ut[u];
                dominant = tl
                    .iter()
                    .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                    .map(|&(t, _)| t);
                ann.insert(
                    "templates".into(),
                    Value::from(tl.iter().map(|&(t, _)| t).collect::<Vec<_>>()),
                );
                if let Some((vals, cols)) = &pc_feature_ind {
                    let rows: Vec<Value> = tl
                        .iter()
                        .map(|&(t, _)| {
                            let r = usize::try_from(t)
                                .ok()
                                .and_then(|t| vals.get(t * cols..(t + 1) * cols));
                            r.map_or(Value::Null, |r| {
                                Value::from(
                                    r.iter()
                                        .map(|&x| rawio_core::json_f64(x))
                                        .collect::<Vec<_>>(),
                                )
                            })
                        })
                        .collect();
                    ann.insert("pc_feature_ind".into(), Value::from(rows));
                }
            }
            if let Some(d) = dominant {
                ann.insert("dominant_template".into(), Value::from(d));
            }
            if let Some(m) = stats.amplitude_mean.get(u).copied().flatten() {
                ann.insert("amplitude_mean".into(), rawio_core::json_f64(m));
            }
            // channel: TSV `ch` (phy's local channel index), else the dominant template's peak
            let best_local: Vec<usize> = match (dominant, &templates) {
                (Some(d), Some(t)) => t.best_channels(d),
                _ => Vec::new(),
            };
            let (local, source) = match ann
                .get("ch")
                .and_then(Value::as_i64)
                .and_then(|c| usize::try_from(c).ok())
            {
                Some(c) => (Some(c), "tsv"),
                None => (best_local.first().copied(), "template"),
            };
            let to_dat = |l: usize| -> Option<usize> {
                match &channel_map {
                    Some(m) => m.get(l).and_then(|&c| usize::try_from(c).ok()),
                    None => Some(l),
                }
            };
            if let Some(l) = local {
                ann.insert("channel_index".into(), Value::from(l as u64));
                ann.insert("channel_source".into(), Value::from(source));
                if let Some(c) = to_dat(l) {
                    ann.insert("channel".into(), Value::from(c as u64));
                }
                if let Some(p) = channel_positions.as_ref().and_then(|p| p.get(l)) {
                    ann.insert(
                        "position".into(),
                        Value::from(
                            p.iter()
                                .map(|&x| rawio_core::json_f64(x))
                                .collect::<Vec<_>>(),
                        ),
                    );
                }
            } else {
                ann.insert("channel".into(), Value::Null);
            }
            // waveform channels (.dat indexes)
            let wf_channels: Vec<usize> = match (n_dat, &options.waveform_channels) {
                (None, _) => Vec::new(),
                (Some(nd), WaveformChannels::All) => (0..nd).collect(),
                (Some(nd), WaveformChannels::Best(k)) => {
                    let mut v: Vec<usize> = if best_local.is_empty() {
                        local.and_then(to_dat).into_iter().collect()
                    } else {
                        best_local.iter().filter_map(|&l| to_dat(l)).collect()
                    };
                    v.retain(|&c| c < nd);
                    v.truncate(*k);
                    if v.is_empty() { (0..nd).collect() } else { v }
                }
            };
            if raw.is_some() {
                ann.insert(
                    "waveform_channels".into(),
                    Value::from(wf_channels.iter().map(|&c| c as u64).collect::<Vec<_>>()),
                );
            }
            let with_wf = raw.is_some();
            spike_channels.push(SpikeChannel {
                name: format!("unit {cid}"),
                id: format!("{cid}"),
                wf_units: String::new(),
                wf_gain: if with_wf { 1.0 } else { 0.0 },
                wf_offset: 0.0,
                wf_left_sweep: if with_wf { (nsw / 2) as i64 } else { 0 },
                wf_sampling_rate: if with_wf { fs } else { 0.0 },
                annotations: ann,
            });
            units.push(UnitInfo {
                cluster_id: cid,
                wf_channels,
            });
        }

        // segment bounds
        let (t_min, t_max) = dispatch_raw!(&times, a => {
            let lo = a.iter().fold(None::<f64>, |m, &v| Some(m.map_or(v.to_f64(), |m| m.min(v.to_f64()))));
            let hi = a.iter().fold(None::<f64>, |m, &v| Some(m.map_or(v.to_f64(), |m| m.max(v.to_f64()))));
            (lo, hi)
        });
        let t_start = t_min.map_or(0.0, |t| (t / fs).min(0.0));
        let mut t_stop = t_max.map_or(0.0, |t| t / fs);
        if let Some(r) = &raw {
            t_stop = t_stop.max(r.total_frames() as f64 / fs);
        }
        if t_stop.partial_cmp(&t_start) != Some(std::cmp::Ordering::Greater) {
            t_stop = t_start + 1.0 / fs;
        }
        drop(times);

        let mut block_ann = Annotations::new();
        block_ann.insert("name".into(), Value::from("Block #0"));
        block_ann.insert(
            "params".into(),
            Value::Object(
                params
                    .all
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        );
        if let Some(w) = raw_warning {
            block_ann.insert("raw_data_warning".into(), Value::from(w));
        }
        let mut seg_ann = Annotations::new();
        seg_ann.insert("name".into(), Value::from("Seg #0 Block #0"));

        let mut signal_streams = Vec::new();
        let mut signal_channels = Vec::new();
        if let Some(r) = &raw {
            let mut sa = Annotations::new();
            sa.insert(
                "files".into(),
                Value::from(
                    r.files
                        .iter()
                        .map(|(f, _)| f.path().display().to_string())
                        .collect::<Vec<_>>(),
                ),
            );
            if let Some(h) = params.hp_filtered {
                sa.insert("hp_filtered".into(), Value::from(h));
            }
            signal_streams.push(SignalStream {
                name: "raw".into(),
                id: "0".into(),
                buffer_id: String::new(),
                clock: rawio_core::SampleClock::Regular,
                annotations: sa,
            });
            for c in 0..r.n_channels {
                let mut ca = Annotations::new();
                let local = channel_map
                    .as_ref()
                    .and_then(|m| m.iter().position(|&x| x == c as i64));
                if let Some(l) = local {
                    ca.insert("channel_index".into(), Value::from(l as u64));
                    if let Some(p) = channel_positions.as_ref().and_then(|p| p.get(l)) {
                        ca.insert(
                            "position".into(),
                            Value::from(
                                p.iter()
                                    .map(|&x| rawio_core::json_f64(x))
                                    .collect::<Vec<_>>(),
                            ),
                        );
                    }
                }
                signal_channels.push(SignalChannel {
                    name: format!("ch{c}"),
                    id: format!("{c}"),
                    sampling_rate: fs,
                    dtype: r.dtype,
                    units: String::new(),
                    gain: 1.0,
                    offset: 0.0,
                    stream_id: "0".into(),
                    buffer_id: String::new(),
                    annotations: ca,
                });
            }
        }

        let header = Header {
            blocks: vec![Block {
                segments: vec![Segment {
                    t_start,
                    t_stop,
                    annotations: seg_ann,
                }],
                annotations: block_ann,
            }],
            signal_buffers: Vec::new(),
            signal_streams,
            signal_channels,
            spike_channels,
            event_channels: Vec::<EventChannel>::new(),
        };
        header.validate()?;
        Ok(PhyReader {
            dir,
            header,
            params,
            options: options.clone(),
            spike_times,
            spike_templates,
            amplitudes,
            pc_features,
            order,
            offsets,
            units,
            raw,
            n_samples_waveforms: nsw,
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The parsed `params.py`.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The options the reader was opened with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Cluster id of each unit, in unit order.
    pub fn cluster_ids(&self) -> Vec<i64> {
        self.units.iter().map(|u| u.cluster_id).collect()
    }

    /// Whether the raw data file was found (then stream 0 is the raw data and units have
    /// waveforms).
    pub fn has_raw_data(&self) -> bool {
        self.raw.is_some()
    }

    /// Samples per waveform: the templates' width (`templates.npy`), else 3 ms.
    pub fn n_samples_waveforms(&self) -> usize {
        self.n_samples_waveforms
    }

    /// The `.dat` channels of `unit`'s waveforms, best first (empty without raw data).
    pub fn waveform_channels(&self, unit: usize) -> Result<&[usize]> {
        self.unit(unit).map(|u| u.wf_channels.as_slice())
    }

    fn unit(&self, unit: usize) -> Result<&UnitInfo> {
        self.units
            .get(unit)
            .ok_or_else(|| Error::out_of_range("spike channel", unit, self.units.len()))
    }

    /// Indexes (into the folder's spike arrays) of `unit`'s spikes, in time order.
    pub fn spike_indexes(&self, unit: usize) -> Result<Vec<usize>> {
        self.unit(unit)?;
        Ok(self
            .order
            .indexes(self.offsets[unit]..self.offsets[unit + 1]))
    }

    /// `amplitudes.npy` for `unit`'s spikes, in time order (`None` without the file).
    pub fn spike_amplitudes(&self, unit: usize) -> Result<Option<Vec<f64>>> {
        let idx = self.spike_indexes(unit)?;
        let Some(f) = &self.amplitudes else {
            return Ok(None);
        };
        let raw = f.raw()?;
        Ok(Some(
            dispatch_raw!(&raw, a => gather_flat(a.view(), &idx).iter().map(|v| v.to_f64()).collect()),
        ))
    }

    /// `spike_templates.npy` for `unit`'s spikes, in time order (`None` without the file).
    pub fn spike_template_ids(&self, unit: usize) -> Result<Option<Vec<i64>>> {
        let idx = self.spike_indexes(unit)?;
        let Some(f) = &self.spike_templates else {
            return Ok(None);
        };
        let all = int_values(f)?;
        Ok(Some(
            idx.iter().filter_map(|&i| all.get(i).copied()).collect(),
        ))
    }

    /// `pc_features.npy` rows of `unit`'s spikes (spikes × PCs × channels, as f32), when
    /// opened with `load_pc_features`.
    pub fn pc_features(&self, unit: usize) -> Result<Option<Array3<f32>>> {
        let idx = self.spike_indexes(unit)?;
        let Some(f) = &self.pc_features else {
            return Ok(None);
        };
        let raw = f.raw()?;
        let arr = dispatch_raw!(&raw, a => a.select(Axis(0), &idx).mapv(|v| v.to_f32()));
        let s = arr.shape().to_vec();
        let (a, b, c) = (
            s.first().copied().unwrap_or(0),
            s.get(1).copied().unwrap_or(0),
            s.get(2).copied().unwrap_or(0),
        );
        arr.into_shape_with_order((a, b, c))
            .map(Some)
            .map_err(|e| corrupt(f.path(), 0, e.to_string()))
    }
}

fn sort_units<T: Sample>(times: ArrayView1<'_, T>, order: &mut Order, offsets: &[usize]) {
    let key = |i: usize| times.get(i).copied().unwrap_or_default();
    let cmp = |a: &T, b: &T| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal);
    for w in offsets.windows(2) {
        match order {
            Order::U32(v) => {
                if let Some(s) = v.get_mut(w[0]..w[1]) {
                    s.sort_by(|&a, &b| cmp(&key(a as usize), &key(b as usize)));
                }
            }
            Order::U64(v) => {
                if let Some(s) = v.get_mut(w[0]..w[1]) {
                    s.sort_by(|&a, &b| cmp(&key(a as usize), &key(b as usize)));
                }
            }
        }
    }
}

/// Elements `idx` of a (possibly 2-D `(n,1)`) array, in memory order.
fn gather_flat<T: Sample>(
    a: rawio_core::ndarray::ArrayView<'_, T, IxDyn>,
    idx: &[usize],
) -> Vec<T> {
    match a.as_slice_memory_order() {
        Some(s) => idx.iter().filter_map(|&i| s.get(i).copied()).collect(),
        None => {
            let v: Vec<T> = a.iter().copied().collect();
            idx.iter().filter_map(|&i| v.get(i).copied()).collect()
        }
    }
}

/// The templates (`templates.npy`, `n_templates × n_samples × n_columns`) and the channel of
/// each column (`template_ind.npy` for sparse templates, else the column index).
struct Templates {
    ptp: Vec<Vec<f64>>,
    columns: Option<Vec<Vec<i64>>>,
    n_samples: usize,
}

impl Templates {
    fn load(t: &NpyFile, ind: Option<&NpyFile>) -> Result<Self> {
        let s = &t.header().shape;
        let dims: Vec<usize> = s
            .iter()
            .map(|&d| usize::try_from(d).unwrap_or(usize::MAX))
            .collect();
        let (nt, ns, nc) = (dims[0], dims[1], dims[2]);
        let raw = t.raw()?;
        let ptp: Vec<Vec<f64>> = dispatch_raw!(&raw, a => {
            let a = a.view();
            (0..nt).map(|k| {
                (0..nc).map(|c| {
                    let mut lo = f64::INFINITY;
                    let mut hi = f64::NEG_INFINITY;
                    for j in 0..ns {
                        if let Some(v) = a.get(IxDyn(&[k, j, c])) {
                            let v = v.to_f64();
                            lo = lo.min(v);
                            hi = hi.max(v);
                        }
                    }
                    if hi >= lo { hi - lo } else { 0.0 }
                }).collect()
            }).collect()
        });
        let columns = match ind {
            Some(f)
                if f.header().shape.len() == 2
                    && f.header().shape[0] as usize == nt
                    && f.header().shape[1] as usize == nc =>
            {
                let raw = f.raw()?;
                let vals: Vec<i64> = dispatch_raw!(&raw, a => a.iter().map(|v| { let x = v.to_f64(); if x.is_finite() { x as i64 } else { -1 } }).collect());
                let rows: Vec<Vec<i64>> = vals.chunks(nc.max(1)).map(<[i64]>::to_vec).collect();
                // dense templates store 0..n in every row: no mapping needed
                if rows
                    .iter()
                    .all(|r| r.iter().enumerate().all(|(i, &c)| c == i as i64))
                {
                    None
                } else {
                    Some(rows)
                }
            }
            _ => None,
        };
        Ok(Templates {
            ptp,
            columns,
            n_samples: ns,
        })
    }

    /// Local channel indexes (into channel_map) of template `t`, by decreasing peak-to-peak
    /// amplitude; flat (all-zero) channels are left out.
    fn best_channels(&self, t: i64) -> Vec<usize> {
        let Some(ptp) = usize::try_from(t).ok().and_then(|t| self.ptp.get(t)) else {
            return Vec::new();
        };
        let mut cols: Vec<usize> = (0..ptp.len()).filter(|&c| ptp[c] > 0.0).collect();
        cols.sort_by(|&a, &b| {
            ptp[b]
                .partial_cmp(&ptp[a])
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.cmp(&b))
        });
        match &self.columns {
            None => cols,
            Some(rows) => {
                let row = usize::try_from(t).ok().and_then(|t| rows.get(t));
                cols.iter()
                    .filter_map(|&c| {
                        row.and_then(|r| r.get(c))
                            .and_then(|&x| usize::try_from(x).ok())
                    })
                    .collect()
            }
        }
    }
}

/// `cluster id → annotations` from every `*.tsv` / `*.csv` of the folder, in name order.
fn read_tables(dir: &Path) -> Result<BTreeMap<i64, Map<String, Value>>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "tsv" || e == "csv"))
        .collect();
    files.sort();
    let mut out: BTreeMap<i64, Map<String, Value>> = BTreeMap::new();
    for f in files {
        let bytes = std::fs::read(&f).map_err(|e| Error::io(&f, e))?;
        let text = String::from_utf8_lossy(&bytes);
        let delim = if f.extension().is_some_and(|e| e == "csv") {
            ','
        } else {
            '\t'
        };
        for (id, ann) in table_annotations(&Table::parse(&text, delim)) {
            out.entry(id).or_default().extend(ann);
        }
    }
    Ok(out)
}

/// Resolves `dat_path` (each entry: as given if absolute, else relative to the folder (also
/// with Windows `\` separators read as `/`), else its file name inside the folder) and maps the files. Returns a warning instead of an error
/// when the raw data cannot be used.
fn open_raw(dir: &Path, params: &Params) -> (Option<RawData>, Option<String>) {
    if params.dat_path.is_empty() {
        return (None, None);
    }
    let Some(n_channels) = params.n_channels_dat.filter(|&c| c > 0) else {
        return (None, Some("params.py has no valid n_channels_dat".into()));
    };
    let dtype_name = params.dtype.clone().unwrap_or_else(|| "int16".into());
    let Some(dtype) = Dtype::from_numpy(&dtype_name) else {
        return (
            None,
            Some(format!("unsupported raw data dtype {dtype_name:?}")),
        );
    };
    let mut files = Vec::new();
    let mut starts = vec![0u64];
    for entry in &params.dat_path {
        let p = Path::new(entry);
        let base = entry.rsplit(['/', '\\']).next().unwrap_or(entry);
        let slashed = entry.replace('\\', "/");
        let candidates = [
            p.to_path_buf(),
            dir.join(p),
            dir.join(&slashed),
            dir.join(base),
        ];
        let Some(found) = candidates.iter().find(|c| c.is_file()) else {
            return (None, Some(format!("raw data file {entry:?} not found")));
        };
        let file = match MappedFile::open(found) {
            Ok(f) => f,
            Err(e) => return (None, Some(e.to_string())),
        };
        let layout = layout_for(dtype, file.len(), params.offset, n_channels);
        let end = starts
            .last()
            .copied()
            .unwrap_or(0)
            .saturating_add(layout.n_frames);
        starts.push(end);
        files.push((file, layout));
    }
    (
        Some(RawData {
            files,
            starts,
            dtype,
            n_channels,
        }),
        None,
    )
}

/// Waveforms of spikes at `samples`: a `[t - nsw/2, t + nsw - nsw/2)` window (phy's
/// `_extract_waveform`), zero outside the raw data.
fn cut_waveforms<'a, T: Sample>(
    raw: &RawData,
    samples: &[i64],
    channels: &[usize],
    nsw: usize,
) -> Result<RawWaveforms<'a>> {
    let nc = channels.len();
    let mut out = Array3::<T>::default((samples.len(), nc, nsw));
    let total = i64::try_from(raw.total_frames()).unwrap_or(i64::MAX);
    let before = (nsw / 2) as i64;
    let sel = ChannelIndexes::from_list(channels.to_vec());
    for (k, &s) in samples.iter().enumerate() {
        let t0 = s.saturating_sub(before);
        let t1 = t0.saturating_add(nsw as i64);
        let lo = t0.clamp(0, total);
        let hi = t1.clamp(0, total);
        if lo >= hi {
            continue;
        }
        let chunk = raw.read((lo as u64)..(hi as u64), &sel)?;
        let Some(view) = chunk.as_typed::<T>() else {
            continue;
        };
        let shift = (lo - t0) as usize;
        let mut dst = out.index_axis_mut(Axis(0), k);
        for (r, row) in view.outer_iter().enumerate() {
            for (c, &v) in row.iter().enumerate() {
                if let Some(d) = dst.get_mut([c, r + shift]) {
                    *d = v;
                }
            }
        }
    }
    Ok(RawWaveforms::new(out))
}

impl RawIO for PhyReader {
    fn format_id(&self) -> &'static str {
        FORMAT_ID
    }

    fn source_name(&self) -> String {
        self.dir.display().to_string()
    }

    fn header(&self) -> &Header {
        &self.header
    }

    fn read_signal_size(&self, _: usize, _: usize, _: usize) -> Result<u64> {
        Ok(self.raw.as_ref().map_or(0, RawData::total_frames))
    }

    fn read_signal_t_start(&self, _: usize, _: usize, _: usize) -> Result<f64> {
        Ok(0.0)
    }

    fn read_signal_chunk(
        &self,
        _: usize,
        _: usize,
        _: usize,
        samples: Range<u64>,
        channels: &ChannelIndexes,
    ) -> Result<RawChunk<'_>> {
        let raw = self
            .raw
            .as_ref()
            .ok_or_else(|| Error::invalid("this Phy folder has no raw data"))?;
        raw.read(samples, channels)
    }

    fn read_buffer_description(
        &self,
        _: usize,
        _: usize,
        _: usize,
    ) -> Option<rawio_core::BufferDescription> {
        match self.raw.as_ref()?.files.as_slice() {
            [(file, layout)] => Some(layout.describe(file.path(), self.raw.as_ref()?.dtype)),
            _ => None,
        }
    }

    fn release_signal(&self, _: usize, _: usize, _: usize, samples: Range<u64>) {
        if let Some(raw) = &self.raw {
            raw.release(samples);
        }
    }

    fn read_spike_count(&self, _: usize, _: usize, unit: usize) -> Result<u64> {
        Ok((self.offsets[unit + 1] - self.offsets[unit]) as u64)
    }

    fn spike_time_base(&self) -> TimeBase {
        TimeBase::rate(self.params.sample_rate)
    }

    fn read_spike_timestamps(&self, _: usize, _: usize, unit: usize) -> Result<RawTimestamps<'_>> {
        let times = self.spike_times.raw_1d()?;
        let r = self.offsets[unit]..self.offsets[unit + 1];
        let out = dispatch_raw!(&times, a => {
            let a = a.view();
            let v: Vec<_> = match &self.order {
                Order::U32(o) => o[r].iter().filter_map(|&i| a.get(i as usize).copied()).collect(),
                Order::U64(o) => o[r].iter().filter_map(|&i| a.get(i as usize).copied()).collect(),
            };
            RawTimestamps::new(CowArray::<_, Ix1>::from(Array1::from(v)))
        });
        Ok(out)
    }

    fn read_spike_waveforms(
        &self,
        _: usize,
        _: usize,
        unit: usize,
        spikes: Range<usize>,
    ) -> Result<Option<RawWaveforms<'_>>> {
        let Some(raw) = &self.raw else {
            return Ok(None);
        };
        let all = self.read_spike_timestamps(0, 0, unit)?;
        let part = all.slice_axis(0, spikes);
        let samples: Vec<i64> = with_int!(&part, a => a.iter().map(|v| v.to_i64().unwrap_or(i64::MAX)).collect(), Vec::new());
        let chans = &self.units[unit].wf_channels;
        let nsw = self.n_samples_waveforms;
        let wf = match raw.dtype {
            Dtype::Int8 => cut_waveforms::<i8>(raw, &samples, chans, nsw),
            Dtype::Uint8 => cut_waveforms::<u8>(raw, &samples, chans, nsw),
            Dtype::Int16 => cut_waveforms::<i16>(raw, &samples, chans, nsw),
            Dtype::Uint16 => cut_waveforms::<u16>(raw, &samples, chans, nsw),
            Dtype::Int32 => cut_waveforms::<i32>(raw, &samples, chans, nsw),
            Dtype::Uint32 => cut_waveforms::<u32>(raw, &samples, chans, nsw),
            Dtype::Int64 => cut_waveforms::<i64>(raw, &samples, chans, nsw),
            Dtype::Uint64 => cut_waveforms::<u64>(raw, &samples, chans, nsw),
            Dtype::Float32 => cut_waveforms::<f32>(raw, &samples, chans, nsw),
            Dtype::Float64 => cut_waveforms::<f64>(raw, &samples, chans, nsw),
        }?;
        Ok(Some(wf))
    }

    fn read_event_count(&self, _: usize, _: usize, _: usize) -> Result<u64> {
        Ok(0)
    }

    fn event_time_base(&self, _: usize) -> TimeBase {
        TimeBase::rate(self.params.sample_rate)
    }

    fn read_events(&self, _: usize, _: usize, ev: usize) -> Result<Events<'_>> {
        Err(Error::out_of_range("event channel", ev, 0))
    }
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn f<T: Send + Sync>() {}
    f::<PhyReader>();
    let _ = PyValue::None;
}
