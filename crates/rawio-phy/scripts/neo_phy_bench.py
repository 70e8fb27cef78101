#!/usr/bin/env python3
"""Time neo's PhyRawIO on a folder: parse_header + every unit's timestamps.

    python neo_phy_bench.py DIR    -> prints one JSON line {"seconds": ..., "max_rss_bytes": ...}

Used by benches/open_big.rs (run in a child process so the RSS is neo's alone).
"""
import json
import resource
import sys
import time

import neo.rawio

t0 = time.perf_counter()
r = neo.rawio.PhyRawIO(dirname=sys.argv[1])
r.parse_header()
n = 0
for u in range(r.spike_channels_count()):
    n += len(r.get_spike_timestamps(0, 0, u, None, None))
dt = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": dt, "max_rss_bytes": rss, "spikes": n}))
