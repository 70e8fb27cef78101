//! One cluster table (`.tsv`) of a Phy folder, chosen by the first byte.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rawio_fuzz::{Fixture, pick};
use std::sync::OnceLock;

static FIXTURE: OnceLock<Fixture> = OnceLock::new();
const TSV: [&str; 3] = [
    "cluster_group.tsv",
    "cluster_info.tsv",
    "cluster_KSLabel.tsv",
];

fuzz_target!(|data: &[u8]| {
    let f = FIXTURE.get_or_init(|| Fixture::dir("phy/int64_plain"));
    let Some((which, input)) = pick(data, TSV.len()) else {
        return;
    };
    f.run_member(&TSV, which, input, "", rawio_phy::FORMAT.open);
});
