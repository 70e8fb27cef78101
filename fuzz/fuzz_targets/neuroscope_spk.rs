//! The `.spk` waveform file of a Neuroscope shank.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rawio_fuzz::Fixture;
use std::sync::OnceLock;

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let f = FIXTURE.get_or_init(|| {
        Fixture::new(
            "neuroscope",
            &[
                "session.xml",
                "session.res.2",
                "session.clu.2",
                "session.spk.2",
            ],
        )
    });
    f.run(
        "session.spk.2",
        data,
        "session.xml",
        rawio_neuroscope::FORMAT.open,
    );
});
