//! A whole NWB (HDF5) file, read through the RawIO reader and the NWB object API.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rawio_fuzz::Fixture;
use std::sync::OnceLock;

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let f = FIXTURE.get_or_init(|| Fixture::new("nwb", &[]));
    f.run("f.nwb", data, "f.nwb", rawio_nwb::FORMAT.open);
    let _ = spikedata::SpikeData::from_nwb(f.path("f.nwb"), &Default::default());
});
