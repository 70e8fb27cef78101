#!/usr/bin/env python3
"""Goldens for the `spikedata` crate, computed by the reference implementations.

Runs spikelab==0.1.2 (SpikeData) and pynapple==0.11.4 (IntervalSet, npz) on seeded inputs
and writes testdata/spikedata/goldens.json plus pynapple-written .npz files. Set it up with

    python3 -m venv /tmp/spikelab-venv
    /tmp/spikelab-venv/bin/pip install spikelab==0.1.2 pynapple==0.11.4
    /tmp/spikelab-venv/bin/python testdata/generate/spikedata_goldens.py

If testdata/spikedata/rust_written/*.npz exist (written by the crate's test
`writes_npz_for_pynapple`), they are loaded with `nap.load_file` and the result is recorded in
testdata/spikedata/rust_written/pynapple_check.json.

NaN floats are written as null. Floats are written with repr, so they round-trip exactly.
"""

import json
import warnings
from pathlib import Path

import numpy as np
import pynapple as nap
import spikelab
from spikelab.spikedata import SpikeData

from spikedata_common import attempt, fl, fls, ints  # noqa: E402

warnings.simplefilter("ignore")

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "testdata" / "spikedata"
OUT.mkdir(parents=True, exist_ok=True)


def sparse(m):
    c = m.tocoo()
    c.sum_duplicates()
    order = np.lexsort((c.col, c.row))
    return {
        "shape": [int(m.shape[0]), int(m.shape[1])],
        "rows": ints(c.row[order]),
        "cols": ints(c.col[order]),
        "counts": ints(c.data[order]),
    }


def sd_json(sd):
    return {
        "trains": [fls(t) for t in sd.train],
        "start_time": fl(sd.start_time),
        "length": fl(sd.length),
        "n": int(sd.N),
        "neuron_attributes": sd.neuron_attributes,
        "metadata": {k: v for k, v in sd.metadata.items()},
        "raw_time": fls(sd.raw_time),
    }


rng = np.random.default_rng(20240517)

# ------------------------------------------------------------------------------------------
# Inputs
# ------------------------------------------------------------------------------------------

def poisson(rate_hz, start, stop):
    t, out = start, []
    while True:
        t += rng.exponential(1000.0 / rate_hz)
        if t > stop:
            return out
        out.append(t)


L1 = 1000.5
in1 = [
    list(rng.uniform(0, L1, 200)),
    [0.0, 1.0, 2.0, 2.5, 40.0, 80.0, 999.0, 1000.0, L1],  # exact bin edges, start and end
    [],
    [500.0, 3.0, 250.0],  # unsorted on entry
    [123.456],
    poisson(40.0, 0.0, L1) + [600.0, 600.0],  # with a duplicate time
]
attrs1 = [
    {"unit_id": 10 + i, "group": "ab"[i % 2], "channel": 3 * i} for i in range(6)
]
sd1 = SpikeData(in1, length=L1, neuron_attributes=attrs1, metadata={"name": "sd1"})

in2 = [poisson(30.0, -200.0, 300.0) for _ in range(3)] + [[-200.0, 0.0, 300.0]]
sd2 = SpikeData(in2, start_time=-200.0, length=500.0, metadata={"name": "sd2"})

in3 = [list(50.25 + rng.uniform(0, 900.0, n)) for n in (50, 120, 7, 0)]
sd3 = SpikeData(in3, start_time=50.25, length=900.0)

cases = {"sd1": (in1, sd1), "sd2": (in2, sd2), "sd3": (in3, sd3)}

from importlib.metadata import version

