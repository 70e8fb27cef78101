//! [`NwbFile`]: the lazy NWB object API (pynapple's `NWBFile`, with raw *and* scaled data).

use crate::degrade::{Ctx, NotRead};
use crate::model::{self, Model, SeriesInfo, TimeAxis};
use crate::table::{self, ColumnData, Table};
use ndarray::{ArrayD, IxDyn};
use rawio_core::{Annotations, Dtype, Error, RawArray, Result};
use rawio_hdf5::{Dataset, ElementType, H5File};
use serde_json::Value;
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

/// What an NWB object converts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A Units-like table (`*_times` + `*_times_index`, or typed `Units`): pynapple's TsGroup.
    Units,
    /// A TimeIntervals table: pynapple's IntervalSet.
    TimeIntervals,
    /// An NWB 2.11 EventsTable (pynapple skips these).
    EventsTable,
    /// An AnnotationSeries (text events): pynapple's Ts.
    AnnotationSeries,
    /// A SpikeEventSeries (snippets around threshold crossings).
    SpikeEventSeries,
    /// Any other TimeSeries with `ndim`-D data: Tsd (1), TsdFrame (2), TsdTensor (>2).
    TimeSeries {
        /// Number of dimensions of `data`.
        ndim: usize,
    },
    /// The extracellular electrodes table.
    Electrodes,
}

#[derive(Debug, Clone)]
struct Entry {
    key: String,
    path: String,
    kind: ObjectKind,
}

/// An opened NWB file: every convertible object, by unique short name.
pub struct NwbFile {
    h: H5File,
    entries: Vec<Entry>,
    series: Vec<SeriesInfo>,
    session: Annotations,
    not_read: Vec<NotRead>,
}

impl std::fmt::Debug for NwbFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NwbFile")
            .field("path", &self.h.path())
            .field("entries", &self.entries)
            .finish()
    }
}

/// pynapple's `_get_unique_identifier`: the last path component, with parent components
/// prepended (joined by `/`) until the key is unique; the full path as last resort.
pub(crate) fn unique_keys(paths: &[String]) -> Vec<String> {
    let parts: Vec<Vec<&str>> = paths
        .iter()
        .map(|p| p.trim_start_matches('/').split('/').collect())
        .collect();
    let key = |i: usize, k: usize| -> String {
        let p = &parts[i];
        let k = k.min(p.len());
        p[p.len() - k..].join("/")
    };
    let mut depth = vec![1usize; paths.len()];
    loop {
        let keys: Vec<String> = (0..paths.len()).map(|i| key(i, depth[i])).collect();
        let mut changed = false;
        for i in 0..paths.len() {
            let dup = keys
                .iter()
                .enumerate()
                .any(|(j, k)| j != i && *k == keys[i]);
            if dup && depth[i] < parts[i].len() {
                depth[i] += 1;
                changed = true;
            }
        }
        if !changed {
            return (0..paths.len())
                .map(|i| {
                    let k = key(i, depth[i]);
                    if keys.iter().filter(|x| **x == k).count() > 1 {
                        paths[i].clone()
                    } else {
                        k
                    }
                })
                .collect();
        }
    }
}

impl NwbFile {
    /// Opens the file and lists its objects (metadata only). Objects that cannot be read
    /// are left out and listed by [`NwbFile::not_read`].
    pub fn open(path: impl AsRef<Path>) -> Result<NwbFile> {
        let mut ctx = Ctx::default();
        let h = crate::open::open_file(path.as_ref(), &mut ctx)?;
        let Model {
            series,
            tables,
            session,
        } = Model::read(&h, &mut ctx)?;
        let mut found: Vec<(String, ObjectKind)> = Vec::new();
        for t in &tables {
            let kind = if t.is_units() {
                ObjectKind::Units
            } else if t.is_intervals() {
                ObjectKind::TimeIntervals
            } else if t.is_events() {
                ObjectKind::EventsTable
            } else if t.is_electrodes() {
                ObjectKind::Electrodes
            } else {
                continue;
            };
            found.push((t.path.clone(), kind));
        }
        for s in &series {
            let kind = if s.is_annotation() {
                ObjectKind::AnnotationSeries
            } else if s.is_spike_events() {
                ObjectKind::SpikeEventSeries
            } else {
                ObjectKind::TimeSeries {
                    ndim: s.shape.len(),
                }
            };
            found.push((s.path.clone(), kind));
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        let paths: Vec<String> = found.iter().map(|(p, _)| p.clone()).collect();
        let keys = unique_keys(&paths);
        let entries = found
            .into_iter()
            .zip(keys)
            .map(|((path, kind), key)| Entry { key, path, kind })
            .collect();
        Ok(NwbFile {
            h,
            entries,
            series,
            session,
            not_read: ctx.not_read,
        })
    }

    /// The objects found but left out because they cannot be read (path, reason, kind).
    pub fn not_read(&self) -> &[NotRead] {
        &self.not_read
    }

    /// Every convertible object: (key, kind), in path order.
    pub fn keys(&self) -> Vec<(&str, ObjectKind)> {
        self.entries
            .iter()
            .map(|e| (e.key.as_str(), e.kind))
            .collect()
    }

    /// The HDF5 path of `key` (a key or a full path).
    pub fn path_of(&self, key: &str) -> Option<&str> {
        self.entry(key).map(|e| e.path.as_str())
    }

    /// The kind of `key`.
    pub fn kind_of(&self, key: &str) -> Option<ObjectKind> {
        self.entry(key).map(|e| e.kind)
    }

    fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .or_else(|| self.entries.iter().find(|e| e.path == key))
    }

