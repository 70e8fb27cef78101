#!/usr/bin/env python3
"""More goldens for the `spikedata` crate (issue 18, second part), computed by spikelab 0.1.2.

The second half of `spikedata_goldens.py` (same venv, same conventions):

    /tmp/spikelab-venv/bin/python testdata/generate/spikedata_goldens_more.py

Writes testdata/spikedata/goldens_more.json and testdata/spikedata/waveform_raw.npy (the raw
signal of the waveform goldens, int16 so it stays small and exact). Covers scipy's Butterworth
design + sosfiltfilt, the spike-triggered population rate, waveforms / SNR / normalised STD,
numpy's seeded draws (spike_shuffle, spike_shuffle_stack, subset_stack), pairwise latency
distributions, RateData.frames / get_pairwise_fr_corr, and the slice stacks' analyses.
"""

import json
import warnings
from pathlib import Path

import numpy as np
from scipy import signal
from spikelab.spikedata import SpikeData
from spikelab.spikedata.ratedata import RateData
from spikelab.spikedata.rateslicestack import RateSliceStack
from spikelab.spikedata.spikeslicestack import SpikeSliceStack
from spikelab.spikedata import curation
from spikelab.spikedata.utils import (butter_filter, compute_cosine_similarity_with_lag,
                                      compute_cross_correlation_with_lag)

from spikedata_common import attempt, fl, fls, ints  # noqa: E402

warnings.simplefilter("ignore")

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "testdata" / "spikedata"


def arr(a):
    a = np.asarray(getattr(a, "matrix", getattr(a, "stack", a)), dtype=float)
    return {"shape": list(a.shape), "data": fls(a)}


def slices(a, idx):
    """Some slices (last axis) of a 3-D array: keeps the goldens small."""
    a = np.asarray(getattr(a, "stack", a), dtype=float)
    return {"idx": [int(i) % a.shape[2] for i in idx], "shape": list(a.shape),
            "data": [fls(a[:, :, i]) for i in idx]}


rng = np.random.default_rng(1818)
G = {}

# ------------------------------------------------------------------------------------------
# scipy's Butterworth design and sosfiltfilt
# ------------------------------------------------------------------------------------------
x = np.cumsum(rng.normal(size=400)) + 3.0 * np.sin(np.arange(400) / 7.0)
G["filter_input"] = fls(x)
designs = []
for order, btype, wn in [(2, "lowpass", [0.04]), (5, "lowpass", [0.3]), (3, "highpass", [0.1]),
                         (1, "lowpass", [0.5]), (3, "bandpass", [0.02, 0.4]),
                         (4, "bandpass", [300 / 10000.0, 6000 / 10000.0]), (2, "bandpass", [0.1, 0.2])]:
    w = wn[0] if len(wn) == 1 else wn
    sos = signal.iirfilter(order, w, btype=btype, output="sos")
    designs.append({"order": order, "btype": btype, "wn": wn, "sos": [fls(r) for r in sos],
                    "filtered": fls(signal.sosfiltfilt(sos, x))})
G["butter"] = designs
# SpikeLab's butter_filter (Wn = f / fs * 2) and butter(.., fs=fs) (Wn = f / (fs / 2))
G["butter_filter"] = {"lowcut": 300.0, "highcut": 6000.0, "fs": 20000.0, "order": 3,
                      "filtered": fls(butter_filter(x, 300.0, 6000.0, fs=20000.0, order=3))}
G["butter_fs"] = [fls(r) for r in signal.butter(4, [300.0, 6000.0], btype="bandpass", fs=20000.0,
                                                output="sos")]
G["filter_too_short"] = attempt(lambda: fls(signal.sosfiltfilt(signal.iirfilter(2, 0.1, btype="lowpass", output="sos"), x[:9])))

# ------------------------------------------------------------------------------------------
# A bursting network (one spike per unit per 1 ms bin at most)
# ------------------------------------------------------------------------------------------
L_b = 5000.0
centres = np.arange(300.0, L_b - 300.0, 600.0) + rng.uniform(-40, 40, 8)
trains_b = []
for u in range(12):
    bg = list(rng.uniform(0, L_b, rng.poisson(3.0 * L_b / 1000.0)))
    lag = rng.normal(0, 8.0)
    bursts = [c + lag + rng.normal(0, 12.0) for c in centres for _ in range(rng.integers(0, 5))]
    t = np.sort([v for v in bg + bursts if 0 <= v <= L_b])
    # at most one spike per unit per 2 ms bin (spikelab's stPR kernel needs it)
    keep = np.concatenate(([True], np.diff(np.ceil(t / 2.0)) > 0)) if len(t) else np.array([], bool)
    trains_b.append(list(t[keep]))
