//! Real recordings written by Blackrock Central (neo's test set) and MNE's synthetic NSx files,
//! from ../shared/testdata/blackrock (skipped with a printed reason when absent): neo's dumps
//! where neo is right, Blackrock NPMK's exported reference values for the spec 2.1 pair, and
//! concrete counts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rawio_blackrock::BlackrockReader;
use rawio_conformance::{
    CompareOptions, assert_conformant, assert_matches_dump, project_testdata, shared_testdata,
};
use rawio_core::prelude::*;
use serde_json::Value;
use std::path::PathBuf;

fn real(rel: &str) -> Option<PathBuf> {
    shared_testdata(&format!("blackrock/{rel}"))
}

fn golden(name: &str) -> Value {
    let p = project_testdata(&format!("blackrock/golden/real/{name}"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

/// neo drops the last sample of spec 2.1 files (docs/neo-differences.md (blackrock) #1).
fn v21_ignores() -> CompareOptions {
    CompareOptions::default()
        .ignoring("/segments/*/signals/*/size")
        .ignoring("/segments/*/signals/*/tail")
        .ignoring("/segments/*/signals/*/sum")
        .ignoring("/segments/*/t_stop")
}

#[test]
fn filespec23_nev_matches_neo_and_matlab_description() {
    let Some(p) = real("gin-ephy-testing-data/FileSpec2.3001.nev") else {
        return;
    };
    let r = BlackrockReader::open(&p).unwrap();
    assert_matches_dump(
        &r,
        &golden("FileSpec2.3001.neo.json"),
        &CompareOptions::default(),
    );
    assert_conformant(&r);
    let h = r.header();
    assert!(h.signal_streams.is_empty());
    // "Spike signal on Odd Channels (1-7)"
    let names: Vec<&str> = h.spike_channels.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["ch1#0", "ch3#0", "ch5#0", "ch7#0"]);
    let total: u64 = (0..4).map(|u| r.spike_count(0, 0, u).unwrap()).sum();
    assert_eq!(total, 964);
    assert_eq!(r.event_count(0, 0, 0).unwrap(), 190);
    assert_eq!(r.event_count(0, 0, 1).unwrap(), 0);
    // "Three Comments Approximately 10 Seconds Apart"; Central wrote no NUL after two of them
    let c = r.event_timestamps(0, 0, 2, TimeWindow::ALL).unwrap();
    assert_eq!(
        c.labels,
        ["Comment", "Comment2\u{3}Ú\u{b}", "Comment3\u{92}\u{10}\r"]
    );
    let wf = r
        .spike_raw_waveforms(0, 0, 0, TimeWindow::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(wf.shape(), [259, 1, 48]);
    assert_eq!(wf.sum_f64(), -108780.0);
    // year, month, weekday, day, hour, minute, second, millisecond = 2014, 1, 1, 6, 13, 23, 5, 555
    assert_eq!(
        h.blocks[0].annotations["rec_datetime"],
        "2014-01-06T13:23:05.555"
    );
}

#[test]
fn pause_correct_two_segments_match_neo() {
    let Some(p) = real("gin-ephy-testing-data/segment/PauseCorrect/pause_correct.ns2") else {
        return;
    };
    let r = BlackrockReader::open(&p).unwrap();
    assert_matches_dump(
        &r,
        &golden("pause_correct.neo.json"),
        &CompareOptions::default(),
    );
    assert_conformant(&r);
    assert_eq!(r.segment_count(0).unwrap(), 2);
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 4000);
    assert_eq!(r.signal_t_start(0, 1, 0).unwrap(), 930261.0 / 30000.0);
    let total: u64 = (0..2)
        .flat_map(|s| (0..r.spike_channels_count()).map(move |u| (s, u)))
        .map(|(s, u)| r.spike_count(0, s, u).unwrap())
        .sum();
    assert_eq!(total, 11183);
    assert_eq!(r.header().signal_channels[0].name, "EyeXcm");
}

/// `name\n[[ v]\n [ v]\n [ v]\n ...,\n [ v]\n [ v]\n [ v]] uV` blocks: name -> 6 values.
fn npmk_signal_values(text: &str) -> Vec<(String, Vec<f64>)> {
    text.split("\n\n")
        .filter_map(|block| {
            let mut lines = block.trim().lines();
            let name = lines.next()?.trim().to_owned();
            let vals: Vec<f64> = lines
                .flat_map(|l| l.split(|c: char| c == '[' || c == ']' || c.is_whitespace()))
                .filter_map(|t| t.trim_end_matches(',').parse().ok())
                .collect();
            (!name.is_empty() && vals.len() == 6).then_some((name, vals))
        })
        .collect()
}

struct NpmkUnit {
    id: String,
    /// Every timestamp, or (numpy's summary of long arrays) the first and last three.
    times: Vec<u64>,
    summarised: bool,
    /// (first three, last three) values of the first and last waveform rows shown.
    rows: Vec<(Vec<f64>, Vec<f64>)>,
}

fn floats(s: &str) -> Vec<f64> {
    s.split(|c: char| c == '[' || c == ']' || c == ',' || c.is_whitespace())
        .filter_map(|t| t.parse().ok())
        .collect()
}

/// `Unit N` sections of NPMK's nev_data.txt: every timestamp, and the summarised waveforms.
fn npmk_units(text: &str) -> Vec<NpmkUnit> {
    text.split("Unit ")
        .skip(1)
        .map(|sec| {
            let (id, rest) = sec.split_once('\n').unwrap();
            let (ts, wf) = rest.split_once("waveforms:").unwrap();
            let ts = ts.split(']').next().unwrap();
            let rows = wf
                .lines()
                .filter(|l| l.contains("[[") && l.contains("...,"))
                .map(|l| {
                    let (a, b) = l.split_once("...,").unwrap();
                    (floats(a), floats(b))
                })
                .collect();
            NpmkUnit {
                id: format!("Unit {}", id.trim()),
                times: floats(ts).into_iter().map(|t| t as u64).collect(),
                summarised: ts.contains("..."),
                rows,
            }
        })
        .collect()
}

/// Unit list of NPMK's nev_Units.txt: `ch / unit` lines, without the ones marked missing.
fn npmk_unit_list(text: &str) -> Vec<String> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim_start().starts_with('-'))
        .filter_map(|l| {
            let entry = l.split('\t').next()?;
            let (c, u) = entry.split_once('/')?;
            let u: u32 = u.trim().trim_end_matches(')').parse().ok()?;
            Some(format!("ch{}#{u}", c.trim()))
        })
        .collect()
}

