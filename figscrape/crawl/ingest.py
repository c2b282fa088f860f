"""`figscrape ingest`: local PDFs and folders become papers, stored by hash. A PDF whose medRxiv /
bioRxiv stamp (or file name) names its DOI is keyed like a crawled paper (server, DOI, version),
so the API crawl and the S3 bundles of that DOI + version meet the same row; any other PDF is a
paper of server "local", keyed by its bytes. Any file name goes: one that is not UTF-8 is opened by
its bytes and written, in rows and messages, with backslash escapes; a device, FIFO or socket
(named, found, or behind a symbolic link) is skipped, counted and shown with why, never opened.
A PDF whose row cannot be written is taken out of the store again: a failure leaves neither."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from figscrape.crawl.provenance import Provenance, read_provenance
from figscrape.data.db import read_session, write_session
from figscrape.data.models import Paper, Pdf
from figscrape.runtime.disk import said_of, stops
from figscrape.runtime.pdfsniff import file_problem
from figscrape.runtime.runs import RunLog
from figscrape.store import ObjectStore

log = logging.getLogger(__name__)
INGESTED = "ingested"
INGESTED_LOCAL = "ingested as local: its DOI + version already has another PDF"


def shown(path: Path | str) -> str:
    """A path as text that can be printed and stored: bytes that are not UTF-8 as backslash escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


NOT_FILES = {stat.S_IFCHR: ("device", "a character device, not a file"), stat.S_IFBLK: ("device", "a block device, not a file"),
             stat.S_IFIFO: ("fifo", "a FIFO (named pipe), not a file"), stat.S_IFSOCK: ("socket", "a socket, not a file")}


def kind_problem(path: Path) -> tuple[str, str]:
    """("", "") for a regular file (after symbolic links), else a count key and why it is skipped."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return ("missing", "a broken symbolic link") if path.is_symlink() else ("missing", "no such file or folder")
    except OSError as exc:
        return "unreadable", f"cannot be read: {exc.strerror or exc}"
    if stat.S_ISREG(mode):
        return "", ""
    key, why = NOT_FILES.get(stat.S_IFMT(mode), ("other", "not a regular file"))
    return key, why + (" (behind a symbolic link)" if path.is_symlink() else "")


def find_pdfs(paths: Iterable[Path]) -> tuple[list[Path], list[str], list[tuple[Path, str, str]]]:
    """PDF files named or found under the named folders; a problem line for each missing path; and
    each *.pdf that is not a regular file (a device, FIFO...) with its count key and why."""
    found: list[Path] = []
    problems: list[str] = []
    skipped: list[tuple[Path, str, str]] = []
    for path in paths:
        candidates = [path]
        if path.is_dir():
            candidates = sorted((p for p in path.rglob("*") if p.suffix.lower() == ".pdf" and not p.is_dir()), key=os.fsencode)
        for candidate in candidates:
            key, why = kind_problem(candidate)
            if not key:
                found.append(candidate)
            elif key == "missing" and candidate is path:
                problems.append(f"{shown(path)}: {why}")
            else:
                skipped.append((candidate, key, why))
    return found, problems, skipped


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
        paper = Paper(server="local", doi=local_doi(sha), version=1, source=shown(path.absolute()))
        _fill(paper, found)
        paper.title = paper.title or shown(path.stem)
        paper.pdf = Pdf(sha256=sha, size=size, status="stored")
        session.add(paper)
        return outcome
    version = _version(session, found)
    paper = session.scalar(select(Paper).where(Paper.doi == found.doi, Paper.version == version))
    if paper is None and same_bytes is not None:  # ingested as "local" before the stamp was read: key it by its DOI
        paper = same_bytes
        paper.server, paper.doi, paper.version, paper.title = found.server, found.doi, version, ""
    elif paper is None:
        paper = Paper(server=found.server, doi=found.doi, version=version, source=shown(path.absolute()))
        session.add(paper)
    elif same_bytes is not None:  # both a crawled row and an older "local" row: leave them to a person
        return f"already ingested as {same_bytes.doi}, and {found.doi}v{version} is a crawled paper"
    _fill(paper, found)
    paper.title = paper.title or shown(path.stem)
    if paper.pdf is None:
        paper.pdf = Pdf(status="pending")
    paper.pdf.sha256, paper.pdf.size, paper.pdf.status, paper.pdf.error = sha, size, "stored", ""
    return INGESTED


def _stored_meanwhile(engine: Engine, doi: str) -> bool:
    """Whether the unique key a refused row broke is another process's paper by now (else the refusal is a failure)."""
    try:
        with read_session(engine) as session:
            return session.scalar(select(Paper.id).where(Paper.doi == doi).limit(1)) is not None
    except SQLAlchemyError:
        return False


def _take_back(engine: Engine, store: ObjectStore, sha: str) -> None:
    """The file whose row failed leaves the store as well, so a failure leaves neither; unless a row
    of another process names the same bytes by now (or the database cannot say: it is kept then)."""
    try:
        with read_session(engine) as session:
            if session.scalar(select(Pdf.id).where(Pdf.sha256 == sha).limit(1)) is not None:
                return
    except (OSError, SQLAlchemyError) as exc:
        log.warning("ingest: %s stays in the store without a row (the database cannot say whether a row names it: %s)", sha, exc)
        return
    try:
        store.discard(sha)
    except OSError as exc:
        log.warning("ingest: %s stays in the store without a row: %s", sha, exc)


def ingest_paths(engine: Engine, store: ObjectStore, paths: list[Path], run: RunLog) -> None:
    """Store each PDF once (by content) and give it a Paper and Pdf row, keyed by DOI + version when it has one."""
    files, problems, skipped = find_pdfs(paths)
    for problem in problems:
        what, why = problem.rsplit(": ", 1)
        run.fail(what, why)
    for path, key, why in skipped:
        run.counts[key] += 1
        run.skip(shown(path), why)
        log.warning("ingest: skipped %s: %s", shown(path), why)
    for path in files:
        try:
            why = file_problem(path)
        except OSError as exc:
            why = f"cannot be read: {exc.strerror or exc}"
        if why:
            run.fail(shown(path), why)
            continue
        found = _provenance(path)
        try:
            sha, written = store.add_file(path)
        except OSError as exc:
            if stops(exc):  # a full or read-only store: said of the file given, and where it was going
                raise said_of(exc, f"{shown(path)} into the store at {store.root}") from exc
            run.fail(shown(path), f"cannot be stored: {exc.strerror or exc}")
            continue
        try:
            with write_session(engine) as session:
                outcome = save_pdf(session, found, sha, path.stat().st_size, path)
        except (OSError, ValueError, SQLAlchemyError) as exc:  # this file's row cannot be written: the next files still go in
            if written:
                _take_back(engine, store, sha)
            if isinstance(exc, IntegrityError) and _stored_meanwhile(engine, found.doi or local_doi(sha)):
                outcome = f"{found.doi or local_doi(sha)}: stored by another process meanwhile"
            elif stops(exc):
                raise
            else:
                run.fail(shown(path), f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
                continue
        if outcome in (INGESTED, INGESTED_LOCAL):
            run.counts["ingested"] += 1
            run.counts["with_doi" if found.doi else "local"] += 1
            if outcome == INGESTED_LOCAL:
                run.counts["doi_taken"] += 1
                log.info("ingest: %s %s", shown(path), outcome)
        else:
            run.skip(shown(path), outcome)
