"""The Python API itself on the generated fixtures: neo's signatures and semantics, zero-copy
reads and when they copy, rescaling numerics, errors, threads, and the extras."""
import json
import mmap
import os
import threading

import numpy as np
import pytest

import rawio
from conftest import ROOT

TD = os.path.join(ROOT, "testdata")
SESSION = os.path.join(TD, "neuroscope", "session.xml")  # 6 int16 channels, 20000 samples, described
PLX = os.path.join(TD, "plexon", "v106_mixed.plx")  # 3 streams, no buffer description
PHY = os.path.join(TD, "phy", "uint64_col")


def golden(rel):
    with open(os.path.join(TD, rel)) as f:
        return json.load(f)


@pytest.fixture
def session():
    r = rawio.NeuroScopeRawIO(filename=SESSION)
    r.parse_header()
    return r


@pytest.fixture
def plx():
    r = rawio.PlexonRawIO(filename=PLX)
    r.parse_header()
    return r


def _base_chain(a):
    while a is not None:
        if isinstance(a, mmap.mmap):
            return True
        a = getattr(a, "base", None)
    return False


def test_header_values_and_exact_neo_dtypes(session):
    h = session.header
    assert h["nb_block"] == 1 and h["nb_segment"] == [1]
    assert h["signal_streams"].dtype == np.dtype([("name", "U128"), ("id", "U64"), ("buffer_id", "U64")])
    assert h["event_channels"].dtype["type"] == np.dtype("S5")
    assert h["signal_streams"].tolist() == [("Signals", "0", "0")]
    assert h["signal_channels"]["name"].tolist()[:3] == ["ch0grp0", "ch1grp0", "ch2grp0"]
    assert h["signal_channels"]["gain"][0] == 20 * 1000 / (2 ** 16 * 1000)
    assert session.get_signal_size(0, 0) == 20000
    assert type(session.get_signal_sampling_rate()) is float and session.get_signal_sampling_rate() == 20000.0
    assert session.header["event_channels"]["type"].tolist() == [b"event", b"event"]


def test_whole_stream_sums_equal_neo_golden(session):
    g = golden("neuroscope/golden/session.neo.json")["segments"][0]["signals"][0]
    a = session.get_analogsignal_chunk()
    assert a.shape == (g["size"], 6)
    assert a.sum(axis=0, dtype=np.int64).tolist() == [int(v) for v in g["sum"]]
    assert a[0].tolist() == g["head"][0]


def test_contiguous_selections_are_read_only_views_over_a_map(session):
    for kw in ({}, {"channel_indexes": slice(None)}, {"channel_indexes": [1, 2, 3]},
               {"channel_indexes": slice(0, 6, 2)}, {"channel_indexes": np.array([False, True, True, False, False, False])},
               {"channel_ids": ["2", "3"]}, {"channel_names": ["ch1grp0"]}):
        a = session.get_analogsignal_chunk(0, 0, 100, 1100, 0, **kw)
        assert not a.flags.writeable and not a.flags.owndata, kw
        assert _base_chain(a), kw
    # the same values as the Rust reader's copy
    full = session._reader.chunk(0, 0, 0, 100, 1100, None)
    np.testing.assert_array_equal(session.get_analogsignal_chunk(0, 0, 100, 1100, 0), full)
    np.testing.assert_array_equal(session.get_analogsignal_chunk(0, 0, 100, 1100, 0, channel_indexes=slice(0, 6, 2)),
                                  full[:, ::2])


def test_other_selections_copy_only_the_selected_columns(session):
    full = session.get_analogsignal_chunk(0, 0, 0, 500, 0)
    for sel in ([5, 0], [0, 0, 3], [4, 1, 2], np.array([3, 1])):
        a = session.get_analogsignal_chunk(0, 0, 0, 500, 0, channel_indexes=sel)
        assert a.flags.owndata or a.base is not None and not _base_chain(a)
        np.testing.assert_array_equal(a, full[:, list(sel)])
    np.testing.assert_array_equal(session.get_analogsignal_chunk(0, 0, 0, 500, 0, channel_indexes=[-1]), full[:, [5]])


