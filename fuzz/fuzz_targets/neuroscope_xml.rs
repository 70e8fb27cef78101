//! The session `.xml` of a Neuroscope recording (with its `.res`/`.clu`/`.evt` siblings).
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
                "spikesonly.xml",
                "spikesonly.res.1",
                "spikesonly.clu.1",
                "spikesonly.evt",
                "eegonly.eeg",
            ],
        )
    });
    // the eeg of another session, renamed, so the xml also drives a signal stream
    let _ = std::fs::copy(f.path("eegonly.eeg"), f.path("spikesonly.eeg"));
    f.run(
        "spikesonly.xml",
        data,
        "spikesonly.xml",
        rawio_neuroscope::FORMAT.open,
    );
});
