"""Run one risky job (one PDF) in a child process with a time and a memory limit, so a PDF that
hangs MuPDF or decompresses to gigabytes is killed and reported instead of stopping the run."""

from __future__ import annotations

import multiprocessing as mp
import resource
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass
class Outcome(Generic[T]):
    value: T | None = None
    error: str = ""  # empty when the job succeeded

    @property
    def ok(self) -> bool:
        return not self.error


def _address_space() -> int:
    """Bytes of address space this process has mapped (what it inherited from its parent included)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * resource.getpagesize()
    except OSError:
        return 0


def _child(conn: Connection, fn: Callable[..., Any], args: tuple, memory_mb: int) -> None:
    if memory_mb > 0:  # the job's own budget, on top of what the parent had mapped (torch alone maps a gigabyte)
        limit = _address_space() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        conn.send(Outcome(value=fn(*args)))
    except MemoryError:
        conn.send(Outcome(error=f"ran out of memory (over {memory_mb} MB)"))
    except Exception as exc:  # the child reports every failure as text; the parent decides
        message = str(exc) or type(exc).__name__
        if not getattr(exc, "plain", False):  # an unexpected failure keeps its type and where it happened
            message = f"{type(exc).__name__}: {message}\n{traceback.format_exc(limit=3)}"
        conn.send(Outcome(error=message))
    finally:
        conn.close()


def run_isolated(fn: Callable[..., T], args: tuple, timeout: float, memory_mb: int) -> Outcome[T]:
    """fn(*args) in a fresh child process; a timeout, crash or memory blow-up becomes Outcome.error."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args, memory_mb), daemon=True)
    proc.start()
    child.close()
    try:
        if parent.poll(timeout):
            try:
                return parent.recv()
            except EOFError:
                pass
        else:
            proc.kill()
            proc.join()
            return Outcome(error=f"took longer than {timeout:g} s and was stopped")
        proc.join()
        code = proc.exitcode
        return Outcome(error=f"worker died (exit code {code}){'; likely out of memory' if code and code < 0 else ''}")
    finally:
        parent.close()
        if proc.is_alive():
            proc.kill()
            proc.join()
