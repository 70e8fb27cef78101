"""The neo-compatible reader class: neo.rawio's public ``BaseRawIO`` surface over a Rust reader."""
import json
import mmap
import operator
import os
import threading

import numpy as np

from . import _errors
from ._formats import BY_CLASS, BY_ID, FORMATS, FormatEntry

try:
    from . import _rawio
except ImportError as _exc:  # pragma: no cover - a broken install
    raise ImportError(
        "rawio's compiled module is missing; install the package with `pip install ./crates/rawio-python`"
    ) from _exc

# neo 0.14.6's header dtypes (neo/rawio/baserawio.py), exactly.
_signal_buffer_dtype = [("name", "U64"), ("id", "U64")]
_signal_stream_dtype = [("name", "U128"), ("id", "U64"), ("buffer_id", "U64")]
_signal_channel_dtype = [
    ("name", "U64"),
    ("id", "U64"),
    ("sampling_rate", "float64"),
    ("dtype", "U16"),
    ("units", "U64"),
    ("gain", "float64"),
    ("offset", "float64"),
    ("stream_id", "U64"),
    ("buffer_id", "U64"),
]
_spike_channel_dtype = [
    ("name", "U64"),
    ("id", "U64"),
    ("wf_units", "U64"),
    ("wf_gain", "float64"),
    ("wf_offset", "float64"),
    ("wf_left_sweep", "int64"),
    ("wf_sampling_rate", "float64"),
]
_event_channel_dtype = [("name", "U64"), ("id", "U64"), ("type", "S5")]

# neo constructor options. Those that do not change what is read are accepted with any value;
# the others are translated into the Rust reader's own options (``_rawio.Reader.options``),
# or refused loudly where rawio has no equivalent.
_IGNORED = ("progress_bar", "use_cache", "cache_path", "verbose")


def _unsupported(name, default):
    def refuse(value, path):
        raise NotImplementedError(
            f"neo's option {name}={value!r} is not supported by rawio (only the default {default!r}); "
            "see docs/neo-differences.md"
        )
    return refuse


def _nsx_to_load(value, path):
    """neo's ``nsx_to_load`` (int, list, 'max', 'all' or None) as rawio's single ``nsx``."""
    if value is None or value == "all":
        return {}
    stem, ext = os.path.splitext(os.fspath(path))
    if ext.lower() not in (".nev",) + tuple(f".ns{k}" for k in range(1, 7)):
        stem = os.fspath(path)  # given as a stem
    available = [k for k in range(1, 7) if os.path.exists(f"{stem}.ns{k}")]
    if value == "max":
        return {"nsx": max(available)} if available else {}
    if isinstance(value, (list, tuple)):
        if sorted(value) == available:
            return {}
        if len(value) == 1:
            value = value[0]
        else:
            raise NotImplementedError(
                f"nsx_to_load={value!r}: rawio loads one nsX or all of them ({available}); "
                "see docs/neo-differences.md"
            )
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"nsx_to_load is wrong: {value!r}")
    return {"nsx": int(value)}


# format id -> {neo keyword: (neo's default, translate(value, path) -> rawio options)}
_NEO_OPTIONS = {
    "plexon": {},
    "neuroscope": {"binary_file": (None, lambda v, p: {"binary_file": os.fspath(v)})},
    "phy": {
        "load_amplitudes": (False, _unsupported("load_amplitudes", False)),
        "load_pcs": (False, lambda v, p: {"load_pc_features": bool(v)}),
    },
    "openephys-binary": {
        "experiment_names": (None, lambda v, p: {"experiments": [v] if isinstance(v, str) else list(v)}),
        "load_sync_channel": (False, _unsupported("load_sync_channel", False)),
    },
    "openephys-legacy": {
        "ignore_timestamps_errors": (None, lambda v, p: {}),  # deprecated and unused in neo too
        "fill_gap_value": (0, lambda v, p: {"fill_gap_value": int(v)}),
    },
    "blackrock": {
        "nsx_override": (None, _unsupported("nsx_override", None)),
        "nev_override": (None, _unsupported("nev_override", None)),
        "nsx_to_load": (None, _nsx_to_load),
        "load_nev": (True, lambda v, p: {"load_nev": bool(v)}),
        "gap_tolerance_ms": (None, lambda v, p: {"ptp_gap_tolerance_ms": float(v)}),
    },
    "nix": {},
    "nwb": {},
}


