//! A Blackrock `.nev` event file (spikes with waveforms, digital and serial events, comments),
//! beside a small `.ns2`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rawio_fuzz::Fixture;
use std::sync::OnceLock;

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let f = FIXTURE.get_or_init(|| Fixture::new("blackrock", &["v23_paused.ns2"]));
    f.run(
        "v23_paused.nev",
        data,
        "v23_paused.nev",
        rawio_blackrock::FORMAT.open,
    );
});
