//! Opening an NWB file as a RawIO, step by step:
//!
//! 1. [`open_file`]: the HDF5 file, walked (`rawio-hdf5`).
//! 2. [`crate::model::Model::read`]: the NWB model (series, tables, session metadata).
//! 3. [`index_signals`], [`index_units`], [`index_events`]: the signal streams and their
//!    channels, the spike channels, the event and epoch channels, each with the time span
//!    it covers.
//! 4. [`build_header`]: the header (one block, one segment whose bounds span everything
//!    timed; units without `obs_intervals` observed over the segment).

use crate::model::{self, Model, SeriesInfo, TableRef, TimeAxis};
use crate::reader::{EventData, Stream, Unit, WaveformSource};
use crate::table::{self, Column, ColumnData, Table};
use rawio_core::{
    Annotations, Block, Dtype, Error, EventChannel, EventKind, Header, Result, SampleClock,
    Segment, SignalChannel, SignalStream, SpikeChannel,
};
use rawio_hdf5::{Dataset, ElementType, H5File, OpenOptions, SignalData};
use serde_json::{Value, json};
use std::ops::Range;
use std::path::Path;

/// Step 1: opens the HDF5 file (errors name the format `nwb`) and walks its objects.
pub(crate) fn open_file(path: &Path) -> Result<H5File> {
    H5File::open(path, crate::FORMAT_ID, &OpenOptions::default())
}

/// The smallest interval holding every finite time added.
#[derive(Default, Debug, Clone, Copy, PartialEq)]
pub(crate) struct Span(Option<(f64, f64)>);

impl Span {
    pub fn add(&mut self, t: f64) {
        if !t.is_finite() {
            return;
        }
        self.0 = Some(match self.0 {
            None => (t, t),
            Some((a, b)) => (a.min(t), b.max(t)),
        });
    }

    fn merge(&mut self, other: Span) {
        if let Some((a, b)) = other.0 {
            self.add(a);
            self.add(b);
        }
    }
}

/// Tables read once and shared by the steps (the electrodes table).
#[derive(Default)]
pub(crate) struct TableCache(Vec<(String, Table)>);

impl TableCache {
    /// The table at group `path`, `None` when there is no such group.
    fn get(&mut self, h: &H5File, path: &str) -> Result<Option<Table>> {
        if let Some((_, t)) = self.0.iter().find(|(q, _)| q == path) {
            return Ok(Some(t.clone()));
        }
        if !h.is_group(path) {
            return Ok(None);
        }
        let t = table::read_table(h, path)?;
        self.0.push((path.to_owned(), t.clone()));
        Ok(Some(t))
    }
}

// ---------------------------------------------------------------------------------------
// step 3a: signal streams
// ---------------------------------------------------------------------------------------

/// The signal streams, their channels and data, and the series that are not streams.
#[derive(Default)]
pub(crate) struct SignalIndex {
    pub streams: Vec<SignalStream>,
    pub channels: Vec<SignalChannel>,
    pub data: Vec<Stream>,
    /// Series with explicit timestamps (segment annotation `timestamps_series`).
    pub timestamps_series: Vec<Value>,
    /// Other series that are not streams, with the reason (`other_series`).
    pub other_series: Vec<Value>,
    pub span: Span,
}

