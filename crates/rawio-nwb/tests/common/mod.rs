//! Test helpers: fixture paths and the comparison with nwb_dump.py's `nwb-truth/1` JSON.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use rawio_core::{ChannelSelection, RawIO, RawIOExt, TimeWindow};
use rawio_nwb::{NwbFile, NwbReader, TimeAxis};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `testdata/nwb/<name>` in the workspace.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/nwb")
        .join(name)
}

/// The committed golden of a fixture (`testdata/nwb/golden/<name>.json`).
pub fn golden(name: &str) -> Value {
    let p = fixture("golden").join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&p).expect("golden")).expect("json")
}

/// A file under the shared test data, or None after printing SKIP (the kit's rule).
pub fn shared(rel: &str) -> Option<PathBuf> {
    rawio_conformance::shared_testdata(rel)
}

fn close(a: f64, e: f64, rtol: f64) -> bool {
    (a - e).abs() <= 1e-12 + rtol * e.abs()
}

fn f(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) if s == "NaN" => f64::NAN,
        other => panic!("not a number: {other}"),
    }
}

/// Column sums of a whole stream, read in chunks of `chunk` samples.
pub fn stream_sums(r: &dyn RawIO, stream: usize, chunk: u64) -> Vec<f64> {
    let n = r.signal_channels_count(stream).unwrap();
    let mut sums = vec![0.0; n];
    for c in r
        .signal_chunks(0, 0, stream, chunk, ChannelSelection::All)
        .unwrap()
    {
        let (_, c) = c.unwrap();
        for (s, v) in sums.iter_mut().zip(c.column_sums()) {
            *s += v;
        }
    }
    sums
}

