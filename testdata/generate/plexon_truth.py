#!/usr/bin/env python3
"""Independent signal truth for a Plexon .plx file, straight from its data blocks.

    python3 testdata/generate/plexon_truth.py FILE.plx > testdata/plexon/golden/NAME.blocks.json

Walks the data blocks with nothing but `struct` (no neo, no rawio) and prints, for every slow
(continuous) channel with data, in slow-header order: its number, name, sampling rate, number
of blocks and samples, the exact sum of all samples, the first and last three samples, the
first block's timestamp (ticks) and the gaps between consecutive blocks (more than one tick
away from contiguous). Also the number of blocks of each type and the file's last block
timestamp. neo 0.14.6 is wrong about signals (it zeroes the last block and mis-accumulates
block offsets), so rawio's tests check its signal sums against this output.
"""
import json
import struct
import sys


def main(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, version = struct.unpack_from("<Ii", data, 0)
    assert magic == 0x58454C50, "not a PLX file"
    adf, n_dsp, n_ev, n_slow = struct.unpack_from("<iiii", data, 136)
    pos = 7504 + 1020 * n_dsp + 296 * n_ev
    slow = []
    for i in range(n_slow):
        name = data[pos:pos + 32].split(b"\0")[0].decode("utf-8", "replace")
        ch, rate = struct.unpack_from("<ii", data, pos + 32)
        slow.append({"channel": ch, "name": name, "rate": rate})
        pos += 296
    chans = {}
    kinds = {}
    last_ts = None
    while pos + 16 <= len(data):
        kind, up, lo, ch, unit, nwf, nw = struct.unpack_from("<HHIHHHH", data, pos)
        n = nwf * nw
        ts = (up << 32) | lo
        kinds[kind] = kinds.get(kind, 0) + 1
        last_ts = ts
        if kind == 5 and n > 0:
            words = struct.unpack_from(f"<{n}h", data, pos + 16)
            c = chans.setdefault(ch, {"blocks": 0, "samples": [], "first_ts": ts, "gaps": [],
                                      "last": None})
            if c["last"] is not None:
                pts, pn = c["last"]
                rate = next((s["rate"] for s in slow if s["channel"] == ch), 0)
                if rate > 0 and abs((ts - pts) * rate - pn * adf) > rate:
                    c["gaps"].append({"sample": len(c["samples"]), "timestamp": ts,
                                      "expected": pts + pn * adf // rate})
            c["last"] = (ts, n)
            c["blocks"] += 1
            c["samples"].extend(words)
        pos += 16 + 2 * n
    out = []
    seen = set()
    for s in slow:
        c = chans.get(s["channel"])
        if c is None or s["channel"] in seen:
            continue
        seen.add(s["channel"])
        x = c["samples"]
        out.append({"channel": s["channel"], "name": s["name"], "rate": s["rate"],
                    "blocks": c["blocks"], "samples": len(x), "sum": sum(x),
                    "head": list(x[:3]), "tail": list(x[-3:]), "first_timestamp": c["first_ts"],
                    "gaps": c["gaps"]})
    doc = {"schema": "plexon-blocks/1", "version": version, "ad_frequency": adf,
           "block_counts": {str(k): v for k, v in sorted(kinds.items())},
           "last_block_timestamp": last_ts, "trailing_bytes": len(data) - pos,
           "slow_channels": out}
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
