//! [`SpikeData::from_nwb`]: an NWB Units table as a `SpikeData` (SpikeLab's
//! `load_spikedata_from_nwb`, with every column, every electrode and a real window).

use super::{abspath, covering_length, scalar_f64, split_by_index, warn};
use crate::core::{Attrs, Options, SpikeData};
use crate::error::{Result, SpikeDataError};
use rawio_nwb::hdf5::H5File;
use rawio_nwb::{Column, NwbFile, ObjectKind, Table, Units};
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
fn regular_series_span(h: &H5File, path: &str) -> Option<(f64, f64)> {
    let st = format!("{path}/starting_time");
    if !h.is_dataset(&st) {
        return None;
    }
    let ds = h.dataset(&st).ok()?;
    let start = *ds.read_f64().ok()?.first()?;
    let rate = scalar_f64(ds.attributes().get("rate")?)?;
    let n = *h.dataset(&format!("{path}/data")).ok()?.shape().first()?;
    (rate > 0.0 && start.is_finite()).then(|| (start, start + n as f64 / rate))
}

/// A numeric root attribute, `None` when absent or not a number.
fn root_attr(h: &H5File, name: &str) -> Result<Option<f64>> {
    Ok(h.attributes("/")?.get(name).and_then(scalar_f64))
}

/// Step 1: the key of the Units table to load (the option, else `units`, else the first).
fn pick_units_table(f: &NwbFile, path: &Path, options: &NwbOptions) -> Result<String> {
    if let Some(k) = &options.units_table {
        return Ok(k.clone());
    }
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
    pick.map(str::to_owned).ok_or_else(|| {
        SpikeDataError::Rawio(rawio_core::Error::NotFound {
            format: "nwb",
            what: format!("a Units table in {}", path.display()),
            looked_for: vec![path.to_path_buf()],
        })
    })
}

/// The spike-times column of a Units table (`spike_times`, else a ragged `*_times`).
fn spike_column<'a>(units: &'a Units, path: &Path) -> Result<&'a Column> {
    let t = &units.table;
    t.column("spike_times")
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
        })
}

/// Step 2: the trains in ms (stored order within a row, sorted), and the ids of the rows
/// whose stored times were not sorted.
fn spike_trains(units: &Units, st: &Column, path: &Path) -> Result<(Vec<Vec<f64>>, Vec<Value>)> {
    let t = &units.table;
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
        Some(t.ids.len()),
        &format!("{}/{}_index", units.path, st.name),
    )?;
    let mut resorted = Vec::new();
    let trains = secs
        .into_iter()
        .enumerate()
        .map(|(row, s)| {
            if !s.is_sorted() {
                resorted.push(Value::from(t.ids.get(row).copied().unwrap_or(row as i64)));
            }
            s.into_iter().map(|v| v * 1e3).collect()
        })
        .collect();
    Ok((trains, resorted))
}

/// Step 3: the unit attributes: `unit_id`, then every column but the spike times.
fn unit_attributes(
    units: &Units,
    st: &Column,
    electrodes: Option<&Table>,
    meta: &mut Attrs,
) -> Vec<Attrs> {
    let t = &units.table;
    let n = t.ids.len();
    let spike_index = format!("{}_index", st.name);
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
        if c.name == st.name || c.name == spike_index {
            continue;
        }
        let c = normalise_index(c, n);
        for (row, a) in attrs.iter_mut().enumerate() {
            let cell = c.cell(row);
            match c.name.as_str() {
                "electrodes" => electrode_attrs(&c, cell, electrodes, a, meta),
                "electrode_group" => {
                    if let Some(g) = cell.as_str() {
                        let name = g.rsplit('/').next().unwrap_or(g).to_owned();
                        a.insert("group_name".into(), Value::from(name));
                    }
                    a.insert("electrode_group".into(), cell);
                }
                name => {
                    let key = if name == "location" && cell.is_string() {
                        "location_label".to_owned()
                    } else if DERIVED.contains(&name) {
                        format!("units_{name}")
                    } else {
                        name.to_owned()
                    };
                    a.insert(key, cell);
                }
            }
        }
    }
    attrs
}