sd_b = SpikeData(trains_b, length=L_b, neuron_attributes=[{"id": 100 + i} for i in range(12)])
G["bursts"] = {"trains": [fls(t) for t in trains_b], "length": L_b}

G["stpr"] = []
for kw in [dict(), dict(window_ms=30, cutoff_hz=50, fs=1000, bin_size=2.0, cut_outer=5),
           dict(window_ms=40, cutoff_hz=10, fs=500, bin_size=1.0, cut_outer=1),
           dict(window_ms=3, cut_outer=1), dict(cut_outer=0), dict(window_ms=10, cut_outer=10)]:
    def run(kw=kw):
        f, z, m, d, lags = sd_b.compute_spike_trig_pop_rate(**kw)
        return {"stpr_rows": [0, 5, 11], "stpr": [fls(f[i]) for i in (0, 5, 11)], "zero_lag": fls(z), "max": fls(m), "delays": fls(d), "lags": ints(lags)}
    G["stpr"].append({"kwargs": kw, "result": attempt(run)})

# ------------------------------------------------------------------------------------------
# Waveforms: 4 channels at 20 kHz, 0.9 s, spikes of 5 units drawn into noise
# ------------------------------------------------------------------------------------------
fs_khz = 20.0
T = 18000
n_ch = 4
raw = rng.normal(0, 12.0, size=(n_ch, T)) + 30.0 * np.sin(np.arange(T) / 300.0)  # noise + LFP
tmpl_t = np.arange(-20, 40)
wave_trains = []
for u in range(5):
    n_sp = 25 + 10 * u
    times = np.sort(rng.uniform(0.5, T / fs_khz - 0.5, n_sp))
    amp = np.array([[-150.0, -60.0, -20.0, -5.0], [-10.0, -40.0, -120.0, -30.0],
                    [-5.0, -5.0, -30.0, -90.0], [-70.0, -70.0, -10.0, 0.0], [-20.0, -8.0, -8.0, -8.0]])[u]
    shape = -np.exp(-0.5 * (tmpl_t / 3.0) ** 2) + 0.35 * np.exp(-0.5 * ((tmpl_t - 12) / 6.0) ** 2)
    for t in times:
        s = int(round(t * fs_khz))
        for c in range(n_ch):
            lo, hi = max(0, s - 20), min(T, s + 40)
            raw[c, lo:hi] += -amp[c] * shape[lo - (s - 20):hi - (s - 20)] * rng.uniform(0.8, 1.2)
    wave_trains.append(list(times))
raw = np.round(raw).astype(np.int16)
np.save(OUT / "waveform_raw.npy", raw)
raw_f = raw.astype(float)


def wave_sd(attrs):
    return SpikeData(wave_trains, length=T / fs_khz, raw_data=raw_f.copy(), raw_time=fs_khz,
                     neuron_attributes=attrs)


G["waveforms"] = {"trains": [fls(t) for t in wave_trains], "fs_khz": fs_khz, "length": T / fs_khz}
W = G["waveforms"]
sd_w = wave_sd(None)
wf, meta = sd_w.get_waveform_traces(unit=None, ms_before=1.0, ms_after=2.0, store=False)
W["traces_raw"] = {"avg": [arr(a) for a in meta["avg_waveforms"]],
                   "spike_times": [fls(s) for s in meta["spike_times_ms"]],
                   "n_spikes": [int(w.shape[2]) for w in wf],
                   "first": [arr(w[:, :, 0]) for w in wf]}
wf, meta = sd_w.get_waveform_traces(unit=[3, 1], ms_before=0.5, ms_after=1.5, channels=[2, 0],
                                    bandpass=(300.0, 6000.0), filter_order=3, store=False)
W["traces_bandpass"] = {"units": [3, 1], "channels": [2, 0], "avg": [arr(a) for a in meta["avg_waveforms"]],
                        "std": [arr(np.std(w, axis=2)) for w in wf]}
noise_all = curation._estimate_noise_levels(raw_f, fs=fs_khz * 1000.0, freq_min=300, freq_max=6000)
W["noise_levels"] = fls(noise_all)
_, m = curation.compute_waveform_metrics(wave_sd(None))
W["metrics"] = {"snr": fls(m["snr"]), "std_norm": fls(m["std_norm"])}
_, m = curation.compute_waveform_metrics(wave_sd(None), at_peak=False, window_ms_before=0.3,
                                         window_ms_after=0.6, ms_before=0.8, ms_after=1.2)
