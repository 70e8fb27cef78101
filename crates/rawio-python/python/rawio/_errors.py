"""Exceptions raised by rawio (each carries the Rust reader's message).

Every class derives from :class:`RawIOError` and from the built-in exception that neo (or
Python) would raise in the same situation, so ``except ValueError`` / ``except OSError`` code
written for neo keeps working.
"""


class RawIOError(Exception):
    """Base class of every rawio error."""


class ReadError(RawIOError, OSError):
    """The operating system refused an I/O operation (the message names the path)."""


class CorruptFileError(RawIOError, ValueError):
    """The file violates its format (the message names the file, the format and the byte offset)."""


class UnsupportedError(RawIOError, NotImplementedError):
    """The file uses a feature rawio does not implement, or the format is not compiled in."""


class MissingFileError(RawIOError, FileNotFoundError):
    """Files the format needs were not found (the message lists every path looked for)."""


class UnknownFormatError(RawIOError, ValueError):
    """No enabled reader recognises the path."""


class ArgumentError(RawIOError, ValueError):
    """An argument is invalid (inconsistent selection, bad option, non-unique names...)."""


class OutOfRangeError(RawIOError, IndexError, ValueError):
    """A block, segment, stream, channel, unit, event channel or sample index is out of range."""


class UnknownIdError(RawIOError, ValueError, KeyError):
    """A channel id or name was not found."""

    def __str__(self):  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


__all__ = [
    "RawIOError",
    "ReadError",
    "CorruptFileError",
    "UnsupportedError",
    "MissingFileError",
    "UnknownFormatError",
    "ArgumentError",
    "OutOfRangeError",
    "UnknownIdError",
]
