//! Step 3a of opening: the signal streams. Every 1-D or 2-D numeric TimeSeries is a stream:
//! with a regular clock (`starting_time` + `rate`) or an explicit one (`timestamps`). Other
//! series are listed (`other_series`), unreadable ones left out (`not_read`).

use crate::degrade::Ctx;
use crate::model::{self, Model, SeriesInfo, TimeAxis};
use crate::open::{Span, TableCache};
use crate::reader::{EventData, Stream};
use crate::table::{ColumnData, Table};
use rawio_core::{
    Annotations, Dtype, Error, EventChannel, EventKind, RateSource, Result, SampleClock,
    SignalChannel, SignalStream,
};
use rawio_hdf5::{Dataset, ElementType, H5File, SignalData};
use serde_json::{Value, json};

/// Timestamps checked one by one at open: every one up to this count, else this many at the
/// start (and the last one).
pub(crate) const CHECKED_TIMESTAMPS: u64 = 1 << 20;
/// Intervals the nominal rate of an explicit clock is the median of (at the start).
const RATE_INTERVALS: u64 = 4096;

/// The signal streams, their channels and data, and the series that are not streams.
#[derive(Default)]
pub(crate) struct SignalIndex {
    pub streams: Vec<SignalStream>,
    pub channels: Vec<SignalChannel>,
    pub data: Vec<Stream>,
    /// Series that are not streams, with the reason (`other_series`).
    pub other_series: Vec<Value>,
    /// 1-D series whose timestamps repeat (TTL lines...): event channels, label = value.
    pub events: Vec<(EventChannel, EventData)>,
    pub span: Span,
}

/// The time axis of a stream: regular, or explicit times.
#[allow(clippy::large_enum_variant)] // one per series, short-lived
enum Clock {
    Regular {
        start: f64,
        rate: f64,
    },
    Explicit {
        times: Dataset,
        first: f64,
        last: f64,
        rate: f64,
        source: RateSource,
    },
}

impl Clock {
    fn rate(&self) -> f64 {
        match self {
            Clock::Regular { rate, .. } | Clock::Explicit { rate, .. } => *rate,
        }
    }
}

/// Step 3a: every 1-D or 2-D numeric series (SpikeEventSeries and AnnotationSeries aside)
/// is a stream; the others are listed; a series that cannot be read is left out.
pub(crate) fn index_signals(
    h: &H5File,
    model: &Model,
    tables: &mut TableCache,
    ctx: &mut Ctx,
) -> Result<SignalIndex> {
    let mut out = SignalIndex::default();
    for s in &model.series {
        if s.is_annotation() || s.is_spike_events() {
            continue;
        }
        let r = out.add_series(h, s, tables);
        ctx.guard(&s.path, r)?;
    }
    Ok(out)
}

/// The column count of a signal, as a channel range end.
fn signal_cols(s: &SignalData) -> usize {
    usize::try_from(s.channels()).unwrap_or(usize::MAX)
}

/// The number of rows of `ds` the file stores, and a check that every other dimension is
/// stored whole (a declared extent past the stored data is not read).
pub(crate) fn stored_rows(ds: &Dataset) -> Result<u64> {
    let ext = ds.stored_extent()?;
    if ext.get(1..) != ds.shape().get(1..) {
        return Err(ds.corrupt(format!(
            "shape {:?} declared, but the file stores {ext:?}",
            ds.shape()
        )));
    }
    Ok(ext.first().copied().unwrap_or(1))
}

/// What [`check_times`] found.
pub(crate) struct Times {
    pub first: f64,
    pub last: f64,
    /// 1 / median of the first [`RATE_INTERVALS`] intervals.
    pub median_rate: Option<f64>,
    /// Whether some consecutive times are equal (events, not samples).
    pub repeats: bool,
}

