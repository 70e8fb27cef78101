//! SpikeEventSeries (snippets cut around threshold crossings, as the Open Ephys NWB plugin
//! and aqnwb write them): one spike channel per series.

use crate::degrade::Ctx;
use crate::model::{self, Model, SeriesInfo, TimeAxis};
use crate::open::{Span, TableCache, UnitsIndex};
use crate::reader::{Unit, WaveformSource};
use crate::signals::{SignalIndex, stored_rows};
use rawio_core::{Annotations, Result, SpikeChannel};
use rawio_hdf5::{ElementType, H5File};
use serde_json::Value;

/// Step 3b': one spike channel per SpikeEventSeries, appended to `out` (a series that
/// cannot be read is left out, listed in `ctx`).
pub(crate) fn index_spike_events(
    h: &H5File,
    model: &Model,
    signals: &SignalIndex,
    tables: &mut TableCache,
    ctx: &mut Ctx,
    out: &mut UnitsIndex,
) -> Result<()> {
    for s in model.series.iter().filter(|s| s.is_spike_events()) {
        let r = spike_event_channel(h, model, s, signals, tables);
        if let Some((chan, unit, span)) = ctx.guard(&s.path, r)? {
            out.span.merge(span);
            out.channels.push(chan);
            out.units.push(unit);
        }
    }
    Ok(())
}

/// The sampling rate of the stream the snippets were cut from: among the ElectricalSeries
/// streams whose electrodes include every electrode of `s` (same table), the fastest (the
/// broadband recording rather than its LFP).
fn source_rate(model: &Model, s: &SeriesInfo, signals: &SignalIndex) -> Option<(f64, String)> {
    let (rows, table) = s.electrodes.as_ref()?;
    let candidates = model.series.iter().filter_map(|o| {
        let (orows, otable) = o.electrodes.as_ref()?;
        if o.path == s.path || otable != table || !rows.iter().all(|r| orows.contains(r)) {
            return None;
        }
        let rate = signals
            .channels
            .iter()
            .find(|c| c.stream_id == o.path)?
            .sampling_rate;
        Some((rate, o.path.clone()))
    });
    candidates.max_by(|a, b| a.0.total_cmp(&b.0))
}

fn spike_event_channel(
    h: &H5File,
    model: &Model,
    s: &SeriesInfo,
    signals: &SignalIndex,
    tables: &mut TableCache,
) -> Result<(SpikeChannel, Unit, Span)> {
    let shape_ok = matches!(s.shape.len(), 2 | 3);
    let ElementType::Numeric(_) = s.elem else {
        return Err(h.unsupported(&s.path, format!("SpikeEventSeries data of {:?}", s.elem)));
    };
    if !shape_ok {
        return Err(h.unsupported(
            &s.path,
            format!("SpikeEventSeries data of shape {:?}", s.shape),
        ));
    }
    let rows = stored_rows(&s.data)?;
    let times: Vec<f64> = match &s.time {
        Some(TimeAxis::Timestamps { path, .. }) => {
            let ts = h.dataset(path)?;
            let n = rows.min(stored_rows(&ts)?);
            ts.read_rows(0..n)?.to_f64().iter().copied().collect()
        }
        Some(TimeAxis::Regular { start, rate }) => (0..rows)
            .map(|i| rawio_core::clock::regular_time(*start, *rate, i))
            .collect(),
        None => {
            return Err(h.corrupt(
                &s.path,
                s.time_problem
                    .clone()
                    .unwrap_or_else(|| "no time axis".into()),
            ));
        }
    };
    if let Some(i) = times.iter().position(|t| !t.is_finite()) {
        return Err(h.corrupt(&s.path, format!("spike time {i} is {}", times[i])));
    }
    let mut ann: Annotations = s.attrs.clone();
    ann.insert("path".into(), s.path.clone().into());
    ann.insert("data_path".into(), s.data_path().into());
    let (times, order) = crate::open::sort_times(times, &mut ann);
    let dims: Vec<usize> = s
        .shape
        .iter()
        .skip(1)
        .map(|&d| usize::try_from(d).unwrap_or(0))
        .collect();
    let (nch, nsamp) = match dims.as_slice() {
        [c, n] => (*c, *n),
        [n] => (1, *n),
        _ => (0, 0),
    };
    // gain: conversion × channel_conversion when every channel has the same one
    let mut gain = s.conversion;
    if let Some(cc) = &s.channel_conversion {
        match cc.first() {
            Some(&c0) if cc.iter().all(|&c| c == c0) => gain *= c0,
            Some(_) => {
                ann.insert(
                    "warning".into(),
                    "channel_conversion differs between channels: waveforms scaled by \
                     `conversion` only (see the `channel_conversion` annotation)"
                        .into(),
                );
                ann.insert(
                    "channel_conversion".into(),
                    cc.iter()
                        .map(|&c| rawio_core::json_f64(c))
                        .collect::<Vec<_>>()
                        .into(),
                );
            }
            None => {}
        }
    }
    if let Some((rows_e, table)) = &s.electrodes {
        ann.insert("electrodes".into(), rows_e.clone().into());
        let tp = table
            .clone()
            .unwrap_or_else(|| "/general/extracellular_ephys/electrodes".to_owned());
        if let Some(t) = tables.get(h, &tp)? {
            let ids: Vec<Value> = rows_e
                .iter()
                .map(|&r| {
                    usize::try_from(r)
                        .ok()
                        .and_then(|r| t.ids.get(r))
                        .map_or(Value::Null, |&id| id.into())
                })
                .collect();
            ann.insert("electrode_ids".into(), ids.into());
        }
    }
    let wf_rate = match source_rate(model, s, signals) {
        Some((r, from)) => {
            ann.insert("waveform_rate_from".into(), from.into());
            r
        }
        None => 0.0,
    };
    let mut span = Span::default();
    if let (Some(&a), Some(&b)) = (times.first(), times.last()) {
        span.add(a);
        span.add(b);
    }
    let waveforms = (!times.is_empty() && nch > 0 && nsamp > 0).then(|| WaveformSource {
        data: s.data.clone(),
        rows: (0..times.len()).map(|k| k..k + 1).collect(),
        nch,
        nsamp,
    });
    let chan = SpikeChannel {
        name: s.name.clone(),
        id: s.path.clone(),
        wf_units: s.unit.as_deref().map(model::short_unit).unwrap_or_default(),
        wf_gain: gain,
        wf_offset: s.offset,
        wf_left_sweep: -1,
        wf_sampling_rate: wf_rate,
        annotations: ann,
    };
    let unit = Unit {
        times,
        support: None,
        order,
        waveforms,
    };
    Ok((chan, unit, span))
}
