#!/usr/bin/env python3
"""Fixtures and goldens for the loaders of the `spikedata` crate (SpikeLab's
`load_spikedata_from_hdf5` / `_nwb` / `_kilosort`).

Writes small seeded files into testdata/spikedata/loaders/:

  HDF5 (h5py), SpikeLab's four styles
    raster.h5              int32 raster 5x120, root attrs start_time=-50 / length_ms, raw + raw_time (s)
    ragged_s.h5            gzip-chunked float64 seconds + uint64 cumulative-end index (an empty and an
                           unsorted unit), root attrs start_time=0 / length_ms=5000
    ragged_lz_samples.h5   /sorting/{times int64 samples @30 kHz, index int32 leading-zero (N+1)}
    ragged_first_empty.h5  SpikeLab's own ragged export of a SpikeData whose first unit is empty:
                           its loader reads it back with one unit less (wrong)
    group.h5               /units/0..11 float32 ms, root attr start_time=100 (natural key order)
    group_samples.h5       /spikes/{unit_1, unit_2, unit_10} int32 samples @20 kHz
    group_negative.h5      event-centred (start_time=-10) spikes all negative, no length_ms:
                           spikelab rejects its own default window
    paired.h5              int16 idces with sparse ids {0,1,3,5} + uint32 samples @25 kHz,
                           root attr length_ms=2000

  NWB (pynwb)
    nwb_units.nwb          units ids [3,7,8,15] with electrodes (rows != ids), electrode_group,
                           obs_intervals, custom columns (text, float, int, bool, waveform_mean),
                           one unsorted train; electrodes ids [10,11,12,20,21,22]; an
                           ElectricalSeries; epochs
    nwb_session.nwb        units without obs_intervals or electrodes; epochs, trials, a regular
                           series ending at 35 s, a timestamped series ending at 39.5 s
    spikelab_export.nwb    SpikeLab's export_spikedata_to_nwb (a bare "units" HDF5 with root attrs)
    nwb_leading_zero.h5    bare units whose spike_times_index / electrodes_index have N + 1
                           entries starting with 0

  KiloSort / Phy folders
    ks_info/               1-D arrays, sparse cluster ids, cluster_info.tsv with `ch` (phy's channel
                           index), group and KSLabel; channel_map that is not the identity
    ks_templates/          cluster_group.tsv only: channels from the dominant template's peak

then runs spikelab==0.1.2's loaders on every file (and on the real files of ../shared/testdata,
when present) and writes testdata/spikedata/loaders/goldens.json and real.json.

    /tmp/spikelab-venv/bin/pip install spikelab==0.1.2 pynapple==0.11.4 h5py pynwb
    /tmp/spikelab-venv/bin/python testdata/generate/spikedata_loader_fixtures.py

Floats are written with repr (exact round trip); NaN as null.
"""

import json
import os
import shutil
import tempfile
import warnings
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np
import spikelab
from spikelab.data_loaders import (
    load_spikedata_from_hdf5,
    load_spikedata_from_kilosort,
    load_spikedata_from_nwb,
)
from spikelab.data_loaders.data_exporters import (
    export_spikedata_to_hdf5,
    export_spikedata_to_nwb,
)
from spikelab.spikedata import SpikeData

from importlib.metadata import version

SPIKELAB = version("spikelab")  # SPIKELAB still says 0.1.1 in the 0.1.2 wheel
assert SPIKELAB == "0.1.2", SPIKELAB

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "testdata" / "spikedata" / "loaders"
SHARED = ROOT.parent / "shared" / "testdata"
OUT.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(20240607)


# ------------------------------------------------------------------------------------------
# JSON helpers
# ------------------------------------------------------------------------------------------