/// Step 3a: every regularly sampled 1-D or 2-D numeric series is a stream; the others are
/// listed.
pub(crate) fn index_signals(
    h: &H5File,
    model: &Model,
    tables: &mut TableCache,
) -> Result<SignalIndex> {
    let mut out = SignalIndex::default();
    for s in model.series.iter().filter(|s| !s.is_annotation()) {
        let ElementType::Numeric(dtype) = s.elem else {
            out.other_series
                .push(json!({"path": s.path, "reason": "non-numeric data"}));
            continue;
        };
        match &s.time {
            Some(TimeAxis::Regular { start, rate }) if matches!(s.shape.len(), 1 | 2) => {
                out.add_stream(h, s, (*start, *rate), dtype, tables)?;
            }
            Some(TimeAxis::Timestamps { path, count }) => {
                out.add_timestamped(h, s, dtype, path, *count)?;
            }
            Some(TimeAxis::Regular { start, rate }) => {
                out.span.add(*start);
                out.span.add(*start + s.len() as f64 / rate);
                out.other_series.push(json!({
                    "path": s.path,
                    "reason": format!("{}-D data", s.shape.len()),
                    "shape": s.shape,
                    "dtype": dtype.name(),
                    "starting_time": rawio_core::json_f64(*start),
                    "rate": rawio_core::json_f64(*rate),
                }));
            }
            None => {
                let why = s.time_problem.clone().unwrap_or_default();
                out.other_series
                    .push(json!({"path": s.path, "reason": why}));
            }
        }
    }
    Ok(out)
}

impl SignalIndex {
    /// A regular series as a stream.
    fn add_stream(
        &mut self,
        h: &H5File,
        s: &SeriesInfo,
        (start, rate): (f64, f64),
        dtype: Dtype,
        tables: &mut TableCache,
    ) -> Result<()> {
        let ncols = s.shape.get(1).copied().unwrap_or(1);
        if ncols == 0 {
            self.other_series
                .push(json!({"path": s.path, "reason": "no column"}));
            return Ok(());
        }
        let channels = signal_channels(h, s, rate, dtype, ncols, tables)?;
        self.channels.extend(channels);
        let mut ann = s.attrs.clone();
        ann.insert("data_path".into(), s.data_path().into());
        ann.insert("conversion".into(), rawio_core::json_f64(s.conversion));
        ann.insert("offset".into(), rawio_core::json_f64(s.offset));
        if let Some(u) = &s.unit {
            ann.insert("unit".into(), u.clone().into());
        }
        self.streams.push(SignalStream {
            name: s.name.clone(),
            id: s.path.clone(),
            buffer_id: String::new(),
            clock: SampleClock::Regular,
            annotations: ann,
        });
        self.span.add(start);
        self.span.add(start + s.len() as f64 / rate);
        self.data.push(Stream {
            signal: SignalData::new(s.data.clone())?,
            t_start: start,
        });
        Ok(())
    }

    /// A series with explicit timestamps: listed with its first/last time (2 values read)
    /// and the rate they imply; the data and the other timestamps stay on disk.
    fn add_timestamped(
        &mut self,
        h: &H5File,
        s: &SeriesInfo,
        dtype: Dtype,
        tp: &str,
        count: u64,
    ) -> Result<()> {
        let ds = h.dataset(tp)?;
        let at = |i: u64| -> Option<f64> {
            let v = ds.read_rows(i..i + 1).ok()?;
            v.to_f64().iter().copied().next().filter(|t| t.is_finite())
        };
        let (first, last) = if count > 0 {
            (at(0), at(count - 1))
        } else {
            (None, None)
        };
        for t in [first, last].into_iter().flatten() {
            self.span.add(t);
        }
        let rate = match (first, last) {
            (Some(a), Some(b)) if count > 1 && b > a => Some((count - 1) as f64 / (b - a)),
            _ => None,
        };
        let opt = |v: Option<f64>| v.map_or(Value::Null, rawio_core::json_f64);
        self.timestamps_series.push(json!({
            "path": s.path,
            "name": s.name,
            "neurodata_type": s.neurodata_type,
            "data_path": s.data_path(),
            "shape": s.shape,
            "dtype": dtype.name(),
            "unit": s.unit,
            "timestamps": tp,
            "count": count,
            "t_start": opt(first),
            "t_stop": opt(last),
            "rate_estimate": opt(rate),
        }));
        Ok(())
    }
}

/// The scalar (non-ragged, 1 value per row) cells of `t` at `row`, as annotations.
fn scalar_cells(t: &Table, row: usize) -> Annotations {
    t.columns
        .iter()
        .filter(|c| !c.is_ragged() && c.elem_shape.is_empty() && c.data.len() == t.rows())
        .map(|c| (c.name.clone(), c.cell(row)))
        .collect()
}

