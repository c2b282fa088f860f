"""The content-addressed file store: `objects/<first two hex digits>/<sha256>`, in a folder
(ObjectStore) or in an S3 bucket for a cluster (S3Store). In a folder, files are written to a
temporary name and renamed, so a crash never leaves half a file under a real name; in S3 a PUT is
whole or absent. Workers rebuild the store from its StoreSpec."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


@dataclass(frozen=True)
class StoreSpec:
    """What a worker needs to open the same store: its location and, for S3, the endpoint."""

    location: str  # a folder, or s3://bucket/prefix
    endpoint: str = ""


def open_store(spec: StoreSpec, cache: Path | None = None) -> ObjectStore | S3Store:
    if spec.location.startswith("s3://"):
        return S3Store(spec, cache or Path(tempfile.gettempdir()) / "figscrape-cache")
    return ObjectStore(Path(spec.location))


class ObjectStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def spec(self) -> StoreSpec:
        return StoreSpec(str(self.root))

    def describe(self, sha256: str) -> str:
        """Where the object is, for messages."""
        return str(self.path(sha256))

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
        return self.add_file(source)[0]

    def add_file(self, source: Path) -> tuple[str, bool]:
        """put_file, and whether this call wrote the object (False: it was there already)."""
        digest = hashlib.sha256()
        with source.open("rb") as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                digest.update(chunk)
        sha = digest.hexdigest()
        if self.exists(sha):
            return sha, False
        with source.open("rb") as src:
            self._write(sha, lambda fh: _copy(src, fh))
        return sha, True

    def discard(self, sha256: str) -> None:
        """Take back an object this process just wrote and no row names (its row could not be written)."""
        self.path(sha256).unlink(missing_ok=True)

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


def s3_client(endpoint: str = ""):  # noqa: ANN201 - a boto3 client
    """A client for AWS ("" endpoint) or any S3-compatible server, retrying with adaptive backoff."""
    import boto3
    from botocore.config import Config as BotoConfig

    return boto3.client(
        "s3", endpoint_url=endpoint or None,
        config=BotoConfig(retries={"max_attempts": 8, "mode": "adaptive"}, max_pool_connections=32),
    )


class S3Store:
    """The store in an S3 bucket (any S3-compatible server: FIGSCRAPE_S3_ENDPOINT). Objects are read
    into a local cache when a library needs a file (PyMuPDF, the app's images)."""

    def __init__(self, spec: StoreSpec, cache: Path) -> None:
        bucket, _, prefix = spec.location.removeprefix("s3://").partition("/")
        if not bucket:
            raise ValueError(f"{spec.location}: no bucket named (s3://BUCKET/PREFIX)")
        self.spec, self.bucket, self.prefix = spec, bucket, prefix.strip("/")
        self.cache = ObjectStore(cache)
        self.client = s3_client(spec.endpoint)

    @property
    def root(self) -> str:
        return self.spec.location

    def key(self, sha256: str) -> str:
        return "/".join(p for p in (self.prefix, "objects", sha256[:2], sha256) if p)

    def describe(self, sha256: str) -> str:
        return f"s3://{self.bucket}/{self.key(sha256)}"

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise OSError(f"{self.root}: {exc}") from exc

    def read(self, sha256: str) -> bytes:
        if self.cache.exists(sha256):
            return self.cache.read(sha256)
        from botocore.exceptions import ClientError

        try:
            data = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"].read()
        except ClientError as exc:
            raise FileNotFoundError(f"{self.root}/{self.key(sha256)}: {exc.response.get('Error', {}).get('Code', exc)}") from exc
        return data

    def path(self, sha256: str) -> Path:
        """A local file with the object's bytes (fetched into the cache once); where it would be, if
        the object does not exist."""
        local = self.cache.path(sha256)
        if not local.is_file():
            try:
                self.cache.put_bytes(self.read(sha256))
            except FileNotFoundError:
                pass
        return local

    def put_bytes(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        if not self.exists(sha):
            self.client.put_object(Bucket=self.bucket, Key=self.key(sha), Body=data)
        return sha

    def put_file(self, source: Path) -> str:
        return self.put_bytes(source.read_bytes())

    def add_file(self, source: Path) -> tuple[str, bool]:
        data = source.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        if self.exists(sha):
            return sha, False
        self.client.put_object(Bucket=self.bucket, Key=self.key(sha), Body=data)
        return sha, True

    def discard(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))
        self.cache.discard(sha256)

    def sweep_temp(self, older_than: float = 3600.0) -> int:
        return self.cache.sweep_temp(older_than)


Store = ObjectStore | S3Store
