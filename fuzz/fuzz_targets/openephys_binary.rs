//! One member file of an Open Ephys binary recording (`structure.oebin`, `continuous.dat`,
//! every `.npy` of continuous, event and spike folders), chosen by the first byte.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rawio_fuzz::{Fixture, pick};
use std::sync::OnceLock;

static FIXTURE: OnceLock<(Fixture, Vec<String>)> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let (f, members) = FIXTURE.get_or_init(|| Fixture::tree("openephys-binary/gui04_no_node"));
    let members: Vec<&str> = members.iter().map(String::as_str).collect();
    let Some((which, input)) = pick(data, members.len()) else {
        return;
    };
    f.run_member(
        &members,
        which,
        input,
        "",
        rawio_openephys::FORMAT_BINARY.open,
    );
});
