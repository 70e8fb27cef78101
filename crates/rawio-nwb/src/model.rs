//! The NWB model of a walked HDF5 file: its TimeSeries, DynamicTables and session metadata
//! (the second step of opening, after the HDF5 walk).

use crate::degrade::Ctx;
use rawio_core::{Annotations, Result};
use rawio_hdf5::{Attributes, Dataset, ElementType, H5File, MemberKind};
use serde_json::Value as Json;

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
#[derive(Clone, Debug)]
pub(crate) struct SeriesInfo {
    pub path: String,
    pub name: String,
    pub neurodata_type: Option<String>,
    pub data: Dataset,
    pub shape: Vec<u64>,
    pub elem: ElementType,
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

    /// Path of the `data` dataset.
    pub fn data_path(&self) -> &str {
        self.data.path()
    }

    /// Whether this is an AnnotationSeries (text events).
    pub fn is_annotation(&self) -> bool {
        self.neurodata_type.as_deref() == Some("AnnotationSeries")
    }

    /// Whether this is a SpikeEventSeries (snippets around threshold crossings).
    pub fn is_spike_events(&self) -> bool {
        self.neurodata_type.as_deref() == Some("SpikeEventSeries")
    }
}

/// Everything the readers need from the file's object tree, found without reading data.
#[derive(Debug)]
pub(crate) struct Model {
    /// Every TimeSeries-like group, in walk order.
    pub series: Vec<SeriesInfo>,
    /// Every DynamicTable-like group, in walk order.
    pub tables: Vec<TableRef>,
    /// Session metadata (block annotations).
    pub session: Annotations,
}

impl Model {
    /// Finds the series, the tables and the session metadata of a walked file; a series
    /// whose metadata cannot be read is left out (listed in `ctx`).
    pub fn read(h: &H5File, ctx: &mut Ctx) -> Result<Model> {
        Ok(Model {
            series: find_series(h, ctx)?,
            tables: find_tables(h),
            session: session(h),
        })
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

/// The attributes of the object at `path`, empty when they cannot be read (metadata is
/// best effort; data reads report errors).
pub(crate) fn attrs(h: &H5File, path: &str) -> Attributes {
    h.attributes(path).unwrap_or_default()
}

/// Annotations derived from typed attributes: text (scalars and lists), numeric scalars
/// (integers as integers) and object references (as paths). Other types are left out.
pub(crate) fn annotations(attrs: &Attributes) -> Annotations {
    let mut m = Annotations::new();
    for a in attrs {
        let v: Option<Json> = match a.element_type() {
            ElementType::Text if a.is_scalar() => a.read_string().ok().map(Json::from),
            ElementType::Text => a.read_strings().ok().map(Json::from),
            ElementType::Numeric(d) if a.is_scalar() => a.read_f64().ok().map(|v| {
                if !d.is_float() && v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Json::from(v as i64)
                } else {
                    rawio_core::json_f64(v)
                }
            }),
            ElementType::ObjectRef if a.is_scalar() => a.read_ref().ok().flatten().map(Json::from),
            _ => None,
        };
        if let Some(v) = v {
            m.insert(a.name().to_owned(), v);
        }
    }
    m
}

/// The dataset members of group `path`.
fn dataset_members(h: &H5File, path: &str) -> Vec<String> {
    h.members(path)
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.kind == MemberKind::Dataset)
        .map(|m| m.name)
        .collect()
}

/// Every group with a `data` dataset and a `starting_time` or `timestamps` dataset (those
/// whose metadata cannot be read are listed in `ctx`).
pub(crate) fn find_series(h: &H5File, ctx: &mut Ctx) -> Result<Vec<SeriesInfo>> {
    let mut out = Vec::new();
    for o in h.objects() {
        if o.kind != MemberKind::Group || o.soft {
            continue;
        }
        let kids = dataset_members(h, &o.path);
        let has = |n: &str| kids.iter().any(|k| k == n);
        if !has("data") || !(has("starting_time") || has("timestamps")) {
            continue;
        }
        if let Some(s) = ctx.guard(&o.path, series_info(h, &o.path, &has))? {
            out.push(s);
        }
    }
    Ok(out)
}