def test_files_without_description_come_from_rust_owned(plx):
    assert not plx.has_buffer_description_api()
    with pytest.raises(ValueError, match="stream_index must be given"):
        plx.get_analogsignal_chunk(0, 0, 0, 10)
    for k in range(plx.signal_streams_count()):
        n = plx.get_signal_size(0, 0, k)
        a = plx.get_analogsignal_chunk(0, 0, 0, n, k)
        assert a.flags.writeable and a.dtype == np.int16 and a.shape == (n, plx.signal_channels_count(k))
        np.testing.assert_array_equal(a[1:], plx.get_analogsignal_chunk(0, 0, 1, n, k))
    assert plx.get_analogsignal_chunk(0, 0, 5, 5, 0).shape == (0, 1)


def test_zero_stop_means_zero_samples_and_bounds_are_errors(session):
    assert session.get_analogsignal_chunk(0, 0, 0, 0).shape == (0, 6)
    with pytest.raises(IndexError):
        session.get_analogsignal_chunk(0, 0, 0, 20001)
    with pytest.raises(rawio.OutOfRangeError, match="i_stop 20001 out of range"):
        session.get_analogsignal_chunk(0, 0, 0, 20001)
    with pytest.raises(ValueError):
        session.get_analogsignal_chunk(0, 0, 10, 5)
    with pytest.raises(IndexError):
        session.get_analogsignal_chunk(0, 1)
    with pytest.raises(IndexError):
        session.get_analogsignal_chunk(0, 0, channel_indexes=[6])
    with pytest.raises(ValueError, match="boolean"):
        session.get_analogsignal_chunk(0, 0, channel_indexes=np.ones(5, dtype=bool))
    with pytest.raises(ValueError, match="unknown channel id"):
        session.get_analogsignal_chunk(0, 0, channel_ids=["99"])
    with pytest.raises(rawio.OutOfRangeError):
        session.get_spike_timestamps(0, 0, 99)
    with pytest.raises(rawio.OutOfRangeError):
        session.get_event_timestamps(0, 0, 2)


def test_rescale_is_bit_equal_to_neos_numpy_formula(session):
    def neo_formula(raw, gains, offsets, dt):
        f = raw.astype(dt)
        if np.any(gains != 1.0):
            f *= gains
        if np.any(offsets != 0.0):
            f += offsets
        return f

    raw = session.get_analogsignal_chunk(0, 0, 0, 20000, 0, channel_indexes=slice(0, 6, 2))
    gains = session.header["signal_channels"]["gain"][::2]
    for dt in ("float32", "float64"):
        got = session.rescale_signal_raw_to_float(raw, dt, 0, channel_indexes=slice(0, 6, 2))
        want = neo_formula(raw, gains, np.zeros(3), dt)
        assert got.dtype == np.dtype(dt) and got.flags.c_contiguous
        np.testing.assert_array_equal(got, want)
    # the compiled kernel with offsets, on int32, float64, strided and uint16 data
    r = np.arange(-5000, 5000, dtype=np.int32).reshape(-1, 2) * 977
    g, o = np.array([0.1, 3.3]), np.array([0.5, -1e-3])
    for raw in (r, r.astype(np.float64) / 7, r[::3], r.astype(np.uint16), r.astype(np.int64)):
        for dt in ("float32", "float64"):
            got = rawio._rawio.rescale_signal(raw, g.tolist(), o.tolist(), dt == "float32")
            np.testing.assert_array_equal(got, neo_formula(raw, g, o, dt))
    assert rawio._rawio.rescale_signal(r.astype(">i4"), g.tolist(), o.tolist(), True) is None  # numpy path
    # column-major input (Open Ephys legacy chunks) gives column-major output, as astype does
    for raw in (np.asfortranarray(r), np.asfortranarray(r)[::2], np.asfortranarray(r.astype(np.int16))):
        for dt in ("float32", "float64"):
            got = rawio._rawio.rescale_signal(raw, g.tolist(), o.tolist(), dt == "float32")
            want = neo_formula(raw, g, o, dt)
            np.testing.assert_array_equal(got, want)
            assert got.flags.f_contiguous == want.flags.f_contiguous
            assert got.flags.c_contiguous == want.flags.c_contiguous
    # an unaligned map (Blackrock's first data block is at an odd offset) is never viewed from
    # Rust; the class copies it first
    buf = np.zeros(r.size * 2 + 1, dtype=np.uint8)
    unaligned = np.ndarray(r.shape, dtype=np.int16, buffer=buf, offset=1)
    unaligned[:] = r.astype(np.int16)
    assert not unaligned.flags.aligned
    assert rawio._rawio.rescale_signal(unaligned, g.tolist(), o.tolist(), True) is None
    two = session.header["signal_channels"]["gain"][:2]
    got = session.rescale_signal_raw_to_float(unaligned, "float32", 0, channel_indexes=[0, 1])
    np.testing.assert_array_equal(got, neo_formula(unaligned, two, np.zeros(2), "float32"))
    np.testing.assert_array_equal(session.rescale_signal_raw_to_float(raw[:, :1].repeat(6, 1).astype(np.int16),
                                                                      "float16"),
                                  neo_formula(raw[:, :1].repeat(6, 1).astype(np.int16),
                                              session.header["signal_channels"]["gain"], np.zeros(6), "float16"))


