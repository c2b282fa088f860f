"""The commands that look without changing anything, and the quick start: inspect one PDF (and
draw what it found), contact sheets of a data home, status of the database, demo on the bundled samples."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from figscrape import __version__
from figscrape.cli.root import app, context, engine, fail, state, store
from figscrape.runtime.runs import console, progress


@app.command()
def inspect(
    pdf: Annotated[Path, typer.Argument(help="The PDF to look at.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract (DESIGN.md) instead of a table.")] = False,
    overlay: Annotated[Path | None, typer.Option("--overlay", help="Also write one PNG per page to this folder with every figure (number, caption start) and panel (label, CT score) drawn on it.")] = None,
) -> None:
    """Extract, split and score one PDF without writing to the database.

    With --overlay DIR, each page is drawn with what was found: figure boxes in red with number and
    caption start, panel boxes in blue with letter and CT score (the database's panels, hand-fixed
    crops included, when the PDF is stored there with figures of its own; else this run's).

    Exit codes: 0 all went well; 1 the PDF cannot be read (the message names the file and the
    problem); 3 the JSON is printed but some figures were skipped (each warning on stderr)."""
    from figscrape.extract.document import PdfError
    from figscrape.pipeline.inspect import inspect_pdf

    if overlay is not None and overlay.exists() and not overlay.is_dir():
        fail(f"{overlay}: is a file, not a folder for the overlays")
    try:
        result = inspect_pdf(pdf, state.config)
    except PdfError as exc:
        fail(str(exc), 1)
    if overlay is not None:
        _write_overlays(pdf, result, overlay)
    for warning in result["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False, soft_wrap=True)
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    else:
        _figure_table(pdf, result)
    if result["warnings"]:
        raise typer.Exit(3)



def _write_overlays(pdf: Path, result: dict, out: Path) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from figscrape.data.db import DatabaseError, open_database
    from figscrape.pipeline.overlay import stored_figures, write_overlays

    try:
        stored = stored_figures(open_database(state.config.db_url, create=False, busy_timeout=state.config.db_timeout), pdf)
    except (DatabaseError, SQLAlchemyError):
        stored = None  # no database, or none this figscrape can read: this run's panels
    try:
        written = write_overlays(pdf, result["figures"], out, panels_of=stored)
    except OSError as exc:
        fail(f"{out}: cannot write the overlays ({exc.strerror or exc})")
    console.print(f"{len(written)} page overlays in {out}", highlight=False)


def _figure_table(pdf: Path, result: dict) -> None:
    table = Table(title=f"{pdf} — {result['pages']} pages, {len(result['figures'])} figures")
    for col in ("page", "number", "kind", "pixels", "bbox (pt)", "caption"):
        table.add_column(col)
    for f in result["figures"]:
        table.add_row(str(f["page"]), f["number"], f["kind"], f"{f['width']}x{f['height']}", " ".join(f"{v:.0f}" for v in f["bbox"]), f["caption"][:70])
    console.print(table)



@app.command()
def sheet(
    out: Annotated[Path, typer.Argument(help="Folder for the sheets (figures-001.png, ..., panels-001.png, ...).")],
) -> None:
    """Contact sheets of the data home's current figures and panels, to check extraction and
    splitting by eye: each figure with its paper, page, number, caption start and its panels boxed;
    each panel with its letter and CT score. 48 thumbnails a sheet."""
    from figscrape.pipeline.sheet import count_items, write_sheets

    db = engine(create=False)
    if out.exists() and not out.is_dir():
        fail(f"{out}: is a file, not a folder for the sheets")
    with progress() as bar:
        task = bar.add_task("sheets", total=count_items(db))
        try:
            written = write_sheets(db, store(), out, lambda: bar.advance(task))
        except OSError as exc:
            fail(f"{out}: cannot write the sheets ({exc.strerror or exc})")
    console.print(f"{len(written)} sheets in {out}", highlight=False)


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    failures: Annotated[bool, typer.Option("--failures", help="Every failed item with its reason and where, newest first.")] = False,
) -> None:
    """Counts per stage: done, pending, failed, and the most common failure reasons."""
    from figscrape.pipeline.failures import collect_failures
    from figscrape.pipeline.status import collect_status

    if failures:
        found = collect_failures(engine(create=False))
        if as_json:
            sys.stdout.write(json.dumps({"failures": [f.as_dict() for f in found]}) + "\n")
            return
        for f in found:
            when = f.at.isoformat(sep=" ", timespec="seconds") if f.at else "-"
            console.print(escape(f"{when}  {f.stage}  {f.item}: {f.reason}  ({f.where})"), highlight=False, soft_wrap=True)
        console.print(f"{len(found)} failed items", highlight=False)
        return

    st = collect_status(engine(create=False))
    if as_json:
        sys.stdout.write(json.dumps(st.as_dict()) + "\n")
        return
    table = Table(title=f"figscrape {__version__} — {state.config.db_shown}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in st.as_dict().items():
        if key != "top_failures":
            table.add_row(key, json.dumps(value) if isinstance(value, dict) else str(value))
    console.print(table)
    for item in st.top_failures:
        console.print(f"  {item['count']} × {escape(item['reason'])}", highlight=False)



@app.command()
def demo() -> None:
    """The quick start, offline: ingest the bundled sample PDFs, extract, split and score them, import
    two annotators' sample labels, export a COVID-CT-style dataset under the data home and check it."""
    from figscrape.pipeline.demo import run_demo

    raise typer.Exit(run_demo(context()))