def _rawio_options(cls, path, kwargs):
    """The Rust reader options for neo keywords ``kwargs`` of class ``cls`` (checked as neo's
    constructor would: an unknown keyword is a ``TypeError``)."""
    fid = cls.format_id
    table = _NEO_OPTIONS.get(fid, {}) if fid is not None else {
        k: v for t in _NEO_OPTIONS.values() for k, v in t.items()}
    out = {}
    for name, value in kwargs.items():
        if name in _IGNORED:
            continue
        if name == "rawio_options":
            out.update(value or {})
            continue
        if name not in table:
            raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {name!r}")
        default, translate = table[name]
        if not _is_default(value, default):
            out.update(translate(value, path))
    return out


def _is_default(value, default):
    if default is None or value is None:
        return value is default
    return not isinstance(value, (list, tuple, np.ndarray)) and value == default


_enabled_cache = None


def enabled_formats():
    """The format ids compiled into this build, in registration order."""
    global _enabled_cache
    if _enabled_cache is None:
        _enabled_cache = [row[0] for row in _rawio.formats()]
    return list(_enabled_cache)


def _float(v):
    return float("nan") if v is None else float(v)


def _array_annotation(values):
    """One value per channel as a 1-D numpy array neo accepts as an array annotation (bool, int,
    float or str elements), or ``None`` when the values are not such scalars (nested, null or
    mixed: they then stay a list, under the stream's ``channel_annotations``)."""
    if all(isinstance(v, bool) for v in values):
        return np.array(values, dtype=bool)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        try:
            return np.array(values, dtype=np.int64)
        except OverflowError:
            return np.array(values, dtype=np.uint64) if min(values) >= 0 else None
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=np.float64)
    if all(isinstance(v, str) for v in values):
        return np.array(values, dtype=str)
    return None


def _pprint_vector(vector, lim=8):
    vector = [str(v) for v in vector]
    if len(vector) > lim:
        return f"[{', '.join(vector[: lim // 2])} ... {' , '.join(vector[-lim // 2:])}]"
    return f"[{', '.join(vector)}]"


def _as_index(value, what):
    try:
        return operator.index(value)
    except TypeError:
        raise _errors.ArgumentError(f"{what} must be an integer, not {type(value).__name__}") from None


def _check(value, n, what):
    i = _as_index(value, what)
    if not 0 <= i < n:
        raise _errors.OutOfRangeError(f"{what} {i} out of range (valid: 0..{n})")
    return i


def _seconds(t, what):
    if t is None:
        return None
    if hasattr(t, "rescale"):  # a quantities.Quantity
        t = t.rescale("s").magnitude
    try:
        return float(t)
    except (TypeError, ValueError):
        raise _errors.ArgumentError(f"{what} must be a time in seconds or None, not {t!r}") from None


