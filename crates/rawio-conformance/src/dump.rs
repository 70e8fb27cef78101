//! `rawio dump --json`: the `rawio-dump/1` contract (`shared/spec/dump-json.md`).

use rawio_core::{
    ChannelSelection, Error, RawIO, RawIOExt, Result, Sample, TimeWindow, dispatch_raw, json_f64,
};
use serde_json::{Map, Value, json};

/// Samples per read when summing a stream (the result does not depend on it).
const SUM_CHUNK: u64 = 65_536;

/// Builds the `rawio-dump/1` JSON object describing everything `reader` exposes. With `full`,
/// every spike time, event time, duration and label is included.
pub fn dump_json(reader: &dyn RawIO, full: bool) -> Result<Value> {
    dump_json_with_progress(reader, full, &mut |_, _| {})
}

/// As [`dump_json`], calling `progress(done, total)` (in samples read) while summing signals.
pub fn dump_json_with_progress(
    reader: &dyn RawIO,
    full: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Value> {
    let h = reader.header();
    let mut total = 0u64;
    for (b, block) in h.blocks.iter().enumerate() {
        for s in 0..block.segments.len() {
            for k in 0..h.signal_streams.len() {
                total = total.saturating_add(reader.signal_size(b, s, k)?);
            }
        }
    }
    let mut done = 0u64;
    let mut segments = Vec::new();
    for (b, block) in h.blocks.iter().enumerate() {
        for (s, seg) in block.segments.iter().enumerate() {
            let mut signals = Vec::new();
            for k in 0..h.signal_streams.len() {
                let size = reader.signal_size(b, s, k)?;
                let all = ChannelSelection::All;
                let n = size.min(3);
                let head = reader.analogsignal_chunk(b, s, k, Some(0), Some(n), &all)?;
                let tail = reader.analogsignal_chunk(b, s, k, Some(size - n), Some(size), &all)?;
                let rows = |c: &rawio_core::RawChunk<'_>| -> Vec<Value> {
                    (0..c.len()).map(|i| Value::Array(c.row_json(i))).collect()
                };
                let nch = reader.signal_channels_count(k)?;
                let mut sums = ColumnSums::new(nch);
                let mut start = 0u64;
                while start < size {
                    let stop = (start + SUM_CHUNK).min(size);
                    let chunk =
                        reader.analogsignal_chunk(b, s, k, Some(start), Some(stop), &all)?;
                    sums.add(&chunk);
                    done += stop - start;
                    progress(done, total);
                    start = stop;
                }
                signals.push(json!({
                    "stream_index": k,
                    "t_start": json_f64(reader.signal_t_start(b, s, k)?),
                    "size": size,
                    "head": rows(&head),
                    "tail": rows(&tail),
                    "sum": sums.to_json(),
                }));
            }
            let mut spikes = Vec::new();
            for u in 0..h.spike_channels.len() {
                let count = reader.spike_count(b, s, u)?;
                let ts = reader.spike_timestamps(b, s, u, TimeWindow::ALL)?;
                let times = reader.rescale_spike_timestamps(&ts);
                let times: Vec<f64> = times.to_vec();
                let wf = reader.spike_raw_waveforms(b, s, u, TimeWindow::ALL)?;
                let mut e = Map::new();
                e.insert("unit_index".into(), json!(u));
                e.insert("count".into(), json!(count));
                e.insert("head_s".into(), floats(head(&times, 5)));
                e.insert("tail_s".into(), floats(tail(&times, 5)));
                e.insert(
                    "waveform_shape".into(),
                    wf.as_ref().map_or(Value::Null, |w| json!(w.shape())),
                );
                e.insert(
                    "waveform_sum".into(),
                    wf.as_ref().map_or(Value::Null, |w| json_f64(w.sum_f64())),
                );
                if full {
                    e.insert("times_s".into(), floats(&times));
                }
                spikes.push(Value::Object(e));
            }
            let mut events = Vec::new();
            for ev in 0..h.event_channels.len() {
                let count = reader.event_count(b, s, ev)?;
                let evs = reader.event_timestamps(b, s, ev, TimeWindow::ALL)?;
                let times = reader
                    .rescale_event_timestamps(&evs.timestamps, ev)
                    .to_vec();
                let durs = evs
                    .durations
                    .as_ref()
                    .map(|d| reader.rescale_epoch_durations(d, ev).to_vec());
                let mut e = Map::new();
                e.insert("event_index".into(), json!(ev));
                e.insert("count".into(), json!(count));
                e.insert("head_s".into(), floats(head(&times, 5)));
                e.insert("tail_s".into(), floats(tail(&times, 5)));
                e.insert(
                    "head_durations_s".into(),
                    durs.as_ref().map_or(Value::Null, |d| floats(head(d, 5))),
                );
                e.insert("head_labels".into(), json!(head(&evs.labels, 5)));
                e.insert("tail_labels".into(), json!(tail(&evs.labels, 5)));
                if full {
                    e.insert("times_s".into(), floats(&times));
                    e.insert(
                        "durations_s".into(),
                        durs.as_ref().map_or(Value::Null, |d| floats(d)),
                    );
                    e.insert("labels".into(), json!(evs.labels));
                }
                events.push(Value::Object(e));
            }
            segments.push(json!({
                "block": b, "segment": s,
                "t_start": json_f64(seg.t_start), "t_stop": json_f64(seg.t_stop),
                "signals": signals, "spikes": spikes, "events": events,
            }));
        }
    }
    let streams: Vec<Value> = h
        .signal_streams
        .iter()
        .map(|s| json!({"name": s.name, "id": s.id, "buffer_id": s.buffer_id}))
        .collect();
    let channels: Vec<Value> = h
        .signal_channels
        .iter()
        .map(|c| {
            json!({"name": c.name, "id": c.id, "sampling_rate": json_f64(c.sampling_rate),
                   "dtype": c.dtype.name(), "units": c.units, "gain": json_f64(c.gain),
                   "offset": json_f64(c.offset), "stream_id": c.stream_id,
                   "buffer_id": c.buffer_id})
        })
        .collect();
    let units: Vec<Value> = h
        .spike_channels
        .iter()
        .map(|u| {
            json!({"name": u.name, "id": u.id, "wf_units": u.wf_units,
                   "wf_gain": json_f64(u.wf_gain), "wf_offset": json_f64(u.wf_offset),
                   "wf_left_sweep": u.wf_left_sweep,
                   "wf_sampling_rate": json_f64(u.wf_sampling_rate)})
        })
        .collect();
    let events: Vec<Value> = h
        .event_channels
        .iter()
        .map(|e| json!({"name": e.name, "id": e.id, "type": e.kind.name()}))
        .collect();
    Ok(json!({
        "schema": "rawio-dump/1",
        "format": reader.format_id(),
        "source": reader.source_name(),
        "nb_block": h.block_count(),
        "nb_segment": h.nb_segment(),
        "signal_buffers": h.signal_buffers.iter().map(|b| json!({"name": b.name, "id": b.id})).collect::<Vec<_>>(),
        "signal_streams": streams,
        "signal_channels": channels,
        "spike_channels": units,
        "event_channels": events,
        "segments": segments,
    }))
}

