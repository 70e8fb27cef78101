//! Files as other labs write them (testdata/generate/nwb_layouts.py): timestamped series,
//! spike event series, MatNWB's NWB 2.0b region references, partial damage, HDF5 that is not
//! NWB. Concrete values from the generator's truth and nwb_dump.py's golden.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use rawio_core::{
    ChannelSelection, ErrorKind, EventKind, RateSource, RawIO, RawIOExt, SampleClock, TimeWindow,
};
use rawio_nwb::{NOT_READ_KEY, NwbFile, NwbReader, ObjectKind, Options};
use serde_json::{Value, json};

fn layout(name: &str) -> std::path::PathBuf {
    fixture(&format!("layouts/{name}"))
}

fn truth(name: &str) -> Value {
    golden(&format!("layouts/{name}.truth"))
}

#[test]
fn timestamps_golden() {
    // every series of nwb_dump.py's golden: streams (explicit clocks), events, spike channels
    let got = check_truth(&layout("timestamps.nwb"), &golden("layouts/timestamps.nwb"));
    assert_eq!(got, (9, 2, 0));
}

#[test]
fn timestamped_series_are_explicit_streams() {
    let r = NwbReader::open(layout("timestamps.nwb")).unwrap();
    let h = r.header();
    let ids: Vec<&str> = h.signal_streams.iter().map(|s| s.id.as_str()).collect();
    // acquisition, LFP and FilteredEphys containers in processing, stimulus; plus the
    // regular source series
    assert_eq!(
        ids,
        [
            "/acquisition/raw",
            "/acquisition/source",
            "/acquisition/stated_rate",
            "/processing/ecephys/FilteredEphys/filtered",
            "/processing/ecephys/LFP/lfp",
            "/stimulus/presentation/stim"
        ]
    );
    let median = SampleClock::Explicit {
        rate_source: RateSource::MedianInterval,
    };
    let clocks: Vec<SampleClock> = h.signal_streams.iter().map(|s| s.clock).collect();
    assert_eq!(
        clocks,
        [
            median,
            SampleClock::Regular,
            SampleClock::Explicit {
                rate_source: RateSource::Stated
            },
            median,
            median,
            median
        ]
    );
    // the stated rate is the nominal rate; the times are the stored ones
    assert_eq!(r.signal_sampling_rate(2).unwrap(), 20.0);
    let t = r.signal_times(0, 0, 2, 0..10).unwrap().to_vec();
    let want: Vec<f64> = (0..10).map(|i| 0.5 + f64::from(i) / 20.0).collect();
    assert_eq!(t, want);
    // raw: 1500 samples, times = the stored jittered clock, gain = conversion
    let f = NwbFile::open(layout("timestamps.nwb")).unwrap();
    let times = f.series("raw").unwrap().times();
    assert_eq!(r.signal_size(0, 0, 0).unwrap(), 1500);
    assert_eq!(r.signal_t_start(0, 0, 0).unwrap(), times[0]);
    assert_eq!(r.signal_times(0, 0, 0, 0..1500).unwrap().to_vec(), times);
    let nominal = rawio_core::clock::nominal_rate(&times[..4097.min(times.len())]).unwrap();
    assert_eq!(r.signal_sampling_rate(0).unwrap(), nominal);
    let ch = h.stream_channels(0).unwrap();
    assert_eq!(ch[0].gain, 2.5e-6);
    let ids: Vec<&str> = ch.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["100", "101", "102", "103"]);
    // time -> sample lookups binary-search the stored times
    assert_eq!(
        r.sample_index(0, 0, 0, times[700], rawio_core::Clock::Default)
            .unwrap(),
        700
    );
    // the LFP's and the filtered series' times are the same stored ones
    assert_eq!(
        r.signal_times(0, 0, 3, 0..120).unwrap(),
        r.signal_times(0, 0, 4, 0..120).unwrap()
    );
    // stimulus: uint16 with conversion 0.01
    assert_eq!(h.stream_channels(5).unwrap()[0].gain, 0.01);
    let c = r
        .analogsignal_chunk(0, 0, 5, Some(39), Some(40), &ChannelSelection::All)
        .unwrap();
    assert_eq!(c.as_typed::<u16>().unwrap()[[0, 0]], 39);
    // every stream lies in the segment
    let seg = &h.blocks[0].segments[0];
    assert!(seg.t_start <= times[0] && seg.t_stop >= times[1499]);
}

