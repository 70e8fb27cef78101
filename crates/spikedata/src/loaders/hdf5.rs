//! [`SpikeData::from_hdf5`]: SpikeLab's `load_spikedata_from_hdf5` (four layouts).

use super::h5::{H5File, MemberKind, OpenOptions};
use super::{TimeUnit, abspath, default_length, scalar_f64, spacing, split_by_index, warn};
use crate::core::{Attrs, Options, RawSignal, SpikeData};
use crate::error::{Result, SpikeDataError};
use ndarray::Array2;
use serde_json::Value;
use std::cmp::Ordering;
use std::path::Path;

/// Most spikes a raster may expand to by default (2^28, 2 GiB of times): a corrupt count
/// cannot make the loader allocate without bound ([`Hdf5Options::max_raster_spikes`]).
pub const MAX_RASTER_SPIKES: u64 = 1 << 28;

/// How the spikes are laid out in a generic HDF5 file (SpikeLab's four input styles; exactly
/// one per load, by construction).
#[derive(Debug, Clone, PartialEq)]
pub enum Hdf5Layout {
    /// A `units × bins` count matrix (any numeric dtype holding integers); the `k` spikes of a
    /// bin are spread inside it as [`SpikeData::from_raster`] does. The window is
    /// `T · bin` long minus one ulp (SpikeLab's rule, so `raster(bin)` gives back `T` bins).
    Raster {
        /// Dataset path of the matrix.
        dataset: String,
        /// Bin width in ms.
        bin_size_ms: f64,
    },
    /// Flat spike times plus per-unit cumulative end indices, in either convention:
    /// cumulative-end (length `N`, the NWB spec and SpikeLab's exporter) or leading-zero
    /// (length `N + 1`, starting with 0).
    Ragged {
        /// Dataset path of the concatenated spike times.
        times: String,
        /// Dataset path of the index (an integer dataset).
        index: String,
        /// Unit of the times.
        unit: TimeUnit,
        /// The number of units, which decides the index convention. Without it the index is
        /// read as cumulative-end, except when it starts with 0, has at least two entries and
        /// a non-zero end: that index fits both conventions (`[0, 5]` is two units with the
        /// first empty, or one unit of five spikes) and the load fails asking for `n_units`
        /// (SpikeLab guesses leading-zero there, which breaks its own exports whose first
        /// unit is empty).
        n_units: Option<usize>,
    },
    /// One dataset of spike times per unit inside a group, units in natural key order
    /// (`"2"` before `"10"`). Subgroups are ignored.
    GroupPerUnit {
        /// Group path.
        group: String,
        /// Unit of the times.
        unit: TimeUnit,
    },
    /// Parallel arrays of unit indexes and spike times. `N = max index + 1`; ids missing
    /// below the maximum become empty units (with a warning, as SpikeLab).
    Paired {
        /// Dataset path of the unit indexes (an integer dataset).
        idces: String,
        /// Dataset path of the times.
        times: String,
        /// Unit of the times.
        unit: TimeUnit,
    },
}

/// An optional raw signal stored next to the spikes.
#[derive(Debug, Clone, PartialEq)]
pub struct Hdf5Raw {
    /// Dataset path of the samples: `channels × samples` (a 1-D dataset is one channel).
    pub dataset: String,
    /// Dataset path of the sample times (length = number of samples).
    pub time_dataset: String,
    /// Unit of the sample times.
    pub time_unit: TimeUnit,
}

/// Options of [`SpikeData::from_hdf5`].
#[derive(Debug, Clone, PartialEq)]
pub struct Hdf5Options {
    /// Where the spikes are.
    pub layout: Hdf5Layout,
    /// An optional raw signal.
    pub raw: Option<Hdf5Raw>,
    /// Window length in ms. Precedence: this, then the root attribute `length_ms`, then the
    /// latest spike − `start_time` + one ulp. Ignored (with a warning) by the raster layout.
    pub length_ms: Option<f64>,
    /// Metadata to attach (`source_file` is added unless present).
    pub metadata: Attrs,
    /// Most spikes the raster layout may expand its counts to (a raster holds counts, so a
    /// small file can declare many spikes); more is an `Unsupported` error. Default
    /// [`MAX_RASTER_SPIKES`].
    pub max_raster_spikes: u64,
}

impl Hdf5Options {
    /// Options for `layout` with no raw signal, no explicit length and no metadata.
    pub fn new(layout: Hdf5Layout) -> Self {
        Hdf5Options {
            layout,
            raw: None,
            length_ms: None,
            metadata: Attrs::new(),
            max_raster_spikes: MAX_RASTER_SPIKES,
        }
    }
}

