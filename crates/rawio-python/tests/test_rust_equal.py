"""The Python layer is faithful to the Rust reader: everything read through the neo API
(header tables, sizes, t_starts, first/last rows and exact sums of every stream, every spike time,
waveform shapes and sums, every event time, duration and label) equals ``rawio dump --json
--full`` of the same reader, on every fixture and real file. neo parity then follows from the
Rust tests, which compare that dump with neo's (tests/test_neo_equal.py checks it directly too)."""
import pytest

import rawio
from conftest import all_entries, api_dump, diff


@pytest.mark.parametrize("fid,path", all_entries())
def test_python_api_equals_rust_dump(fid, path):
    try:
        r = rawio.open(path, format=fid)
    except rawio.RawIOError as e:
        pytest.skip(f"rawio refuses this file on purpose (tests/test_compliance.py): {e}")
    try:
        rust = r.dump_json(full=True)
    except rawio.RawIOError as e:
        with pytest.raises(type(e)):
            api_dump(r)
        return
    ours = api_dump(r)
    # integer sums are exact on both sides; float sums differ only by summation order
    problems = diff(ours, rust, sum_rtol=1e-12)
    assert not problems, "\n".join(problems[:40])
    assert rust["format"] == fid
