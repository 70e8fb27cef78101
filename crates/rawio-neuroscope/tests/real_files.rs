//! The real session A2929-200711 (pynapple; ndManager xml, 2 shanks of .res/.clu, one
//! .evt.py.rip event file, no signal file). Skipped when ../shared/testdata is absent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rawio_conformance::{assert_conformant, shared_testdata};
use rawio_core::{RawIO, RawIOExt, TimeWindow};
use rawio_neuroscope::NeuroscopeReader;
use std::collections::BTreeMap;
use std::path::Path;

/// Spikes per cluster id, counted from the .clu file itself (independently of the reader).
fn clu_counts(path: &Path) -> (u64, BTreeMap<u64, u64>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let n: u64 = lines.next().unwrap().trim().parse().unwrap();
    let mut m = BTreeMap::new();
    for l in lines {
        *m.entry(l.trim().parse::<u64>().unwrap()).or_insert(0) += 1;
    }
    (n, m)
}

#[test]
fn a2929_spikes_events_exactly() {
    let Some(dir) = shared_testdata("neuroscope/A2929-200711") else {
        return;
    };
    let r = NeuroscopeReader::open(dir.join("A2929-200711.xml")).unwrap();
    let h = r.header();
    assert_eq!(h.signal_streams.len(), 0);
    assert_eq!(r.spike_time_base().per_second, 20000.0);

    let mut expected = Vec::new();
    let mut totals = Vec::new();
    for shank in 1..=2u64 {
        let (n, counts) = clu_counts(&dir.join(format!("A2929-200711.clu.{shank}")));
        assert_eq!(n as usize, counts.len());
        totals.push(counts.values().sum::<u64>());
        for (c, k) in counts {
            expected.push((format!("{shank}#{c}"), k));
        }
    }
    assert_eq!(totals, [103_761, 58_803]);
    let got: Vec<(String, u64)> = h
        .spike_channels
        .iter()
        .enumerate()
        .map(|(u, ch)| (ch.id.clone(), r.spike_count(0, 0, u).unwrap()))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(h.spike_channels.len(), 19);
    assert_eq!(
        h.spike_channels
            .iter()
            .filter(|u| u.id.starts_with("1#"))
            .count(),
        9
    );
    assert_eq!(
        h.spike_channels
            .iter()
            .filter(|u| u.id.starts_with("2#"))
            .count(),
        10
    );
    assert_eq!(h.spike_channels[0].name, "shank1_cluster0");
    assert_eq!(r.spike_count(0, 0, 0).unwrap(), 16_595);
    assert_eq!(r.spike_count(0, 0, 9).unwrap(), 38_263); // shank 2 cluster 0
    // first spikes of shank 1 (res: 169 653 1549 2518 2646; clu: 2 2 5 0)
    let c2 = r.spike_timestamps(0, 0, 2, TimeWindow::ALL).unwrap();
    assert_eq!(c2.as_typed::<u64>().unwrap()[[0]], 169);
    assert_eq!(c2.as_typed::<u64>().unwrap()[[1]], 653);
    let c0 = r.spike_timestamps(0, 0, 0, TimeWindow::ALL).unwrap();
    assert_eq!(c0.as_typed::<u64>().unwrap()[[0]], 2518);
    assert!(
        r.spike_raw_waveforms(0, 0, 0, TimeWindow::ALL)
            .unwrap()
            .is_none()
    );

    // events: A2929-200711.evt.py.rip
    assert_eq!(h.event_channels.len(), 1);
    assert_eq!(h.event_channels[0].name, "py.rip");
    assert_eq!(h.event_channels[0].id, "evt.py.rip");
    let ev = r.event_timestamps(0, 0, 0, TimeWindow::ALL).unwrap();
    assert_eq!(ev.len(), 1284);
    assert_eq!(ev.labels[0], "PyRip start 1");
    assert_eq!(ev.labels[1283], "PyRip stop 1");
    let s = r.rescale_event_timestamps(&ev.timestamps, 0);
    assert_eq!(s[0], 734.4 / 1000.0);
    assert_eq!(s[1283], 599738.4 / 1000.0);

    // t_stop: the last spike (23999359 samples) vs the last event (599.7384 s)
    let t_stop = r.segment_t_stop(0, 0).unwrap();
    assert_eq!(t_stop, 23_999_359.0 / 20000.0);
    assert_conformant(&r);
}

#[test]
fn a2929_opens_from_stem() {
    let Some(dir) = shared_testdata("neuroscope/A2929-200711") else {
        return;
    };
    let r = NeuroscopeReader::open(dir.join("A2929-200711")).unwrap();
    assert_eq!(r.header().spike_channels.len(), 19);
    assert_eq!(rawio_neuroscope::sniff(&dir.join("A2929-200711")), 90);
    assert_eq!(rawio_neuroscope::sniff(&dir.join("A2929-200711.xml")), 100);
}
