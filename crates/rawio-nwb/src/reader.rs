//! [`NwbReader`]: an NWB 2.x file as a [`RawIO`] (1 block, 1 segment).

use crate::h5::{Dataset, Elem, H5File};
use crate::model::{self, SeriesInfo, TimeAxis};
use crate::table::{self, ColumnData, Table};
use ndarray::{Array1, Array3, ArrayView1, Ix2, IxDyn};
use rawio_core::{
    Annotations, Block, ChannelIndexes, Dtype, Error, EventChannel, EventKind, Events, Header,
    RawArray, RawChunk, RawIO, RawTimestamps, RawWaveforms, Result, Segment, SignalChannel,
    SignalStream, SpikeChannel, TimeBase,
};
use serde_json::{Value, json};
use std::ops::Range;
use std::path::Path;

/// Format id.
const FORMAT_ID: &str = crate::h5::FORMAT_ID;

struct Stream {
    data: Dataset,
    path: String,
    len: u64,
    one_d: bool,
    t_start: f64,
}

struct WaveformSource {
    data: Dataset,
    path: String,
    /// Waveform rows of each spike, in stored (not sorted) spike order.
    rows: Vec<Range<usize>>,
}

struct Unit {
    /// Sorted spike times (s).
    times: Vec<f64>,
    /// Union of the unit's `obs_intervals` (None when it has none).
    support: Option<Vec<(f64, f64)>>,
    /// `order[k]` = stored position of the k-th sorted spike (None when already sorted).
    order: Option<Vec<usize>>,
    waveforms: Option<WaveformSource>,
}

struct EventData {
    times: Vec<f64>,
    durations: Option<Vec<f64>>,
    labels: Vec<String>,
}

/// An NWB 2.x file read as a RawIO.
///
/// See the crate documentation for the mapping. Opening reads metadata, the units and
/// intervals tables and the event texts; signal data is read on demand by hyperslab.
pub struct NwbReader {
    h: H5File,
    header: Header,
    streams: Vec<Stream>,
    units: Vec<Unit>,
    events: Vec<EventData>,
}

impl std::fmt::Debug for NwbReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NwbReader")
            .field("path", &self.h.path())
            .field("streams", &self.streams.len())
            .field("units", &self.units.len())
            .field("events", &self.events.len())
            .finish()
    }
}

fn to_f64_vec(h: &H5File, path: &str) -> Result<Vec<f64>> {
    h.read_f64(&h.dataset(path)?, path)
}

/// The scalar (non-ragged, 1 value per row) cells of `t` at `row`, as annotations.
fn scalar_cells(t: &Table, row: usize) -> Annotations {
    t.columns
        .iter()
        .filter(|c| !c.is_ragged() && c.elem_shape.is_empty() && c.data.len() == t.rows())
        .map(|c| (c.name.clone(), c.cell(row)))
        .collect()
}

