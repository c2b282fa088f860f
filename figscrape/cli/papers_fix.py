"""`figscrape papers set`: fix what a paper's row lacks (title, licence, date, version) by DOI, one
at a time or from a CSV file. Every value is checked before anything is written."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from figscrape.cli.root import engine, fail, papers_app
from figscrape.runtime.runs import console

FIELDS = ("title", "license", "date", "version")


def _checked(values: dict[str, str | None]) -> dict[str, object]:
    """The given fields, parsed; ValueError says which value is bad."""
    from figscrape.crawl.provenance import LICENCE_CODES, licence_code

    out: dict[str, object] = {}
    for name, raw in values.items():
        if raw is None or str(raw).strip() == "":
            continue
        text = str(raw).strip()
        if name == "license":
            out[name] = licence_code(text)
            if not out[name]:
                raise ValueError(f"licence {text!r} is not one of {', '.join(LICENCE_CODES)}")
        elif name == "date":
            try:
                out[name] = date.fromisoformat(text).isoformat()
            except ValueError:
                raise ValueError(f"date {text!r} is not YYYY-MM-DD") from None
        elif name == "version":
            if not text.isdigit() or int(text) < 1:
                raise ValueError(f"version {text!r} is not a whole number from 1")
            out[name] = int(text)
        else:
            out[name] = " ".join(text.split())
    return out


def _apply(session, doi: str, fields: dict[str, object]) -> str:  # noqa: ANN001
    """Set the fields on the one row of doi (or of doi written as DOIvN); ValueError when that is not one row."""
    from sqlalchemy import select

    from figscrape.data.models import Paper

    doi = doi.strip()
    match = re.fullmatch(r"(.+?)v(\d+)", doi)
    query = select(Paper).where(Paper.doi == match.group(1), Paper.version == int(match.group(2))) if match else select(Paper).where(Paper.doi == doi)
    rows = session.scalars(query).all()
    if not rows:
        raise ValueError(f"no paper with DOI {doi}")
    if len(rows) > 1:
        raise ValueError(f"{doi} has versions {', '.join(str(r.version) for r in rows)}: say which, as {doi}vN")
    paper = rows[0]
    version = fields.get("version")
    if version is not None and version != paper.version:
        if session.scalar(select(Paper.id).where(Paper.doi == paper.doi, Paper.version == version)) is not None:
            raise ValueError(f"{paper.doi}v{version} is already another paper row")
    for name, value in fields.items():
        setattr(paper, name, value)
    session.flush()
    return f"{paper.doi}v{paper.version}"


@papers_app.command("set")
def set_paper(
    doi: Annotated[Optional[str], typer.Argument(help="The paper's DOI (10.1101/…), or DOIvN when it has several versions.")] = None,
    title: Annotated[Optional[str], typer.Option("--title", help="Its title.")] = None,
    license: Annotated[Optional[str], typer.Option("--license", help="Its licence: cc_by, cc_by_nc, cc_by_nd, cc_by_nc_nd, cc0 or cc_no.")] = None,
    day: Annotated[Optional[str], typer.Option("--date", help="The version's posting date, YYYY-MM-DD.")] = None,
    version: Annotated[Optional[int], typer.Option("--version", help="Its version number (the row is re-keyed).")] = None,
    table: Annotated[Optional[Path], typer.Option("--csv", help="A CSV file with a doi column and any of title, license, date, version.")] = None,
) -> None:
    """Fix what a paper's row lacks. Nothing is written unless every value is good; exits 2 otherwise."""
    from figscrape.data.db import write_session

    if (doi is None) == (table is None):
        fail("give a DOI or --csv FILE (one of the two)")
    if table is not None:
        if not table.is_file():
            fail(f"{table}: no such file")
        with table.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if "doi" not in (reader.fieldnames or []):
                fail(f"{table}: no doi column (columns: doi, version, title, license, date)")
            wanted = [(f"{table} line {n}", (r.get("doi") or "").strip(), {k: r.get(k) for k in FIELDS}) for n, r in enumerate(reader, start=2)]
    else:
        wanted = [(doi, doi, {"title": title, "license": license, "date": day, "version": None if version is None else str(version)})]
    changes = []
    for where, key, raw in wanted:
        try:
            if not key:
                raise ValueError("no DOI")
            changes.append((where, key, _checked(raw)))
        except ValueError as exc:
            fail(f"{where}: {exc}")
    db = engine()
    done = []
    try:
        with write_session(db) as session:
            for where, key, fields in changes:
                try:
                    done.append(_apply(session, key, fields))
                except ValueError as exc:
                    raise _Bad(f"{where}: {exc}" if where != key else str(exc)) from None
    except _Bad as exc:
        fail(str(exc))
    console.print(f"[bold]papers set[/bold] — updated: {len(done)}" + (f" ({', '.join(done[:5])}{' …' if len(done) > 5 else ''})" if done else ""), highlight=False)


class _Bad(Exception):
    pass