/// Ids, names and annotations of the channels of an ElectricalSeries from its electrodes
/// table rows: id = the row's `id` (column indexes when those repeat), name = the
/// `channel_name` or `label` column, annotations = the row's scalar cells.
struct ChannelLabels {
    ids: Vec<String>,
    names: Vec<String>,
    anns: Vec<Annotations>,
}

impl ChannelLabels {
    /// Column indexes as ids and names, no annotation.
    fn plain(n: usize) -> Self {
        let ids: Vec<String> = (0..n).map(|c| c.to_string()).collect();
        ChannelLabels {
            names: ids.clone(),
            ids,
            anns: vec![Annotations::new(); n],
        }
    }

    /// Labels from electrodes table `t` (at `tp`) for `rows`.
    fn label_from_electrodes(
        &mut self,
        s: &SeriesInfo,
        t: &Table,
        tp: &str,
        rows: &[i64],
    ) -> Result<()> {
        let n = rows.len();
        let name_col = t
            .column("channel_name")
            .or_else(|| t.column("label"))
            .filter(|c| matches!(c.data, ColumnData::Str(_)) && !c.is_ragged());
        let mut ids = Vec::with_capacity(n);
        let mut names = Vec::with_capacity(n);
        for (c, &r) in rows.iter().enumerate() {
            let Some(row) = usize::try_from(r).ok().filter(|&r| r < t.rows()) else {
                return Err(s.data.file().corrupt(
                    &format!("{}/electrodes", s.path),
                    format!("row {r} outside the {}-row table {tp}", t.rows()),
                ));
            };
            let id = t.ids.get(row).copied().unwrap_or(r).to_string();
            names.push(match name_col.map(|col| col.cell(row)) {
                Some(Value::String(nm)) => nm,
                _ => id.clone(),
            });
            ids.push(id);
            if let Some(ann) = self.anns.get_mut(c) {
                ann.insert("electrode_row".into(), row.into());
                for (k, v) in scalar_cells(t, row) {
                    ann.entry(k).or_insert(v);
                }
            }
        }
        let unique: std::collections::HashSet<&String> = ids.iter().collect();
        if unique.len() == n {
            self.ids = ids;
        }
        self.names = names;
        Ok(())
    }
}

