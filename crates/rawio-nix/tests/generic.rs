//! Generic NIX fixtures (nixio 1.5.4), checked against the generator's truth
//! (`testdata/generate/nix_fixtures.py`, `testdata/nix/truth/*.json`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use rawio_core::{ChannelSelection, Dtype, EventKind, RawIO, RawIOExt, SampleClock};

#[test]
fn tutorial_streams_are_the_arrays_with_a_time_dimension() {
    let r = open("tutorial.nix");
    assert!(!r.is_neo());
    let h = r.header();
    assert_eq!(h.nb_segment(), vec![1, 1]);
    let names: Vec<&str> = h.signal_streams.iter().map(|s| s.id.as_str()).collect();
    // union over the two blocks, in order of first appearance
    assert_eq!(
        names,
        [
            "data_regular",
            "data_irregular",
            "data_multi_dimension",
            "membrane_voltage_A"
        ]
    );
    let ch: Vec<(&str, &str, f64, &str)> = h
        .signal_channels
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.id.as_str(),
                c.sampling_rate,
                c.units.as_str(),
            )
        })
        .collect();
    assert_eq!(ch[0], ("data_regular", "0", 1000.0, "mV"));
    assert_eq!(ch[2], ("Trace_A", "Trace_A", 1000.0, "mV"));
    assert_eq!(ch[3], ("Trace_B", "Trace_B", 1000.0, "mV"));
    assert_eq!(ch[4].0, "membrane_voltage_A");
    assert!((ch[4].2 - 10000.0).abs() < 1e-6);
    assert_eq!(h.signal_streams[1].clock.name(), "explicit");
    // a block without a stream has no samples of it
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 1000);
    assert_eq!(r.signal_size(1, 0, 0).unwrap(), 0);
    assert_eq!(r.signal_size(0, 0, 3).unwrap(), 0);
    assert_eq!(r.signal_size(1, 0, 3).unwrap(), 10000);
}

#[test]
fn tutorial_values_match_the_generator() {
    let r = open("tutorial.nix");
    let t = truth("tutorial.nix");
    let reg = stream_f64(&r, 0, 0);
    assert_eq!(reg.len(), 1000);
    let expect = |i: usize, cos: bool| {
        let x = 2.0 * std::f64::consts::PI * i as f64 * 5.0 / 1000.0;
        if cos { x.cos() } else { x.sin() }
    };
    for i in [0, 1, 250, 999] {
        assert!((reg[i][0] - expect(i, false)).abs() < 1e-15);
    }
    // the channels-first array, transposed
    let multi = stream_f64(&r, 0, 2);
    assert_eq!(multi.len(), 1000);
    for i in [0, 7, 500, 999] {
        assert!((multi[i][0] - expect(i, false)).abs() < 1e-15);
        assert!((multi[i][1] - expect(i, true)).abs() < 1e-15);
    }
    // membrane voltage: sum and head
    let mv = &t["membrane_voltage_A"];
    let sums = column_sums(&r, 1, 0, 3);
    assert!((sums[0] - mv["sum"].as_f64().unwrap()).abs() < 1e-9);
    let head: Vec<f64> = stream_f64(&r, 1, 3)[..3].iter().map(|v| v[0]).collect();
    assert_close(&head, &floats(&mv["head"]), 0.0);
}

#[test]
fn tutorial_irregular_signal_is_an_explicit_clock() {
    let r = open("tutorial.nix");
    let t = truth("tutorial.nix");
    let times = floats(&t["data_irregular"]["times_s"]);
    let values = floats(&t["data_irregular"]["values"]);
    let n = r.signal_size(0, 0, 1).unwrap();
    assert_eq!(n, times.len() as u64);
    let got = r.signal_times(0, 0, 1, 0..n).unwrap().to_vec();
    assert_close(&got, &times, 0.0);
    assert_eq!(r.signal_t_start(0, 0, 1).unwrap(), times[0]);
    let v: Vec<f64> = stream_f64(&r, 0, 1).iter().map(|x| x[0]).collect();
    assert_close(&v, &values, 0.0);
    assert!(matches!(
        r.header().signal_streams[1].clock,
        SampleClock::Explicit { .. }
    ));
}

