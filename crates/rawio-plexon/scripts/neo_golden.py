#!/usr/bin/env python3
"""neo_dump.py for Plexon fixtures, tolerant of neo 0.14.6's broken signal reads.

    $PY crates/rawio-plexon/scripts/neo_golden.py FILE.plx > golden/NAME.neo.json

Same output as /work/shared/oracle/neo_dump.py (schema rawio-dump/1, --full), except that when
neo raises while reading a stream's signal (its block offsets are accumulated with the wrong
block's sample count, plexonrawio.py ~L239, so reads fail when blocks differ in length), that
stream's head/tail/sum are null (the contract's "cannot produce"), with a warning on stderr.
Headers, spikes and events are neo's. Signal truth comes from plexon_fixtures.py /
plexon_truth.py instead.
"""
import os
import sys

ORACLE = os.environ.get("RAWIO_ORACLE", os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "oracle"))
sys.path.insert(0, os.path.abspath(ORACLE))
import neo_dump  # noqa: E402

_dump_signal = neo_dump.dump_signal


def dump_signal(reader, b, s, k):
    try:
        return _dump_signal(reader, b, s, k)
    except Exception as exc:  # neo's cumsum bug
        neo_dump.warn(f"stream {k}: neo cannot read the signal ({type(exc).__name__}: {exc}); null")
        return {"stream_index": k, "t_start": float(reader.get_signal_t_start(b, s, k)),
                "size": int(reader.get_signal_size(b, s, k)), "head": None, "tail": None,
                "sum": None}


neo_dump.dump_signal = dump_signal

if __name__ == "__main__":
    neo_dump.main(["plexon", sys.argv[1], "--full"])
