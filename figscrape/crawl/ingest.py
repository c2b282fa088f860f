"""`figscrape ingest`: local PDFs and folders become papers, stored by hash. A PDF whose medRxiv /
bioRxiv stamp (or file name) names its DOI is keyed like a crawled paper (server, DOI, version),
so the API crawl and the S3 bundles of that DOI + version meet the same row; any other PDF is a
paper of server "local", keyed by its bytes."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from figscrape.crawl.provenance import Provenance, read_provenance
from figscrape.data.db import write_session
from figscrape.data.models import Paper, Pdf
from figscrape.runtime.pdfsniff import file_problem
from figscrape.runtime.runs import RunLog
from figscrape.store import ObjectStore

log = logging.getLogger(__name__)
INGESTED = "ingested"
INGESTED_LOCAL = "ingested as local: its DOI + version already has another PDF"


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


def local_doi(sha: str) -> str:
    return f"local/{sha[:20]}"


def _provenance(path: Path) -> Provenance:
    try:
        return read_provenance(path)
    except Exception:  # noqa: BLE001 - a PDF PyMuPDF cannot read for text still goes in, as "local"
        return Provenance()


def _fill(paper: Paper, found: Provenance) -> None:
    """Fields the row lacks, from the PDF; what the API or a person wrote is kept."""
    if not paper.title or paper.server == "local":
        paper.title = found.title or paper.title
    paper.authors = paper.authors or found.authors
    paper.date = paper.date or found.date
    paper.license = paper.license or found.license


def _version(session: Session, found: Provenance) -> int:
    """The file name's version, else the known version posted on the stamp's date, else 1."""
    if found.version:
        return found.version
    known = session.execute(select(Paper.version, Paper.date).where(Paper.doi == found.doi).order_by(Paper.version)).all()
    return next((v for v, day in known if found.date and day == found.date), 1)


def _taken(session: Session, found: Provenance) -> bool:
    paper = session.scalar(select(Paper).where(Paper.doi == found.doi, Paper.version == _version(session, found)))
    return paper is not None and paper.pdf is not None and paper.pdf.status == "stored"


def save_pdf(session: Session, found: Provenance, sha: str, size: int, path: Path) -> str:
    """Give the stored PDF its paper row; INGESTED, or why nothing was added."""
    same_bytes = session.scalar(select(Paper).join(Pdf, Pdf.paper_id == Paper.id).where(Pdf.sha256 == sha, Pdf.status == "stored"))
    if same_bytes is not None and not (found.doi and same_bytes.doi == local_doi(sha)):
        return "already ingested (same bytes)"
    if found.doi and _taken(session, found):  # another PDF claims this DOI + version: keep this one, as "local"
        found.server, found.doi, found.version = "local", "", None
        outcome = INGESTED_LOCAL
    else:
        outcome = INGESTED
    if not found.doi:
        paper = Paper(server="local", doi=local_doi(sha), version=1, source=str(path.absolute()))
        _fill(paper, found)
        paper.title = paper.title or path.stem
        paper.pdf = Pdf(sha256=sha, size=size, status="stored")
        session.add(paper)
        return outcome
    version = _version(session, found)
    paper = session.scalar(select(Paper).where(Paper.doi == found.doi, Paper.version == version))
    if paper is None and same_bytes is not None:  # ingested as "local" before the stamp was read: key it by its DOI
        paper = same_bytes
        paper.server, paper.doi, paper.version, paper.title = found.server, found.doi, version, ""
    elif paper is None:
        paper = Paper(server=found.server, doi=found.doi, version=version, source=str(path.absolute()))
        session.add(paper)
    elif same_bytes is not None:  # both a crawled row and an older "local" row: leave them to a person
        return f"already ingested as {same_bytes.doi}, and {found.doi}v{version} is a crawled paper"
    _fill(paper, found)
    paper.title = paper.title or path.stem
    if paper.pdf is None:
        paper.pdf = Pdf(status="pending")
    paper.pdf.sha256, paper.pdf.size, paper.pdf.status, paper.pdf.error = sha, size, "stored", ""
    return INGESTED


def ingest_paths(engine: Engine, store: ObjectStore, paths: list[Path], run: RunLog) -> None:
    """Store each PDF once (by content) and give it a Paper and Pdf row, keyed by DOI + version when it has one."""
    files, problems = find_pdfs(paths)
    for problem in problems:
        run.fail(problem.split(":")[0], problem.split(": ", 1)[1])
    for path in files:
        why = file_problem(path)
        if why:
            run.fail(str(path), why)
            continue
        found = _provenance(path)
        sha = store.put_file(path)
        try:
            with write_session(engine) as session:
                outcome = save_pdf(session, found, sha, path.stat().st_size, path)
        except IntegrityError:  # another process stored the same DOI + version a moment ago
            outcome = f"{found.doi or local_doi(sha)}: stored by another process meanwhile"
        if outcome in (INGESTED, INGESTED_LOCAL):
            run.counts["ingested"] += 1
            run.counts["with_doi" if found.doi else "local"] += 1
            if outcome == INGESTED_LOCAL:
                run.counts["doi_taken"] += 1
                log.info("ingest: %s %s", path, outcome)
        else:
            run.skip(str(path), outcome)