#[test]
fn tutorial_multi_tag_and_not_mapped_arrays() {
    let r = open("tutorial.nix");
    let t = truth("tutorial.nix");
    let h = r.header();
    assert_eq!(h.event_channels.len(), 1);
    assert_eq!(h.event_channels[0].id, "tag_A");
    assert_eq!(h.event_channels[0].kind, EventKind::Event);
    // no unit on the tag or its positions: the referenced array's time unit (s)
    let (times, durations, labels) = events(&r, 1, 0, 0);
    assert_close(&times, &floats(&t["tag_A"]["times_s"]), 0.0);
    assert_eq!(durations, None);
    assert!(labels.iter().all(|l| l == "tag_A"));
    assert_eq!(r.event_count(0, 0, 0).unwrap(), 0);
    // data_event (temperatures on a set) is listed, with the reason
    let nm = not_mapped(&r, 0);
    assert_eq!(nm.len(), 1, "{nm:?}");
    assert_eq!(nm[0].0, "data_event");
    assert!(nm[0].1.contains("no time dimension"), "{}", nm[0].1);
    assert!(not_mapped(&r, 1).is_empty());
    // the section linked to membrane_voltage_A is its annotation
    let md = &h.signal_streams[3].annotations["metadata"];
    assert_eq!(md["subject"]["species"], "Mus Musculus");
    assert_eq!(md["subject"]["age"], "4");
    assert_eq!(md["subject"]["age_unit"], "weeks");
    assert_eq!(
        h.event_channels[0].annotations["metadata"]["section_type"],
        "general_section"
    );
}

#[test]
fn features_streams_units_gain_and_compression() {
    let r = open("features.nix");
    let t = truth("features.nix");
    let h = r.header();
    let ids: Vec<&str> = h.signal_streams.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["raw", "lfp", "temperature_probe"]);
    let raw = &h.signal_channels[0];
    assert_eq!((raw.name.as_str(), raw.id.as_str()), ("e1", "e1"));
    assert_eq!(raw.dtype, Dtype::Int16);
    assert_eq!(raw.sampling_rate, 20000.0); // 0.05 ms
    assert_eq!(raw.gain, 0.195);
    assert_eq!(raw.offset, 2.0 - 0.195 * 10.0);
    assert_eq!(raw.units, "uV");
    assert_eq!(r.signal_t_start(0, 0, 0).unwrap(), 0.0125); // 12.5 ms
    for b in 0..2 {
        let bt = &t["blocks"][b];
        // deflate-compressed int16, summed exactly
        assert_eq!(column_sums(&r, b, 0, 0), floats(&bt["raw"]["sum"]));
        let head = r
            .analogsignal_chunk(b, 0, 0, Some(0), Some(3), &ChannelSelection::All)
            .unwrap()
            .to_f64();
        for (i, row) in bt["raw"]["head"].as_array().unwrap().iter().enumerate() {
            assert_eq!(head.row(i).to_vec(), floats(row));
        }
        // channels-first float32 at 2 kHz (0.5 ms)
        let lfp = stream_f64(&r, b, 1);
        assert_eq!(lfp.len() as u64, bt["lfp"]["n"].as_u64().unwrap());
        for (i, row) in bt["lfp"]["head"].as_array().unwrap().iter().enumerate() {
            assert_eq!(lfp[i], floats(row));
        }
        // a range dimension in ms
        let n = r.signal_size(b, 0, 2).unwrap();
        let times = r.signal_times(b, 0, 2, 0..n).unwrap().to_vec();
        assert_close(&times, &floats(&bt["temperature_probe"]["times_s"]), 1e-15);
    }
    assert_eq!(h.signal_channels[3].sampling_rate, 2000.0);
    assert_eq!(h.signal_channels[3].dtype, Dtype::Float32);
    assert_eq!(
        (
            h.signal_channels[3].id.as_str(),
            h.signal_channels[4].id.as_str()
        ),
        ("lfp_a", "lfp_b")
    );
    let ann = &h.signal_streams[0].annotations;
    assert_eq!(ann["sources"], serde_json::json!(["probe"]));
    assert_eq!(
        ann["metadata"]["impedance"],
        serde_json::json!([1.5, 2.5, 0.5])
    );
    assert_eq!(ann["metadata"]["impedance_unit"], "MOhm");
    assert_eq!(h.signal_streams[1].annotations["channels_first"], true);
}

