"""The root of the `figscrape` command: the typer apps, the global flags, and what every command
shares (one-line failures, the database, the store, the stage context, the data home's lock, the
--workers/--scheduler options). Commands live beside it, one module per group."""

from __future__ import annotations

import errno
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import click
import typer
from rich.logging import RichHandler
from rich.markup import escape
from sqlalchemy import Engine
from typer.core import TyperGroup

from figscrape.config import Config, load_config
from figscrape.data.db import DatabaseError, open_database
from figscrape.runtime.parallel import Workers
from figscrape.runtime.runs import RunLog, VisibleLog, console, visible
from figscrape.store import Store

if TYPE_CHECKING:
    from figscrape.crawl.stage import CrawlOptions
    from figscrape.pipeline.stages import StageContext

DISK = {errno.ENOSPC: "no space left on device while writing {}", errno.EDQUOT: "disk quota exceeded while writing {}",
        errno.EROFS: "read-only file system: {}", errno.EACCES: "permission denied: {}", errno.EPERM: "not permitted: {}"}


def disk_message(exc: OSError) -> str | None:
    """One line for a full, read-only or forbidden disk, naming the file or folder; None for other errors."""
    form = DISK.get(exc.errno or 0)
    if form is None:
        return None
    name = exc.filename if exc.filename is not None else "(a file)"
    return form.format(name if isinstance(name, str) else str(name))


class Commands(TyperGroup):
    """Every command: a full, read-only or forbidden disk ends it with one line and exit 2, not a traceback."""

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        try:
            return super().invoke(ctx)
        except OSError as exc:
            message = disk_message(exc)
            if message is None:
                raise
            console.print(f"[red]error:[/red] {escape(visible(message, one_line=True))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None


app = typer.Typer(
    cls=Commands,
    help="Build medical-imaging datasets from the figures of medRxiv and bioRxiv preprints.\n\n"
    "Stages talk through one database and one content-addressed file store, both under the data "
    "home (FIGSCRAPE_DATA, default ./figscrape-data). Every command does only what is new.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
db_app = typer.Typer(help="Database schema: create and upgrade it (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")
labels_app = typer.Typer(help="Labels as a spreadsheet: write them out, or bring in labels made elsewhere.", no_args_is_help=True)
app.add_typer(labels_app, name="labels")
papers_app = typer.Typer(help="The stored papers' metadata, offline: dump it, search it, fix what a row lacks.", no_args_is_help=True)
app.add_typer(papers_app, name="papers")


class State:
    config: Config


state = State()


@app.callback()
def main(
    data: Annotated[Optional[Path], typer.Option("--data", help="Data home (overrides FIGSCRAPE_DATA).")] = None,
    db: Annotated[Optional[str], typer.Option("--db", help="SQLAlchemy database URL (overrides FIGSCRAPE_DB).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also log every skipped item.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[_visible(RichHandler(console=console, show_path=False, markup=False))],
        force=True,
    )
    for noisy in ("alembic", "sqlalchemy"):  # -v is for skipped items, not "Context impl SQLiteImpl"
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        state.config = load_config(data_home=data, db_url=db)
    except ValueError as exc:  # a setting that cannot work: say which, in one line
        fail(str(exc))


def _visible(handler: logging.Handler) -> logging.Handler:
    handler.addFilter(VisibleLog())
    return handler


def fail(message: str, code: int = 2) -> NoReturn:
    """End the command with one line that says what is wrong (names in it shown as text: no markup, no escapes)."""
    console.print(f"[red]error:[/red] {escape(visible(message, one_line=True))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def engine(create: bool = True) -> Engine:
    """The configured database, on the newest schema (create=False: refuse a missing one)."""
    try:
        return open_database(state.config.db_url, create=create, busy_timeout=state.config.db_timeout)
    except DatabaseError as exc:
        fail(str(exc))


def store() -> Store:
    try:
        return state.config.open_store()
    except ValueError as exc:
        fail(str(exc))


def context(workers: int | None = None, scheduler: str | None = None, crawl: CrawlOptions | None = None) -> StageContext:
    """What the stages of the table run with, from the flags and the configuration."""
    from figscrape.pipeline.stages import StageContext

    return StageContext(engine(), store(), state.config, Workers.of(workers, scheduler, state.config.scheduler), crawl)


def summary(run: RunLog) -> None:
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(run.counts.items())) or "nothing to do"
    console.print(f"[bold]{run.stage}[/bold] — {counts}", highlight=False)
    for error in run.errors[:20]:
        console.print(f"  [yellow]![/yellow] {escape(error.splitlines()[0])}", highlight=False)
    if len(run.errors) > 20:
        console.print(f"  … and {len(run.errors) - 20} more", highlight=False)
    failed = run.counts.get("failed", 0)
    if failed:
        console.print(f"  {failed} failed: `figscrape status --failures` lists them with why and where", highlight=False)


@contextmanager
def exclusive(job: str) -> Iterator[bool]:
    """Hold the data home's lock for this job, or say that another holds it (and yield False)."""
    from filelock import FileLock, Timeout

    state.config.data_home.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(state.config.data_home / f"{job}.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        console.print(f"another {job} is in progress (lock {lock.lock_file}); nothing to do", highlight=False)
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


WorkersOption = Annotated[Optional[int], typer.Option("--workers", min=1, help="Local worker processes (default 1: this process).")]
SchedulerOption = Annotated[Optional[str], typer.Option("--scheduler", help="A Dask scheduler, tcp://HOST:PORT (or FIGSCRAPE_SCHEDULER).")]
