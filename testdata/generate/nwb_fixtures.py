#!/usr/bin/env python3
"""Write the small NWB fixtures of the `rawio-nwb` tests into testdata/nwb/ (seeded).

    PY=$(shared/oracle/setup.sh)
    $PY testdata/generate/nwb_fixtures.py            # writes testdata/nwb/*.nwb|h5
    DUMP=$PWD/../shared/oracle/nwb_dump.py; cd testdata/nwb
    # goldens name their source file relative to its directory; missing_link.nwb and blosc.h5
    # have none (nwb_dump.py cannot read them either)
    for f in *.nwb *.h5 extlink/*.nwb; do
        case $f in missing_link.nwb|blosc.h5) continue ;; esac
        (cd "$(dirname "$f")" && $PY "$DUMP" "$(basename "$f")" --full) > "golden/$f.json"
    done

Needs hdf5plugin (Zstd and Blosc fixtures), e.g. `pip install --target /tmp/h5plugin hdf5plugin`
and PYTHONPATH=/tmp/h5plugin; nwb_dump.py then reads zstd.h5 with
HDF5_PLUGIN_PATH=$(python -c 'import hdf5plugin; print(hdf5plugin.PLUGIN_PATH)').

Files (pynwb 4.2 / hdmf 6.2 / h5py 3.16 unless said otherwise):
  ecephys.nwb       ElectricalSeries int16 30000x8 at 30 kHz, conversion/offset/channel_conversion,
                    gzip+shuffle chunked (1000, 8), rows 2..9 of a 10-row electrodes table (ids
                    200..209, `channel_name`); LFP float32 in processing/ecephys; a timestamps
                    TimeSeries; a uint16 stimulus TimeSeries; a 3-D TimeSeries; an AnnotationSeries;
                    an EventsTable; Units (empty unit, 1-spike unit, unsorted unit, text/float/ragged
                    columns, electrodes, obs_intervals, waveform_mean, doubly ragged waveforms);
                    trials (bool + text columns) and epochs (tags).
  extlink/          a linked pair in its own directory (so the robustness kit copies both):
                    external_link.nwb, whose /acquisition/linked_raw/data is an HDF5 external link
                    to extlink/raw.nwb's ElectricalSeries data and whose /acquisition/linked_series
                    is an external link to that whole ElectricalSeries group; raw.nwb (int16
                    3000x4 gzip, 10 kHz, starting at 0.5 s).
  missing_link.nwb  like external_link.nwb, but the link target file does not exist.
  latest.h5         h5py libver="latest" (superblock v3), NWB attributes written by hand: a regular
                    ElectricalSeries (gzip, fletcher32), an LZF-compressed TimeSeries, units.
  lzf.h5            default libver, one LZF TimeSeries (int16, 4000 samples at 500 Hz).
  blosc.h5          a TimeSeries compressed with hdf5plugin.Blosc (filter 32001): must be refused.
  zstd.h5           hdf5plugin.Zstd (filter 32015): an int16 TimeSeries (4000 at 500 Hz, chunks of
                    500) and a float32 (600, 3) one with shuffle + Zstd, both compressible.
  superblock_v1.h5, superblock_v2.h5
                    superblock versions 1 (H5Pset_istore_k through ctypes) and 2 (libver v108):
                    an int16 (3000, 2) gzip TimeSeries in chunks of 100 and a 2-unit table.
  softlinks_earliest.h5, softlinks_latest.h5
                    soft links in an old-style (symbol table) group and, with libver="latest" and
                    more than 8 links, in a dense-link group: /acquisition/alias_head -> the
                    SpatialSeries /processing/behavior/Position/head (the alias sorts first),
                    /acquisition/events_b/timestamps -> /acquisition/events_a/timestamps (shared
                    timestamps), /analysis/units_alias -> /units.
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
    # observation intervals: overlapping (10), none (11), unsorted (12), touching (13), and one
    # reaching past every other object of the file (14: the segment ends at 2.5 because of it)
    obs = {10: [[0.5, 0.8], [0.7, 1.0], [1.2, 1.5]], 11: np.zeros((0, 2)), 12: [[1.5, 1.6], [0.9, 1.1]],
           13: [[0.5, 1.0], [1.0, 1.5]], 14: [[0.5, 2.5]]}
    for uid, st in spikes.items():
        k = len(elec[uid])
        wf = rng.normal(0, 1, (len(st), k, nsamp)).astype(np.float32)
        # waveforms: (n_spikes, n_electrodes, n_samples)? pynwb wants a list of spike events,
        # each a list of per-electrode waveforms
        nwb.add_unit(id=uid, spike_times=st, quality=["good", "noise", "mua", "good", "good"][uid - 10],
                     snr=float(uid) / 3.0, amplitudes=list(np.round(st * 10, 3)),
                     electrodes=elec[uid], obs_intervals=obs[uid],
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
        # an electrodes table with a `label` column (no `channel_name`) and int32 ids; the
        # series uses rows [2, 0, 1] (uint8 region)
        el = f.create_group("general/extracellular_ephys/electrodes")
        el.attrs["neurodata_type"] = "DynamicTable"
        el.attrs["colnames"] = np.array(["label", "location"], dtype=h5py.string_dtype())
        el.create_dataset("id", data=np.array([10, 11, 12], dtype=np.int32))
        el.create_dataset("label", data=np.array(["a", "b", "c"], dtype=h5py.string_dtype()))
        el.create_dataset("location", data=np.array(["CA3"] * 3, dtype=h5py.string_dtype()))
        er = g.create_dataset("electrodes", data=np.array([2, 0, 1], dtype=np.uint8))
        er.attrs["neurodata_type"] = "DynamicTableRegion"
        er.attrs["table"] = el.ref
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


def nwb_root(f, identifier):
    """The NWB root attributes and required datasets, written by hand."""
    f.attrs["neurodata_type"] = "NWBFile"
    f.attrs["namespace"] = "core"
    f.attrs["nwb_version"] = "2.8.0"
    f["identifier"] = identifier
    f["session_description"] = "rawio-nwb fixture"
    f["session_start_time"] = "2024-05-17T09:30:00+02:00"


def regular_series(parent, name, data, start, rate, unit="a.u.", ntype="TimeSeries", **kw):
    g = parent.create_group(name)
    g.attrs["neurodata_type"] = ntype
    g.attrs["namespace"] = "core"
    d = g.create_dataset("data", data=data, **kw)
    d.attrs["unit"] = unit
    d.attrs["conversion"] = 1.0
    st = g.create_dataset("starting_time", data=float(start))
    st.attrs["rate"] = float(rate)
    st.attrs["unit"] = "seconds"
    return g


def zstd(path):
    """hdf5plugin's Zstd (filter 32015) on compressible data, with and without shuffle."""
    import hdf5plugin
    with h5py.File(path, "w") as f:
        nwb_root(f, "rawio-nwb-zstd")
        acq = f.create_group("acquisition")
        regular_series(acq, "zstd_series", (np.arange(4000) // 7).astype(np.int16), 1.0, 500.0,
                       unit="mV", chunks=(500,), **hdf5plugin.Zstd(clevel=5))
        t = np.arange(600)[:, None] / 600.0
        x = np.round(np.hstack([np.sin(2 * np.pi * t), np.cos(2 * np.pi * t), t]) * 64) / 64
        regular_series(acq, "zstd_shuffle", x.astype(np.float32), 0.5, 200.0, unit="volts",
                       chunks=(200, 3), shuffle=True, **hdf5plugin.Zstd(clevel=3))
    with h5py.File(path, "r") as f:  # the filters really are in the pipeline
        for n in ("zstd_series", "zstd_shuffle"):
            plist = f[f"acquisition/{n}/data"].id.get_create_plist()
            ids = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
            assert 32015 in ids, ids


def blosc(path):
    """hdf5plugin's Blosc (filter 32001): not decoded by rawio-nwb, refused by name."""
    import hdf5plugin
    with h5py.File(path, "w") as f:
        nwb_root(f, "rawio-nwb-blosc")
        regular_series(f.create_group("acquisition"), "blosc_series",
                       (np.arange(4000) // 7).astype(np.int16), 1.0, 500.0, chunks=(500,),
                       **hdf5plugin.Blosc(cname="lz4", clevel=5))


def softlinks(path, libver):
    """Soft links to a group, a dataset and a table. libver="earliest": old-style groups (symbol
    tables); "latest": /acquisition holds more than 8 links, so they are stored densely
    (fractal heap + v2 B-tree)."""
    with h5py.File(path, "w", libver=libver) as f:
        nwb_root(f, f"rawio-nwb-softlinks-{libver}")
        pos = f.create_group("processing/behavior/Position")
        x = np.stack([np.linspace(0, 1, 200), np.linspace(1, 0, 200)], axis=1)
        regular_series(pos, "head", x, 0.0, 50.0, unit="m", ntype="SpatialSeries")
        acq = f.create_group("acquisition")
        for i in range(10 if libver == "latest" else 2):
            regular_series(acq, f"series{i:02d}", (np.arange(50) * (i + 1)).astype(np.int16),
                           0.1 * i, 100.0)
        acq["alias_head"] = h5py.SoftLink("/processing/behavior/Position/head")
        for name in ("events_a", "events_b"):
            g = acq.create_group(name)
            g.attrs["neurodata_type"] = "TimeSeries"
            g.create_dataset("data", data=np.arange(20, dtype=np.float64) + (name == "events_b"))
        ts = acq["events_a"].create_dataset("timestamps", data=np.linspace(0.5, 3.5, 20))
        ts.attrs["unit"] = "seconds"
        acq["events_b"]["timestamps"] = h5py.SoftLink("/acquisition/events_a/timestamps")
        u = f.create_group("units")
        u.attrs["neurodata_type"] = "Units"
        u.attrs["colnames"] = np.array(["spike_times"], dtype=h5py.string_dtype())
        u.create_dataset("id", data=np.array([5, 6], dtype=np.int64))
        u.create_dataset("spike_times", data=np.array([0.25, 1.0, 2.0]))
        u.create_dataset("spike_times_index", data=np.array([2, 3], dtype=np.uint8))
        f.create_group("analysis")["units_alias"] = h5py.SoftLink("/units")
    with h5py.File(path, "r") as f:
        acq = f["acquisition"]
        assert isinstance(acq.get("alias_head", getlink=True), h5py.SoftLink)
        if libver == "latest":
            assert len(acq) > 8


def superblock_file(path, version):
    """A small NWB-shaped file with superblock `version` 1 or 2 (v0 is h5py's default, v3 is
    libver="latest"): a chunked gzip TimeSeries (the chunk B-tree is what superblock v1's
    indexed-storage K changes) and a units table. v1 needs H5Pset_istore_k, which h5py does
    not wrap: it is called on h5py's own libhdf5 through ctypes."""
    import ctypes
    import glob
    from h5py import h5f, h5p
    if version == 1:
        libdir = os.path.join(os.path.dirname(h5py.__file__), "..", "h5py.libs")
        libs = glob.glob(os.path.join(libdir, "libhdf5-*")) or ["libhdf5.so"]
        lib = ctypes.CDLL(libs[0])
        fcpl = h5p.create(h5p.FILE_CREATE)
        assert lib.H5Pset_istore_k(ctypes.c_int64(fcpl.id), ctypes.c_uint(64)) >= 0
        fapl = h5p.create(h5p.FILE_ACCESS)
        fapl.set_libver_bounds(h5f.LIBVER_EARLIEST, h5f.LIBVER_V18)
        f = h5py.File(h5f.create(path.encode(), h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl))
    else:
        f = h5py.File(path, "w", libver=("v108", "v108"))
    with f:
        nwb_root(f, f"rawio-nwb-superblock-v{version}")
        data = ((np.arange(6000) % 200) - 100).astype(np.int16).reshape(3000, 2)
        regular_series(f.create_group("acquisition"), "series", data, 0.25, 1000.0,
                       unit="volts", chunks=(100, 2), compression="gzip")
        u = f.create_group("units")
        u.attrs["neurodata_type"] = "Units"
        u.create_dataset("id", data=np.array([1, 2], dtype=np.int16))
        u.create_dataset("spike_times", data=np.array([0.5, 1.5, 2.5]))
        u.create_dataset("spike_times_index", data=np.array([1, 3], dtype=np.uint16))
    with open(path, "rb") as fh:
        assert fh.read(9)[8] == version, path


def extlink_pair(directory):
    """raw.nwb (a small gzip ElectricalSeries) and external_link.nwb linking to it."""
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(11)
    with h5py.File(os.path.join(directory, "raw.nwb"), "w") as f:
        nwb_root(f, "rawio-nwb-extlink-target")
        data = (np.sin(np.arange(3000) / 50.0)[:, None] * 500
                + rng.normal(0, 20, (3000, 4))).astype(np.int16)
        regular_series(f.create_group("acquisition"), "ElectricalSeries", data, 0.5, 10000.0,
                       unit="volts", ntype="ElectricalSeries", chunks=(1000, 4),
                       compression="gzip")
    external_link(os.path.join(directory, "external_link.nwb"), "raw.nwb", "linked_raw")
    with h5py.File(os.path.join(directory, "external_link.nwb"), "a") as f:
        f["acquisition/linked_series"] = h5py.ExternalLink("raw.nwb",
                                                           "/acquisition/ElectricalSeries")


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
    extlink_pair(os.path.join(OUT, "extlink"))
    external_link(os.path.join(OUT, "missing_link.nwb"), "does_not_exist.nwb", "linked_raw")
    latest(os.path.join(OUT, "latest.h5"))
    lzf_earliest(os.path.join(OUT, "lzf.h5"))
    blosc(os.path.join(OUT, "blosc.h5"))
    zstd(os.path.join(OUT, "zstd.h5"))
    superblock_file(os.path.join(OUT, "superblock_v1.h5"), 1)
    superblock_file(os.path.join(OUT, "superblock_v2.h5"), 2)
    softlinks(os.path.join(OUT, "softlinks_earliest.h5"), "earliest")
    softlinks(os.path.join(OUT, "softlinks_latest.h5"), "latest")
    bare_units(os.path.join(OUT, "bare_units.h5"))


if __name__ == "__main__":
    main()
