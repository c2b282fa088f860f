"""Each stage run leaves a Run row: when, which version, what it counted, what failed and why."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from sqlalchemy import Engine

from figscrape.data.db import write_session
from figscrape.data.models import Run, utcnow

log = logging.getLogger("figscrape")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # a file name, a title, a server's text may hold any of them


def visible(text: str, one_line: bool = False) -> str:
    """Text with its control characters (a terminal escape, say) written out as \\xNN, so what a file
    name or a server sent is shown, never obeyed by the terminal; one_line: newlines too."""
    text = CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text.replace("\n", "\\n").replace("\r", "\\r") if one_line else text


class VisibleConsole(Console):
    """A Console whose printed strings go through `visible` (Rich passes escapes through as they are)."""

    def print(self, *objects: object, **kwargs: object) -> None:  # type: ignore[override]
        super().print(*(visible(o) if isinstance(o, str) else o for o in objects), **kwargs)


class VisibleLog(logging.Filter):
    """The same for log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = visible(record.getMessage()), ()
        return True


console = VisibleConsole(stderr=True)


@dataclass
class RunLog:
    stage: str
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    ok: bool = True  # False: the stage failed as a whole, not item by item
    failures: list[str] = field(default_factory=list)  # the errors that are failed items ("what: why"), in order

    def fail(self, what: str, why: str) -> None:
        """Count one failed item and say why in the log."""
        self.counts["failed"] += 1
        self.errors.append(f"{what}: {why}")
        self.failures.append(f"{what}: {why}")
        log.warning("%s: %s failed: %s", self.stage, what, why.splitlines()[0] if why else "")

    def skip(self, what: str, why: str) -> None:
        self.counts["skipped"] += 1
        log.info("%s: skipped %s: %s", self.stage, what, why)


@contextmanager
def record_run(engine: Engine, stage: str, version: str = "") -> Iterator[RunLog]:
    """Yield a RunLog, then store it as a Run row (also when the stage raised). The row's errors begin
    with the failed items, as many as counts["failed"] (`figscrape status --failures` reads them so),
    then the run's other messages (warnings, a stage's failure as a whole)."""
    started = utcnow()
    run = RunLog(stage)
    try:
        yield run
    finally:
        with write_session(engine) as session:
            session.add(Run(stage=stage, version=version, started_at=started, finished_at=utcnow(), counts=dict(run.counts), errors=_failures_first(run)[:200]))


def _failures_first(run: RunLog) -> list[str]:
    failed = set(run.failures)
    return run.failures + [e for e in run.errors if e not in failed]


def progress() -> Progress:
    """The progress bar every stage shows on stderr."""
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console, transient=False
    )