W["metrics_window"] = {"snr": fls(m["snr"]), "std_norm": fls(m["std_norm"])}
# units mapped to one channel each: spikelab divides by noise_levels[0] (the row's position);
# the right value divides by the noise of the unit's channel
chans = [2, 2, 3, 0, 1]
sd_c = wave_sd([{"channel": c} for c in chans])
_, m = curation.compute_waveform_metrics(sd_c)
W["mapped"] = {"channels": chans, "spikelab_snr": fls(m["snr"]), "std_norm": fls(m["std_norm"]),
               "snr": fls([sd_c.neuron_attributes[i]["snr"] * noise_all[0] / noise_all[c]
                           for i, c in enumerate(chans)])}
sd_out, res = wave_sd(None).curate_by_snr(min_snr=8.0)
W["curate_snr"] = {"min_snr": 8.0, "metric": fls(res["metric"]), "passed": [bool(v) for v in res["passed"]],
                   "n": int(sd_out.N)}
sd_out, res = wave_sd(None).curate_by_std_norm(max_std_norm=0.3)
W["curate_std_norm"] = {"max": 0.3, "metric": fls(res["metric"]), "passed": [bool(v) for v in res["passed"]]}
short = SpikeData([[1.0]], length=5.0, raw_data=raw_f[:, :100].copy(), raw_time=fs_khz)
W["short_noise"] = fls(curation._estimate_noise_levels(raw_f[:, :5000], fs=fs_khz * 1000.0))

# ------------------------------------------------------------------------------------------
# numpy's seeded draws
# ------------------------------------------------------------------------------------------
sd_s = SpikeData([list(rng.uniform(0, 400.0, n)) for n in (30, 5, 60, 0, 12, 44)], length=400.0,
                 neuron_attributes=[{"id": i} for i in range(6)])
G["shuffle"] = {"trains": [fls(t) for t in sd_s.train], "length": 400.0}
G["shuffle"]["spike_shuffle"] = [
    {"seed": seed, "swap": sw, "bin": b, "trains": [fls(t) for t in sd_s.spike_shuffle(sw, seed=seed, bin_size=b).train]}
    for seed, sw, b in [(7, 5, 1), (0, 2, 5), (123456789, 1, 2.5)]]
st = sd_s.spike_shuffle_stack(3, seed=5, swap_per_spike=3, bin_size=2)
G["shuffle"]["stack"] = [[fls(t) for t in s.train] for s in st.spike_stack]
ss = sd_s.subset_stack(5, 3, seed=11)
G["shuffle"]["subset_stack"] = [[a["id"] for a in s.neuron_attributes] for s in ss.spike_stack]
big = SpikeData([[] for _ in range(20000)], length=1.0, neuron_attributes=[{"id": i} for i in range(20000)])
G["shuffle"]["subset_stack_big"] = [[a["id"] for a in s.neuron_attributes]
                                    for s in big.subset_stack(2, 500, seed=3).spike_stack]
G["shuffle"]["subset_stack_big_small"] = [[a["id"] for a in s.neuron_attributes]
                                          for s in big.subset_stack(2, 7, seed=4).spike_stack]

# ------------------------------------------------------------------------------------------
# Pairwise latency distributions
# ------------------------------------------------------------------------------------------
sd_l = SpikeData([list(rng.uniform(-50, 250.0, n)) for n in (12, 1, 0, 20)], start_time=-50.0,
                 length=300.0)
G["latency_dist"] = {"trains": [fls(t) for t in sd_l.train], "start_time": -50.0, "length": 300.0,
                     "cases": []}
for w in (None, 20.0):
    mm, ssd, dist = sd_l.get_pairwise_latencies(window_ms=w, return_distributions=True)
    G["latency_dist"]["cases"].append({"window": w, "mean": arr(mm), "std": arr(ssd),
                                       "dist": [[fls(dist[i, j]) for j in range(4)] for i in range(4)]})

# ------------------------------------------------------------------------------------------
# RateData: frames, pairwise correlations; RateSliceStack analyses
# ------------------------------------------------------------------------------------------
sd_r = sd_b.subset([0, 2, 3, 5, 7])
grid = np.arange(0.0, L_b, 10.0)
rd = sd_r.resampled_isi(grid, sigma_ms=15.0)
R = {"grid_step": 10.0, "sigma": 15.0, "units": [0, 2, 3, 5, 7]}
R["fr_corr"] = []
for name, f, lag in [("xcorr", compute_cross_correlation_with_lag, 10),
                     ("xcorr", compute_cross_correlation_with_lag, 0),
                     ("cosine", compute_cosine_similarity_with_lag, 3)]:
    c, l = rd.get_pairwise_fr_corr(compare_func=f, max_lag=lag, n_jobs=1)
    R["fr_corr"].append({"func": name, "max_lag": lag, "corr": arr(c), "lag": arr(l)})
