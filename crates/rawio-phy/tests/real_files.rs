//! The real KiloSort output of phy's test data (kwikteam/phy-data `template/`): every spike
//! time agrees with neo (golden made by `neo_dump.py phy <dir> --full`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rawio_conformance::{
    CompareOptions, assert_conformant, assert_matches_dump, project_testdata, shared_testdata,
};
use rawio_core::{RawIO, RawIOExt, TimeWindow};
use rawio_phy::{Options, PhyReader, UnitFilter};

#[test]
fn kwikteam_template_matches_neo() {
    let Some(dir) = shared_testdata("phy/kwikteam-template") else {
        return;
    };
    let r = PhyReader::open(&dir).unwrap();
    let text =
        std::fs::read_to_string(project_testdata("phy/golden/kwikteam-template.neo.json")).unwrap();
    let golden: rawio_core::serde_json::Value = rawio_core::serde_json::from_str(&text).unwrap();
    assert_matches_dump(&r, &golden, &CompareOptions::default());
    assert_eq!(r.spike_channels_count(), 62);
    let total: u64 = (0..62).map(|u| r.spike_count(0, 0, u).unwrap()).sum();
    assert_eq!(total, 314);
    assert_eq!(r.header().segment(0, 0).unwrap().t_stop, 298403.0 / 25000.0);
    assert!(!r.has_raw_data(), "sim_binary.dat is not shipped");
    assert_eq!(r.params().n_channels_dat, Some(34));
    assert_eq!(r.params().dat_path, vec!["sim_binary.dat"]);
    let first = r.spike_timestamps(0, 0, 0, TimeWindow::ALL).unwrap();
    assert_eq!(first.dtype(), rawio_core::Dtype::Uint64);
    // cluster 4 is the only curated one
    let a = &r.header().spike_channels[4].annotations;
    assert_eq!(a["group"], "good");
    // channel via channel_map (which is not the identity here)
    let map = [
        7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26,
        28, 30, 0, 1, 2, 3, 4, 5,
    ];
    for u in 0..62 {
        let a = &r.header().spike_channels[u].annotations;
        let local = a["channel_index"].as_u64().unwrap() as usize;
        assert_eq!(a["channel"].as_u64().unwrap(), map[local]);
        assert_eq!(a["position"].as_array().unwrap().len(), 2);
    }
    assert_conformant(&r);
    let good = PhyReader::open_with(
        &dir,
        &Options {
            units: UnitFilter::Labels(vec!["good".into()]),
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(good.cluster_ids(), vec![4]);
    let pcs = PhyReader::open_with(
        &dir,
        &Options {
            load_pc_features: true,
            ..Options::default()
        },
    )
    .unwrap();
    let f = pcs.pc_features(4).unwrap().unwrap();
    assert_eq!(f.shape(), [r.spike_count(0, 0, 4).unwrap() as usize, 3, 12]);
}
