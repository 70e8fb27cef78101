//! The reader checks: every check of neo's `rawio_compliance.py`, with its holes closed.

use rawio_core::ndarray;
use rawio_core::{
    ChannelSelection, Clock, EventKind, RawChunk, RawIO, RawIOExt, TimeWindow, dispatch_raw,
};
use std::fmt;

/// Chunk sizes used to iterate every stream over its whole length.
pub const CHUNK_SIZES: [u64; 8] = [1, 511, 512, 513, 1023, 1024, 1025, 1_000_000];

/// One failed check.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The check's name (e.g. `"read_analogsignals/chunked"`).
    pub check: &'static str,
    /// What went wrong.
    pub detail: String,
}

/// The outcome of running checks on a reader.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Failed checks.
    pub violations: Vec<Violation>,
    /// Checks that were skipped, with the reason.
    pub skipped: Vec<String>,
    /// Number of individual assertions evaluated.
    pub assertions: u64,
}

impl Report {
    /// Whether no check failed.
    pub fn is_ok(&self) -> bool {
        self.violations.is_empty()
    }

    /// Whether a check with this name failed.
    pub fn failed(&self, check: &str) -> bool {
        self.violations.iter().any(|v| v.check == check)
    }

    fn check(&mut self, ok: bool, check: &'static str, detail: impl FnOnce() -> String) -> bool {
        self.assertions += 1;
        if !ok {
            self.violations.push(Violation {
                check,
                detail: detail(),
            });
        }
        ok
    }

    fn fail(&mut self, check: &'static str, detail: impl Into<String>) {
        self.assertions += 1;
        self.violations.push(Violation {
            check,
            detail: detail.into(),
        });
    }

    /// Appends another report.
    pub fn merge(&mut self, other: Report) {
        self.violations.extend(other.violations);
        self.skipped.extend(other.skipped);
        self.assertions += other.assertions;
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for v in &self.violations {
            writeln!(f, "FAIL {}: {}", v.check, v.detail)?;
        }
        for s in &self.skipped {
            writeln!(f, "skip {s}")?;
        }
        write!(
            f,
            "{} assertions, {} violations, {} skipped",
            self.assertions,
            self.violations.len(),
            self.skipped.len()
        )
    }
}

/// Options of [`check_reader_with`].
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Chunk sizes for whole-length iteration.
    pub chunk_sizes: Vec<u64>,
    /// Largest stream segment (samples × channels) held in memory as the reference of the
    /// chunked-read check; larger ones are checked window by window.
    pub max_reference_values: u64,
    /// For chunk sizes below 64, iterate at most this many samples at the start and at the end of
    /// each stream (None = the whole length). Keeps `rawio check` fast on real recordings.
    pub small_chunk_span: Option<u64>,
    /// Checks not to run, each with the reason (listed in [`Report::skipped`]): for a known,
    /// documented defect of a real file or reader, never to hide a new failure.
    pub skip: Vec<(&'static str, String)>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            chunk_sizes: CHUNK_SIZES.to_vec(),
            max_reference_values: 64 << 20,
            small_chunk_span: None,
            skip: Vec::new(),
        }
    }
}

/// Runs every check on `reader` with default options.
pub fn check_reader(reader: &dyn RawIO) -> Report {
    check_reader_with(reader, &CheckOptions::default())
}

/// Runs every check on `reader`.
pub fn check_reader_with(reader: &dyn RawIO, opts: &CheckOptions) -> Report {
    let mut r = Report::default();
    header_is_total(reader, &mut r);
    count_element(reader, &mut r);
    if r.failed("header") {
        return r;
    }
    read_analogsignals(reader, opts, &mut r);
    read_spike_times(reader, &mut r);
    read_spike_waveforms(reader, &mut r);
    read_events(reader, &mut r);
    signal_clocks(reader, &mut r);
    segment_bounds(reader, &mut r);
    buffer_descriptions(reader, &mut r);
    invalid_arguments(reader, &mut r);
    two_threads(reader, &mut r);
    for (check, reason) in &opts.skip {
        let before = r.violations.len();
        r.violations.retain(|v| v.check != *check);
        r.skipped.push(format!(
            "{check} ({reason}; {} violations ignored)",
            before - r.violations.len()
        ));
    }
    r
}

fn segments(reader: &dyn RawIO) -> Vec<(usize, usize)> {
    let h = reader.header();
    h.blocks
        .iter()
        .enumerate()
        .flat_map(|(b, blk)| (0..blk.segments.len()).map(move |s| (b, s)))
        .collect()
}

/// neo's `header_is_total` + `check_signal_stream_buffer_hierachy` + `has_annotations`.
fn header_is_total(reader: &dyn RawIO, r: &mut Report) {
    let h = reader.header();
    r.check(h.block_count() > 0, "header", || {
        "nb_block must be > 0".into()
    });
    r.check(h.nb_segment().len() == h.block_count(), "header", || {
        "nb_segment length".into()
    });
    if let Err(e) = h.validate() {
        r.fail("header", e.to_string());
    }
    match rawio_core::serde_json::to_value(h) {
        Ok(v) => {
            r.check(v.get("signal_channels").is_some(), "header", || {
                "header not serializable".into()
            });
        }
        Err(e) => r.fail("header", format!("header does not serialize: {e}")),
    }
    r.check(!reader.format_id().is_empty(), "header", || {
        "empty format id".into()
    });
}

