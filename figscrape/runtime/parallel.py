"""Where a stage's work items run: in this process, on N local worker processes, or on a Dask
distributed cluster. Items go out in batches; results come back to this process, which alone
writes the database (one short transaction per batch), so no database sees a storm of writers.

A worker that dies (kill -9, the OOM killer) costs only its batch's attempt: the local pool is
rebuilt and the batch sent again, at most MAX_ATTEMPTS times; Dask reschedules it on another
worker the same way. A batch that keeps killing workers comes back as an error for each item.
A full or read-only disk (runtime/disk.py) stops the whole stage on every path alike: raised here
once, the batches not yet done cancelled, never retried or failed batch by batch."""

from __future__ import annotations

import ctypes
import logging
import multiprocessing as mp
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from figscrape.runtime.disk import stops

log = logging.getLogger("figscrape")
T = TypeVar("T")
R = TypeVar("R")
MAX_ATTEMPTS = 3

# How Dask workers for figscrape are to be started (dask.config.set for a LocalCluster, or the same
# keys as DASK_DISTRIBUTED__WORKER__DAEMON=False and DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False
# in the environment of `dask worker`): a worker starts one child per PDF for its time and memory
# limits, which a daemonic process may not; the sampling profiler costs CPU-bound tasks ~25%.
DASK_WORKER_CONFIG = {"distributed.worker.daemon": False, "distributed.worker.profile.enabled": False}

# glibc's mallopt parameters, and the values its own adaptive rule settles on for big arrays on 64-bit
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD


@dataclass(frozen=True)
class Workers:
    """How to run a stage: `count` local processes (1: in this process), or a Dask scheduler address."""

    count: int = 1
    scheduler: str = ""

    @classmethod
    def of(cls, count: int | None, scheduler: str | None, configured_scheduler: str) -> Workers:
        """The flags' choice, else the configured scheduler (FIGSCRAPE_SCHEDULER), else this process."""
        return cls(count or 1, scheduler if scheduler is not None else configured_scheduler)

    @property
    def parallel(self) -> bool:
        return bool(self.scheduler) or self.count > 1


class WorkersUnfit(RuntimeError):
    """The cluster's workers cannot run this stage; the message says how to start them."""


@dataclass
class BatchResult:
    batch: list
    value: Any = None
    error: str = ""  # the whole batch failed (its worker kept dying, the cluster went away)


