//! The generated fixtures (testdata/plexon, written by testdata/generate/plexon_fixtures.py):
//! conformance, neo goldens where neo is right, generator truth where it is not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rawio_conformance::{CompareOptions, assert_conformant, assert_matches_dump};
use rawio_core::{ChannelSelection, ErrorKind, RawIO, RawIOExt, TimeWindow};
use rawio_plexon::{Options, PlexonReader};
use serde_json::Value;

const FIXTURES: [&str; 3] = ["v106_mixed", "v105_gap", "v103_stereo"];

fn open(name: &str) -> PlexonReader {
    PlexonReader::open(fixture(&format!("{name}.plx"))).unwrap()
}

fn split(name: &str) -> PlexonReader {
    let opts = Options {
        split_segments_at_gaps: true,
        ..Options::default()
    };
    PlexonReader::open_with(fixture(&format!("{name}.plx")), &opts).unwrap()
}

/// The paths where neo 0.14.6 is wrong (docs/neo-differences.md (plexon)), plus the signal
/// parts neo cannot read at all on these fixtures (null in the golden).
fn neo_ignores(gain_differs: bool) -> CompareOptions {
    let mut o = CompareOptions::default()
        .ignoring("/segments/*/t_stop")
        .ignoring("/segments/*/signals/*/t_start")
        .ignoring("/segments/*/signals/*/head")
        .ignoring("/segments/*/signals/*/tail")
        .ignoring("/segments/*/signals/*/sum");
    if gain_differs {
        o = o.ignoring("/signal_channels/*/gain");
    }
    o
}

#[test]
fn conformance() {
    for name in FIXTURES {
        assert_conformant(&open(name));
        assert_conformant(&split(name));
    }
    assert_conformant(&open("v106_empty"));
}

#[test]
fn matches_neo_where_neo_is_right() {
    for (name, gain_differs) in [
        ("v106_mixed", true),
        ("v105_gap", false),
        ("v103_stereo", true),
    ] {
        let r = open(name);
        let neo = golden(&format!("{name}.neo.json"));
        assert_matches_dump(&r, &neo, &neo_ignores(gain_differs));
    }
}

