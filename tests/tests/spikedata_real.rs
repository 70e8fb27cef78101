//! `spikedata::SpikeData::from_rawio` on every real recording of every enabled format gives the
//! same spike counts per unit as the reader itself (and as its dump).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rawio::RawIOExt;
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

#[test]
fn plexon_counts() {
    for f in ["16sp_lfp_with_2coords.plx", "opx141ch1to3analogOnly003.plx"] {
        let Some(p) = shared_testdata(&format!("plexon/plexon-sdk/{f}")) else {
            return;
        };
        let total = check(&p);
        if f.starts_with("16sp") {
            assert!(total >= 1154, "{f}: {total}");
        }
    }
}

#[test]
fn nwb_units_counts() {
    let Some(p) = shared_testdata("nwb/pynapple-A8604-211122/A8604-211122.nwb") else {
        return;
    };
    let golden: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(rawio_conformance::project_testdata(
            "nwb/golden/real/pynapple-A8604-211122.json",
        ))
        .unwrap_or_default(),
    )
    .unwrap_or_default();
    let total = check(&p);
    assert!(total > 0);
    if let Some(units) = golden
        .pointer("/units/spike_counts")
        .and_then(|v| v.as_array())
    {
        assert_eq!(total, units.iter().filter_map(|v| v.as_u64()).sum::<u64>());
    }
}
