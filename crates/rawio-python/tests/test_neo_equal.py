"""Against neo 0.14.6 itself, live: on the same files our header (neo's exact dtypes), sizes,
t_starts, chunks (first/last rows, exact sums of every stream), spike times, waveforms and
events equal neo's, except the differences documented in docs/neo-differences.md (the ignore
globs of .ci/oracle-cases.txt for real files, ``NEO_FIXTURE_DIFFERENCES`` for fixtures)."""
import os

import numpy as np
import pytest

from conftest import (ENABLED, ENTRY, NEO_FIXTURE_DIFFERENCES, api_dump, diff, fixture_entries, need_shared,
                      neo_reader, oracle_cases, ours)

HEADER_KEYS = ("signal_buffers", "signal_streams", "signal_channels", "spike_channels", "event_channels")


def _cases():
    out = []
    for fid, path, ignores in oracle_cases():
        if fid in ENABLED and ENTRY.get(fid) and ENTRY[fid].neo_rawio:
            out.append(pytest.param(fid, path, ignores, "real", id=f"{fid}:{os.path.basename(path)}"))
    for fid, path in fixture_entries():
        if fid in NEO_FIXTURE_DIFFERENCES:
            out.append(pytest.param(fid, path, NEO_FIXTURE_DIFFERENCES[fid], "fixture",
                                    id=f"{fid}:fixture:{os.path.basename(path)}"))
    return out


def _both(fid, path, kind):
    if kind == "real":
        need_shared()
        if not os.path.exists(path):
            pytest.skip(f"{path} is not present")
    neo = neo_reader(fid, path)
    if neo is None:
        pytest.skip("neo cannot read this file (docs/neo-differences.md)")
    try:
        return ours(fid, path), neo
    except Exception as e:  # noqa: BLE001
        pytest.fail(f"neo reads {path}, rawio refuses it: {e}")


def _neo_dump(neo, fid):
    return api_dump(neo, lenient=True)  # null where neo raises (Plexon #2), those paths are ignored


@pytest.mark.parametrize("fid,path,ignores,kind", _cases())
def test_dump_equals_neo(fid, path, ignores, kind):
    r, neo = _both(fid, path, kind)
    expected = _neo_dump(neo, fid)
    actual = api_dump(r)
    # the oracle check's tolerance (.ci/oracle-check, compare.py's defaults)
    problems = diff(expected, actual, ignore=ignores, rtol=1e-9, atol=1e-12)
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("fid,path,ignores,kind", _cases())
def test_header_arrays_have_neo_dtypes_and_values(fid, path, ignores, kind):
    r, neo = _both(fid, path, kind)
    for key in HEADER_KEYS:
        assert r.header[key].dtype == neo.header[key].dtype, key
    assert r.header["nb_block"] == neo.header["nb_block"]
    assert [r.header["nb_segment"][b] for b in range(r.block_count())] == \
        [neo.header["nb_segment"][b] for b in range(neo.block_count())]
    for key in HEADER_KEYS:
        if any(i.strip("/").split("/")[0] == key for i in ignores):
            continue
        ours_rows = sorted(r.header[key].tolist())  # rawio groups signal channels by stream (Plexon #11)
        neo_rows = sorted(neo.header[key].tolist())
        assert ours_rows == neo_rows, key


@pytest.mark.parametrize("fid,path,ignores,kind", _cases())
def test_chunks_have_neo_dtype_and_shape(fid, path, ignores, kind):
    r, neo = _both(fid, path, kind)
    if "/signal_streams" in ignores:
        return  # neo has no such streams (Phy #6)
    heads_differ = any(i.endswith("/head") for i in ignores)
    for k in range(r.signal_streams_count()):
        n = min(3, r.get_signal_size(0, 0, k))  # the rows the dump compares (its "head")
        nch = r.signal_channels_count(k)
        sel = list(range(0, nch, 2))
        a = r.get_analogsignal_chunk(0, 0, 0, n, k, channel_indexes=sel)
        b = neo.get_analogsignal_chunk(0, 0, 0, n, k, channel_indexes=sel)
        assert a.dtype == b.dtype and a.shape == b.shape and a.ndim == 2
        if not heads_differ:
            np.testing.assert_array_equal(a, b)
        for dt in ("float32", "float64"):
            fa = r.rescale_signal_raw_to_float(a, dt, k, channel_indexes=sel)
            fb = neo.rescale_signal_raw_to_float(b, dt, k, channel_indexes=sel)
            assert fa.dtype == fb.dtype == np.dtype(dt)
            if not heads_differ and not any(i.endswith("/gain") for i in ignores):
                np.testing.assert_array_equal(fa, fb)  # bit-equal, float32 included