/// Every signal, spike and event against the generator's own truth.
#[test]
fn matches_generator_truth() {
    for name in FIXTURES {
        let r = open(name);
        let t = golden(&format!("{name}.truth.json"));
        let h = r.header();
        let streams = t["streams"].as_array().unwrap();
        assert_eq!(h.signal_streams.len(), streams.len(), "{name}");
        for (i, s) in streams.iter().enumerate() {
            assert_eq!(h.signal_streams[i].id, s["id"].as_str().unwrap());
            let chans = h.stream_channels(i).unwrap();
            let ids: Vec<&str> = chans.iter().map(|c| c.id.as_str()).collect();
            let want: Vec<&str> = s["channel_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(ids, want, "{name} stream {i}");
            for (c, g) in chans.iter().zip(s["gains"].as_array().unwrap()) {
                assert_eq!(c.gain, g.as_f64().unwrap(), "{name} gain of {}", c.name);
                assert_eq!(c.sampling_rate, s["sampling_rate"].as_f64().unwrap());
            }
            let n = r.signal_size(0, 0, i).unwrap();
            assert_eq!(n, s["size"].as_u64().unwrap(), "{name} size of {}", s["id"]);
            assert_eq!(
                r.signal_t_start(0, 0, i).unwrap(),
                s["t_start"].as_f64().unwrap()
            );
            let want_sum: Vec<f64> = s["sum"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            for chunk in [1, 7, 64, 1000, 1 << 20] {
                if chunk == 1 && n > 20_000 {
                    continue;
                }
                assert_eq!(
                    stream_sums(&r, 0, i, chunk),
                    want_sum,
                    "{name} stream {i} chunk {chunk}"
                );
            }
            assert_eq!(rows(&r, 0, i, 0, 3), json_rows(&s["head"]), "{name} head");
            assert_eq!(
                rows(&r, 0, i, n - 3, n),
                json_rows(&s["tail"]),
                "{name} tail (the last block)"
            );
            let gaps = s["gaps"].as_array().unwrap();
            let ann = &h.signal_streams[i].annotations;
            assert_eq!(ann["gap_count"].as_u64().unwrap(), gaps.len() as u64);
        }
        let seg = &h.blocks[0].segments[0];
        assert_eq!(seg.t_start, 0.0);
        assert_eq!(seg.t_stop, t["t_stop"].as_f64().unwrap(), "{name} t_stop");

        let units = t["units"].as_array().unwrap();
        assert_eq!(h.spike_channels.len(), units.len());
        for (i, u) in units.iter().enumerate() {
            let sc = &h.spike_channels[i];
            assert_eq!(sc.id, u["id"].as_str().unwrap());
            assert_eq!(sc.name, u["name"].as_str().unwrap());
            assert_eq!(sc.wf_gain, u["wf_gain"].as_f64().unwrap(), "{name} wf_gain");
            let ts = r.spike_timestamps(0, 0, i, TimeWindow::ALL).unwrap();
            let ts = ts.as_typed::<u64>().unwrap().to_vec();
            assert_eq!(ts.len() as u64, u["count"].as_u64().unwrap());
            let first: Vec<u64> = u["first_ticks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect();
            let last: Vec<u64> = u["last_ticks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect();
            assert_eq!(ts[..first.len()], first[..]);
            assert_eq!(ts[ts.len() - last.len()..], last[..]);
            let wf = r
                .spike_raw_waveforms(0, 0, i, TimeWindow::ALL)
                .unwrap()
                .unwrap();
            assert_eq!(wf.sum_f64(), u["waveform_sum"].as_f64().unwrap());
        }
        let events = t["events"].as_array().unwrap();
        assert_eq!(h.event_channels.len(), events.len());
        for (i, e) in events.iter().enumerate() {
            assert_eq!(h.event_channels[i].id, e["id"].as_str().unwrap());
            let ev = r.event_timestamps(0, 0, i, TimeWindow::ALL).unwrap();
            let ticks: Vec<u64> = e["ticks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect();
            let labels: Vec<&str> = e["labels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(ev.timestamps.as_typed::<u64>().unwrap().to_vec(), ticks);
            assert_eq!(ev.labels, labels);
        }
        check_blocks_truth(&r, &golden(&format!("{name}.blocks.json")));
        assert_eq!(
            h.blocks[0].annotations["header_count_mismatch_count"]
                .as_u64()
                .unwrap(),
            t["count_errors"].as_u64().unwrap(),
            "{name}"
        );
    }
}

#[test]
fn concrete_values_v106_mixed() {
    let r = open("v106_mixed");
    let h = r.header();
    let ids: Vec<&str> = h.signal_streams.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["AI", "FP", "WB"]);
    assert_eq!(h.signal_streams[1].name, "FPl-Low Pass Filtered");
    // FP05 has a header but no data: not a channel
    assert_eq!(h.signal_channels.len(), 7);
    assert!(!h.signal_channels.iter().any(|c| c.name == "FP05"));
    let units: Vec<&str> = h.spike_channels.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(units, ["ch1#0", "ch1#1", "ch1#2", "ch2#0", "ch2#3"]);
    assert_eq!(h.spike_channels[0].wf_left_sweep, -1);
    assert_eq!(h.spike_channels[0].wf_sampling_rate, 40000.0);
    // v106: SpikeMaxMagnitudeMV / (0.5 * 2^16 * Gain * SpikePreAmpGain)
    assert_eq!(
        h.spike_channels[0].wf_gain,
        3000.0 / (0.5 * 65536.0 * 32.0 * 1000.0)
    );
    let wf = r
        .spike_raw_waveforms(0, 0, 0, TimeWindow::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(wf.shape()[1..], [1, 32]);
    assert_eq!(r.signal_size(0, 0, 2).unwrap(), 40000);
    assert_eq!(r.signal_t_start(0, 0, 2).unwrap(), 0.01);
    // strobed values as labels
    let ev = r.event_timestamps(0, 0, 2, TimeWindow::ALL).unwrap();
    assert_eq!(ev.len(), 30);
    assert!(ev.labels.iter().all(|l| l.parse::<u16>().is_ok()));
    // t_start / t_stop filtering with inclusive bounds
    let all = r.spike_timestamps(0, 0, 1, TimeWindow::ALL).unwrap();
    let t = r.rescale_spike_timestamps(&all);
    let some = r
        .spike_timestamps(0, 0, 1, TimeWindow::between(t[2], t[5]))
        .unwrap();
    assert_eq!(some.len(), 4);
    let w = r
        .spike_raw_waveforms(0, 0, 1, TimeWindow::between(t[2], t[5]))
        .unwrap()
        .unwrap();
    assert_eq!(w.shape()[0], 4);
    assert_eq!(r.block_count_in_file(), 1164);
    assert!(r.index_heap_bytes() <= 16 * 1164);
}

#[test]
fn stereotrode_waveforms_v103() {
    let r = open("v103_stereo");
    let h = r.header();
    let wf = r
        .spike_raw_waveforms(0, 0, 2, TimeWindow::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(wf.shape()[1..], [2, 24]);
    // v103: SpikeMaxMagnitudeMV / (0.5 * 2^BitsPerSpikeSample * Gain * 1000)
    assert_eq!(
        h.spike_channels[0].wf_gain,
        3000.0 / (0.5 * 4096.0 * 4.0 * 1000.0)
    );
    let ids: Vec<&str> = h.signal_streams.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["AIF", "LFP"]);
    assert_eq!(h.signal_streams[0].name, "AIF-Auxiliary Input Filtered");
    assert_eq!(h.signal_streams[1].name, "LFP");
}

// ---- where we are right and neo is not (docs/neo-differences.md (plexon))

#[test]
fn neo_diff_slow_gain_uses_bits_per_slow_sample() {
    let r = open("v106_mixed");
    let neo = golden("v106_mixed.neo.json");
    let fp01 = r
        .header()
        .signal_channels
        .iter()
        .find(|c| c.name == "FP01")
        .unwrap();
    // BitsPerSlowSample = 12, BitsPerSpikeSample = 16, SlowMaxMagnitudeMV 5000, Gain 2, preamp 1000
    assert_eq!(fp01.gain, 5000.0 / (0.5 * 4096.0 * 2.0 * 1000.0));
    let neo_fp01 = neo["signal_channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "FP01")
        .unwrap();
    assert_eq!(
        neo_fp01["gain"].as_f64().unwrap(),
        5000.0 / (0.5 * 65536.0 * 2.0 * 1000.0)
    );
    assert_eq!(
        fp01.annotations["gain_neo"].as_f64(),
        neo_fp01["gain"].as_f64()
    );
}

#[test]
fn neo_diff_t_stop_covers_signals_and_t_start_is_first_block() {
    let r = open("v106_mixed");
    let neo = golden("v106_mixed.neo.json");
    let seg = &r.header().blocks[0].segments[0];
    for s in 0..r.signal_streams_count() {
        let end = r.signal_t_start(0, 0, s).unwrap()
            + r.signal_size(0, 0, s).unwrap() as f64 / r.signal_sampling_rate(s).unwrap();
        assert!(seg.t_stop >= end);
        assert_eq!(r.signal_t_start(0, 0, s).unwrap(), 400.0 / 40000.0);
        assert_eq!(
            neo["segments"][0]["signals"][s]["t_start"].as_f64(),
            Some(0.0)
        );
    }
    // the signals end at 0.01 + 2.0 s; neo stops at the last block's timestamp (2.011 s)
    assert_eq!(seg.t_stop, 2.011);
    let neo_stop = neo["segments"][0]["t_stop"].as_f64().unwrap();
    assert_eq!(neo_stop, 2.011);
    let r = open("v103_stereo");
    let neo = golden("v103_stereo.neo.json");
    let seg = &r.header().blocks[0].segments[0];
    assert_eq!(seg.t_stop, 1.5);
    assert!(neo["segments"][0]["t_stop"].as_f64().unwrap() < 1.5);
}

#[test]
fn neo_diff_last_block_and_mid_stream_reads() {
    let r = open("v106_mixed");
    let t = golden("v106_mixed.truth.json");
    let fp = &t["streams"][1];
    let n = r.signal_size(0, 0, 1).unwrap();
    let total: Vec<f64> = fp["sum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let head = json_rows(&fp["head"]);
    let tail = json_rows(&fp["tail"]);
    // a read from sample 1 to n - 1 (mid-block start and stop) is the total minus two samples
    let c = r
        .analogsignal_chunk(0, 0, 1, Some(1), Some(n - 1), &ChannelSelection::All)
        .unwrap();
    for (j, s) in c.column_sums().iter().enumerate() {
        assert_eq!(*s, total[j] - head[0][j] as f64 - tail[2][j] as f64);
    }
    // the last rows are the last samples, not zeros
    assert!(rows(&r, 0, 1, n - 3, n).iter().flatten().any(|&v| v != 0));
    assert_eq!(rows(&r, 0, 1, n - 3, n), tail);
}

#[test]
fn neo_diff_gaps_are_reported_and_can_split_segments() {
    let r = open("v105_gap");
    let h = r.header();
    assert_eq!(h.blocks[0].segments.len(), 1);
    let fp = &h.signal_streams[0];
    assert_eq!(fp.annotations["gap_count"], 1);
    let ch = &h.signal_channels[0];
    let gap = &ch.annotations["gaps"][0];
    assert_eq!(gap["sample"], 500);
    assert_eq!(gap["ticks"].as_i64().unwrap(), (1i64 << 32) - 12000 - 21000);
    assert_eq!(
        gap["t_s"].as_f64().unwrap(),
        ((1u64 << 32) - 12000) as f64 / 40000.0
    );
    assert_eq!(gap["expected_t_s"].as_f64().unwrap(), 0.525);
    // default: concatenated like neo
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 1200);

    let s = split("v105_gap");
    let h2 = s.header();
    let segs = &h2.blocks[0].segments;
    assert_eq!(segs.len(), 2);
    assert_eq!(segs[0].t_start, 0.0);
    assert_eq!(segs[0].t_stop, 0.525);
    assert_eq!(segs[1].t_start, ((1u64 << 32) - 12000) as f64 / 40000.0);
    assert_eq!(s.signal_size(0, 0, 0).unwrap(), 500);
    assert_eq!(s.signal_size(0, 1, 0).unwrap(), 700);
    assert_eq!(s.signal_size(0, 0, 1).unwrap(), 5000);
    assert_eq!(s.signal_size(0, 1, 1).unwrap(), 7000);
    assert_eq!(s.signal_t_start(0, 0, 0).unwrap(), 0.025);
    assert_eq!(s.signal_t_start(0, 1, 1).unwrap(), segs[1].t_start);
    for stream in 0..2 {
        let whole = stream_sums(&r, 0, stream, 333);
        let a = stream_sums(&s, 0, stream, 333);
        let b = stream_sums(&s, 1, stream, 333);
        for j in 0..whole.len() {
            assert_eq!(a[j] + b[j], whole[j]);
        }
    }
    for u in 0..h2.spike_channels.len() {
        let n0 = s.spike_count(0, 0, u).unwrap();
        let n1 = s.spike_count(0, 1, u).unwrap();
        assert!(n0 > 0 && n1 > 0);
        assert_eq!(n0 + n1, r.spike_count(0, 0, u).unwrap());
        let ts = s.spike_timestamps(0, 1, u, TimeWindow::ALL).unwrap();
        assert!(
            s.rescale_spike_timestamps(&ts)
                .iter()
                .all(|&t| t >= segs[1].t_start && t <= segs[1].t_stop)
        );
    }
    assert_eq!(s.event_count(0, 0, 0).unwrap(), 5);
    assert_eq!(s.event_count(0, 1, 0).unwrap(), 5);
}

#[test]
fn neo_diff_40_bit_timestamps_are_exact() {
    let r = open("v105_gap");
    let t = golden("v105_gap.truth.json");
    let ev = r.event_timestamps(0, 0, 0, TimeWindow::ALL).unwrap();
    let ticks = ev.timestamps.as_typed::<u64>().unwrap().to_vec();
    assert_eq!(ticks[9], 4_294_967_301); // 2^32 + 5: past the 32-bit boundary
    assert_eq!(ticks[8], 4_294_964_301); // just before it
    let want: Vec<u64> = t["events"][0]["ticks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(ticks, want);
    let secs = r.rescale_event_timestamps(&ev.timestamps, 0);
    assert_eq!(secs[9], 4_294_967_301.0 / 40000.0);
}

#[test]
fn header_counts_are_cross_checked() {
    let r = open("v105_gap");
    let a = &r.header().blocks[0].annotations;
    assert_eq!(a["header_count_mismatch_count"], 1);
    let m = &a["header_count_mismatches"][0];
    assert_eq!(m["counts"], "TSCounts");
    assert_eq!(
        (m["channel"].as_u64(), m["unit"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        m["header"].as_i64().unwrap(),
        m["found"].as_i64().unwrap() + 1
    );
    let r = open("v106_mixed");
    assert_eq!(
        r.header().blocks[0].annotations["header_count_mismatch_count"],
        0
    );
}

// ---- edge cases

#[test]
fn no_data_blocks_and_zero_clock_open() {
    let r = open("v106_empty");
    let h = r.header();
    assert_eq!(h.signal_streams.len(), 0);
    assert_eq!(h.spike_channels.len(), 0);
    assert_eq!(h.event_channels.len(), 1);
    assert_eq!(r.event_count(0, 0, 0).unwrap(), 0);
    let seg = &h.blocks[0].segments[0];
    assert_eq!(seg.t_start, 0.0);
    assert!(seg.t_stop > 0.0 && seg.t_stop.is_finite());
    assert_eq!(r.spike_time_base().per_second, 1.0);
    let a = &h.blocks[0].annotations;
    assert_eq!(a["data_blocks"], 0);
    assert_eq!(a["header_count_mismatch_count"], 2);
}

#[test]
fn streams_with_different_lengths_are_an_error_naming_them() {
    let err = PlexonReader::open(fixture("v106_mismatch.plx")).unwrap_err();
    let msg = err.to_string();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(msg.contains("FP01") && msg.contains("FP02"), "{msg}");
    assert!(msg.contains("200") && msg.contains("190"), "{msg}");
    assert!(msg.contains("v106_mismatch.plx"), "{msg}");
}

#[test]
fn truncated_final_block_is_an_error_or_dropped() {
    let src = fixture("v106_mixed.plx");
    let len = std::fs::metadata(&src).unwrap().len();
    // the last block is the 16-byte "Stop" event
    let (_dir, cut) = truncated_copy(&src, len - 5);
    let err = PlexonReader::open(&cut).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    let msg = err.to_string();
    assert!(msg.contains(&format!("at byte {}", len - 16)), "{msg}");
    assert!(msg.contains("truncated"), "{msg}");
    let opts = Options {
        lenient_truncation: true,
        ..Options::default()
    };
    let r = PlexonReader::open_with(&cut, &opts).unwrap();
    let t = &r.header().blocks[0].annotations["truncated_block"];
    assert_eq!(t["offset"].as_u64(), Some(len - 16));
    assert_eq!(t["available"].as_u64(), Some(11));
    let stop = r
        .header()
        .event_channels
        .iter()
        .position(|e| e.name == "Stop")
        .unwrap();
    assert_eq!(r.event_count(0, 0, stop).unwrap(), 0);
    assert_eq!(open("v106_mixed").event_count(0, 0, stop).unwrap(), 1);
    assert_conformant(&r);

    // cut inside the global header / channel headers
    for at in [0, 100, 7504, 9000] {
        let (_d, p) = truncated_copy(&src, at);
        let e = PlexonReader::open(&p).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Corrupt, "{e}");
    }
}

#[test]
fn format_descriptor_sniffs_magic() {
    let f = rawio_plexon::FORMAT;
    assert_eq!(f.id, "plexon");
    assert_eq!((f.sniff)(&fixture("v106_mixed.plx")), 100);
    assert_eq!((f.sniff)(&fixture("golden/v106_mixed.truth.json")), 0);
    let r = (f.open)(&fixture("v103_stereo.plx")).unwrap();
    assert_eq!(r.format_id(), "plexon");
    let dump: Value = rawio_conformance::dump_json(r.as_ref(), false).unwrap();
    assert_eq!(dump["format"], "plexon");
}
