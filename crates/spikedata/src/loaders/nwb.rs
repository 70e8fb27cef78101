//! [`SpikeData::from_nwb`]: an NWB Units table as a `SpikeData` (SpikeLab's
//! `load_spikedata_from_nwb`, with every column, every electrode and a real window).

use super::hdf5::{number, split_by_index};
use super::{abspath, covering_length, warn};
use crate::core::{Attrs, Options, SpikeData};
use crate::error::{Result, SpikeDataError};
use rawio_nwb::hdf5::Hdf5File;
use rawio_nwb::{Column, NwbFile, ObjectKind, Table};
use serde_json::Value;
use std::path::Path;

/// Options of [`SpikeData::from_nwb`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NwbOptions {
    /// The Units table: a key of [`NwbFile::keys`] or an HDF5 path. Default: `units` (the
    /// file's `/units`), else the first Units-like table.
    pub units_table: Option<String>,
    /// Window start in ms (default: the root attribute `start_time`, else the derived
    /// window; see [`SpikeData::from_nwb`]).
    pub start_time_ms: Option<f64>,
    /// Window length in ms (default: the root attribute `length_ms`, else the derived
    /// window).
    pub length_ms: Option<f64>,
}

/// Attribute keys the loader derives; a units column with one of these names is stored as
/// `units_<name>`.
const DERIVED: &[&str] = &["unit_id", "electrode", "location", "group_name"];

/// A ragged column fixed to cumulative-end when it uses the leading-zero convention
/// (`n + 1` entries starting with 0).
fn normalise_index(c: &Column, n: usize) -> Column {
    let mut c = c.clone();
    if let Some(first) = c.index.first_mut()
        && first.len() == n + 1
        && first.first() == Some(&0)
    {
        first.remove(0);
    }
    c
}

/// The JSON form of an electrodes-table row (every column, `id` first).
fn electrode_row(t: &Table, row: usize) -> Attrs {
    let mut m = Attrs::new();
    m.insert(
        "id".into(),
        t.ids.get(row).map_or(Value::Null, |&i| Value::from(i)),
    );
    m.extend(t.row_json(row));
    m
}

/// `[x, y, z]` of an electrode row (the coordinate columns present), `None` when the table
/// has none of them or a value is missing or NaN.
fn electrode_position(t: &Table, row: usize) -> Option<Vec<f64>> {
    let mut pos = Vec::new();
    for k in ["x", "y", "z"] {
        if let Some(c) = t.column(k) {
            let v = c.data.f64(row)?;
            if v.is_nan() {
                return None;
            }
            pos.push(v);
        }
    }
    (!pos.is_empty()).then_some(pos)
}

/// `[first, last]` in seconds of the regular TimeSeries at `path` (`starting_time` + `rate`
/// attribute + `data` length), read from metadata only.
fn regular_series_span(h: &Hdf5File, path: &str) -> Option<(f64, f64)> {
    let st = format!("{path}/starting_time");
    if !h.is_dataset(&st) {
        return None;
    }
    let start = *h.read_f64(&st).ok()?.values.first()?;
    let rate = number(&h.attr(&st, "rate").ok()??)?;
    let n = *h.shape(&format!("{path}/data")).ok()?.first()?;
    (rate > 0.0 && start.is_finite()).then(|| (start, start + n as f64 / rate))
}

