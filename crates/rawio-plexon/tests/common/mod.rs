//! Helpers shared by the Plexon integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use rawio_core::{ChannelSelection, RawIO, RawIOExt};
use rawio_plexon::PlexonReader;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn fixture(name: &str) -> PathBuf {
    rawio_conformance::project_testdata(&format!("plexon/{name}"))
}

pub fn golden(name: &str) -> Value {
    let p = fixture(&format!("golden/{name}"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap()
}

/// Exact per-channel sums of a whole stream, read in chunks of `chunk` samples.
pub fn stream_sums(r: &dyn RawIO, seg: usize, stream: usize, chunk: u64) -> Vec<f64> {
    let n = r.signal_size(0, seg, stream).unwrap();
    let nch = r.signal_channels_count(stream).unwrap();
    let mut sums = vec![0i128; nch];
    let mut start = 0;
    while start < n {
        let stop = (start + chunk).min(n);
        let c = r
            .analogsignal_chunk(
                0,
                seg,
                stream,
                Some(start),
                Some(stop),
                &ChannelSelection::All,
            )
            .unwrap();
        let a = c.as_typed::<i16>().unwrap();
        for (j, s) in sums.iter_mut().enumerate() {
            *s += a.column(j).iter().map(|&v| i128::from(v)).sum::<i128>();
        }
        start = stop;
    }
    sums.into_iter().map(|s| s as f64).collect()
}

pub fn rows(r: &dyn RawIO, seg: usize, stream: usize, a: u64, b: u64) -> Vec<Vec<i64>> {
    let c = r
        .analogsignal_chunk(0, seg, stream, Some(a), Some(b), &ChannelSelection::All)
        .unwrap();
    let a = c.as_typed::<i16>().unwrap();
    a.rows()
        .into_iter()
        .map(|row| row.iter().map(|&v| i64::from(v)).collect())
        .collect()
}

pub fn json_rows(v: &Value) -> Vec<Vec<i64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_i64().unwrap())
                .collect()
        })
        .collect()
}

/// Checks every slow channel of `blocks.json` (the independent `plexon_truth.py` output)
/// against the reader: samples, exact sum, head, tail, first timestamp.
pub fn check_blocks_truth(r: &PlexonReader, truth: &Value) {
    let h = r.header();
    let chans = truth["slow_channels"].as_array().unwrap();
    assert_eq!(
        chans.len(),
        h.signal_channels.len(),
        "number of slow channels with data"
    );
    for c in chans {
        let id = c["channel"].as_i64().unwrap().to_string();
        let pos = h.signal_channels.iter().position(|x| x.id == id).unwrap();
        let sc = &h.signal_channels[pos];
        let stream = h.stream_index(&sc.stream_id).unwrap();
        let local = h
            .stream_channels(stream)
            .unwrap()
            .iter()
            .position(|x| x.id == id)
            .unwrap();
        let n = r.signal_size(0, 0, stream).unwrap();
        assert_eq!(n, c["samples"].as_u64().unwrap(), "samples of channel {id}");
        let sel = ChannelSelection::Indexes(vec![local]);
        let all = r
            .analogsignal_chunk(0, 0, stream, None, None, &sel)
            .unwrap();
        assert_eq!(
            all.sum_f64(),
            c["sum"].as_f64().unwrap(),
            "sum of channel {id}"
        );
        let v = all.as_typed::<i16>().unwrap();
        let head: Vec<i64> = v.column(0).iter().take(3).map(|&x| i64::from(x)).collect();
        let tail: Vec<i64> = v
            .column(0)
            .iter()
            .skip(v.nrows().saturating_sub(3))
            .map(|&x| i64::from(x))
            .collect();
        let want = |k: &str| -> Vec<i64> {
            c[k].as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_i64().unwrap())
                .collect()
        };
        assert_eq!(head, want("head"), "head of channel {id}");
        assert_eq!(tail, want("tail"), "tail of channel {id}");
        assert_eq!(
            sc.annotations["first_timestamp"].as_u64(),
            c["first_timestamp"].as_u64(),
            "first timestamp of channel {id}"
        );
        assert_eq!(
            sc.annotations["gap_count"].as_u64().unwrap(),
            c["gaps"].as_array().unwrap().len() as u64,
            "gaps of channel {id}"
        );
    }
}

/// A copy of `src` in a temporary directory, cut to `len` bytes.
pub fn truncated_copy(src: &Path, len: u64) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let dst = dir.path().join(src.file_name().unwrap());
    let bytes = std::fs::read(src).unwrap();
    std::fs::write(&dst, &bytes[..len as usize]).unwrap();
    (dir, dst)
}