def test_spikes_events_and_waveforms_have_neo_semantics(session):
    truth = golden("neuroscope/golden/session.truth.json")
    units = session.header["spike_channels"]
    assert units["name"][0] == "shank1_cluster0"
    ts = session.get_spike_timestamps(0, 0, 0)
    assert ts.dtype.kind in "iu" and np.all(np.diff(ts.astype(np.int64)) >= 0)
    t = session.rescale_spike_timestamp(ts)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t, ts.astype(np.float64) / 20000.0)
    assert session.rescale_spike_timestamp(ts, "float32").dtype == np.float32
    # a window around a spike's own time always returns it (inclusive bounds)
    for i in (0, 1, len(t) - 1):
        got = session.get_spike_timestamps(0, 0, 0, t[i], t[i])
        assert ts[i] in got
    wf = session.get_spike_raw_waveforms(0, 0, 0)
    assert wf.ndim == 3 and wf.shape[0] == len(ts)
    w = session.get_spike_raw_waveforms(0, 0, 0, t[1], t[3])
    assert w.shape[0] == session.get_spike_timestamps(0, 0, 0, t[1], t[3]).shape[0] == 3
    f = session.rescale_waveforms_to_float(wf, "float64", 0)
    np.testing.assert_array_equal(f, wf.astype(np.float64) * units["wf_gain"][0])
    ts, dur, labels = session.get_event_timestamps(0, 0, 0)
    assert dur is None and labels.dtype.kind == "U" and ts.shape == labels.shape
    assert session.event_count(0, 0, 0) == len(ts)
    assert session.rescale_event_timestamp(ts, event_channel_index=0).dtype == np.float64
    assert "spikes" in json.dumps(truth) or truth


def test_signal_times_and_sample_index_extras(session):
    t = session.get_signal_times(0, 0, 0, 10, 20)
    np.testing.assert_array_equal(t, 0.0 + np.arange(10, 20) / 20000.0)
    assert session.get_signal_clock(0) == "regular"
    assert session.get_signal_sample_index(0, 0, 0, t=15 / 20000.0) == 15
    with pytest.raises(ValueError):
        session.get_signal_times(0, 0, 0, 0, 10, clock="explicit")


def test_buffer_description_is_neos_raw_dict(session):
    assert session.has_buffer_description_api()
    d = session.get_analogsignal_buffer_description(0, 0, "0")
    assert d == {"type": "raw", "file_path": os.path.join(TD, "neuroscope", "session.dat"), "dtype": "<i2",
                 "order": "C", "file_offset": 0, "shape": (20000, 6), "time_axis": 0}
    mm = np.memmap(d["file_path"], dtype=d["dtype"], mode="r", offset=d["file_offset"], shape=d["shape"])
    np.testing.assert_array_equal(mm, session.get_analogsignal_chunk())