/// Checks explicit times: finite and non-decreasing (all of them up to
/// [`CHECKED_TIMESTAMPS`], else that many at the start plus the last).
pub(crate) fn check_times(ts: &Dataset, n: u64) -> Result<Times> {
    let head = n.min(CHECKED_TIMESTAMPS);
    let t = ts.read_rows(0..head)?.to_f64();
    let mut v: Vec<f64> = t.iter().copied().collect();
    if n > head {
        v.extend(ts.read_rows(n - 1..n)?.to_f64().iter().copied());
    }
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(ts.corrupt(format!("timestamp {i} is {}", v[i])));
    }
    if let Some(i) = v.windows(2).position(|w| w[1] < w[0]) {
        return Err(ts.corrupt(format!(
            "timestamps decrease ({} then {} at {})",
            v[i],
            v[i + 1],
            i + 1
        )));
    }
    let (first, last) = match (v.first(), v.last()) {
        (Some(&a), Some(&b)) => (a, b),
        _ => (f64::NAN, f64::NAN),
    };
    let k = usize::try_from(RATE_INTERVALS + 1)
        .unwrap_or(usize::MAX)
        .min(v.len());
    Ok(Times {
        first,
        last,
        median_rate: rawio_core::clock::nominal_rate(v.get(..k).unwrap_or_default()),
        repeats: v.windows(2).any(|w| w[1] == w[0]),
    })
}

/// A 1-D series whose timestamps repeat as an event channel: one event per row, labelled
/// with the stored value (Open Ephys' TTL series: the line number, negative when it goes low).
fn series_events(s: &SeriesInfo, ts: &Dataset, n: u64) -> Result<(EventChannel, EventData)> {
    let times: Vec<f64> = ts.read_rows(0..n)?.to_f64().iter().copied().collect();
    let labels = s
        .data
        .read_rows(0..n)?
        .to_f64()
        .iter()
        .map(|&v| {
            if v.fract() == 0.0 && v.abs() < 9.0e15 {
                format!("{}", v as i64)
            } else {
                format!("{v}")
            }
        })
        .collect();
    let mut ann = s.attrs.clone();
    ann.insert("path".into(), s.path.clone().into());
    ann.insert(
        "source".into(),
        "a 1-D series whose timestamps repeat: one event per row, label = the value".into(),
    );
    let chan = EventChannel {
        name: s.name.clone(),
        id: s.path.clone(),
        kind: EventKind::Event,
        annotations: ann,
    };
    Ok((
        chan,
        EventData {
            times,
            durations: None,
            labels,
        },
    ))
}

/// A rate the file states for a series with timestamps: a `rate` attribute of the group,
/// its `data` or its `timestamps` (NWB itself has none; some writers add one).
fn stated_rate(h: &H5File, s: &SeriesInfo, ts: &Dataset) -> Option<f64> {
    [
        model::attrs(h, &s.path).f64("rate"),
        s.data.attributes().f64("rate"),
        ts.attributes().f64("rate"),
    ]
    .into_iter()
    .flatten()
    .find(|r| r.is_finite() && *r > 0.0)
}

