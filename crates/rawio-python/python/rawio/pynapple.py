"""pynapple objects from rawio: pynapple's own ``EphysReader`` (a lazy mapping of keys to
``TsdFrame`` / ``Tsd`` / ``TsGroup`` / ``Ts`` / ``IntervalSet``) with rawio's reader in place of
neo's, for any format::

    import rawio.pynapple
    data = rawio.pynapple.EphysReader("session.plx")
    lfp = data["1:FPl-Low Pass Filtered"]      # TsdFrame (raw values, as pynapple's)
    units = data["TsGroup"]                    # TsGroup

The keys and objects are pynapple's (``"{i}:{stream name}"``, ``"TsGroup"``, ``"{i}:{event
channel name}"``). Differences from ``pynapple.EphysReader`` on neo: every format goes through
rawio (pynapple reads Neuroscope sessions with its own NeuroSuiteIO; rawio's Neuroscope reader
gives the same signals plus spikes and events as neo objects); streams whose samples are plain
frames of one file are memory-mapped with the right file offset and channel columns (pynapple's
own mapping ignores the offset), and their times are rawio's (stored times for an explicit
clock). Needs ``pynapple`` (and neo), imported on first use.
"""
import numpy as np

from . import neo as _rawio_neo
from ._formats import FORMATS

try:
    import pynapple as nap
    from pynapple.io.interface_neo import EphysReader as _NapEphysReader
    from pynapple.io.interface_neo import NeoSignalInterface as _NeoSignalInterface
except ImportError as _e:  # pragma: no cover - depends on the environment
    raise ImportError("rawio.pynapple needs pynapple: pip install pynapple") from _e


def _format_id(format):
    """A rawio format id from a format id, a rawio class name or a neo IO name ("PlexonIO",
    "plexon", "NeuroscopeIO"...), case-insensitively; ``None`` stays ``None`` (sniffed)."""
    if format is None:
        return None
    if isinstance(format, type):
        format = format.__name__
    low = str(format).lower()
    for f in FORMATS:
        names = {f.format_id, f.class_name.lower(), (f.neo_io or "").lower(), (f.neo_io or "").lower()[:-2]}
        if low in names or low.replace("io", "") in {n.replace("io", "") for n in names if n}:
            return f.format_id
    return str(format)


class EphysReader(_NapEphysReader):
    """pynapple's ``EphysReader`` over rawio (see the module docs). ``format`` is a rawio format
    id, a rawio class name or a neo IO name; sniffed when ``None``. ``reader_kwargs``: the
    class's constructor options (``{"nsx_to_load": 5}``, or ``{"rawio_options": {...}}``)."""

    def __init__(self, path, lazy=True, format=None, reader_kwargs=None):
        self._rawio_format = _format_id(format)
        self._reader_kwargs = dict(reader_kwargs or {})
        super().__init__(path, lazy=lazy, format=format)

    def _is_neuroscope(self, path, format=None):
        return False  # rawio reads Neuroscope sessions like every other format

    def _init_neo_reader(self, format):
        self._reader = _rawio_neo.get_io(str(self.path), self._rawio_format, **self._reader_kwargs)

    def _collect_data(self, lazy=True):
        r = self._reader
        if not (r.signal_streams_count() or r.spike_channels_count() or r.event_channels_count()):
            self._blocks = []  # nothing to show (pynapple's builder needs a timed object per segment)
            return
        super()._collect_data(lazy=lazy)
        self._use_stored_times()

    def _use_stored_times(self):
        """Streams with an explicit clock (stored times) that pynapple loads through neo's
        signal interface get rawio's stored times (pynapple would compute t_start + i / rate)."""
        r = self._reader
        where = {id(b): i for i, b in enumerate(self._blocks)}
        for key, item in list(self.data.items()):
            if not (isinstance(item, dict) and item.get("loader") == "analogsignal"):
                continue
            block = item["block"]
            b = where.get(id(block))
            proxy = block.segments[0].analogsignals[item["sig_num"]]
            k = getattr(proxy, "_stream_index", None)
            if b is None or k is None or r.segment_count(b) != 1 or r.get_signal_clock(k) != "explicit":
                continue

            def _loader(item=item, b=b, k=k, proxy=proxy):
                interface = _NeoSignalInterface(signal=proxy, block=item["block"],
                                                time_support=item["time_support"],
                                                sig_num=item["sig_num"])
                t = r.get_signal_times(b, 0, k)
                return interface.nap_type(t=t, d=interface, load_array=False)

            self.data[key] = {"type": item["type"], "loader": _loader}

    def _make_mmap_entry(self, proxy, block_idx, nap_type, time_support, metadata=None):
        reader = self._reader
        k = proxy._stream_index
        if reader.segment_count(block_idx) != 1:
            return {"type": nap_type.__name__, "loader": "analogsignal",
                    "block": self._blocks[block_idx], "sig_num": self._sig_num(block_idx, proxy),
                    "time_support": time_support}
        columns = proxy._inner_stream_channels

        def _loader():
            data = reader.get_analogsignal_chunk(block_idx, 0, None, None, k)  # a view over a map
            if not (isinstance(columns, slice) and columns == slice(None)):
                data = data[:, columns]
            t = reader.get_signal_times(block_idx, 0, k)
            if nap_type is nap.Tsd:
                data = data[:, 0]
            kwargs = {"metadata": metadata} if metadata is not None else {}
            return nap_type(t=t, d=data, load_array=False, **kwargs)

        return {"type": nap_type.__name__, "loader": _loader}

    def __getitem__(self, key):
        item = self.data.get(key)
        if isinstance(item, dict) and item.get("loader") == "tsgroup":
            self.data[key] = _tsgroup(item["block"], item["time_support"])
        return super().__getitem__(key)

    def _sig_num(self, block_idx, proxy):
        sigs = self._blocks[block_idx].segments[0].analogsignals
        return next(i for i, s in enumerate(sigs) if s is proxy)


def _scalar(v):
    return isinstance(v, (str, bool, int, float, np.number, np.bool_, np.str_))


def _tsgroup(block, time_support):
    """A TsGroup of every unit (times concatenated across segments), with the unit annotations
    that every unit has as a scalar as metadata (pynapple's own builder assumes every unit has the
    same annotation keys; rawio's units may carry unit-specific ones)."""
    segments = block.segments
    n = len(segments[0].spiketrains) if segments else 0
    ts, annotations = {}, []
    for u in range(n):
        times = []
        for seg in segments:
            st = seg.spiketrains[u]
            st = st.load() if hasattr(st, "load") else st
            times.append(st.times.rescale("s").magnitude)
            if seg is segments[0]:
                a = dict(st.annotations)
                if st.name:
                    a["neo_name"] = st.name
                annotations.append(a)
        ts[u] = nap.Ts(t=np.concatenate(times) if times else np.array([]), time_support=time_support)
    keys = [k for k in (annotations[0] if annotations else {})
            if all(k in a and _scalar(a[k]) for a in annotations)]
    metadata = {k: np.array([a[k] for a in annotations]) for k in keys}
    return nap.TsGroup(ts, time_support=time_support, metadata=metadata)


def load(path, format=None, lazy=True, reader_kwargs=None):
    """``EphysReader(path, lazy, format, reader_kwargs)``."""
    return EphysReader(path, lazy=lazy, format=format, reader_kwargs=reader_kwargs)


__all__ = ["EphysReader", "load"]