/// neo's `count_element`: strict segment bounds, every count callable.
fn count_element(reader: &dyn RawIO, r: &mut Report) {
    let h = reader.header();
    for (b, s) in segments(reader) {
        match (reader.segment_t_start(b, s), reader.segment_t_stop(b, s)) {
            (Ok(t0), Ok(t1)) => {
                r.check(t1 > t0, "count_element", || {
                    format!("segment {b}/{s}: t_stop {t1} <= t_start {t0}")
                });
            }
            _ => r.fail(
                "count_element",
                format!("segment {b}/{s}: bounds not readable"),
            ),
        }
        for k in 0..h.signal_streams.len() {
            if let Err(e) = reader.signal_size(b, s, k) {
                r.fail("count_element", format!("signal_size({b},{s},{k}): {e}"));
            }
            match reader.signal_t_start(b, s, k) {
                Ok(t) => {
                    r.check(t.is_finite(), "count_element", || {
                        format!("signal_t_start({b},{s},{k}) = {t}")
                    });
                }
                Err(e) => r.fail("count_element", format!("signal_t_start({b},{s},{k}): {e}")),
            }
        }
        for u in 0..h.spike_channels.len() {
            if let Err(e) = reader.spike_count(b, s, u) {
                r.fail("count_element", format!("spike_count({b},{s},{u}): {e}"));
            }
        }
        for ev in 0..h.event_channels.len() {
            if let Err(e) = reader.event_count(b, s, ev) {
                r.fail("count_element", format!("event_count({b},{s},{ev}): {e}"));
            }
        }
    }
}

fn read_analogsignals(reader: &dyn RawIO, opts: &CheckOptions, r: &mut Report) {
    let h = reader.header();
    for k in 0..h.signal_streams.len() {
        match reader.signal_sampling_rate(k) {
            Ok(sr) => {
                r.check(sr.is_finite() && sr > 0.0, "read_analogsignals", || {
                    format!("stream {k}: sampling rate {sr}")
                });
            }
            Err(e) => r.fail(
                "read_analogsignals",
                format!("stream {k}: sampling rate: {e}"),
            ),
        }
        let chans = match h.stream_channels(k) {
            Ok(c) => c,
            Err(e) => {
                r.fail("read_analogsignals", format!("stream {k}: {e}"));
                continue;
            }
        };
        let nch = chans.len();
        for (b, s) in segments(reader) {
            let size = match reader.signal_size(b, s, k) {
                Ok(n) => n,
                Err(_) => continue,
            };
            chunked_equals_full(reader, b, s, k, size, nch, opts, r);
            if (b, s) == (0, 0) {
                selections(reader, k, size, &chans, r);
            }
        }
    }
}

/// Every chunk size over the whole length must equal one full read (neo only checks the
/// first 0.5 s, which misses tail bugs).
#[allow(clippy::too_many_arguments)]
fn chunked_equals_full(
    reader: &dyn RawIO,
    b: usize,
    s: usize,
    k: usize,
    size: u64,
    nch: usize,
    opts: &CheckOptions,
    r: &mut Report,
) {
    const CHECK: &str = "read_analogsignals/chunked";
    let all = ChannelSelection::All;
    let window = (opts.max_reference_values / (nch.max(1) as u64)).max(1);
    let mut w0 = 0u64;
    while w0 < size || (size == 0 && w0 == 0) {
        let w1 = (w0 + window).min(size);
        let reference = match reader.analogsignal_chunk(b, s, k, Some(w0), Some(w1), &all) {
            Ok(c) => c.into_owned(),
            Err(e) => {
                r.fail(
                    CHECK,
                    format!("stream {k} seg {b}/{s}: full read [{w0},{w1}): {e}"),
                );
                return;
            }
        };
        r.check(
            reference.ndim() == 2 && reference.shape() == [(w1 - w0) as usize, nch],
            CHECK,
            || {
                format!(
                    "stream {k}: full read shape {:?}, expected [{}, {nch}]",
                    reference.shape(),
                    w1 - w0
                )
            },
        );
        for &cs in &opts.chunk_sizes {
            // chunks are aligned on multiples of cs from 0, as neo's iterator; clipped to the window
            let mut spans: Vec<(u64, u64)> = Vec::new();
            match opts.small_chunk_span {
                Some(span) if cs < 64 && w1 - w0 > 2 * span => {
                    spans.push((w0, w0 + span));
                    spans.push((w1 - span, w1));
                }
                _ => spans.push((w0, w1)),
            }
            for (a, z) in spans {
                let mut i = a - a % cs;
                while i < z {
                    let start = i.max(a);
                    let stop = (i + cs).min(z).min(size);
                    match reader.analogsignal_chunk(b, s, k, Some(start), Some(stop), &all) {
                        Ok(c) => {
                            let want = reference
                                .slice_axis(0, (start - w0) as usize..(stop - w0) as usize);
                            if c != want.clone().into_owned() && !same_values(&c, &want) {
                                r.fail(CHECK, format!(
                                    "stream {k} seg {b}/{s}: chunk [{start},{stop}) (chunk size {cs}) differs from the full read"
                                ));
                                return;
                            }
                            r.assertions += 1;
                        }
                        Err(e) => {
                            r.fail(
                                CHECK,
                                format!("stream {k} seg {b}/{s}: chunk [{start},{stop}): {e}"),
                            );
                            return;
                        }
                    }
                    i += cs;
                }
            }
        }
        if size == 0 {
            break;
        }
        w0 = w1;
    }
}

