#!/usr/bin/env python3
"""Write the NWB fixtures of issue 13 into testdata/nwb/ (seeded): files as other labs write
them (timestamped series, spike event series, MatNWB's NWB 2.0b region references), partial
damage, and HDF5 files that are not NWB.

    PY=$(shared/oracle/setup.sh)
    $PY testdata/generate/nwb_layouts.py     # writes testdata/nwb/layouts/* and their goldens

Goldens (testdata/nwb/golden/layouts/):
  timestamps.nwb.json   nwb_dump.py --full (h5py only)
  *.truth.json          the generator's truth, for files nwb_dump.py cannot read (region
                        references, the damaged index) or that are not NWB

Files (pynwb 4.2 / hdmf 6.2 / h5py 3.16):
  timestamps.nwb   pynwb: series with explicit `timestamps` everywhere NWB puts series: an
                   acquisition ElectricalSeries (int16 1500 x 4, jittered 1 kHz clock), an LFP
                   container and a FilteredEphys container in processing/ecephys (float32,
                   irregular times), a stimulus TimeSeries; a TimeSeries whose group states a
                   `rate` attribute (nominal rate "stated"); a TTL-like TimeSeries whose
                   timestamps repeat (events); SpikeEventSeries of shape (events, channels,
                   samples) and (events, samples), the latter stored unsorted in time; a
                   regular ElectricalSeries the snippets were cut from; a 2-unit Units table.
  matnwb_2_0b.nwb  h5py, as MatNWB (2018) writes NWB 2.0b: `nwb_version` "2.0b", the Units
                   ragged index `spike_times_index` and `electrodes_index` as dataset region
                   references (hyperslabs of `spike_times` / `electrodes`), the Units
                   `electrodes` column and the ElectricalSeries `electrodes` as region
                   references into the electrodes table, an ElectricalSeries with
                   `starting_time`, a trials table.
  damaged.nwb      h5py: 3 Units-like tables of which /units has a `spike_times_index` pointing
                   past its data; a regular series, an interval table; /general/subject is an
                   external link to a file that does not exist. Everything but the bad table
                   and the dangling link must read.
  not_nwb.h5       plain HDF5 (a dataset and a group, no NWB attribute or group).
  nix_like.h5      HDF5 with NIX's root attributes (`format` = "nix") and groups.
"""
import datetime
import json
import os
import subprocess
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nwb_fixtures import nwb_root  # noqa: E402  (the NWB root attributes, written by hand)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "nwb", "layouts"))
GOLDEN = os.path.normpath(os.path.join(HERE, "..", "nwb", "golden", "layouts"))
DUMP = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "oracle", "nwb_dump.py"))
START = datetime.datetime(2024, 5, 17, 9, 30, tzinfo=datetime.timezone.utc)


