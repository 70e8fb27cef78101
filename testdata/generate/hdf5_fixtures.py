"""Fixtures of the rawio-hdf5 layer crate (not a format): testdata/hdf5/layer.h5.

One small file with what a format crate reads through the layer: groups that track link
creation order (NIX's order) and groups that do not, a soft link, object references (dataset
and attribute), an enum, h5py bools, a compound with a reference field, vlen and fixed text,
attributes of every scalar type, a chunked gzip 2-D signal and a contiguous 1-D one.
Deterministic (no random data). Run: python testdata/generate/hdf5_fixtures.py
"""

import os

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "hdf5")


def main():
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "layer.h5")
    with h5py.File(path, "w", libver="latest", track_order=False) as f:
        f.attrs["format"] = "demo"
        f.attrs["version"] = np.array([1, 2, 3], dtype="i8")
        data = f.create_group("data", track_order=True)
        zeta = data.create_group("zeta")
        alpha = data.create_group("alpha")
        data.create_group("mid")
        data.create_dataset("numbers", data=np.arange(5, dtype="u2"))
        sig = np.arange(100 * 4, dtype="i2").reshape(100, 4)
        s = zeta.create_dataset("signal", data=sig, chunks=(10, 4), compression="gzip")
        s.attrs["unit"] = "mV"
        s.attrs["scale"] = np.float32(0.5)
        s.attrs["coefficients"] = np.array([0.25, 2.0])
        s.attrs["count"] = np.uint64(2**40 + 1)
        s.attrs["flag"] = True
        s.attrs["label"] = np.bytes_(b"fixed")
        zeta.create_dataset("signal1d", data=(np.arange(50, dtype="f4") / 4))
        alpha["alias"] = h5py.SoftLink("/data/zeta/signal")
        data.attrs["ref"] = f["data/mid"].ref
        ref_t = h5py.ref_dtype
        f.create_dataset("refs", data=np.array([zeta.ref, s.ref], dtype=ref_t))
        kinds = h5py.enum_dtype({"A": 0, "B": 1, "C": 5}, basetype="i1")
        f.create_dataset("enum", data=np.array([0, 5, 1, 7], dtype="i1"), dtype=kinds)
        f.create_dataset("bools", data=np.array([True, False, True]))
        rec_t = np.dtype([("idx", "<i4"), ("value", "<f8"), ("name", "S6"), ("target", ref_t)])
        recs = np.zeros(2, dtype=rec_t)
        recs[0] = (3, 1.5, b"first", zeta.ref)
        recs[1] = (-1, -0.25, b"second", s.ref)
        f.create_dataset("records", data=recs)
        f.create_dataset("text", data=["alpha", "beta", "gamma"], dtype=h5py.string_dtype())
        f.create_dataset("fixed", data=np.bytes_(b"scalar"))
        f.create_dataset("empty", data=np.zeros((0, 3), dtype="f8"))
    print(path, os.path.getsize(path))


if __name__ == "__main__":
    main()
