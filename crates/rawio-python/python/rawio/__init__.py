"""rawio: neo.rawio-compatible readers for neurophysiology recordings, backed by Rust.

The same classes and methods as ``neo.rawio`` (``PlexonRawIO(filename=...)``,
``parse_header()``, ``header``, ``get_analogsignal_chunk``, ``get_spike_timestamps``, ...),
read by rawio's Rust readers: exact, fast, zero-copy where the file's layout allows, and errors
instead of wrong data::

    import rawio
    reader = rawio.PlexonRawIO(filename="session.plx")
    reader.parse_header()
    raw = reader.get_analogsignal_chunk(0, 0, 0, 30000, stream_index=0)
    volts = reader.rescale_signal_raw_to_float(raw, dtype="float64", stream_index=0)

    reader = rawio.open("any/recording")   # any format, sniffed, header parsed

Adapters (each imports its library only when used): :mod:`rawio.neo` (neo ``Block`` objects
through neo's ``BaseFromRaw``), :mod:`rawio.spikeinterface` (``read_recording`` /
``read_sorting``), :mod:`rawio.pynapple` (an ``EphysReader``-like mapping).
"""
from . import _errors
from ._base import CLASSES, RawIO, class_for, enabled_formats, open_recording as open, reader_options
from ._errors import *  # noqa: F401,F403
from ._formats import FORMATS
from ._rawio import __version__

PlexonRawIO = CLASSES["PlexonRawIO"]
NeuroScopeRawIO = CLASSES["NeuroScopeRawIO"]
PhyRawIO = CLASSES["PhyRawIO"]
OpenEphysBinaryRawIO = CLASSES["OpenEphysBinaryRawIO"]
OpenEphysRawIO = CLASSES["OpenEphysRawIO"]
BlackrockRawIO = CLASSES["BlackrockRawIO"]
NIXRawIO = CLASSES["NIXRawIO"]
NWBRawIO = CLASSES["NWBRawIO"]


def formats():
    """The formats compiled into this build: ``[(format_id, class_name or None, name, extensions)]``."""
    from . import _rawio
    from ._formats import BY_ID

    return [(fid, BY_ID[fid].class_name if fid in BY_ID else None, name, list(ext))
            for fid, name, ext, _ in _rawio.formats()]


__all__ = ["RawIO", "open", "formats", "enabled_formats", "class_for", "reader_options", "FORMATS", "__version__"] + list(CLASSES) + \
    list(_errors.__all__)
