#!/usr/bin/env python3
"""Generate the small KiloSort/Phy fixture folders of testdata/phy/ (seeded, reproducible).

    python testdata/generate/phy_fixtures.py            # writes testdata/phy/<name>/
    python testdata/generate/phy_fixtures.py --goldens  # also runs neo_dump.py for the neo goldens

Every folder also gets a "truth" golden (testdata/phy/golden/<name>.truth.json, rawio-dump/1
with --full times) computed here with numpy, independently of neo and of the Rust reader:
units = sorted cluster ids (after an optional label filter), times sorted per unit, waveforms
cut from the .dat as phy's _extract_waveform ([t - n//2, t + n - n//2), zero-padded).

Folders:
  int64_plain    int64 (n,) times, no spike_clusters.npy (units = templates), TSVs with missing
                 rows and empty cells, no raw data. neo reads it.
  uint64_col     uint64 (n,1) times and (n,1) clusters with sparse ids after merges, unsorted
                 spike times, a small 8-channel int16 .dat (channel_map of 6 channels), spikes
                 near both file edges. neo reads it (no waveforms there).
  mixed_shapes   (n,1) times with (n,) clusters: neo returns 2-D timestamps (neo bug).
  spaces         params.py with a raw-string dat_path containing spaces and backslashes, the
                 .dat split into two files (dat_path list), offset header bytes: neo fails.
  no_params      spike files without params.py (error case).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1] / "phy"
GOLDEN = ROOT / "golden"
NEO_DUMP = Path(__file__).resolve().parents[3] / "shared" / "oracle" / "neo_dump.py"
EDGE = 5


def write_tsv(path, header, rows, sep="\t"):
    with open(path, "w", newline="") as f:
        f.write(sep.join(header) + "\n")
        for r in rows:
            f.write(sep.join("" if v is None else str(v) for v in r) + "\n")


def make_templates(rng, n_templates, n_samples, n_chan):
    t = np.zeros((n_templates, n_samples, n_chan), dtype=np.float32)
    x = np.arange(n_samples)
    for k in range(n_templates):
        peak = rng.integers(0, n_chan)
        for c in range(n_chan):
            amp = 1.0 / (1 + abs(c - peak)) * (k + 1)
            t[k, :, c] = -amp * np.exp(-((x - n_samples // 2) ** 2) / 8.0)
    return t


def spikes(rng, n, cluster_ids, n_samples_total, margin=0):
    times = np.sort(rng.integers(margin, n_samples_total - margin, size=n))
    clusters = rng.choice(cluster_ids, size=n)
    return times, clusters


def truth_dump(name, fs, times, clusters, keep=None, dat=None, nsw=None, wf_channels=None, t_stop=None):
    """rawio-dump/1 as the Rust reader should produce it."""
    times = np.asarray(times).ravel()
    clusters = np.asarray(clusters).ravel()
    ids = sorted(set(clusters.tolist()))
    if keep is not None:
        ids = [i for i in ids if i in keep]
    seg = {"block": 0, "segment": 0, "t_start": 0.0,
           "t_stop": t_stop if t_stop is not None else float(times.max()) / fs,
           "signals": [], "spikes": [], "events": []}
    streams, chans = [], []
    if dat is not None:
        streams = [{"name": "raw", "id": "0", "buffer_id": ""}]
        chans = [{"name": f"ch{c}", "id": f"{c}", "sampling_rate": fs, "dtype": str(dat.dtype),
                  "units": "", "gain": 1.0, "offset": 0.0, "stream_id": "0", "buffer_id": ""}
                 for c in range(dat.shape[1])]
        seg["signals"] = [{"stream_index": 0, "t_start": 0.0, "size": int(dat.shape[0]),
                           "head": dat[:3].tolist(), "tail": dat[-3:].tolist(),
                           "sum": [float(v) for v in dat.astype(np.int64).sum(axis=0)]}]
    units = []
    for u, cid in enumerate(ids):
        t = np.sort(times[clusters == cid], kind="stable")
        secs = (t.astype(np.float64) / fs).tolist()
        entry = {"unit_index": u, "count": len(t), "head_s": secs[:EDGE], "tail_s": secs[-EDGE:],
                 "waveform_shape": None, "waveform_sum": None, "times_s": secs}
        if dat is not None:
            ch = wf_channels[cid]
            a = nsw // 2
            total = 0
            for s in t.astype(np.int64):
                t0, t1 = s - a, s - a + nsw
                lo, hi = max(0, t0), min(dat.shape[0], t1)
                if lo < hi:
                    total += int(dat[lo:hi][:, ch].astype(np.int64).sum())
            entry["waveform_shape"] = [len(t), len(ch), nsw]
            entry["waveform_sum"] = float(total)
        seg["spikes"].append(entry)
        units.append({"name": f"unit {cid}", "id": f"{cid}", "wf_units": "",
                      "wf_gain": 1.0 if dat is not None else 0.0, "wf_offset": 0.0,
                      "wf_left_sweep": (nsw // 2) if dat is not None else 0,
                      "wf_sampling_rate": fs if dat is not None else 0.0})
    return {"schema": "rawio-dump/1", "format": "phy", "source": name, "nb_block": 1,
            "nb_segment": [1], "signal_streams": streams, "signal_channels": chans,
            "spike_channels": units, "event_channels": [], "segments": [seg]}


def best_dat_channels(templates, template_id, channel_map, n_best=12):
    ptp = templates[template_id].max(axis=0) - templates[template_id].min(axis=0)
    cols = [c for c in sorted(range(len(ptp)), key=lambda c: (-ptp[c], c)) if ptp[c] > 0]
    return [int(channel_map[c]) for c in cols][:n_best]


def dominant(spike_templates, clusters, cid):
    t = spike_templates[clusters == cid]
    vals, counts = np.unique(t, return_counts=True)
    return int(vals[np.argmax(counts)])  # ties -> smallest id (np.unique is sorted)


def gen_int64_plain(rng, d):
    fs = 30000.0
    n = 400
    templ_ids = np.array([0, 1, 2, 3, 4, 5])
    times, tmpl = spikes(rng, n, templ_ids, 90000)
    np.save(d / "spike_times.npy", times.astype(np.int64))
    np.save(d / "spike_templates.npy", tmpl.astype(np.int32))
    np.save(d / "amplitudes.npy", rng.uniform(5, 50, size=n).astype(np.float32))
    (d / "params.py").write_text("dat_path = 'missing.dat'\nn_channels_dat = 4\ndtype = 'int16'\n"
                                 "offset = 0\nsample_rate = 30000.\nhp_filtered = False\n")
    # KSLabel for some, group for others, an info table with empty cells
    write_tsv(d / "cluster_KSLabel.tsv", ["cluster_id", "KSLabel"],
              [[0, "good"], [1, "mua"], [2, "good"], [4, "noise"], [5, "mua"]])
    write_tsv(d / "cluster_group.tsv", ["cluster_id", "group"], [[1, "good"], [3, "noise"]])
    write_tsv(d / "cluster_info.tsv", ["cluster_id", "Amplitude", "ContamPct", "ch", "depth"],
              [[0, 12.5, "", 1, 20.0], [2, 7.25, 3.5, 3, 40.0], [3, 1, 99.0, "", 60]])
    return truth_dump("int64_plain", fs, times, tmpl)


def gen_uint64_col(rng, d):
    fs = 20000.0
    n_dat_ch, n_samples_dat, nsw = 8, 3000, 20
    channel_map = np.array([7, 5, 3, 1, 0, 2], dtype=np.int32)
    positions = np.array([[0, 10 * i] for i in range(6)], dtype=np.float64)
    templates = make_templates(rng, 4, nsw, len(channel_map))
    dat = rng.integers(-2000, 2000, size=(n_samples_dat, n_dat_ch)).astype(np.int16)
    dat.tofile(d / "rec.dat")
    n = 300
    times, tmpl = spikes(rng, n, np.arange(4), n_samples_dat)
    times[:3] = [0, 5, 9]           # spikes at the start edge
    times[-3:] = [2991, 2995, 2999]  # and the end edge
    # merges: clusters 1,2 -> 17, 3 -> 40; cluster 0 stays
    clusters = np.select([tmpl == 0, tmpl < 3], [0, 17], 40)
    # spike times unsorted (a merge tool concatenating)
    perm = np.arange(n)
    perm[10:20] = perm[10:20][::-1]
    times, tmpl, clusters = times[perm], tmpl[perm], clusters[perm]
    np.save(d / "spike_times.npy", times.astype(np.uint64).reshape(-1, 1))
    np.save(d / "spike_templates.npy", tmpl.astype(np.uint32).reshape(-1, 1))
    np.save(d / "spike_clusters.npy", clusters.astype(np.uint32).reshape(-1, 1))
    np.save(d / "amplitudes.npy", rng.uniform(5, 50, size=(n, 1)))
    np.save(d / "templates.npy", templates)
    np.save(d / "channel_map.npy", channel_map.reshape(-1, 1))
    np.save(d / "channel_positions.npy", positions)
    pcf = rng.standard_normal((n, 3, 4)).astype(np.float32)
    np.save(d / "pc_features.npy", pcf)
    np.save(d / "pc_feature_ind.npy", np.tile(np.arange(4, dtype=np.uint32), (4, 1)))
    (d / "params.py").write_text("dat_path = 'rec.dat'\nn_channels_dat = 8\ndtype = 'int16'\n"
                                 "offset = 0\nsample_rate = 20000.\nhp_filtered = True\n")
    write_tsv(d / "cluster_group.tsv", ["cluster_id", "group"], [[0, "good"], [40, "mua"]])
    wf = {cid: best_dat_channels(templates, dominant(tmpl, clusters, cid), channel_map)
          for cid in (0, 17, 40)}
    return truth_dump("uint64_col", fs, times, clusters, dat=dat, nsw=nsw, wf_channels=wf,
                      t_stop=max(float(times.max()), n_samples_dat) / fs)


def gen_mixed_shapes(rng, d):
    fs = 25000.0
    n = 120
    times, clusters = spikes(rng, n, np.array([3, 8]), 50000)
    np.save(d / "spike_times.npy", times.astype(np.uint64).reshape(-1, 1))
    np.save(d / "spike_clusters.npy", clusters.astype(np.int64))
    np.save(d / "spike_templates.npy", (clusters // 3).astype(np.int64))
    (d / "params.py").write_text("sample_rate = 25000\n")
    return truth_dump("mixed_shapes", fs, times, clusters)


def gen_spaces(rng, d):
    fs = 10000.0
    n_ch, nsw, offset = 3, 10, 16
    (d / "raw data").mkdir()
    dat = rng.integers(-100, 100, size=(1000, n_ch)).astype(np.int16)
    parts = [dat[:600], dat[600:]]
    for i, p in enumerate(parts):
        with open(d / "raw data" / f"rec {i}.dat", "wb") as f:
            f.write(b"H" * offset)
            p.tofile(f)
    n = 50
    times, clusters = spikes(rng, n, np.array([1, 2]), 1000)
    times[0] = 595  # a waveform across the file boundary
    times = np.sort(times)
    np.save(d / "spike_times.npy", times.astype(np.int64))
    np.save(d / "spike_clusters.npy", clusters.astype(np.int32))
    np.save(d / "spike_templates.npy", clusters.astype(np.int32))
    (d / "params.py").write_text(
        "# params with spaces (neo cannot parse these)\n"
        "dat_path = [r'raw data\\rec 0.dat',\n            'raw data/rec 1.dat']\n"
        "n_channels_dat = 3\ndtype = 'int16'\noffset = 16\nsample_rate = 10000.0  # Hz\n"
        "hp_filtered = False\n")
    # no templates.npy: waveforms use every channel and 3 ms = 30 samples
    nsw = 30
    wf = {1: [0, 1, 2], 2: [0, 1, 2]}
    return truth_dump("spaces", fs, times, clusters, dat=dat, nsw=nsw, wf_channels=wf,
                      t_stop=max(float(times.max()), 1000) / fs)


def gen_no_params(rng, d):
    np.save(d / "spike_times.npy", np.arange(10, dtype=np.int64))
    np.save(d / "spike_clusters.npy", np.zeros(10, dtype=np.int32))
    np.save(d / "spike_templates.npy", np.zeros(10, dtype=np.int32))
    return None


GENERATORS = {"int64_plain": gen_int64_plain, "uint64_col": gen_uint64_col,
              "mixed_shapes": gen_mixed_shapes, "spaces": gen_spaces, "no_params": gen_no_params}
NEO_READABLE = ["int64_plain", "uint64_col"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--goldens", action="store_true", help="also write neo goldens (needs neo)")
    args = ap.parse_args()
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for i, (name, gen) in enumerate(GENERATORS.items()):
        d = ROOT / name
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        rng = np.random.default_rng(1000 + i)
        truth = gen(rng, d)
        if truth is not None:
            (GOLDEN / f"{name}.truth.json").write_text(json.dumps(truth, indent=1) + "\n")
    if args.goldens:
        for name in NEO_READABLE:
            out = subprocess.run([sys.executable, str(NEO_DUMP), "phy", str(ROOT / name), "--full"],
                                 check=True, capture_output=True, text=True).stdout
            doc = json.loads(out)
            doc["source"] = name
            (GOLDEN / f"{name}.neo.json").write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
