from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from figscrape.store import ObjectStore


def test_objects_are_stored_by_sha256_under_two_hex_digits(tmp_path: Path) -> None:
    store = ObjectStore(tmp_path / "objects")
    sha = store.put_bytes(b"figure bytes")
    assert sha == hashlib.sha256(b"figure bytes").hexdigest()
    assert store.path(sha) == tmp_path / "objects" / sha[:2] / sha
    assert store.read(sha) == b"figure bytes"
    assert store.put_bytes(b"figure bytes") == sha  # idempotent
    source = tmp_path / "a.pdf"
    source.write_bytes(b"%PDF-1.7 x")
    assert store.read(store.put_file(source)) == b"%PDF-1.7 x"


def test_a_failed_write_leaves_no_file_under_a_real_name(tmp_path: Path) -> None:
    store = ObjectStore(tmp_path / "objects")

    def broken(fh) -> None:  # noqa: ANN001
        fh.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        store._write("ab" + "0" * 62, broken)
    assert list((tmp_path / "objects").rglob("*")) == [tmp_path / "objects" / "ab"]


def test_stale_temporary_files_are_swept_and_fresh_ones_kept(tmp_path: Path) -> None:
    import os
    import time

    store = ObjectStore(tmp_path / "objects")
    (tmp_path / "objects" / "ab").mkdir(parents=True)
    stale, fresh = tmp_path / "objects" / "ab" / ".tmp-old", tmp_path / "objects" / "ab" / ".tmp-new"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"writing")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    assert store.sweep_temp(older_than=3600) == 1
    assert not stale.exists() and fresh.exists()


@pytest.mark.parametrize("where", ["disk", "s3"])
def test_add_file_says_whether_it_wrote_and_discard_takes_it_back(where: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    from figscrape.store import StoreSpec, open_store

    if where == "s3":
        request.getfixturevalue("s3").create_bucket(Bucket="figscrape-store")
        import os

        store = open_store(StoreSpec("s3://figscrape-store/team", os.environ["FIGSCRAPE_S3_ENDPOINT"]), tmp_path / "cache")
    else:
        store = ObjectStore(tmp_path / "objects")
    source = tmp_path / "a.pdf"
    source.write_bytes(b"%PDF-1.7 y")
    sha, wrote = store.add_file(source)
    assert wrote and store.exists(sha) and store.read(sha) == b"%PDF-1.7 y"
    assert store.add_file(source) == (sha, False)
    store.path(sha)  # in the S3 store's local cache too
    store.discard(sha)
    assert not store.exists(sha)