fn same_values(a: &RawChunk<'_>, b: &RawChunk<'_>) -> bool {
    if a.dtype() != b.dtype() || a.shape() != b.shape() {
        return false;
    }
    // NaN-aware equality for float data (NaN == NaN here).
    let (x, y) = (a.to_f64(), b.to_f64());
    x.iter()
        .zip(y.iter())
        .all(|(p, q)| p == q || (p.is_nan() && q.is_nan()))
}

/// Selection forms (indexes, ids, names, mask, range, all) must agree, f32/f64 rescale must
/// agree across forms.
fn selections(
    reader: &dyn RawIO,
    k: usize,
    size: u64,
    chans: &[&rawio_core::SignalChannel],
    r: &mut Report,
) {
    const CHECK: &str = "read_analogsignals/selection";
    let nch = chans.len();
    let stop = size.min(1024);
    let idx: Vec<usize> = (0..nch).step_by(2).collect();
    let ids: Vec<String> = idx.iter().map(|&i| chans[i].id.clone()).collect();
    let names: Vec<String> = idx.iter().map(|&i| chans[i].name.clone()).collect();
    let mut seen = std::collections::HashSet::new();
    let unique_names = chans.iter().all(|c| seen.insert(&c.name));
    let mask: Vec<bool> = (0..nch).map(|i| i % 2 == 0).collect();
    let read =
        |sel: &ChannelSelection| reader.analogsignal_chunk(0, 0, k, Some(0), Some(stop), sel);
    let base = match read(&ChannelSelection::Indexes(idx.clone())) {
        Ok(c) => c.into_owned(),
        Err(e) => {
            r.fail(CHECK, format!("stream {k}: read by indexes: {e}"));
            return;
        }
    };
    r.check(base.shape() == [stop as usize, idx.len()], CHECK, || {
        format!(
            "stream {k}: shape {:?} for {} channels x {stop} samples",
            base.shape(),
            idx.len()
        )
    });
    let mut forms = vec![
        ("ids", ChannelSelection::Ids(ids)),
        ("mask", ChannelSelection::Mask(mask)),
    ];
    if unique_names {
        forms.push(("names", ChannelSelection::Names(names)));
    } else {
        r.check(
            read(&ChannelSelection::Names(vec![chans[0].name.clone()])).is_err(),
            CHECK,
            || format!("stream {k}: names are not unique but a name selection succeeded"),
        );
    }
    if nch > 0 && idx.len() == 1 {
        forms.push(("range", ChannelSelection::Range(0..1)));
    }
    for (what, sel) in &forms {
        match read(sel) {
            Ok(c) => {
                r.check(c == base.clone(), CHECK, || {
                    format!("stream {k}: selection by {what} differs from indexes")
                });
            }
            Err(e) => r.fail(CHECK, format!("stream {k}: selection by {what}: {e}")),
        }
    }
    // All == full range == explicit arange (neo issue #1533)
    let all = read(&ChannelSelection::All).map(|c| c.into_owned());
    let range = read(&ChannelSelection::Range(0..nch)).map(|c| c.into_owned());
    let list = read(&ChannelSelection::Indexes((0..nch).collect())).map(|c| c.into_owned());
    match (all, range, list) {
        (Ok(a), Ok(b), Ok(c)) => {
            r.check(a == b && b == c, CHECK, || {
                format!("stream {k}: All / Range / arange selections differ")
            });
        }
        _ => r.fail(
            CHECK,
            format!("stream {k}: All / Range / arange selection failed"),
        ),
    }
    if nch >= 3 {
        match read(&ChannelSelection::Indexes(vec![2, 0])) {
            Ok(c) => {
                let want = read(&ChannelSelection::All).map(|a| a.select(1, &[2, 0]));
                r.check(want.map(|w| w == c).unwrap_or(false), CHECK, || {
                    format!("stream {k}: reordered selection [2, 0] wrong")
                });
            }
            Err(e) => r.fail(CHECK, format!("stream {k}: selection [2, 0]: {e}")),
        }
    }
    // rescale
    const RESCALE: &str = "read_analogsignals/rescale";
    let by_idx = ChannelSelection::Indexes(idx.clone());
    match (
        reader.rescale_signal_f64(&base, k, &by_idx),
        reader.rescale_signal_f32(&base, k, &by_idx),
    ) {
        (Ok(f64s), Ok(f32s)) => {
            r.check(f64s.dim() == (stop as usize, idx.len()), RESCALE, || {
                "f64 shape".into()
            });
            r.check(f32s.dim() == f64s.dim(), RESCALE, || "f32 shape".into());
            // neo's float32 path: astype(float32), then `*= gain` if any gain != 1, then
            // `+= offset` if any offset != 0, each computed in float64 and stored as float32.
            let any_gain = idx.iter().any(|&c| chans[c].gain != 1.0);
            let any_off = idx.iter().any(|&c| chans[c].offset != 0.0);
            for (ci, &c) in idx.iter().enumerate() {
                let ch = chans[c];
                let col = base.slice_axis(1, ci..ci + 1);
                let (raw64, raw32) = (col.to_f64(), col.to_f32());
                for (row, (&v64, &v32)) in f64s.column(ci).iter().zip(f32s.column(ci)).enumerate() {
                    let raw = raw64[[row, 0]];
                    let want = raw * ch.gain + ch.offset;
                    let ok64 = v64 == want
                        || (v64.is_nan() && want.is_nan())
                        || (ch.gain == 1.0 && ch.offset == 0.0 && v64 == raw);
                    let mut want32 = raw32[[row, 0]];
                    if any_gain {
                        want32 = (f64::from(want32) * ch.gain) as f32;
                    }
                    if any_off {
                        want32 = (f64::from(want32) + ch.offset) as f32;
                    }
                    let ok32 =
                        v32.to_bits() == want32.to_bits() || (v32.is_nan() && want32.is_nan());
                    if !(ok64 && ok32) {
                        r.fail(RESCALE, format!("stream {k} channel {c} sample {row}: raw {raw} -> f64 {v64} (want {want}), f32 {v32} (want {want32}, neo's rounding)"));
                        return;
                    }
                }
            }
            for (what, sel) in &forms {
                if let (Ok(a), Ok(b)) = (
                    reader.rescale_signal_f64(&base, k, sel),
                    reader.rescale_signal_f32(&base, k, sel),
                ) {
                    let same64 = a
                        .iter()
                        .zip(f64s.iter())
                        .all(|(x, y)| x.to_bits() == y.to_bits());
                    let same32 = b
                        .iter()
                        .zip(f32s.iter())
                        .all(|(x, y)| x.to_bits() == y.to_bits());
                    r.check(same64 && same32, RESCALE, || {
                        format!("stream {k}: rescale by {what} differs from by indexes")
                    });
                } else {
                    r.fail(RESCALE, format!("stream {k}: rescale by {what} failed"));
                }
            }
        }
        (Err(e), _) | (_, Err(e)) => r.fail(RESCALE, format!("stream {k}: {e}")),
    }
}