#[test]
fn features_tags_multi_tags_and_event_arrays() {
    let r = open("features.nix");
    let t = truth("features.nix");
    let h = r.header();
    let ch: Vec<(&str, EventKind)> = h
        .event_channels
        .iter()
        .map(|c| (c.id.as_str(), c.kind))
        .collect();
    // multi-tags, then tags, then self-timed arrays
    assert_eq!(
        ch,
        [
            ("trials", EventKind::Epoch),
            ("peak_times", EventKind::Event),
            ("stimulus", EventKind::Epoch),
            ("licks", EventKind::Event)
        ]
    );
    for b in 0..2 {
        let (times, durations, labels) = events(&r, b, 0, 0);
        assert_close(&times, &[0.0125, 0.016, 0.02], 0.0);
        assert_close(&durations.unwrap(), &[0.002, 0.0015, 0.001], 1e-18);
        assert_eq!(labels, ["go", "nogo", "go"]);
        // positions without a unit: the referenced array's time unit (ms)
        let (times, durations, labels) = events(&r, b, 0, 1);
        assert_close(&times, &[0.013, 0.0145, 0.01625], 1e-18);
        assert_eq!(durations, None);
        assert_eq!(labels, ["peak_times"; 3]);
        let (times, durations, _) = events(&r, b, 0, 2);
        assert_eq!((times, durations), (vec![0.013], Some(vec![0.004])));
        let (times, _, _) = events(&r, b, 0, 3);
        assert_close(&times, &floats(&t["blocks"][b]["licks"]["times_s"]), 0.0);
    }
    // the image stack and the spectrum are listed
    let nm = not_mapped(&r, 0);
    let names: Vec<&str> = nm.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["image", "spectrum"], "{nm:?}");
    // the block's section tree
    let md = &h.blocks[1].annotations["metadata"];
    assert_eq!(md["experimenter"], "Ada");
    assert_eq!(md["temperature"], 36.5);
    assert_eq!(md["temperature_unit"], "C");
    assert_eq!(md["trials"], serde_json::json!([3, 5, 8]));
    assert_eq!(md["rig"]["amplifier"], "A-M 3000");
    assert_eq!(
        h.blocks[0].annotations["groups"]["shank0"]["data_arrays"],
        serde_json::json!(["raw"])
    );
}

#[test]
fn segment_bounds_span_streams_and_events() {
    let r = open("features.nix");
    let h = r.header();
    let s = &h.blocks[0].segments[0];
    // lfp starts at 0; the temperature probe's last tick + one nominal period is the end
    assert_eq!(s.t_start, 0.0);
    let n = r.signal_size(0, 0, 2).unwrap();
    let last = r.signal_times(0, 0, 2, n - 1..n).unwrap()[0];
    let rate = h.signal_channels[5].sampling_rate;
    assert!((s.t_stop - (last + 1.0 / rate)).abs() < 1e-12);
}

#[test]
fn generic_tiny_units_in_ms() {
    let r = open("generic_tiny.nix");
    let h = r.header();
    assert_eq!(h.signal_channels[0].sampling_rate, 2000.0);
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 20);
    let ids: Vec<&str> = h.event_channels.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["mt", "tg", "ev"]);
    assert_eq!(events(&r, 0, 0, 0).0, vec![0.001, 0.003]);
    assert_eq!(events(&r, 0, 0, 0).2, ["x", "y"]);
    assert_eq!(events(&r, 0, 0, 1).0, vec![0.002]);
    assert_eq!(events(&r, 0, 0, 2).0, vec![0.001, 0.002, 0.004]);
    assert_eq!(h.blocks[0].annotations["metadata"]["p"], 1.5);
}

#[test]
fn section_cycles_are_expanded_once() {
    let r = open("cycles.nix");
    let md = &r.header().blocks[0].annotations["metadata"];
    assert_eq!(md["x"], 1);
    assert_eq!(md["child"]["y"], 2);
    // the sub-section link "again" is the section itself (named "loop"): not expanded again
    assert_eq!(
        md["loop"]["section_not_expanded"],
        "/data/b/metadata/sections/again"
    );
    rawio_conformance::assert_conformant(&r);
}
