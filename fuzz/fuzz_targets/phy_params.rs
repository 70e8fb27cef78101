//! A Phy folder's `params.py` (with every array and a raw `.dat` beside it).
#![no_main]
use libfuzzer_sys::fuzz_target;
use rawio_fuzz::Fixture;
use std::sync::OnceLock;

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let f = FIXTURE.get_or_init(|| Fixture::dir("phy/uint64_col"));
    f.run("params.py", data, "", rawio_phy::FORMAT.open);
});
