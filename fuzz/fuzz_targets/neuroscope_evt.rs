//! A Neuroscope `.evt` event file.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rawio_fuzz::Fixture;
use std::sync::OnceLock;

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let f =
        FIXTURE.get_or_init(|| Fixture::new("neuroscope", &["spikesonly.xml", "spikesonly.evt"]));
    f.run(
        "spikesonly.evt",
        data,
        "spikesonly.xml",
        rawio_neuroscope::FORMAT.open,
    );
});