/// SpikeLab's `_natural_sort_key` order: digit runs compare as numbers and before text.
pub(crate) fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn tokens(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let mut digit = None;
        for (i, c) in s.char_indices() {
            let d = c.is_ascii_digit();
            if digit.is_some_and(|p| p != d) {
                out.push((digit.unwrap_or(false), &s[start..i]));
                start = i;
            }
            digit = Some(d);
        }
        if start < s.len() {
            out.push((digit.unwrap_or(false), &s[start..]));
        }
        out
    }
    // Python's re.split(r"(\d+)") yields "" text tokens at the edges and between digit runs;
    // (1, "") sorts before any other text and after every number, which the token lists
    // reproduce by inserting the empty text tokens.
    fn python_tokens(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut expect_text = true;
        for (is_digit, t) in tokens(s) {
            if is_digit && expect_text {
                out.push((false, ""));
            }
            out.push((is_digit, t));
            expect_text = is_digit;
        }
        if expect_text {
            out.push((false, ""));
        }
        out
    }
    fn num_cmp(x: &str, y: &str) -> Ordering {
        let x = x.trim_start_matches('0');
        let y = y.trim_start_matches('0');
        x.len().cmp(&y.len()).then_with(|| x.cmp(y))
    }
    let ta = python_tokens(a);
    let tb = python_tokens(b);
    for (x, y) in ta.iter().zip(&tb) {
        let o = match (x.0, y.0) {
            (true, true) => num_cmp(x.1, y.1),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => x.1.cmp(y.1),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    ta.len().cmp(&tb.len())
}

/// The format id the loader's errors name.
const FORMAT: &str = "hdf5";

/// A float root attribute (`None` when absent; an error when not a number).
fn root_f64(f: &H5File, name: &str) -> Result<Option<f64>> {
    let attrs = f.attributes("/")?;
    let Some(a) = attrs.get(name) else {
        return Ok(None);
    };
    scalar_f64(a).map(Some).ok_or_else(|| {
        SpikeDataError::invalid(format!(
            "root attribute {name} of {} is not a number: {}",
            f.path().display(),
            a.to_json()
        ))
    })
}

/// The whole numeric dataset `path` as f64 with its shape.
/// Most units a file may declare beyond one per byte of the file (2^20: 24 MiB of empty trains).
const MIN_UNIT_LIMIT: u64 = 1 << 20;

/// Units that hold no spike cost no stored byte (an empty raster row, a padded paired id), so
/// their number is bounded by the file's size in bytes (at least [`MIN_UNIT_LIMIT`]): a
/// corrupt dimension or id cannot make the loader allocate (or loop) without bound.
fn check_unit_count(f: &H5File, n: u64, what: &str) -> Result<()> {
    let len = std::fs::metadata(f.path()).map_or(u64::MAX, |m| m.len());
    let limit = len.max(MIN_UNIT_LIMIT);
    if n > limit {
        return Err(SpikeDataError::invalid(format!(
            "{what} of {} declares {n} units, more than {limit} (one per byte of the file, \
             or 2^20)",
            f.path().display()
        )));
    }
    Ok(())
}

fn read_f64(f: &H5File, path: &str) -> Result<super::h5::Array<f64>> {
    Ok(f.dataset(path)?.read_f64_array()?)
}

/// The whole integer dataset `path` as i64; other types are refused naming `what`.
fn read_integers(f: &H5File, path: &str) -> Result<Vec<i64>> {
    let ds = f.dataset(path)?;
    if !ds.element_type().is_integer() {
        return Err(SpikeDataError::invalid(format!(
            "{path} must be an integer array, got {:?}",
            ds.element_type()
        )));
    }
    Ok(ds.read_i64()?)
}

fn to_ms(values: Vec<f64>, unit: TimeUnit) -> Vec<f64> {
    values.into_iter().map(|v| unit.to_ms(v)).collect()
}

fn read_raw(f: &H5File, raw: &Hdf5Raw) -> Result<RawSignal> {
    raw.time_unit.check()?;
    let data = read_f64(f, &raw.dataset)?;
    let time = read_f64(f, &raw.time_dataset)?;
    let (ch, n) = match data.shape.as_slice() {
        [n] => (1, *n),
        [c, n] => (*c, *n),
        s => {
            return Err(SpikeDataError::Unsupported(format!(
                "raw dataset {} has shape {s:?}; expected (channels, samples)",
                raw.dataset
            )));
        }
    };
    if time.values.len() != n {
        return Err(SpikeDataError::invalid(format!(
            "raw_data trailing axis length ({n}) does not match raw_time length ({}); \
             raw_data.shape={:?}",
            time.values.len(),
            data.shape
        )));
    }
    let arr = Array2::from_shape_vec((ch, n), data.values)
        .map_err(|e| SpikeDataError::invalid(format!("raw dataset {}: {e}", raw.dataset)))?;
    RawSignal::new(arr, to_ms(time.values, raw.time_unit))
}

/// What every layout needs besides its own datasets: the window and the metadata.
struct Common {
    start_time: f64,
    /// The explicit length (options, then the root attribute).
    length: Option<f64>,
    meta: Attrs,
    raw: Option<RawSignal>,
}

impl Common {
    /// `sd` with the metadata and the raw signal.
    fn attach(self, mut sd: SpikeData) -> SpikeData {
        sd.metadata = self.meta;
        sd.raw = self.raw;
        sd
    }
}

impl SpikeData {
    /// Loads spikes from a generic HDF5 file in one of SpikeLab's four layouts
    /// (`load_spikedata_from_hdf5`): see [`Hdf5Layout`].
    ///
    /// * `start_time` (ms) is the root attribute `start_time` (0 when absent).
    /// * `length` (ms): [`Hdf5Options::length_ms`], else the root attribute `length_ms`, else
    ///   the latest spike − `start_time` + one ulp (0 without spikes); the raster layout
    ///   always uses `T · bin − ulp`.
    /// * Times are converted to ms with [`TimeUnit::to_ms`], bit-identical to SpikeLab.
    /// * `metadata`: the given metadata, `source_file` (absolute path) unless given, and
    ///   `loader_warnings` (SpikeLab's warnings, as text) when there are any.
    /// * No unit attributes (SpikeLab's generic HDF5 has none).
    ///
    /// Errors: a missing dataset or group (naming the file and path), an index or idces
    /// dataset that is not integer, an inconsistent index, an ambiguous index without
    /// `n_units`, spikes outside an explicit window, and every [`SpikeData::new`] check.
    pub fn from_hdf5(path: impl AsRef<Path>, options: &Hdf5Options) -> Result<SpikeData> {
        let path = path.as_ref();
        let f = H5File::open(path, FORMAT, &OpenOptions::default())?;
        let mut meta = options.metadata.clone();
        meta.entry("source_file")
            .or_insert_with(|| Value::from(abspath(path)));
        let c = Common {
            start_time: root_f64(&f, "start_time")?.unwrap_or(0.0),
            length: options.length_ms.or(root_f64(&f, "length_ms")?),
            meta,
            raw: options.raw.as_ref().map(|r| read_raw(&f, r)).transpose()?,
        };
        match &options.layout {
            Hdf5Layout::Raster {
                dataset,
                bin_size_ms,
            } => load_raster(&f, dataset, *bin_size_ms, options, c),
            Hdf5Layout::Ragged {
                times,
                index,
                unit,
                n_units,
            } => {
                unit.check()?;
                let flat = read_f64(&f, times)?;
                let idx = read_integers(&f, index)?;
                let trains = split_by_index(&to_ms(flat.values, *unit), &idx, *n_units, index)?;
                build(trains, c)
            }
            Hdf5Layout::GroupPerUnit { group, unit } => load_group_per_unit(&f, group, *unit, c),
            Hdf5Layout::Paired { idces, times, unit } => load_paired(&f, idces, times, *unit, c),
        }
    }
}

/// The raster layout: a `units × bins` count matrix.
fn load_raster(
    f: &H5File,
    dataset: &str,
    bin_size_ms: f64,
    options: &Hdf5Options,
    mut c: Common,
) -> Result<SpikeData> {
    let length_ms = options.length_ms;
    let max_spikes = options.max_raster_spikes as f64;
    let a = read_f64(f, dataset)?;
    let [n, t] = a.shape[..] else {
        return Err(SpikeDataError::invalid(format!(
            "raster dataset {dataset} must be 2D (units, time); shape {:?}",
            a.shape
        )));
    };
    check_unit_count(f, n as u64, &format!("raster dataset {dataset}"))?;
    if let Some(bad) = a.values.iter().find(|v| v.fract() != 0.0 || **v < 0.0) {
        return Err(SpikeDataError::invalid(format!(
            "raster dataset {dataset} holds a value that is not a count: {bad}"
        )));
    }
    let total: f64 = a.values.iter().sum();
    if total > max_spikes {
        return Err(SpikeDataError::Unsupported(format!(
            "raster dataset {dataset} of {} holds {total} spikes (more than {}, \
             Hdf5Options::max_raster_spikes)",
            f.path().display(),
            options.max_raster_spikes
        )));
    }
    let counts = Array2::from_shape_vec((n, t), a.values)
        .map_err(|e| SpikeDataError::invalid(format!("{dataset}: {e}")))?
        .mapv(|v| v as i64);
    let total = t as f64 * bin_size_ms;
    let computed = if total > 0.0 {
        (total - spacing(total)).max(0.0)
    } else {
        0.0
    };
    if let Some(l) = length_ms
        && l != computed
    {
        warn(
            &mut c.meta,
            format!(
                "length_ms={l:?} ignored for raster style; length is derived \
                 from raster.shape[1] * raster_bin_size_ms = {computed:?}."
            ),
        );
    }
    let sd = SpikeData::from_raster(
        &counts,
        bin_size_ms,
        Options {
            length: Some(computed),
            start_time: c.start_time,
            ..Options::default()
        },
    )?;
    Ok(c.attach(sd))
}

/// The group-per-unit layout: one dataset per unit, in natural key order.
fn load_group_per_unit(f: &H5File, group: &str, unit: TimeUnit, c: Common) -> Result<SpikeData> {
    unit.check()?;
    let mut keys: Vec<String> = f
        .members(group)?
        .into_iter()
        .filter(|m| m.kind == MemberKind::Dataset)
        .map(|m| m.name)
        .collect();
    keys.sort_by(|a, b| natural_cmp(a, b));
    let g = group.trim_end_matches('/');
    let trains = keys
        .iter()
        .map(|k| Ok(to_ms(read_f64(f, &format!("{g}/{k}"))?.values, unit)))
        .collect::<Result<Vec<_>>>()?;
    let mut sd = build(trains, c)?;
    sd.metadata.insert(
        "unit_keys".into(),
        Value::Array(keys.into_iter().map(Value::from).collect()),
    );
    Ok(sd)
}

/// The paired layout: parallel unit indexes and spike times.
fn load_paired(
    f: &H5File,
    idces: &str,
    times: &str,
    unit: TimeUnit,
    mut c: Common,
) -> Result<SpikeData> {
    unit.check()?;
    let ids = read_integers(f, idces)?;
    let t = to_ms(read_f64(f, times)?.values, unit);
    if ids.len() != t.len() {
        return Err(SpikeDataError::invalid(format!(
            "idces_dataset and times_dataset must have equal length; got \
             len(idces)={}, len(times)={}",
            ids.len(),
            t.len()
        )));
    }
    if let Some(&max) = ids.iter().max()
        && max >= 0
    {
        check_unit_count(f, max as u64 + 1, &format!("idces dataset {idces}"))?;
        let present: std::collections::BTreeSet<i64> = ids.iter().copied().collect();
        let n = max + 1;
        let missing: Vec<i64> = (0..n).filter(|i| !present.contains(i)).collect();
        if !missing.is_empty() {
            let more = if missing.len() > 5 { "..." } else { "" };
            warn(
                &mut c.meta,
                format!(
                    "paired-style HDF5 has sparse cluster_ids: max+1={n} but only \
                     {} distinct ids present. The loader will create {} empty \
                     unit(s) to pad (cluster_ids {:?}{more}). If this is a \
                     Phy-curated export, the empty units may not match the user's \
                     mental model — consider compacting the cluster ids upstream.",
                    present.len(),
                    missing.len(),
                    &missing[..missing.len().min(5)]
                ),
            );
        }
    }
    let sd = SpikeData::from_idces_times(
        &ids,
        &t,
        Options {
            length: c.length,
            start_time: c.start_time,
            ..Options::default()
        },
    )?;
    Ok(c.attach(sd))
}

fn build(trains: Vec<Vec<f64>>, c: Common) -> Result<SpikeData> {
    let length = match c.length {
        Some(l) => l,
        None => default_length(&trains, c.start_time),
    };
    SpikeData::new(
        trains,
        Options {
            n: None,
            length: Some(length),
            start_time: c.start_time,
            unit_attrs: None,
            metadata: c.meta,
            raw: c.raw,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_is_pythons() {
        let mut v = vec![
            "10", "9", "1", "unit_2", "unit_10", "a", "", "2b", "02", "b",
        ];
        v.sort_by(|a, b| natural_cmp(a, b));
        // sorted(v, key=_natural_sort_key) in Python 3.11
        assert_eq!(
            v,
            vec![
                "", "1", "02", "2b", "9", "10", "a", "b", "unit_2", "unit_10"
            ]
        );
    }
}
