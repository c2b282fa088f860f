"""`figscrape papers export` and `figscrape papers search`: the stored papers' metadata, dumped to
JSON Lines or CSV or searched by a regex, from the database alone (no network), as paperscraper
users dump and grep theirs. The regex is matched against title, abstract, authors, category and
licence, case-insensitively."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from figscrape.cli.root import engine, fail, papers_app
from figscrape.runtime.runs import console

FIELDS = ("server", "doi", "version", "date", "title", "authors", "category", "license", "type", "abstract", "published",
          "pdf_status", "pdf_sha256")
SEARCHED = ("title", "abstract", "authors", "category", "license")


def _pattern(regex: str | None) -> re.Pattern[str] | None:
    if regex is None:
        return None
    try:
        return re.compile(regex, re.IGNORECASE)
    except re.error as exc:
        fail(f"{regex!r} is not a valid regular expression: {exc}")


def stored_papers(pattern: re.Pattern[str] | None = None, since: str | None = None) -> Iterator[dict]:
    """Every stored paper as a dict of FIELDS, oldest first, that matches the pattern and date."""
    from sqlalchemy import select

    from figscrape.data.db import read_session
    from figscrape.data.models import Paper, Pdf

    query = select(Paper, Pdf.status, Pdf.sha256).outerjoin(Pdf, Pdf.paper_id == Paper.id).order_by(Paper.date, Paper.doi, Paper.version)
    if since:
        query = query.where(Paper.date >= since)
    with read_session(engine(create=False)) as s:
        for paper, status, sha in s.execute(query).yield_per(500):
            row = {f: getattr(paper, f) for f in FIELDS[:11]}
            row.update(pdf_status=status or "", pdf_sha256=sha or "")
            if pattern is None or any(pattern.search(str(row[f] or "")) for f in SEARCHED):
                yield row


@papers_app.command("export")
def export_papers(
    out: Annotated[Path, typer.Argument(help="FILE.jsonl (one JSON object a line) or FILE.csv.")],
    query: Annotated[Optional[str], typer.Option(help="Only papers whose title, abstract, authors, category or licence match this regex.")] = None,
    since: Annotated[Optional[datetime], typer.Option(formats=["%Y-%m-%d"], help="Only papers posted on or after this date.")] = None,
) -> None:
    """Write the stored papers' metadata to FILE.jsonl or FILE.csv, without the network.

    Fields: server, doi, version, date, title, authors, category, license, type, abstract,
    published, pdf_status, pdf_sha256. Prints how many papers were written."""
    kind = out.suffix.lower()
    if kind not in (".jsonl", ".csv"):
        fail(f"{out}: give a .jsonl or .csv file name")
    rows = stored_papers(_pattern(query), since.date().isoformat() if since else None)
    out.parent.mkdir(parents=True, exist_ok=True)
    if kind == ".jsonl":
        n = 0
        with out.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
    else:
        from figscrape.runtime.tables import write_csv

        table = [[row[f] for f in FIELDS] for row in rows]
        write_csv(out, FIELDS, table)
        n = len(table)
    console.print(f"{n} papers written to {escape(str(out))}", highlight=False)


@papers_app.command("search")
def search_papers(
    regex: Annotated[str, typer.Argument(help="A regex (case-insensitive) over title, abstract, authors, category and licence.")],
    limit: Annotated[int, typer.Option(min=1, help="Print at most this many papers.")] = 50,
) -> None:
    """Find stored papers by a regex, without the network: one line each (date, DOI and version,
    server, title). Exits 1 when none matches."""
    found = 0
    for row in stored_papers(_pattern(regex)):
        found += 1
        if found <= limit:
            console.print(escape(f"{row['date'] or '':10}  {row['doi']}v{row['version']}  {row['server']}  {row['title']}"), highlight=False, soft_wrap=True)
    if found > limit:
        console.print(f"… {found - limit} more (--limit)", highlight=False)
    if not found:
        console.print("no stored paper matches", highlight=False)
        raise typer.Exit(1)
