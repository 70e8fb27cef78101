#!/usr/bin/env python3
"""h5py baseline of benches/read_chunks.rs: 1 s chunks, all channels, best of 5 passes."""
import sys
import time

import h5py

path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/rawio-nwb-bench.nwb"
with h5py.File(path, "r") as f:
    g = f["acquisition/ElectricalSeries"]
    d = g["data"]
    rate = int(g["starting_time"].attrs["rate"])
    n = d.shape[0]
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for s in range(0, n, rate):
            d[s:min(n, s + rate)]
        best = min(best, time.perf_counter() - t0)
    mb = d.size * d.dtype.itemsize / 1e6
    print(f"h5py {h5py.__version__}: {mb:.0f} MB in {best:.3f} s = {mb / best:.0f} MB/s")