fr = rd.frames(400.0, overlap=100.0)
R["frames"] = {"length": 400.0, "overlap": 100.0, "stack": slices(fr.event_stack, [0, 5, -1]), "times": [list(t) for t in fr.times],
               "step": fr.step_size}
R["frames_errors"] = [attempt(lambda a=a: len(rd.frames(*a).times)) for a in [(400.0, 400.0), (6000.0, 0.0), (400.0, -1.0)]]
rs = fr
R["subset"] = slices(rs.subset([3, 1], preserve_order=True).event_stack, [0, -1])
sub = rs.subtime_by_index(2, -3)
R["subtime_by_index"] = {"stack": slices(sub.event_stack, [0, -1]), "times": [list(t) for t in sub.times]}
sl = rs.subslice([2, 0, -1, 2])
R["subslice"] = {"stack": slices(sl.event_stack, [0, 1, 2]), "times": [list(t) for t in sl.times]}
R["timing"] = arr(rs.get_unit_timing_per_slice(MIN_RATE_THRESHOLD=2.0))
o = rs.order_units_across_slices("median", MIN_RATE_THRESHOLD=2.0, MIN_FRAC_ACTIVE=0.95)
R["order"] = {"ids": [ints(x) for x in o[1]], "std": [fls(x) for x in o[2]], "peak": [ints(x) for x in o[3]],
              "frac": [fls(x) for x in o[4]]}
o = rs.order_units_across_slices("mean", MIN_RATE_THRESHOLD=1.0)
R["order_mean"] = {"ids": [ints(x) for x in o[1]], "std": [fls(x) for x in o[2]], "peak": [ints(x) for x in o[3]]}
R["s2s_unit"] = []
for lag, thr in [(0, 1.0), (3, 1.0), (0, 8.0)]:
    a, av = rs.get_slice_to_slice_unit_corr_from_stack(MIN_RATE_THRESHOLD=thr, max_lag=lag, n_jobs=1)
    R["s2s_unit"].append({"max_lag": lag, "thr": thr, "all": slices(a, [0, 3]), "av": fls(av)})
a, av = rs.get_slice_to_slice_time_corr_from_stack(n_jobs=1)
R["s2s_time"] = {"all": slices(a, [0, 17, -1]), "av": fls(av)}
a, av = rs.get_slice_to_slice_time_corr_from_stack(compare_func=compute_cross_correlation_with_lag, max_lag=1, n_jobs=1)
R["s2s_time_xcorr"] = {"all": slices(a, [0, 17, -1]), "av": fls(av)}
c, l, avc, avl = rs.unit_to_unit_correlation(max_lag=2, n_jobs=1)
R["u2u"] = {"corr": arr(c), "lag": arr(l), "av_corr": fls(avc), "av_lag": fls(avl)}
R["similarity"] = {m: arr(rs.slice_to_slice_similarity(m)) for m in ("cosine", "pearson", "euclidean", "cross_entropy")}
R["rank_order"] = []
for ns, mo in [(0, 3), (20, 2)]:
    c, avc, ov = rs.rank_order_correlation(MIN_RATE_THRESHOLD=2.0, min_overlap=mo, n_shuffles=ns, seed=1, n_jobs=1)
    R["rank_order"].append({"n_shuffles": ns, "min_overlap": mo, "corr": arr(c), "av": fl(avc), "overlap": arr(ov)})
lst = rs.convert_to_list_of_RateData()
R["list_times"] = [fls(r.times) for r in lst[:3]]
G["rate"] = R

# ------------------------------------------------------------------------------------------
# SpikeSliceStack analyses (event-aligned on the bursts)
# ------------------------------------------------------------------------------------------
S = {}
events = list(np.round(centres[1:7] + 5.0))
stack = sd_b.align_to_events(events, pre_ms=100.0, post_ms=200.0)
S["events"] = fls(events)
S["pre"], S["post"] = 100.0, 200.0
S["raster_abs"] = {"shape": list(stack.to_raster_array(bin_size=5.0, absolute_times=True).shape),
                   "sum": int(stack.to_raster_array(bin_size=5.0, absolute_times=True).sum()),
                   "nonzero": ints(np.flatnonzero(stack.to_raster_array(bin_size=5.0, absolute_times=True)))}
S["subset"] = [[fls(t) for t in s.train] for s in stack.subset([4, 1], preserve_order=True).spike_stack]
sub = stack.subtime_by_index(50, -20)
S["subtime_by_index"] = {"trains": [[fls(t) for t in s.train] for s in sub.spike_stack],
                         "times": [list(t) for t in sub.times], "start": [s.start_time for s in sub.spike_stack],
                         "length": [s.length for s in sub.spike_stack]}
