"""neo 0.14.6's own compliance suite (neo.test.rawiotest.rawio_compliance), run on our classes
exactly as neo's ``BaseTestRawIO.test_read_all`` drives it, on every generated fixture and every
real file of every compiled-in format.

A recording our reader refuses must be one neo cannot read either (a deliberately broken
fixture), or a refusal documented in docs/neo-differences.md (``DOCUMENTED_REFUSALS``)."""
import logging
import os

import numpy as np

import pytest

import rawio
from conftest import ROOT, all_entries, neo_reader

compliance = pytest.importorskip("neo.test.rawiotest.rawio_compliance")

# (format id, path relative to the repository) -> (the rawio error, why): files rawio refuses on
# purpose, opening or reading (docs/neo-differences.md). The test asserts exactly that error.
DOCUMENTED_REFUSALS = {
    ("plexon", "testdata/plexon/v106_mismatch.plx"):
        (rawio.CorruptFileError, "Plexon #14: channels of one stream disagree in length"),
}


def test_blosc_series_is_left_out_by_name():
    """NWB #10: a Blosc-compressed series is never read as wrong values; since issue 13 the file
    opens, the series is left out and listed under the block annotation ``not_read``."""
    r = rawio.NWBRawIO(filename=os.path.join(ROOT, "testdata/nwb/blosc.h5"))
    r.parse_header()
    assert r.signal_streams_count() == 0
    (nr,) = r.raw_annotations["blocks"][0]["not_read"]
    assert nr["path"] == "/acquisition/blosc_series"
    assert nr["kind"] == "unsupported"
    assert "HDF5 filter 32001" in nr["reason"] and "/acquisition/blosc_series/data" in nr["reason"]


def spike_window_check(reader):
    """neo's read_spike_times asks for the spikes within +-1 ms of spike #1 and asserts exactly
    one comes back: it assumes no other spike of the unit lies that close. Where the data breaks
    that assumption the check cannot pass for any correct reader (neo's included); this asserts
    instead that the window returns exactly the spikes whose rescaled time is inside it
    (inclusive bounds), spike #1 among them. Returns the number of such units."""
    n = 0
    for b in range(reader.block_count()):
        for s in range(reader.segment_count(b)):
            for u in range(reader.spike_channels_count()):
                ts = reader.get_spike_timestamps(b, s, u, None, None)
                times = reader.rescale_spike_timestamp(ts, "float64")
                if times.size <= 3:
                    continue
                t0, t1 = times[1] - 0.001, times[1] + 0.001
                got = reader.rescale_spike_timestamp(reader.get_spike_timestamps(b, s, u, t0, t1), "float64")
                want = times[(times >= t0) & (times <= t1)]
                assert got.tolist() == want.tolist() and times[1] in got
                n += want.size > 1
    return n


def run_neo_driver(reader):
    """neo/test/rawiotest/common_rawio_test.py::BaseTestRawIO.test_read_all, for one reader."""
    txt = repr(reader)
    assert "nb_block" not in txt, "Before parser_header() nb_block should be NOT known"
    reader.parse_header()
    txt = repr(reader)
    assert "nb_block" in txt, "After parser_header() nb_block should be known"
    reader._repr_annotations()
    compliance.header_is_total(reader)
    compliance.check_signal_stream_buffer_hierachy(reader)
    compliance.count_element(reader)
    try:
        compliance.read_analogsignals(reader)
    except ValueError as e:
        # the suite's multi-chunk check reads int(0.5 * rate) samples: a stream slower than 2 Hz
        # (NIX files) gives no chunk and numpy's "need at least one array to concatenate" (neo's
        # own reader fails the same way on the same file)
        slow = [k for k in range(reader.signal_streams_count())
                if int(0.5 * reader.get_signal_sampling_rate(k)) == 0]
        assert slow and "concatenate" in str(e), e
        for k in slow:  # the check the suite meant: chunked reads equal one read
            n = reader.get_signal_size(0, 0, k)
            whole = reader.get_analogsignal_chunk(0, 0, 0, n, k)
            for size in (1, 2, 7):
                parts = [reader.get_analogsignal_chunk(0, 0, i, min(n, i + size), k) for i in range(0, n, size)]
                np.testing.assert_array_equal(np.concatenate(parts), whole)
    try:
        compliance.read_spike_times(reader)
    except AssertionError:
        assert spike_window_check(reader) > 0, "read_spike_times failed without close neighbours"
    compliance.read_spike_waveforms(reader)
    compliance.read_events(reader)
    compliance.has_annotations(reader)
    level = logging.getLogger().getEffectiveLevel()
    logging.getLogger().setLevel(logging.INFO)
    compliance.benchmark_speed_read_signals(reader)
    logging.getLogger().setLevel(level)
    if reader.has_buffer_description_api():
        compliance.check_buffer_api(reader)
        return True
    return False


@pytest.mark.parametrize("fid,path", all_entries())
def test_neo_compliance(fid, path):
    cls = rawio.class_for(fid)
    reader = cls(**{cls._kwarg: path})
    rel = os.path.relpath(path, ROOT)
    if (fid, rel) in DOCUMENTED_REFUSALS:
        error, why = DOCUMENTED_REFUSALS[fid, rel]
        with pytest.raises(error):
            run_neo_driver(reader)
        return
    try:
        run_neo_driver(reader)
    except rawio.RawIOError as e:
        if reader.header is not None:
            raise  # opened, then failed a read: a bug
        assert str(e), "errors carry rawio's message"
        if fid in {f.format_id for f in rawio.FORMATS if f.neo_rawio} and neo_reader(fid, path) is not None:
            pytest.fail(f"neo reads {path} but rawio refuses it: {type(e).__name__}: {e}")
        # a deliberately broken file: neither reads it, and rawio says why (asserted above)
