"""SpikeInterface objects from rawio: the same extractors SpikeInterface builds on neo
(``NeoBaseRecordingExtractor`` / ``NeoBaseSortingExtractor``), with rawio's reader in place of
neo's, for any format::

    import rawio.spikeinterface as rsi
    recording = rsi.read_recording("session.plx", stream_name="WB-Wideband")
    sorting = rsi.read_sorting("kilosort_output/")

The extractors serialise like SpikeInterface's own (``to_dict`` / ``load``), so they work with
its parallel processing. Needs ``spikeinterface`` (and neo), imported on first use.
"""
from pathlib import Path

from ._base import CLASSES, class_for
from ._rawio import probe as _probe

try:
    from spikeinterface.extractors.neoextractors.neobaseextractor import (
        NeoBaseRecordingExtractor,
        NeoBaseSortingExtractor,
    )
except ImportError as _e:  # pragma: no cover - depends on the environment
    raise ImportError("rawio.spikeinterface needs spikeinterface: pip install spikeinterface") from _e


def _reader(file_path, format, reader_kwargs=None):
    fid = format or _probe(str(file_path))
    cls = CLASSES.get(fid) or class_for(fid)
    r = cls(**{cls._kwarg: str(file_path)}, **(reader_kwargs or {}))
    r.parse_header()
    return r


class _RawioReader:
    """SpikeInterface's hooks for making the reader, answered with rawio's class."""

    NeoRawIOClass = "rawio"

    @classmethod
    def map_to_neo_kwargs(cls, file_path, format=None):
        return {"file_path": file_path, "format": format}

    @classmethod
    def get_neo_io_reader(cls, raw_class, file_path=None, format=None, **kwargs):
        return _reader(file_path, format)


class RawioRecordingExtractor(_RawioReader, NeoBaseRecordingExtractor):
    """A SpikeInterface recording of one signal stream of any rawio format.

    Parameters are SpikeInterface's neo-based ones (``stream_id`` / ``stream_name``,
    ``block_index``, ``all_annotations``, ``use_names_as_ids``) plus ``format`` (a rawio format id
    or class name; sniffed when ``None``) and ``reader_kwargs`` (the class's neo constructor
    options, e.g. ``{"nsx_to_load": 5}``, or ``{"rawio_options": {...}}``)."""

    def __init__(self, file_path, format=None, stream_id=None, stream_name=None, block_index=None,
                 all_annotations=False, use_names_as_ids=False, reader_kwargs=None):
        self.neo_reader = _reader(file_path, format, reader_kwargs)
        NeoBaseRecordingExtractor.__init__(self, stream_id=stream_id, stream_name=stream_name,
                                           block_index=block_index, all_annotations=all_annotations,
                                           use_names_as_ids=use_names_as_ids)
        self.extra_requirements.append("rawio")
        self._kwargs.update({"file_path": str(Path(file_path).absolute()), "format": self.neo_reader.format_id,
                             "use_names_as_ids": use_names_as_ids, "reader_kwargs": reader_kwargs})


class RawioSortingExtractor(_RawioReader, NeoBaseSortingExtractor):
    """A SpikeInterface sorting of every unit of any rawio format.

    Integer spike timestamps are frames at the spike clock (``sampling_frequency`` = raw units per
    second: the sample rate for Phy and Neuroscope, the timestamp clock for Plexon), as
    SpikeInterface's own Plexon sorting does; float timestamps (seconds, e.g. NWB) are turned into
    frames at ``sampling_frequency``, which must then be given or come from a signal stream.
    ``reader_kwargs``: the class's constructor options, as for the recording."""

    def __init__(self, file_path, format=None, sampling_frequency=None, block_index=None, use_format_ids=False,
                 stream_id=None, stream_name=None, reader_kwargs=None):
        self.neo_reader = _reader(file_path, format, reader_kwargs)
        r = self.neo_reader
        per_second = r._reader.spike_time_base()
        ints = all(r.get_spike_timestamps(b, s, u, None, None).dtype.kind in "iu"
                   for b in range(r.block_count()) for s in range(r.segment_count(b))
                   for u in range(min(1, r.spike_channels_count())))
        self.neo_returns_frames = ints and sampling_frequency is None
        if self.neo_returns_frames:
            sampling_frequency = per_second
        NeoBaseSortingExtractor.__init__(self, block_index=block_index, sampling_frequency=sampling_frequency,
                                         use_format_ids=use_format_ids, stream_id=stream_id,
                                         stream_name=stream_name)
        self.extra_requirements.append("rawio")
        self._kwargs = {"file_path": str(Path(file_path).absolute()), "format": r.format_id,
                        "sampling_frequency": None if self.neo_returns_frames else sampling_frequency,
                        "block_index": block_index, "use_format_ids": use_format_ids,
                        "stream_id": stream_id, "stream_name": stream_name, "reader_kwargs": reader_kwargs}


def read_recording(file_path, format=None, **kwargs):
    """A :class:`RawioRecordingExtractor` (``stream_id=`` / ``stream_name=`` when there are several)."""
    return RawioRecordingExtractor(file_path, format=format, **kwargs)


def read_sorting(file_path, format=None, **kwargs):
    """A :class:`RawioSortingExtractor` of every unit of the recording."""
    return RawioSortingExtractor(file_path, format=format, **kwargs)


def get_streams(file_path, format=None, reader_kwargs=None):
    """``(stream_names, stream_ids)`` of a recording, as SpikeInterface's ``get_neo_streams``."""
    r = _reader(file_path, format, reader_kwargs)
    s = r.header["signal_streams"]
    return s["name"].tolist(), s["id"].tolist()