S["subslice_times"] = [list(t) for t in stack.subslice([3, 0, -1]).times]
S["baseline"] = {m: slices(stack.baseline_normalized_raster(10.0, (-100.0, -20.0), mode=m), [0, 3])
                 for m in ("subtract", "ratio", "zscore")}
S["responsive"] = {
    "mean": [bool(v) for v in stack.responsive_units(10.0, (-100.0, -20.0), z_threshold=2.0)],
    "max_window": [bool(v) for v in stack.responsive_units(10.0, (-100.0, -20.0), response_window_ms=(-10.0, 50.0),
                                                           z_threshold=3.0, aggregator="max")]}
S["frac_active"] = fls(stack.compute_frac_active(min_spikes=2))
S["timing"] = {t: arr(stack.get_unit_timing_per_slice(timing=t, min_spikes=2)) for t in ("median", "mean", "first")}
o = stack.order_units_across_slices(agg_func="median", timing="median", min_spikes=2, min_frac_active=0.9)
S["order"] = {"ids": [ints(x) for x in o[1]], "std": [fls(x) for x in o[2]], "timing": [fls(x) for x in o[3]],
              "frac": [fls(x) for x in o[4]]}
c, l, avc, avl = stack.unit_to_unit_comparison(metric="ccg", bin_size=2.0, max_lag=20, n_jobs=1)
S["u2u_ccg"] = {"corr": arr(c), "lag": arr(l), "av_corr": fls(avc), "av_lag": fls(avl)}
c, l, avc, avl = stack.unit_to_unit_comparison(metric="sttc", delt=10.0, n_jobs=1)
S["u2u_sttc"] = {"corr": arr(c), "av_corr": fls(avc)}
c, l, avc, avl = stack.get_slice_to_slice_unit_comparison(metric="ccg", bin_size=2.0, max_lag=20, n_jobs=1)
S["s2s_ccg"] = {"corr": arr(c), "lag": arr(l), "av_corr": fls(avc), "av_lag": fls(avl)}
c, l, avc, avl = stack.get_slice_to_slice_unit_comparison(metric="sttc", delt=15.0, min_spikes=3, n_jobs=1)
S["s2s_sttc"] = {"corr": arr(c), "av_corr": fls(avc)}
S["similarity"] = {m: arr(stack.slice_to_slice_similarity(m, bin_size=5.0))
                   for m in ("cosine", "pearson", "euclidean", "cross_entropy")}
S["rank_order"] = []
for ns in (0, 10):
    c, avc, ov = stack.rank_order_correlation(timing="first", min_spikes=1, min_overlap=3, n_shuffles=ns, seed=3,
                                              n_jobs=1)
    S["rank_order"].append({"n_shuffles": ns, "corr": arr(c), "av": fl(avc), "overlap": arr(ov)})
reg = stack.per_unit_response_regression(5.0, (0.0, 60.0))
S["regression"] = {k: fls(reg[k]) for k in ("slope", "intercept", "r_squared", "p_value", "stderr")}
S["regression"]["amplitudes"] = arr(reg["amplitudes"])
reg = stack.per_unit_response_regression(5.0, (0.0, 60.0), x_values=[3.0, 1.0, 4.0, 1.5, 5.0, 9.0],
                                         baseline_window_ms=(-100.0, -20.0))
S["regression_baseline"] = {k: fls(reg[k]) for k in ("slope", "intercept", "r_squared", "p_value", "stderr")}
labels = [0, 1, 0, 1, 2, 2]
S["group_similarity"] = {"labels": labels, "sim": arr(stack.group_pair_similarity(labels, metric="cosine", bin_size=5.0))}
r = stack.responsive_units_per_group([0, 0, 1, 1, 2, 2], 10.0, (-100.0, -20.0), z_threshold=1.5)
S["per_group"] = {"mask": arr(r["mask"].astype(float)), "count": ints(r["responsive_count"])}
r = stack.responsiveness_change([0, 0, 1, 1, 2, 2], [0], [2], 10.0, (-100.0, -20.0), z_threshold=1.5)
S["change"] = {k: [bool(v) for v in r[k]] for k in ("early_mask", "late_mask", "gained", "lost", "preserved")}
G["spike_stack"] = S

(OUT / "goldens_more.json").write_text(json.dumps(G, indent=None, separators=(",", ":")))
print("wrote", OUT / "goldens_more.json", (OUT / "goldens_more.json").stat().st_size, "bytes")
