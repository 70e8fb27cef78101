//! One member file of an Open Ephys binary recording (`structure.oebin`, `continuous.dat`,
//! every `.npy` of continuous, event and spike folders), chosen by the first byte.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rawio_fuzz::{Fixture, run_tree};
use std::sync::OnceLock;

static FIXTURE: OnceLock<(Fixture, Vec<String>)> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    run_tree(
        &FIXTURE,
        "openephys-binary/gui04_no_node",
        data,
        rawio_openephys::FORMAT_BINARY.open,
    );
});