    fn entry_or_err(&self, key: &str) -> Result<&Entry> {
        self.entry(key).ok_or_else(|| Error::UnknownId {
            what: "NWB object",
            id: key.to_owned(),
        })
    }

    /// Session metadata: `identifier`, `session_description`, `session_start_time`,
    /// `timestamps_reference_time`, `nwb_version`, `/general` text fields, `subject_*`.
    pub fn session(&self) -> &Annotations {
        &self.session
    }

    /// A lazy TimeSeries: nothing is read (neither data nor explicit timestamps) until asked
    /// for; [`Series::get`] reads only the rows it returns and finds them with a binary search
    /// over the timestamps on disk.
    pub fn series(&self, key: &str) -> Result<Series> {
        let e = self.entry_or_err(key)?;
        let info = self
            .series
            .iter()
            .find(|s| s.path == e.path)
            .ok_or_else(|| Error::invalid(format!("{key} is a {:?}, not a TimeSeries", e.kind)))?
            .clone();
        let timestamps = match &info.time {
            Some(TimeAxis::Timestamps { path, .. }) => Some(self.h.dataset(path)?),
            _ => None,
        };
        let columns = self.series_columns(&info)?;
        Ok(Series {
            h: self.h.clone(),
            info,
            timestamps,
            loaded: OnceLock::new(),
            columns,
        })
    }

    fn series_columns(&self, s: &SeriesInfo) -> Result<Vec<String>> {
        let n = usize::try_from(s.shape.get(1).copied().unwrap_or(1)).unwrap_or(0);
        if let Some((rows, Some(tp))) = &s.electrodes
            && rows.len() == n
            && self.h.is_group(tp)
        {
            {
                let t = table::read_table(&self.h, tp)?;
                return Ok(rows
                    .iter()
                    .map(|&r| {
                        usize::try_from(r)
                            .ok()
                            .and_then(|r| t.ids.get(r))
                            .map_or_else(|| r.to_string(), |id| id.to_string())
                    })
                    .collect());
            }
        }
        Ok((0..n).map(|c| c.to_string()).collect())
    }

    /// Any DynamicTable-like object (every column read).
    pub fn table(&self, key: &str) -> Result<Table> {
        let e = self.entry_or_err(key)?;
        table::read_table(&self.h, &e.path)
    }

    /// A Units-like table.
    pub fn units(&self, key: &str) -> Result<Units> {
        let e = self.entry_or_err(key)?;
        if e.kind != ObjectKind::Units {
            return Err(Error::invalid(format!(
                "{key} is a {:?}, not a Units table",
                e.kind
            )));
        }
        let t = table::read_table(&self.h, &e.path)?;
        let st = t.column("spike_times").or_else(|| {
            t.columns
                .iter()
                .find(|c| c.name.ends_with("_times") && c.is_ragged())
        });
        let mut spike_times = Vec::with_capacity(t.rows());
        let mut resorted = Vec::new();
        for row in 0..t.rows() {
            let mut v: Vec<f64> = match st {
                Some(c) => {
                    let r = c.row_range(row).ok_or_else(|| {
                        self.h
                            .corrupt(&e.path, format!("inconsistent spike index at row {row}"))
                    })?;
                    r.map(|i| c.data.f64(i).unwrap_or(f64::NAN)).collect()
                }
                None => Vec::new(),
            };
            if !v.windows(2).all(|w| w[0] <= w[1]) {
                v.sort_by(f64::total_cmp);
                resorted.push(t.ids.get(row).copied().unwrap_or(row as i64));
            }
            spike_times.push(v);
        }
        let time_support = (0..t.rows()).map(|r| model::obs_support(&t, r)).collect();
        Ok(Units {
            path: e.path.clone(),
            ids: t.ids.clone(),
            spike_times,
            resorted,
            time_support,
            table: t,
        })
    }

