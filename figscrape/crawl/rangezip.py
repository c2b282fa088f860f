"""A ZIP archive read in place over HTTP ranges: Python's zipfile reads the end-of-archive record,
the central directory and then only the members asked for, through a seekable file whose reads
become ranged GETs. So a MECA bundle's PDF and JATS come out without its ~50 MB of TIFFs."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

SHORT_READ_ATTEMPTS = 3
SHORT_READ_BACKOFF = 0.5  # seconds before the second attempt, doubled after
Fetch = Callable[[int, int], bytes]  # (first byte, last byte inclusive) -> those bytes


class RangeFile(io.RawIOBase):
    """A read-only seekable file of `size` bytes whose reads are ranged fetches; counts bytes fetched."""

    def __init__(self, fetch: Fetch, size: int) -> None:
        super().__init__()
        self._fetch, self._size, self._pos = fetch, size, 0
        self._block_start, self._block = 0, b""  # the member fetched ahead, served from memory
        self.bytes_fetched = 0
        self.requests = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def prefetch(self, start: int, end: int) -> None:
        """Fetch bytes start..end (inclusive) in one request; reads inside them cost nothing more."""
        end = min(end, self._size - 1)
        self._block_start, self._block = start, self._get(start, end)

    def readinto(self, buffer) -> int:  # noqa: ANN001 - a writable buffer
        if self._pos >= self._size:
            return 0
        offset = self._pos - self._block_start
        if 0 <= offset < len(self._block):
            data = self._block[offset : offset + len(buffer)]  # a short read at the block's end: never past it
        else:
            data = self._get(self._pos, min(self._size, self._pos + len(buffer)) - 1)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def _get(self, start: int, end: int) -> bytes:
        for attempt in range(SHORT_READ_ATTEMPTS):  # a body cut short is asked for again, with backoff
            data = self._fetch(start, end)
            if len(data) == end - start + 1:
                break
            if attempt + 1 < SHORT_READ_ATTEMPTS:
                time.sleep(SHORT_READ_BACKOFF * 2**attempt)
        else:
            raise OSError(f"short read: asked bytes {start}-{end}, got {len(data)} (after {SHORT_READ_ATTEMPTS} attempts)")
        self.bytes_fetched += len(data)
        self.requests += 1
        return data


LOCAL_HEADER_SLACK = 1024  # a member's local header: 30 bytes, its name and an extra field the central directory may not show


def open_range(fetch: Fetch, size: int, buffer: int = 64 * 1024) -> tuple[io.BufferedReader, RangeFile]:
    """A buffered reader for zipfile, and the raw file that counts what was fetched."""
    raw = RangeFile(fetch, size)
    return io.BufferedReader(raw, buffer_size=buffer), raw


def open_member(zf, raw: RangeFile, name: str):  # noqa: ANN001, ANN201 - a zipfile.ZipFile over `raw`; a readable member
    """A member, its whole compressed range fetched in one request."""
    info = zf.getinfo(name)
    raw.prefetch(info.header_offset, info.header_offset + 30 + len(info.filename.encode()) + LOCAL_HEADER_SLACK + info.compress_size)
    return zf.open(name)


def read_member(zf, raw: RangeFile, name: str) -> bytes:  # noqa: ANN001 - a zipfile.ZipFile over `raw`
    with open_member(zf, raw, name) as member:
        return member.read()
