"""neo objects from rawio: any rawio class combined with neo's ``BaseFromRaw``, the way neo builds
its own IOs (``class PlexonIO(PlexonRawIO, BaseFromRaw)``), so ``read_block()`` /
``read_segment()`` (lazy or not) give neo ``Block`` / ``Segment`` objects::

    import rawio.neo
    block = rawio.neo.read_block("session.plx")            # any format, sniffed
    io = rawio.neo.PlexonIO(filename="session.plx")         # neo's class names
    seg = io.read_segment(lazy=True)

Needs ``neo`` (and ``quantities``), imported on first use.
"""
import threading

from ._base import CLASSES, class_for
from ._formats import FORMATS
from ._rawio import probe as _probe

_io_classes = {}
_lock = threading.Lock()


def _neo():
    try:
        import neo.io
        from neo.io.basefromrawio import BaseFromRaw
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("rawio.neo needs neo: pip install neo quantities") from e
    return neo.io, BaseFromRaw


def _io_name(rawio_cls):
    entry = next((f for f in FORMATS if f.class_name == rawio_cls.__name__), None)
    if entry is not None and entry.neo_io:
        return entry.neo_io
    name = rawio_cls.__name__
    return (name[:-5] if name.endswith("RawIO") else name) + "IO"


def io_class(rawio_cls):
    """The neo IO class over a rawio class (or a format id / class name): ``rawio_cls`` first in
    the bases, then neo's ``BaseFromRaw``; cached."""
    if isinstance(rawio_cls, str):
        rawio_cls = CLASSES.get(rawio_cls) or class_for(rawio_cls)
    with _lock:
        cls = _io_classes.get(rawio_cls)
        if cls is not None:
            return cls
        neo_io, BaseFromRaw = _neo()
        name = _io_name(rawio_cls)
        neo_twin = getattr(neo_io, name, None)

        def __init__(self, *args, **kwargs):
            rawio_cls.__init__(self, *args, **kwargs)
            self._event_channel = threading.local()
            BaseFromRaw.__init__(self, self._path)

        def get_event_timestamps(self, block_index=0, seg_index=0, event_channel_index=0, t_start=None,
                                 t_stop=None):
            # neo's EventProxy/EpochProxy rescale without the channel index (channel 0's clock);
            # remember the channel so each channel's times use its own time base
            self._event_channel.index = event_channel_index
            return rawio_cls.get_event_timestamps(self, block_index, seg_index, event_channel_index, t_start, t_stop)

        def rescale_event_timestamp(self, event_timestamps, dtype="float64", event_channel_index=None):
            if event_channel_index is None:
                event_channel_index = getattr(self._event_channel, "index", 0)
            return rawio_cls.rescale_event_timestamp(self, event_timestamps, dtype, event_channel_index)

        def rescale_epoch_duration(self, raw_duration, dtype="float64", event_channel_index=None):
            if event_channel_index is None:
                event_channel_index = getattr(self._event_channel, "index", 0)
            return rawio_cls.rescale_epoch_duration(self, raw_duration, dtype, event_channel_index)

        attrs = {
            "__init__": __init__,
            "__module__": __name__,
            "__doc__": f"neo's ``{name}`` API (``read_block``, ``read_segment``) read by rawio's "
                       f"``{rawio_cls.__name__}``.",
            "get_event_timestamps": get_event_timestamps,
            "rescale_event_timestamp": rescale_event_timestamp,
            "rescale_epoch_duration": rescale_epoch_duration,
            "name": name,
            "extensions": list(rawio_cls.extensions),
            "mode": "dir" if rawio_cls.rawmode == "one-dir" else "file",
            "_prefered_signal_group_mode": getattr(neo_twin, "_prefered_signal_group_mode", "group-by-same-units"),
        }
        cls = type(name, (rawio_cls, BaseFromRaw), attrs)
        _io_classes[rawio_cls] = cls
        return cls


def get_io(path, format=None, **options):
    """A neo IO (header parsed) for any recording; the format is sniffed unless given.
    ``options``: the class's neo constructor options (``nsx_to_load=5``, ...) or
    ``rawio_options={...}``."""
    cls = io_class(format or _probe(str(path)))
    return cls(**{cls._kwarg: path}, **options)


def read_block(path, format=None, reader_kwargs=None, **kwargs):
    """``get_io(path, **reader_kwargs).read_block(**kwargs)``: a neo ``Block``."""
    return get_io(path, format, **(reader_kwargs or {})).read_block(**kwargs)


def __getattr__(name):
    """``rawio.neo.PlexonIO`` etc.: neo's IO class names."""
    for f in FORMATS:
        if name == f.neo_io or name == _io_name(CLASSES[f.class_name]):
            return io_class(CLASSES[f.class_name])
    raise AttributeError(f"module 'rawio.neo' has no attribute {name!r}")
