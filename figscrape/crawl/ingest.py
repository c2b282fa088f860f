"""`figscrape ingest`: local PDFs and folders become papers of server "local", stored by hash."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine, select

from figscrape.data.db import write_session
from figscrape.data.models import Paper, Pdf
from figscrape.runtime.pdfsniff import file_problem
from figscrape.runtime.runs import RunLog
from figscrape.store import ObjectStore


def find_pdfs(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """PDF files named or found under the named folders, and a problem line for each bad path."""
    found: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
        elif path.is_file():
            found.append(path)
        else:
            problems.append(f"{path}: no such file or folder")
    return found, problems


def ingest_paths(engine: Engine, store: ObjectStore, paths: list[Path], run: RunLog) -> None:
    """Store each PDF once (by content) and give it a Paper and Pdf row."""
    files, problems = find_pdfs(paths)
    for problem in problems:
        run.fail(problem.split(":")[0], problem.split(": ", 1)[1])
    for path in files:
        why = file_problem(path)
        if why:
            run.fail(str(path), why)
            continue
        sha = store.put_file(path)
        doi = f"local/{sha[:20]}"
        with write_session(engine) as session:
            if session.scalar(select(Paper.id).where(Paper.doi == doi, Paper.version == 1)) is not None:
                run.skip(str(path), "already ingested (same bytes)")
                continue
            paper = Paper(server="local", doi=doi, version=1, title=path.stem, source=str(path.absolute()))
            paper.pdf = Pdf(sha256=sha, size=path.stat().st_size, status="stored")
            session.add(paper)
        run.counts["ingested"] += 1