class RawIO:
    """A recording read by rawio with neo.rawio's ``BaseRawIO`` API.

    Construct with the class of the format (``rawio.PlexonRawIO(filename=...)``, ...) or with
    ``rawio.open(path)``; call :meth:`parse_header` (``rawio.open`` does) and use the same
    methods as with neo. Raw data comes back in the file's dtype; zero-copy where the file's
    layout allows (a read-only array over a memory map of the file).
    """

    #: Rust format id, ``None`` on the generic class (then the format is sniffed).
    format_id = None
    #: neo's rawmode: ``"one-file"`` or ``"one-dir"``.
    rawmode = "one-file"
    #: File extensions of the format's entry files.
    extensions = []
    _kwarg = "filename"

    def __init__(self, *args, **kwargs):
        kw = type(self)._kwarg
        path = None
        if args:
            if len(args) > 1:
                raise TypeError(f"{type(self).__name__}() takes one positional argument ({kw})")
            path = args[0]
        for name in ("filename", "dirname"):
            if name in kwargs:
                value = kwargs.pop(name)
                if name != kw and type(self).format_id is not None:
                    raise TypeError(f"{type(self).__name__}() takes {kw}=, not {name}=")
                if path is not None:
                    raise TypeError(f"{type(self).__name__}() got the path twice")
                path = value
        if path is None or path == "":
            raise TypeError(f"{type(self).__name__}() needs {kw}=PATH")
        self._options = _rawio_options(type(self), path, kwargs)
        fid = type(self).format_id
        if fid is not None and fid not in enabled_formats():
            raise NotImplementedError(
                f"{type(self).__name__}: the {fid!r} format is not compiled into this rawio build "
                f"(enabled: {', '.join(enabled_formats())})"
            )
        self._path = os.fspath(path)
        setattr(self, kw, self._path)
        self.header = None
        self.is_header_parsed = False
        self.raw_annotations = None
        self._reader = None
        self._files = {}
        self._files_lock = threading.Lock()

    # ---------------------------------------------------------------- header

    def parse_header(self):
        """Opens the recording (every file is parsed here; the GIL is released) and fills
        ``header`` and ``raw_annotations``."""
        reader = _rawio.Reader.open(self._path, type(self).format_id, self._options)
        h = json.loads(reader.header_json())
        self._reader = reader
        self._h = h
        self._build_header(h)
        self._build_annotations(h)
        self.is_header_parsed = True

    def _build_header(self, h):
        blocks = h["blocks"]
        streams = h["signal_streams"]
        chans = h["signal_channels"]
        self._stream_channels = []
        for s in streams:
            idx = [i for i, c in enumerate(chans) if c["stream_id"] == s["id"]]
            self._stream_channels.append(idx)
        self.header = {
            "nb_block": len(blocks),
            "nb_segment": [len(b["segments"]) for b in blocks],
            "signal_buffers": np.array(
                [(b["name"], b["id"]) for b in h["signal_buffers"]], dtype=_signal_buffer_dtype
            ),
            "signal_streams": np.array(
                [(s["name"], s["id"], s["buffer_id"]) for s in streams], dtype=_signal_stream_dtype
            ),
            "signal_channels": np.array(
                [
                    (c["name"], c["id"], _float(c["sampling_rate"]), c["dtype"], c["units"],
                     _float(c["gain"]), _float(c["offset"]), c["stream_id"], c["buffer_id"])
                    for c in chans
                ],
                dtype=_signal_channel_dtype,
            ),
            "spike_channels": np.array(
                [
                    (u["name"], u["id"], u["wf_units"], _float(u["wf_gain"]), _float(u["wf_offset"]),
                     int(u["wf_left_sweep"]), _float(u["wf_sampling_rate"]))
                    for u in h["spike_channels"]
                ],
                dtype=_spike_channel_dtype,
            ),
            "event_channels": np.array(
                [(e["name"], e["id"], e["type"].encode()) for e in h["event_channels"]],
                dtype=_event_channel_dtype,
            ),
        }
        # per-stream lookups with the full (untruncated) strings
        self._names = [[chans[i]["name"] for i in idx] for idx in self._stream_channels]
        self._ids = [[chans[i]["id"] for i in idx] for idx in self._stream_channels]
        self._gains = [np.array([_float(chans[i]["gain"]) for i in idx]) for idx in self._stream_channels]
        self._offsets = [np.array([_float(chans[i]["offset"]) for i in idx]) for idx in self._stream_channels]
        self._sizes = {}
        self._descriptions = {}
        self._buffer_api = None

    def _build_annotations(self, h):
        source = self.source_name()
        hd = self.header
        signals = []
        for k, s in enumerate(h["signal_streams"]):
            d = {"name": hd["signal_streams"]["name"][k], "stream_id": hd["signal_streams"]["id"][k],
                 "file_origin": source}
            d.update(s["annotations"])
            idx = self._stream_channels[k]
            chans = hd["signal_channels"][idx]
            arr = {"channel_names": np.array(chans["name"]), "channel_ids": np.array(chans["id"])}
            keys = []
            for i in idx:
                for key in h["signal_channels"][i]["annotations"]:
                    if key not in keys and key not in arr:
                        keys.append(key)
            other = {}
            for key in keys:
                values = [h["signal_channels"][i]["annotations"].get(key) for i in idx]
                a = _array_annotation(values)
                if a is None:
                    other[key] = values
                else:
                    arr[key] = a
            if other:
                d["channel_annotations"] = other
            d["__array_annotations__"] = arr
            signals.append(d)
        spikes = []
        for u, unit in enumerate(h["spike_channels"]):
            d = {"name": hd["spike_channels"]["name"][u], "id": hd["spike_channels"]["id"][u],
                 "file_origin": source}
            d.update(unit["annotations"])
            d["__array_annotations__"] = {}
            spikes.append(d)
        events = []
        for e, ev in enumerate(h["event_channels"]):
            d = {"name": hd["event_channels"]["name"][e], "id": hd["event_channels"]["id"][e],
                 "file_origin": source}
            d.update(ev["annotations"])
            d["__array_annotations__"] = {}
            events.append(d)
        blocks = []
        for block in h["blocks"]:
            b = {"file_origin": source}
            b.update(block["annotations"])
            b["segments"] = []
            for seg in block["segments"]:
                s = {"file_origin": source}
                s.update(seg["annotations"])
                s["signals"] = signals.copy()
                s["spikes"] = spikes.copy()
                s["events"] = events.copy()
                b["segments"].append(s)
            blocks.append(b)
        self.raw_annotations = {"blocks": blocks}

    def _need_header(self):
        if self._reader is None:
            raise _errors.ArgumentError(f"{type(self).__name__}: call parse_header() first")

    def source_name(self):
        """The path(s) read (the path given before ``parse_header``)."""
        return self._reader.source_name() if self._reader is not None else self._path

    def __repr__(self):
        txt = f"{type(self).__name__}: {self.source_name()}\n"
        if self.header is not None:
            nb_block = self.block_count()
            txt += f"nb_block: {nb_block}\n"
            txt += f"nb_segment:  {[self.segment_count(i) for i in range(nb_block)]}\n"
            v = [s["name"] + f" (chans: {self.signal_channels_count(i)})"
                 for i, s in enumerate(self.header["signal_streams"])]
            txt += f"signal_streams: {_pprint_vector(v)}\n"
            for k in ("signal_channels", "spike_channels", "event_channels"):
                txt += f"{k}: {_pprint_vector(self.header[k]['name'])}\n"
        return txt

    def _repr_annotations(self):
        txt = "Raw annotations\n"
        for block_index in range(self.block_count()):
            bl_a = self.raw_annotations["blocks"][block_index]
            txt += f"*Block {block_index}\n"
            for k, v in bl_a.items():
                if k != "segments":
                    txt += f"  -{k}: {v}\n"
            for seg_index in range(self.segment_count(block_index)):
                seg_a = bl_a["segments"][seg_index]
                txt += f"  *Segment {seg_index}\n"
                for k, v in seg_a.items():
                    if k not in ("signals", "spikes", "events"):
                        txt += f"    -{k}: {v}\n"
                for child, neo_name in (("signals", "AnalogSignal"), ("events", "Event/Epoch"),
                                        ("spikes", "SpikeTrain")):
                    for c, child_a in enumerate(seg_a[child]):
                        txt += f"    *{neo_name} {c}\n"
                        for k, v in child_a.items():
                            if k != "__array_annotations__":
                                txt += f"      -{k}: {v}\n"
                        for k, values in child_a["__array_annotations__"].items():
                            txt += f"      -{k}: [ {', '.join(str(v) for v in values[:4])} ...\n"
        return txt

    def print_annotations(self):
        """Prints ``raw_annotations``."""
        print(self._repr_annotations())

    # ---------------------------------------------------------------- counts

    def block_count(self):
        """Number of blocks."""
        return self.header["nb_block"]

    def segment_count(self, block_index):
        """Number of segments of a block."""
        return self.header["nb_segment"][_check(block_index, self.header["nb_block"], "block")]

    def signal_streams_count(self):
        """Number of signal streams."""
        return int(self.header["signal_streams"].size)

    def signal_channels_count(self, stream_index):
        """Number of channels of a stream."""
        return len(self._stream_channels[_check(stream_index, self.signal_streams_count(), "stream")])

    def spike_channels_count(self):
        """Number of units (spike channels)."""
        return int(self.header["spike_channels"].size)

    def event_channels_count(self):
        """Number of event and epoch channels."""
        return int(self.header["event_channels"].size)

    def _seg(self, block_index, seg_index):
        b = _check(block_index, self.header["nb_block"], "block")
        s = _check(seg_index, self.header["nb_segment"][b], "segment")
        return b, s

    def segment_t_start(self, block_index, seg_index):
        """Start of the segment in seconds."""
        b, s = self._seg(block_index, seg_index)
        return float(self._h["blocks"][b]["segments"][s]["t_start"])

    def segment_t_stop(self, block_index, seg_index):
        """Stop of the segment in seconds."""
        b, s = self._seg(block_index, seg_index)
        return float(self._h["blocks"][b]["segments"][s]["t_stop"])

    # ---------------------------------------------------------------- signals

    def _stream_index(self, stream_index):
        n = self.signal_streams_count()
        if stream_index is None:
            if n != 1:
                raise _errors.ArgumentError("stream_index must be given for files with multiple streams")
            return 0
        i = _as_index(stream_index, "stream_index")
        if not 0 <= i < n:
            raise _errors.OutOfRangeError(f"stream_index must be between 0 and {n}")
        return i

    def channel_name_to_index(self, stream_index, channel_names):
        """Local indexes of channels given by name (an error if names in the stream are not unique)."""
        k = _check(stream_index, self.signal_streams_count(), "stream")
        names = self._names[k]
        if len(set(names)) != len(names):
            raise _errors.ArgumentError("Channel names are not unique")
        where = {n: i for i, n in enumerate(names)}
        try:
            return np.array([where[str(n)] for n in channel_names], dtype=np.int64)
        except KeyError as e:
            raise _errors.UnknownIdError(f"unknown channel name {e.args[0]!r}") from None

    def channel_id_to_index(self, stream_index, channel_ids):
        """Local indexes of channels given by id."""
        k = _check(stream_index, self.signal_streams_count(), "stream")
        where = {}
        for i, n in enumerate(self._ids[k]):
            where.setdefault(n, i)
        try:
            return np.array([where[str(n)] for n in channel_ids], dtype=np.int64)
        except KeyError as e:
            raise _errors.UnknownIdError(f"unknown channel id {e.args[0]!r}") from None

    def _select(self, k, channel_indexes, channel_names, channel_ids):
        """None (every channel), a slice, or an int64 index array (local to stream k)."""
        n = len(self._stream_channels[k])
        if channel_indexes is None:
            if channel_names is not None:
                return self.channel_name_to_index(k, channel_names)
            if channel_ids is not None:
                return self.channel_id_to_index(k, channel_ids)
            return None
        if isinstance(channel_indexes, slice):
            start, stop, step = channel_indexes.indices(n)
            if step == 1 and start == 0 and stop == n:
                return None
            return slice(start, stop, step)
        if isinstance(channel_indexes, (int, np.integer)):
            channel_indexes = [channel_indexes]
        a = np.asarray(channel_indexes)
        if a.dtype == bool:
            if a.size != n:
                raise _errors.ArgumentError(
                    "If channel_indexes is a boolean it must have be the same length as the "
                    f"number of channels {n}"
                )
            return np.flatnonzero(a)
        if a.size == 0:
            return np.zeros(0, dtype=np.int64)
        if a.dtype.kind not in "iu" or a.ndim != 1:
            raise _errors.ArgumentError("channel_indexes must be a 1-D list of ints, a bool mask or a slice")
        a = a.astype(np.int64)
        bad = (a < -n) | (a >= n)
        if bad.any():
            raise _errors.OutOfRangeError(f"channel index {int(a[bad][0])} out of range (valid: 0..{n})")
        return np.where(a < 0, a + n, a)

    @staticmethod
    def _sel_list(sel, n):
        if sel is None:
            return None
        if isinstance(sel, slice):
            return list(range(*sel.indices(n)))
        return [int(i) for i in sel]

    def get_signal_size(self, block_index, seg_index, stream_index=None):
        """Number of samples of the stream in the segment."""
        b, s = self._seg(block_index, seg_index)
        k = self._stream_index(stream_index)
        key = (b, s, k)
        size = self._sizes.get(key)
        if size is None:
            size = self._sizes[key] = self._reader.signal_size(b, s, k)
        return size

    def get_signal_t_start(self, block_index, seg_index, stream_index=None):
        """Time of the stream's first sample in the segment, in seconds."""
        b, s = self._seg(block_index, seg_index)
        return self._reader.signal_t_start(b, s, self._stream_index(stream_index))

    def get_signal_sampling_rate(self, stream_index=None):
        """Sampling rate of the stream in Hz (a Python float; nominal for an explicit clock)."""
        k = self._stream_index(stream_index)
        return float(self.header["signal_channels"]["sampling_rate"][self._stream_channels[k][0]])

    def get_signal_clock(self, stream_index=None):
        """``"regular"``, ``"explicit"`` (every sample has a stored time) or ``"regular+explicit"``
        (regular, with stored times on a second clock). rawio extra."""
        return self._reader.signal_clock(self._stream_index(stream_index))

    def _range(self, b, s, k, i_start, i_stop):
        size = self.get_signal_size(b, s, k)
        start = 0 if i_start is None else _as_index(i_start, "i_start")
        stop = size if i_stop is None else _as_index(i_stop, "i_stop")
        if stop > size or stop < 0:
            raise _errors.OutOfRangeError(f"i_stop {stop} out of range (valid: 0..{size + 1})")
        if start < 0 or start > stop:
            raise _errors.ArgumentError(f"i_start {start} > i_stop {stop}" if start >= 0
                                        else f"i_start {start} is negative")
        return start, stop

    def _description(self, b, s, k):
        key = (b, s, k)
        if key not in self._descriptions:
            self._descriptions[key] = self._reader.buffer_description(b, s, k)
        return self._descriptions[key]

    def _file(self, path):
        f = self._files.get(path)
        if f is None:
            with self._files_lock:
                f = self._files.get(path)
                if f is None:
                    f = self._files[path] = open(path, "rb")
        return f

    def _mapped(self, desc, start, stop):
        """Frames [start, stop) of a described buffer: a read-only view over a fresh memory map
        of just those bytes (unmapped when the last array using it is freed)."""
        path, dtype, offset, (_, width), (c0, c1) = desc
        dt = np.dtype(dtype).newbyteorder("<")
        n = stop - start
        if n == 0:
            return np.zeros((0, width), dtype=dt)[:, c0:c1]
        frame = width * dt.itemsize
        byte0 = offset + start * frame
        aligned = byte0 - byte0 % mmap.ALLOCATIONGRANULARITY
        length = byte0 - aligned + n * frame
        mm = mmap.mmap(self._file(path).fileno(), length, access=mmap.ACCESS_READ, offset=aligned)
        arr = np.ndarray((n, width), dtype=dt, buffer=mm, offset=byte0 - aligned)
        return arr[:, c0:c1]

    def get_analogsignal_chunk(self, block_index=0, seg_index=0, i_start=None, i_stop=None, stream_index=None,
                               channel_indexes=None, channel_names=None, channel_ids=None, prefer_slice=False):
        """Samples ``[i_start, i_stop)`` of the selected channels of a stream, as a
        ``(samples, channels)`` array in the file's dtype.

        Zero-copy (a read-only view over a memory map) when the stream's samples are plain
        frames of one file and the selection is a slice (any step) or contiguous; a copy for
        other selections and layouts. ``prefer_slice`` is accepted and always on."""
        del prefer_slice
        if self.signal_streams_count() == 0 or self.header["signal_channels"].size == 0:
            raise AttributeError(
                "get_analogsignal_chunk can't be called on a file with no signal streams or channels."
                "Double check that your file contains signal streams and channels."
            )
        b, s = self._seg(block_index, seg_index)
        k = self._stream_index(stream_index)
        sel = self._select(k, channel_indexes, channel_names, channel_ids)
        start, stop = self._range(b, s, k, i_start, i_stop)
        n = len(self._stream_channels[k])
        if isinstance(sel, np.ndarray) and sel.size and np.all(np.diff(sel) == 1):
            sel = slice(int(sel[0]), int(sel[-1]) + 1)
        desc = self._description(b, s, k)
        if desc is not None:
            try:
                arr = self._mapped(desc, start, stop)
            except (OSError, ValueError):
                arr = None  # the Rust reader reports what is wrong
            if arr is not None:
                return arr if sel is None else arr[:, sel]
        return self._reader.chunk(b, s, k, start, stop, self._sel_list(sel, n))

    def rescale_signal_raw_to_float(self, raw_signal, dtype="float32", stream_index=None, channel_indexes=None,
                                    channel_names=None, channel_ids=None):
        """``raw * gain + offset`` per channel, with neo's exact numerics (float32 rounds after
        the multiplication and after the addition, as numpy does in neo)."""
        k = self._stream_index(stream_index)
        sel = self._select(k, channel_indexes, channel_names, channel_ids)
        gains = self._gains[k] if sel is None else self._gains[k][sel]
        offsets = self._offsets[k] if sel is None else self._offsets[k][sel]
        dt = np.dtype(dtype)
        if dt in (np.float32, np.float64) and isinstance(raw_signal, np.ndarray):
            if not raw_signal.flags.aligned:  # a map at an odd offset (Blackrock's first block)
                raw_signal = np.array(raw_signal, order="K")
            out = _rawio.rescale_signal(raw_signal, gains.tolist(), offsets.tolist(), dt == np.float32)
            if out is not None:
                return out
        float_signal = np.asarray(raw_signal).astype(dt)
        if np.any(gains != 1.0):
            float_signal *= gains
        if np.any(offsets != 0.0):
            float_signal += offsets
        return float_signal

    def get_signal_times(self, block_index=0, seg_index=0, stream_index=None, i_start=None, i_stop=None,
                         clock="default"):
        """Times in seconds of samples ``[i_start, i_stop)`` (float64). ``clock="default"`` is
        the stream's own clock (the stored times of an explicit stream, ``t_start + i / rate``
        otherwise), ``"regular"`` the nominal grid, ``"explicit"`` the stored times (an error on a
        stream without them). rawio extra."""
        b, s = self._seg(block_index, seg_index)
        k = self._stream_index(stream_index)
        start, stop = self._range(b, s, k, i_start, i_stop)
        return self._reader.signal_times(b, s, k, start, stop, clock)

    def get_signal_sample_index(self, block_index=0, seg_index=0, stream_index=None, t=0.0, clock="default"):
        """The first sample whose time on ``clock`` is ``>= t`` (numpy's ``searchsorted`` left),
        exact on stored times. rawio extra."""
        b, s = self._seg(block_index, seg_index)
        return self._reader.sample_index(b, s, self._stream_index(stream_index), float(t), clock)

    # ---------------------------------------------------------------- buffer API

    def has_buffer_description_api(self):
        """True when every signal buffer of every segment is a plain binary layout described by
        :meth:`get_analogsignal_buffer_description`."""
        if self._buffer_api is None:
            ok = self.header["signal_buffers"].size > 0
            for b in range(self.block_count()):
                for s in range(self.segment_count(b)):
                    for buf in self.header["signal_buffers"]["id"]:
                        ok = ok and self._buffer_stream_description(b, s, str(buf)) is not None
            self._buffer_api = bool(ok)
        return self._buffer_api

    def _buffer_stream_description(self, b, s, buffer_id):
        for k, sid in enumerate(self.header["signal_streams"]["buffer_id"]):
            if str(sid) == buffer_id:
                return self._description(b, s, k)
        return None

    def get_analogsignal_buffer_description(self, block_index=0, seg_index=0, buffer_id=None):
        """neo's ``"raw"`` buffer description of a signal buffer: ``{"type": "raw", "file_path",
        "dtype", "order": "C", "file_offset", "shape": (samples, values per frame), "time_axis": 0}``."""
        b, s = self._seg(block_index, seg_index)
        ids = [str(i) for i in self.header["signal_buffers"]["id"]]
        if buffer_id is None:
            if len(ids) != 1:
                raise _errors.ArgumentError("buffer_id must be given for files with several buffers")
            buffer_id = ids[0]
        if buffer_id not in ids:
            raise _errors.UnknownIdError(f"unknown buffer id {buffer_id!r}")
        d = self._buffer_stream_description(b, s, buffer_id)
        if d is None:
            raise _errors.UnsupportedError(f"buffer {buffer_id!r} is not a plain binary layout")
        path, dtype, offset, shape, _ = d
        return {"type": "raw", "file_path": str(path), "dtype": np.dtype(dtype).newbyteorder("<").str,
                "order": "C", "file_offset": int(offset), "shape": (int(shape[0]), int(shape[1])),
                "time_axis": 0}

    # ---------------------------------------------------------------- spikes

    def _unit(self, i):
        return _check(i, self.spike_channels_count(), "spike channel")

    def spike_count(self, block_index=0, seg_index=0, spike_channel_index=0):
        """Number of spikes of a unit in the segment."""
        b, s = self._seg(block_index, seg_index)
        return self._reader.spike_count(b, s, self._unit(spike_channel_index))

    def get_spike_timestamps(self, block_index=0, seg_index=0, spike_channel_index=0, t_start=None, t_stop=None):
        """Raw spike timestamps (file dtype) of a unit, sorted, inside ``[t_start, t_stop]``
        (seconds, both inclusive; ``None`` = unbounded)."""
        b, s = self._seg(block_index, seg_index)
        return self._reader.spike_timestamps(b, s, self._unit(spike_channel_index),
                                             _seconds(t_start, "t_start"), _seconds(t_stop, "t_stop"))

    def rescale_spike_timestamp(self, spike_timestamps, dtype="float64"):
        """Raw spike timestamps in seconds (computed in float64, then cast to ``dtype``)."""
        t = np.asarray(spike_timestamps).astype(np.float64) / self._reader.spike_time_base()
        return t if np.dtype(dtype) == np.float64 else t.astype(dtype)

    def get_spike_raw_waveforms(self, block_index=0, seg_index=0, spike_channel_index=0, t_start=None,
                                t_stop=None):
        """Raw waveforms ``(spikes, channels, samples)`` of the spikes of
        :meth:`get_spike_timestamps` with the same window, or ``None`` when the file has none."""
        b, s = self._seg(block_index, seg_index)
        return self._reader.spike_waveforms(b, s, self._unit(spike_channel_index),
                                            _seconds(t_start, "t_start"), _seconds(t_stop, "t_stop"))

    def rescale_waveforms_to_float(self, raw_waveforms, dtype="float32", spike_channel_index=0):
        """``wf * wf_gain + wf_offset`` with neo's numerics."""
        u = self.header["spike_channels"][self._unit(spike_channel_index)]
        wf = np.asarray(raw_waveforms).astype(dtype)
        if u["wf_gain"] != 1.0:
            wf *= u["wf_gain"]
        if u["wf_offset"] != 0.0:
            wf += u["wf_offset"]
        return wf

    # ---------------------------------------------------------------- events

    def _event(self, i):
        return _check(i, self.event_channels_count(), "event channel")

    def event_count(self, block_index=0, seg_index=0, event_channel_index=0):
        """Number of events of an event channel in the segment."""
        b, s = self._seg(block_index, seg_index)
        return self._reader.event_count(b, s, self._event(event_channel_index))

    def get_event_timestamps(self, block_index=0, seg_index=0, event_channel_index=0, t_start=None, t_stop=None):
        """``(raw timestamps, raw durations or None, labels)`` of the events inside
        ``[t_start, t_stop]`` (seconds, inclusive); labels are a numpy ``U`` array."""
        b, s = self._seg(block_index, seg_index)
        ts, durations, labels = self._reader.events(b, s, self._event(event_channel_index),
                                                    _seconds(t_start, "t_start"), _seconds(t_stop, "t_stop"))
        return ts, durations, np.array(labels, dtype="U")

    def rescale_event_timestamp(self, event_timestamps, dtype="float64", event_channel_index=0):
        """Raw event timestamps of a channel in seconds."""
        per_second = self._reader.event_time_base(self._event(event_channel_index))
        t = np.asarray(event_timestamps).astype(np.float64) / per_second
        return t if np.dtype(dtype) == np.float64 else t.astype(dtype)

    def rescale_epoch_duration(self, raw_duration, dtype="float64", event_channel_index=0):
        """Raw epoch durations of a channel in seconds."""
        return self.rescale_event_timestamp(raw_duration, dtype, event_channel_index)

    # ---------------------------------------------------------------- extras

    def dump_json(self, full=False):
        """``rawio dump --json`` of this recording (the ``rawio-dump/1`` contract) as a dict.
        rawio extra."""
        self._need_header()
        return json.loads(self._reader.dump_json(full))

    def close(self):
        """Closes the files held for memory-mapped reads (arrays already returned stay valid)."""
        with self._files_lock:
            for f in self._files.values():
                f.close()
            self._files.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _make_class(entry):
    doc = (
        f"neo.rawio's ``{entry.class_name}`` API, read by rawio's ``{entry.format_id}`` reader.\n\n"
        f"``{entry.class_name}({entry.kwarg}=PATH)``, then ``parse_header()``."
    )
    return type(entry.class_name, (RawIO,), {
        "__doc__": doc,
        "__module__": "rawio",
        "format_id": entry.format_id,
        "rawmode": "one-dir" if entry.kwarg == "dirname" else "one-file",
        "extensions": [],
        "_kwarg": entry.kwarg,
    })