impl NwbReader {
    /// Opens an NWB 2.x (or SpikeLab "bare units") HDF5 file.
    pub fn open(path: impl AsRef<Path>) -> Result<NwbReader> {
        let path = path.as_ref();
        let h = H5File::open(path)?;
        let series = model::find_series(&h)?;
        let tables = model::find_tables(&h);
        let mut electrodes_cache: Vec<(String, Table)> = Vec::new();
        let mut get_table = |p: &str| -> Result<Option<Table>> {
            if let Some((_, t)) = electrodes_cache.iter().find(|(q, _)| q == p) {
                return Ok(Some(t.clone()));
            }
            if !h.is_group(p) {
                return Ok(None);
            }
            let t = table::read_table(&h, p)?;
            electrodes_cache.push((p.to_owned(), t.clone()));
            Ok(Some(t))
        };

        let mut header = Header::default();
        let mut streams = Vec::new();
        let mut seg_ann = Annotations::new();
        let mut timestamp_series = Vec::new();
        let mut skipped = Vec::new();
        let mut span = Span::default();

        // ---- signal streams
        for s in &series {
            if s.neurodata_type.as_deref() == Some("AnnotationSeries") {
                continue;
            }
            let dtype = match s.elem {
                Elem::Num(d) => d,
                _ => {
                    skipped.push(json!({"path": s.path, "reason": "non-numeric data"}));
                    continue;
                }
            };
            match &s.time {
                Some(TimeAxis::Regular { start, rate })
                    if s.shape.len() == 1 || s.shape.len() == 2 =>
                {
                    let ncols = s.shape.get(1).copied().unwrap_or(1);
                    if ncols == 0 {
                        skipped.push(json!({"path": s.path, "reason": "no column"}));
                        continue;
                    }
                    let channels = signal_channels(&h, s, *rate, dtype, ncols, &mut get_table)?;
                    header.signal_channels.extend(channels);
                    let mut ann = s.attrs.clone();
                    ann.insert("data_path".into(), s.data_path.clone().into());
                    ann.insert("conversion".into(), rawio_core::json_f64(s.conversion));
                    ann.insert("offset".into(), rawio_core::json_f64(s.offset));
                    if let Some(u) = &s.unit {
                        ann.insert("unit".into(), u.clone().into());
                    }
                    header.signal_streams.push(SignalStream {
                        name: s.name.clone(),
                        id: s.path.clone(),
                        buffer_id: String::new(),
                        clock: rawio_core::SampleClock::Regular,
                        annotations: ann,
                    });
                    let len = s.len();
                    span.add(*start);
                    span.add(*start + len as f64 / rate);
                    streams.push(Stream {
                        data: s.data.clone(),
                        path: s.data_path.clone(),
                        len,
                        one_d: s.shape.len() == 1,
                        t_start: *start,
                    });
                }
                Some(TimeAxis::Timestamps { path: tp, count }) => {
                    // listed, not a stream: first/last time (2 values read) and the rate they
                    // imply; the data and the other timestamps stay on disk (NwbFile reads them)
                    let ds = h.dataset(tp)?;
                    let at = |i: u64| -> Option<f64> {
                        let v = h.read_rows(&ds, tp, i, i + 1, None).ok()?;
                        v.to_f64().iter().copied().next().filter(|t| t.is_finite())
                    };
                    let (first, last) = if *count > 0 {
                        (at(0), at(count - 1))
                    } else {
                        (None, None)
                    };
                    for t in [first, last].into_iter().flatten() {
                        span.add(t);
                    }
                    let rate = match (first, last) {
                        (Some(a), Some(b)) if *count > 1 && b > a => {
                            Some((count - 1) as f64 / (b - a))
                        }
                        _ => None,
                    };
                    let opt = |v: Option<f64>| v.map_or(Value::Null, rawio_core::json_f64);
                    timestamp_series.push(json!({
                        "path": s.path,
                        "name": s.name,
                        "neurodata_type": s.neurodata_type,
                        "data_path": s.data_path,
                        "shape": s.shape,
                        "dtype": dtype.name(),
                        "unit": s.unit,
                        "timestamps": tp,
                        "count": count,
                        "t_start": opt(first),
                        "t_stop": opt(last),
                        "rate_estimate": opt(rate),
                    }));
                }
                Some(TimeAxis::Regular { start, rate }) => {
                    span.add(*start);
                    span.add(*start + s.len() as f64 / rate);
                    skipped.push(json!({
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
                    skipped.push(json!({"path": s.path, "reason": why}));
                }
            }
        }

        // ---- units
        let mut units = Vec::new();
        for t in tables.iter().filter(|t| t.is_units()) {
            let (chans, data) = read_units(&h, &t.path, &mut get_table)?;
            for u in &data {
                if let (Some(a), Some(b)) = (u.times.first(), u.times.last()) {
                    span.add(*a);
                    span.add(*b);
                }
                for &(a, b) in u.support.iter().flatten() {
                    span.add(a);
                    span.add(b);
                }
            }
            header.spike_channels.extend(chans);
            units.extend(data);
        }

        // ---- events and epochs
        let mut events = Vec::new();
        for t in tables.iter().filter(|t| t.is_intervals()) {
            let tab = table::read_table(&h, &t.path)?;
            let col = |n: &str| tab.column(n);
            let starts: Vec<f64> = col("start_time")
                .map(|c| {
                    (0..tab.rows())
                        .map(|i| c.data.f64(i).unwrap_or(f64::NAN))
                        .collect()
                })
                .unwrap_or_default();
            let stops: Vec<f64> = col("stop_time")
                .map(|c| {
                    (0..tab.rows())
                        .map(|i| c.data.f64(i).unwrap_or(f64::NAN))
                        .collect()
                })
                .unwrap_or_else(|| starts.clone());
            let labels: Vec<String> = (0..starts.len())
                .map(|i| match col("tags").map(|c| c.cell(i)) {
                    Some(Value::Array(v)) => v
                        .iter()
                        .map(|x| x.as_str().unwrap_or_default().to_owned())
                        .collect::<Vec<_>>()
                        .join(","),
                    Some(Value::String(s)) => s,
                    _ => String::new(),
                })
                .collect();
            for (a, b) in starts.iter().zip(&stops) {
                span.add(*a);
                span.add(*b);
            }
            let durations = starts.iter().zip(&stops).map(|(a, b)| b - a).collect();
            let mut ann = Annotations::new();
            ann.insert("path".into(), t.path.clone().into());
            ann.insert("description".into(), tab.description.clone().into());
            ann.insert(
                "columns".into(),
                tab.columns
                    .iter()
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>()
                    .into(),
            );
            header.event_channels.push(EventChannel {
                name: tab.name.clone(),
                id: t.path.clone(),
                kind: EventKind::Epoch,
                annotations: ann,
            });
            events.push(EventData {
                times: starts,
                durations: Some(durations),
                labels,
            });
        }
        for s in series
            .iter()
            .filter(|s| s.neurodata_type.as_deref() == Some("AnnotationSeries"))
        {
            let times = match &s.time {
                Some(TimeAxis::Timestamps { path, .. }) => to_f64_vec(&h, path)?,
                Some(TimeAxis::Regular { start, rate }) => {
                    (0..s.len()).map(|i| start + i as f64 / rate).collect()
                }
                None => continue,
            };
            let labels = if s.elem == Elem::Str {
                h.read_strings(&s.data, &s.data_path)?
            } else {
                vec![String::new(); times.len()]
            };
            if labels.len() != times.len() {
                return Err(h.bad(
                    &s.path,
                    format!("{} labels for {} timestamps", labels.len(), times.len()),
                ));
            }
            let mut ann = s.attrs.clone();
            ann.insert("path".into(), s.path.clone().into());
            header.event_channels.push(EventChannel {
                name: s.name.clone(),
                id: s.path.clone(),
                kind: EventKind::Event,
                annotations: ann,
            });
            events.push(EventData {
                times,
                durations: None,
                labels,
            });
        }
        for t in tables.iter().filter(|t| t.is_events()) {
            let tab = table::read_table(&h, &t.path)?;
            let Some(tc) = tab.column("timestamp") else {
                continue;
            };
            let times: Vec<f64> = (0..tab.rows())
                .map(|i| tc.data.f64(i).unwrap_or(f64::NAN))
                .collect();
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
                ann.insert(
                    "durations".into(),
                    (0..tab.rows())
                        .map(|i| d.cell(i))
                        .collect::<Vec<_>>()
                        .into(),
                );
            }
            header.event_channels.push(EventChannel {
                name: tab.name.clone(),
                id: t.path.clone(),
                kind: EventKind::Event,
                annotations: ann,
            });
            events.push(EventData {
                times,
                durations: None,
                labels,
            });
        }

        // ---- segment and block
        let (t_start, t_stop) = span.get().unwrap_or((0.0, 1.0));
        let t_stop = if t_stop > t_start {
            t_stop
        } else {
            t_start + 1.0
        };
        // units with no obs_intervals are observed over the whole session (the segment)
        for (c, u) in header.spike_channels.iter_mut().zip(&units) {
            if u.support.is_none() {
                c.annotations.insert(
                    "time_support".into(),
                    model::intervals_json(&[(t_start, t_stop)]),
                );
                c.annotations
                    .insert("time_support_source".into(), "segment".into());
            }
        }
        seg_ann.insert("timestamps_series".into(), timestamp_series.into());
        seg_ann.insert("other_series".into(), skipped.into());
        let mut block_ann = model::session(&h);
        block_ann.insert("file_origin".into(), path.display().to_string().into());
        header.blocks.push(Block {
            segments: vec![Segment {
                t_start,
                t_stop,
                annotations: seg_ann,
            }],
            annotations: block_ann,
        });
        header.validate()?;
        Ok(NwbReader {
            h,
            header,
            streams,
            units,
            events,
        })
    }
}

#[derive(Default)]
struct Span(Option<(f64, f64)>);

impl Span {
    fn add(&mut self, t: f64) {
        if !t.is_finite() {
            return;
        }
        self.0 = Some(match self.0 {
            None => (t, t),
            Some((a, b)) => (a.min(t), b.max(t)),
        });
    }
    fn get(&self) -> Option<(f64, f64)> {
        self.0
    }
}

fn signal_channels(
    h: &H5File,
    s: &SeriesInfo,
    rate: f64,
    dtype: Dtype,
    ncols: u64,
    get_table: &mut dyn FnMut(&str) -> Result<Option<Table>>,
) -> Result<Vec<SignalChannel>> {
    let _ = h;
    let n = usize::try_from(ncols).map_err(|_| Error::invalid("too many channels"))?;
    let mut ids: Vec<String> = (0..n).map(|c| c.to_string()).collect();
    let mut names = ids.clone();
    let mut anns: Vec<Annotations> = vec![Annotations::new(); n];
    if let Some((rows, table_path)) = &s.electrodes {
        let tp = table_path
            .clone()
            .unwrap_or_else(|| "/general/extracellular_ephys/electrodes".to_owned());
        if rows.len() == n
            && let Some(t) = get_table(&tp)?
        {
            {
                let name_col = t
                    .column("channel_name")
                    .or_else(|| t.column("label"))
                    .filter(|c| matches!(c.data, ColumnData::Str(_)) && !c.is_ragged());
                let mut new_ids = Vec::with_capacity(n);
                let mut new_names = Vec::with_capacity(n);
                for (c, &r) in rows.iter().enumerate() {
                    let Some(row) = usize::try_from(r).ok().filter(|&r| r < t.rows()) else {
                        return Err(h.bad(
                            &format!("{}/electrodes", s.path),
                            format!("row {r} outside the {}-row table {tp}", t.rows()),
                        ));
                    };
                    let id = t.ids.get(row).copied().unwrap_or(r).to_string();
                    new_names.push(match name_col.map(|col| col.cell(row)) {
                        Some(Value::String(nm)) => nm,
                        _ => id.clone(),
                    });
                    new_ids.push(id);
                    let ann = &mut anns[c];
                    ann.insert("electrode_row".into(), row.into());
                    for (k, v) in scalar_cells(&t, row) {
                        ann.entry(k).or_insert(v);
                    }
                }
                let unique: std::collections::HashSet<&String> = new_ids.iter().collect();
                if unique.len() == n {
                    ids = new_ids;
                }
                names = new_names;
            }
        }
    }
    let units = s.unit.as_deref().map(model::short_unit).unwrap_or_default();
    Ok((0..n)
        .map(|c| {
            let cc = s
                .channel_conversion
                .as_ref()
                .and_then(|v| v.get(c).copied())
                .unwrap_or(1.0);
            SignalChannel {
                name: names[c].clone(),
                id: ids[c].clone(),
                sampling_rate: rate,
                dtype,
                units: units.clone(),
                gain: s.conversion * cc,
                offset: s.offset,
                stream_id: s.path.clone(),
                buffer_id: String::new(),
                annotations: std::mem::take(&mut anns[c]),
            }
        })
        .collect())
}

fn read_units(
    h: &H5File,
    path: &str,
    get_table: &mut dyn FnMut(&str) -> Result<Option<Table>>,
) -> Result<(Vec<SpikeChannel>, Vec<Unit>)> {
    let t = table::read_table_lazy(h, path, &["waveforms"])?;
    let st = t.column("spike_times");
    let times_all: &[f64] = match st.map(|c| &c.data) {
        Some(ColumnData::F64(v)) => v,
        Some(_) => return Err(h.bad(&format!("{path}/spike_times"), "not floating-point")),
        None => &[],
    };
    let n = t.rows();
    let name_col = t
        .column("unit_name")
        .or_else(|| t.column("name"))
        .filter(|c| matches!(c.data, ColumnData::Str(_)) && !c.is_ragged());
    let prefix = if path == "/units" {
        String::new()
    } else {
        format!("{}:", path.trim_start_matches('/'))
    };
    // waveforms: per unit, per stored spike, a range of waveform rows
    let wf = t.column("waveforms");
    let wf_ds = match wf {
        Some(_) => Some(h.dataset(&format!("{path}/waveforms"))?),
        None => None,
    };
    let wf_attrs = wf_ds.as_ref().map(|d| d.attributes()).unwrap_or_default();
    let wf_rate = H5File::attr_f64(&wf_attrs, "sampling_rate").unwrap_or(0.0);
    let wf_units = H5File::attr_str(&wf_attrs, "unit")
        .map(|u| model::short_unit(&u))
        .unwrap_or_default();
    let wf_rows_total = wf_ds
        .as_ref()
        .and_then(|d| H5File::shape(d).first().copied())
        .and_then(|v| usize::try_from(v).ok())
        .unwrap_or(0);
    let elec_table = match t.column("electrodes").and_then(|c| c.table.clone()) {
        Some(p) => get_table(&p)?,
        None => None,
    };
    let mut chans = Vec::with_capacity(n);
    let mut units = Vec::with_capacity(n);
    for row in 0..n {
        let id = t.ids.get(row).copied().unwrap_or(row as i64);
        let mut ann = Annotations::new();
        ann.insert("table".into(), path.into());
        ann.insert("unit_id".into(), id.into());
        let mut times: Vec<f64> = match st {
            Some(c) => {
                let r = c.row_range(row).ok_or_else(|| {
                    h.bad(
                        &format!("{path}/spike_times_index"),
                        format!("inconsistent index at row {row}"),
                    )
                })?;
                times_all.get(r).unwrap_or_default().to_vec()
            }
            None => Vec::new(),
        };
        let sorted = times.windows(2).all(|w| w[0] <= w[1]);
        let order = if sorted {
            None
        } else {
            let mut idx: Vec<usize> = (0..times.len()).collect();
            idx.sort_by(|&a, &b| times[a].total_cmp(&times[b]));
            times = idx.iter().map(|&i| times[i]).collect();
            ann.insert(
                "warning".into(),
                "spike_times of this unit were not sorted: sorted on read".into(),
            );
            Some(idx)
        };
        for c in &t.columns {
            match c.name.as_str() {
                "spike_times" | "waveforms" => {}
                "electrodes" => {
                    let cell = c.cell(row);
                    if let (Some(tab), Some(rows)) = (&elec_table, cell.as_array()) {
                        let ids: Vec<Value> = rows
                            .iter()
                            .map(|r| {
                                r.as_u64()
                                    .and_then(|r| usize::try_from(r).ok())
                                    .and_then(|r| tab.ids.get(r))
                                    .map_or(Value::Null, |&i| i.into())
                            })
                            .collect();
                        ann.insert("electrode_ids".into(), ids.into());
                    } else if let (Some(tab), Some(r)) = (&elec_table, cell.as_u64()) {
                        let id = usize::try_from(r)
                            .ok()
                            .and_then(|r| tab.ids.get(r))
                            .copied();
                        ann.insert("electrode_ids".into(), json!([id]));
                    }
                    ann.insert("electrodes".into(), cell);
                }
                _ => {
                    ann.insert(c.name.clone(), c.cell(row));
                }
            }
        }
        let support = model::obs_support(&t, row);
        if let Some(s) = &support {
            ann.insert("time_support".into(), model::intervals_json(s));
            ann.insert("time_support_source".into(), "obs_intervals".into());
        }
        // waveform rows per stored spike
        let mut waveforms = None;
        if let (Some(c), Some(ds)) = (wf, &wf_ds) {
            let rows: Option<Vec<Range<usize>>> = match c.index.as_slice() {
                [outer, inner] => table::ragged_range(outer, row, inner.len()).map(|ev| {
                    ev.filter_map(|e| table::ragged_range(inner, e, wf_rows_total))
                        .collect()
                }),
                [one] => table::ragged_range(one, row, wf_rows_total)
                    .map(|r| r.map(|k| k..k + 1).collect()),
                _ => None,
            };
            match rows {
                Some(r)
                    if r.len() == times.len() && r.windows(2).all(|w| w[0].len() == w[1].len()) =>
                {
                    if !r.is_empty() {
                        waveforms = Some(WaveformSource {
                            data: ds.clone(),
                            path: format!("{path}/waveforms"),
                            rows: r,
                        });
                    }
                }
                _ => {
                    ann.insert(
                        "waveforms_warning".into(),
                        "waveforms do not match the spikes (count or electrodes per spike)".into(),
                    );
                }
            }
        }
        let name = match name_col.map(|c| c.cell(row)) {
            Some(Value::String(s)) => s,
            _ => format!("unit{id}"),
        };
        let has_wf = wf.is_some();
        chans.push(SpikeChannel {
            name,
            id: format!("{prefix}{id}"),
            wf_units: if has_wf {
                wf_units.clone()
            } else {
                String::new()
            },
            wf_gain: 1.0,
            wf_offset: 0.0,
            wf_left_sweep: -1,
            wf_sampling_rate: if has_wf { wf_rate } else { 0.0 },
            annotations: ann,
        });
        units.push(Unit {
            times,
            support,
            order,
            waveforms,
        });
    }
    Ok((chans, units))
}

/// Reshapes a dynamic raw array to 2-D (1-D becomes one column).
fn to_2d<'a>(a: RawArray<'_, IxDyn>, what: &str, h: &H5File) -> Result<RawChunk<'a>> {
    let bad = |e: ndarray::ShapeError| h.bad(what, e);
    rawio_core::dispatch_raw!(a, x => {
        let x = x.into_owned();
        let x = if x.ndim() == 1 {
            let n = x.len();
            x.into_shape_with_order(IxDyn(&[n, 1])).map_err(bad)?
        } else {
            x
        };
        Ok(RawArray::new(x.into_dimensionality::<Ix2>().map_err(bad)?))
    })
}

