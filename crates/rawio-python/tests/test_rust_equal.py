"""The Python layer is faithful to the Rust reader: everything read through the neo API
(header tables, sizes, t_starts, first/last rows and exact sums of every stream, every spike time,
waveform shapes and sums, every event time, duration and label) equals ``rawio dump --json
--full`` of the same reader, on every fixture and real file. neo parity then follows from the
Rust tests, which compare that dump with neo's (tests/test_neo_equal.py checks it directly too)."""
import numpy as np
import pytest

import rawio
from rawio import _base
from conftest import all_entries, api_dump, diff

WIDTHS = {key: dict(getattr(_base, f"_{key[:-1]}_dtype")) for key in
          ("signal_streams", "signal_channels", "spike_channels", "event_channels")}


def neo_widths(dump):
    """The dump's header strings cut to the widths of neo's header dtypes (``U64``...), as the
    header arrays hold them (neo truncates the same way; selection by name or id uses the full
    strings)."""
    for key, fields in WIDTHS.items():
        for row in dump[key]:
            for f, t in fields.items():
                if isinstance(row.get(f), str):
                    row[f] = np.array(row[f], dtype=t).item()
                    row[f] = row[f].decode() if isinstance(row[f], bytes) else row[f]
    return dump


@pytest.mark.parametrize("fid,path", all_entries())
def test_python_api_equals_rust_dump(fid, path):
    try:
        r = rawio.open(path, format=fid)
    except rawio.RawIOError as e:
        pytest.skip(f"rawio refuses this file on purpose (tests/test_compliance.py): {e}")
    try:
        rust = neo_widths(r.dump_json(full=True))
    except rawio.RawIOError as e:
        with pytest.raises(type(e)):
            api_dump(r)
        return
    ours = api_dump(r)
    # integer sums are exact on both sides; float sums differ only by summation order
    problems = diff(ours, rust, sum_rtol=1e-12)
    assert not problems, "\n".join(problems[:40])
    assert rust["format"] == fid
