#!/usr/bin/env python3
"""Write the small NWB fixtures of the `rawio-nwb` tests into testdata/nwb/ (seeded).

    PY=$(shared/oracle/setup.sh)
    $PY testdata/generate/nwb_fixtures.py            # writes testdata/nwb/*.nwb|h5
    for f in testdata/nwb/*.nwb testdata/nwb/*.h5; do
        $PY shared/oracle/nwb_dump.py "$f" --full > testdata/nwb/golden/$(basename "$f").json
    done

Files (pynwb 4.2 / hdmf 6.2 / h5py 3.16 unless said otherwise):
  ecephys.nwb       ElectricalSeries int16 30000x8 at 30 kHz, conversion/offset/channel_conversion,
                    gzip+shuffle chunked (1000, 8), rows 2..9 of a 10-row electrodes table (ids
                    200..209, `channel_name`); LFP float32 in processing/ecephys; a timestamps
                    TimeSeries; a uint16 stimulus TimeSeries; a 3-D TimeSeries; an AnnotationSeries;
                    an EventsTable; Units (empty unit, 1-spike unit, unsorted unit, text/float/ragged
                    columns, electrodes, obs_intervals, waveform_mean, doubly ragged waveforms);
                    trials (bool + text columns) and epochs (tags).
  external_link.nwb /acquisition/linked_raw whose data is an HDF5 external link to ecephys.nwb.
  missing_link.nwb  like external_link.nwb, but the link target file does not exist.
  latest.h5         h5py libver="latest" (superblock v3), NWB attributes written by hand: a regular
                    ElectricalSeries (gzip, fletcher32), an LZF-compressed TimeSeries, units.
  lzf.h5            default libver, one LZF TimeSeries (int16, 4000 samples at 500 Hz).
  blosc.h5          lzf.h5's LZF filter id byte-patched to 32001 (Blosc): must be refused.
  --bench PATH      (not a fixture) the 240 MB gzip file of benches/read_chunks.rs.
  bare_units.h5     SpikeLab's export: /units/spike_times + spike_times_index, no NWB attributes.
"""
import datetime
import os
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "nwb"))