def batches(items: Sequence[T], size: int) -> list[list[T]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def run_batches(fn: Callable[..., Any], work: list[list], args: tuple, workers: Workers, children: bool = False) -> Iterator[BatchResult]:
    """fn(batch, *args) for every batch, results in completion order. children: fn starts child
    processes (a PDF in its isolated child), which a daemonic Dask worker may not."""
    if workers.scheduler:
        yield from _dask(fn, work, args, workers.scheduler, children)
    elif workers.count > 1:
        yield from _processes(fn, work, args, workers.count)
    else:
        for batch in work:
            yield BatchResult(batch, fn(batch, *args))


def map_batches(fn: Callable[..., list[R]], items: Sequence[T], size: int, args: tuple, workers: Workers,
                failed: Callable[[T, str], R], children: bool = False) -> Iterator[list[R]]:
    """fn(batch, *args) gives one result per item of its batch; a batch that failed as a whole gives
    failed(item, why) for each of its items instead. Lists in completion order."""
    for result in run_batches(fn, batches(items, size), args, workers, children):
        yield result.value if not result.error else [failed(item, result.error) for item in result.batch]


def _processes(fn: Callable[..., Any], work: list[list], args: tuple, count: int) -> Iterator[BatchResult]:
    """At most `count` batches in flight, so the ones in flight when a worker dies are exactly the
    suspects. Suspects then run alone, one by one: a death there is the batch's own, and counts."""
    attempts = [0] * len(work)
    todo = list(range(len(work)))
    while todo:
        finished: set[int] = set()
        broken = yield from _run_pool(fn, work, args, count, todo, finished)
        todo = [k for k in todo if k not in finished and k not in broken]
        if broken:
            log.warning("a worker process died; %d batches that were in flight run again, one at a time", len(broken))
        for k in broken:
            while True:
                attempts[k] += 1
                if not (yield from _run_pool(fn, work, args, 1, [k], finished)):
                    break
                if attempts[k] >= MAX_ATTEMPTS:
                    yield BatchResult(work[k], error=f"a worker died {attempts[k]} times on this batch")
                    break


def _run_pool(fn: Callable[..., Any], work: list[list], args: tuple, count: int, todo: list[int],
              finished: set[int]) -> Generator[BatchResult, None, list[int]]:
    """Yields the results of batches `todo` (their indexes added to `finished`) from a pool of `count`
    processes until all are done or a worker dies; returns the batches in flight when it died."""
    pool = ProcessPoolExecutor(max_workers=count, mp_context=mp.get_context("forkserver"))
    queue = list(todo)
    running: dict[Future, int] = {}
    try:
        while queue or running:
            while queue and len(running) < count:
                k = queue.pop(0)
                running[pool.submit(fn, work[k], *args)] = k
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                k = running.pop(future)
                try:
                    value = future.result()
                except BrokenProcessPool:
                    return sorted([k, *running.values()])
                finished.add(k)
                yield BatchResult(work[k], value)
        return []
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def unfreeze_malloc() -> bool:
    """Dask's nanny starts each worker with MALLOC_TRIM_THRESHOLD_=65536, and setting any threshold
    freezes glibc's mmap threshold at 128 KiB: every page image or array bigger than that becomes a
    fresh mmap, zero-filled page by page, and the PDF work ran 15-20% slower in a Dask worker than in
    a plain process. Put back the thresholds glibc would have adapted to. False where libc is not glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    except (OSError, AttributeError):
        return False


def _worker_plugin():  # noqa: ANN202 (distributed is imported only on the Dask path)
    from distributed.diagnostics.plugin import WorkerPlugin

    class UnfreezeMalloc(WorkerPlugin):
        """Runs unfreeze_malloc on every worker of the cluster, present and future, however it was started."""

        name = "figscrape-unfreeze-malloc"
        idempotent = True

        def setup(self, worker: Any) -> None:
            unfreeze_malloc()

    return UnfreezeMalloc()


def _is_daemonic() -> bool:
    """Runs on a worker: whether it is a daemonic process (Dask's default), which may have no children."""
    return bool(mp.current_process().daemon)


@dataclass
class _Stopped:
    """A batch's disk error that stops the stage, returned rather than raised so that Dask does not
    retry the task or fail it alone."""

    error: OSError


def _stopping(fn: Callable[..., Any], batch: list, *args: Any) -> Any:
    try:
        return fn(batch, *args)
    except OSError as exc:
        if stops(exc):
            return _Stopped(exc)
        raise


def _dask(fn: Callable[..., Any], work: list[list], args: tuple, address: str, children: bool) -> Iterator[BatchResult]:
    from distributed import Client, as_completed

    with Client(address, timeout="30s") as client:
        if children and work:
            daemonic = sorted(worker for worker, flag in client.run(_is_daemonic).items() if flag)
            if daemonic:
                raise WorkersUnfit(
                    f"{len(daemonic)} Dask worker(s) of {address} are daemonic processes ({daemonic[0]}...), which may not start "
                    "the child each PDF runs in: start them with DASK_DISTRIBUTED__WORKER__DAEMON=False in their environment "
                    "(README: On several processes or a Dask cluster)"
                )
        client.register_plugin(_worker_plugin())
        futures = {client.submit(_stopping, fn, batch, *args, pure=False, retries=MAX_ATTEMPTS - 1): k for k, batch in enumerate(work)}
        for future in as_completed(futures):
            k = futures[future]
            try:
                value = future.result()
            except Exception as exc:  # KilledWorker, a lost scheduler, the task's own failure: the batch's items are failed
                yield BatchResult(work[k], error=f"{type(exc).__name__}: {exc}")
                continue
            finally:
                future.release()
            if isinstance(value, _Stopped):
                client.cancel(list(futures))
                raise value.error
            yield BatchResult(work[k], value)
