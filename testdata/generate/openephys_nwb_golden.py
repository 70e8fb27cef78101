#!/usr/bin/env python3
"""Writes testdata/openephys-binary/golden/real/openephys-0.6.7-nwb.json: what the NWB export of
the Open Ephys 0.6.7 example recording holds (../shared/testdata/nwb/openephys-0.6.7-nwb, made by
the GUI's NWB Format plugin from the same recording as ../shared/testdata/openephys-binary/
openephys-0.6.7), read with h5py only, so that the cross-format test does not depend on the NWB
reader:

  continuous   shape, first and last 3 rows and per-channel sums of the raw int16 `data`, the
               first/last `sync` sample numbers, the per-channel `channel_conversion`
  spikes       per SpikeEventSeries: count, first/last sample numbers (`sync`), waveform shape
               and the sum of all raw waveform samples
  ttl          the TTL TimeSeries `sync` sample numbers and `data` states

    PY=$(../shared/oracle/setup.sh); $PY testdata/generate/openephys_nwb_golden.py
"""
import json
import os

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "..", "..", "shared", "testdata", "nwb", "openephys-0.6.7-nwb",
                   "Record Node 105", "experiment1.nwb")
OUT = os.path.join(HERE, "..", "openephys-binary", "golden", "real", "openephys-0.6.7-nwb.json")


def main():
    out = {"source": "nwb/openephys-0.6.7-nwb/Record Node 105/experiment1.nwb"}
    with h5py.File(SRC, "r") as f:
        acq = f["acquisition"]
        es = acq["File Reader-100.example_data"]
        d = es["data"][:]
        sync = es["sync"][:]
        out["continuous"] = {
            "shape": list(d.shape), "head": d[:3].tolist(), "tail": d[-3:].tolist(),
            "sum": [int(v) for v in d.astype(np.int64).sum(axis=0)],
            "first_sample_number": int(sync[0]), "last_sample_number": int(sync[-1]),
            "channel_conversion": [float(v) for v in es["channel_conversion"][:]],
        }
        spikes = {}
        for name in sorted(acq):
            if not name.startswith("Spike Detector"):
                continue
            g = acq[name]
            wf = g["data"][:]
            s = g["sync"][:]
            spikes[name.split(".")[-1]] = {
                "count": int(len(s)), "first_sample_number": int(s[0]),
                "last_sample_number": int(s[-1]), "waveform_shape": list(wf.shape),
                "waveform_sum": int(wf.astype(np.int64).sum()),
            }
        out["spikes"] = spikes
        ttl = acq["Network Events-108.example_data.TTL"]
        out["ttl"] = {"sync": ttl["sync"][:].tolist(), "data": ttl["data"][:].tolist()}
    with open(OUT, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
