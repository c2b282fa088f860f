"""`figscrape status --failures`: every item that failed and has not been fixed since, newest first.
Failures kept in rows (downloads, extraction, S3 bundles) are current while the row says failed.
Those of the other stages come from their recent runs, each item's latest failure once, and are
dropped when the rows say a later run did the item after all: the ingested file is a paper now
(its path is a paper's source), the figure is split, the panel is scored by the version that
failed it, a month's S3 folder was listed."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from figscrape.data.current import current_figures, current_panels
from figscrape.data.models import Bundle, Figure, Panel, Paper, Pdf, Run

ROW_STAGES = ("crawl", "extract")  # their failures are in rows, which say more than a run's list
RECENT_RUNS = 200  # the other stages' failures: from this many latest runs


@dataclass
class Failure:
    stage: str
    item: str
    reason: str
    where: str
    at: datetime | None

    def as_dict(self) -> dict:
        return {**asdict(self), "at": self.at.isoformat(timespec="seconds") if self.at else None}


def first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line.split(": ", 1)[1] if line.startswith("/") and ": " in line else line


def _row_failures(s: Session) -> list[Failure]:
    out = []
    pdfs = s.execute(select(Pdf.error, Pdf.extract_error, Pdf.status, Pdf.sha256, Pdf.updated_at, Paper.doi, Paper.version, Paper.source)
                     .join(Paper, Paper.id == Pdf.paper_id).where((Pdf.error != "") | (Pdf.extract_error != ""))).all()
    for error, extract_error, status, sha, at, doi, version, source in pdfs:
        name = f"{doi}v{version}"
        if error and status in ("failed", "blocked"):
            out.append(Failure("crawl", name, first_line(error), source or "", at))
        if extract_error:
            out.append(Failure("extract", name, first_line(extract_error), source or f"store {sha}", at))
    for key, bucket, error, at in s.execute(select(Bundle.key, Bundle.bucket, Bundle.error, Bundle.updated_at).where(Bundle.status == "failed")):
        out.append(Failure("crawl", key.rsplit("/", 1)[-1], first_line(error), f"s3://{bucket}/{key}", at))
    return out


def _number(item: str, word: str) -> int | None:
    head, _, number = item.partition(" ")
    return int(number) if head == word and number.isdigit() else None


def _ingested(s: Session, item: str) -> bool:
    """The path a failed ingest named is a stored paper's source now, or a folder holding one."""
    path = os.path.normpath(item)
    if os.path.isabs(path):
        match = (Paper.source == path) | Paper.source.startswith(path.rstrip("/") + "/", autoescape=True)
    else:  # given relative to wherever ingest ran: a source ending in it
        match = Paper.source.endswith("/" + path, autoescape=True) | Paper.source.contains("/" + path + "/", autoescape=True)
    return bool(s.scalar(select(exists().where(match, Paper.pdf.has(Pdf.status == "stored")))))


def _fixed(s: Session, stage: str, item: str, version: str, at: datetime | None) -> bool:
    """Whether the rows say that a later run did this failed item."""
    if stage == "ingest":
        return _ingested(s, item)
    if stage == "split" and (figure_id := _number(item, "figure")) is not None:
        still: Select = select(Figure.id).join(Pdf, Pdf.id == Figure.pdf_id).where(
            Figure.id == figure_id, current_figures(), (Figure.split_version.is_(None)) | (Figure.split_version != version))
        return s.scalar(still) is None
    if stage == "classify" and (panel_id := _number(item, "panel")) is not None:
        still = (select(Panel.id).join(Figure, Figure.id == Panel.figure_id).join(Pdf, Pdf.id == Figure.pdf_id)
                 .where(Panel.id == panel_id, current_panels(), (Panel.model_version.is_(None)) | (Panel.model_version != version)))
        return s.scalar(still) is None
    if stage == "crawl-s3" and item.startswith("s3://"):
        bucket, _, key = item.removeprefix("s3://").partition("/")
        if key.lower().endswith(".meca"):  # a bundle: its row says (and is listed from the rows)
            return True
        listed = select(Bundle.id).where(Bundle.bucket == bucket, Bundle.key.startswith(key, autoescape=True))
        return s.scalar(listed.where(Bundle.updated_at > at) if at else listed) is not None
    return False


def collect_failures(engine) -> list[Failure]:  # noqa: ANN001 - an Engine
    """Every item that failed and has not since succeeded, newest first."""
    from figscrape.data.db import read_session

    with read_session(engine) as s:
        out = _row_failures(s)
        runs = s.execute(select(Run.id, Run.stage, Run.version, Run.errors, Run.counts, Run.finished_at).where(Run.stage.not_in(ROW_STAGES))
                         .order_by(Run.id.desc()).limit(RECENT_RUNS)).all()
        seen: set[tuple[str, str]] = set()
        for run_id, stage, version, errors, counts, at in runs:  # newest run first: an item's latest failure only
            failed = int((counts or {}).get("failed", 0))
            for text in (errors or [])[:failed]:
                item, _, reason = str(text).partition(": ")  # RunLog.fail wrote "what: why"
                if (stage, item) in seen:
                    continue
                seen.add((stage, item))
                if not _fixed(s, stage, item, version or "", at):
                    out.append(Failure(stage, item, (reason or item).splitlines()[0], f"{stage} run {run_id}", at))
    return sorted(out, key=lambda f: (f.at or datetime.min, f.stage, f.item), reverse=True)