impl SignalIndex {
    fn other(&mut self, s: &SeriesInfo, reason: impl Into<String>, extra: Value) {
        let mut v = json!({"path": s.path, "reason": reason.into()});
        if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
            o.extend(e);
        }
        self.other_series.push(v);
    }

    /// One series: a stream, or listed with the reason it is not one.
    fn add_series(&mut self, h: &H5File, s: &SeriesInfo, tables: &mut TableCache) -> Result<()> {
        let ElementType::Numeric(dtype) = s.elem else {
            self.other(
                s,
                "non-numeric data",
                json!({"dtype": format!("{:?}", s.elem)}),
            );
            return Ok(());
        };
        let rows = stored_rows(&s.data)?;
        let extra = json!({"shape": s.shape, "dtype": dtype.name()});
        let clock = match &s.time {
            None => {
                let why = s.time_problem.clone().unwrap_or_default();
                self.other(s, why, extra);
                return Ok(());
            }
            Some(TimeAxis::Regular { start, rate }) => Clock::Regular {
                start: *start,
                rate: *rate,
            },
            Some(TimeAxis::Timestamps { path, .. }) => {
                let ts = h.dataset(path)?;
                let n = rows.min(stored_rows(&ts)?);
                if n == 0 {
                    self.other(s, "no sample", extra);
                    return Ok(());
                }
                let Times {
                    first,
                    last,
                    median_rate,
                    repeats,
                } = check_times(&ts, n)?;
                if repeats {
                    if s.shape.len() != 1 {
                        return Err(
                            ts.corrupt("timestamps repeat (not one time per sample) on N-D data")
                        );
                    }
                    self.events.push(series_events(s, &ts, n)?);
                    return Ok(());
                }
                let (rate, source) = match (stated_rate(h, s, &ts), median_rate) {
                    (Some(r), _) => (r, RateSource::Stated),
                    (None, Some(r)) => (r, RateSource::MedianInterval),
                    (None, None) => {
                        self.span.add(first);
                        self.other(s, "a single timestamp (no rate)", extra);
                        return Ok(());
                    }
                };
                Clock::Explicit {
                    times: ts,
                    first,
                    last,
                    rate,
                    source,
                }
            }
        };
        if !matches!(s.shape.len(), 1 | 2) {
            match &clock {
                Clock::Regular { start, rate } => {
                    self.span.add(*start);
                    self.span.add(*start + rows as f64 / rate);
                }
                Clock::Explicit { first, last, .. } => {
                    self.span.add(*first);
                    self.span.add(*last);
                }
            }
            let mut extra = extra;
            if let (Some(o), Clock::Regular { start, rate }) = (extra.as_object_mut(), &clock) {
                o.insert("starting_time".into(), rawio_core::json_f64(*start));
                o.insert("rate".into(), rawio_core::json_f64(*rate));
            }
            self.other(s, format!("{}-D data", s.shape.len()), extra);
            return Ok(());
        }
        self.add_stream(h, s, clock, rows, dtype, tables)
    }

    /// A 1-D or 2-D numeric series as a stream of `rows` samples.
    fn add_stream(
        &mut self,
        h: &H5File,
        s: &SeriesInfo,
        clock: Clock,
        rows: u64,
        dtype: Dtype,
        tables: &mut TableCache,
    ) -> Result<()> {
        let ncols = s.shape.get(1).copied().unwrap_or(1);
        if ncols == 0 {
            self.other(s, "no column", json!({"shape": s.shape}));
            return Ok(());
        }
        let mut ann = s.attrs.clone();
        let channels = signal_channels(h, s, clock.rate(), dtype, ncols, tables, &mut ann)?;
        ann.insert("data_path".into(), s.data_path().into());
        ann.insert("conversion".into(), rawio_core::json_f64(s.conversion));
        ann.insert("offset".into(), rawio_core::json_f64(s.offset));
        if let Some(u) = &s.unit {
            ann.insert("unit".into(), u.clone().into());
        }
        let n = match &clock {
            Clock::Explicit { times, .. } => rows.min(stored_rows(times)?),
            Clock::Regular { .. } => rows,
        };
        if n < s.len() {
            ann.insert(
                "warning".into(),
                format!(
                    "{} rows declared, {n} stored{}: read as {n}",
                    s.len(),
                    if n < rows { " with a time" } else { "" }
                )
                .into(),
            );
        }
        let (sample_clock, t_start, times) = match clock {
            Clock::Regular { start, rate } => {
                self.span.add(start);
                self.span.add(start + n as f64 / rate);
                (SampleClock::Regular, start, None)
            }
            Clock::Explicit {
                times,
                first,
                last,
                source,
                ..
            } => {
                self.span.add(first);
                self.span.add(last);
                ann.insert("timestamps".into(), times.path().into());
                (
                    SampleClock::Explicit {
                        rate_source: source,
                    },
                    first,
                    Some(times),
                )
            }
        };
        let signal = SignalData::new(s.data.clone())?.with_samples(n);
        // one row decoded now: a filter or layout this crate cannot decode leaves the series
        // out at open (listed), rather than failing every later read
        signal.read(
            0..n.min(1),
            &rawio_core::ChannelIndexes::Range(0..signal_cols(&signal)),
        )?;
        self.channels.extend(channels);
        self.streams.push(SignalStream {
            name: s.name.clone(),
            id: s.path.clone(),
            buffer_id: String::new(),
            clock: sample_clock,
            annotations: ann,
        });
        self.data.push(Stream {
            signal,
            t_start,
            times,
        });
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
    stream_ann: &mut Annotations,
) -> Result<Vec<SignalChannel>> {
    let n = usize::try_from(ncols).map_err(|_| Error::invalid("too many channels"))?;
    let mut labels = ChannelLabels::plain(n);
    if let Some((rows, table_path)) = &s.electrodes {
        let tp = table_path
            .clone()
            .unwrap_or_else(|| "/general/extracellular_ephys/electrodes".to_owned());
        if rows.len() != n {
            stream_ann.insert(
                "electrodes_warning".into(),
                format!(
                    "{n} columns but {} electrodes: channels labelled by column",
                    rows.len()
                )
                .into(),
            );
        } else if let Some(t) = tables.get(h, &tp)? {
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
