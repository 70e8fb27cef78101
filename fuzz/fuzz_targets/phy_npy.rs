//! One `.npy` of a Phy folder, chosen by the first byte (every array the reader reads).
#![no_main]
use libfuzzer_sys::fuzz_target;
use rawio_fuzz::{Fixture, pick};
use std::sync::OnceLock;

static FIXTURE: OnceLock<Fixture> = OnceLock::new();
const NPY: [&str; 9] = [
    "spike_times.npy",
    "spike_clusters.npy",
    "spike_templates.npy",
    "amplitudes.npy",
    "templates.npy",
    "channel_map.npy",
    "channel_positions.npy",
    "pc_features.npy",
    "pc_feature_ind.npy",
];

fuzz_target!(|data: &[u8]| {
    let f = FIXTURE.get_or_init(|| Fixture::dir("phy/uint64_col"));
    let Some((which, input)) = pick(data, NPY.len()) else {
        return;
    };
    f.run_member(&NPY, which, input, "", rawio_phy::FORMAT.open);
});