#[test]
fn ttl_series_with_repeated_timestamps_are_events() {
    let r = NwbReader::open(layout("timestamps.nwb")).unwrap();
    let h = r.header();
    assert_eq!(h.event_channels.len(), 1);
    assert_eq!(h.event_channels[0].id, "/acquisition/ttl");
    assert_eq!(h.event_channels[0].kind, EventKind::Event);
    let e = r.event_timestamps(0, 0, 0, TimeWindow::ALL).unwrap();
    assert_eq!(e.labels, ["1", "2", "-1", "-2", "1", "-1"]);
    assert_eq!(
        r.rescale_event_timestamps(&e.timestamps, 0).to_vec(),
        [0.4, 0.4, 0.6, 0.6, 0.9, 0.9]
    );
}

#[test]
fn spike_event_series_are_spike_channels() {
    let r = NwbReader::open(layout("timestamps.nwb")).unwrap();
    let h = r.header();
    let ids: Vec<&str> = h.spike_channels.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        ["1", "2", "/acquisition/single", "/acquisition/tetrode"]
    );
    // (events, channels, samples): 7 snippets of 4 channels x 32 samples, gain from
    // `conversion`, waveform rate from the fastest stream on the same electrodes
    let tet = &h.spike_channels[3];
    assert_eq!(tet.name, "tetrode");
    assert_eq!(tet.wf_gain, 2.5e-6);
    assert_eq!(tet.wf_units, "V");
    assert_eq!(tet.wf_sampling_rate, 30000.0);
    assert_eq!(tet.annotations["waveform_rate_from"], "/acquisition/source");
    assert_eq!(
        tet.annotations["electrode_ids"],
        json!([100, 101, 102, 103])
    );
    assert_eq!(r.spike_count(0, 0, 3).unwrap(), 7);
    let w = r
        .spike_raw_waveforms(0, 0, 3, TimeWindow::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(w.shape(), [7, 4, 32]);
    let f = NwbFile::open(layout("timestamps.nwb")).unwrap();
    let stored = f.series("tetrode").unwrap().read(0..7).unwrap();
    assert_eq!(w.to_f64().into_dyn(), stored.to_f64());
    let volts = r.rescale_waveforms_f64(&w, 3).unwrap();
    assert_eq!(volts[[0, 0, 0]], stored.to_f64()[[0, 0, 0]] * 2.5e-6);
    // (events, samples), stored unsorted: times sorted, waveforms follow them
    assert_eq!(f.kind_of("single"), Some(ObjectKind::SpikeEventSeries));
    let t = r.rescale_spike_timestamps(&r.spike_timestamps(0, 0, 2, TimeWindow::ALL).unwrap());
    assert_eq!(t.to_vec(), [0.5, 0.8, 1.1, 1.6]);
    assert!(
        h.spike_channels[2].annotations["warning"]
            .as_str()
            .unwrap()
            .contains("not sorted")
    );
    let w = r
        .spike_raw_waveforms(0, 0, 2, TimeWindow::between(0.5, 0.5))
        .unwrap()
        .unwrap();
    assert_eq!(w.shape(), [1, 1, 20]);
    let raw = f.series("single").unwrap().read(1..2).unwrap().to_f64(); // stored row 1 = 0.5 s
    assert_eq!(
        w.to_f64().iter().copied().collect::<Vec<_>>(),
        raw.iter().copied().collect::<Vec<_>>()
    );
    // the spike series are in the object listing and in `rawio info`'s contents
    let contents = h.blocks[0].annotations["contents"].as_array().unwrap();
    let kind = |k: &str| {
        contents
            .iter()
            .find(|c| c["key"] == k)
            .map(|c| c["kind"].as_str().unwrap().to_owned())
    };
    assert_eq!(kind("tetrode").as_deref(), Some("spike event series"));
    assert_eq!(kind("raw").as_deref(), Some("series (explicit clock)"));
    assert_eq!(kind("source").as_deref(), Some("series (regular clock)"));
    assert_eq!(
        kind("ttl").as_deref(),
        Some("series (events: repeated timestamps)")
    );
    assert_eq!(kind("units").as_deref(), Some("units table"));
    let units = contents.iter().find(|c| c["key"] == "units").unwrap();
    assert_eq!(units["rows"], 2);
    assert_eq!(units["columns"], json!(["spike_times"]));
    let el = contents.iter().find(|c| c["key"] == "electrodes").unwrap();
    assert_eq!(el["columns"], json!(["location", "group", "group_name"]));
    let session = &h.blocks[0].annotations["session"];
    assert_eq!(session["identifier"], "rawio-nwb-timestamps");
    assert_eq!(session["session_start_time"], "2024-05-17T09:30:00+00:00");
}

