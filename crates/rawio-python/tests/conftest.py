"""Shared test machinery: which recordings to test, and a dump through the neo API.

Recordings are discovered, not listed, so a format merged into the umbrella crate is covered as
soon as it is compiled in (its one line in ``rawio/_formats.py`` names its class):

* generated fixtures: ``testdata/<format_id>/**`` of this repository (``golden`` folders left out);
* real files: ``$RAWIO_SHARED/testdata/<format_id>/**`` (default ``../shared`` beside the
  repository); tests on them skip with the reason when that folder is absent.

An entry is a path that the format's own sniffer recognises (rawio's ``Format::sniff``): for
a ``dirname`` format the topmost recognised folder, for a ``filename`` format the best file per
stem (``session.xml`` rather than ``session.dat``).

neo's reference is the ``neo.rawio`` class named in the table. ``.ci/oracle-cases.txt`` (kept by
the format engineers) gives, per real file, the JSON-pointer globs where neo 0.14.6 is known to
be wrong (docs/neo-differences.md); ``NEO_FIXTURE_DIFFERENCES`` below does the same for the
generated fixtures of each format.
"""
import fnmatch
import os
import warnings

import numpy as np
import pytest

import rawio
from rawio import _rawio
from rawio._formats import FORMATS

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SHARED = os.environ.get("RAWIO_SHARED", os.path.join(ROOT, "..", "shared"))
SHARED_TESTDATA = os.path.join(SHARED, "testdata")
ENABLED = rawio.enabled_formats()
ENTRY = {f.format_id: f for f in FORMATS}

# Differences from neo 0.14.6 on the generated fixtures, per format (docs/neo-differences.md):
# JSON-pointer globs of the rawio-dump/1 document that are not compared with neo.
NEO_FIXTURE_DIFFERENCES = {
    # neo reads no spikes or events; .lfp/.eeg at samplingRate (#1, #4, #5, #6)
    "neuroscope": ["/spike_channels", "/event_channels", "/segments/*/spikes", "/segments/*/events",
                   "/signal_channels/*/sampling_rate", "/segments/*/t_stop"],
    # last block, block offsets, slow gain, t_start, t_stop, late spikes (#1-#5, #12)
    "plexon": ["/segments/*/t_stop", "/segments/*/signals/*/t_start", "/segments/*/signals/*/head",
               "/segments/*/signals/*/tail", "/segments/*/signals/*/sum", "/signal_channels/*/gain"],
    # neo has no raw stream, no waveforms, unsorted / 2-D timestamps, shorter t_stop (#3-#6)
    "phy": ["/signal_streams", "/signal_channels", "/segments/*/signals", "/segments/*/t_stop",
            "/spike_channels/*/wf_*", "/segments/*/spikes/*/waveform_*", "/segments/*/spikes/*/head_s",
            "/segments/*/spikes/*/tail_s", "/segments/*/spikes/*/times_s"],
}


def _sniff(path, fid):
    try:
        return _rawio.sniff(path).get(fid, 0)
    except Exception:  # noqa: BLE001 - sniffers never fail; a bad path is simply not an entry
        return 0


def discover(root, fid):
    """Entry paths of format ``fid`` under ``root`` (see the module docs)."""
    if not os.path.isdir(root):
        return []
    dirs = ENTRY[fid].kwarg == "dirname" if fid in ENTRY else False
    found = []
    for d, subdirs, files in os.walk(root):
        subdirs.sort()
        subdirs[:] = [s for s in subdirs if s != "golden" and not s.startswith(".")]
        if dirs:
            if d != root and _sniff(d, fid) > 0:  # the format's own folder holds recordings
                found.append(d)
                subdirs[:] = []  # the topmost recognised folder
            continue
        best = {}
        for f in sorted(files):
            p = os.path.join(d, f)
            c = _sniff(p, fid)
            if c > 0:
                stem = os.path.splitext(p)[0]
                if stem not in best or c > best[stem][0]:
                    best[stem] = (c, p)
        found.extend(p for _, p in sorted(best.values(), key=lambda cp: cp[1]))
    return found


def fixture_entries():
    return [(fid, p) for fid in ENABLED for p in discover(os.path.join(ROOT, "testdata", fid), fid)]


def shared_entries():
    """Discovered real recordings, plus every path .ci/oracle-cases.txt names (a folder of
    several datasets is an entry as a whole and each dataset the format engineers list is one)."""
    found = [(fid, p) for fid in ENABLED for p in discover(os.path.join(SHARED_TESTDATA, fid), fid)]
    seen = {os.path.normpath(p) for _, p in found}
    for fid, p, _ in oracle_cases():
        if fid in ENABLED and os.path.exists(p) and os.path.normpath(p) not in seen:
            found.append((fid, p))
            seen.add(os.path.normpath(p))
    return found