CLASSES = {entry.class_name: _make_class(entry) for entry in FORMATS}

_extensions = {row[0]: list(row[2]) for row in _rawio.formats()}
for _entry in FORMATS:
    CLASSES[_entry.class_name].extensions = _extensions.get(_entry.format_id, [])


def class_for(format_id):
    """The class of a format id (``"plexon"`` → ``PlexonRawIO``)."""
    entry = BY_ID.get(format_id)
    if entry is not None:
        return CLASSES[entry.class_name]
    if format_id in enabled_formats():  # compiled in, but without a line in the table yet
        return _make_class(FormatEntry(f"RawIO[{format_id}]", format_id, "filename", None, None))
    raise _errors.UnknownFormatError(f"no rawio class for format {format_id!r}")


def open_recording(path, format=None, **options):
    """Opens any recording: the format is sniffed (or named by ``format``, a format id or a class
    name), and the reader of that format's class is returned with its header parsed.
    ``options`` are the class's neo keywords, or ``rawio_options={...}``: the Rust reader's own
    options (``rawio.reader_options(format_id)`` lists them)."""
    if format is None:
        format = _rawio.probe(os.fspath(path))
    if format in BY_CLASS:
        format = BY_CLASS[format].format_id
    cls = class_for(format)
    reader = cls(**{cls._kwarg: path}, **options)
    reader.parse_header()
    return reader


def reader_options(format_id):
    """The names of the Rust reader's own options for ``format_id`` (pass them as
    ``rawio_options={...}``; see each format crate's ``Options``)."""
    return list(_rawio.Reader.options(format_id))
