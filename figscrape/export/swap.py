"""Putting a finished export in place so that OUT is always whole, old or new, whenever the export
is killed: the new tree is written to `.OUT.tmp-PID` beside OUT, then swapped with OUT in one step
(Linux's renameat2 RENAME_EXCHANGE), and the old tree, now under the temporary name, is removed.
Where the file system cannot exchange, OUT is renamed to `.OUT.old-PID` and the new tree to OUT;
a kill between those two renames is undone by the next export, which puts the old tree back.
Every export first sweeps the temporaries of exports whose process is no longer alive."""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
from pathlib import Path

AT_FDCWD = -100
RENAME_EXCHANGE = 2


def temporary(out: Path, kind: str, pid: int | None = None) -> Path:
    """`.OUT.tmp-PID` (the tree being written) or `.OUT.old-PID` (the tree being replaced)."""
    return out.parent / f".{out.name}.{kind}-{os.getpid() if pid is None else pid}"


def alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def sweep(out: Path) -> list[Path]:
    """Remove the temporaries of dead exports to OUT; when OUT is missing, a dead export's old tree
    is put back first (it was killed between its two renames). Returns what was removed."""
    if not out.parent.is_dir():
        return []
    pattern = re.compile(re.escape(f".{out.name}.") + r"(tmp|old)-(\d+)")
    stale = []
    for path in out.parent.iterdir():
        match = pattern.fullmatch(path.name)
        if match and not alive(int(match.group(2))):
            stale.append((match.group(1), path))
    removed = []
    for kind, path in sorted(stale, key=lambda s: s[0] != "old"):  # an old tree first: it may be OUT's only copy
        if kind == "old" and not os.path.lexists(out):
            os.rename(path, out)
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step; False where the system or file system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def swap_into_place(tmp: Path, out: Path) -> None:
    """The finished tree `tmp` becomes OUT; OUT's earlier tree is removed."""
    if not os.path.lexists(out):
        os.rename(tmp, out)
        return
    if exchange(tmp, out):
        shutil.rmtree(tmp, ignore_errors=True)  # now the old tree; a kill here leaves it for the next sweep
        return
    old = temporary(out, "old")
    os.rename(out, old)
    os.rename(tmp, out)
    shutil.rmtree(old, ignore_errors=True)