/// The time axis of series `g`: `starting_time` with a usable `rate`, else `timestamps`.
fn time_axis(
    h: &H5File,
    g: &str,
    has: &dyn Fn(&str) -> bool,
) -> Result<(Option<TimeAxis>, Option<String>)> {
    if has("starting_time") {
        let ds = h.dataset(&format!("{g}/starting_time"))?;
        let start = ds.read_f64()?.first().copied();
        let rate = ds.attributes().f64("rate");
        return Ok(match (start, rate) {
            (Some(s), Some(r)) if s.is_finite() && r.is_finite() && r > 0.0 => {
                (Some(TimeAxis::Regular { start: s, rate: r }), None)
            }
            _ => (
                None,
                Some(format!("starting_time {start:?} with rate {rate:?}")),
            ),
        });
    }
    let path = format!("{g}/timestamps");
    let count = h.dataset(&path)?.len();
    Ok((Some(TimeAxis::Timestamps { path, count }), None))
}

/// The electrode rows of an ElectricalSeries and the referenced table path: integer row
/// indexes (NWB 2.1+), or region references into the table's columns (NWB 2.0b, MatNWB).
fn electrode_rows(h: &H5File, g: &str) -> Result<Option<(Vec<i64>, Option<String>)>> {
    let ds = h.dataset(&format!("{g}/electrodes"))?;
    let table = ds.attributes().reference("table");
    Ok(match ds.element_type() {
        ElementType::Numeric(d) if !d.is_float() => Some((ds.read_i64()?, table)),
        ElementType::RegionRef => {
            let (rows, t) = crate::table::region_rows(&ds)?;
            Some((rows, table.or(t)))
        }
        _ => None,
    })
}

fn series_info(h: &H5File, g: &str, has: &dyn Fn(&str) -> bool) -> Result<SeriesInfo> {
    let gattrs = attrs(h, g);
    let data = h.dataset(&format!("{g}/data"))?;
    let dattrs = data.attributes();
    let (time, time_problem) = time_axis(h, g, has)?;
    let channel_conversion = if has("channel_conversion") {
        Some(h.dataset(&format!("{g}/channel_conversion"))?.read_f64()?)
    } else {
        None
    };
    let electrodes = if has("electrodes") {
        electrode_rows(h, g)?
    } else {
        None
    };
    let mut ann = annotations(&gattrs);
    for k in ["object_id", "namespace"] {
        ann.remove(k);
    }
    Ok(SeriesInfo {
        path: g.to_owned(),
        name: g.rsplit('/').next().unwrap_or(g).to_owned(),
        neurodata_type: gattrs.text("neurodata_type"),
        shape: data.shape().to_vec(),
        elem: data.element_type().clone(),
        data,
        time,
        time_problem,
        conversion: dattrs.f64("conversion").unwrap_or(1.0),
        offset: dattrs.f64("offset").unwrap_or(0.0),
        unit: dattrs.text("unit"),
        channel_conversion,
        electrodes,
        attrs: ann,
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
    for o in h.objects() {
        if o.kind != MemberKind::Group || o.soft {
            continue;
        }
        let kids = dataset_members(h, &o.path);
        let has = |n: &str| kids.iter().any(|k| k == n);
        let attrs = attrs(h, &o.path);
        let bare_units = has("spike_times") && has("spike_times_index");
        if !(attrs.contains("colnames") || bare_units || (has("id") && kids.len() > 1)) {
            continue;
        }
        if has("data") {
            continue; // a TimeSeries-like group, not a table
        }
        out.push(TableRef {
            path: o.path.clone(),
            neurodata_type: attrs.text("neurodata_type"),
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
    if let Some(v) = attrs(h, "/").text("nwb_version") {
        m.insert("nwb_version".into(), v.into());
    }
    let text = |p: &str| -> Option<Json> {
        let ds = h.dataset(p).ok()?;
        if *ds.element_type() != ElementType::Text {
            return None;
        }
        let v = ds.read_strings().ok()?;
        Some(if ds.ndim() == 0 {
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
        for name in dataset_members(h, dir) {
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
