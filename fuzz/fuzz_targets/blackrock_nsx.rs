//! An `.nsX` continuous file of a Blackrock recording (with the recording's `.nev` beside it).
#![no_main]
use libfuzzer_sys::fuzz_target;
use rawio_fuzz::Fixture;
use std::sync::OnceLock;

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let f = FIXTURE.get_or_init(|| Fixture::new("blackrock", &["v23_paused.nev"]));
    f.run(
        "v23_paused.ns5",
        data,
        "v23_paused.ns5",
        rawio_blackrock::FORMAT.open,
    );
});
