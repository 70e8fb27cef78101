//! Opening an NWB file as a RawIO, step by step:
//!
//! 1. [`open_file`]: the HDF5 file, walked (`rawio-hdf5`).
//! 2. [`crate::model::Model::read`]: the NWB model (series, tables, session metadata).
//! 3. [`crate::signals::index_signals`], [`index_units`],
//!    [`crate::spike_events::index_spike_events`], [`index_events`]: the signal streams and
//!    their channels, the spike channels (units tables, spike event series), the event and
//!    epoch channels, each with the time span it covers.
//! 4. [`build_header`]: the header (one block, one segment whose bounds span everything
//!    timed; units without `obs_intervals` observed over the segment).
//!
//! Every step leaves out an object it cannot read and lists it in the [`Ctx`] (or fails in
//! strict mode).

use crate::degrade::{Ctx, NOT_READ_KEY};
use crate::model::{self, Model, SeriesInfo, TableRef, TimeAxis};
use crate::reader::{EventData, Stream, Unit, WaveformSource};
use crate::signals::SignalIndex;
use crate::table::{self, Column, ColumnData, Table};
use rawio_core::{
    Annotations, Block, Error, EventChannel, EventKind, Header, Result, Segment, SpikeChannel,
};
use rawio_hdf5::{Dataset, ElementType, H5File, OpenOptions};
use serde_json::{Value, json};
use std::ops::Range;
use std::path::Path;

/// The root groups of an NWB file (any one of them makes an HDF5 file NWB-shaped, as
/// SpikeLab's bare `units` exports are).
pub(crate) const NWB_GROUPS: [&str; 7] = [
    "acquisition",
    "analysis",
    "general",
    "intervals",
    "processing",
    "stimulus",
    "units",
];

