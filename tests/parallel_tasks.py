"""Work functions for the executor's tests; importable by worker processes."""

from __future__ import annotations

import os
import signal
from pathlib import Path


def die_once(batch: list[int], marks: str) -> list[int]:
    """Kills its own worker (kill -9) the first time it sees each batch; returns the batch doubled after."""
    mark = Path(marks) / f"{batch[0]}"
    if not mark.exists():
        mark.write_text("died here")
        os.kill(os.getpid(), signal.SIGKILL)
    return [2 * x for x in batch]


def die_always_on_seven(batch: list[int]) -> list[int]:
    if 7 in batch:
        os.kill(os.getpid(), signal.SIGKILL)
    return [2 * x for x in batch]


def page_faults_for_big_arrays(*_: object) -> int:
    """Minor page faults while making 50 arrays of 1 MiB one after another: about 256 each when
    every one is a fresh mmap, next to none when the heap reuses the memory."""
    import resource

    import numpy as np

    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(50):
        np.ones(1 << 20, dtype=np.uint8)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def disk_full_on_four(batch: list[int], marks: str) -> list[int]:
    """Adds a line to its batch's mark each time it runs; the batch holding 4 meets a full disk, as a store write would."""
    import errno

    with (Path(marks) / f"{batch[0]}").open("a") as mark:
        mark.write("ran\n")
    if 4 in batch:
        raise OSError(errno.ENOSPC, "No space left on device", f"item {batch[0]} into the store")
    return [2 * x for x in batch]
