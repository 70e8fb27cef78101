"""``rawio.pynapple.EphysReader``: every key of every fixture and real file loads into the
pynapple object pynapple itself would build, with rawio's values (signals as stored, on rawio's
clock; units' spike times; events; epochs), and every object round-trips through pynapple's
``save`` / ``load_file``. On a file both read, the keys, types and values equal pynapple's own
``EphysReader`` on neo (except the documented neo differences: Plexon's last slow block)."""
import os
import warnings

import numpy as np
import pytest

import rawio
from conftest import all_entries, need_shared, SHARED_TESTDATA

nap = pytest.importorskip("pynapple")
rp = pytest.importorskip("rawio.pynapple")


def _roundtrip(obj, tmp_path, name):
    f = tmp_path / f"{name}.npz"
    obj.save(str(f))
    back = nap.load_file(str(f))
    assert type(back) is type(obj)
    if isinstance(obj, nap.TsGroup):
        assert list(back.keys()) == list(obj.keys())
        for k in obj.keys():
            np.testing.assert_array_equal(back[k].t, obj[k].t)
    elif isinstance(obj, nap.IntervalSet):
        np.testing.assert_array_equal(back.start, obj.start)
        np.testing.assert_array_equal(back.end, obj.end)
    else:
        np.testing.assert_array_equal(back.t, obj.t)
        if hasattr(obj, "d"):
            np.testing.assert_array_equal(back.d, obj.d[:])


@pytest.mark.parametrize("fid,path", all_entries())
def test_every_key_loads_with_rawio_values_and_round_trips(fid, path, tmp_path):
    try:
        r = rawio.open(path, format=fid)
    except rawio.RawIOError as e:
        pytest.skip(f"rawio refuses this file on purpose (tests/test_compliance.py): {e}")
    try:
        r.get_analogsignal_chunk(0, 0, 0, 1, 0) if r.signal_streams_count() else None
    except rawio.UnsupportedError as e:
        pytest.skip(f"documented unsupported data: {e}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = rp.EphysReader(path, format=fid)
        keys = list(data.keys())
        assert keys or not (r.signal_streams_count() or r.spike_channels_count() or r.event_channels_count())
        single_seg = r.block_count() == 1 and r.segment_count(0) == 1
        n_sig = sum(1 for k in keys if k.split(":")[0].isdigit() and data.data[k]["type"] in ("TsdFrame", "Tsd"))
        one_per_stream = n_sig == r.signal_streams_count()
        for i, key in enumerate(keys):
            obj = data[key]
            assert type(obj).__name__ == key.split(":")[0] or isinstance(
                obj, (nap.TsdFrame, nap.Tsd, nap.TsGroup, nap.Ts, nap.IntervalSet, nap.TsdTensor))
            if single_seg and one_per_stream and key.split(":")[0].isdigit() and isinstance(obj, (nap.TsdFrame, nap.Tsd)):
                k = int(key.split(":")[0])
                raw = r.get_analogsignal_chunk(0, 0, None, None, k)
                d = obj.d[:]  # a lazy interface on neo's path: load by slice
                if not r.has_buffer_description_api():  # pynapple maps raw buffers, loads others rescaled
                    raw = r.rescale_signal_raw_to_float(raw, d.dtype, k)
                np.testing.assert_array_equal(d.reshape(raw.shape) if d.ndim == 1 else d, raw)
                if r.has_buffer_description_api() or r.get_signal_clock(k) == "explicit":
                    # rawio's clock, exactly (the stored times of an explicit clock)
                    np.testing.assert_array_equal(obj.t, r.get_signal_times(0, 0, k))
                else:  # pynapple computes t_start + i * (1 / rate) itself
                    np.testing.assert_allclose(obj.t, r.get_signal_times(0, 0, k), rtol=1e-15, atol=1e-12)
            if key == "TsGroup" and single_seg:
                assert len(obj) == r.spike_channels_count()
                for u in range(r.spike_channels_count()):
                    want = r.rescale_spike_timestamp(r.get_spike_timestamps(0, 0, u))
                    np.testing.assert_allclose(obj[u].t, want, rtol=0, atol=1e-9)  # pynapple keeps µs-rounded ts
            _roundtrip(obj, tmp_path, f"obj{i}")
    data.close()


def test_same_keys_types_and_units_as_pynapples_neo_reader():
    need_shared()
    path = os.path.join(SHARED_TESTDATA, "plexon", "plexon-sdk", "16sp_lfp_with_2coords.plx")
    if not os.path.exists(path):
        pytest.skip(f"{path} is not present")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = rp.EphysReader(path)
        theirs = nap.EphysReader(path, format="PlexonIO")
    assert list(ours.keys()) == list(theirs.keys())
    for k in ours.keys():
        a, b = ours[k], theirs[k]
        assert type(a) is type(b), k
        if isinstance(a, nap.TsGroup):
            assert list(a.keys()) == list(b.keys())
            for u in a.keys():
                np.testing.assert_array_equal(a[u].t, b[u].t)
        elif isinstance(a, nap.IntervalSet):
            np.testing.assert_array_equal(a.values, b.values)
        elif isinstance(a, nap.Ts) and not hasattr(a, "d"):
            np.testing.assert_array_equal(a.t, b.t)
        else:
            assert a.shape == b.shape
            n = a.shape[0] // 2  # neo's last slow block is zeros (Plexon #1)
            np.testing.assert_array_equal(a.d[:n], b.d[:n])
            # neo's signal t_start is always 0 (Plexon #4): the same grid, shifted
            np.testing.assert_allclose(a.t[:n] - a.t[0], b.t[:n] - b.t[0], rtol=0, atol=1e-12)