/// neo's `read_spike_times`, plus sortedness and a correct window check.
fn read_spike_times(reader: &dyn RawIO, r: &mut Report) {
    const CHECK: &str = "read_spike_times";
    let h = reader.header();
    for (b, s) in segments(reader) {
        for u in 0..h.spike_channels.len() {
            let Ok(n) = reader.spike_count(b, s, u) else {
                continue;
            };
            let ts = match reader.spike_timestamps(b, s, u, TimeWindow::ALL) {
                Ok(t) => t,
                Err(e) => {
                    r.fail(CHECK, format!("unit {u}: {e}"));
                    continue;
                }
            };
            r.check(ts.len() as u64 == n, CHECK, || {
                format!("unit {u}: {} timestamps, count says {n}", ts.len())
            });
            let times = reader.rescale_spike_timestamps(&ts);
            r.check(times.len() == ts.len(), CHECK, || {
                format!("unit {u}: rescale changed the length")
            });
            let sorted = times.windows(2).into_iter().all(|w| w[0] <= w[1]);
            r.check(sorted, CHECK, || {
                format!("unit {u}: spike timestamps are not sorted")
            });
            if times.len() > 3 {
                let t = times[1];
                let win = TimeWindow::between(t - 0.001, t + 0.001);
                match reader.spike_timestamps(b, s, u, win) {
                    Ok(sub) => {
                        let sub_s = reader.rescale_spike_timestamps(&sub);
                        let want: Vec<f64> =
                            times.iter().copied().filter(|&x| win.contains(x)).collect();
                        r.check(sub_s.to_vec() == want && sub_s.iter().any(|&x| x == t), CHECK, || {
                            format!("unit {u}: window [{}, {}] around spike 1 gave {} spikes, want {}", t - 0.001, t + 0.001, sub_s.len(), want.len())
                        });
                    }
                    Err(e) => r.fail(CHECK, format!("unit {u}: windowed read: {e}")),
                }
            }
        }
    }
}

/// neo's `read_spike_waveforms`, plus window consistency with the timestamps.
fn read_spike_waveforms(reader: &dyn RawIO, r: &mut Report) {
    const CHECK: &str = "read_spike_waveforms";
    let h = reader.header();
    for (b, s) in segments(reader) {
        for u in 0..h.spike_channels.len() {
            let Ok(n) = reader.spike_count(b, s, u) else {
                continue;
            };
            if n == 0 {
                continue;
            }
            match reader.spike_raw_waveforms(b, s, u, TimeWindow::ALL) {
                Ok(None) => {}
                Ok(Some(wf)) => {
                    r.check(wf.ndim() == 3 && wf.len() as u64 == n, CHECK, || {
                        format!("unit {u}: waveform shape {:?} for {n} spikes", wf.shape())
                    });
                    match (
                        reader.rescale_waveforms_f32(&wf, u),
                        reader.rescale_waveforms_f64(&wf, u),
                    ) {
                        (Ok(a), Ok(b64)) => {
                            r.check(
                                a.shape() == wf.shape() && b64.shape() == wf.shape(),
                                CHECK,
                                || format!("unit {u}: rescaled waveform shape"),
                            );
                        }
                        _ => r.fail(CHECK, format!("unit {u}: waveform rescale failed")),
                    }
                    if let Ok(ts) = reader.spike_timestamps(b, s, u, TimeWindow::ALL) {
                        let times = reader.rescale_spike_timestamps(&ts);
                        if let (Some(&first), true) = (times.get(times.len() / 2), times.len() > 1)
                        {
                            let win = TimeWindow::new(Some(first), None);
                            let nt = reader
                                .spike_timestamps(b, s, u, win)
                                .map(|t| t.len())
                                .unwrap_or(usize::MAX);
                            let nw = reader
                                .spike_raw_waveforms(b, s, u, win)
                                .ok()
                                .flatten()
                                .map(|w| w.len())
                                .unwrap_or(usize::MAX - 1);
                            r.check(nt == nw, CHECK, || format!("unit {u}: windowed waveforms ({nw}) and timestamps ({nt}) disagree"));
                        }
                    }
                }
                Err(e) => r.fail(CHECK, format!("unit {u}: {e}")),
            }
        }
    }
}