goldens = {"spikelab_version": version("spikelab"), "pynapple_version": version("pynapple")}
datasets = {}
for name, (inp, sd) in cases.items():
    g = {
        "input": {
            "trains": [fls(t) for t in inp],
            "start_time": fl(sd.start_time),
            "length": fl(sd.length),
            "neuron_attributes": sd.neuron_attributes,
            "metadata": sd.metadata,
        },
        "constructed": sd_json(sd),
    }
    rasters = []
    for bs, off in [(1.0, 0.0), (2.5, 0.0), (7.3, 0.0), (40.0, 0.0), (0.3, 0.0), (1.0, 12.5), (7.3, 3.3)]:
        rasters.append({"bin": bs, "offset": off, "sparse": sparse(sd.sparse_raster(bs, off))})
    g["sparse_raster"] = rasters
    g["binned"] = [{"bin": b, "counts": ints(sd.binned(b))} for b in (7.3, 40.0, 1.0)]
    g["binned_meanrate"] = [
        {"bin": b, "unit": u, "rates": fls(sd.binned_meanrate(b, u))}
        for b in (40.0, 7.3)
        for u in ("Hz", "kHz")
    ]
    g["rates"] = {u: fls(sd.rates(u)) for u in ("Hz", "kHz")}
    idces, times = sd.idces_times()
    g["idces_times"] = {"idces": ints(idces), "times": fls(times)}
    g["events"] = [[int(i), fl(t)] for i, t in sd.events]
    g["isi"] = [fls(x) for x in sd.interspike_intervals()]
    g["cv_isi"] = fls(sd.cv_isi())
    g["cv2_isi"] = fls(sd.cv2_isi())

    st = sd.start_time
    end = st + sd.length
    if st >= 0:
        sub_cases = [(100.0, 300.0, None), (-200.0, None, None), (None, 500.0, None),
                     (150.5, 400.25, 200.0), (st, end, None), (-50.0, -10.0, None),
                     (2000.0, None, None), (300.0, 100.0, None), (None, 5000.0, None)]
    else:
        sub_cases = [(-100.0, 50.0, None), (None, None, 0.0), (-150.0, 250.0, -150.0),
                     (-300.0, 0.0, None), (0.0, 300.0, None)]
    g["subtime"] = [
        {"start": s, "end": e, "shift_to": sh,
         "result": attempt(lambda s=s, e=e, sh=sh: sd_json(sd.subtime(s, e, shift_to=sh)))}
        for s, e, sh in sub_cases
    ]
    n = sd.N
    g["subset"] = [
        {"units": u, "preserve_order": p,
         "result": attempt(lambda u=u, p=p: sd_json(sd.subset(u, preserve_order=p)))}
        for u, p in [([3, 1, 3], False), ([3, 1, 3], True), ([n - 1, 0], True), ([n], False)]
    ]
    if sd.neuron_attributes is not None:
        g["subset_by"] = [
            {"by": by, "values": vals, "result": attempt(lambda by=by, vals=vals: sd_json(sd.subset(vals, by=by)))}
            for by, vals in [("group", ["a"]), ("unit_id", [11, 14.0]), ("channel", [0, 15, 99])]
        ]
    g["append"] = [
        {"offset": off, "result": attempt(lambda off=off: sd_json(sd.append(other, offset=off)))}
        for other in [sd]
        for off in (0.0, 10.5)
    ]
    g["sliding_rate"] = []
    for kw in [
        dict(window_size=50.0, step_size=10.0),
        dict(window_size=25.0, sampling_rate=0.5, gauss_sigma=20.0),
        dict(window_size=30.0, step_size=5.0, apply_square=False, gauss_sigma=10.0),
        dict(window_size=40.0, step_size=7.0, t_start=st + 10.0, t_end=st + 333.0),
    ]:
        rd = sd.sliding_rate(**kw)
        g["sliding_rate"].append({
            "kwargs": kw,
            "times": fls(rd.times),
            "rates": [fls(r) for r in rd.inst_Frate_data],
        })
    g["resampled_isi"] = []
    for step, sigma in [(5.0, 10.0), (2.0, 0.0), (3.0, 2.5)]:
        times = np.arange(st, end, step)
        rd = sd.resampled_isi(times, sigma_ms=sigma)
        g["resampled_isi"].append({
            "times": fls(times), "sigma": sigma,
            "rates": [fls(r) for r in rd.inst_Frate_data],
        })
    single = sd.resampled_isi(np.array([st + 100.0]), sigma_ms=10.0)
    g["resampled_isi_single"] = {"time": st + 100.0, "rates": [fls(r) for r in single.inst_Frate_data]}

    def stack_json(stack):
        return {
            "windows": [[fl(a), fl(b)] for a, b in stack.times],
            "slices": [sd_json(s) for s in stack.spike_stack],
        }

    g["frames"] = [
        {"length": ln, "overlap": ov, "result": attempt(lambda ln=ln, ov=ov: stack_json(sd.frames(ln, ov)))}
        for ln, ov in [(200.0, 50.0), (100.0, 0.0), (333.3, 0.1), (5000.0, 0.0)]
    ]
    ev = [st + 300.0, st + 30.0, st + 120.5, end - 20.0, st + 400.0]
    g["align_to_events"] = [
        {"events": ev, "pre": pre, "post": post,
         "result": attempt(lambda pre=pre, post=post: stack_json(sd.align_to_events(ev, pre, post)))}
        for pre, post in [(50.0, 100.0), (10.0, 10.0), (1000.0, 1000.0)]
    ]
    def rate_stack_json(stack):
        return {
            "windows": [[fl(a), fl(b)] for a, b in stack.times],
            "step_size": fl(stack.step_size),
            "shape": [int(x) for x in stack.event_stack.shape],
            "rates": fls(stack.event_stack),
        }

    g["align_rate"] = [
        {"events": ev, "pre": pre, "post": post, "bin": b, "sigma": s,
         "result": attempt(lambda pre=pre, post=post, b=b, s=s: rate_stack_json(
             sd.align_to_events(ev, pre, post, kind="rate", bin_size_ms=b, sigma_ms=s)))}
        for pre, post, b, s in [(50.0, 100.0, 5.0, 10.0), (10.0, 10.0, 2.5, 0.0),
                                (30.0, 20.0, 1.0, 3.0), (20.0, 30.0, 100.0, 5.0),
                                (1000.0, 1000.0, 1.0, 10.0)]
    ]
    datasets[name] = g

