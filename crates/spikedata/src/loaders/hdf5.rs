//! [`SpikeData::from_hdf5`]: SpikeLab's `load_spikedata_from_hdf5` (four layouts).

use super::{TimeUnit, abspath, default_length, spacing, warn};
use crate::core::{Attrs, Options, RawSignal, SpikeData};
use crate::error::{Result, SpikeDataError};
use ndarray::Array2;
use rawio_nwb::hdf5::{Hdf5File, MemberKind};
use serde_json::Value;
use std::cmp::Ordering;
use std::path::Path;

/// Most spikes a raster may expand to (2^28, 2 GiB of times): a corrupt count cannot make
/// the loader allocate without bound.
const MAX_RASTER_SPIKES: f64 = (1u64 << 28) as f64;

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
}

impl Hdf5Options {
    /// Options for `layout` with no raw signal, no explicit length and no metadata.
    pub fn new(layout: Hdf5Layout) -> Self {
        Hdf5Options {
            layout,
            raw: None,
            length_ms: None,
            metadata: Attrs::new(),
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

/// Splits `flat` by the index, in the convention `n_units` decides (see
/// [`Hdf5Layout::Ragged`]). `name` names the index in errors.
pub(crate) fn split_by_index<T: Clone>(
    flat: &[T],
    index: &[i64],
    n_units: Option<usize>,
    name: &str,
) -> Result<Vec<Vec<T>>> {
    if n_units == Some(0) && index.len() <= 1 {
        return Ok(Vec::new());
    }
    if let Some(&first) = index.first()
        && first < 0
    {
        return Err(SpikeDataError::invalid(format!(
            "{name} entries must be non-negative; got {first} at position 0"
        )));
    }
    if index.windows(2).any(|w| w[1] < w[0]) {
        return Err(SpikeDataError::invalid(format!(
            "{name} must be monotonically non-decreasing"
        )));
    }
    if let Some(&last) = index.last()
        && usize::try_from(last).map_or(true, |l| l > flat.len())
    {
        return Err(SpikeDataError::invalid(format!(
            "{name} final value ({last}) exceeds flat array length ({})",
            flat.len()
        )));
    }
    let ends: &[i64] = match n_units {
        Some(n) => {
            if index.len() == n + 1 && index.first().is_none_or(|&f| f == 0) {
                index.get(1..).unwrap_or(&[])
            } else if index.len() == n {
                index
            } else {
                return Err(SpikeDataError::invalid(format!(
                    "{name} length {} does not match n_units={n} for either cumulative-end \
                     (length N) or leading-zero (length N+1) convention",
                    index.len()
                )));
            }
        }
        None => {
            if index.len() >= 2 && index.first() == Some(&0) && index.last() > Some(&0) {
                return Err(SpikeDataError::invalid(format!(
                    "{name} {} starts with 0: it reads as {} units (cumulative-end, first \
                     unit empty) or {} units (leading-zero); give the number of units",
                    preview(index),
                    index.len(),
                    index.len() - 1
                )));
            }
            index
        }
    };
    let mut out = Vec::with_capacity(ends.len());
    let mut start = 0usize;
    for &e in ends {
        // validated: 0 <= e <= flat.len(), non-decreasing
        let e = usize::try_from(e).unwrap_or(0);
        out.push(flat.get(start..e).unwrap_or(&[]).to_vec());
        start = e;
    }
    Ok(out)
}

fn preview(v: &[i64]) -> String {
    if v.len() <= 6 {
        format!("{v:?}")
    } else {
        format!("[{}, {}, {}, ..., {}]", v[0], v[1], v[2], v[v.len() - 1])
    }
}

/// A float root attribute (`None` when absent; an error when not a number).
fn root_f64(f: &Hdf5File, name: &str) -> Result<Option<f64>> {
    match f.attr("/", name)? {
        None => Ok(None),
        Some(v) => number(&v).map(Some).ok_or_else(|| {
            SpikeDataError::invalid(format!(
                "root attribute {name} of {} is not a number: {v}",
                f.path().display()
            ))
        }),
    }
}

/// A JSON number (or the strings `"NaN"`, `"inf"`, `"-inf"` of `json_f64`, or a one-element
/// list) as f64.
pub(crate) fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "inf" => Some(f64::INFINITY),
            "-inf" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Array(a) if a.len() == 1 => a.first().and_then(number),
        _ => None,
    }
}

fn to_ms(values: Vec<f64>, unit: TimeUnit) -> Vec<f64> {
    values.into_iter().map(|v| unit.to_ms(v)).collect()
}

fn read_raw(f: &Hdf5File, raw: &Hdf5Raw) -> Result<RawSignal> {
    raw.time_unit.check()?;
    let data = f.read_f64(&raw.dataset)?;
    let time = f.read_f64(&raw.time_dataset)?;
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
        let f = Hdf5File::open(path)?;
        let mut meta = options.metadata.clone();
        meta.entry("source_file")
            .or_insert_with(|| Value::from(abspath(path)));
        let start_time = root_f64(&f, "start_time")?.unwrap_or(0.0);
        let file_length = root_f64(&f, "length_ms")?;
        let length = options.length_ms.or(file_length);
        let raw = match &options.raw {
            Some(r) => Some(read_raw(&f, r)?),
            None => None,
        };
        match &options.layout {
            Hdf5Layout::Raster {
                dataset,
                bin_size_ms,
            } => {
                let a = f.read_f64(dataset)?;
                let [n, t] = a.shape[..] else {
                    return Err(SpikeDataError::invalid(format!(
                        "raster dataset {dataset} must be 2D (units, time); shape {:?}",
                        a.shape
                    )));
                };
                if let Some(bad) = a.values.iter().find(|v| v.fract() != 0.0 || **v < 0.0) {
                    return Err(SpikeDataError::invalid(format!(
                        "raster dataset {dataset} holds a value that is not a count: {bad}"
                    )));
                }
                let total: f64 = a.values.iter().sum();
                if total > MAX_RASTER_SPIKES {
                    return Err(SpikeDataError::Unsupported(format!(
                        "raster dataset {dataset} of {} holds {total} spikes (more than {})",
                        path.display(),
                        MAX_RASTER_SPIKES
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
                if let Some(l) = options.length_ms
                    && l != computed
                {
                    warn(
                        &mut meta,
                        format!(
                            "length_ms={l:?} ignored for raster style; length is derived \
                             from raster.shape[1] * raster_bin_size_ms = {computed:?}."
                        ),
                    );
                }
                let mut sd = SpikeData::from_raster(
                    &counts,
                    *bin_size_ms,
                    Options {
                        length: Some(computed),
                        start_time,
                        ..Options::default()
                    },
                )?;
                sd.metadata = meta;
                sd.raw = raw;
                Ok(sd)
            }
            Hdf5Layout::Ragged {
                times,
                index,
                unit,
                n_units,
            } => {
                unit.check()?;
                let flat = f.read_f64(times)?;
                if !f.element_type(index)?.is_integer() {
                    return Err(SpikeDataError::invalid(format!(
                        "{index} must be an integer array, got {:?}",
                        f.element_type(index)?
                    )));
                }
                let idx = f.read_i64(index)?;
                let trains =
                    split_by_index(&to_ms(flat.values, *unit), &idx.values, *n_units, index)?;
                build(trains, length, start_time, meta, raw)
            }
            Hdf5Layout::GroupPerUnit { group, unit } => {
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
                    .map(|k| Ok(to_ms(f.read_f64(&format!("{g}/{k}"))?.values, *unit)))
                    .collect::<Result<Vec<_>>>()?;
                let mut sd = build(trains, length, start_time, meta, raw)?;
                sd.metadata.insert(
                    "unit_keys".into(),
                    Value::Array(keys.into_iter().map(Value::from).collect()),
                );
                Ok(sd)
            }
            Hdf5Layout::Paired { idces, times, unit } => {
                unit.check()?;
                if !f.element_type(idces)?.is_integer() {
                    return Err(SpikeDataError::invalid(format!(
                        "{idces} must be an integer array, got {:?}",
                        f.element_type(idces)?
                    )));
                }
                let ids = f.read_i64(idces)?.values;
                let t = to_ms(f.read_f64(times)?.values, *unit);
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
                    let mut present = std::collections::BTreeSet::new();
                    present.extend(ids.iter().copied());
                    let n = max + 1;
                    let missing: Vec<i64> = (0..n).filter(|i| !present.contains(i)).collect();
                    if !missing.is_empty() {
                        let more = if missing.len() > 5 { "..." } else { "" };
                        warn(
                            &mut meta,
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
                let mut sd = SpikeData::from_idces_times(
                    &ids,
                    &t,
                    Options {
                        length,
                        start_time,
                        ..Options::default()
                    },
                )?;
                sd.metadata = meta;
                sd.raw = raw;
                Ok(sd)
            }
        }
    }
}

fn build(
    trains: Vec<Vec<f64>>,
    length: Option<f64>,
    start_time: f64,
    metadata: Attrs,
    raw: Option<RawSignal>,
) -> Result<SpikeData> {
    let length = match length {
        Some(l) => l,
        None => default_length(&trains, start_time),
    };
    SpikeData::new(
        trains,
        Options {
            n: None,
            length: Some(length),
            start_time,
            unit_attrs: None,
            metadata,
            raw,
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

    #[test]
    fn index_conventions() {
        let flat = [1, 2, 3, 4, 5];
        // cumulative-end
        let s = split_by_index(&flat, &[2, 2, 5], Some(3), "i").unwrap();
        assert_eq!(s, vec![vec![1, 2], vec![], vec![3, 4, 5]]);
        let s = split_by_index(&flat, &[2, 2, 5], None, "i").unwrap();
        assert_eq!(s.len(), 3);
        // leading-zero
        let s = split_by_index(&flat, &[0, 2, 2, 5], Some(3), "i").unwrap();
        assert_eq!(s, vec![vec![1, 2], vec![], vec![3, 4, 5]]);
        // [0, 5]: ambiguous without n_units
        assert!(split_by_index(&flat, &[0, 5], None, "i").is_err());
        assert_eq!(
            split_by_index(&flat, &[0, 5], Some(2), "i").unwrap(),
            vec![vec![], vec![1, 2, 3, 4, 5]]
        );
        assert_eq!(
            split_by_index(&flat, &[0, 5], Some(1), "i").unwrap(),
            vec![vec![1, 2, 3, 4, 5]]
        );
        // all-zero: cumulative-end, as SpikeLab
        assert_eq!(
            split_by_index(&flat[..0], &[0, 0], None, "i")
                .unwrap()
                .len(),
            2
        );
        // bad indexes
        assert!(split_by_index(&flat, &[3, 2], None, "i").is_err());
        assert!(split_by_index(&flat, &[-1, 2], None, "i").is_err());
        assert!(split_by_index(&flat, &[6], None, "i").is_err());
        assert!(split_by_index(&flat, &[2, 5], Some(4), "i").is_err());
        assert!(split_by_index(&flat, &[], Some(0), "i").unwrap().is_empty());
    }
}
