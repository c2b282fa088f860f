"""A full, over-quota or read-only disk is no item's fault: the stage stops, and the error is said
of what people know (the PDF given, the paper, the export folder), not of a store file's hash.
The CLI prints it in one line (cli/root.py, exit 2)."""

from __future__ import annotations

import errno

STOPS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


def stops(exc: BaseException) -> bool:
    """A disk error after which every other item would fail the same way."""
    return isinstance(exc, OSError) and exc.errno in STOPS


def said_of(exc: OSError, what: str) -> OSError:
    """The same error, naming `what` instead of the file the system named."""
    return OSError(exc.errno, exc.strerror, what)
