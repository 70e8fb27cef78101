//! A whole NIX (HDF5) file, read through the NIX reader (neo-written and generic mappings).
#![no_main]
use libfuzzer_sys::fuzz_target;
use rawio_fuzz::Fixture;
use std::sync::OnceLock;

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let f = FIXTURE.get_or_init(|| Fixture::new("nix", &[]));
    f.run("f.nix", data, "f.nix", rawio_nix::FORMAT.open);
});
