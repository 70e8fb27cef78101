//! Finding NWB objects in the walked HDF5 tree: TimeSeries, DynamicTables, session metadata.

use crate::h5::{Dataset, Elem, H5File, NodeKind};
use rawio_core::{Annotations, Result};

/// How a series' samples are placed in time.
#[derive(Debug, Clone, PartialEq)]
pub enum TimeAxis {
    /// `t[i] = start + i / rate` (`starting_time` + its `rate` attribute).
    Regular {
        /// `starting_time` in seconds.
        start: f64,
        /// `starting_time@rate` in Hz.
        rate: f64,
    },
    /// Explicit `timestamps` dataset (seconds), read on demand.
    Timestamps {
        /// Path of the timestamps dataset (a soft link is reported at the linking path).
        path: String,
        /// Number of timestamps.
        count: u64,
    },
}

/// Everything known about one TimeSeries group without reading its data.
#[derive(Clone)]
pub(crate) struct SeriesInfo {
    pub path: String,
    pub name: String,
    pub neurodata_type: Option<String>,
    pub data: Dataset,
    pub data_path: String,
    pub shape: Vec<u64>,
    pub elem: Elem,
    pub time: Option<TimeAxis>,
    /// Why the time axis is unusable (missing rate...).
    pub time_problem: Option<String>,
    pub conversion: f64,
    pub offset: f64,
    pub unit: Option<String>,
    pub channel_conversion: Option<Vec<f64>>,
    /// Electrode table rows of an ElectricalSeries and the table path.
    pub electrodes: Option<(Vec<i64>, Option<String>)>,
    pub attrs: Annotations,
}

impl SeriesInfo {
    /// Number of samples (first dimension; 1 for scalars).
    pub fn len(&self) -> u64 {
        self.shape.first().copied().unwrap_or(1)
    }
}

/// Short unit names for the usual NWB spellings.
pub(crate) fn short_unit(u: &str) -> String {
    match u.trim() {
        "volts" | "volt" | "Volts" | "V" => "V".into(),
        "millivolts" | "mV" => "mV".into(),
        "microvolts" | "uV" => "uV".into(),
        "seconds" | "s" => "s".into(),
        other => other.to_owned(),
    }
}

/// Every group with a `data` dataset and a `starting_time` or `timestamps` dataset.
pub(crate) fn find_series(h: &H5File) -> Result<Vec<SeriesInfo>> {
    let mut out = Vec::new();
    let groups: Vec<String> = h
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Group && !n.soft)
        .map(|n| n.path.clone())
        .collect();
    for g in groups {
        let kids = h.children(&g);
        let has_ds = |n: &str| kids.iter().any(|(k, t)| k == n && *t == NodeKind::Dataset);
        if !has_ds("data") || !(has_ds("starting_time") || has_ds("timestamps")) {
            continue;
        }
        out.push(series_info(h, &g, &has_ds)?);
    }
    Ok(out)
}