def timestamps(path):
    from pynwb import NWBHDF5IO, NWBFile, TimeSeries
    from pynwb.ecephys import LFP, ElectricalSeries, FilteredEphys, SpikeEventSeries

    rng = np.random.default_rng(13)
    nwb = NWBFile(session_description="timestamped series", identifier="rawio-nwb-timestamps",
                  session_start_time=START)
    dev = nwb.create_device(name="probe")
    grp = nwb.create_electrode_group(name="shank0", description="shank", location="CA1",
                                     device=dev)
    for i in range(6):
        nwb.add_electrode(group=grp, location="CA1", id=100 + i)
    # acquisition: int16 on a jittered 1 kHz clock (explicit, strictly increasing)
    n = 1500
    t = 0.25 + np.arange(n) / 1000.0 + rng.uniform(-2e-4, 2e-4, n)
    es = ElectricalSeries(name="raw", data=(rng.normal(0, 200, (n, 4))).astype(np.int16),
                          electrodes=nwb.create_electrode_table_region([0, 1, 2, 3], "raw"),
                          timestamps=t, conversion=2.5e-6)
    nwb.add_acquisition(es)
    mod = nwb.create_processing_module(name="ecephys", description="processed")
    tl = np.cumsum(rng.uniform(0.009, 0.011, 120)) + 0.3
    lfp = ElectricalSeries(name="lfp", data=rng.normal(0, 1e-4, (120, 2)).astype(np.float32),
                           electrodes=nwb.create_electrode_table_region([4, 5], "lfp"),
                           timestamps=tl)
    mod.add(LFP(electrical_series=lfp))
    filt = ElectricalSeries(name="filtered", data=rng.normal(0, 1e-4, 120).astype(np.float32),
                            electrodes=nwb.create_electrode_table_region([0], "filtered"),
                            timestamps=tl)
    mod.add(FilteredEphys(electrical_series=filt))
    ts = np.sort(rng.uniform(0.2, 1.9, 40))
    nwb.add_stimulus(TimeSeries(name="stim", data=np.arange(40, dtype=np.uint16), unit="V",
                                timestamps=ts, conversion=0.01))
    # a stated rate beside the timestamps
    nwb.add_acquisition(TimeSeries(name="stated_rate", data=np.arange(10.0), unit="a.u.",
                                   timestamps=0.5 + np.arange(10) / 20.0))
    # TTL-like: line numbers, rising and falling at the same time
    ttl_t = np.repeat([0.4, 0.6, 0.9], 2)
    nwb.add_acquisition(TimeSeries(name="ttl", data=np.array([1, 2, -1, -2, 1, -1], np.int8),
                                   unit="n/a", timestamps=ttl_t))
    # the regular series the snippets are cut from (30 kHz), then the snippets
    nwb.add_acquisition(ElectricalSeries(
        name="source", data=np.zeros((600, 4), np.int16), starting_time=0.25, rate=30000.0,
        electrodes=nwb.create_electrode_table_region([0, 1, 2, 3], "source")))
    st3 = np.sort(rng.uniform(0.3, 1.5, 7))
    nwb.add_acquisition(SpikeEventSeries(
        name="tetrode", data=rng.integers(-300, 300, (7, 4, 32)).astype(np.int16),
        timestamps=st3, conversion=2.5e-6,
        electrodes=nwb.create_electrode_table_region([0, 1, 2, 3], "tetrode")))
    st2 = np.array([1.1, 0.5, 0.8, 1.6])  # stored unsorted
    nwb.add_acquisition(SpikeEventSeries(
        name="single", data=rng.normal(0, 1e-4, (4, 20)).astype(np.float32), timestamps=st2,
        electrodes=nwb.create_electrode_table_region([1], "single")))
    nwb.add_unit(spike_times=[0.5, 0.9], id=1)
    nwb.add_unit(spike_times=[1.2], id=2)
    with NWBHDF5IO(path, "w") as io:
        io.write(nwb, cache_spec=False)  # small: no cached schema
    with h5py.File(path, "a") as f:
        f["acquisition/stated_rate"].attrs["rate"] = 20.0


def region_refs(ds, runs):
    """Region references to ds[a:b] for each (a, b) of `runs`."""
    return [ds.regionref[a:b] for a, b in runs]


def matnwb(path):
    rng = np.random.default_rng(2018)
    with h5py.File(path, "w") as f:
        nwb_root(f, "rawio-nwb-matnwb-2.0b")
        f.attrs["nwb_version"] = "2.0b"
        f.attrs["help"] = "an NWB:N file for storing cellular-based neurophysiology data"
        el = f.create_group("general/extracellular_ephys/electrodes")
        el.attrs["neurodata_type"] = "DynamicTable"
        el.attrs["colnames"] = np.array(["x", "location"], dtype=h5py.string_dtype())
        el.attrs["description"] = "electrodes"
        ids = el.create_dataset("id", data=np.arange(20, 26, dtype=np.int32))
        el.create_dataset("x", data=np.arange(6, dtype=np.float64) * 10)
        el.create_dataset("location", data=np.array(["CA1"] * 6, dtype=h5py.string_dtype()))
        dt = h5py.regionref_dtype
        # an ElectricalSeries on rows 1..4, its electrodes one region reference per row
        g = f.create_group("acquisition/es")
        g.attrs["neurodata_type"] = "ElectricalSeries"
        data = (np.arange(800 * 4) % 97 - 48).astype(np.int16).reshape(800, 4)
        d = g.create_dataset("data", data=data)
        d.attrs["conversion"] = 1e-6
        d.attrs["unit"] = "volts"
        st = g.create_dataset("starting_time", data=1.0)
        st.attrs["rate"] = 2000.0
        er = g.create_dataset("electrodes", (4,), dtype=dt)
        er[:] = region_refs(ids, [(1, 2), (2, 3), (3, 4), (4, 5)])
        er.attrs["neurodata_type"] = "DynamicTableRegion"
        er.attrs["table"] = el.ref
        # Units: spike_times with a region-reference index (3 units, the second empty)
        u = f.create_group("units")
        u.attrs["neurodata_type"] = "Units"
        u.attrs["colnames"] = np.array(["spike_times", "electrodes"], dtype=h5py.string_dtype())
        u.attrs["description"] = "units"
        u.create_dataset("id", data=np.array([7, 8, 9], dtype=np.int32))
        times = np.array([1.05, 1.10, 1.32, 1.21, 1.20])  # unit 9 stored unsorted
        stds = u.create_dataset("spike_times", data=times)
        idx = u.create_dataset("spike_times_index", (3,), dtype=dt)
        idx[:] = region_refs(stds, [(0, 3), (3, 3), (3, 5)])
        idx.attrs["neurodata_type"] = "VectorIndex"
        ue = u.create_dataset("electrodes", (4,), dtype=dt)
        ue[:] = region_refs(ids, [(0, 1), (1, 2), (2, 3), (5, 6)])
        ue.attrs["neurodata_type"] = "DynamicTableRegion"
        ue.attrs["table"] = el.ref
        uei = u.create_dataset("electrodes_index", (3,), dtype=dt)
        uei[:] = region_refs(ue, [(0, 2), (2, 3), (3, 4)])
        tr = f.create_group("intervals/trials")
        tr.attrs["neurodata_type"] = "TimeIntervals"
        tr.attrs["colnames"] = np.array(["start_time", "stop_time"], dtype=h5py.string_dtype())
        tr.create_dataset("id", data=np.arange(2))
        tr.create_dataset("start_time", data=[1.0, 1.2])
        tr.create_dataset("stop_time", data=[1.1, 1.3])
    truth = {"units": {"ids": [7, 8, 9], "times": [[1.05, 1.10, 1.32], [], [1.20, 1.21]],
                       "electrodes": [[0, 1], [2], [5]], "electrode_ids": [[20, 21], [22], [25]]},
             "es": {"channel_ids": ["21", "22", "23", "24"], "sum": data.sum(axis=0).tolist(),
                    "rate": 2000.0, "t_start": 1.0},
             "trials": {"start": [1.0, 1.2], "stop": [1.1, 1.3]}}
    return truth


