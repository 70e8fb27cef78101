"""``rawio.spikeinterface`` against SpikeInterface's own neo-based extractors on the same files:
channel ids, rates, sizes, gains, raw and scaled traces (SpikeInterface's
``check_recordings_equal`` plus exact raw equality) and spike trains (``check_sortings_equal``),
except the documented neo differences (Plexon #1: neo's last block of a slow channel is zeros,
so traces are compared before it). Also: serialisation round trip, sortings of every format."""
import os

import numpy as np
import pytest

from conftest import ROOT, need_shared
from test_neo_equal import _cases
from test_neo_io import _ignored

si = pytest.importorskip("spikeinterface")
se = pytest.importorskip("spikeinterface.extractors")
ne = pytest.importorskip("spikeinterface.extractors.neoextractors")
from spikeinterface.core.testing import check_recordings_equal, check_sortings_equal  # noqa: E402

rsi = pytest.importorskip("rawio.spikeinterface")

# SpikeInterface's neo-based extractors per rawio format: (recording class, path keyword), sorting class
SI_RECORDING = {
    "plexon": ("PlexonRecordingExtractor", "file_path"),
    "neuroscope": ("NeuroScopeRecordingExtractor", "file_path"),
    "openephys-binary": ("OpenEphysBinaryRecordingExtractor", "folder_path"),
    "openephys-legacy": ("OpenEphysLegacyRecordingExtractor", "folder_path"),
    "blackrock": ("BlackrockRecordingExtractor", "file_path"),
    "nix": ("NixRecordingExtractor", "file_path"),
}
SI_SORTING = {"plexon": "PlexonSortingExtractor", "blackrock": "BlackrockSortingExtractor"}


def _si_cases(table):
    return [c for c in _cases() if c.values[0] in table]


def _theirs(fid, path, **kw):
    cls_name, key = SI_RECORDING[fid]
    try:
        return getattr(ne, cls_name)(**{key: path}, **kw)
    except Exception as e:  # noqa: BLE001 - neo cannot read the file
        pytest.skip(f"SpikeInterface/neo cannot read it: {type(e).__name__}")


@pytest.mark.parametrize("fid,path,ignores,kind", _si_cases(SI_RECORDING))
def test_recordings_equal_spikeinterface_neo_extractors(fid, path, ignores, kind):
    if kind == "real":
        need_shared()
    if _ignored(ignores, "/signal_streams", "/segments/*/signals"):
        pytest.skip("neo has no such streams")
    try:
        names, ids = rsi.get_streams(path, fid)
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"rawio refuses this file on purpose (tests/test_compliance.py): {e}")
    if not ids:
        pytest.skip("no signal stream")
    for stream_id in ids:
        theirs = _theirs(fid, path, stream_id=stream_id, use_names_as_ids=False)
        ours = rsi.read_recording(path, format=fid, stream_id=stream_id, use_names_as_ids=False)
        assert list(ours.channel_ids) == list(theirs.channel_ids)
        assert ours.get_num_segments() == theirs.get_num_segments()
        if not _ignored(ignores, "/signal_channels/*/sampling_rate"):
            assert ours.sampling_frequency == theirs.sampling_frequency
        # SpikeInterface opens Blackrock files with load_nev=False: neo then has no gains for
        # spec 2.1 channels (1.0); rawio reads them from the .nev (Python package #14)
        gains_differ = fid == "blackrock" and np.all(theirs.get_channel_gains() == 1.0)
        if not _ignored(ignores, "/signal_channels/*/gain") and not gains_differ:
            np.testing.assert_array_equal(ours.get_channel_gains(), theirs.get_channel_gains())
            np.testing.assert_array_equal(ours.get_channel_offsets(), theirs.get_channel_offsets())
        if _ignored(ignores, "/segments/*/signals/*/head"):
            continue  # neo cannot read these rows (Plexon #2)
        sizes_differ = _ignored(ignores, "/segments/*/signals/*/size")  # Blackrock spec 2.1: neo drops one
        for seg in range(ours.get_num_segments()):
            n = ours.get_num_samples(seg)
            if sizes_differ:
                n = min(n, theirs.get_num_samples(seg))
            else:
                assert n == theirs.get_num_samples(seg)
            # neo zero-fills the last block of each Plexon slow channel (#1): compare before it
            stop = n // 2 if _ignored(ignores, "/segments/*/signals/*/tail") else n
            a = ours.get_traces(segment_index=seg, start_frame=0, end_frame=stop)
            b = theirs.get_traces(segment_index=seg, start_frame=0, end_frame=stop)
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)
            if ours.has_scaleable_traces() and not gains_differ:
                np.testing.assert_array_equal(
                    ours.get_traces(segment_index=seg, start_frame=0, end_frame=stop, return_in_uV=True),
                    theirs.get_traces(segment_index=seg, start_frame=0, end_frame=stop, return_in_uV=True))
        if not sizes_differ and not _ignored(ignores, "/segments/*/signals/*/tail",
                                             "/signal_channels/*/sampling_rate"):
            check_recordings_equal(ours, theirs, return_in_uV=False)