#[test]
fn matnwb_2_0b_region_references() {
    let t = truth("matnwb_2_0b.nwb");
    let r = NwbReader::open(layout("matnwb_2_0b.nwb")).unwrap();
    let h = r.header();
    assert_eq!(h.blocks[0].annotations["nwb_version"], "2.0b");
    assert_eq!(h.blocks[0].annotations[NOT_READ_KEY], json!([]));
    // Units: the region-reference index gives each unit's spikes (one empty, one unsorted)
    let ids: Vec<String> = h.spike_channels.iter().map(|c| c.id.clone()).collect();
    let want_ids: Vec<String> = t["units"]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.to_string())
        .collect();
    assert_eq!(ids, want_ids);
    for (u, want) in t["units"]["times"].as_array().unwrap().iter().enumerate() {
        let got =
            r.rescale_spike_timestamps(&r.spike_timestamps(0, 0, u, TimeWindow::ALL).unwrap());
        let want: Vec<f64> = want
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(got.to_vec(), want, "unit {u}");
    }
    // the electrodes column (region references into the table) with its region index
    for (u, (rows, ids)) in t["units"]["electrodes"]
        .as_array()
        .unwrap()
        .iter()
        .zip(t["units"]["electrode_ids"].as_array().unwrap())
        .enumerate()
    {
        let a = &h.spike_channels[u].annotations;
        assert_eq!(&a["electrodes"], rows, "unit {u}");
        assert_eq!(&a["electrode_ids"], ids, "unit {u}");
    }
    // the ElectricalSeries' electrodes as region references: channel ids from the table
    let ch: Vec<&str> = h
        .stream_channels(0)
        .unwrap()
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    let want: Vec<&str> = t["es"]["channel_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(ch, want);
    assert_eq!(r.signal_sampling_rate(0).unwrap(), 2000.0);
    let sums = stream_sums(&r, 0, 333);
    let want: Vec<f64> = t["es"]["sum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(sums, want);
    let e = r.event_timestamps(0, 0, 0, TimeWindow::ALL).unwrap();
    assert_eq!(
        r.rescale_event_timestamps(&e.timestamps, 0).to_vec(),
        [1.0, 1.2]
    );
    // the object API reads the same table
    let f = NwbFile::open(layout("matnwb_2_0b.nwb")).unwrap();
    let u = f.units("units").unwrap();
    assert_eq!(u.spike_times[0], [1.05, 1.10, 1.32]);
    assert!(u.spike_times[1].is_empty());
    assert_eq!(u.resorted, [9]);
    rawio_conformance::assert_conformant(&r);
}

#[test]
fn damage_is_per_object_and_strict_refuses_it() {
    let t = truth("damaged.nwb");
    let p = layout("damaged.nwb");
    let r = NwbReader::open(&p).unwrap();
    let h = r.header();
    // the bad table and the dangling link are left out, listed with path, kind and reason
    let nr = h.blocks[0].annotations[NOT_READ_KEY].as_array().unwrap();
    let got: Vec<(&str, &str)> = nr
        .iter()
        .map(|n| (n["path"].as_str().unwrap(), n["kind"].as_str().unwrap()))
        .collect();
    let want: Vec<(&str, &str)> = t["not_read"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["path"].as_str().unwrap(), n["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(got, want);
    let units = nr[1]["reason"].as_str().unwrap();
    assert!(units.contains("/units/spike_times_index"), "{units}");
    assert!(nr[1]["offset"].as_u64().unwrap() > 0); // the index's object header
    let link = nr[0]["reason"].as_str().unwrap();
    assert!(
        link.contains("/general/subject") && link.contains("missing_subject.nwb"),
        "{link}"
    );
    // everything else reads
    let streams: Vec<&str> = h.signal_streams.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(streams, ["/acquisition/series"]);
    let ids: Vec<&str> = h.spike_channels.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "processing/sorted/units_a:0",
            "processing/sorted/units_a:1",
            "processing/sorted/units_b:0"
        ]
    );
    assert_eq!(r.spike_count(0, 0, 1).unwrap(), 2);
    let ev: Vec<&str> = h.event_channels.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ev, ["/intervals/trials"]);
    assert_eq!(h.blocks[0].annotations["identifier"], "rawio-nwb-damaged");
    rawio_conformance::assert_conformant(&r);
    // the listing still shows the bad table (it is there, just not readable)
    let contents = h.blocks[0].annotations["contents"].as_array().unwrap();
    assert!(contents.iter().any(|c| c["path"] == "/units"));
    // strict mode: the first object that cannot be read is the error, naming it
    let e = NwbReader::open_with(&p, &Options { strict: true }).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("/general/subject"), "{e}");
}

#[test]
fn hdf5_that_is_not_nwb_is_unknown() {
    for name in ["not_nwb.h5", "nix_like.h5"] {
        let p = layout(name);
        assert_eq!((rawio_nwb::FORMAT.sniff)(&p), 0, "{name}");
        let e = NwbReader::open(&p).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnknownFormat, "{name}");
    }
    // SpikeLab's bare units exports have no NWB attribute but NWB's `units` group: NWB
    assert_eq!((rawio_nwb::FORMAT.sniff)(&fixture("bare_units.h5")), 40);
}