/// neo's `read_events`, plus kind consistency.
fn read_events(reader: &dyn RawIO, r: &mut Report) {
    const CHECK: &str = "read_events";
    let h = reader.header();
    for (b, s) in segments(reader) {
        for (ev, chan) in h.event_channels.iter().enumerate() {
            let Ok(n) = reader.event_count(b, s, ev) else {
                continue;
            };
            match reader.event_timestamps(b, s, ev, TimeWindow::ALL) {
                Ok(e) => {
                    r.check(e.timestamps.len() as u64 == n, CHECK, || {
                        format!(
                            "event channel {ev}: {} timestamps, count says {n}",
                            e.timestamps.len()
                        )
                    });
                    r.check(e.labels.len() as u64 == n, CHECK, || {
                        format!(
                            "event channel {ev}: {} labels for {n} events",
                            e.labels.len()
                        )
                    });
                    match (&e.durations, chan.kind) {
                        (Some(d), EventKind::Epoch) => {
                            r.check(d.len() as u64 == n, CHECK, || {
                                format!("epoch channel {ev}: {} durations for {n}", d.len())
                            });
                        }
                        (None, EventKind::Event) => {}
                        (d, k) => r.fail(
                            CHECK,
                            format!(
                                "event channel {ev}: kind {k:?} but durations {}",
                                if d.is_some() { "present" } else { "absent" }
                            ),
                        ),
                    }
                    let secs = reader.rescale_event_timestamps(&e.timestamps, ev);
                    r.check(secs.len() as u64 == n, CHECK, || {
                        format!("event channel {ev}: rescale length")
                    });
                    if let Some(&t) = secs.get(secs.len() / 2) {
                        let win = TimeWindow::between(t, t);
                        match reader.event_timestamps(b, s, ev, win) {
                            Ok(sub) => {
                                let got = reader.rescale_event_timestamps(&sub.timestamps, ev);
                                let want = secs.iter().filter(|&&x| x == t).count();
                                r.check(got.len() == want && sub.labels.len() == want, CHECK, || format!("event channel {ev}: window at {t} gave {} events, want {want}", got.len()));
                            }
                            Err(err) => {
                                r.fail(CHECK, format!("event channel {ev}: windowed read: {err}"))
                            }
                        }
                    }
                }
                Err(err) => r.fail(CHECK, format!("event channel {ev}: {err}")),
            }
        }
    }
}

/// Chunk sizes for reading sample times (times are read whole for the reference).
const TIME_CHUNKS: [u64; 4] = [1, 511, 4096, 1_000_000];
/// Largest segment of sample times read whole as the reference of the chunked check.
const MAX_REFERENCE_TIMES: u64 = 8 << 20;

/// Sample clocks: one time per sample, strictly increasing within a segment; chunked reads of
/// times equal one full read; the default clock starts at `signal_t_start`; time → index
/// lookups round-trip on both clocks; `Clock::Explicit` on a regular stream is an error.
fn signal_clocks(reader: &dyn RawIO, r: &mut Report) {
    const CHECK: &str = "signal_clocks";
    let h = reader.header();
    for (k, stream) in h.signal_streams.iter().enumerate() {
        let clock = stream.clock;
        for (b, s) in segments(reader) {
            let Ok(n) = reader.signal_size(b, s, k) else {
                continue;
            };
            if !clock.has_explicit_times() {
                r.check(
                    reader
                        .signal_times_on(b, s, k, 0..n.min(1), Clock::Explicit)
                        .is_err(),
                    CHECK,
                    || format!("stream {k}: explicit times of a regular stream accepted"),
                );
            }
            let clocks: &[Clock] = if clock.has_explicit_times() {
                &[Clock::Default, Clock::Regular, Clock::Explicit]
            } else {
                &[Clock::Default]
            };
            for &c in clocks {
                check_times(reader, b, s, k, n, c, r);
            }
            if n > 0 {
                match (
                    reader.signal_t_start(b, s, k),
                    reader.signal_times(b, s, k, 0..1),
                ) {
                    (Ok(t0), Ok(t)) => {
                        r.check(t.first() == Some(&t0), CHECK, || {
                            format!(
                                "stream {k} seg {b}/{s}: first time {:?} on the default clock is not signal_t_start {t0}",
                                t.first()
                            )
                        });
                    }
                    (Err(e), _) | (_, Err(e)) => {
                        r.fail(CHECK, format!("stream {k} seg {b}/{s}: {e}"))
                    }
                }
            }
        }
    }
}

