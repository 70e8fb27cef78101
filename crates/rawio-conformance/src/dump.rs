//! `rawio dump --json`: the `rawio-dump/1` contract (`shared/spec/dump-json.md`).

use rawio_core::{
    ChannelSelection, Clock, ColumnSums, Error, NOT_MAPPED, NOT_READ, RawChunk, RawIO, RawIOExt,
    Result, Sample, TimeWindow, dispatch_raw, json_f64,
};

use serde_json::{Map, Value, json};

/// Bytes per read when summing a stream (the result does not depend on it).
const SUM_CHUNK_BYTES: u64 = 4 << 20;

/// Samples per read for stream `k` in segment `(b, s)` (about [`SUM_CHUNK_BYTES`] of the file),
/// and the bytes of file one sample spans.
/// A stream that is a few columns of a wider buffer (Open Ephys' SYNC channel beside 384
/// Neuropixels channels) spans whole frames of that buffer per sample, so its chunks are sized
/// by the buffer's frame: the pages a chunk touches stay within the budget.
fn sum_chunk(reader: &dyn RawIO, (b, s, k): (usize, usize, usize)) -> Result<(u64, u64)> {
    let chans = reader.header().stream_channels(k)?;
    let value = chans.first().map_or(1, |c| c.dtype.size() as u64);
    let values_per_sample = reader
        .signal_buffer_description(b, s, k)?
        .map_or(chans.len() as u64, |d| d.shape[1]);
    let frame = value.saturating_mul(values_per_sample).max(1);
    Ok(((SUM_CHUNK_BYTES / frame).clamp(1024, 1 << 20), frame))
}

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
                    (0..c.len()).map(|i| Value::Array(row_json(c, i))).collect()
                };
                let sums = stream_sums(reader, (b, s, k), size, &mut |n| {
                    progress(done + n, total);
                })?;
                done += size;
                let mut entry = json!({
                    "stream_index": k,
                    "t_start": json_f64(reader.signal_t_start(b, s, k)?),
                    "size": size,
                    "head": rows(&head),
                    "tail": rows(&tail),
                    "sum": floats(&sums),
                });
                let clock = h.stream(k)?.clock;
                if clock.has_explicit_times()
                    && let Some(obj) = entry.as_object_mut()
                {
                    let times = |r: std::ops::Range<u64>| -> Result<Value> {
                        let t = reader.signal_times_on(b, s, k, r, Clock::Explicit)?;
                        Ok(floats(&t.to_vec()))
                    };
                    obj.insert("clock".into(), json!(clock.name()));
                    obj.insert("explicit_times_head_s".into(), times(0..n)?);
                    obj.insert("explicit_times_tail_s".into(), times(size - n..size)?);
                }
                signals.push(entry);
            }
            let spikes = in_parallel(h.spike_channels.len(), |u| {
                spike_entry(reader, (b, s, u), full)
            })?;
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
        .map(|s| json!({"name": s.name, "id": s.id, "buffer_id": s.buffer_id, "clock": s.clock.name()}))
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
    // objects a reader left out (rawio_core::left_out): not readable, or without a place in
    // the model; each entry gets its block index
    let listed = |key: &str| -> Vec<Value> {
        h.blocks
            .iter()
            .enumerate()
            .flat_map(|(b, blk)| {
                blk.annotations
                    .get(key)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |mut v| {
                        if let Some(o) = v.as_object_mut() {
                            o.insert("block".into(), b.into());
                        }
                        v
                    })
            })
            .collect()
    };
    let (not_read, not_mapped) = (listed(NOT_READ), listed(NOT_MAPPED));
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
        "not_read": not_read,
        "not_mapped": not_mapped,
    }))
}

/// Streams of at least this many bytes are summed by several threads.
const PARALLEL_MIN_BYTES: u64 = 64 << 20;

/// Per-channel sums of every sample of stream `k` in segment `(b, s)`, read in chunks through
/// [`RawIOExt::signal_chunks_in`] (flat memory). Large streams are split into contiguous spans
/// summed by up to 4 threads (the reader is `Sync`); integer sums are exact whatever the split,
/// float sums add the spans' partial sums in order. `progress` gets the samples done so far.
fn stream_sums(
    reader: &dyn RawIO,
    (b, s, k): (usize, usize, usize),
    size: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<Vec<f64>> {
    use std::sync::atomic::{AtomicU64, Ordering};
    let nch = reader.signal_channels_count(k)?;
    let (chunk, frame_bytes) = sum_chunk(reader, (b, s, k))?;
    let threads = if size.saturating_mul(frame_bytes) >= PARALLEL_MIN_BYTES {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
    } else {
        1
    };
    let per = size.div_ceil(threads as u64).div_ceil(chunk) * chunk;
    let spans: Vec<std::ops::Range<u64>> = (0..threads as u64)
        .map(|i| (i * per).min(size)..((i + 1) * per).min(size))
        .collect();
    let done = AtomicU64::new(0);
    let sum_span =
        |span: std::ops::Range<u64>, report: &mut dyn FnMut(u64)| -> Result<ColumnSums> {
            let mut sums = ColumnSums::new(nch);
            for c in reader.signal_chunks_in(b, s, k, span, chunk, ChannelSelection::All)? {
                let (range, c) = c?;
                sums.add(&c);
                let n = done.fetch_add(range.end - range.start, Ordering::Relaxed);
                report(n + (range.end - range.start));
            }
            Ok(sums)
        };
    let parts: Vec<Result<ColumnSums>> = std::thread::scope(|scope| {
        let others: Vec<_> = spans
            .iter()
            .skip(1)
            .map(|span| scope.spawn(|| sum_span(span.clone(), &mut |_| {})))
            .collect();
        // the calling thread sums the first span and reports progress for all
        let first = sum_span(spans.first().cloned().unwrap_or(0..0), progress);
        std::iter::once(first)
            .chain(others.into_iter().map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::invalid("a dump worker thread panicked")))
            }))
            .collect()
    });
    let mut total = ColumnSums::new(nch);
    for p in parts {
        total.merge(&p?);
    }
    progress(size);
    Ok(total.to_f64())
}

