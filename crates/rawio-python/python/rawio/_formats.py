"""The format table: one line per format is all a new format needs on the Python side.

Each entry names the neo-compatible class, the Rust format id (``rawio formats``), the
constructor keyword neo uses for it (``filename`` or ``dirname``), and neo's own classes (the
``neo.rawio`` class and the ``neo.io`` class built on it) that the tests and the comparison
script use as the reference (``None`` where neo has none).
"""
from typing import NamedTuple, Optional


class FormatEntry(NamedTuple):
    class_name: str
    format_id: str
    kwarg: str  # "filename" or "dirname"
    neo_rawio: Optional[str]  # neo.rawio.<name>
    neo_io: Optional[str]  # neo.io.<name>


FORMATS = [
    FormatEntry("PlexonRawIO", "plexon", "filename", "PlexonRawIO", "PlexonIO"),
    FormatEntry("NeuroScopeRawIO", "neuroscope", "filename", "NeuroScopeRawIO", "NeuroScopeIO"),
    FormatEntry("PhyRawIO", "phy", "dirname", "PhyRawIO", "PhyIO"),
    FormatEntry("OpenEphysBinaryRawIO", "openephys-binary", "dirname", "OpenEphysBinaryRawIO", "OpenEphysBinaryIO"),
    FormatEntry("OpenEphysRawIO", "openephys-legacy", "dirname", "OpenEphysRawIO", "OpenEphysIO"),
    FormatEntry("BlackrockRawIO", "blackrock", "filename", "BlackrockRawIO", "BlackrockIO"),
    FormatEntry("NIXRawIO", "nix", "filename", "NIXRawIO", "NixIOFr"),
    FormatEntry("NWBRawIO", "nwb", "filename", None, None),
]

BY_CLASS = {f.class_name: f for f in FORMATS}
BY_ID = {f.format_id: f for f in FORMATS}