/// Times of one stream segment on one clock: count, order, chunking, lookup round trips.
fn check_times(
    reader: &dyn RawIO,
    b: usize,
    s: usize,
    k: usize,
    n: u64,
    clock: Clock,
    r: &mut Report,
) {
    const CHECK: &str = "signal_clocks";
    let whole = n.min(MAX_REFERENCE_TIMES);
    let all = match reader.signal_times_on(b, s, k, 0..whole, clock) {
        Ok(t) => t.into_owned(),
        Err(e) => {
            r.fail(CHECK, format!("stream {k} seg {b}/{s} {clock:?}: {e}"));
            return;
        }
    };
    if !r.check(all.len() as u64 == whole, CHECK, || {
        format!(
            "stream {k} seg {b}/{s} {clock:?}: {} times for {whole} samples",
            all.len()
        )
    }) {
        return;
    }
    let increasing = all.windows(2).into_iter().all(|w| w[0] < w[1]);
    if !r.check(
        increasing && all.iter().all(|t| t.is_finite()),
        CHECK,
        || {
            format!(
                "stream {k} seg {b}/{s} {clock:?}: times are not finite and strictly increasing"
            )
        },
    ) {
        return;
    }
    for &cs in &TIME_CHUNKS {
        let mut i = 0u64;
        while i < whole {
            let stop = (i + cs).min(whole);
            match reader.signal_times_on(b, s, k, i..stop, clock) {
                Ok(t) => {
                    let want = all.slice_axis(
                        ndarray::Axis(0),
                        ndarray::Slice::from(i as usize..stop as usize),
                    );
                    if t.view() != want {
                        r.fail(CHECK, format!("stream {k} seg {b}/{s} {clock:?}: times [{i},{stop}) (chunk size {cs}) differ from the full read"));
                        return;
                    }
                    r.assertions += 1;
                }
                Err(e) => {
                    r.fail(
                        CHECK,
                        format!("stream {k} seg {b}/{s} {clock:?}: times [{i},{stop}): {e}"),
                    );
                    return;
                }
            }
            i = stop;
            if cs == 1 && i >= 2048 {
                break; // one sample at a time: the start is enough
            }
        }
    }
    let mut probes: Vec<u64> = vec![0, whole / 3, whole / 2, whole.saturating_sub(1)];
    probes.retain(|&i| i < whole);
    for i in probes {
        let t = all[i as usize];
        let ok = reader.sample_index(b, s, k, t, clock).ok() == Some(i)
            && (i == 0
                || reader
                    .sample_index(b, s, k, all[i as usize - 1].next_up(), clock)
                    .ok()
                    == Some(i));
        r.check(ok, CHECK, || {
            format!(
                "stream {k} seg {b}/{s} {clock:?}: time {t} of sample {i} does not look up to {i}"
            )
        });
    }
    if let (Some(&first), Some(&last)) = (all.first(), all.last())
        && whole == n
    {
        let before = reader.sample_index(b, s, k, first - 1.0, clock).ok();
        let after = reader.sample_index(b, s, k, last + 1.0, clock).ok();
        r.check(before == Some(0) && after == Some(n), CHECK, || {
            format!("stream {k} seg {b}/{s} {clock:?}: lookups outside the segment gave {before:?} / {after:?}, want 0 / {n}")
        });
    }
}

/// Everything a segment holds lies inside its bounds: each stream's samples on its default
/// clock, every spike and every event (to a tolerance of one sample period or 1 µs). A reader
/// that ignores the block or segment argument fails here.
fn segment_bounds(reader: &dyn RawIO, r: &mut Report) {
    const CHECK: &str = "segment_bounds";
    let h = reader.header();
    for (b, s) in segments(reader) {
        let (Ok(t0), Ok(t1)) = (reader.segment_t_start(b, s), reader.segment_t_stop(b, s)) else {
            continue;
        };
        let inside = |t: f64, tol: f64| t >= t0 - tol && t <= t1 + tol;
        for k in 0..h.signal_streams.len() {
            let (Ok(n), Ok(rate)) = (reader.signal_size(b, s, k), reader.signal_sampling_rate(k))
            else {
                continue;
            };
            if n == 0 {
                continue;
            }
            let tol = (1.0 / rate).max(1e-6);
            let ends = reader
                .signal_times(b, s, k, 0..1)
                .and_then(|a| Ok((a[0], reader.signal_times(b, s, k, n - 1..n)?[0])));
            match ends {
                Ok((first, last)) => {
                    r.check(inside(first, tol) && inside(last, tol), CHECK, || {
                        format!("stream {k} seg {b}/{s}: samples span [{first}, {last}] s, outside the segment [{t0}, {t1}]")
                    });
                }
                Err(e) => r.fail(CHECK, format!("stream {k} seg {b}/{s}: times: {e}")),
            }
        }
        for u in 0..h.spike_channels.len() {
            if let Ok(ts) = reader.spike_timestamps(b, s, u, TimeWindow::ALL) {
                let secs = reader.rescale_spike_timestamps(&ts);
                let bad = secs.iter().find(|&&t| !inside(t, 1e-6));
                r.check(bad.is_none(), CHECK, || {
                    format!(
                        "unit {u} seg {b}/{s}: spike at {bad:?} s outside the segment [{t0}, {t1}]"
                    )
                });
            }
        }
        for ev in 0..h.event_channels.len() {
            if let Ok(e) = reader.event_timestamps(b, s, ev, TimeWindow::ALL) {
                let secs = reader.rescale_event_timestamps(&e.timestamps, ev);
                let bad = secs.iter().find(|&&t| !inside(t, 1e-6));
                r.check(bad.is_none(), CHECK, || {
                    format!("event channel {ev} seg {b}/{s}: event at {bad:?} s outside the segment [{t0}, {t1}]")
                });
            }
        }
    }
}