/// Step 1: opens the HDF5 file (errors name the format `nwb`) and walks its objects; what the
/// walk cannot reach (a dangling external link, a group that cannot be listed) is listed in
/// `ctx` (an error in strict mode). An HDF5 file that is not NWB-shaped (no `nwb_version`,
/// no NWB group at its root) is [`Error::UnknownFormat`].
pub(crate) fn open_file(path: &Path, ctx: &mut Ctx) -> Result<H5File> {
    let opts = OpenOptions::default();
    let h = if ctx.strict {
        H5File::open(path, crate::FORMAT_ID, &opts)?
    } else {
        H5File::open_partial(path, crate::FORMAT_ID, &opts)?
    };
    let root = model::attrs(&h, "/");
    let marked =
        root.contains("nwb_version") || root.text("neurodata_type").as_deref() == Some("NWBFile");
    let shaped = h
        .members("/")
        .unwrap_or_default()
        .iter()
        .any(|m| NWB_GROUPS.contains(&m.name.as_str()));
    if !marked && !shaped {
        return Err(Error::UnknownFormat {
            path: path.to_path_buf(),
        });
    }
    for u in h.unreadable() {
        ctx.push(crate::degrade::NotRead::from_error(&u.path, &u.error));
    }
    Ok(h)
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

    pub fn merge(&mut self, other: Span) {
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
    pub fn get(&mut self, h: &H5File, path: &str) -> Result<Option<Table>> {
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
    ctx: &mut Ctx,
) -> Result<UnitsIndex> {
    let mut out = UnitsIndex::default();
    for t in model.tables.iter().filter(|t| t.is_units()) {
        // a table is read whole or left out (one bad index does not hide the others)
        let r = units_of_table(h, &t.path, tables);
        if let Some(part) = ctx.guard(&t.path, r)? {
            out.span.merge(part.span);
            out.channels.extend(part.channels);
            out.units.extend(part.units);
        }
    }
    Ok(out)
}

/// The spike channels of one Units-like table.
fn units_of_table(h: &H5File, path: &str, tables: &mut TableCache) -> Result<UnitsIndex> {
    let mut out = UnitsIndex::default();
    let tab = table::read_table_lazy(h, path, &["waveforms"])?;
    let ut = UnitsTable::new(h, path, &tab, tables)?;
    for row in 0..tab.rows() {
        let (chan, unit) = ut.unit(row)?;
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
    Ok(out)
}

/// Times sorted, with the stored position of each sorted time when they were not sorted
/// (and a `warning` annotation).
pub(crate) fn sort_times(times: Vec<f64>, ann: &mut Annotations) -> (Vec<f64>, Option<Vec<usize>>) {
    if times.is_sorted() {
        return (times, None);
    }
    let mut idx: Vec<usize> = (0..times.len()).collect();
    idx.sort_by(|&a, &b| times[a].total_cmp(&times[b]));
    let sorted = idx.iter().map(|&i| times[i]).collect();
    ann.insert(
        "warning".into(),
        "spike times were not sorted: sorted on read".into(),
    );
    (sorted, Some(idx))
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
                    rows_total: usize::try_from(table::stored_len(&ds)?).unwrap_or(0),
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
        Ok(sort_times(times, ann))
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
                let nch = r.first().map_or(0, |x| x.len());
                let nsamp =
                    usize::try_from(w.ds.shape().iter().skip(1).product::<u64>()).unwrap_or(0);
                (!r.is_empty()).then(|| WaveformSource {
                    data: w.ds.clone(),
                    rows: r,
                    nch,
                    nsamp,
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

/// The event and epoch channels, and the event series on another clock.
#[derive(Default)]
pub(crate) struct EventIndex {
    pub channels: Vec<EventChannel>,
    pub data: Vec<EventData>,
    pub span: Span,
    /// Event series whose times are not on the recording's clock (`other_series`).
    pub other_series: Vec<Value>,
}

/// How far (s) from the recording's span an event may lie and still be on its clock: at
/// least an hour, or 1000 times the span's length.
fn clock_slack(recording: (f64, f64)) -> f64 {
    (1000.0 * (recording.1 - recording.0)).max(3600.0)
}

/// Step 3c: TimeIntervals tables (epochs), then AnnotationSeries and EventsTables
/// (events). `recording` is the span of everything else: an event series with a time
/// farther from it than [`clock_slack`] is on another clock (the Open Ephys plugin's
/// `sync_messages` holds milliseconds since 1970 and sample numbers): it is not an event
/// channel of this recording and is listed in `other_series` instead.
pub(crate) fn index_events(
    h: &H5File,
    model: &Model,
    series_events: Vec<(EventChannel, EventData)>,
    recording: Span,
    ctx: &mut Ctx,
) -> Result<EventIndex> {
    let mut out = EventIndex::default();
    for t in model.tables.iter().filter(|t| t.is_intervals()) {
        if let Some((chan, data, span)) = ctx.guard(&t.path, intervals_channel(h, t))? {
            out.span.merge(span);
            out.channels.push(chan);
            out.data.push(data);
        }
    }
    let mut found = Vec::new();
    for s in model.series.iter().filter(|s| s.is_annotation()) {
        if let Some(Some(x)) = ctx.guard(&s.path, annotation_channel(s))? {
            found.push(x);
        }
    }
    for t in model.tables.iter().filter(|t| t.is_events()) {
        if let Some(Some(x)) = ctx.guard(&t.path, events_table_channel(h, t))? {
            found.push(x);
        }
    }
    found.extend(series_events);
    let mut reference = recording;
    reference.merge(out.span);
    for (chan, data) in found {
        let lo = data.times.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = data.times.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if let Some((a, b)) = reference.0
            && (lo < a - clock_slack((a, b)) || hi > b + clock_slack((a, b)))
        {
            out.other_series.push(json!({
                "path": chan.id,
                "reason": format!(
                    "event times [{lo}, {hi}] far outside the recording's span [{a}, {b}] \
                     s: another clock (system time, sample numbers...), not an event channel"
                ),
                "count": data.times.len(),
                "labels": data.labels,
            }));
            continue;
        }
        for &t in &data.times {
            out.span.add(t);
        }
        out.channels.push(chan);
        out.data.push(data);
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
    Ok(Some(point_events(&s.name, &s.path, ann, times, labels)))
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
    Ok(Some(point_events(&tab.name, &t.path, ann, times, labels)))
}

/// An event channel (id = the object's path) of point events with labels.
fn point_events(
    name: &str,
    path: &str,
    annotations: Annotations,
    times: Vec<f64>,
    labels: Vec<String>,
) -> (EventChannel, EventData) {
    let chan = EventChannel {
        name: name.to_owned(),
        id: path.to_owned(),
        kind: EventKind::Event,
        annotations,
    };
    let data = EventData {
        times,
        durations: None,
        labels,
    };
    (chan, data)
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

/// Step 4: the header (one block, one segment spanning every timed object) and the data in
/// header order; the objects left out are listed under [`NOT_READ_KEY`] (block annotation).
pub(crate) fn build_header(
    h: &H5File,
    model: Model,
    signals: SignalIndex,
    units: UnitsIndex,
    events: EventIndex,
    ctx: Ctx,
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
    let mut other = signals.other_series;
    other.extend(events.other_series);
    let event_ids: Vec<&str> = events.channels.iter().map(|e| e.id.as_str()).collect();
    let contents = crate::contents::listing(
        h,
        &model,
        &signals.streams,
        &event_ids,
        &other,
        &ctx.not_read,
    );
    let mut seg_ann = Annotations::new();
    seg_ann.insert("other_series".into(), other.into());
    let mut block_ann = crate::contents::session_summary(&model.session);
    block_ann.extend(model.session);
    block_ann.insert("file_origin".into(), h.path().display().to_string().into());
    block_ann.insert("contents".into(), contents);
    block_ann.insert(
        NOT_READ_KEY.into(),
        ctx.not_read
            .iter()
            .map(|n| n.json())
            .collect::<Vec<_>>()
            .into(),
    );
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