fn series_info(h: &H5File, g: &str, has_ds: &dyn Fn(&str) -> bool) -> Result<SeriesInfo> {
    let gattrs = h.attrs(g);
    let data_path = format!("{g}/data");
    let data = h.dataset(&data_path)?;
    let dattrs = data.attributes();
    let shape = H5File::shape(&data);
    let elem = H5File::elem(&data);
    let mut time = None;
    let mut time_problem = None;
    if has_ds("starting_time") {
        let p = format!("{g}/starting_time");
        let ds = h.dataset(&p)?;
        let start = h.read_f64(&ds, &p)?.first().copied();
        let rate = H5File::attr_f64(&ds.attributes(), "rate");
        match (start, rate) {
            (Some(s), Some(r)) if s.is_finite() && r.is_finite() && r > 0.0 => {
                time = Some(TimeAxis::Regular { start: s, rate: r });
            }
            _ => time_problem = Some(format!("starting_time {start:?} with rate {rate:?}")),
        }
    } else {
        let p = format!("{g}/timestamps");
        let ds = h.dataset(&p)?;
        let count = H5File::shape(&ds).first().copied().unwrap_or(1);
        time = Some(TimeAxis::Timestamps { path: p, count });
    }
    let channel_conversion = if has_ds("channel_conversion") {
        let p = format!("{g}/channel_conversion");
        Some(h.read_f64(&h.dataset(&p)?, &p)?)
    } else {
        None
    };
    let electrodes = if has_ds("electrodes") {
        let p = format!("{g}/electrodes");
        let ds = h.dataset(&p)?;
        let table = h.attr_ref(&ds.attributes(), "table");
        match H5File::elem(&ds) {
            Elem::Num(d) if !d.is_float() => Some((h.read_i64(&ds, &p)?, table)),
            _ => None,
        }
    } else {
        None
    };
    let mut attrs = h.attrs_json(&gattrs);
    for k in ["object_id", "namespace"] {
        attrs.remove(k);
    }
    Ok(SeriesInfo {
        path: g.to_owned(),
        name: g.rsplit('/').next().unwrap_or(g).to_owned(),
        neurodata_type: H5File::attr_str(&gattrs, "neurodata_type"),
        data,
        data_path,
        shape,
        elem,
        time,
        time_problem,
        conversion: H5File::attr_f64(&dattrs, "conversion").unwrap_or(1.0),
        offset: H5File::attr_f64(&dattrs, "offset").unwrap_or(0.0),
        unit: H5File::attr_str(&dattrs, "unit"),
        channel_conversion,
        electrodes,
        attrs,
    })
}

/// A group that looks like a DynamicTable, with its `neurodata_type`.
#[derive(Debug, Clone)]
pub(crate) struct TableRef {
    pub path: String,
    pub neurodata_type: Option<String>,
    /// Dataset children.
    pub columns: Vec<String>,
}

/// Every DynamicTable-like group: a `colnames` attribute, or an `id` dataset, or the bare
/// `/units` group of SpikeLab exports (`spike_times` + `spike_times_index`).
pub(crate) fn find_tables(h: &H5File) -> Vec<TableRef> {
    let mut out = Vec::new();
    for n in h
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Group && !n.soft)
    {
        let kids: Vec<String> = h
            .children(&n.path)
            .into_iter()
            .filter(|(_, k)| *k == NodeKind::Dataset)
            .map(|(k, _)| k)
            .collect();
        let attrs = h.attrs(&n.path);
        let has_colnames = attrs.iter().any(|a| a.name == "colnames");
        let bare_units = kids.iter().any(|k| k == "spike_times")
            && kids.iter().any(|k| k == "spike_times_index");
        if !(has_colnames || bare_units || (kids.iter().any(|k| k == "id") && kids.len() > 1)) {
            continue;
        }
        if kids.iter().any(|k| k == "data") {
            continue; // a TimeSeries-like group, not a table
        }
        out.push(TableRef {
            path: n.path.clone(),
            neurodata_type: H5File::attr_str(&attrs, "neurodata_type"),
            columns: kids,
        });
    }
    out
}

impl TableRef {
    /// A Units-like table: anything with `*_times` + `*_times_index` (pynapple's rule) or
    /// typed `Units`.
    pub fn is_units(&self) -> bool {
        self.neurodata_type.as_deref() == Some("Units")
            || self.columns.iter().any(|c| {
                c.strip_suffix("_times_index")
                    .is_some_and(|b| self.columns.iter().any(|d| *d == format!("{b}_times")))
            })
    }

    /// A TimeIntervals table.
    pub fn is_intervals(&self) -> bool {
        self.neurodata_type.as_deref() == Some("TimeIntervals")
            || (self.path.starts_with("/intervals/")
                && self.columns.iter().any(|c| c == "start_time")
                && self.columns.iter().any(|c| c == "stop_time"))
    }

    /// An EventsTable (NWB 2.11).
    pub fn is_events(&self) -> bool {
        self.neurodata_type.as_deref() == Some("EventsTable")
            || (self.path.starts_with("/events/") && self.columns.iter().any(|c| c == "timestamp"))
    }