/// Row `i` of a chunk as JSON numbers: integers stay integers, floats follow the contract
/// (non-finite values as strings).
fn row_json(chunk: &RawChunk<'_>, i: usize) -> Vec<Value> {
    fn value<T: Sample>(v: T) -> Value {
        if T::DTYPE.is_float() {
            return json_f64(v.to_f64());
        }
        let x = v.to_i128();
        i64::try_from(x)
            .map(Value::from)
            .or_else(|_| u64::try_from(x).map(Value::from))
            .unwrap_or_else(|_| json_f64(x as f64))
    }
    dispatch_raw!(chunk, a => if i < a.nrows() { a.row(i).iter().map(|&v| value(v)).collect() } else { Vec::new() })
}

/// The dump entry of unit `u` in segment `(b, s)`.
fn spike_entry(reader: &dyn RawIO, (b, s, u): (usize, usize, usize), full: bool) -> Result<Value> {
    let count = reader.spike_count(b, s, u)?;
    let ts = reader.spike_timestamps(b, s, u, TimeWindow::ALL)?;
    let times: Vec<f64> = reader.rescale_spike_timestamps(&ts).to_vec();
    let (wf_shape, wf_sum) = waveform_shape_and_sum(reader, b, s, u, times.len())?;
    let mut e = Map::new();
    e.insert("unit_index".into(), json!(u));
    e.insert("count".into(), json!(count));
    e.insert("head_s".into(), floats(head(&times, 5)));
    e.insert("tail_s".into(), floats(tail(&times, 5)));
    e.insert(
        "waveform_shape".into(),
        wf_shape.map_or(Value::Null, |shape| json!(shape)),
    );
    e.insert("waveform_sum".into(), wf_sum.map_or(Value::Null, json_f64));
    if full {
        e.insert("times_s".into(), floats(&times));
    }
    Ok(Value::Object(e))
}

/// `f(0), f(1), ... f(n - 1)` in order, computed by up to 4 threads (each on a contiguous run of
/// indexes; readers are `Sync`). The first error wins.
fn in_parallel<T: Send>(n: usize, f: impl Fn(usize) -> Result<T> + Sync) -> Result<Vec<T>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get().min(4))
        .min(n.max(1));
    if threads <= 1 {
        return (0..n).map(&f).collect();
    }
    let per = n.div_ceil(threads);
    let f = &f;
    let parts: Vec<Result<Vec<T>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| scope.spawn(move || (t * per..((t + 1) * per).min(n)).map(f).collect()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::invalid("a dump worker thread panicked")))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(n);
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

/// Spikes per waveform read (the sum does not depend on it; memory stays bounded).
const WAVEFORM_CHUNK: usize = 16_384;

/// Shape and raw sum of every waveform of unit `u` (`None`s when the file has none), read in
/// pieces of [`WAVEFORM_CHUNK`] spikes.
fn waveform_shape_and_sum(
    reader: &dyn RawIO,
    b: usize,
    s: usize,
    u: usize,
    n: usize,
) -> Result<(Option<Vec<usize>>, Option<f64>)> {
    let mut shape: Option<Vec<usize>> = None;
    let mut sum = 0.0f64;
    let mut start = 0usize;
    loop {
        let stop = (start + WAVEFORM_CHUNK).min(n);
        let Some(w) = reader.spike_raw_waveforms_range(b, s, u, start..stop)? else {
            return Ok((None, None));
        };
        sum += w.sum_f64();
        match &mut shape {
            None => shape = Some(w.shape().to_vec()),
            Some(sh) => sh[0] += w.len(),
        }
        if stop >= n {
            return Ok((shape, Some(sum)));
        }
        start = stop;
    }
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

/// Error helper for tools: a dump failure with context.
pub fn dump_error(e: Error) -> String {
    format!("dump failed: {e}")
}
