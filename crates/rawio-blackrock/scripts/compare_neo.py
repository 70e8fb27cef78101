#!/usr/bin/env python3
"""rawio-blackrock vs neo 0.14.6 on a large generated Blackrock set, whole-process, one run.

    $PY crates/rawio-blackrock/scripts/compare_neo.py        # PY from ../shared/oracle/setup.sh

Writes (once) under $RAWIO_BENCH_DIR/blackrock:
  spikes.nev   a NEV 2.3 of >= 400 MB: 96 electrodes, units 0/1/2/255, 48-sample 16-bit
               waveforms (104-byte packets), one digital event per 1000 packets, one hour;
  signal.ns5   an NSx 2.3 of >= 400 MB: 32 channels at 30 kHz in two data blocks with a 5 s pause.
Then measures (wall time and peak RSS of each process, best of 3 / 2, page-cached):
  * open + all spikes: the example `blackrock_spikes` (open, then every unit's timestamps
    rescaled to seconds) against a Python child running neo's parse_header, every
    get_spike_timestamps and rescale_spike_timestamp (goal: >= 20x);
  * `rawio dump signal.ns5 --json` against `neo_dump.py blackrock signal.ns5` (goal: >= 2.5x),
    and against `cat signal.ns5` (the memory-speed floor).
Prints JSON rows (scripts/benchlib.py).
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts"))
import benchlib  # noqa: E402
import numpy as np  # noqa: E402

MB = int(os.environ.get("RAWIO_BENCH_MB", "400"))
N_ELECTRODES = 96
WIDTH = 48
PACKET = 8 + 2 * WIDTH
N_CH = 32

NEO_SPIKES = r"""
import sys
from neo.rawio import BlackrockRawIO
r = BlackrockRawIO(filename=sys.argv[1])
r.parse_header()
n = 0
for s in range(r.segment_count(0)):
    for u in range(r.spike_channels_count()):
        ts = r.get_spike_timestamps(0, s, u, None, None)
        n += len(r.rescale_spike_timestamp(ts, "float64"))