impl RawIO for NwbReader {
    fn format_id(&self) -> &'static str {
        FORMAT_ID
    }

    fn source_name(&self) -> String {
        self.h.path().display().to_string()
    }

    fn header(&self) -> &Header {
        &self.header
    }

    fn read_signal_size(&self, _: usize, _: usize, stream: usize) -> Result<u64> {
        Ok(self.streams.get(stream).map_or(0, |s| s.len))
    }

    fn read_signal_t_start(&self, _: usize, _: usize, stream: usize) -> Result<f64> {
        Ok(self.streams.get(stream).map_or(0.0, |s| s.t_start))
    }

    fn read_signal_chunk(
        &self,
        _: usize,
        _: usize,
        stream: usize,
        samples: Range<u64>,
        channels: &ChannelIndexes,
    ) -> Result<RawChunk<'_>> {
        let s = self
            .streams
            .get(stream)
            .ok_or_else(|| Error::out_of_range("stream", stream, self.streams.len()))?;
        let (cols, list) = match channels {
            ChannelIndexes::Range(r) => ((r.start as u64, r.end as u64), None),
            ChannelIndexes::List(l) => {
                let lo = l.iter().copied().min().unwrap_or(0);
                let hi = l.iter().copied().max().map_or(0, |m| m + 1);
                (
                    (lo as u64, hi as u64),
                    Some(l.iter().map(|&i| i - lo).collect::<Vec<_>>()),
                )
            }
        };
        let raw = if s.one_d {
            self.h
                .read_rows(&s.data, &s.path, samples.start, samples.end, None)?
        } else {
            self.h
                .read_rows(&s.data, &s.path, samples.start, samples.end, Some(cols))?
        };
        let chunk = to_2d(raw, &s.path, &self.h)?;
        let chunk = if s.one_d {
            // one channel: select it (Range 0..1 or List [0, 0, ...])
            match list {
                Some(l) => chunk.select(1, &l),
                None => chunk
                    .slice_axis(1, 0..(cols.1 - cols.0) as usize)
                    .into_owned(),
            }
        } else {
            match list {
                Some(l) => chunk.select(1, &l),
                None => chunk,
            }
        };
        Ok(chunk)
    }

    fn read_spike_count(&self, _: usize, _: usize, unit: usize) -> Result<u64> {
        Ok(self.units.get(unit).map_or(0, |u| u.times.len() as u64))
    }

    fn spike_time_base(&self) -> TimeBase {
        TimeBase::SECONDS
    }

    fn read_spike_timestamps(&self, _: usize, _: usize, unit: usize) -> Result<RawTimestamps<'_>> {
        let u = self
            .units
            .get(unit)
            .ok_or_else(|| Error::out_of_range("spike channel", unit, self.units.len()))?;
        Ok(RawTimestamps::new(ArrayView1::from(&u.times[..])))
    }

    fn read_spike_waveforms(
        &self,
        _: usize,
        _: usize,
        unit: usize,
        spikes: Range<usize>,
    ) -> Result<Option<RawWaveforms<'_>>> {
        let Some(u) = self.units.get(unit) else {
            return Ok(None);
        };
        let Some(w) = &u.waveforms else {
            return Ok(None);
        };
        let stored: Vec<usize> = spikes
            .clone()
            .map(|k| {
                u.order
                    .as_ref()
                    .and_then(|o| o.get(k).copied())
                    .unwrap_or(k)
            })
            .collect();
        let ranges: Vec<&Range<usize>> = stored.iter().filter_map(|&i| w.rows.get(i)).collect();
        let shape = H5File::shape(&w.data);
        let nsamp = usize::try_from(shape.iter().skip(1).product::<u64>()).unwrap_or(0);
        let nch = w.rows.first().map_or(0, |r| r.len());
        let n = ranges.len();
        if ranges.is_empty() {
            let z: Array3<f32> = Array3::zeros((0, nch, nsamp));
            let dt = match H5File::elem(&w.data) {
                Elem::Num(d) => d,
                _ => Dtype::Float32,
            };
            return Ok(Some(match dt {
                Dtype::Float64 => RawArray::new(z.mapv(f64::from)),
                _ => RawArray::new(z),
            }));
        }
        let lo = ranges.iter().map(|r| r.start).min().unwrap_or(0);
        let hi = ranges.iter().map(|r| r.end).max().unwrap_or(0);
        let block = self
            .h
            .read_rows(&w.data, &w.path, lo as u64, hi as u64, None)?;
        let rows: Vec<usize> = ranges
            .iter()
            .flat_map(|r| (r.start - lo)..(r.end - lo))
            .collect();
        let picked = block.select(0, &rows);
        let out = rawio_core::dispatch_raw!(picked, x => {
            let x = x.into_owned();
            RawArray::new(
                x.into_shape_with_order(IxDyn(&[n, nch, nsamp]))
                    .and_then(|y| y.into_dimensionality::<ndarray::Ix3>())
                    .map_err(|e| self.h.bad(&w.path, e))?,
            )
        });
        Ok(Some(out))
    }

    fn read_event_count(&self, _: usize, _: usize, ev: usize) -> Result<u64> {
        Ok(self.events.get(ev).map_or(0, |e| e.times.len() as u64))
    }

    fn event_time_base(&self, _: usize) -> TimeBase {
        TimeBase::SECONDS
    }

    fn read_events(&self, _: usize, _: usize, ev: usize) -> Result<Events<'_>> {
        let e = self
            .events
            .get(ev)
            .ok_or_else(|| Error::out_of_range("event channel", ev, self.events.len()))?;
        Ok(Events {
            timestamps: RawTimestamps::new(ArrayView1::from(&e.times[..])),
            durations: e
                .durations
                .as_ref()
                .map(|d| RawTimestamps::new(Array1::from(d.clone()))),
            labels: e.labels.clone(),
        })
    }
}
