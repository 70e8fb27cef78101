//! The `.res` (first byte even) or `.clu` (odd) file of a Neuroscope shank.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rawio_fuzz::{Fixture, pick};
use std::sync::OnceLock;

static FIXTURE: OnceLock<Fixture> = OnceLock::new();
const FILES: [&str; 3] = ["spikesonly.xml", "spikesonly.res.1", "spikesonly.clu.1"];

fuzz_target!(|data: &[u8]| {
    let f = FIXTURE.get_or_init(|| Fixture::new("neuroscope", &FILES));
    let Some((which, input)) = pick(data, 2) else {
        return;
    };
    f.run_member(
        &FILES[1..],
        which,
        input,
        "spikesonly.xml",
        rawio_neuroscope::FORMAT.open,
    );
});