print(n)
"""


def nev_header(n_packets_hint):
    ext = b""
    for e in range(1, N_ELECTRODES + 1):
        ext += np.array([(b"NEUEVWAV", e, 1, e % 32 + 1, 250, 0, 0, -255, 2, 2, WIDTH, b"")],
                        dtype=[("id", "S8"), ("e", "<u2"), ("conn", "u1"), ("pin", "u1"),
                               ("dig", "<u2"), ("energy", "<u2"), ("hi", "<i2"), ("lo", "<i2"),
                               ("units", "u1"), ("bytes", "u1"), ("width", "<u2"),
                               ("pad", "S8")]).tobytes()
        ext += np.array([(b"NEUEVLBL", e, f"elec{e}".encode(), b"")],
                        dtype=[("id", "S8"), ("e", "<u2"), ("label", "S16"),
                               ("pad", "S6")]).tobytes()
    n_ext = 2 * N_ELECTRODES
    basic = np.array([(b"NEURALEV", 2, 3, 1, 336 + 32 * n_ext, PACKET, 30000, 30000,
                       (2024, 5, 2, 14, 9, 30, 0, 250), b"rawio bench", b"", n_ext)],
                     dtype=[("id", "S8"), ("maj", "u1"), ("min", "u1"), ("flags", "<u2"),
                            ("hdr", "<u4"), ("pkt", "<u4"), ("res", "<u4"), ("sres", "<u4"),
                            ("t", "<u2", (8,)), ("app", "S32"), ("comment", "S256"),
                            ("n_ext", "<u4")]).tobytes()
    assert len(basic) == 336
    return basic + ext


def make_nev(path):
    n = MB * 1_000_000 // PACKET + 1
    want = len(nev_header(n)) + n * PACKET
    if os.path.exists(path) and os.path.getsize(path) == want:
        return
    benchlib.log(f"writing {path} ({want / 1e6:.0f} MB, {n:,} packets)")
    rng = np.random.default_rng(11)
    bank = rng.integers(-400, 400, size=(4096, WIDTH), dtype=np.int16)
    dt = np.dtype([("ts", "<u4"), ("id", "<u2"), ("unit", "u1"), ("res", "u1"),
                   ("wf", "<i2", (WIDTH,))])
    assert dt.itemsize == PACKET
    ticks_per_packet = 3600 * 30000 / n
    t0 = 0.0
    with open(path, "wb") as f:
        f.write(nev_header(n))
        step = 500_000
        for start in range(0, n, step):
            k = min(step, n - start)
            p = np.zeros(k, dtype=dt)
            inc = rng.exponential(ticks_per_packet, size=k)
            ts = t0 + np.cumsum(inc)
            t0 = float(ts[-1])
            p["ts"] = ts.astype(np.uint32)
            p["id"] = rng.integers(1, N_ELECTRODES + 1, size=k)
            p["unit"] = rng.choice(np.array([0, 1, 2, 255], dtype=np.uint8), size=k,
                                   p=[0.5, 0.25, 0.15, 0.1])
            p["wf"] = bank[rng.integers(0, len(bank), size=k)]
            digital = np.arange(k) % 1000 == 999
            p["id"][digital] = 0
            p["unit"][digital] = 1  # insertion reason 1: digital input
            f.write(p.tobytes())


def make_ns5(path):
    frames = MB * 1_000_000 // (2 * N_CH) + 1
    n1 = frames // 3
    n2 = frames - n1
    hdr = 314 + 66 * N_CH
    want = hdr + 2 * 9 + frames * 2 * N_CH
    if os.path.exists(path) and os.path.getsize(path) == want:
        return
    benchlib.log(f"writing {path} ({want / 1e6:.0f} MB, {frames:,} frames)")
    basic = np.array([(b"NEURALCD", 2, 3, hdr, b"30 kS/s", b"rawio bench", 1, 30000,
                       (2024, 5, 2, 14, 9, 30, 0, 250), N_CH)],
                     dtype=[("id", "S8"), ("maj", "u1"), ("min", "u1"), ("hdr", "<u4"),
                            ("label", "S16"), ("comment", "S256"), ("period", "<u4"),
                            ("res", "<u4"), ("t", "<u2", (8,)), ("n", "<u4")]).tobytes()
    ext = b"".join(
        np.array([(b"CC", c + 1, f"chan{c + 1}".encode(), 1, c + 1, -32764, 32764, -8191, 8191,
                   b"uV", 300, 1, 1, 7500000, 3, 1)],
                 dtype=[("t", "S2"), ("e", "<u2"), ("label", "S16"), ("conn", "u1"),
                        ("pin", "u1"), ("mind", "<i2"), ("maxd", "<i2"), ("mina", "<i2"),
                        ("maxa", "<i2"), ("units", "S16"), ("hc", "<u4"), ("ho", "<u4"),
                        ("ht", "<u2"), ("lc", "<u4"), ("lo", "<u4"), ("lt", "<u2")]).tobytes()
        for c in range(N_CH))
    rng = np.random.default_rng(12)
    tile = rng.integers(-3000, 3000, size=(65536, N_CH), dtype=np.int16).tobytes()
    with open(path, "wb") as f:
        f.write(basic + ext)
        for ts, n in [(0, n1), (n1 + 5 * 30000, n2)]:
            f.write(np.array([(1, ts, n)], dtype=[("f", "u1"), ("ts", "<u4"),
                                                  ("n", "<u4")]).tobytes())
            left = n
            while left > 0:
                k = min(left, 65536)
                f.write(tile[:k * 2 * N_CH])
                left -= k


def build_example():
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "rawio-blackrock",
                    "--example", "blackrock_spikes"], cwd=benchlib.ROOT, check=True)
    return os.path.join(benchlib.ROOT, "target", "release", "examples", "blackrock_spikes")


def main():
    rawio = benchlib.build_cli()
    spikes_bin = build_example()
    d = os.path.join(benchlib.BENCH_DIR, "blackrock")
    os.makedirs(d, exist_ok=True)
    nev = os.path.join(d, "spikes.nev")
    ns5 = os.path.join(d, "signal.ns5")
    make_nev(nev)
    make_ns5(ns5)
    benchlib.warm(nev)
    ours = benchlib.measure([spikes_bin, nev])
    neo = benchlib.measure([sys.executable, "-c", NEO_SPIKES, nev], repeat=2)
    benchlib.row("blackrock", "open + all spikes (NEV)", nev, ours, neo,
                 "neo parse_header + get_spike_timestamps", goal_ratio=20)
    benchlib.warm(ns5)
    ours = benchlib.measure([rawio, "dump", ns5, "--json"])
    neo = benchlib.measure([sys.executable, os.path.join(benchlib.ORACLE, "neo_dump.py"),
                            "blackrock", ns5], repeat=2)
    cat = benchlib.measure(["cat", ns5])
    benchlib.row("blackrock", "dump --json (NSx)", ns5, ours, neo, "neo_dump.py", goal_ratio=2.5)
    benchlib.row("blackrock", "dump --json (NSx) vs cat", ns5, ours, cat, "cat FILE")


if __name__ == "__main__":
    main()
