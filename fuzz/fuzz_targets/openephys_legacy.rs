//! One member file of a legacy Open Ephys session (`.continuous` of every stream and segment,
//! `.events`, `.spikes`), chosen by the first byte.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rawio_fuzz::{Fixture, run_tree};
use std::sync::OnceLock;

static FIXTURE: OnceLock<(Fixture, Vec<String>)> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    run_tree(
        &FIXTURE,
        "openephys-legacy/gui04",
        data,
        rawio_openephys::FORMAT_LEGACY.open,
    );
});