def test_blackrock_segments_in_one_data_block_have_the_buffer_api():
    # neo's BlackrockRawIO has no buffer API (docs/neo-differences.md, Python #9); here a
    # recording whose every segment lies in one data block has one, at the block's odd offset
    r = rawio.BlackrockRawIO(filename=os.path.join(TD, "blackrock", "v23_paused.ns5"), load_nev=False)
    r.parse_header()
    assert r.has_buffer_description_api()
    buf = r.header["signal_buffers"]["id"][0]
    d = r.get_analogsignal_buffer_description(0, 0, buf)
    assert d["type"] == "raw" and d["file_path"].endswith("v23_paused.ns2") and d["file_offset"] % 2 == 1
    mm = np.memmap(d["file_path"], dtype=d["dtype"], mode="r", offset=d["file_offset"], shape=d["shape"])
    np.testing.assert_array_equal(mm, r.get_analogsignal_chunk(0, 0, None, None, 0))
    split = rawio.BlackrockRawIO(filename=os.path.join(TD, "blackrock", "v23_split.ns5"), load_nev=False)
    split.parse_header()
    assert not split.has_buffer_description_api()  # its first segment spans three data blocks


def test_raw_annotations_follow_neos_structure(session):
    a = session.raw_annotations
    seg = a["blocks"][0]["segments"][0]
    assert set(seg) >= {"file_origin", "signals", "spikes", "events"}
    sig = seg["signals"][0]
    assert sig["name"] == "Signals" and sig["stream_id"] == "0"
    assert sig["__array_annotations__"]["channel_ids"].tolist() == [str(i) for i in range(6)]
    assert len(seg["spikes"]) == session.spike_channels_count()
    assert seg["spikes"][0]["name"] == "shank1_cluster0" and seg["spikes"][0]["__array_annotations__"] == {}
    assert "Raw annotations" in session._repr_annotations()


def test_constructors_mirror_neo_and_refuse_what_they_cannot_honour():
    assert rawio.PhyRawIO.rawmode == "one-dir" and rawio.PlexonRawIO.rawmode == "one-file"
    r = rawio.PhyRawIO(dirname=PHY)
    assert "nb_block" not in repr(r) and r.source_name() == PHY
    r.parse_header()
    assert "nb_block" in repr(r)
    assert rawio.PlexonRawIO(PLX, progress_bar=False).filename == PLX
    with pytest.raises(TypeError, match="dirname"):
        rawio.PhyRawIO(filename=PHY)
    with pytest.raises(TypeError, match="unexpected keyword"):
        rawio.PlexonRawIO(filename=PLX, bogus=1)
    with pytest.raises(NotImplementedError, match="load_amplitudes"):
        rawio.PhyRawIO(dirname=PHY, load_amplitudes=True)
    rawio.PhyRawIO(dirname=PHY, load_amplitudes=False)
    missing = [f for f in rawio.FORMATS if f.format_id not in rawio.enabled_formats()]
    for f in missing:
        with pytest.raises(NotImplementedError, match=f"'{f.format_id}' format is not compiled"):
            getattr(rawio, f.class_name)(**{f.kwarg: "x"})
    with pytest.raises(FileNotFoundError) as e:
        rawio.NeuroScopeRawIO(filename=os.path.join(TD, "nope.xml")).parse_header()
    assert isinstance(e.value, rawio.MissingFileError) and "nope.xml" in str(e.value)


def test_open_sniffs_any_format_and_dump_json():
    for path, cls in ((SESSION, rawio.NeuroScopeRawIO), (PLX, rawio.PlexonRawIO), (PHY, rawio.PhyRawIO),
                      (os.path.join(TD, "nwb", "ecephys.nwb"), rawio.NWBRawIO)):
        r = rawio.open(path)
        assert type(r) is cls and r.header is not None
    d = rawio.open(PLX, format="PlexonRawIO").dump_json()
    assert d["schema"] == "rawio-dump/1" and d["format"] == "plexon"
    with pytest.raises(rawio.UnknownFormatError):
        rawio.open(os.path.join(TD, "plexon", "golden"))
    assert [f[0] for f in rawio.formats()] == rawio.enabled_formats()


def test_concurrent_reads_agree(plx, session):
    want = {k: plx.get_analogsignal_chunk(0, 0, None, None, k) for k in range(3)}
    want_s = session.get_analogsignal_chunk(0, 0, channel_indexes=[5, 1])
    errors = []

    def work():
        try:
            for _ in range(20):
                for k in range(3):
                    np.testing.assert_array_equal(plx.get_analogsignal_chunk(0, 0, None, None, k), want[k])
                np.testing.assert_array_equal(session.get_analogsignal_chunk(0, 0, channel_indexes=[5, 1]), want_s)
                plx.get_spike_timestamps(0, 0, 1)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
