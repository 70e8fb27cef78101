//! An HDF5 file read by spikedata's SpikeLab loaders, with each of the four layouts.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rawio_fuzz::Fixture;
use spikedata::{Hdf5Layout, Hdf5Options, Hdf5Raw, SpikeData, TimeUnit};
use std::sync::OnceLock;

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fn layouts() -> Vec<Hdf5Options> {
    let mut raster = Hdf5Options::new(Hdf5Layout::Raster {
        dataset: "raster".into(),
        bin_size_ms: 2.5,
    });
    raster.raw = Some(Hdf5Raw {
        dataset: "raw".into(),
        time_dataset: "raw_time".into(),
        time_unit: TimeUnit::Milliseconds,
    });
    // a raster's counts legitimately expand to many spikes per byte: keep runs fast
    raster.max_raster_spikes = 1 << 16;
    vec![
        raster,
        Hdf5Options::new(Hdf5Layout::Ragged {
            times: "spike_times".into(),
            index: "spike_times_index".into(),
            unit: TimeUnit::Seconds,
            n_units: None,
        }),
        Hdf5Options::new(Hdf5Layout::GroupPerUnit {
            group: "units".into(),
            unit: TimeUnit::Milliseconds,
        }),
        Hdf5Options::new(Hdf5Layout::Paired {
            idces: "idces".into(),
            times: "times".into(),
            unit: TimeUnit::Samples(25000.0),
        }),
    ]
}

fuzz_target!(|data: &[u8]| {
    let f = FIXTURE.get_or_init(|| Fixture::new("spikedata", &[]));
    f.write("f.h5", data);
    for o in layouts() {
        if let Ok(sd) = SpikeData::from_hdf5(f.path("f.h5"), &o) {
            let _ = sd.sparse_raster(1.0, 0.0);
        }
    }
});
