#!/usr/bin/env python3
"""rawio vs neo 0.14.6 on large generated Open Ephys sessions, whole-process, one run.

    $PY crates/rawio-openephys/scripts/compare_neo.py        # PY from ../shared/oracle/setup.sh

Writes (once) under $RAWIO_BENCH_DIR:
  openephys-binary/  a GUI 0.6 Neuropixels recording: one Record Node, 384 channels + SYNC at
                     30 kHz (continuous.dat >= 400 MB), sample_numbers.npy, timestamps.npy
  openephys-legacy/  64 legacy .continuous files of 3100 records each (>= 400 MB)
then measures `rawio dump --json` against `neo_dump.py openephys-binary|openephys-legacy` (wall
time and peak RSS of each process, best of 3 / 2, page-cached) and `cat` of the files (the
memory-speed floor), and opening alone (`rawio info` against neo's `parse_header()`, which reads
every record timestamp of a legacy session: neo issue #1255). Prints JSON rows
(scripts/benchlib.py). Goals (issue 15): binary dump >= 2.5x neo, legacy parsing >= 20x neo;
peak RSS as rawio-core 2 (<= 64 MiB + index).
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts"))
import benchlib  # noqa: E402
import numpy as np  # noqa: E402

MB = int(os.environ.get("RAWIO_BENCH_MB", "400"))
RATE = 30000
N_AP = 384
LEG_CH = 64
NEO_OPEN = ("import sys; from neo.rawio import {0}; "
            "r = {0}(dirname=sys.argv[1]); r.parse_header()")
MARKER = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 255], dtype=np.uint8)


def make_binary():
    root = os.path.join(benchlib.BENCH_DIR, "openephys-binary")
    rec = os.path.join(root, "Record Node 101", "experiment1", "recording1")
    cont = os.path.join(rec, "continuous", "Neuropix-PXI-100.ProbeA-AP")
    n_ch = N_AP + 1
    n_frames = MB * 1_000_000 // (2 * n_ch) + 1
    dat = os.path.join(cont, "continuous.dat")
    if os.path.exists(dat) and os.path.getsize(dat) == n_frames * 2 * n_ch:
        return root, dat
    os.makedirs(cont, exist_ok=True)
    benchlib.log(f"writing {dat} ({n_frames * 2 * n_ch / 1e6:.0f} MB)")
    rng = np.random.default_rng(15)
    block = 1 << 14
    with open(dat, "wb") as f:
        for start in range(0, n_frames, block):
            n = min(block, n_frames - start)
            a = rng.integers(-2000, 2000, size=(n, n_ch), dtype=np.int16)
            a[:, -1] = ((start + np.arange(n)) // RATE) % 2
            f.write(a.tobytes())
    first = 123456
    sn = np.lib.format.open_memmap(os.path.join(cont, "sample_numbers.npy"), mode="w+",
                                   dtype=np.int64, shape=(n_frames,))
    sn[:] = first + np.arange(n_frames, dtype=np.int64)
    sn.flush()
    ts = np.lib.format.open_memmap(os.path.join(cont, "timestamps.npy"), mode="w+",
                                   dtype=np.float64, shape=(n_frames,))
    ts[:] = (first + np.arange(n_frames)) / RATE
    ts.flush()
    del sn, ts
    chans = [{"channel_name": f"CH{i + 1}", "bit_volts": 0.195, "units": "",
              "description": "", "identifier": "", "history": ""} for i in range(N_AP)]
    chans.append({"channel_name": "PXIe_SYNC", "bit_volts": 1.0, "units": "",
                  "description": "", "identifier": "", "history": ""})
    oebin = {"GUI version": "0.6.7",
             "continuous": [{"folder_name": "Neuropix-PXI-100.ProbeA-AP/", "sample_rate": RATE,
                             "num_channels": n_ch, "channels": chans}],
             "events": [], "spikes": []}
    with open(os.path.join(rec, "structure.oebin"), "w") as f:
        json.dump(oebin, f)
    return root, dat


def legacy_header(c):
    h = ("header.format = 'Open Ephys Data Format';\nheader.version = 0.4;\n"
         "header.header_bytes = 1024;\nheader.date_created = '15-Jun-2026 101500';\n"
         f"header.channel = 'CH{c}';\nheader.channelType = 'Continuous';\n"
         f"header.sampleRate = {RATE};\nheader.blockLength = 1024;\nheader.bufferSize = 1024;\n"
         "header.bitVolts = 0.195;\n").encode()
    return h + b" " * (1024 - len(h))


def make_legacy():
    root = os.path.join(benchlib.BENCH_DIR, "openephys-legacy")
    os.makedirs(root, exist_ok=True)
    n_rec = MB * 1_000_000 // (LEG_CH * 2070) + 1
    rec_dtype = np.dtype([("ts", "<i8"), ("n", "<u2"), ("rec", "<u2"), ("s", ">i2", 1024),
                          ("m", "u1", 10)])
    rng = np.random.default_rng(16)
    for c in range(1, LEG_CH + 1):
        p = os.path.join(root, f"100_CH{c}.continuous")
        if os.path.exists(p) and os.path.getsize(p) == 1024 + n_rec * 2070:
            continue
        benchlib.log(f"writing {p}")
        recs = np.zeros(n_rec, dtype=rec_dtype)
        recs["ts"] = 4096 + np.arange(n_rec, dtype=np.int64) * 1024
        recs["n"] = 1024
        recs["s"] = rng.integers(-2000, 2000, size=(n_rec, 1024), dtype=np.int16)
        recs["m"] = MARKER
        with open(p, "wb") as f:
            f.write(legacy_header(c))
            f.write(recs.tobytes())
    return root


def main():
    rawio = benchlib.build_cli()
    bin_root, dat = make_binary()
    leg_root = make_legacy()
    oracle = os.path.join(benchlib.ORACLE, "neo_dump.py")

    benchlib.warm(bin_root)
    ours = benchlib.measure([rawio, "dump", bin_root, "--json", "--format", "openephys-binary"])
    neo = benchlib.measure([sys.executable, oracle, "openephys-binary", bin_root], repeat=2)
    cat = benchlib.measure(["cat", dat])
    benchlib.row("openephys-binary", "dump --json", bin_root, ours, neo, "neo_dump.py",
                 goal_ratio=2.5)
    benchlib.row("openephys-binary", "dump --json vs cat", bin_root, ours, cat, "cat FILE",
                 goal_ratio=0.67)

    # opening alone (neo: parse_header, which reads every record timestamp of every channel)
    ours = benchlib.measure([rawio, "info", bin_root, "--format", "openephys-binary"])
    neo = benchlib.measure([sys.executable, "-c", NEO_OPEN.format("OpenEphysBinaryRawIO"),
                            bin_root], repeat=2)
    benchlib.row("openephys-binary", "open (rawio info / neo parse_header)", bin_root, ours, neo,
                 "neo parse_header")

    benchlib.warm(leg_root)
    ours = benchlib.measure([rawio, "info", leg_root, "--format", "openephys-legacy"])
    neo = benchlib.measure([sys.executable, "-c", NEO_OPEN.format("OpenEphysRawIO"), leg_root],
                           repeat=2)
    benchlib.row("openephys-legacy", "open (rawio info / neo parse_header)", leg_root, ours, neo,
                 "neo parse_header", goal_ratio=20)
    ours = benchlib.measure([rawio, "dump", leg_root, "--json", "--format", "openephys-legacy"])
    neo = benchlib.measure([sys.executable, oracle, "openephys-legacy", leg_root], repeat=2)
    files = sorted(os.path.join(leg_root, f) for f in os.listdir(leg_root))
    cat = benchlib.measure(["cat"] + files)
    benchlib.row("openephys-legacy", "dump --json", leg_root, ours, neo, "neo_dump.py",
                 goal_ratio=20)
    benchlib.row("openephys-legacy", "dump --json vs cat", leg_root, ours, cat, "cat FILES",
                 goal_ratio=0.67)


if __name__ == "__main__":
    main()
