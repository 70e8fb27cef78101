//! The real neo-written file of the shared test data (`nix/gin-ephy-testing-data`, NIX
//! 1.1.1 written by neo's NixIO in 2018) against neo_dump.py's golden
//! (`testdata/nix/golden/real/nixio_fr.nix.json`), but for neo's documented bugs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use rawio_conformance::CompareOptions;
use rawio_core::{RawIO, RawIOExt};
use rawio_nix::NixReader;

#[test]
fn nixio_fr_matches_neo_but_for_its_bugs() {
    let Some(p) = rawio_conformance::shared_testdata("nix/gin-ephy-testing-data/nixio_fr.nix")
    else {
        return;
    };
    let r = NixReader::open(&p).unwrap();
    assert!(r.is_neo());
    let golden: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("golden/real/nixio_fr.nix.json")).unwrap(),
    )
    .unwrap();
    let opts = CompareOptions::default()
        .ignoring("/segments/*/t_start")
        .ignoring("/segments/*/t_stop")
        .ignoring("/segments/*/spikes/*/count")
        .ignoring("/spike_channels/*/wf_left_sweep");
    rawio_conformance::assert_matches_dump(&r, &golden, &opts);
    let h = r.header();
    for b in 0..2 {
        for s in 0..2 {
            // neo: [10, 15.5], the spike train's; the signals (1 Hz: the interval 1.0 [1/Hz])
            // run to 100 s
            let seg = h.segment(b, s).unwrap();
            assert_eq!((seg.t_start, seg.t_stop), (0.0, 100.0));
            assert_eq!(r.signal_size(b, s, 2).unwrap(), 100);
            // neo: spike_count() = 0
            assert_eq!(r.spike_count(b, s, 0).unwrap(), 10);
            assert_eq!(spikes(&r, b, s, 0).len(), 10);
        }
    }
    // no left_sweep property: unknown (neo: 0)
    assert_eq!(h.spike_channels[0].wf_left_sweep, -1);
    assert_eq!(h.blocks[0].annotations["description"], "The 1st block");
}