def all_entries():
    return [pytest.param(fid, p, id=f"{fid}:{os.path.relpath(p, ROOT if p.startswith(ROOT) else SHARED)}")
            for fid, p in fixture_entries() + shared_entries()]


# the oracle check compares head/tail excerpts; the tests compare every value ("full" dumps): an
# excerpt ignored there is ignored here in full
_FULL = {"head_s": "times_s", "tail_s": "times_s", "head_durations_s": "durations_s",
         "head_labels": "labels", "tail_labels": "labels"}


def full_ignores(ignores):
    out = list(ignores)
    for i in ignores:
        head, _, last = i.rpartition("/")
        if last in _FULL:
            out.append(f"{head}/{_FULL[last]}")
    return out


def oracle_cases():
    """``(format_id, absolute path, [ignore globs])`` from .ci/oracle-cases.txt."""
    cases = []
    path = os.path.join(ROOT, ".ci", "oracle-cases.txt")
    if not os.path.exists(path):
        return cases
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fid, rel, args = (line.split("|") + ["", ""])[:3]
        toks = args.split()
        ignores = [toks[i + 1] for i, t in enumerate(toks[:-1]) if t == "--ignore"]
        cases.append((fid, os.path.join(SHARED_TESTDATA, rel), full_ignores(ignores)))
    return cases


def ours(fid, path):
    cls = rawio.class_for(fid)
    r = cls(**{cls._kwarg: path})
    r.parse_header()
    return r


def neo_class(fid):
    neo_rawio = pytest.importorskip("neo.rawio")
    name = ENTRY[fid].neo_rawio if fid in ENTRY else None
    if name is None:
        pytest.skip(f"neo has no RawIO for {fid}")
    return getattr(neo_rawio, name)


def neo_reader(fid, path):
    """neo's reader with its header parsed, or ``None`` when neo cannot read the file."""
    cls = neo_class(fid)
    kw = ENTRY[fid].kwarg
    extra = {"progress_bar": False} if fid == "plexon" else {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = cls(**{kw: path}, **extra)
            r.parse_header()
        return r
    except Exception:  # noqa: BLE001 - neo's many failure modes on bad files
        return None


def need_shared():
    if not os.path.isdir(SHARED_TESTDATA):
        pytest.skip(f"{SHARED_TESTDATA} is absent: real-file tests not run")


# ------------------------------------------------------------------- dump through the neo API

HEAD = 3
EDGE = 5
CHUNK_VALUES = 1 << 20


def _plain(x):
    if isinstance(x, np.ndarray):
        return _plain(x.tolist())
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, (bytes, np.bytes_)):
        return x.decode("utf-8", "replace")
    if isinstance(x, np.generic):
        return _plain(x.item())
    if isinstance(x, float) and not np.isfinite(x):
        return "NaN" if np.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def _sum(a):
    if a.dtype.kind in "iu":
        return a.sum(axis=0, dtype=np.uint64 if a.dtype.kind == "u" else np.int64).astype(object)
    return a.sum(axis=0, dtype=np.float64)