/// Checks units, timestamps and waveforms; returns the number of units whose waveform rows
/// were compared (numpy prints rows in full, unsummarised, for small units: those are skipped).
fn check_against_npmk(r: &BlackrockReader, data: &str, units: &str) -> usize {
    let mut compared = 0;
    let h = r.header();
    let names: Vec<String> = h.spike_channels.iter().map(|u| u.name.clone()).collect();
    assert_eq!(names, npmk_unit_list(units));
    let ref_units = npmk_units(data);
    assert_eq!(ref_units.len(), h.spike_channels.len());
    for nu in &ref_units {
        let u = h
            .spike_channels
            .iter()
            .position(|c| c.id == nu.id)
            .unwrap_or_else(|| panic!("{} missing", nu.id));
        let ts = r.spike_timestamps(0, 0, u, TimeWindow::ALL).unwrap();
        let ts: Vec<u64> = ts.to_f64().iter().map(|&t| t as u64).collect();
        if nu.summarised {
            let n = ts.len();
            assert!(n > 6, "{}", nu.id);
            let shown: Vec<u64> = ts[..3].iter().chain(&ts[n - 3..]).copied().collect();
            assert_eq!(shown, nu.times, "{}", nu.id);
        } else {
            assert_eq!(ts, nu.times, "{}", nu.id);
        }
        let wf = r
            .spike_raw_waveforms(0, 0, u, TimeWindow::ALL)
            .unwrap()
            .unwrap();
        let uv = r.rescale_waveforms_f64(&wf, u).unwrap();
        let n = uv.shape()[0];
        let w = uv.shape()[2];
        // numpy shows the first and last three rows when there are more than six
        let shown: Vec<usize> = if n > 6 {
            vec![0, 1, 2, n - 3, n - 2, n - 1]
        } else {
            (0..n).collect()
        };
        if nu.rows.len() == shown.len() {
            compared += 1;
            for ((head, tail), &row) in nu.rows.iter().zip(&shown) {
                let got_head: Vec<f64> = (0..3).map(|i| uv[[row, 0, i]]).collect();
                let got_tail: Vec<f64> = (w - 3..w).map(|i| uv[[row, 0, i]]).collect();
                assert_eq!(&got_head, head, "{} row {row}", nu.id);
                assert_eq!(&got_tail, tail, "{} row {row}", nu.id);
            }
        }
    }
    compared
}