    /// A TimeIntervals table.
    pub fn intervals(&self, key: &str) -> Result<Intervals> {
        let e = self.entry_or_err(key)?;
        let t = table::read_table(&self.h, &e.path)?;
        let col_f64 = |n: &str| -> Vec<f64> {
            t.column(n)
                .map(|c| {
                    (0..t.rows())
                        .map(|i| c.data.f64(i).unwrap_or(f64::NAN))
                        .collect()
                })
                .unwrap_or_default()
        };
        let start = col_f64("start_time");
        let stop = col_f64("stop_time");
        let tags = (0..t.rows())
            .map(|i| match t.column("tags").map(|c| c.cell(i)) {
                Some(Value::Array(v)) => v
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        Ok(Intervals {
            path: e.path.clone(),
            start,
            stop,
            tags,
            table: t,
        })
    }

    /// The extracellular electrodes table (`group` references resolved to paths), if any.
    pub fn electrodes(&self) -> Result<Option<Table>> {
        match self
            .entries
            .iter()
            .find(|e| e.kind == ObjectKind::Electrodes)
        {
            Some(e) => Ok(Some(table::read_table(&self.h, &e.path)?)),
            None => Ok(None),
        }
    }

    /// The ElectrodeGroups referenced by the electrodes table: path → attributes
    /// (`description`, `location`, ...), plus `device` (the linked device path) when known.
    pub fn electrode_groups(&self) -> Result<Vec<(String, Annotations)>> {
        let Some(t) = self.electrodes()? else {
            return Ok(Vec::new());
        };
        let mut paths: Vec<String> = match t.column("group").map(|c| &c.data) {
            Some(ColumnData::Ref(v)) => v.iter().flatten().cloned().collect(),
            _ => Vec::new(),
        };
        paths.sort();
        paths.dedup();
        Ok(paths
            .into_iter()
            .map(|p| {
                let mut a = model::annotations(&model::attrs(&self.h, &p));
                a.remove("object_id");
                a.remove("namespace");
                if self.h.is_group(&format!("{p}/device")) {
                    a.insert("device".into(), "device".into());
                }
                (p, a)
            })
            .collect())
    }
}

/// A TimeSeries, lazily: data rows are read on demand.
#[derive(Clone)]
pub struct Series {
    h: H5File,
    info: SeriesInfo,
    /// Explicit timestamps, read on demand.
    timestamps: Option<Dataset>,
    /// Every timestamp, once [`Series::times`] loaded them.
    loaded: OnceLock<Vec<f64>>,
    columns: Vec<String>,
}

impl std::fmt::Debug for Series {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Series")
            .field("path", &self.info.path)
            .field("shape", &self.info.shape)
            .field("time", &self.info.time)
            .finish()
    }
}

/// Rows of a series with their times.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesChunk {
    /// Time of each row in seconds.
    pub times: Vec<f64>,
    /// The rows (first axis), stored dtype.
    pub data: RawArray<'static, IxDyn>,
}

impl Series {
    /// HDF5 path of the series group.
    pub fn path(&self) -> &str {
        &self.info.path
    }

    /// `neurodata_type` attribute.
    pub fn neurodata_type(&self) -> Option<&str> {
        self.info.neurodata_type.as_deref()
    }

    /// Shape of `data`.
    pub fn shape(&self) -> &[u64] {
        &self.info.shape
    }

    /// Number of samples (rows).
    pub fn len(&self) -> u64 {
        self.info.len()
    }

    /// Whether there is no sample.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stored numeric dtype (None for text or other data).
    pub fn dtype(&self) -> Option<Dtype> {
        match self.info.elem {
            ElementType::Numeric(d) => Some(d),
            _ => None,
        }
    }

    /// The time axis (None when `starting_time` has no usable `rate`).
    pub fn time_axis(&self) -> Option<&TimeAxis> {
        self.info.time.as_ref()
    }

    /// `data@conversion` (1.0 when absent).
    pub fn conversion(&self) -> f64 {
        self.info.conversion
    }

    /// `data@offset` (0.0 when absent).
    pub fn offset(&self) -> f64 {
        self.info.offset
    }

    /// `channel_conversion`, if present.
    pub fn channel_conversion(&self) -> Option<&[f64]> {
        self.info.channel_conversion.as_deref()
    }

    /// `data@unit`.
    pub fn unit(&self) -> Option<&str> {
        self.info.unit.as_deref()
    }

