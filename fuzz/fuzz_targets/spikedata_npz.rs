//! A pynapple `.npz` (Ts / TsGroup / IntervalSet) read by spikedata.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rawio_fuzz::Fixture;
use std::sync::OnceLock;

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let f = FIXTURE.get_or_init(|| Fixture::new("spikedata", &[]));
    f.write("f.npz", data);
    let _ = spikedata::read_npz(f.path("f.npz"));
    if let Ok(sd) = spikedata::SpikeData::read_npz(f.path("f.npz")) {
        let _ = sd.sparse_raster(1.0, 0.0);
    }
});