#[test]
fn spec21_pair_matches_npmk_reference_values() {
    let Some(p) = real("gin-ephy-testing-data/blackrock_2_1/l101210-001.ns2") else {
        return;
    };
    let dir = p.parent().unwrap().to_path_buf();
    let r = BlackrockReader::open(&p).unwrap();
    assert_matches_dump(&r, &golden("l101210-001.neo.json"), &v21_ignores());
    assert_conformant(&r);
    // every sample: (43748 - 56) / 12 = 3641 (neo: 3640)
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 3641);
    let bytes = std::fs::read(&p).unwrap();
    let last: Vec<i16> = bytes[bytes.len() - 12..]
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    let all = ChannelSelection::All;
    let tail = r
        .analogsignal_chunk(0, 0, 0, Some(3640), Some(3641), &all)
        .unwrap();
    assert_eq!(tail.as_typed::<i16>().unwrap().row(0).to_vec(), last);
    // the reference µV values of the first three samples and of samples 3637..3640 (float32,
    // computed in float32 arithmetic: within two float32 roundings of the exact value)
    let text = std::fs::read_to_string(dir.join("ns2_data.txt")).unwrap();
    let reference = npmk_signal_values(&text);
    let names: Vec<&str> = r
        .header()
        .signal_channels
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        reference
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        names
    );
    for (start, cols) in [(0u64, 0..3), (3637, 3..6)] {
        let raw = r
            .analogsignal_chunk(0, 0, 0, Some(start), Some(start + 3), &all)
            .unwrap();
        let uv = r.rescale_signal_f64(&raw, 0, &all).unwrap();
        for (c, (name, vals)) in reference.iter().enumerate() {
            for (got, want) in uv.column(c).iter().zip(&vals[cols.clone()]) {
                let tol = want.abs() * 2.0 * f64::from(f32::EPSILON);
                assert!(
                    (got - want).abs() <= tol,
                    "{name} from sample {start}: {got} vs {want}"
                );
            }
        }
    }
    let compared = check_against_npmk(
        &r,
        &std::fs::read_to_string(dir.join("nev_data.txt")).unwrap(),
        &std::fs::read_to_string(dir.join("nev_Units.txt")).unwrap(),
    );
    assert!(compared > 150, "{compared} units with waveforms compared");
    assert_eq!(r.event_count(0, 0, 0).unwrap(), 8);
}

#[test]
fn resorted_nev_matches_neo_and_npmk() {
    let Some(p) = real("gin-ephy-testing-data/blackrock_2_1/l101210-001-02.nev") else {
        return;
    };
    let dir = p.parent().unwrap().to_path_buf();
    let r = BlackrockReader::open(&p).unwrap();
    assert_matches_dump(
        &r,
        &golden("l101210-001-02.neo.json"),
        &CompareOptions::default(),
    );
    assert_conformant(&r);
    assert!(r.header().signal_streams.is_empty());
    let total: u64 = (0..r.spike_channels_count())
        .map(|u| r.spike_count(0, 0, u).unwrap())
        .sum();
    assert_eq!(total, 14210);
    let compared = check_against_npmk(
        &r,
        &std::fs::read_to_string(dir.join("nev_-02_data.txt")).unwrap(),
        &std::fs::read_to_string(dir.join("nev_-02_Units.txt")).unwrap(),
    );
    assert!(compared > 150, "{compared} units with waveforms compared");
}

#[test]
fn header_only_looking_ns5_has_six_samples() {
    let Some(p) = real("gin-ephy-testing-data/test2/test.ns5") else {
        return;
    };
    let r = BlackrockReader::open(&p).unwrap();
    assert_matches_dump(&r, &golden("test.ns5.neo.json"), &v21_ignores());
    assert_conformant(&r);
    let c = r
        .analogsignal_chunk(0, 0, 0, None, None, &ChannelSelection::All)
        .unwrap();
    assert_eq!(
        c.as_typed::<i16>().unwrap(),
        rawio_core::ndarray::array![
            [24i16, 48],
            [32, -32],
            [40, -40],
            [-24, -48],
            [-32, 32],
            [-40, 40]
        ]
    );
    // no NEV: raw values
    assert_eq!(r.header().signal_channels[0].gain, 1.0);
    assert_eq!(r.header().signal_channels[0].units, "");
}

#[test]
fn mne_synthetic_nsx_files() {
    for (f, g) in [
        ("test_BRSMPGRP_raw.ns3", "test_BRSMPGRP_raw.neo.json"),
        ("test_NEURALCD_raw.ns3", "test_NEURALCD_raw.neo.json"),
    ] {
        let Some(p) = real(&format!("mne-nsx/{f}")) else {
            return;
        };
        let r = BlackrockReader::open(&p).unwrap();
        assert_matches_dump(&r, &golden(g), &CompareOptions::default());
        assert_conformant(&r);
    }
    // the "2.1" file carries a 2.2-style block header; skipping it gives the same samples as
    // the 2.2 file (neo reads it 9 bytes off and drops a sample)
    let Some(p) = real("mne-nsx/test_NEURALSG_raw.ns3") else {
        return;
    };
    let r = BlackrockReader::open(&p).unwrap();
    assert_conformant(&r);
    let ann = &r.header().signal_streams[0].annotations;
    assert!(ann.contains_key("v21_block_header"));
    let cd = golden("test_NEURALCD_raw.neo.json");
    let want = &cd["segments"][0]["signals"][0];
    let ours = rawio_conformance::dump_json(&r, false).unwrap();
    let got = &ours["segments"][0]["signals"][0];
    for k in ["size", "head", "tail", "sum"] {
        assert_eq!(got[k], want[k], "{k}");
    }
}