    /// Column labels: electrode ids for an ElectricalSeries, else `0..n`.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Group attributes (description, comments, ...).
    pub fn attributes(&self) -> &Annotations {
        &self.info.attrs
    }

    /// Time of sample `i` in seconds (`starting_time + i / rate`, or `timestamps[i]`, read
    /// from disk unless [`Series::times`] loaded them). None past the end or on a read error.
    pub fn time(&self, i: u64) -> Option<f64> {
        match (&self.info.time, &self.timestamps) {
            (_, Some(_)) => self.read_times(i..i.checked_add(1)?).ok()?.first().copied(),
            (Some(TimeAxis::Regular { start, rate }), None) => {
                (i < self.len()).then(|| start + i as f64 / rate)
            }
            _ => None,
        }
    }

    /// Number of rows that have a time: the data length, or fewer when the timestamps are
    /// shorter than the data.
    fn timed_len(&self) -> u64 {
        match &self.info.time {
            Some(TimeAxis::Timestamps { count, .. }) => self.len().min(*count),
            Some(TimeAxis::Regular { .. }) => self.len(),
            None => 0,
        }
    }

    /// The times of rows `rows` (computed, or read from the timestamps dataset: only those
    /// values are read).
    pub fn read_times(&self, rows: Range<u64>) -> Result<Vec<f64>> {
        match (&self.info.time, &self.timestamps) {
            (_, Some(ds)) => {
                if let Some(all) = self.loaded.get() {
                    let (a, b) = (
                        usize::try_from(rows.start).unwrap_or(usize::MAX),
                        usize::try_from(rows.end).unwrap_or(usize::MAX),
                    );
                    return all.get(a..b).map(<[f64]>::to_vec).ok_or_else(|| {
                        Error::out_of_range("timestamp", rows.end, all.len() as u64 + 1)
                    });
                }
                Ok(ds.read_rows(rows)?.to_f64().iter().copied().collect())
            }
            (Some(TimeAxis::Regular { start, rate }), None) => {
                if rows.end > self.len() || rows.start > rows.end {
                    return Err(Error::out_of_range("sample", rows.end, self.len() + 1));
                }
                Ok(rows.map(|i| start + i as f64 / rate).collect())
            }
            _ => Err(Error::invalid(format!(
                "{} has no time axis",
                self.info.path
            ))),
        }
    }

    /// Every sample time: computed for a regular series; for explicit timestamps, read once
    /// (the first call reads the whole dataset) and kept. Empty when they cannot be read (use
    /// [`Series::read_times`] to see the error).
    pub fn times(&self) -> Vec<f64> {
        match &self.timestamps {
            Some(ds) => self
                .loaded
                .get_or_init(|| ds.read_f64().unwrap_or_default())
                .clone(),
            None => (0..self.len()).filter_map(|i| self.time(i)).collect(),
        }
    }

    /// The rows whose time `t` satisfies `start <= t <= end` (pynapple's `get`: both ends
    /// inclusive). For explicit timestamps this is a binary search over the dataset (about
    /// 2 log2(n) single values read), so the timestamps must be sorted, as NWB requires;
    /// [`Series::get`] checks the times it returns.
    pub fn index_range(&self, start: f64, end: f64) -> Result<Range<u64>> {
        let n = self.len();
        if start
            .partial_cmp(&end)
            .is_none_or(|o| o == std::cmp::Ordering::Greater)
        {
            return Ok(0..0);
        }
        if self.timestamps.is_some() {
            let n = self.timed_len();
            // first row whose time makes `pred` false, for a predicate true then false
            let search = |pred: &dyn Fn(f64) -> bool| -> Result<u64> {
                let (mut lo, mut hi) = (0u64, n);
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    let t = self
                        .read_times(mid..mid + 1)?
                        .first()
                        .copied()
                        .unwrap_or(f64::NAN);
                    if t.is_nan() {
                        return Err(self
                            .h
                            .corrupt(&self.info.path, format!("timestamp {mid} is not a number")));
                    }
                    if pred(t) {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                Ok(lo)
            };
            let a = search(&|t| t < start)?;
            let b = search(&|t| t <= end)?;
            return Ok(a..b.max(a));
        }
        let Some(TimeAxis::Regular { start: t0, rate }) = self.info.time else {
            return Err(Error::invalid(format!(
                "{} has no time axis",
                self.info.path
            )));
        };
        let t = |i: u64| t0 + i as f64 / rate;
        let guess = |x: f64| -> u64 {
            let g = ((x - t0) * rate).floor();
            if g <= 0.0 {
                0
            } else if g >= n as f64 {
                n
            } else {
                g as u64
            }
        };
        let mut a = guess(start);
        while a > 0 && t(a - 1) >= start {
            a -= 1;
        }
        while a < n && t(a) < start {
            a += 1;
        }
        let mut b = guess(end).max(a);
        while b < n && t(b) <= end {
            b += 1;
        }
        while b > a && t(b - 1) > end {
            b -= 1;
        }
        Ok(a..b)
    }

    /// Rows `rows` of the raw data (stored dtype, all other dimensions whole).
    pub fn read(&self, rows: Range<u64>) -> Result<RawArray<'static, IxDyn>> {
        self.info.data.read_rows(rows)
    }