/// A buffer description must describe exactly what the reader returns: the first and last
/// frames decoded from the file at the described offsets equal the chunk reads.
fn buffer_descriptions(reader: &dyn RawIO, r: &mut Report) {
    const CHECK: &str = "buffer_description";
    let h = reader.header();
    for k in 0..h.signal_streams.len() {
        for (b, s) in segments(reader) {
            let d = match reader.signal_buffer_description(b, s, k) {
                Ok(Some(d)) => d,
                Ok(None) => continue,
                Err(e) => {
                    r.fail(CHECK, format!("stream {k} seg {b}/{s}: {e}"));
                    continue;
                }
            };
            let n = d.shape[0];
            for range in [0..n.min(64), n.saturating_sub(64)..n] {
                let want = reader.analogsignal_chunk(
                    b,
                    s,
                    k,
                    Some(range.start),
                    Some(range.end),
                    &ChannelSelection::All,
                );
                let got = read_described(&d, range.clone());
                match (want, got) {
                    (Ok(w), Ok(g)) => {
                        r.check(same_values(&w, &g), CHECK, || {
                            format!("stream {k} seg {b}/{s}: frames {range:?} read from {} at the described offsets differ from the chunk read", d.file_path.display())
                        });
                    }
                    (Err(e), _) => r.fail(CHECK, format!("stream {k} seg {b}/{s}: {e}")),
                    (_, Err(e)) => r.fail(
                        CHECK,
                        format!("stream {k} seg {b}/{s}: {}: {e}", d.file_path.display()),
                    ),
                }
            }
        }
    }
}

/// Frames `range` of the described buffer's stream columns, decoded from the file.
fn read_described(
    d: &rawio_core::BufferDescription,
    range: std::ops::Range<u64>,
) -> std::io::Result<RawChunk<'static>> {
    use std::io::{Read, Seek, SeekFrom};
    fn decode<T: rawio_core::Sample>(
        bytes: &[u8],
        frame: usize,
        cols: std::ops::Range<usize>,
    ) -> RawChunk<'static> {
        let size = std::mem::size_of::<T>();
        let rows = bytes.len() / (frame * size).max(1);
        let a = ndarray::Array2::from_shape_fn((rows, cols.len()), |(i, c)| {
            let at = (i * frame + cols.start + c) * size;
            T::from_le_slice(&bytes[at..at + size])
        });
        RawChunk::new(a)
    }
    let bad = || std::io::Error::other("description out of range");
    let size = d.dtype.size() as u64;
    let frame_bytes = d.shape[1].checked_mul(size).ok_or_else(bad)?;
    let start = d
        .file_offset
        .checked_add(range.start.checked_mul(frame_bytes).ok_or_else(bad)?)
        .ok_or_else(bad)?;
    let len = (range.end - range.start)
        .checked_mul(frame_bytes)
        .ok_or_else(bad)?;
    let mut f = std::fs::File::open(&d.file_path)?;
    f.seek(SeekFrom::Start(start))?;
    let mut bytes = vec![0u8; usize::try_from(len).map_err(|_| bad())?];
    f.read_exact(&mut bytes)?;
    let frame = usize::try_from(d.shape[1]).map_err(|_| bad())?;
    let cols = usize::try_from(d.columns.start).map_err(|_| bad())?
        ..usize::try_from(d.columns.end).map_err(|_| bad())?;
    use rawio_core::Dtype::*;
    Ok(match d.dtype {
        Int8 => decode::<i8>(&bytes, frame, cols),
        Uint8 => decode::<u8>(&bytes, frame, cols),
        Int16 => decode::<i16>(&bytes, frame, cols),
        Uint16 => decode::<u16>(&bytes, frame, cols),
        Int32 => decode::<i32>(&bytes, frame, cols),
        Uint32 => decode::<u32>(&bytes, frame, cols),
        Int64 => decode::<i64>(&bytes, frame, cols),
        Uint64 => decode::<u64>(&bytes, frame, cols),
        Float32 => decode::<f32>(&bytes, frame, cols),
        Float64 => decode::<f64>(&bytes, frame, cols),
    })
}

