//! `spikedata::SpikeData::from_rawio` on every real recording of every enabled format gives the
//! same spike counts per unit as the reader itself (and as its dump).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rawio_conformance::shared_testdata;
use spikedata::{FromRawioOptions, SpikeData};

fn check(path: &std::path::Path) -> u64 {
    let reader = rawio::open(path).unwrap();
    let sd = SpikeData::from_rawio(reader.as_ref(), 0, 0, &FromRawioOptions::default()).unwrap();
    let h = reader.header();
    assert_eq!(sd.n_units(), h.spike_channels.len(), "{}", path.display());
    let dump = rawio_conformance::dump_json(reader.as_ref(), false).unwrap();
    let mut total = 0;
    for u in 0..h.spike_channels.len() {
        let n = reader.spike_count(0, 0, u).unwrap();
        assert_eq!(
            sd.train(u).unwrap().len() as u64,
            n,
            "{} unit {u}",
            path.display()
        );
        assert_eq!(dump["segments"][0]["spikes"][u]["count"], n);
        if let (Some(&first), Some(ts)) = (
            sd.train(u).unwrap().first(),
            dump["segments"][0]["spikes"][u]["head_s"][0].as_f64(),
        ) {
            assert!(
                (first - ts * 1000.0).abs() <= 1e-9 * first.abs().max(1.0),
                "unit {u}: {first} ms vs {ts} s"
            );
        }
        total += n;
    }
    total
}

#[test]
fn neuroscope_a2929_counts() {
    let Some(p) = shared_testdata("neuroscope/A2929-200711/A2929-200711.xml") else {
        return;
    };
    assert_eq!(check(&p), 103_761 + 58_803);
}

#[test]
fn phy_kwikteam_counts() {
    let Some(p) = shared_testdata("phy/kwikteam-template") else {
        return;
    };
    assert_eq!(check(&p), 314);
}