    /// The text data (AnnotationSeries and other text series).
    pub fn read_strings(&self) -> Result<Vec<String>> {
        self.info.data.read_strings()
    }

    /// Raw rows with `start <= t <= end` and their times (only those rows and times are
    /// read). Timestamps found unsorted in the selection are an error.
    pub fn get(&self, start: f64, end: f64) -> Result<SeriesChunk> {
        let r = self.index_range(start, end)?;
        let times = self.read_times(r.clone())?;
        if !times.windows(2).all(|w| w[0] <= w[1]) || times.iter().any(|&t| t < start || t > end) {
            return Err(Error::unsupported(
                crate::FORMAT_ID,
                format!(
                    "time selection on {} (timestamps not sorted)",
                    self.info.path
                ),
            ));
        }
        let data = self.read(r)?;
        Ok(SeriesChunk { times, data })
    }

    /// Like [`Series::get`], in physical units (NWB's rule, which pynwb and pynapple do not
    /// apply): `data × conversion × channel_conversion[col] + offset`.
    pub fn get_scaled(&self, start: f64, end: f64) -> Result<(Vec<f64>, ArrayD<f64>)> {
        let c = self.get(start, end)?;
        Ok((c.times, self.scale(&c.data)))
    }

    /// Scales raw rows (as returned by [`Series::read`]) to physical units.
    pub fn scale(&self, raw: &RawArray<'_, IxDyn>) -> ArrayD<f64> {
        let mut out = raw.to_f64();
        let conv = self.info.conversion;
        let off = self.info.offset;
        let cc = self.info.channel_conversion.as_deref();
        if out.ndim() >= 2 {
            for (c, mut col) in out.axis_iter_mut(ndarray::Axis(1)).enumerate() {
                let g = conv * cc.and_then(|v| v.get(c).copied()).unwrap_or(1.0);
                col.mapv_inplace(|x| x * g + off);
            }
        } else {
            let g = conv * cc.and_then(|v| v.first().copied()).unwrap_or(1.0);
            out.mapv_inplace(|x| x * g + off);
        }
        out
    }
}

/// A Units table: spike trains plus every column.
#[derive(Debug, Clone, PartialEq)]
pub struct Units {
    /// HDF5 path.
    pub path: String,
    /// Unit ids (row order).
    pub ids: Vec<i64>,
    /// Spike times per unit in seconds, sorted.
    pub spike_times: Vec<Vec<f64>>,
    /// Ids of units whose stored times were not sorted (sorted here).
    pub resorted: Vec<i64>,
    /// Observation time support of each unit: the union of its `obs_intervals` (sorted,
    /// overlapping and touching intervals merged), `None` when it has none (it is then
    /// observed over the whole session). Spikes are not restricted to it.
    pub time_support: Vec<Option<Vec<(f64, f64)>>>,
    /// The whole table (every column, ragged ones included).
    pub table: Table,
}

/// A TimeIntervals table.
#[derive(Debug, Clone, PartialEq)]
pub struct Intervals {
    /// HDF5 path.
    pub path: String,
    /// `start_time` per row.
    pub start: Vec<f64>,
    /// `stop_time` per row.
    pub stop: Vec<f64>,
    /// `tags` per row (empty when absent).
    pub tags: Vec<Vec<String>>,
    /// The whole table.
    pub table: Table,
}

#[cfg(test)]
mod tests {
    use super::unique_keys;

    #[test]
    fn keys_are_short_and_unique() {
        let p: Vec<String> = [
            "/acquisition/LFP",
            "/processing/ecephys/LFP/LFP",
            "/units",
            "/intervals/trials",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            unique_keys(&p),
            vec!["acquisition/LFP", "LFP/LFP", "units", "trials"]
        );
        let p: Vec<String> = ["/a/x", "/a/x"].iter().map(|s| s.to_string()).collect();
        assert_eq!(unique_keys(&p), vec!["/a/x", "/a/x"]);
    }
}