/// Out-of-range and unknown arguments must be errors.
fn invalid_arguments(reader: &dyn RawIO, r: &mut Report) {
    const CHECK: &str = "invalid_arguments";
    let h = reader.header();
    let all = ChannelSelection::All;
    let nb = h.block_count();
    r.check(reader.segment_t_start(nb, 0).is_err(), CHECK, || {
        "block out of range accepted".into()
    });
    if let Ok(ns) = h.segment_count(0) {
        r.check(reader.segment_t_stop(0, ns).is_err(), CHECK, || {
            "segment out of range accepted".into()
        });
    }
    let nst = h.signal_streams.len();
    r.check(
        reader
            .analogsignal_chunk(0, 0, nst, None, None, &all)
            .is_err(),
        CHECK,
        || "stream out of range accepted".into(),
    );
    r.check(reader.signal_size(0, 0, nst).is_err(), CHECK, || {
        "signal_size of a missing stream accepted".into()
    });
    for k in 0..nst {
        if let Ok(size) = reader.signal_size(0, 0, k) {
            r.check(
                reader
                    .analogsignal_chunk(0, 0, k, None, Some(size + 1), &all)
                    .is_err(),
                CHECK,
                || format!("stream {k}: i_stop > size accepted"),
            );
            r.check(
                reader
                    .analogsignal_chunk(0, 0, k, Some(size.min(1)), Some(0), &all)
                    .is_err()
                    || size == 0,
                CHECK,
                || format!("stream {k}: i_start > i_stop accepted"),
            );
            r.check(
                reader
                    .analogsignal_chunk(0, 0, k, Some(0), Some(0), &all)
                    .map(|c| c.is_empty())
                    .unwrap_or(false),
                CHECK,
                || format!("stream {k}: empty range did not give 0 samples"),
            );
            let n = reader.signal_channels_count(k).unwrap_or(0);
            r.check(
                reader
                    .analogsignal_chunk(
                        0,
                        0,
                        k,
                        Some(0),
                        Some(0),
                        &ChannelSelection::Indexes(vec![n]),
                    )
                    .is_err(),
                CHECK,
                || format!("stream {k}: channel index out of range accepted"),
            );
            r.check(
                reader
                    .analogsignal_chunk(
                        0,
                        0,
                        k,
                        Some(0),
                        Some(0),
                        &ChannelSelection::ids(["\u{1}no such id"]),
                    )
                    .is_err(),
                CHECK,
                || format!("stream {k}: unknown channel id accepted"),
            );
        }
    }
    let nu = h.spike_channels.len();
    r.check(reader.spike_count(0, 0, nu).is_err(), CHECK, || {
        "unit out of range accepted".into()
    });
    r.check(
        reader.spike_timestamps(0, 0, nu, TimeWindow::ALL).is_err(),
        CHECK,
        || "spike_timestamps of a missing unit accepted".into(),
    );
    r.check(
        reader
            .spike_raw_waveforms(0, 0, nu, TimeWindow::ALL)
            .is_err(),
        CHECK,
        || "waveforms of a missing unit accepted".into(),
    );
    let ne = h.event_channels.len();
    r.check(reader.event_count(0, 0, ne).is_err(), CHECK, || {
        "event channel out of range accepted".into()
    });
    r.check(
        reader.event_timestamps(0, 0, ne, TimeWindow::ALL).is_err(),
        CHECK,
        || "events of a missing channel accepted".into(),
    );
}

/// Reads from two threads at once must equal single-threaded reads.
fn two_threads(reader: &dyn RawIO, r: &mut Report) {
    const CHECK: &str = "two_threads";
    let work = || -> Vec<String> {
        let h = reader.header();
        let mut out = Vec::new();
        for k in 0..h.signal_streams.len() {
            if let Ok(size) = reader.signal_size(0, 0, k) {
                let stop = size.min(4096);
                match reader.analogsignal_chunk(
                    0,
                    0,
                    k,
                    Some(size - stop),
                    Some(size),
                    &ChannelSelection::All,
                ) {
                    Ok(c) => out.push(fingerprint(&c)),
                    Err(e) => out.push(format!("err {e}")),
                }
            }
        }
        for u in 0..h.spike_channels.len() {
            match reader.spike_timestamps(0, 0, u, TimeWindow::ALL) {
                Ok(t) => out.push(format!(
                    "{:?}",
                    reader
                        .rescale_spike_timestamps(&t)
                        .iter()
                        .map(|x| x.to_bits())
                        .fold(0u64, |a, b| a.rotate_left(5) ^ b)
                )),
                Err(e) => out.push(format!("err {e}")),
            }
        }
        for ev in 0..h.event_channels.len() {
            match reader.event_timestamps(0, 0, ev, TimeWindow::ALL) {
                Ok(e) => out.push(format!("{} {:?}", e.len(), e.labels.first())),
                Err(e) => out.push(format!("err {e}")),
            }
        }
        out
    };
    let single = work();
    let (a, b) = std::thread::scope(|sc| {
        let t1 = sc.spawn(work);
        let t2 = sc.spawn(work);
        (t1.join(), t2.join())
    });
    match (a, b) {
        (Ok(a), Ok(b)) => {
            r.check(a == single && b == single, CHECK, || {
                "concurrent reads differ from single-threaded reads".into()
            });
        }
        _ => r.fail(CHECK, "a reader thread panicked"),
    }
}

fn fingerprint(c: &RawChunk<'_>) -> String {
    let sum = dispatch_raw!(c, a => a.iter().fold(0u64, |acc, v| acc.rotate_left(7) ^ rawio_core::Sample::to_f64(*v).to_bits()));
    format!("{:?} {sum}", c.shape())
}
