"""The commands that look without changing anything, and the quick start: inspect one PDF,
status of the database, demo on the bundled samples."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from figscrape import __version__
from figscrape.cli.root import app, context, engine, fail, state
from figscrape.runtime.runs import console


@app.command()
def inspect(
    pdf: Annotated[Path, typer.Argument(help="The PDF to look at.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract (DESIGN.md) instead of a table.")] = False,
) -> None:
    """Extract, split and score one PDF without touching the database.

    Exit codes: 0 all went well; 1 the PDF cannot be read (the message names the file and the
    problem); 3 the JSON is printed but some figures were skipped (each warning on stderr)."""
    from figscrape.extract.document import PdfError
    from figscrape.pipeline.inspect import inspect_pdf

    try:
        result = inspect_pdf(pdf, state.config)
    except PdfError as exc:
        fail(str(exc), 1)
    for warning in result["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False, soft_wrap=True)
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    else:
        _figure_table(pdf, result)
    if result["warnings"]:
        raise typer.Exit(3)



def _figure_table(pdf: Path, result: dict) -> None:
    table = Table(title=f"{pdf} — {result['pages']} pages, {len(result['figures'])} figures")
    for col in ("page", "number", "kind", "pixels", "bbox (pt)", "caption"):
        table.add_column(col)
    for f in result["figures"]:
        table.add_row(str(f["page"]), f["number"], f["kind"], f"{f['width']}x{f['height']}", " ".join(f"{v:.0f}" for v in f["bbox"]), f["caption"][:70])
    console.print(table)



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

