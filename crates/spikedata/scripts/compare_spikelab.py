#!/usr/bin/env python3
"""rawio's `spikedata` against spikelab 0.1.2 / pynapple 0.11.4, same data, same run.

    /tmp/spikelab-venv/bin/python crates/spikedata/scripts/compare_spikelab.py [--repeats 3]

Generates two seeded data sets (big: 1000 units x 10^4 spikes over 1 h = 10^7 spikes;
small: 50 units x 1000 spikes over 60 s, for the pairwise methods), builds and runs the
`compare_ops` example in release, times the same operations in spikelab / pynapple (best of
--repeats; spikelab's numba kernels are compiled by the first call), checks that both sides
computed the same thing, and prints: operation, rawio ms, reference ms, ratio (reference /
rawio, > 1 = rawio faster).

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE slow numpy down where they are set: run with
`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` for a fair comparison.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pynapple as nap
from spikelab.spikedata import SpikeData

warnings.simplefilter("ignore")
ROOT = Path(__file__).resolve().parents[3]


def make(rng, n_units, per_unit, length):
    return [np.sort(rng.uniform(0, length, per_unit)) for _ in range(n_units)], length


def write_bin(path, trains, length):
    with open(path, "wb") as f:
        f.write(np.uint64(len(trains)).tobytes())
        for t in trains:
            f.write(np.uint64(len(t)).tobytes())
            f.write(np.asarray(t, dtype="<f8").tobytes())
        f.write(np.float64(length).tobytes())


def best(f, repeats):
    out, ms = None, float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = f()
        ms = min(ms, (time.perf_counter() - t0) * 1e3)
    return ms, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(2026)
    big_t, big_l = make(rng, 1000, 10_000, 3.6e6)
    small_t, small_l = make(rng, 50, 1000, 60_000.0)
    tmp = Path(tempfile.mkdtemp(prefix="spikedata_compare_"))
    write_bin(tmp / "big.bin", big_t, big_l)
    write_bin(tmp / "small.bin", small_t, small_l)
    # at most one spike per unit and 1 ms bin (spikelab's stPR kernel needs it)
    uniq_t = [t[np.concatenate(([True], np.diff(np.ceil(t)) > 0))] for t in small_t]
    write_bin(tmp / "small_unique.bin", uniq_t, small_l)
    # a raw signal for the waveform metrics: 4 channels at 20 kHz over the 60 s, noise and
    # the spikes of the first 5 units
    fs_khz = 20.0
    n_samp = int(small_l * fs_khz)
    raw = rng.normal(0, 10.0, size=(4, n_samp))
    shape = -np.exp(-0.5 * (np.arange(-20, 40) / 3.0) ** 2)
    for u in range(5):
        for t in small_t[u]:
            s = int(round(t * fs_khz))
            if 20 <= s < n_samp - 40:
                raw[u % 4, s - 20:s + 40] += 80.0 * shape
    raw.astype("<f8").tofile(tmp / "raw.f64")

    subprocess.run(["cargo", "build", "--release", "-q", "-p", "spikedata", "--example", "compare_ops"],
                   cwd=ROOT, check=True)
    exe = ROOT / "target" / "release" / "examples" / "compare_ops"
    res = subprocess.run([str(exe), str(tmp), str(args.repeats)], check=True, capture_output=True, text=True)
    rust = {}
    for line in res.stdout.splitlines():
        d = json.loads(line)
        rust[d["op"]] = d

    big = SpikeData(big_t, length=big_l)
    small = SpikeData(small_t, length=small_l)
    uniq = SpikeData(uniq_t, length=small_l)
    wave = SpikeData(small_t[:5], length=small_l, raw_data=raw, raw_time=fs_khz)
    rd_small = small.resampled_isi(np.arange(int(small_l / 5.0)) * 5.0, 10.0)
    frames_5s = small.frames(5000.0)
    frames_2s = small.frames(2000.0)
    from spikelab.spikedata import curation
    from spikelab.spikedata.utils import butter_filter
    group = nap.TsGroup({i: nap.Ts(t=t / 1e3) for i, t in enumerate(big_t)},
                        time_support=nap.IntervalSet(0.0, big_l / 1e3))
    py_out = tmp / "py_out"
    py_out.mkdir()
    npz = str(py_out / "big.npz")
    events = 1000.0 + np.arange(1000) * 3500.0
    grid = np.arange(int(small_l / 5.0)) * 5.0
    R = args.repeats
    ops = [
        ("sparse_raster 1ms", lambda: big.sparse_raster(1.0), lambda r: str(int(r.sum()))),
        ("binned 1ms", lambda: big.binned(1.0), lambda r: str(int(r.sum()))),
        ("binned 40ms", lambda: big.binned(40.0), lambda r: str(int(r.sum()))),
        ("write_npz", lambda: group.save(npz), lambda r: ""),
        ("read_npz", lambda: nap.load_file(npz), lambda g: str(sum(len(g[k]) for k in g.keys()))),
        ("rates", lambda: big.rates("Hz"), lambda r: f"{r[0]:.6f}"),
        ("cv_isi", lambda: big.cv_isi(), lambda r: f"{r[0]:.12f}"),
        ("subtime", lambda: big.subtime(1000.0, 2_000_000.0), lambda s: str(sum(len(t) for t in s.train))),
        ("get_pop_rate 20/100", lambda: big.get_pop_rate(20, 100), lambda r: f"{r[len(r) // 2]:.9f}"),
        ("get_bursts", lambda: big.get_bursts(thr_burst=1.5, min_burst_diff=100, burst_edge_mult_thresh=0.5),
         lambda b: str(len(b[0]))),
        ("curate_by_isi_violations", lambda: big.curate_by_isi_violations(0.01, 1.5), lambda r: str(r[0].N)),
        ("latencies 1000 events", lambda: big.latencies(events, 100.0), lambda m: str(int(np.isfinite(m).sum()))),
        ("to_hdf5 ragged", lambda: big.to_hdf5(str(py_out / "big.h5")), lambda r: ""),
        ("to_kilosort", lambda: big.to_kilosort(str(py_out / "ks"), fs_Hz=30000.0), lambda r: ""),
        ("spike_time_tilings", lambda: small.spike_time_tilings(20.0), lambda m: f"{m.matrix[0, 1]:.12f}"),
        ("get_pairwise_latencies", lambda: small.get_pairwise_latencies(window_ms=50.0),
         lambda r: f"{r[0].matrix[0, 1]:.9f}"),
        ("get_pairwise_ccg", lambda: small.get_pairwise_ccg(bin_size=1.0, max_lag=50, n_jobs=1),
         lambda r: f"{r[0].matrix[0, 1]:.12f}"),
        ("resampled_isi 5ms", lambda: small.resampled_isi(grid, 10.0), lambda r: f"{r.inst_Frate_data[0, 100]:.9f}"),
        ("sliding_rate 50/10", lambda: small.sliding_rate(50.0, step_size=10.0),
         lambda r: f"{r.inst_Frate_data[0, 100]:.9f}"),
        ("spike_shuffle", lambda: small.spike_shuffle(5, seed=1), lambda s: str(sum(len(t) for t in s.train))),
        ("compute_spike_trig_pop_rate", lambda: uniq.compute_spike_trig_pop_rate(),
         lambda r: f"{r[1][0]:.9f}"),
        ("pairwise latency distributions",
         lambda: small.get_pairwise_latencies(window_ms=50.0, return_distributions=True),
         lambda r: f"{r[0].matrix[0, 1]:.9f} {len(r[2][0, 1])}"),
        ("RateData.frames + s2s unit corr",
         lambda: rd_small.frames(1000.0).get_slice_to_slice_unit_corr_from_stack(max_lag=0),
         lambda r: f"{np.nanmean(r[1]):.9f}"),
        ("unit_to_unit_comparison ccg",
         lambda: frames_5s.unit_to_unit_comparison(metric="ccg", bin_size=1.0, max_lag=50),
         lambda r: f"{r[2][0]:.12f}"),
        ("rank_order_correlation 20 shuffles",
         lambda: frames_2s.rank_order_correlation(timing="median", min_spikes=2, n_shuffles=20, seed=1),
         lambda r: f"{r[1]:.9f}"),
        ("butter_filter 1.2M", lambda: butter_filter(raw[0], 300.0, 6000.0, fs=20000.0, order=3),
         lambda y: f"{y[1000]:.9f}"),
        ("compute_waveform_metrics", lambda: curation.compute_waveform_metrics(wave)[1],
         lambda m: f"{m['snr'][0]:.6f}"),
    ]
    print(f"big: 1000 units, 10^7 spikes, 1 h; small: 50 units, 5*10^4 spikes, 60 s; raw: 4 x 1.2 M "
          f"samples; best of {R}")
    print(f"{'operation':28} {'rawio ms':>10} {'reference ms':>13} {'ratio':>7}  same")
    for name, f, check in ops:
        ms, out = best(f, R)
        r = rust[name]
        same = "yes" if check(out) == r["check"] else f"no ({check(out)} vs {r['check']})"
        ref = "pynapple" if name in ("write_npz", "read_npz") else "spikelab"
        print(f"{name:28} {r['ms']:10.1f} {ms:13.1f} {ms / r['ms']:7.1f}  {same} ({ref})")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
