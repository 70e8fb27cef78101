"""JSON helpers shared by the `spikedata` golden generators (NaN floats become null; floats
keep their repr, so they round-trip exactly)."""

import numpy as np


def fl(x):
    x = float(x)
    return None if np.isnan(x) else x


def fls(a):
    return [fl(v) for v in np.asarray(a, dtype=float).ravel()]


def ints(a):
    return [int(v) for v in np.asarray(a).ravel()]


def attempt(f):
    try:
        return {"ok": f()}
    except Exception as e:  # the Rust side must fail too
        return {"error": f"{type(e).__name__}: {e}"}