fn head<T>(v: &[T], n: usize) -> &[T] {
    &v[..n.min(v.len())]
}

fn tail<T>(v: &[T], n: usize) -> &[T] {
    &v[v.len() - n.min(v.len())..]
}

fn floats(v: &[f64]) -> Value {
    Value::Array(v.iter().map(|&x| json_f64(x)).collect())
}

/// Per-column sums: exact (i128) for integer data, f64 for float data.
struct ColumnSums {
    ints: Vec<i128>,
    floats: Vec<f64>,
    is_float: bool,
}

impl ColumnSums {
    fn new(n: usize) -> Self {
        ColumnSums {
            ints: vec![0; n],
            floats: vec![0.0; n],
            is_float: false,
        }
    }

    fn add(&mut self, chunk: &rawio_core::RawChunk<'_>) {
        fn acc<T: Sample>(
            s: &mut ColumnSums,
            a: &rawio_core::ndarray::CowArray<'_, T, rawio_core::ndarray::Ix2>,
        ) {
            if T::DTYPE.is_float() {
                s.is_float = true;
                for row in a.rows() {
                    for (c, v) in row.iter().enumerate() {
                        if let Some(x) = s.floats.get_mut(c) {
                            *x += v.to_f64();
                        }
                    }
                }
            } else {
                for row in a.rows() {
                    for (c, v) in row.iter().enumerate() {
                        if let Some(x) = s.ints.get_mut(c) {
                            *x += v.to_i128();
                        }
                    }
                }
            }
        }
        dispatch_raw!(chunk, a => acc(self, a));
    }

    fn to_json(&self) -> Value {
        if self.is_float {
            floats(&self.floats)
        } else {
            Value::Array(self.ints.iter().map(|&v| json_f64(v as f64)).collect())
        }
    }
}

/// Error helper for tools: a dump failure with context.
pub fn dump_error(e: Error) -> String {
    format!("dump failed: {e}")
}
