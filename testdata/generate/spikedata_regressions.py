"""Regression inputs for spikedata's HDF5 loaders (run with the oracle venv's h5py):

    python testdata/generate/spikedata_regressions.py

writes testdata/spikedata/regressions/paired_huge_id.h5: SpikeLab's paired layout whose
second spike belongs to cluster id 2^40 (a padded unit per id below it: the loader must refuse
rather than allocate 2^40 empty trains). raster_huge_units.h5 beside it is a fuzz finding kept
as found (a raster declaring 469762053 units of 0 bins).
"""
import os

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "spikedata", "regressions")
os.makedirs(OUT, exist_ok=True)
with h5py.File(os.path.join(OUT, "paired_huge_id.h5"), "w", track_order=True) as f:
    f.create_dataset("idces", data=np.array([0, 1 << 40], dtype=np.int64))
    f.create_dataset("times", data=np.array([1.0, 2.0], dtype=np.float64))