/// The `electrodes` cell of one unit: `electrodes` = electrode ids, `electrode` = the first,
/// `location` = its `[x, y, z]`. A DynamicTableRegion holds electrode table rows; SpikeLab's
/// bare exports store electrode ids in an untyped `electrodes` column instead.
fn electrode_attrs(
    c: &Column,
    cell: Value,
    electrodes: Option<&Table>,
    a: &mut Attrs,
    meta: &mut Attrs,
) {
    let holds_rows = c.neurodata_type.as_deref() == Some("DynamicTableRegion") || c.table.is_some();
    let values: Vec<Option<i64>> = match &cell {
        Value::Array(v) => v.iter().map(Value::as_i64).collect(),
        Value::Number(x) => vec![x.as_i64()],
        _ => Vec::new(),
    };
    // (electrode id, its row in the electrodes table)
    let resolved: Vec<(Option<i64>, Option<usize>)> = values
        .iter()
        .map(|v| {
            if holds_rows {
                let r = v.and_then(|r| usize::try_from(r).ok());
                let id = r.and_then(|r| electrodes.and_then(|e| e.ids.get(r)).copied());
                (id, r.filter(|_| id.is_some()))
            } else {
                let r =
                    v.and_then(|id| electrodes.and_then(|e| e.ids.iter().position(|&x| x == id)));
                (*v, r)
            }
        })
        .collect();
    if holds_rows && resolved.iter().any(|(id, _)| id.is_none()) {
        warn(
            meta,
            format!(
                "unit {}: electrode rows {cell} are not all rows of the electrodes table",
                a.get("unit_id").cloned().unwrap_or(Value::Null)
            ),
        );
    }
    if let Some((Some(first), r)) = resolved.first() {
        a.insert("electrode".into(), Value::from(*first));
        if let (Some(r), Some(e)) = (r, electrodes)
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
}

/// A window bound and where it came from.
type Bound = (&'static str, Option<f64>);

/// Step 4: the window `(start, length, source)` in ms: options, then the root attributes,
/// else derived ([`derived_window`]).
fn window(
    h: &H5File,
    f: &NwbFile,
    units: &Units,
    trains: &[Vec<f64>],
    options: &NwbOptions,
    meta: &mut Attrs,
) -> Result<(f64, f64, String)> {
    let pick = |opt: Option<f64>, file: Option<f64>| -> Bound {
        match (opt, file) {
            (Some(v), _) => ("options", Some(v)),
            (None, Some(v)) => ("file_attrs", Some(v)),
            _ => ("", None),
        }
    };
    let (start_src, start) = pick(options.start_time_ms, root_attr(h, "start_time")?);
    let (len_src, length) = pick(options.length_ms, root_attr(h, "length_ms")?);
    if let (Some(s), Some(l)) = (start, length) {
        let src = if start_src == len_src {
            start_src.to_owned()
        } else {
            format!("{start_src}+{len_src}")
        };
        return Ok((s, l, src));
    }
    let (lo, hi, derived) = derived_window(h, f, units, trains, meta);
    let s = start.unwrap_or(lo);
    let l = length.unwrap_or_else(|| covering_length(s, hi));
    let src = match (start.is_some(), length.is_some()) {
        (true, _) => format!("{start_src}+{derived}"),
        (_, true) => format!("{derived}+{len_src}"),
        _ => derived.to_owned(),
    };
    Ok((s, l, src))
}

/// The derived window `[lo, hi]` in ms and its source: the union of the `obs_intervals`
/// when the table has them (`"obs_intervals"`), else the session (`"session"`: from
/// `min(0, earliest)` over the TimeIntervals tables and the regular series); widened to hold
/// every spike.
fn derived_window(
    h: &H5File,
    f: &NwbFile,
    units: &Units,
    trains: &[Vec<f64>],
    meta: &mut Attrs,
) -> (f64, f64, &'static str) {
    let first_spike = trains
        .iter()
        .filter_map(|t| t.iter().copied().reduce(f64::min))
        .reduce(f64::min);
    let last_spike = trains
        .iter()
        .filter_map(|t| t.iter().copied().reduce(f64::max))
        .reduce(f64::max);
    let n = units.table.ids.len();
    let obs = units
        .table
        .column("obs_intervals")
        .map(|c| normalise_index(c, n));
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
                meta,
                "spikes lie outside the union of obs_intervals; the window was widened to \
                 hold them",
            );
        }
        "obs_intervals"
    } else {
        (lo, hi) = session_span(h, f);
        "session"
    };
    if let Some(s) = first_spike {
        lo = lo.min(s);
    }
    if let Some(s) = last_spike {
        hi = hi.max(s);
    }
    (lo, hi, derived)
}

/// `[min(0, earliest), max(0, latest)]` in ms over every TimeIntervals table and every
/// regularly sampled TimeSeries (series with explicit timestamps are not read).
fn session_span(h: &H5File, f: &NwbFile) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
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
                if let Some((a, b)) = f.path_of(k).and_then(|p| regular_series_span(h, p)) {
                    lo = lo.min(a * 1e3);
                    hi = hi.max(b * 1e3);
                }
            }
            _ => {}
        }
    }
    (lo, hi)
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
    ///
    /// The steps: pick the Units table, read the trains, derive the unit attributes, the
    /// window, then the metadata.
    pub fn from_nwb(path: impl AsRef<Path>, options: &NwbOptions) -> Result<SpikeData> {
        let path = path.as_ref();
        let h = rawio_nwb::hdf5::open(path)?;
        let f = NwbFile::open(path)?;
        let mut meta = Attrs::new();
        meta.insert("source_file".into(), Value::from(abspath(path)));
        meta.insert("format".into(), Value::from("NWB"));
        let units = f.units(&pick_units_table(&f, path, options)?)?;
        meta.insert("units_table".into(), Value::from(units.path.clone()));
        let st = spike_column(&units, path)?;
        let (trains, resorted) = spike_trains(&units, st, path)?;
        let electrodes = f.electrodes()?;
        let attrs = unit_attributes(&units, st, electrodes.as_ref(), &mut meta);
        let (start, length, source) = window(&h, &f, &units, &trains, options, &mut meta)?;
        meta.insert("window_source".into(), Value::from(source));
        meta.insert("unit_count".into(), Value::from(units.table.ids.len()));
        for (k, v) in f.session() {
            meta.entry(k.clone()).or_insert_with(|| v.clone());
        }
        if let Some(e) = &electrodes {
            let rows = (0..e.rows()).map(|r| Value::Object(electrode_row(e, r)));
            meta.insert("electrodes".into(), Value::Array(rows.collect()));
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
