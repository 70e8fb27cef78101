"""neo's constructor options reach the Rust readers (and agree with neo), rawio's own options
pass through ``rawio_options=``, and what rawio cannot honour is refused by name."""
import os

import numpy as np
import pytest

import rawio
from conftest import ROOT

TD = os.path.join(ROOT, "testdata")
neo_rawio = pytest.importorskip("neo.rawio")


def _rows(r, key):
    return sorted(tuple(x) for x in r.header[key].tolist())


def _both(cls, **kw):
    ours = getattr(rawio, cls)(**kw)
    ours.parse_header()
    theirs = getattr(neo_rawio, cls)(**kw)
    theirs.parse_header()
    return ours, theirs


@pytest.mark.parametrize("nsx", [5, "max", [2], "all", None])
def test_blackrock_nsx_to_load_is_neos(nsx):
    path = os.path.join(TD, "blackrock", "v23_paused.ns5")
    # neo refuses this pair's .nev (its pause packets; docs/neo-differences.md): signals only
    ours, theirs = _both("BlackrockRawIO", filename=path, nsx_to_load=nsx, load_nev=False)
    assert _rows(ours, "signal_streams") == _rows(theirs, "signal_streams")
    # neo keeps the bytes after a label's NUL (docs/neo-differences.md, Blackrock)
    assert ours.header["signal_channels"]["name"].tolist() == \
        [n.split("\x00")[0] for n in theirs.header["signal_channels"]["name"].tolist()]
    for k in range(ours.signal_streams_count()):
        assert ours.get_signal_size(0, 0, k) == theirs.get_signal_size(0, 0, k)
        np.testing.assert_array_equal(ours.get_analogsignal_chunk(0, 0, 0, 10, k),
                                      theirs.get_analogsignal_chunk(0, 0, 0, 10, k))


def test_blackrock_load_nev_false_drops_spikes_and_events_as_neo():
    path = os.path.join(TD, "blackrock", "v21.ns2")
    full = rawio.BlackrockRawIO(filename=path)
    full.parse_header()
    assert full.spike_channels_count() > 0
    ours, theirs = _both("BlackrockRawIO", filename=path, load_nev=False)
    assert ours.spike_channels_count() == theirs.spike_channels_count() == 0
    assert ours.event_channels_count() == theirs.event_channels_count()
    assert _rows(ours, "signal_streams") == _rows(theirs, "signal_streams")


def test_blackrock_gap_tolerance_reaches_the_ptp_reader():
    path = os.path.join(TD, "blackrock", "ptp.ns6")
    wide = rawio.BlackrockRawIO(filename=path, load_nev=False, gap_tolerance_ms=1e9)
    wide.parse_header()
    default = rawio.BlackrockRawIO(filename=path, load_nev=False)
    default.parse_header()
    # a tolerance larger than any gap keeps one segment; the 10 ms default splits at the pause
    assert wide.segment_count(0) == 1 < default.segment_count(0)
    total = sum(default.get_signal_size(0, s, 0) for s in range(default.segment_count(0)))
    assert wide.get_signal_size(0, 0, 0) == total


def test_neuroscope_binary_file_is_neos():
    xml = os.path.join(TD, "neuroscope", "session.xml")
    lfp = os.path.join(TD, "neuroscope", "session.lfp")
    ours, theirs = _both("NeuroScopeRawIO", filename=xml, binary_file=lfp)
    assert _rows(ours, "signal_streams") == _rows(theirs, "signal_streams")
    # neo reads an .lfp at the .dat's rate (docs/neo-differences.md, Neuroscope #1)
    assert ours.get_signal_sampling_rate(0) == 1250.0 and theirs.get_signal_sampling_rate(0) == 20000.0
    assert ours.get_signal_size(0, 0, 0) == theirs.get_signal_size(0, 0, 0)
    np.testing.assert_array_equal(ours.get_analogsignal_chunk(0, 0, 0, 100, 0),
                                  theirs.get_analogsignal_chunk(0, 0, 0, 100, 0))


def _sizes(r, b):
    return [[r.get_signal_size(b, s, k) for k in range(r.signal_streams_count())] for s in range(r.segment_count(b))]


def test_openephys_binary_experiment_names_is_neos():
    node = os.path.join(TD, "openephys-binary", "gui06_multinode", "Record Node 101")
    every = rawio.OpenEphysBinaryRawIO(dirname=node)
    every.parse_header()
    assert every.block_count() == 2
    # neo reads experiment1 of this node (its golden); experiment3 has a truncated .dat it refuses
    for names in ("experiment1", ["experiment1"]):
        ours, theirs = _both("OpenEphysBinaryRawIO", dirname=node, experiment_names=names)
        assert ours.block_count() == theirs.block_count() == 1
        assert _sizes(ours, 0) == _sizes(theirs, 0) == _sizes(every, 0)
    third = rawio.OpenEphysBinaryRawIO(dirname=node, experiment_names="experiment3")
    third.parse_header()
    assert third.block_count() == 1 and _sizes(third, 0) == _sizes(every, 1)
    both = rawio.OpenEphysBinaryRawIO(dirname=node, experiment_names=["experiment1", "experiment3"])
    both.parse_header()
    assert both.block_count() == 2