@pytest.mark.parametrize("fid,path,ignores,kind", _si_cases(SI_SORTING))
def test_sortings_equal_spikeinterface_neo_extractors(fid, path, ignores, kind):
    if kind == "real":
        need_shared()
    try:
        theirs = getattr(ne, SI_SORTING[fid])(file_path=path)
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"SpikeInterface/neo cannot read it: {type(e).__name__}")
    # SpikeInterface's frames: the raw timestamps (Plexon) or seconds x the signal rate (Blackrock)
    ours = rsi.read_sorting(path, format=fid,
                            sampling_frequency=None if theirs.neo_returns_frames else theirs.sampling_frequency)
    assert ours.sampling_frequency == theirs.sampling_frequency
    if _ignored(ignores, "/segments/*/spikes/*/times_s", "/segments/*/spikes"):
        pytest.skip("spike times differ from neo's by documented differences")
    if ours.to_spike_vector().size:  # SpikeInterface's helper needs a spike
        check_sortings_equal(ours, theirs)
    for seg in range(ours.get_num_segments()):
        for u in ours.unit_ids:
            np.testing.assert_array_equal(ours.get_unit_spike_train(u, segment_index=seg),
                                          theirs.get_unit_spike_train(u, segment_index=seg))


def test_serialisation_round_trip_and_phy_sorting(tmp_path):
    path = os.path.join(ROOT, "testdata", "neuroscope", "session.xml")
    rec = rsi.read_recording(path)
    again = si.load(rec.to_dict())
    check_recordings_equal(rec, again, return_in_uV=False)
    np.testing.assert_array_equal(again.get_traces(start_frame=5, end_frame=50), rec.get_traces(start_frame=5, end_frame=50))
    rec.save(folder=tmp_path / "saved", n_jobs=1, chunk_duration="0.2s")
    saved = si.load(tmp_path / "saved")
    np.testing.assert_array_equal(saved.get_traces(), rec.get_traces())
    # a Phy folder: frames are the spike_times samples, exactly
    phy = os.path.join(ROOT, "testdata", "phy", "uint64_col")
    srt = rsi.read_sorting(phy)
    assert srt.sampling_frequency == 20000.0
    theirs = se.read_phy(phy)  # SpikeInterface keeps the clusters with a group label (0 and 40)
    clusters = srt.neo_reader.header["spike_channels"]["id"].tolist()
    assert list(theirs.unit_ids) == [0, 40] and clusters == ["0", "17", "40"]
    for cluster in theirs.unit_ids:
        u = srt.unit_ids[clusters.index(str(cluster))]
        np.testing.assert_array_equal(np.sort(theirs.get_unit_spike_train(cluster)), srt.get_unit_spike_train(u))
    assert si.load(srt.to_dict()).get_num_units() == srt.get_num_units()