def js(v):
    """Any value spikelab returns, as JSON (objects by type and name)."""
    if isinstance(v, dict):
        return {str(k): js(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [js(x) for x in v]
    if isinstance(v, np.ndarray):
        return [js(x) for x in v.tolist()]
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return None if np.isnan(v) else v
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode()
    name = getattr(v, "name", None)
    return f"<{type(v).__name__}:{name}>"


def sd_json(sd):
    out = {
        "N": int(sd.N),
        "start_time": float(sd.start_time),
        "length": float(sd.length),
        "trains": [[float(x) for x in t] for t in sd.train],
        "neuron_attributes": js(sd.neuron_attributes),
        "metadata": js({k: v for k, v in sd.metadata.items()
                        if k not in ("source_file", "source_folder")}),
    }
    if sd.raw_data.size:
        out["raw"] = {
            "shape": list(sd.raw_data.shape),
            "data": [float(x) for x in np.asarray(sd.raw_data, dtype=float).ravel()],
            "time": [float(x) for x in np.asarray(sd.raw_time, dtype=float).ravel()],
        }
    return out


def run(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            res = {"result": sd_json(fn(*args, **kwargs))}
        except Exception as e:  # recorded: the Rust side pins the difference
            res = {"error": f"{type(e).__name__}: {e}"}
    res["warnings"] = [str(x.message) for x in w
                       if not issubclass(x.category, DeprecationWarning)]
    return res


# ------------------------------------------------------------------------------------------
# HDF5
# ------------------------------------------------------------------------------------------


def write_hdf5():
    cases = {}

    # raster
    raster = rng.poisson(0.3, size=(5, 120)).astype(np.int32)
    raster[1, :] = 0
    raster[2, 0] = 3
    raw = rng.normal(0, 10, size=(3, 240)).astype(np.float32)
    raw_time = (-50.0 + np.arange(240) * 1.25) / 1e3
    with h5py.File(OUT / "raster.h5", "w") as f:
        f.attrs["start_time"] = -50.0
        f.attrs["length_ms"] = 123.0
        f.attrs["gains"] = np.array([[0.5, 1.0], [2.0, 4.0]])  # array attributes (ignored)
        f["raster"] = raster
        f["raster"].attrs["shape_hint"] = np.array([5, 120], dtype=np.int16)
        f["raw"] = raw
        f["raw_time"] = raw_time
    kw = dict(raster_dataset="raster", raster_bin_size_ms=2.5, raw_dataset="raw",
              raw_time_dataset="raw_time", raw_time_unit="s")
    cases["raster"] = {"file": "raster.h5", "kwargs": kw}
    cases["raster_length_ignored"] = {"file": "raster.h5",
                                      "kwargs": dict(kw, length_ms=999.0)}

    # ragged, seconds, compressed
    n = 6
    trains = []
    for u in range(n):
        k = 0 if u == 3 else int(rng.integers(5, 40))
        t = np.sort(rng.uniform(0, 5, size=k))
        if u == 4:
            t = t[::-1].copy()  # stored unsorted
        trains.append(t)
    flat = np.concatenate(trains)
    index = np.cumsum([len(t) for t in trains]).astype(np.uint64)
    with h5py.File(OUT / "ragged_s.h5", "w") as f:
        f.attrs["start_time"] = 0.0
        f.attrs["length_ms"] = 5000.0
        f.create_dataset("spike_times", data=flat, compression="gzip", chunks=(16,), shuffle=True)
        f["spike_times_index"] = index
    cases["ragged_s"] = {"file": "ragged_s.h5", "kwargs": dict(
        spike_times_dataset="spike_times", spike_times_index_dataset="spike_times_index",
        spike_times_unit="s")}

    # ragged, samples, leading-zero index, in a group
    fs = 30000.0
    trains = [np.sort(rng.integers(0, 90000, size=int(rng.integers(3, 20)))) for _ in range(4)]
    trains[2] = np.array([], dtype=np.int64)
    flat = np.concatenate(trains).astype(np.int64)
    index = np.concatenate([[0], np.cumsum([len(t) for t in trains])]).astype(np.int32)
    with h5py.File(OUT / "ragged_lz_samples.h5", "w") as f:
        g = f.create_group("sorting")
        g["times"] = flat
        g["index"] = index
    cases["ragged_lz_samples"] = {"file": "ragged_lz_samples.h5", "n_units": 4, "kwargs": dict(
        spike_times_dataset="sorting/times", spike_times_index_dataset="sorting/index",
        spike_times_unit="samples", fs_Hz=fs)}

    # SpikeLab's own export, first unit empty
    sd = SpikeData([[], [1.0, 2.5, 3.0], [0.5, 4.0]], length=10.0)
    export_spikedata_to_hdf5(sd, str(OUT / "ragged_first_empty.h5"), style="ragged",
                             spike_times_unit="ms")
    cases["ragged_first_empty"] = {"file": "ragged_first_empty.h5", "n_units": 3,
                                   "truth": sd_json(sd), "kwargs": dict(
        spike_times_dataset="spike_times", spike_times_index_dataset="spike_times_index",
        spike_times_unit="ms")}

    # group per unit, ms float32, 12 units
    with h5py.File(OUT / "group.h5", "w") as f:
        f.attrs["start_time"] = 100.0
        g = f.create_group("units")
        for u in range(12):
            k = int(rng.integers(0, 15))
            g[str(u)] = np.sort(rng.uniform(100, 900, size=k)).astype(np.float32)
    cases["group"] = {"file": "group.h5", "kwargs": dict(group_per_unit="units",
                                                       group_time_unit="ms")}

    with h5py.File(OUT / "group_samples.h5", "w") as f:
        g = f.create_group("spikes")
        for name in ["unit_10", "unit_2", "unit_1"]:
            g[name] = np.sort(rng.integers(0, 40000, size=int(rng.integers(2, 12)))).astype(np.int32)
    cases["group_samples"] = {"file": "group_samples.h5", "kwargs": dict(
        group_per_unit="spikes", group_time_unit="samples", fs_Hz=20000.0)}

    # event-centred, all spikes negative, no length_ms: spikelab's default length is short
    with h5py.File(OUT / "group_negative.h5", "w") as f:
        f.attrs["start_time"] = -10.0
        g = f.create_group("units")
        g["0"] = np.array([-7.0, -5.0])
        g["1"] = np.array([-9.5])
    cases["group_negative"] = {"file": "group_negative.h5", "kwargs": dict(
        group_per_unit="units", group_time_unit="ms")}

    # paired, sparse ids
    ids = rng.choice(np.array([0, 1, 3, 5], dtype=np.int16), size=60)
    samples = rng.integers(0, 50000, size=60).astype(np.uint32)
    with h5py.File(OUT / "paired.h5", "w") as f:
        f.attrs["length_ms"] = 2000.0
        f["idces"] = ids
        f["times"] = samples
    cases["paired"] = {"file": "paired.h5", "kwargs": dict(
        idces_dataset="idces", times_dataset="times", times_unit="samples", fs_Hz=25000.0)}

    for name, c in cases.items():
        c.update(run(load_spikedata_from_hdf5, str(OUT / c["file"]), **c["kwargs"]))
    return cases


# ------------------------------------------------------------------------------------------
# NWB
# ------------------------------------------------------------------------------------------


def write_nwb():
    from pynwb import NWBHDF5IO, NWBFile, TimeSeries
    from pynwb.ecephys import ElectricalSeries
    from pynwb.file import Subject

    start = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    cases = {}

    # -- nwb_units.nwb
    nwb = NWBFile(session_description="spikedata loader fixture", identifier="spikedata-units",
                  session_start_time=start,
                  subject=Subject(subject_id="mouse-1", species="Mus musculus"))
    dev = nwb.create_device(name="probe")
    ga = nwb.create_electrode_group("shankA", description="A", location="CA1", device=dev)
    gb = nwb.create_electrode_group("shankB", description="B", location="CA3", device=dev)
    nwb.add_electrode_column("label", "electrode label")
    eids = [10, 11, 12, 20, 21, 22]
    for r, eid in enumerate(eids):
        g = ga if r < 3 else gb
        nwb.add_electrode(id=eid, x=float(r) * 20.0, y=100.0 + r, z=-5.0 * r,
                          location=g.location, group=g, label=f"e{eid}")
    nwb.add_unit_column("quality", "curation label")
    nwb.add_unit_column("snr", "signal to noise")
    nwb.add_unit_column("n_peaks", "an int column")
    nwb.add_unit_column("is_good", "a bool column")
    uids = [3, 7, 8, 15]
    elecs = [[0, 1], [3], [4, 5, 2], [1]]
    groups = [ga, gb, gb, ga]
    obs = [[[0.5, 10.0], [12.0, 20.0]], [[1.0, 21.5]], [[0.25, 18.0]], [[2.0, 19.0]]]
    for k, uid in enumerate(uids):
        lo = obs[k][0][0]
        hi = obs[k][-1][1]
        t = np.sort(rng.uniform(lo, hi, size=int(rng.integers(5, 30))))
        if k == 2:
            t = t[[1, 0] + list(range(2, len(t)))]  # stored unsorted
        if k == 0:
            t = t[(t < 10.0) | (t >= 12.0)]
        nwb.add_unit(id=uid, spike_times=t, electrodes=elecs[k], electrode_group=groups[k],
                     obs_intervals=obs[k], quality=["good", "mua", "good", "noise"][k],
                     snr=float(k) + 0.5, n_peaks=k * 2, is_good=(k % 2 == 0),
                     waveform_mean=rng.normal(size=(4, 2)))
    region = nwb.create_electrode_table_region(list(range(6)), "all electrodes")
    nwb.add_acquisition(ElectricalSeries(name="raw", data=rng.integers(-100, 100, size=(300, 6)).astype(np.int16),
                                         electrodes=region, rate=1000.0, starting_time=0.0))
    nwb.add_epoch(0.0, 25.0, ["rec"])
    with NWBHDF5IO(str(OUT / "nwb_units.nwb"), "w") as io:
        io.write(nwb, cache_spec=False)
    cases["nwb_units"] = {"file": "nwb_units.nwb"}

    # -- nwb_session.nwb
    nwb = NWBFile(session_description="session window", identifier="spikedata-session",
                  session_start_time=start)
    for uid in range(3):
        nwb.add_unit(id=uid, spike_times=np.sort(rng.uniform(0.1, 29.0, size=10)))
    nwb.add_epoch(0.0, 30.0, ["wake"])
    nwb.add_trial(start_time=1.0, stop_time=2.0)
    nwb.add_trial(start_time=5.0, stop_time=6.0)
    nwb.add_acquisition(TimeSeries(name="lfp", data=np.zeros(3300, dtype=np.float32), unit="V",
                                   rate=100.0, starting_time=2.0))
    nwb.add_acquisition(TimeSeries(name="speed", data=np.zeros(80), unit="m/s",
                                   timestamps=np.arange(80) * 0.5))
    with NWBHDF5IO(str(OUT / "nwb_session.nwb"), "w") as io:
        io.write(nwb, cache_spec=False)
    cases["nwb_session"] = {"file": "nwb_session.nwb"}

    # -- SpikeLab's own bare export
    sd = SpikeData([[-10.0, 5.0, 30.5], [], [0.0, 150.25]], start_time=-20.0, length=200.0,
                   neuron_attributes=[{"electrode": 7, "location": [1.0, 2.0]},
                                      {"electrode": 3, "location": [0.0, 5.0]},
                                      {"electrode": 7, "location": [1.0, 2.0]}])
    export_spikedata_to_nwb(sd, str(OUT / "spikelab_export.nwb"))
    cases["spikelab_export"] = {"file": "spikelab_export.nwb", "truth": sd_json(sd)}

    # -- a bare units table with leading-zero indexes (N + 1 entries), as some files in the wild
    with h5py.File(OUT / "nwb_leading_zero.h5", "w") as f:
        g = f.create_group("units")
        g["id"] = np.array([5, 6, 7])
        g["spike_times"] = np.array([0.5, 1.0, 1.5, 0.25, 2.0, 3.0, 4.0])
        g["spike_times_index"] = np.array([0, 3, 3, 7])
        g["electrodes"] = np.array([0, 1, 2, 1])
        g["electrodes_index"] = np.array([0, 1, 2, 4])
    cases["nwb_leading_zero"] = {"file": "nwb_leading_zero.h5"}

    for name, c in cases.items():
        c["pynwb"] = run(load_spikedata_from_nwb, str(OUT / c["file"]))
        c["h5py"] = run(load_spikedata_from_nwb, str(OUT / c["file"]), prefer_pynwb=False)
    return cases


# ------------------------------------------------------------------------------------------
# KiloSort / Phy
# ------------------------------------------------------------------------------------------


def write_ks(name, tsv):
    d = OUT / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir()
    fs = 20000.0
    n_ch = 8
    channel_map = np.array([0, 1, 2, 3, 8, 9, 10, 11], dtype=np.int32)  # 4..7 dead
    positions = np.stack([np.arange(n_ch) % 2 * 16.0, np.arange(n_ch) * 20.0], axis=1)
    n_tpl = 6
    templates = np.zeros((n_tpl, 20, n_ch), dtype=np.float32)
    peaks = [2, 5, 0, 7, 3, 6]
    for t in range(n_tpl):
        for c in range(n_ch):
            amp = 1.0 if c == peaks[t] else 0.2 * ((c + t) % 3) / 3
            templates[t, :, c] = -amp * np.exp(-0.5 * ((np.arange(20) - 8) / 2.0) ** 2)
    clusters = np.array([0, 2, 3, 5, 7, 9])
    n_spk = 300
    spike_clusters = rng.choice(clusters, size=n_spk)
    # dominant template per cluster, with a few spikes on another template
    dom = {0: 0, 2: 1, 3: 2, 5: 3, 7: 4, 9: 5}
    spike_templates = np.array([dom[c] if rng.uniform() < 0.8 else (dom[c] + 1) % n_tpl
                                for c in spike_clusters])
    spike_times = np.sort(rng.integers(0, 60 * int(fs), size=n_spk)).astype(np.int64)
    np.save(d / "spike_times.npy", spike_times)
    np.save(d / "spike_clusters.npy", spike_clusters.astype(np.int32))
    np.save(d / "spike_templates.npy", spike_templates.astype(np.int32))
    np.save(d / "templates.npy", templates)
    np.save(d / "channel_map.npy", channel_map)
    np.save(d / "channel_positions.npy", positions)
    (d / "params.py").write_text(
        "dat_path = 'missing.dat'\nn_channels_dat = 12\ndtype = 'int16'\noffset = 0\n"
        f"sample_rate = {fs}\nhp_filtered = False\n")
    labels = {0: "good", 2: "mua", 3: "noise", 5: "good", 7: "unsorted", 9: "mua"}
    if tsv == "info":
        chs = {0: 2, 2: 5, 3: 0, 5: 7, 7: 3, 9: 6}
        rows = ["cluster_id\tKSLabel\tch\tgroup\tn_spikes"]
        for c in clusters:
            rows.append(f"{c}\t{'good' if c % 2 else 'mua'}\t{chs[c]}\t{labels[c]}\t"
                        f"{int((spike_clusters == c).sum())}")
        (d / "cluster_info.tsv").write_text("\n".join(rows) + "\n")
    else:
        rows = ["cluster_id\tgroup"] + [f"{c}\t{labels[c]}" for c in clusters]
        (d / "cluster_group.tsv").write_text("\n".join(rows) + "\n")
    return fs


def write_kilosort():
    cases = {}
    fs = write_ks("ks_info", "info")
    cases["ks_info"] = {"dir": "ks_info", "fs_Hz": fs,
                        "spikelab": run(load_spikedata_from_kilosort, str(OUT / "ks_info"),
                                        fs_Hz=fs, cluster_info_tsv="cluster_info.tsv")}
    fs = write_ks("ks_templates", "group")
    cases["ks_templates"] = {"dir": "ks_templates", "fs_Hz": fs,
                             "spikelab": run(load_spikedata_from_kilosort,
                                             str(OUT / "ks_templates"), fs_Hz=fs,
                                             cluster_info_tsv="cluster_group.tsv")}
    cases["ks_templates_all"] = {"dir": "ks_templates", "fs_Hz": fs,
                                 "spikelab": run(load_spikedata_from_kilosort,
                                                 str(OUT / "ks_templates"), fs_Hz=fs)}
    return cases


# ------------------------------------------------------------------------------------------
# real files
# ------------------------------------------------------------------------------------------


def summarize(res):
    """Trains of a real file as exact checksums (the full times would make a large golden):
    count, first, last, every 100th time and the sum of the float64 bit patterns mod 2**64."""
    r = res.get("result")
    if r is not None:
        r["trains"] = [{
            "count": len(t),
            "first": t[0] if t else None,
            "last": t[-1] if t else None,
            "every_100th": t[::100],
            "bits_sum": int(np.asarray(t, dtype=np.float64).view(np.uint64).sum(dtype=np.uint64))
            if t else 0,
        } for t in r["trains"]]
    return res


def real():
    out = {}
    nwb = SHARED / "nwb" / "pynapple-A8604-211122" / "A8604-211122.nwb"
    if nwb.exists():
        out["nwb_A8604"] = {"file": "nwb/pynapple-A8604-211122/A8604-211122.nwb",
                            "pynwb": summarize(run(load_spikedata_from_nwb, str(nwb))),
                            "h5py": summarize(run(load_spikedata_from_nwb, str(nwb),
                                                  prefer_pynwb=False))}
    ks = SHARED / "phy" / "kwikteam-template"
    if ks.exists():
        kw = dict(fs_Hz=25000.0, cluster_info_tsv="cluster_group.tsv")
        entry = {"dir": "phy/kwikteam-template",
                 "as_is": run(load_spikedata_from_kilosort, str(ks), **kw)}
        # spikelab crashes on the (n, 1) arrays of the real folder: rerun on a copy with the
        # arrays flattened to (n,), which is what it expects
        with tempfile.TemporaryDirectory() as tmp:
            for p in ks.iterdir():
                if p.suffix == ".npy":
                    a = np.load(p)
                    if a.ndim == 2 and a.shape[1] == 1:
                        a = a.ravel()
                    np.save(Path(tmp) / p.name, a)
                else:
                    shutil.copy(p, Path(tmp) / p.name)
            entry["flattened"] = run(load_spikedata_from_kilosort, tmp, **kw)
            entry["flattened_all"] = run(load_spikedata_from_kilosort, tmp, fs_Hz=25000.0)
        out["kwikteam_template"] = entry
    return out


def main():
    goldens = {"spikelab": SPIKELAB, "hdf5": write_hdf5(), "nwb": write_nwb(),
               "kilosort": write_kilosort()}
    (OUT / "goldens.json").write_text(json.dumps(goldens, indent=1) + "\n")
    r = real()
    if r:
        (OUT / "real.json").write_text(json.dumps(
            {"spikelab": SPIKELAB, **r}, indent=1) + "\n")
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {OUT} ({total} bytes)")


if __name__ == "__main__":
    main()