def test_openephys_legacy_fill_gap_value_fills_the_missing_record():
    d = os.path.join(TD, "openephys-legacy", "damaged")
    zero = rawio.OpenEphysRawIO(dirname=d)
    zero.parse_header()
    seven = rawio.OpenEphysRawIO(dirname=d, fill_gap_value=7, ignore_timestamps_errors=True)
    seven.parse_header()
    a = zero.get_analogsignal_chunk(0, 0, None, None, 0)
    b = seven.get_analogsignal_chunk(0, 0, None, None, 0)
    differ = a != b
    # CH1 misses its second 1024-sample record: exactly those samples change, to 7
    assert differ[:, 0].sum() == 1024 and np.all(b[differ] == 7) and np.all(a[differ] == 0)
    rows = np.flatnonzero(differ[:, 0])
    assert rows[-1] - rows[0] == 1023 and rows[0] % 1024 == 0


def test_phy_load_pcs_and_rawio_options():
    phy = os.path.join(TD, "phy", "uint64_col")
    r = rawio.PhyRawIO(dirname=phy, load_pcs=True)
    r.parse_header()
    assert r.spike_channels_count() == rawio.open(phy).spike_channels_count()
    assert "load_pc_features" in rawio.reader_options("phy")
    assert rawio.reader_options("blackrock") == ["nsx", "load_nev", "ptp_gap_tolerance_ms"]
    r = rawio.open(os.path.join(TD, "blackrock", "v23_paused.ns5"), rawio_options={"nsx": 2, "load_nev": False})
    assert r.signal_streams_count() == 1 and r.spike_channels_count() == 0
    with pytest.raises(ValueError, match=r"no option \"bogus\" \(its options: nsx, load_nev, ptp_gap_tolerance_ms\)"):
        rawio.BlackrockRawIO(filename=os.path.join(TD, "blackrock", "v23_paused.ns5"),
                             rawio_options={"bogus": 1}).parse_header()
    with pytest.raises(ValueError, match="nsx="):
        rawio.open(os.path.join(TD, "blackrock", "v23_paused.ns5"), rawio_options={"nsx": "five"})


def test_options_rawio_cannot_honour_are_refused_by_name():
    ns5 = os.path.join(TD, "blackrock", "v23_paused.ns5")
    for kw in ({"nsx_override": "other"}, {"nev_override": "other"}):
        with pytest.raises(NotImplementedError, match=next(iter(kw))):
            rawio.BlackrockRawIO(filename=ns5, **kw)
    with pytest.raises(NotImplementedError, match="load_amplitudes"):
        rawio.PhyRawIO(dirname=os.path.join(TD, "phy", "uint64_col"), load_amplitudes=True)
    with pytest.raises(TypeError, match="unexpected keyword argument 'binary_file'"):
        rawio.BlackrockRawIO(filename=ns5, binary_file="x")  # another class's option, as neo
    with pytest.raises(ValueError, match="nsx_to_load is wrong"):
        rawio.BlackrockRawIO(filename=ns5, nsx_to_load="five")


def test_adapters_pass_the_options_on():
    ns5 = os.path.join(TD, "blackrock", "v23_paused.ns5")
    import rawio.neo

    block = rawio.neo.read_block(ns5, reader_kwargs={"nsx_to_load": 2, "load_nev": False})
    assert len(block.segments[0].spiketrains) == 0
    assert {a.sampling_rate.rescale("Hz").magnitude.item() for a in block.segments[0].analogsignals} == {1000.0}
    si = pytest.importorskip("spikeinterface")
    import rawio.spikeinterface as rsi

    names, _ = rsi.get_streams(ns5, reader_kwargs={"nsx_to_load": 5, "load_nev": False})
    assert len(names) == 1
    rec = rsi.read_recording(ns5, reader_kwargs={"nsx_to_load": 5, "load_nev": False})
    assert rec.get_sampling_frequency() == 30000.0
    again = si.load(rec.to_dict())  # the options survive serialisation
    assert again.get_num_channels() == rec.get_num_channels()
    np.testing.assert_array_equal(again.get_traces(segment_index=1, end_frame=10),
                                  rec.get_traces(segment_index=1, end_frame=10))