goldens["datasets"] = datasets

# from_raster / from_idces_times / from_events
raster = np.array([[0, 1, 0, 3, 0], [2, 0, 0, 0, 1], [0, 0, 0, 0, 0], [5, 0, 1, 0, 0]])
goldens["from_raster"] = [
    {"raster": raster.tolist(), "bin": b, "start_time": st,
     "result": sd_json(SpikeData.from_raster(raster, b, start_time=st))}
    for b, st in [(7.3, 0.0), (1.0, -2.5), (0.1, 10.0)]
]
r1 = sd1.raster(7.3)
goldens["from_raster_sd1"] = {"bin": 7.3, "result": sd_json(SpikeData.from_raster(r1, 7.3))}
idces = rng.integers(0, 5, 60)
times = rng.uniform(0, 100, 60)
goldens["from_idces_times"] = [
    {"idces": ints(idces), "times": fls(times), "N": N,
     "result": attempt(lambda N=N: sd_json(SpikeData.from_idces_times(idces, times, N=N)))}
    for N in (None, 8, 3)
]
goldens["from_idces_times_empty"] = sd_json(SpikeData.from_idces_times([], []))

# ------------------------------------------------------------------------------------------
# pynapple IntervalSet and npz
# ------------------------------------------------------------------------------------------

iset_cases = [
    ([0.0, 1.0, 3.0, 4.0, 7.0, 9.0, 10.0], [1.0, 2.0, 5.0, 6.0, 7.0, 8.0, 12.0]),
    ([0.0, 2.0, 4.0], [1.0, 3.0, 5.0]),
    ([0.5, 1.0, 1.5], [2.0, 2.5, 3.0]),
    ([0.0, np.nan, 5.0], [1.0, 2.0, 6.0]),
    ([], []),
]
probe = list(np.round(np.arange(-0.5, 13.0, 0.25), 6)) + [0.999999, 1.0, 2.0, 12.0]
probe = sorted(probe)
goldens["interval_set"] = []
for s, e in iset_cases:
    ep = nap.IntervalSet(start=np.array(s, dtype=float), end=np.array(e, dtype=float))
    ts = nap.Ts(t=np.array(probe))
    goldens["interval_set"].append({
        "start_in": fls(s), "end_in": fls(e),
        "start": fls(ep.start), "end": fls(ep.end),
        "probe": fls(probe),
        "restrict": fls(ts.restrict(ep).t) if len(ep) else [],
    })

ts_group = nap.TsGroup({
    3: nap.Ts(t=np.array([0.5, 1.5, 2.25])),
    7: nap.Ts(t=np.array([0.25, 1.0, 1.5, 3.0, 4.0])),
    12: nap.Ts(t=np.array([], dtype=float)),
}, time_support=nap.IntervalSet(0.0, 5.0), metadata={"quality": ["good", "mua", "good"]})
ts_group.save(str(OUT / "pynapple_tsgroup.npz"))
nap.Ts(t=np.array([0.1, 0.2, 0.7]), time_support=nap.IntervalSet(0.0, 1.0)).save(str(OUT / "pynapple_ts.npz"))
nap.IntervalSet(start=[0.0, 2.0], end=[1.0, 3.5], metadata={"label": ["x", "y"]}).save(str(OUT / "pynapple_iset.npz"))
np.savez_compressed(OUT / "pynapple_compressed.npz", t=np.array([1.0]), start=np.array([0.0]), end=np.array([2.0]))
goldens["npz"] = {
    "tsgroup": {"keys": [3, 7, 12], "t": [[0.5, 1.5, 2.25], [0.25, 1.0, 1.5, 3.0, 4.0], []],
                "start": [0.0], "end": [5.0]},
    "ts": {"t": [0.1, 0.2, 0.7], "start": [0.0], "end": [1.0]},
    "iset": {"start": [0.0, 2.0], "end": [1.0, 3.5]},
}

