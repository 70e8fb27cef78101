#!/usr/bin/env python3
"""rawio vs neo 0.14.6 on a large generated KiloSort/Phy folder, whole-process, one run.

    $PY crates/rawio-phy/scripts/compare_neo.py        # PY from ../shared/oracle/setup.sh

Writes (once) a folder with 20 M spikes in 500 clusters, amplitudes, and a >= 400 MB int16 raw
.dat (32 channels), then measures (wall time and peak RSS of each process, page-cached):
  * open + every unit's spike times: `rawio info` vs a Python child running neo's
    parse_header + every get_spike_timestamps (rawio's info opens and counts every unit);
  * dump: `rawio dump --json` vs `neo_dump.py phy` on a second folder with 1 M spikes over the
    same .dat. rawio does more: it sums the raw .dat stream and extracts every spike's waveform
    from it (neo exposes neither for Phy), so this ratio understates the speed-up. Goal: >= 2.5x.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts"))
import benchlib  # noqa: E402
import numpy as np  # noqa: E402

N_SPIKES = 20_000_000
N_CLUSTERS = 500
N_CH = 32
RATE = 30000.0
MB = int(os.environ.get("RAWIO_BENCH_MB", "400"))

NEO_SPIKES = """
import sys, neo.rawio
r = neo.rawio.PhyRawIO(dirname=sys.argv[1]); r.parse_header()
for u in range(r.spike_channels_count()):
    r.rescale_spike_timestamp(r.get_spike_timestamps(0, 0, u, None, None), "float64")
"""


def make():
    d = os.path.join(benchlib.BENCH_DIR, "phy")
    done = os.path.join(d, ".complete")
    if os.path.exists(done):
        return d
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(11)
    n_frames = MB * 1_000_000 // (2 * N_CH) + 1
    benchlib.log(f"writing {d} ({N_SPIKES:,} spikes, {n_frames * 2 * N_CH / 1e6:.0f} MB raw)")
    times = np.sort(rng.integers(0, n_frames, size=N_SPIKES)).astype(np.int64)
    clusters = rng.integers(0, N_CLUSTERS, size=N_SPIKES).astype(np.int32)
    np.save(os.path.join(d, "spike_times.npy"), times)
    np.save(os.path.join(d, "spike_clusters.npy"), clusters)
    np.save(os.path.join(d, "spike_templates.npy"), clusters)
    np.save(os.path.join(d, "amplitudes.npy"), rng.uniform(5, 50, size=N_SPIKES).astype(np.float32))
    with open(os.path.join(d, "raw.dat"), "wb") as f:
        for start in range(0, n_frames, 1 << 16):
            n = min(1 << 16, n_frames - start)
            f.write(rng.integers(-2000, 2000, size=(n, N_CH), dtype=np.int16).tobytes())
    with open(os.path.join(d, "params.py"), "w") as f:
        f.write(f"dat_path = 'raw.dat'\nn_channels_dat = {N_CH}\ndtype = 'int16'\noffset = 0\n"
                f"sample_rate = {RATE}\nhp_filtered = True\n")
    open(done, "w").close()
    return d


def make_small(big):
    """1 M spikes (every 20th) over the big folder's raw .dat."""
    d = os.path.join(benchlib.BENCH_DIR, "phy-1M")
    done = os.path.join(d, ".complete")
    if os.path.exists(done):
        return d
    os.makedirs(d, exist_ok=True)
    for name in ["spike_times.npy", "spike_clusters.npy", "spike_templates.npy", "amplitudes.npy"]:
        np.save(os.path.join(d, name), np.load(os.path.join(big, name))[::20])
    with open(os.path.join(d, "params.py"), "w") as f:
        f.write(f"dat_path = {os.path.join(big, 'raw.dat')!r}\nn_channels_dat = {N_CH}\n"
                f"dtype = 'int16'\noffset = 0\nsample_rate = {RATE}\nhp_filtered = True\n")
    open(done, "w").close()
    return d


def main():
    rawio = benchlib.build_cli()
    d = make()
    benchlib.warm(d)
    py = sys.executable
    ours = benchlib.measure([rawio, "info", d])
    neo = benchlib.measure([py, "-c", NEO_SPIKES, d], repeat=1)
    benchlib.row("phy", "open + all spike times", d, ours, neo, "neo parse_header + spikes")
    small = make_small(d)
    ours = benchlib.measure([rawio, "dump", small, "--json"], repeat=1)
    neo = benchlib.measure([py, os.path.join(benchlib.ORACLE, "neo_dump.py"), "phy", small],
                           repeat=1)
    benchlib.row("phy", "dump --json (1 M spikes, rawio also reads waveforms)", d, ours, neo,
                 "neo_dump.py")


if __name__ == "__main__":
    main()