def api_dump(r, full=True, lenient=False):
    """The rawio-dump/1 document of any reader with neo's API (neo's or ours). ``lenient``
    (for neo) writes null for signal parts the reader raises on (neo's Plexon reads, #2)."""

    def rows(b, s, k, i0, i1):
        try:
            return _plain(r.get_analogsignal_chunk(b, s, i0, i1, k))
        except Exception:  # noqa: BLE001
            if not lenient:
                raise
            return None

    h = r.header
    fields = {
        "signal_streams": ["name", "id", "buffer_id"],
        "signal_channels": ["name", "id", "sampling_rate", "dtype", "units", "gain", "offset", "stream_id",
                            "buffer_id"],
        "spike_channels": ["name", "id", "wf_units", "wf_gain", "wf_offset", "wf_left_sweep", "wf_sampling_rate"],
        "event_channels": ["name", "id", "type"],
    }
    out = {"nb_block": int(h["nb_block"]),
           "nb_segment": [int(h["nb_segment"][b]) for b in range(int(h["nb_block"]))]}
    for key, names in fields.items():
        out[key] = [{f: _plain(row[f]) for f in names} for row in h[key]]
    segments = []
    for b in range(out["nb_block"]):
        for s in range(out["nb_segment"][b]):
            sigs = []
            for k in range(r.signal_streams_count()):
                size = int(r.get_signal_size(b, s, k))
                n = min(HEAD, size)
                e = {"stream_index": k, "t_start": float(r.get_signal_t_start(b, s, k)), "size": size}
                e["head"] = rows(b, s, k, 0, n) if n else []
                e["tail"] = rows(b, s, k, size - n, size) if n else []
                nch = r.signal_channels_count(k)
                step = max(1, CHUNK_VALUES // max(1, nch))
                total = np.zeros(nch, dtype=object)
                try:
                    for i0 in range(0, size, step):
                        total = total + _sum(r.get_analogsignal_chunk(b, s, i0, min(size, i0 + step), k))
                    e["sum"] = [float(v) for v in total]
                except Exception:  # noqa: BLE001
                    if not lenient:
                        raise
                    e["sum"] = None
                sigs.append(e)
            spikes = []
            for u in range(r.spike_channels_count()):
                ts = r.get_spike_timestamps(b, s, u, None, None)
                t = r.rescale_spike_timestamp(ts, "float64").tolist()
                wf = r.get_spike_raw_waveforms(b, s, u, None, None) if len(t) else None
                e = {"unit_index": u, "count": int(r.spike_count(b, s, u)), "head_s": t[:EDGE],
                     "tail_s": t[-EDGE:]}
                if len(t):
                    e["waveform_shape"] = None if wf is None else list(wf.shape)
                    e["waveform_sum"] = None if wf is None else float(wf.sum(dtype=np.float64)
                                                                      if wf.dtype.kind == "f" else
                                                                      int(wf.astype(np.int64).sum()))
                if full:
                    e["times_s"] = t
                spikes.append(e)
            events = []
            for ev in range(r.event_channels_count()):
                ts, dur, labels = r.get_event_timestamps(b, s, ev, None, None)
                t = r.rescale_event_timestamp(ts, "float64", event_channel_index=ev).tolist()
                d = None if dur is None else r.rescale_epoch_duration(dur, "float64", event_channel_index=ev).tolist()
                labels = [_plain(v) if isinstance(v, (bytes, np.bytes_)) else str(v) for v in labels]
                e = {"event_index": ev, "count": int(r.event_count(b, s, ev)), "head_s": t[:EDGE],
                     "tail_s": t[-EDGE:], "head_durations_s": None if d is None else d[:EDGE],
                     "head_labels": labels[:EDGE], "tail_labels": labels[-EDGE:]}
                if full:
                    e.update(times_s=t, durations_s=d, labels=labels)
                events.append(e)
            segments.append({"block": b, "segment": s, "t_start": float(r.segment_t_start(b, s)),
                             "t_stop": float(r.segment_t_stop(b, s)), "signals": sigs, "spikes": spikes,
                             "events": events})
    out["segments"] = segments
    return out


def _glob(pattern, parts):
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(_glob(pattern[1:], parts[i:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], pattern[0]) and _glob(pattern[1:], parts[1:])


def diff(expected, actual, ignore=(), rtol=0.0, atol=0.0, sum_rtol=0.0, sum_atol=1e-9):
    """Mismatches (JSON pointer: expected, got) of ``actual`` against ``expected`` (keys only in
    ``actual`` are fine), skipping the ``ignore`` globs. Numbers within ``atol + rtol*|e|``;
    sums of float data (``sum``, ``waveform_sum``) within ``sum_atol + sum_rtol*|e|`` (summation
    order; integer sums are exact on both sides)."""
    pats = [p.strip("/").split("/") for p in ignore]
    out = []

    def num(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    def walk(e, a, parts):
        if any(_glob(p, parts) for p in pats):
            return
        path = "/" + "/".join(parts)
        if isinstance(e, dict) and isinstance(a, dict):
            for k, v in e.items():
                if k not in a:
                    out.append(f"{path}/{k}: missing")
                else:
                    walk(v, a[k], parts + [k])
        elif isinstance(e, list) and isinstance(a, list):
            if len(e) != len(a):
                out.append(f"{path}: {len(e)} elements, got {len(a)}")
            for i, (x, y) in enumerate(zip(e, a)):
                walk(x, y, parts + [str(i)])
        elif num(e) and num(a):
            is_sum = len(parts) > 1 and parts[-2] == "sum" or parts[-1:] == ["waveform_sum"]
            tol, slack = (max(rtol, sum_rtol), max(atol, sum_atol)) if is_sum and isinstance(e, float) and \
                not float(e).is_integer() else (rtol, atol)
            if abs(a - e) > slack + tol * abs(e):
                out.append(f"{path}: expected {e!r}, got {a!r}")
        elif e != a or type(e) is not type(a) and not (num(e) and num(a)):
            out.append(f"{path}: expected {e!r}, got {a!r}")

    walk(expected, actual, [])
    return out