def damaged(path):
    with h5py.File(path, "w") as f:
        nwb_root(f, "rawio-nwb-damaged")
        f.create_group("general")
        f["general/subject"] = h5py.ExternalLink("missing_subject.nwb", "/general/subject")
        g = f.create_group("acquisition/series")
        g.attrs["neurodata_type"] = "TimeSeries"
        g.create_dataset("data", data=np.arange(500, dtype=np.int16))
        st = g.create_dataset("starting_time", data=0.5)
        st.attrs["rate"] = 100.0

        def units(path, times, index):
            u = f.create_group(path)
            u.attrs["neurodata_type"] = "Units"
            u.attrs["colnames"] = np.array(["spike_times"], dtype=h5py.string_dtype())
            u.create_dataset("id", data=np.arange(len(index)))
            u.create_dataset("spike_times", data=np.array(times))
            u.create_dataset("spike_times_index", data=np.array(index, dtype=np.uint32))

        units("units", [0.6, 0.7, 0.8], [2, 9])  # the index points past the 3 times
        units("processing/sorted/units_a", [0.55, 0.65, 1.2], [1, 3])
        units("processing/sorted/units_b", [1.0], [1])
        tr = f.create_group("intervals/trials")
        tr.attrs["neurodata_type"] = "TimeIntervals"
        tr.create_dataset("id", data=np.arange(2))
        tr.create_dataset("start_time", data=[0.5, 1.0])
        tr.create_dataset("stop_time", data=[0.9, 1.4])
    return {"not_read": [{"path": "/general/subject", "kind": "not_found"},
                         {"path": "/units", "kind": "corrupt"}],
            "streams": ["/acquisition/series"],
            "units": ["processing/sorted/units_a:0", "processing/sorted/units_a:1",
                      "processing/sorted/units_b:0"],
            "events": ["/intervals/trials"]}


def not_nwb(path, nix_like):
    with h5py.File(path, "w") as f:
        if nix_like:
            f.attrs["format"] = "nix"
            f.attrs["version"] = np.array([1, 2, 1], dtype=np.int32)
            f.create_group("data/block")
            f.create_group("metadata")
        else:
            f.create_dataset("x", data=np.arange(10.0))
            f.create_group("stuff").create_dataset("y", data=np.arange(3))
    return {"nwb": False}


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(GOLDEN, exist_ok=True)
    timestamps(os.path.join(OUT, "timestamps.nwb"))
    truths = {
        "matnwb_2_0b.nwb": matnwb(os.path.join(OUT, "matnwb_2_0b.nwb")),
        "damaged.nwb": damaged(os.path.join(OUT, "damaged.nwb")),
        "not_nwb.h5": not_nwb(os.path.join(OUT, "not_nwb.h5"), False),
        "nix_like.h5": not_nwb(os.path.join(OUT, "nix_like.h5"), True),
    }
    for name, truth in truths.items():
        with open(os.path.join(GOLDEN, f"{name}.truth.json"), "w") as fh:
            json.dump(truth, fh, indent=1)
            fh.write("\n")
    if os.path.isfile(DUMP):
        out = subprocess.run([sys.executable, DUMP, "timestamps.nwb", "--full"], cwd=OUT,
                             check=True, capture_output=True, text=True).stdout
        with open(os.path.join(GOLDEN, "timestamps.nwb.json"), "w") as fh:
            fh.write(out)


if __name__ == "__main__":
    main()