(OUT / "goldens.json").write_text(json.dumps(goldens, indent=None, separators=(",", ":")))
print("wrote", OUT / "goldens.json")

# ------------------------------------------------------------------------------------------
# Check files the Rust writer made (if the crate's tests wrote them)
# ------------------------------------------------------------------------------------------

rw = OUT / "rust_written"
if rw.is_dir():
    report = {}
    for f in sorted(rw.glob("*.npz")):
        try:
            obj = nap.load_file(str(f))
            entry = {"type": type(obj).__name__}
            if isinstance(obj, nap.TsGroup):
                entry["keys"] = ints(obj.keys())
                entry["t"] = [fls(obj[k].t) for k in obj.keys()]
                entry["rate"] = fls(obj["rate"].values)
                entry["start"] = fls(obj.time_support.start)
                entry["end"] = fls(obj.time_support.end)
            elif isinstance(obj, nap.Ts):
                entry["t"] = fls(obj.t)
            elif isinstance(obj, nap.IntervalSet):
                entry["start"] = fls(obj.start)
                entry["end"] = fls(obj.end)
            report[f.name] = entry
        except Exception as e:
            report[f.name] = {"error": f"{type(e).__name__}: {e}"}
    (rw / "pynapple_check.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))

# ------------------------------------------------------------------------------------------
# Issue 18: analyses (goldens_analyses.json). A separate generator keeps the draws above.
# spikelab runs its numba kernels here (numba is installed with pynapple), as a user has.
# ------------------------------------------------------------------------------------------

from spikelab.spikedata.utils import get_sttc  # noqa: E402

rng2 = np.random.default_rng(18)


def mat(m):
    m = np.asarray(getattr(m, "matrix", m), dtype=float)
    return [fls(r) for r in m]


def rd_json(rd):
    return {"rates": mat(rd.inst_Frate_data), "times": fls(rd.times),
            "neuron_attributes": rd.neuron_attributes}


def curation_json(res):
    sd_out, r = res
    return {"trains": [fls(t) for t in sd_out.train], "metric": fls(r["metric"]),
            "passed": [bool(x) for x in r["passed"]]}


an = {}
for name, (inp, sd) in cases.items():
    st, end = sd.start_time, sd.start_time + sd.length
    g = {}
    g["sttc"] = [{"delt": d, "matrix": mat(sd.spike_time_tilings(d))} for d in (20.0, 5.0, 0.5)]
    g["sttc_pair"] = [{"i": i, "j": j, "delt": d, "value": fl(sd.spike_time_tiling(i, j, d))}
                      for i, j, d in [(0, 1, 20.0), (0, 5 % sd.N, 3.0), (1, 2, 50.0)]]
    two = sd.subset([0, 1])
    g["sttc_two_units"] = mat(two.spike_time_tilings(20.0))
    events = [st + 10.0, st + 333.3, end - 1.0, st + 250.0, st - 100.0]
    g["latencies"] = [{"times": fls(events), "window": w, "matrix": mat(sd.latencies(events, w))}
                      for w in (100.0, 15.0)]
    g["latencies_to_index"] = {"i": 1, "window": 50.0, "matrix": mat(sd.latencies_to_index(1, 50.0))}
    g["pairwise_latencies"] = []
    for w in (None, 50.0, 2.0):
        m, s = sd.get_pairwise_latencies(window_ms=w)
        g["pairwise_latencies"].append({"window": w, "mean": mat(m), "std": mat(s)})
    g["ccg"] = []
    for b, ml in [(1.0, 20.0), (5.0, 0.0), (2.5, 100000.0), (7.3, 30.0)]:
        c, l = sd.get_pairwise_ccg(bin_size=b, max_lag=ml, n_jobs=1)
        g["ccg"].append({"bin": b, "max_lag": ml, "corr": mat(c), "lag": mat(l)})
    g["pop_rate"] = [
        {"square": sq, "gauss": ga, "bin": b,
         "result": attempt(lambda sq=sq, ga=ga, b=b: fls(sd.get_pop_rate(sq, ga, raster_bin_size_ms=b)))}
        for sq, ga, b in [(20.0, 50.0, 1.0), (8.0, 8.0, 1.0), (0.0, 0.0, 1.0), (10.0, 20.0, 2.5),
                          (20.0, 100.0, 1.0), (5.0, 0.0, 1.0), (0.0, 10.0, 1.0)]
    ]
    g["curate_min_spikes"] = curation_json(sd.curate_by_min_spikes(min_spikes=5))
    g["curate_firing_rate"] = curation_json(sd.curate_by_firing_rate(min_rate_hz=10.0))
    g["curate_isi_percent"] = curation_json(sd.curate_by_isi_violations(max_violation=0.01, threshold_ms=1.5))
    g["curate_isi_hill"] = curation_json(sd.curate_by_isi_violations(
        max_violation=0.5, threshold_ms=3.0, min_isi_ms=0.2, method="hill"))
    loc = sd.unit_locations
    g["unit_locations"] = None if loc is None else mat(loc)
    el = sd.electrodes
    g["electrodes"] = None if el is None else [int(x) for x in el]
    g["neuron_to_channel_map"] = {str(k): v for k, v in sd.neuron_to_channel_map().items()}
    g["channel_raster"] = attempt(lambda: mat(sd.channel_raster(7.3)))
    times = np.arange(st, end, 5.0)
    rd = sd.resampled_isi(times, sigma_ms=10.0)
    g["rate_subset"] = rd_json(rd.subset([2, 0, 2], preserve_order=True))
    g["rate_subset_sorted"] = rd_json(rd.subset([2, 0]))
    g["rate_subtime"] = rd_json(rd.subtime(st + 100.0, st + 300.0))
    g["rate_subtime_open"] = rd_json(rd.subtime(st + 402.5, None))
    g["rate_subtime_by_index"] = rd_json(rd.subtime_by_index(-10, -2))
    an[name] = g

# A network with population bursts: 20 units, 2 Hz background, a burst every ~700 ms.
L_b = 6000.0
burst_centres = np.arange(400.0, L_b - 300.0, 700.0) + rng2.uniform(-50, 50, 8)
trains_b = []
for u in range(20):
    bg = list(rng2.uniform(0, L_b, rng2.poisson(2.0 * L_b / 1000.0)))
    bursts = [c + rng2.normal(0, 15.0) for c in burst_centres for _ in range(rng2.integers(0, 6))]
    trains_b.append(sorted(t for t in bg + bursts if 0 <= t <= L_b))
sd_b = SpikeData(trains_b, length=L_b)
gb = {"trains": [fls(t) for t in trains_b], "length": L_b}
gb["pop_rate"] = fls(sd_b.get_pop_rate(20, 100))
gb["pop_rate_acc"] = fls(sd_b.get_pop_rate(8, 8))
gb["bursts"] = []
for thr, dist, mult, ptt in [(2.0, 100, 0.5, True), (1.5, 300, 0.3, True), (2.0, 100, 0.5, False),
                             (4.0, 50, 0.9, True)]:
    tb, ed, amp = sd_b.get_bursts(thr_burst=thr, min_burst_diff=dist,
                                  burst_edge_mult_thresh=mult, peak_to_trough=ptt)
    gb["bursts"].append({"thr": thr, "dist": dist, "mult": mult, "peak_to_trough": ptt,
                         "tburst": fls(tb), "edges": mat(ed.reshape(-1, 2)), "peak_amp": fls(amp)})
gb["burst_sensitivity"] = {"thr": [1.0, 2.0, 3.0], "dist": [50.0, 200.0, 700.9], "mult": 0.5,
                           "counts": [ints(r) for r in sd_b.burst_sensitivity(
                               [1.0, 2.0, 3.0], [50.0, 200.0, 700.9], 0.5)]}
tb, ed, amp = sd_b.get_bursts(thr_burst=2.0, min_burst_diff=100, burst_edge_mult_thresh=0.5)
fa = sd_b.get_frac_active(ed, 2, 0.5)
gb["frac_active"] = {"edges": mat(ed), "min_spikes": 2, "backbone": 0.5,
                     "per_unit": fls(fa[0]), "per_burst": fls(fa[1]), "backbone_units": ints(fa[2])}
gb["frac_spikes_in_burst"] = fls(sd_b.get_frac_spikes_in_burst(ed))
gb["frac_active_bin5"] = attempt(lambda: [fls(x) for x in sd_b.get_frac_active(ed / 5.0, 1, 0.3, bin_size=5.0)])
gb["sttc"] = mat(sd_b.spike_time_tilings(10.0))
an["bursts"] = gb

# split_epochs
sd_e = SpikeData([[10.0, 390.0, 400.0, 700.0], [], [999.0, 405.5]], length=1000.5,
                 neuron_attributes=[{"epoch_templates": [[1.0], [2.0]], "id": i} for i in range(3)],
                 metadata={"rec_chunks_ms": [[0.0, 400.0], [400.0, 1000.5]],
                           "rec_chunk_names": ["a.raw.h5", "b.raw.h5"], "keep": 1})
an["split_epochs"] = [sd_json(e) for e in sd_e.split_epochs()]

(OUT / "goldens_analyses.json").write_text(json.dumps(an, indent=None, separators=(",", ":")))
print("wrote", OUT / "goldens_analyses.json")

# ------------------------------------------------------------------------------------------
# Files the Rust exporters wrote (test `exporters_write_what_spikelab_reads`), read back by
# spikelab's own loaders: rust_written/spikelab_check.json
# ------------------------------------------------------------------------------------------

from spikelab.data_loaders.data_loaders import (  # noqa: E402
    load_spikedata_from_hdf5, load_spikedata_from_kilosort, load_spikedata_from_nwb)
import h5py  # noqa: E402

rw = OUT / "rust_written"
exp = rw / "export"
if exp.is_dir():
    report = {}
    loads = {
        "ragged_s.h5": lambda p: load_spikedata_from_hdf5(
            p, spike_times_dataset="spike_times", spike_times_index_dataset="spike_times_index",
            spike_times_unit="s"),
        "ragged_samples_raw.h5": lambda p: load_spikedata_from_hdf5(
            p, spike_times_dataset="st", spike_times_index_dataset="sti", spike_times_unit="samples",
            fs_Hz=30000.0, raw_dataset="raw", raw_time_dataset="raw_t", raw_time_unit="ms"),
        "group_ms.h5": lambda p: load_spikedata_from_hdf5(p, group_per_unit="units", group_time_unit="ms"),
        "group_empty.h5": lambda p: load_spikedata_from_hdf5(p, group_per_unit="units", group_time_unit="ms"),
        "paired_ms.h5": lambda p: load_spikedata_from_hdf5(
            p, idces_dataset="idces", times_dataset="times", times_unit="ms"),
        "raster.h5": lambda p: load_spikedata_from_hdf5(p, raster_dataset="raster", raster_bin_size_ms=2.5),
        "units.nwb": lambda p: load_spikedata_from_nwb(p, prefer_pynwb=False),
        "kilosort": lambda p: load_spikedata_from_kilosort(p, fs_Hz=30000.0),
        "kilosort_ms": lambda p: load_spikedata_from_kilosort(p, fs_Hz=30000.0, time_unit="ms"),
    }
    for fname, load in loads.items():
        p = exp / fname
        if not p.exists():
            continue
        try:
            s = load(str(p))
            entry = {"trains": [fls(t) for t in s.train], "start_time": fl(s.start_time),
                     "length": fl(s.length), "n": int(s.N)}
            if s.neuron_attributes:
                entry["electrodes"] = [a.get("electrode") for a in s.neuron_attributes]
                entry["locations"] = [fls(a["location"]) if a.get("location") is not None else None
                                      for a in s.neuron_attributes]
            if getattr(s, "raw_data", None) is not None and s.raw_data.size:
                entry["raw_data"] = mat(s.raw_data)
                entry["raw_time"] = fls(s.raw_time)
            if p.suffix in (".h5", ".nwb"):
                with h5py.File(str(p), "r") as f:
                    entry["attrs"] = {k: fl(v) for k, v in f.attrs.items()}
                    names = []
                    f.visit(names.append)
                    entry["objects"] = sorted(names)
            report[fname] = entry
        except Exception as e:  # the Rust test fails on any error
            report[fname] = {"error": f"{type(e).__name__}: {e}"}
    (rw / "spikelab_check.json").write_text(json.dumps(report, indent=1))
    print(json.dumps({k: sorted(v) for k, v in report.items()}, indent=1))
