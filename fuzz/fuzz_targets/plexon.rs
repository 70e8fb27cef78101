//! A whole `.plx` file.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rawio_fuzz::Fixture;
use std::sync::OnceLock;

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let f = FIXTURE.get_or_init(|| Fixture::new("plexon", &[]));
    f.run("f.plx", data, "f.plx", rawio_plexon::FORMAT.open);
});