    /// The electrodes table.
    pub fn is_electrodes(&self) -> bool {
        self.path == "/general/extracellular_ephys/electrodes"
            || self.neurodata_type.as_deref() == Some("ElectrodesTable")
    }
}

/// Session metadata: root attributes, root text datasets, `/general` text datasets and
/// `/general/subject`.
pub(crate) fn session(h: &H5File) -> Annotations {
    let mut m = Annotations::new();
    let root = h.attrs("/");
    if let Some(v) = H5File::attr_str(&root, "nwb_version") {
        m.insert("nwb_version".into(), v.into());
    }
    let text = |p: &str| -> Option<serde_json::Value> {
        let ds = h.dataset(p).ok()?;
        if H5File::elem(&ds) != Elem::Str {
            return None;
        }
        let v = ds.read_strings().ok()?;
        Some(if H5File::shape(&ds).is_empty() {
            v.into_iter().next()?.into()
        } else {
            v.into()
        })
    };
    for (dir, prefix) in [
        ("/", ""),
        ("/general", ""),
        ("/general/subject", "subject_"),
    ] {
        if !h.is_group(dir) {
            continue;
        }
        for (name, kind) in h.children(dir) {
            if kind != NodeKind::Dataset {
                continue;
            }
            let p = if dir == "/" {
                format!("/{name}")
            } else {
                format!("{dir}/{name}")
            };
            if let Some(v) = text(&p) {
                m.insert(format!("{prefix}{name}"), v);
            }
        }
    }
    m
}

/// The union of closed intervals `[start, stop]`: sorted, overlapping and touching intervals
/// merged; intervals with a non-finite bound or `stop < start` are dropped.
pub(crate) fn interval_union(mut v: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    v.retain(|(a, b)| a.is_finite() && b.is_finite() && a <= b);
    v.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.total_cmp(&y.1)));
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// The observation time support of row `row` of a Units table: the union of its
/// `obs_intervals` (an `(n, 2)` column, ragged through `obs_intervals_index` or one interval
/// per row). `None` when the table has no such column or the row has no usable interval.
pub(crate) fn obs_support(t: &crate::table::Table, row: usize) -> Option<Vec<(f64, f64)>> {
    let c = t.column("obs_intervals")?;
    if c.elem_shape != [2] {
        return None;
    }
    let r = c.row_range(row)?;
    let v: Vec<(f64, f64)> = r
        .filter_map(|k| Some((c.data.f64(2 * k)?, c.data.f64(2 * k + 1)?)))
        .collect();
    let u = interval_union(v);
    (!u.is_empty()).then_some(u)
}

/// Intervals as JSON `[[start, stop], ...]`.
pub(crate) fn intervals_json(v: &[(f64, f64)]) -> serde_json::Value {
    v.iter()
        .map(|&(a, b)| serde_json::json!([rawio_core::json_f64(a), rawio_core::json_f64(b)]))
        .collect::<Vec<_>>()
        .into()
}

#[cfg(test)]
mod tests {
    use super::{interval_union, short_unit};

    #[test]
    fn interval_unions() {
        assert_eq!(
            interval_union(vec![(1.2, 1.5), (0.5, 0.8), (0.7, 1.0)]),
            [(0.5, 1.0), (1.2, 1.5)]
        );
        // touching intervals merge (closed intervals), contained ones vanish
        assert_eq!(
            interval_union(vec![(0.5, 1.0), (1.0, 1.5), (0.6, 0.7)]),
            [(0.5, 1.5)]
        );
        // garbage is dropped
        assert_eq!(
            interval_union(vec![
                (2.0, 1.0),
                (f64::NAN, 1.0),
                (0.0, f64::INFINITY),
                (3.0, 3.0)
            ]),
            [(3.0, 3.0)]
        );
        assert!(interval_union(Vec::new()).is_empty());
    }

    #[test]
    fn units_are_shortened() {
        assert_eq!(short_unit("volts"), "V");
        assert_eq!(short_unit(" microvolts "), "uV");
        assert_eq!(short_unit("degrees C"), "degrees C");
    }
}
