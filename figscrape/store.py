"""The content-addressed file store: `objects/<first two hex digits>/<sha256>`. Files are written
to a temporary name in the store and renamed, so a crash never leaves half a file under a real name."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


class ObjectStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        """Where the object with this hash lives (whether or not it exists)."""
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def put_bytes(self, data: bytes) -> str:
        """Store bytes; returns their sha256. Storing the same bytes twice is a no-op."""
        sha = hashlib.sha256(data).hexdigest()
        if not self.exists(sha):
            self._write(sha, lambda fh: fh.write(data))
        return sha

    def put_file(self, source: Path) -> str:
        """Store a file's bytes, streamed; returns their sha256."""
        digest = hashlib.sha256()
        with source.open("rb") as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                digest.update(chunk)
        sha = digest.hexdigest()
        if not self.exists(sha):
            with source.open("rb") as src:
                self._write(sha, lambda fh: _copy(src, fh))
        return sha

    def sweep_temp(self, older_than: float = 3600.0) -> int:
        """Delete temporary files that a killed writer left behind (older than `older_than` seconds,
        so a write in progress elsewhere is never touched); returns how many went."""
        cutoff = time.time() - older_than
        removed = 0
        for tmp in self.root.glob("*/.tmp-*"):
            try:
                if tmp.stat().st_mtime < cutoff:
                    tmp.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def _write(self, sha: str, fill) -> None:  # noqa: ANN001 - a writer callback
        target = self.path(sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fill(fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _copy(src: BinaryIO, dst: BinaryIO) -> None:
    for chunk in iter(lambda: src.read(CHUNK), b""):
        dst.write(chunk)