impl SpikeData {
    /// Loads an NWB Units table (SpikeLab's `load_spikedata_from_nwb`, done right). Works on
    /// NWB 2.x files and on SpikeLab's bare "units" HDF5 exports.
    ///
    /// * **Trains**: `spike_times` (s) × 1e3, one per row; an index in the leading-zero
    ///   convention (`N + 1` entries starting with 0) is recognised by the row count.
    ///   Unsorted trains are sorted (their unit ids are listed in
    ///   `metadata["resorted_units"]`).
    /// * **Unit attributes**: `unit_id` (the row's `id`), then every other column of the
    ///   table under its own name (scalars, text, N-D cells as nested lists, ragged cells as
    ///   lists, `obs_intervals` as `[[start, stop], ...]` in s, object references as paths).
    ///   The `electrodes` region becomes `electrodes` = the electrode **ids** (not table
    ///   rows), plus `electrode` = the first one and `location` = its `[x, y, z]` (SpikeLab's
    ///   keys; `location` is absent when a coordinate is NaN). An untyped `electrodes`
    ///   column (no `DynamicTableRegion` type, no `table` reference: SpikeLab's bare
    ///   exports) holds electrode ids and is read as such. `electrode_group` is the group's path,
    ///   plus `group_name` (its last component). A text `location` column (the anatomical
    ///   label) is stored as `location_label`; another column named like a derived key is
    ///   stored as `units_<name>`.
    /// * **Window**: [`NwbOptions`] first, then the root attributes `start_time` /
    ///   `length_ms` (SpikeLab's exports), else: the union of every unit's `obs_intervals`
    ///   when the table has that column, else the session — from `min(0, earliest)` to the
    ///   latest of every spike, every TimeIntervals table (epochs, trials...) and every
    ///   regularly sampled TimeSeries (`starting_time + n / rate`; series with explicit
    ///   timestamps are not read). A derived window is widened to hold every spike (with a
    ///   warning when `obs_intervals` did not); an explicit one is not (out-of-window spikes
    ///   are an error).
    /// * **Metadata**: `source_file`, `format` (`"NWB"`), `units_table` (its path),
    ///   `unit_count`, `window_source` (`"options"`, `"file_attrs"`, `"obs_intervals"`,
    ///   `"session"`, or a mix such as `"file_attrs+session"`), every session field of
    ///   [`NwbFile::session`] (identifier, session_description, session_start_time,
    ///   subject_*...), `electrodes` (every row of the electrodes table with its `id` and
    ///   columns, when the file has one), `resorted_units` and `loader_warnings` when any.
    pub fn from_nwb(path: impl AsRef<Path>, options: &NwbOptions) -> Result<SpikeData> {
        let path = path.as_ref();
        let h = Hdf5File::open(path)?;
        let f = NwbFile::open(path)?;
        let mut meta = Attrs::new();
        meta.insert("source_file".into(), Value::from(abspath(path)));
        meta.insert("format".into(), Value::from("NWB"));

        // -- the units table
        let key = match &options.units_table {
            Some(k) => k.clone(),
            None => {
                let units: Vec<&str> = f
                    .keys()
                    .into_iter()
                    .filter(|(_, k)| *k == ObjectKind::Units)
                    .map(|(key, _)| key)
                    .collect();
                let pick = if units.contains(&"units") {
                    Some("units")
                } else {
                    units.first().copied()
                };
                pick.ok_or_else(|| {
                    SpikeDataError::Rawio(rawio_core::Error::NotFound {
                        format: "nwb",
                        what: format!("a Units table in {}", path.display()),
                        looked_for: vec![path.to_path_buf()],
                    })
                })?
                .to_owned()
            }
        };
        let units = f.units(&key)?;
        let t = &units.table;
        let n = t.ids.len();
        meta.insert("units_table".into(), Value::from(units.path.clone()));
        let st = t
            .column("spike_times")
            .or_else(|| {
                t.columns
                    .iter()
                    .find(|c| c.name.ends_with("_times") && c.is_ragged())
            })
            .ok_or_else(|| {
                SpikeDataError::invalid(format!(
                    "{}: the Units table {} has no spike_times column",
                    path.display(),
                    units.path
                ))
            })?;
        let flat: Vec<f64> = (0..st.data.len())
            .map(|i| st.data.f64(i).unwrap_or(f64::NAN))
            .collect();
        let index: Vec<i64> = match st.index.as_slice() {
            [ix] => ix
                .iter()
                .map(|&v| i64::try_from(v).unwrap_or(i64::MAX))
                .collect(),
            _ => {
                return Err(SpikeDataError::invalid(format!(
                    "{}: {}/{} is not a singly ragged column",
                    path.display(),
                    units.path,
                    st.name
                )));
            }
        };
        let secs = split_by_index(
            &flat,
            &index,
            Some(n),
            &format!("{}/{}_index", units.path, st.name),
        )?;
        let mut resorted = Vec::new();
        let trains: Vec<Vec<f64>> = secs
            .into_iter()
            .enumerate()
            .map(|(row, s)| {
                if !s.is_sorted() {
                    resorted.push(Value::from(t.ids.get(row).copied().unwrap_or(row as i64)));
                }
                s.into_iter().map(|v| v * 1e3).collect()
            })
            .collect();

        // -- electrodes
        let electrodes = f.electrodes()?;
        let spike_col = st.name.clone();
        let spike_index = format!("{spike_col}_index");
        let mut attrs: Vec<Attrs> = t
            .ids
            .iter()
            .map(|&id| {
                let mut a = Attrs::new();
                a.insert("unit_id".into(), Value::from(id));
                a
            })
            .collect();
        for c in &t.columns {
            if c.name == spike_col || c.name == spike_index {
                continue;
            }
            let c = normalise_index(c, n);
            // A DynamicTableRegion holds electrode table rows; SpikeLab's bare exports store
            // electrode ids in an untyped `electrodes` column instead.
            let is_electrodes = c.name == "electrodes";
            let holds_rows =
                c.neurodata_type.as_deref() == Some("DynamicTableRegion") || c.table.is_some();
            for (row, a) in attrs.iter_mut().enumerate() {
                let cell = c.cell(row);
                if is_electrodes {
                    let values: Vec<Option<i64>> = match &cell {
                        Value::Array(v) => v.iter().map(Value::as_i64).collect(),
                        Value::Number(x) => vec![x.as_i64()],
                        _ => Vec::new(),
                    };
                    // (electrode id, its row in the electrodes table)
                    let resolved: Vec<(Option<i64>, Option<usize>)> = values
                        .iter()
                        .map(|v| {
                            let e = electrodes.as_ref();
                            if holds_rows {
                                let r = v.and_then(|r| usize::try_from(r).ok());
                                let id = r.and_then(|r| e.and_then(|e| e.ids.get(r)).copied());
                                (id, r.filter(|_| id.is_some()))
                            } else {
                                let r = v.and_then(|id| {
                                    e.and_then(|e| e.ids.iter().position(|&x| x == id))
                                });
                                (*v, r)
                            }
                        })
                        .collect();
                    if holds_rows && resolved.iter().any(|(id, _)| id.is_none()) {
                        warn(
                            &mut meta,
                            format!(
                                "unit {}: electrode rows {cell} are not all rows of the \
                                 electrodes table",
                                a.get("unit_id").cloned().unwrap_or(Value::Null)
                            ),
                        );
                    }
                    if let Some((Some(first), r)) = resolved.first() {
                        a.insert("electrode".into(), Value::from(*first));
                        if let (Some(r), Some(e)) = (r, &electrodes)
                            && let Some(p) = electrode_position(e, *r)
                        {
                            a.insert(
                                "location".into(),
                                Value::Array(p.into_iter().map(rawio_core::json_f64).collect()),
                            );
                        }
                    }
                    a.insert(
                        "electrodes".into(),
                        Value::Array(
                            resolved
                                .iter()
                                .map(|(id, _)| id.map_or(Value::Null, Value::from))
                                .collect(),
                        ),
                    );
                    continue;
                }
                if c.name == "electrode_group" {
                    if let Some(g) = cell.as_str() {
                        let name = g.rsplit('/').next().unwrap_or(g).to_owned();
                        a.insert("group_name".into(), Value::from(name));
                    }
                    a.insert("electrode_group".into(), cell);
                    continue;
                }
                let name = if c.name == "location" && cell.is_string() {
                    "location_label".to_owned()
                } else if DERIVED.contains(&c.name.as_str()) {
                    format!("units_{}", c.name)
                } else {
                    c.name.clone()
                };
                a.insert(name, cell);
            }
        }

        // -- window
        let file_start = match h.attr("/", "start_time")? {
            Some(v) => number(&v),
            None => None,
        };
        let file_length = match h.attr("/", "length_ms")? {
            Some(v) => number(&v),
            None => None,
        };
        let (start_src, start) = match (options.start_time_ms, file_start) {
            (Some(s), _) => ("options", Some(s)),
            (None, Some(s)) => ("file_attrs", Some(s)),
            _ => ("", None),
        };
        let (len_src, length) = match (options.length_ms, file_length) {
            (Some(l), _) => ("options", Some(l)),
            (None, Some(l)) => ("file_attrs", Some(l)),
            _ => ("", None),
        };
        let first_spike = trains
            .iter()
            .filter_map(|t| t.iter().copied().reduce(f64::min))
            .reduce(f64::min);
        let last_spike = trains
            .iter()
            .filter_map(|t| t.iter().copied().reduce(f64::max))
            .reduce(f64::max);
        let (start, length, source) = match (start, length) {
            (Some(s), Some(l)) => {
                let src = if start_src == len_src {
                    start_src.to_owned()
                } else {
                    format!("{start_src}+{len_src}")
                };
                (s, l, src)
            }
            _ => {
                // derived window, in ms
                let obs = t.column("obs_intervals").map(|c| normalise_index(c, n));
                let mut lo = f64::INFINITY;
                let mut hi = f64::NEG_INFINITY;
                if let Some(c) = &obs {
                    for i in 0..c.data.len() {
                        if let Some(v) = c.data.f64(i).filter(|v| v.is_finite()) {
                            lo = lo.min(v * 1e3);
                            hi = hi.max(v * 1e3);
                        }
                    }
                }
                let derived = if lo <= hi {
                    if first_spike.is_some_and(|s| s < lo) || last_spike.is_some_and(|s| s > hi) {
                        warn(
                            &mut meta,
                            "spikes lie outside the union of obs_intervals; the window was \
                             widened to hold them",
                        );
                    }
                    "obs_intervals"
                } else {
                    lo = 0.0;
                    hi = 0.0;
                    for (k, kind) in f.keys() {
                        match kind {
                            ObjectKind::TimeIntervals => {
                                if let Ok(iv) = f.intervals(k) {
                                    for &v in iv.start.iter().chain(&iv.stop) {
                                        if v.is_finite() {
                                            lo = lo.min(v * 1e3);
                                            hi = hi.max(v * 1e3);
                                        }
                                    }
                                }
                            }
                            ObjectKind::TimeSeries { .. } => {
                                if let Some((a, b)) =
                                    f.path_of(k).and_then(|p| regular_series_span(&h, p))
                                {
                                    lo = lo.min(a * 1e3);
                                    hi = hi.max(b * 1e3);
                                }
                            }
                            _ => {}
                        }
                    }
                    "session"
                };
                if let Some(s) = first_spike {
                    lo = lo.min(s);
                }
                if let Some(s) = last_spike {
                    hi = hi.max(s);
                }
                let s = start.unwrap_or(lo);
                let l = length.unwrap_or_else(|| covering_length(s, hi));
                let src = match (start.is_some(), length.is_some()) {
                    (true, _) => format!("{start_src}+{derived}"),
                    (_, true) => format!("{derived}+{len_src}"),
                    _ => derived.to_owned(),
                };
                (s, l, src)
            }
        };
        meta.insert("window_source".into(), Value::from(source));
        meta.insert("unit_count".into(), Value::from(n));
        for (k, v) in f.session() {
            meta.entry(k.clone()).or_insert_with(|| v.clone());
        }
        if let Some(e) = &electrodes {
            meta.insert(
                "electrodes".into(),
                Value::Array(
                    (0..e.rows())
                        .map(|r| Value::Object(electrode_row(e, r)))
                        .collect(),
                ),
            );
        }
        if !resorted.is_empty() {
            meta.insert("resorted_units".into(), Value::Array(resorted));
        }
        SpikeData::new(
            trains,
            Options {
                n: None,
                length: Some(length),
                start_time: start,
                unit_attrs: Some(attrs),
                metadata: meta,
                raw: None,
            },
        )
    }
}