/// Compares a reader (and the object API) with an `nwb-truth/1` document. Returns the number
/// of series, units and intervals checked.
pub fn check_truth(path: &Path, truth: &Value) -> (usize, usize, usize) {
    let r = NwbReader::open(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let file = NwbFile::open(path).unwrap();
    let h = r.header();
    let seg = &h.blocks[0].segments[0];
    let listed = |key: &str, p: &str| {
        seg.annotations[key]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["path"] == p)
    };
    let mut n_series = 0;
    for s in truth["series"].as_array().unwrap() {
        let p = s["path"].as_str().unwrap();
        let dtype = s["dtype"].as_str().unwrap();
        let shape: Vec<u64> = s["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        let numeric = dtype != "string" && rawio_core::Dtype::from_numpy(dtype).is_some();
        // object API: every series
        let obj = file.series(p).unwrap_or_else(|e| panic!("series {p}: {e}"));
        assert_eq!(obj.shape(), &shape[..], "{p} shape");
        if !s["conversion"].is_null() {
            assert_eq!(obj.conversion(), f(&s["conversion"]), "{p} conversion");
        }
        if !s["offset"].is_null() {
            assert_eq!(obj.offset(), f(&s["offset"]), "{p} offset");
        }
        if let Some(ts) = s["timestamps_head"].as_array() {
            for (i, t) in ts.iter().enumerate() {
                assert_eq!(obj.time(i as u64), Some(f(t)), "{p} timestamp {i}");
            }
            assert!(
                matches!(obj.time_axis(), Some(TimeAxis::Timestamps { count, .. })
                if *count == s["timestamps_count"].as_u64().unwrap())
            );
        }
        if numeric && shape.first().copied().unwrap_or(0) > 0 {
            let all = obj.read(0..shape[0]).unwrap();
            assert_eq!(all.dtype().name(), dtype, "{p} dtype");
            let flat = all.to_f64();
            let n0 = shape[0] as usize;
            let per = flat.len() / n0;
            let mut sums = vec![0.0f64; per];
            for (i, v) in flat.iter().enumerate() {
                sums[i % per] += v;
            }
            let want: Vec<f64> = s["sum"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|v| match v {
                    Value::Array(a) => a
                        .iter()
                        .flat_map(|x| match x {
                            Value::Array(b) => b.iter().map(f).collect::<Vec<_>>(),
                            o => vec![f(o)],
                        })
                        .collect::<Vec<_>>(),
                    o => vec![f(o)],
                })
                .collect();
            assert_eq!(sums.len(), want.len(), "{p} sum length");
            for (a, e) in sums.iter().zip(&want) {
                assert!(close(*a, *e, 1e-9), "{p} object sum {a} vs {e}");
            }
        }
        // RawIO: numeric 1-D/2-D series are streams: regular (`starting_time` + `rate`) or
        // explicit (`timestamps`, at least 2); SpikeEventSeries are spike channels
        let one_or_two = shape.len() == 1 || shape.len() == 2;
        let regular = !s["rate"].is_null() && numeric && one_or_two;
        let ts_count = s["timestamps_count"].as_u64();
        let head_ts: Vec<f64> = s["timestamps_head"]
            .as_array()
            .map(|a| a.iter().map(f).collect())
            .unwrap_or_default();
        // repeated timestamps: one event per row (TTL lines), not samples
        let repeats = head_ts.windows(2).any(|w| w[0] == w[1]);
        let explicit = ts_count.is_some_and(|c| c >= 2) && numeric && one_or_two && !repeats;
        let spike_events = s["neurodata_type"] == "SpikeEventSeries";
        if repeats && shape.len() == 1 {
            let ev = h
                .event_channels
                .iter()
                .position(|e| e.id == p)
                .unwrap_or_else(|| panic!("{p} is not an event channel"));
            let e = r.event_timestamps(0, 0, ev, TimeWindow::ALL).unwrap();
            assert_eq!(
                e.len() as u64,
                ts_count.unwrap().min(shape[0]),
                "{p} events"
            );
            let secs = r.rescale_event_timestamps(&e.timestamps, ev);
            assert_eq!(
                secs.to_vec()[..head_ts.len()],
                head_ts[..],
                "{p} event times"
            );
            for (k, row) in s["head"].as_array().unwrap().iter().enumerate() {
                assert_eq!(e.labels[k], row[0].to_string(), "{p} label {k}");
            }
        } else if spike_events {
            let u = h
                .spike_channels
                .iter()
                .position(|c| c.id == p)
                .unwrap_or_else(|| panic!("{p} is not a spike channel"));
            let n = r.spike_count(0, 0, u).unwrap();
            assert_eq!(n, ts_count.unwrap_or(shape[0]).min(shape[0]), "{p} spikes");
            if let Some(ts) = s["timestamps_head"].as_array() {
                let got = r.rescale_spike_timestamps(
                    &r.spike_timestamps(0, 0, u, TimeWindow::ALL).unwrap(),
                );
                let mut want: Vec<f64> = ts.iter().map(f).collect();
                want.sort_by(f64::total_cmp);
                assert_eq!(
                    got.to_vec()[..want.len().min(got.len())],
                    want[..],
                    "{p} times"
                );
            }
        } else if (regular || explicit) && shape.get(1).copied().unwrap_or(1) > 0 {
            let i = h
                .stream_index(p)
                .unwrap_or_else(|_| panic!("{p} is not a stream"));
            let size = if explicit && !regular {
                shape[0].min(ts_count.unwrap())
            } else {
                shape[0]
            };
            assert_eq!(r.signal_size(0, 0, i).unwrap(), size, "{p} size");
            if regular {
                assert_eq!(r.signal_t_start(0, 0, i).unwrap(), f(&s["starting_time"]));
                assert_eq!(r.signal_sampling_rate(i).unwrap(), f(&s["rate"]));
                assert_eq!(h.signal_streams[i].clock, rawio_core::SampleClock::Regular);
            } else {
                let ts: Vec<f64> = s["timestamps_head"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(f)
                    .collect();
                assert!(h.signal_streams[i].clock.has_explicit_times(), "{p} clock");
                assert_eq!(r.signal_t_start(0, 0, i).unwrap(), ts[0], "{p} t_start");
                let got = r.signal_times(0, 0, i, 0..ts.len() as u64).unwrap();
                assert_eq!(got.to_vec(), ts, "{p} times");
            }
            let chans = h.stream_channels(i).unwrap();
            assert_eq!(chans.len() as u64, shape.get(1).copied().unwrap_or(1));
            let conv = if s["conversion"].is_null() {
                1.0
            } else {
                f(&s["conversion"])
            };
            for (c, ch) in chans.iter().enumerate() {
                let cc = s["channel_conversion"].as_array().map_or(1.0, |v| f(&v[c]));
                assert_eq!(ch.gain, conv * cc, "{p} gain {c}");
                assert_eq!(ch.dtype.name(), dtype);
            }
            if size == shape[0] {
                let sums = stream_sums(&r, i, 777);
                let want: Vec<f64> = s["sum"].as_array().unwrap().iter().map(f).collect();
                for (a, e) in sums.iter().zip(&want) {
                    assert!(close(*a, *e, 1e-9), "{p} stream sum {a} vs {e}");
                }
            }
            let head = r
                .analogsignal_chunk(0, 0, i, Some(0), Some(size.min(3)), &ChannelSelection::All)
                .unwrap();
            let head = head.to_f64();
            for (k, row) in s["head"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
                .take(size as usize)
            {
                for (g, w) in head.row(k).iter().zip(row.as_array().unwrap()) {
                    assert!(close(*g, f(w), 1e-12), "{p} head");
                }
            }
        } else if s["neurodata_type"] != "AnnotationSeries" {
            assert!(listed("other_series", p), "{p} not listed");
        }
        n_series += 1;
    }
    // units (only /units: nwb_dump's scope)
    let units: Vec<usize> = h
        .spike_channels
        .iter()
        .enumerate()
        .filter(|(_, c)| c.annotations.get("table").is_some_and(|t| t == "/units"))
        .map(|(i, _)| i)
        .collect();
    let tu = truth["units"].as_array().unwrap();
    if !tu.is_empty() {
        assert_eq!(units.len(), tu.len(), "unit count");
    }
    for (u, t) in units.iter().zip(tu) {
        let ch = &h.spike_channels[*u];
        assert_eq!(ch.id, t["id"].to_string());
        let n = r.spike_count(0, 0, *u).unwrap();
        assert_eq!(n, t["count"].as_u64().unwrap(), "unit {} count", ch.id);
        let got =
            r.rescale_spike_timestamps(&r.spike_timestamps(0, 0, *u, TimeWindow::ALL).unwrap());
        if let Some(all) = t["times_s"].as_array() {
            let mut want: Vec<f64> = all.iter().map(f).collect();
            want.sort_by(f64::total_cmp);
            assert_eq!(got.to_vec(), want, "unit {} times", ch.id);
        }
    }
    // intervals
    let ti = truth["intervals"].as_array().unwrap();
    for t in ti {
        let p = t["path"].as_str().unwrap();
        let ev = h
            .event_channels
            .iter()
            .position(|e| e.id == p)
            .unwrap_or_else(|| panic!("{p} missing"));
        let e = r.event_timestamps(0, 0, ev, TimeWindow::ALL).unwrap();
        assert_eq!(e.len() as u64, t["count"].as_u64().unwrap(), "{p} count");
        let starts = r.rescale_event_timestamps(&e.timestamps, ev);
        let durs = r.rescale_epoch_durations(e.durations.as_ref().unwrap(), ev);
        for (k, s0) in t["start_s"].as_array().unwrap().iter().enumerate() {
            assert_eq!(starts[k], f(s0));
            let stop = f(&t["stop_s"][k]);
            assert!(close(durs[k], stop - f(s0), 1e-12));
        }
    }
    // electrodes
    let el = file.electrodes().unwrap();
    match (&truth["electrodes"], el) {
        (Value::Null, _) => {}
        (t, Some(tab)) => {
            let ids: Vec<i64> = t["ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect();
            assert_eq!(tab.ids, ids);
        }
        (_, None) => panic!("electrodes table missing"),
    }
    (n_series, units.len(), ti.len())
}