def ecephys(path):
    from hdmf.backends.hdf5.h5_utils import H5DataIO
    from pynwb import NWBHDF5IO, NWBFile, TimeSeries
    from pynwb.ecephys import LFP, ElectricalSeries
    from pynwb.misc import AnnotationSeries
    from pynwb.file import Subject

    rng = np.random.default_rng(20240517)
    start = datetime.datetime(2024, 5, 17, 9, 30, 0, 123000,
                              tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    nwb = NWBFile(session_description="rawio-nwb fixture", identifier="rawio-nwb-ecephys",
                  session_start_time=start, experimenter=["Doe, Jane"], lab="rawio lab",
                  institution="rawio", session_id="S1")
    nwb.subject = Subject(subject_id="mouse1", species="Mus musculus", sex="F", age="P90D")
    dev = nwb.create_device(name="probe0", description="test probe")
    shanks = [nwb.create_electrode_group(name=f"shank{i}", description=f"shank {i}",
                                         location="CA1", device=dev) for i in range(2)]
    nwb.add_electrode_column(name="channel_name", description="channel name")
    for i in range(10):
        nwb.add_electrode(group=shanks[i // 5], location="CA1", x=float(i), y=2.0 * i, z=0.0,
                          channel_name=f"ch{i:02d}", id=200 + i)
    region = nwb.create_electrode_table_region(list(range(2, 10)), "rows 2..9")
    n, c = 30000, 8
    t = np.arange(n) / 30000.0
    data = (np.sin(2 * np.pi * 7 * t)[:, None] * 800 + rng.normal(0, 60, (n, c))).astype(np.int16)
    cc = np.linspace(0.9, 1.6, c).astype(np.float32)
    es = ElectricalSeries(name="ElectricalSeries",
                          data=H5DataIO(data, compression="gzip", compression_opts=4,
                                        shuffle=True, chunks=(1000, c)),
                          electrodes=region, starting_time=0.5, rate=30000.0,
                          conversion=1.95e-7, offset=-1.5e-5, channel_conversion=cc,
                          filtering="none")
    nwb.add_acquisition(es)
    lfp_region = nwb.create_electrode_table_region([0, 1, 7, 9], "lfp rows")
    lfp_data = rng.normal(0, 1e-4, (1500, 4)).astype(np.float32)
    lfp_es = ElectricalSeries(name="LFP", data=lfp_data, electrodes=lfp_region,
                              starting_time=0.5, rate=1000.0)
    mod = nwb.create_processing_module(name="ecephys", description="processed")
    mod.add(LFP(electrical_series=lfp_es))
    ts = np.sort(rng.uniform(0.0, 1.4, 50))
    nwb.add_acquisition(TimeSeries(name="temperature", data=rng.normal(37, 0.2, 50),
                                   timestamps=ts, unit="degrees C"))
    nwb.add_stimulus(TimeSeries(name="stim", data=(np.arange(120) * 37 % 1000).astype(np.uint16),
                                starting_time=0.25, rate=100.0, unit="V", conversion=0.001))
    nwb.add_acquisition(TimeSeries(name="video_like",
                                   data=rng.normal(0, 1, (20, 3, 2)).astype(np.float32),
                                   starting_time=0.0, rate=10.0, unit="a.u."))
    ann = AnnotationSeries(name="notes", data=["start", "stim on", "stim off"],
                           timestamps=[0.6, 0.9, 1.2])
    nwb.add_acquisition(ann)
    try:
        from pynwb.event import EventsTable
        ev = EventsTable(name="rewards", description="reward deliveries")
        for tt, a in [(0.7, "small"), (1.1, "large")]:
            ev.add_event(timestamp=tt, annotation=a)
        nwb.add_events_table(ev)
    except Exception as exc:  # older pynwb
        print("no EventsTable:", exc, file=sys.stderr)

    # units: 10 normal (sorted), 11 empty, 12 one spike, 13 unsorted, 14 many
    spikes = {
        10: np.sort(rng.uniform(0.5, 1.5, 40)),
        11: np.array([]),
        12: np.array([1.0]),
        13: np.array([1.3, 0.6, 0.9, 1.1, 0.7]),
        14: np.sort(rng.uniform(0.5, 1.5, 120)),
    }
    from pynwb.misc import Units
    nwb.units = Units(name="units", description="sorted units", waveform_rate=30000.0,
                      waveform_unit="volts", resolution=1 / 30000.0)
    nwb.add_unit_column(name="quality", description="curation label")
    nwb.add_unit_column(name="snr", description="signal to noise")
    nwb.add_unit_column(name="amplitudes", description="per-spike amplitude", index=True)
    elec = {10: [2], 11: [3, 4], 12: [5], 13: [6, 7], 14: [8]}
    nsamp = 20
    for uid, st in spikes.items():
        k = len(elec[uid])
        wf = rng.normal(0, 1, (len(st), k, nsamp)).astype(np.float32)
        # waveforms: (n_spikes, n_electrodes, n_samples)? pynwb wants a list of spike events,
        # each a list of per-electrode waveforms
        nwb.add_unit(id=uid, spike_times=st, quality=["good", "noise", "mua", "good", "good"][uid - 10],
                     snr=float(uid) / 3.0, amplitudes=list(np.round(st * 10, 3)),
                     electrodes=elec[uid], obs_intervals=[[0.5, 1.0], [1.0, 1.5]] if uid != 14 else [[0.5, 1.5]],
                     waveform_mean=np.full(nsamp, uid, dtype=np.float32),
                     waveforms=wf)
    nwb.add_trial_column(name="correct", description="correct answer")
    nwb.add_trial_column(name="condition", description="text condition")
    for i in range(4):
        nwb.add_trial(start_time=0.5 + 0.25 * i, stop_time=0.7 + 0.25 * i,
                      correct=bool(i % 2), condition=["left", "right"][i % 2])
    nwb.add_epoch(start_time=0.5, stop_time=1.0, tags=["baseline", "quiet"], timeseries=[es, lfp_es])
    nwb.add_epoch(start_time=1.0, stop_time=1.5, tags=["task"], timeseries=[es])
    nwb.add_epoch(start_time=1.5, stop_time=1.6, tags=[], timeseries=[lfp_es])
    with NWBHDF5IO(path, "w") as io:
        io.write(nwb)


def external_link(path, target, name):
    """An NWB-shaped file whose /acquisition/linked_raw/data is an external link."""
    with h5py.File(path, "w") as f:
        f.attrs["neurodata_type"] = "NWBFile"
        f.attrs["namespace"] = "core"
        f.attrs["nwb_version"] = "2.8.0"
        f["identifier"] = "rawio-nwb-link"
        f["session_description"] = "external link fixture"
        f["session_start_time"] = "2024-05-17T09:30:00+02:00"
        g = f.create_group("acquisition/linked_raw")
        g.attrs["neurodata_type"] = "ElectricalSeries"
        g.attrs["namespace"] = "core"
        g["data"] = h5py.ExternalLink(target, "/acquisition/ElectricalSeries/data")
        st = g.create_dataset("starting_time", data=0.5)
        st.attrs["rate"] = 30000.0
        st.attrs["unit"] = "seconds"
        f.create_group("general")


def latest(path):
    rng = np.random.default_rng(7)
    with h5py.File(path, "w", libver="latest") as f:
        f.attrs["neurodata_type"] = "NWBFile"
        f.attrs["namespace"] = "core"
        f.attrs["nwb_version"] = np.bytes_(b"2.5.0")  # fixed-length, like IPNWB
        f.create_dataset("identifier", data=np.bytes_(b"latest-fixture"))
        f["session_start_time"] = "2024-01-02T03:04:05Z"
        g = f.create_group("acquisition/es")
        g.attrs["neurodata_type"] = "ElectricalSeries"
        data = (rng.normal(0, 300, (5000, 3))).astype(np.int32)
        d = g.create_dataset("data", data=data, chunks=(512, 3), compression="gzip",
                             fletcher32=True, maxshape=(None, 3))
        d.attrs["conversion"] = np.float32(0.5)
        d.attrs["unit"] = "volts"
        st = g.create_dataset("starting_time", data=2.0)
        st.attrs["rate"] = np.float32(1000.0)
        # compressible data, so every LZF chunk is really compressed
        lz = f.create_group("acquisition/lzf_series")
        lz.attrs["neurodata_type"] = "TimeSeries"
        ld = lz.create_dataset("data", data=(np.arange(4000) // 7).astype(np.int16), chunks=(500,),
                               compression="lzf")
        ld.attrs["unit"] = "mV"
        st = lz.create_dataset("starting_time", data=1.0)
        st.attrs["rate"] = 500.0
        u = f.create_group("units")
        u.attrs["neurodata_type"] = "Units"
        u.attrs["colnames"] = np.array(["spike_times"], dtype=h5py.string_dtype())
        u.create_dataset("id", data=np.array([3, 1], dtype=np.int32))
        u.create_dataset("spike_times", data=np.array([2.1, 2.5, 3.0, 4.9]))
        u.create_dataset("spike_times_index", data=np.array([1, 4], dtype=np.uint64))


def lzf_earliest(path):
    """A default-libver (v1 object headers, no checksums) file with one LZF TimeSeries."""
    with h5py.File(path, "w") as f:
        lz = f.create_group("acquisition/lzf_series")
        lz.attrs["neurodata_type"] = "TimeSeries"
        ld = lz.create_dataset("data", data=(np.arange(4000) // 7).astype(np.int16), chunks=(500,),
                               compression="lzf")
        ld.attrs["unit"] = "mV"
        st = lz.create_dataset("starting_time", data=1.0)
        st.attrs["rate"] = 500.0


def patch_filter(src, dst, old=32000, new=32001):
    """Copy src to dst replacing the filter id `old` in the filter pipeline message."""
    raw = bytearray(open(src, "rb").read())
    needle = old.to_bytes(2, "little")
    hits = [i for i in range(len(raw) - 1) if raw[i:i + 2] == needle]
    # the pipeline message: id (2), name length (2), flags (2), n client values (2), "lzf\0..."
    hits = [i for i in hits if b"lzf" in raw[i + 2:i + 16]]
    assert len(hits) == 1, hits
    raw[hits[0]:hits[0] + 2] = new.to_bytes(2, "little")
    open(dst, "wb").write(bytes(raw))


def bare_units(path):
    with h5py.File(path, "w") as f:
        f.create_dataset("units/spike_times", data=np.array([0.1, 0.2, 0.35, 0.05, 0.9, 0.4]))
        f.create_dataset("units/spike_times_index", data=np.array([3, 3, 6], dtype=np.int64))


def bench_file(path, seconds=20, channels=384, rate=30000):
    """The large gzip ElectricalSeries of the criterion bench (not committed): int16,
    `seconds` s x `channels` at `rate` Hz, chunks (rate // 10, 64), gzip 4 + shuffle, written
    one second at a time. 20 s x 384 ch = 461 MB of samples, a 240 MB file."""
    rng = np.random.default_rng(1)
    n = seconds * rate
    with h5py.File(path, "w") as f:
        f.attrs["neurodata_type"] = "NWBFile"
        g = f.create_group("acquisition/ElectricalSeries")
        g.attrs["neurodata_type"] = "ElectricalSeries"
        d = g.create_dataset("data", shape=(n, channels), dtype=np.int16,
                             chunks=(rate // 10, 64), compression="gzip", compression_opts=4,
                             shuffle=True)
        d.attrs["conversion"] = 1.95e-7
        d.attrs["unit"] = "volts"
        st = g.create_dataset("starting_time", data=0.0)
        st.attrs["rate"] = float(rate)
        slow = np.sin(np.arange(rate) / rate * 2 * np.pi * 8)[:, None] * 400
        for s in range(seconds):
            d[s * rate:(s + 1) * rate] = (slow + rng.normal(0, 40, (rate, channels))).astype(np.int16)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--bench":
        bench_file(sys.argv[2])
        return
    os.makedirs(os.path.join(OUT, "golden"), exist_ok=True)
    ecephys(os.path.join(OUT, "ecephys.nwb"))
    external_link(os.path.join(OUT, "external_link.nwb"), "ecephys.nwb", "linked_raw")
    external_link(os.path.join(OUT, "missing_link.nwb"), "does_not_exist.nwb", "linked_raw")
    latest(os.path.join(OUT, "latest.h5"))
    lzf_earliest(os.path.join(OUT, "lzf.h5"))
    patch_filter(os.path.join(OUT, "lzf.h5"), os.path.join(OUT, "blosc.h5"))
    bare_units(os.path.join(OUT, "bare_units.h5"))


if __name__ == "__main__":
    main()