/// The channels of a stream (see the crate documentation for ids, names and gains).
fn signal_channels(
    h: &H5File,
    s: &SeriesInfo,
    rate: f64,
    dtype: Dtype,
    ncols: u64,
    tables: &mut TableCache,
) -> Result<Vec<SignalChannel>> {
    let n = usize::try_from(ncols).map_err(|_| Error::invalid("too many channels"))?;
    let mut labels = ChannelLabels::plain(n);
    if let Some((rows, table_path)) = &s.electrodes {
        let tp = table_path
            .clone()
            .unwrap_or_else(|| "/general/extracellular_ephys/electrodes".to_owned());
        if rows.len() == n
            && let Some(t) = tables.get(h, &tp)?
        {
            labels.label_from_electrodes(s, &t, &tp, rows)?;
        }
    }
    let units = s.unit.as_deref().map(model::short_unit).unwrap_or_default();
    let ChannelLabels {
        ids,
        names,
        mut anns,
    } = labels;
    Ok(ids
        .into_iter()
        .zip(names)
        .enumerate()
        .map(|(c, (id, name))| {
            let cc = s
                .channel_conversion
                .as_ref()
                .and_then(|v| v.get(c).copied())
                .unwrap_or(1.0);
            SignalChannel {
                name,
                id,
                sampling_rate: rate,
                dtype,
                units: units.clone(),
                gain: s.conversion * cc,
                offset: s.offset,
                stream_id: s.path.clone(),
                buffer_id: String::new(),
                annotations: anns.get_mut(c).map(std::mem::take).unwrap_or_default(),
            }
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// step 3b: units
// ---------------------------------------------------------------------------------------

/// The spike channels of every Units-like table.
#[derive(Default)]
pub(crate) struct UnitsIndex {
    pub channels: Vec<SpikeChannel>,
    pub units: Vec<Unit>,
    pub span: Span,
}

/// Step 3b: one spike channel per row of every Units-like table.
pub(crate) fn index_units(
    h: &H5File,
    model: &Model,
    tables: &mut TableCache,
) -> Result<UnitsIndex> {
    let mut out = UnitsIndex::default();
    for t in model.tables.iter().filter(|t| t.is_units()) {
        let tab = table::read_table_lazy(h, &t.path, &["waveforms"])?;
        let ctx = UnitsTable::new(h, &t.path, &tab, tables)?;
        for row in 0..tab.rows() {
            let (chan, unit) = ctx.unit(row)?;
            if let (Some(a), Some(b)) = (unit.times.first(), unit.times.last()) {
                out.span.add(*a);
                out.span.add(*b);
            }
            for &(a, b) in unit.support.iter().flatten() {
                out.span.add(a);
                out.span.add(b);
            }
            out.channels.push(chan);
            out.units.push(unit);
        }
    }
    Ok(out)
}

/// The `waveforms` column of a Units table and its dataset.
struct WaveformColumn<'a> {
    col: &'a Column,
    ds: Dataset,
    rate: f64,
    units: String,
    rows_total: usize,
}

/// What every row of one Units table needs.
struct UnitsTable<'a> {
    path: &'a str,
    t: &'a Table,
    spike_times: Option<&'a Column>,
    times_all: &'a [f64],
    name_col: Option<&'a Column>,
    prefix: String,
    waveforms: Option<WaveformColumn<'a>>,
    electrodes: Option<Table>,
    h: &'a H5File,
}

impl<'a> UnitsTable<'a> {
    fn new(h: &'a H5File, path: &'a str, t: &'a Table, tables: &mut TableCache) -> Result<Self> {
        let spike_times = t.column("spike_times");
        let times_all: &[f64] = match spike_times.map(|c| &c.data) {
            Some(ColumnData::F64(v)) => v,
            Some(_) => {
                return Err(h.corrupt(&format!("{path}/spike_times"), "not floating-point"));
            }
            None => &[],
        };
        let waveforms = match t.column("waveforms") {
            Some(col) => {
                let ds = h.dataset(&format!("{path}/waveforms"))?;
                let attrs = ds.attributes();
                Some(WaveformColumn {
                    col,
                    rate: attrs.f64("sampling_rate").unwrap_or(0.0),
                    units: attrs
                        .text("unit")
                        .map(|u| model::short_unit(&u))
                        .unwrap_or_default(),
                    rows_total: usize::try_from(ds.len()).unwrap_or(0),
                    ds,
                })
            }
            None => None,
        };
        let electrodes = match t.column("electrodes").and_then(|c| c.table.clone()) {
            Some(p) => tables.get(h, &p)?,
            None => None,
        };
        Ok(UnitsTable {
            path,
            t,
            spike_times,
            times_all,
            name_col: t
                .column("unit_name")
                .or_else(|| t.column("name"))
                .filter(|c| matches!(c.data, ColumnData::Str(_)) && !c.is_ragged()),
            prefix: if path == "/units" {
                String::new()
            } else {
                format!("{}:", path.trim_start_matches('/'))
            },
            waveforms,
            electrodes,
            h,
        })
    }

    /// The spike channel and the spikes of `row`.
    fn unit(&self, row: usize) -> Result<(SpikeChannel, Unit)> {
        let id = self.t.ids.get(row).copied().unwrap_or(row as i64);
        let mut ann = Annotations::new();
        ann.insert("table".into(), self.path.into());
        ann.insert("unit_id".into(), id.into());
        let (times, order) = self.sorted_times(row, &mut ann)?;
        self.column_annotations(row, &mut ann);
        let support = model::obs_support(self.t, row);
        if let Some(s) = &support {
            ann.insert("time_support".into(), model::intervals_json(s));
            ann.insert("time_support_source".into(), "obs_intervals".into());
        }
        let waveforms = self.waveforms(row, times.len(), &mut ann);
        let name = match self.name_col.map(|c| c.cell(row)) {
            Some(Value::String(s)) => s,
            _ => format!("unit{id}"),
        };
        let wf = self.waveforms.as_ref();
        let chan = SpikeChannel {
            name,
            id: format!("{}{id}", self.prefix),
            wf_units: wf.map(|w| w.units.clone()).unwrap_or_default(),
            wf_gain: 1.0,
            wf_offset: 0.0,
            wf_left_sweep: -1,
            wf_sampling_rate: wf.map_or(0.0, |w| w.rate),
            annotations: ann,
        };
        let unit = Unit {
            times,
            support,
            order,
            waveforms,
        };
        Ok((chan, unit))
    }

    /// The spike times of `row`, sorted, with the stored order when they were not.
    fn sorted_times(
        &self,
        row: usize,
        ann: &mut Annotations,
    ) -> Result<(Vec<f64>, Option<Vec<usize>>)> {
        let times: Vec<f64> = match self.spike_times {
            Some(c) => {
                let r = c.row_range(row).ok_or_else(|| {
                    self.h.corrupt(
                        &format!("{}/spike_times_index", self.path),
                        format!("inconsistent index at row {row}"),
                    )
                })?;
                self.times_all.get(r).unwrap_or_default().to_vec()
            }
            None => Vec::new(),
        };
        if times.is_sorted() {
            return Ok((times, None));
        }
        let mut idx: Vec<usize> = (0..times.len()).collect();
        idx.sort_by(|&a, &b| times[a].total_cmp(&times[b]));
        let sorted = idx.iter().map(|&i| times[i]).collect();
        ann.insert(
            "warning".into(),
            "spike_times of this unit were not sorted: sorted on read".into(),
        );
        Ok((sorted, Some(idx)))
    }

    /// Every other column's cell of `row` as an annotation (`electrodes` with the ids).
    fn column_annotations(&self, row: usize, ann: &mut Annotations) {
        for c in &self.t.columns {
            match c.name.as_str() {
                "spike_times" | "waveforms" => {}
                "electrodes" => {
                    let cell = c.cell(row);
                    if let Some(tab) = &self.electrodes {
                        let id_of = |r: u64| -> Option<i64> {
                            usize::try_from(r)
                                .ok()
                                .and_then(|r| tab.ids.get(r))
                                .copied()
                        };
                        if let Some(rows) = cell.as_array() {
                            let ids: Vec<Value> = rows
                                .iter()
                                .map(|r| {
                                    r.as_u64().and_then(id_of).map_or(Value::Null, Value::from)
                                })
                                .collect();
                            ann.insert("electrode_ids".into(), ids.into());
                        } else if let Some(r) = cell.as_u64() {
                            ann.insert("electrode_ids".into(), json!([id_of(r)]));
                        }
                    }
                    ann.insert("electrodes".into(), cell);
                }
                _ => {
                    ann.insert(c.name.clone(), c.cell(row));
                }
            }
        }
    }

    /// The waveform rows of each stored spike of `row`, when they match the spikes.
    fn waveforms(
        &self,
        row: usize,
        n_spikes: usize,
        ann: &mut Annotations,
    ) -> Option<WaveformSource> {
        let w = self.waveforms.as_ref()?;
        let rows: Option<Vec<Range<usize>>> = match w.col.index.as_slice() {
            [outer, inner] => table::ragged_range(outer, row, inner.len()).map(|ev| {
                ev.filter_map(|e| table::ragged_range(inner, e, w.rows_total))
                    .collect()
            }),
            [one] => {
                table::ragged_range(one, row, w.rows_total).map(|r| r.map(|k| k..k + 1).collect())
            }
            _ => None,
        };
        match rows {
            Some(r) if r.len() == n_spikes && r.windows(2).all(|p| p[0].len() == p[1].len()) => {
                (!r.is_empty()).then(|| WaveformSource {
                    data: w.ds.clone(),
                    rows: r,
                })
            }
            _ => {
                ann.insert(
                    "waveforms_warning".into(),
                    "waveforms do not match the spikes (count or electrodes per spike)".into(),
                );
                None
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// step 3c: events and epochs
// ---------------------------------------------------------------------------------------

/// The event and epoch channels.
#[derive(Default)]
pub(crate) struct EventIndex {
    pub channels: Vec<EventChannel>,
    pub data: Vec<EventData>,
    pub span: Span,
}

/// Step 3c: TimeIntervals tables (epochs), then AnnotationSeries and EventsTables
/// (events).
pub(crate) fn index_events(h: &H5File, model: &Model) -> Result<EventIndex> {
    let mut out = EventIndex::default();
    for t in model.tables.iter().filter(|t| t.is_intervals()) {
        let (chan, data, span) = intervals_channel(h, t)?;
        out.span.merge(span);
        out.channels.push(chan);
        out.data.push(data);
    }
    for s in model.series.iter().filter(|s| s.is_annotation()) {
        if let Some((chan, data)) = annotation_channel(s)? {
            out.channels.push(chan);
            out.data.push(data);
        }
    }
    for t in model.tables.iter().filter(|t| t.is_events()) {
        if let Some((chan, data)) = events_table_channel(h, t)? {
            out.channels.push(chan);
            out.data.push(data);
        }
    }
    Ok(out)
}

/// Column `name` of `t` as f64 per row (NaN where missing), `None` without the column.
fn f64_column(t: &Table, name: &str) -> Option<Vec<f64>> {
    let c = t.column(name)?;
    Some(
        (0..t.rows())
            .map(|i| c.data.f64(i).unwrap_or(f64::NAN))
            .collect(),
    )
}

/// A TimeIntervals table as an epoch channel (start, stop − start, tags joined by `,`),
/// with the span of its starts and stops.
fn intervals_channel(h: &H5File, t: &TableRef) -> Result<(EventChannel, EventData, Span)> {
    let tab = table::read_table(h, &t.path)?;
    let starts = f64_column(&tab, "start_time").unwrap_or_default();
    let stops = f64_column(&tab, "stop_time").unwrap_or_else(|| starts.clone());
    let labels: Vec<String> = (0..starts.len())
        .map(|i| match tab.column("tags").map(|c| c.cell(i)) {
            Some(Value::Array(v)) => v
                .iter()
                .map(|x| x.as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
                .join(","),
            Some(Value::String(s)) => s,
            _ => String::new(),
        })
        .collect();
    let mut span = Span::default();
    for (a, b) in starts.iter().zip(&stops) {
        span.add(*a);
        span.add(*b);
    }
    let durations = starts.iter().zip(&stops).map(|(a, b)| b - a).collect();
    let mut ann = Annotations::new();
    ann.insert("path".into(), t.path.clone().into());
    ann.insert("description".into(), tab.description.clone().into());
    let columns: Vec<String> = tab.columns.iter().map(|c| c.name.clone()).collect();
    ann.insert("columns".into(), columns.into());
    let chan = EventChannel {
        name: tab.name.clone(),
        id: t.path.clone(),
        kind: EventKind::Epoch,
        annotations: ann,
    };
    let data = EventData {
        times: starts,
        durations: Some(durations),
        labels,
    };
    Ok((chan, data, span))
}

/// An AnnotationSeries as an event channel (text labels); `None` without a time axis.
fn annotation_channel(s: &SeriesInfo) -> Result<Option<(EventChannel, EventData)>> {
    let h = s.data.file();
    let times = match &s.time {
        Some(TimeAxis::Timestamps { path, .. }) => h.dataset(path)?.read_f64()?,
        Some(TimeAxis::Regular { start, rate }) => {
            (0..s.len()).map(|i| start + i as f64 / rate).collect()
        }
        None => return Ok(None),
    };
    let labels = if s.elem == ElementType::Text {
        s.data.read_strings()?
    } else {
        vec![String::new(); times.len()]
    };
    if labels.len() != times.len() {
        return Err(h.corrupt(
            &s.path,
            format!("{} labels for {} timestamps", labels.len(), times.len()),
        ));
    }
    let mut ann = s.attrs.clone();
    ann.insert("path".into(), s.path.clone().into());
    let chan = EventChannel {
        name: s.name.clone(),
        id: s.path.clone(),
        kind: EventKind::Event,
        annotations: ann,
    };
    let data = EventData {
        times,
        durations: None,
        labels,
    };
    Ok(Some((chan, data)))
}

/// An EventsTable (NWB 2.11) as an event channel; `None` without a `timestamp` column.
fn events_table_channel(h: &H5File, t: &TableRef) -> Result<Option<(EventChannel, EventData)>> {
    let tab = table::read_table(h, &t.path)?;
    let Some(times) = f64_column(&tab, "timestamp") else {
        return Ok(None);
    };
    let labels = (0..tab.rows())
        .map(|i| match tab.column("annotation").map(|c| c.cell(i)) {
            Some(Value::String(s)) => s,
            _ => String::new(),
        })
        .collect();
    let mut ann = Annotations::new();
    ann.insert("path".into(), t.path.clone().into());
    ann.insert("description".into(), tab.description.clone().into());
    if let Some(d) = tab.column("duration") {
        let cells: Vec<Value> = (0..tab.rows()).map(|i| d.cell(i)).collect();
        ann.insert("durations".into(), cells.into());
    }
    let chan = EventChannel {
        name: tab.name.clone(),
        id: t.path.clone(),
        kind: EventKind::Event,
        annotations: ann,
    };
    let data = EventData {
        times,
        durations: None,
        labels,
    };
    Ok(Some((chan, data)))
}

// ---------------------------------------------------------------------------------------
// step 4: header
// ---------------------------------------------------------------------------------------

/// The data behind the header: streams, units and events, in header order.
pub(crate) struct Parts {
    pub streams: Vec<Stream>,
    pub units: Vec<Unit>,
    pub events: Vec<EventData>,
}

/// Step 4: the header (one block, one segment spanning every timed object; event channels
/// do not stretch it) and the data in header order.
pub(crate) fn build_header(
    h: &H5File,
    model: Model,
    signals: SignalIndex,
    units: UnitsIndex,
    events: EventIndex,
) -> Result<(Header, Parts)> {
    let mut span = signals.span;
    span.merge(units.span);
    span.merge(events.span);
    let (t_start, t_stop) = span.0.unwrap_or((0.0, 1.0));
    let t_stop = if t_stop > t_start {
        t_stop
    } else {
        t_start + 1.0
    };
    let mut spike_channels = units.channels;
    // units with no obs_intervals are observed over the whole session (the segment)
    for (c, u) in spike_channels.iter_mut().zip(&units.units) {
        if u.support.is_none() {
            c.annotations.insert(
                "time_support".into(),
                model::intervals_json(&[(t_start, t_stop)]),
            );
            c.annotations
                .insert("time_support_source".into(), "segment".into());
        }
    }
    let mut seg_ann = Annotations::new();
    seg_ann.insert("timestamps_series".into(), signals.timestamps_series.into());
    seg_ann.insert("other_series".into(), signals.other_series.into());
    let mut block_ann = model.session;
    block_ann.insert("file_origin".into(), h.path().display().to_string().into());
    let header = Header {
        blocks: vec![Block {
            segments: vec![Segment {
                t_start,
                t_stop,
                annotations: seg_ann,
            }],
            annotations: block_ann,
        }],
        signal_streams: signals.streams,
        signal_channels: signals.channels,
        spike_channels,
        event_channels: events.channels,
        ..Header::default()
    };
    header.validate()?;
    let parts = Parts {
        streams: signals.data,
        units: units.units,
        events: events.data,
    };
    Ok((header, parts))
}
