"""`figscrape status`: what each stage has done, is waiting to do, and why things failed;
`figscrape status --failures`: every failed item, with its reason and where it is, newest first.
Failures kept in rows (downloads, extraction, S3 bundles) come from the rows; those of the other
stages (ingest, split, classify...) from their recent runs, each item's latest failure once."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import Engine, func, select

from figscrape.data.current import current_figures, current_panels
from figscrape.data.db import read_session
from figscrape.data.models import Annotation, Bundle, Figure, Panel, Paper, Pdf, Run
from figscrape.extract import EXTRACTOR_VERSION
from figscrape.split import SPLITTER_VERSION


@dataclass
class Status:
    papers: int
    pdfs_pending: int
    pdfs_downloaded: int
    pdfs_failed: int
    pdfs_blocked: int
    pdfs_extracted: int
    pdfs_extract_pending: int
    pdfs_extract_failed: int
    figures: int
    figures_by_kind: dict[str, int]
    figures_split_pending: int
    panels: int
    panels_scored: int
    annotations: int
    bundles_stored: int = 0
    bundles_failed: int = 0
    top_failures: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line.split(": ", 1)[1] if line.startswith("/") and ": " in line else line


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


def collect_failures(engine: Engine) -> list[Failure]:
    """Every item that failed and has not since succeeded, newest first."""
    out: list[Failure] = []
    with read_session(engine) as s:
        pdfs = s.execute(select(Pdf.error, Pdf.extract_error, Pdf.status, Pdf.sha256, Pdf.updated_at, Paper.doi, Paper.version, Paper.source)
                         .join(Paper, Paper.id == Pdf.paper_id).where((Pdf.error != "") | (Pdf.extract_error != ""))).all()
        for error, extract_error, status, sha, at, doi, version, source in pdfs:
            name = f"{doi}v{version}"
            if error and status in ("failed", "blocked"):
                out.append(Failure("crawl", name, _first_line(error), source or "", at))
            if extract_error:
                out.append(Failure("extract", name, _first_line(extract_error), source or f"store {sha}", at))
        for key, bucket, error, at in s.execute(select(Bundle.key, Bundle.bucket, Bundle.error, Bundle.updated_at).where(Bundle.status == "failed")):
            out.append(Failure("crawl", key.rsplit("/", 1)[-1], _first_line(error), f"s3://{bucket}/{key}", at))
        runs = s.execute(select(Run.id, Run.stage, Run.errors, Run.counts, Run.finished_at).where(Run.stage.not_in(ROW_STAGES))
                         .order_by(Run.id.desc()).limit(RECENT_RUNS))
        seen: set[tuple[str, str]] = set()
        for run_id, stage, errors, counts, at in runs:  # newest run first: an item's latest failure only
            failed = int((counts or {}).get("failed", 0))
            for text in (errors or [])[:failed]:
                item, _, reason = str(text).partition(": ")  # RunLog.fail wrote "what: why"
                if (stage, item) not in seen:
                    seen.add((stage, item))
                    out.append(Failure(stage, item, (reason or item).splitlines()[0], f"{stage} run {run_id}", at))
    return sorted(out, key=lambda f: (f.at or datetime.min, f.stage, f.item), reverse=True)


def collect_status(engine: Engine) -> Status:
    with read_session(engine) as s:
        pdf_status = Counter(dict(s.execute(select(Pdf.status, func.count()).group_by(Pdf.status)).all()))
        current = current_figures()
        kinds = dict(s.execute(select(Figure.kind, func.count()).join(Pdf, Pdf.id == Figure.pdf_id).where(current).group_by(Figure.kind)).all())
        panels = (  # the panels classify scores and the queue offers
            select(func.count()).select_from(Panel).join(Figure, Figure.id == Panel.figure_id).join(Pdf, Pdf.id == Figure.pdf_id)
            .where(current_panels())
        )
        extracted = s.scalar(select(func.count()).select_from(Pdf).where(Pdf.extracted_version == EXTRACTOR_VERSION)) or 0
        failed_rows = s.execute(select(Pdf.extract_error).where(Pdf.extract_error != "")).scalars().all()
        download_errors = s.execute(select(Pdf.error).where(Pdf.error != "")).scalars().all()
        bundle_errors = s.execute(select(Bundle.error).where(Bundle.status == "failed")).scalars().all()
        reasons = Counter(_first_line(e) for e in list(failed_rows) + list(download_errors) + list(bundle_errors))
        bundles = Counter(dict(s.execute(select(Bundle.status, func.count()).group_by(Bundle.status)).all()))
        return Status(
            papers=s.scalar(select(func.count()).select_from(Paper)) or 0,
            pdfs_pending=pdf_status["pending"],
            pdfs_downloaded=pdf_status["stored"],
            pdfs_failed=pdf_status["failed"],
            pdfs_blocked=pdf_status["blocked"],
            pdfs_extracted=extracted,
            pdfs_extract_pending=pdf_status["stored"] - extracted - len(failed_rows),
            pdfs_extract_failed=len(failed_rows),
            figures=sum(kinds.values()),
            figures_by_kind=kinds,
            figures_split_pending=s.scalar(
                select(func.count()).select_from(Figure).join(Pdf, Pdf.id == Figure.pdf_id).where(current)
                .where((Figure.split_version.is_(None)) | (Figure.split_version != SPLITTER_VERSION))
            ) or 0,
            panels=s.scalar(panels) or 0,
            panels_scored=s.scalar(panels.where(Panel.ct_score.is_not(None))) or 0,
            annotations=s.scalar(select(func.count()).select_from(Annotation)) or 0,
            bundles_stored=bundles["stored"],
            bundles_failed=bundles["failed"],
            top_failures=[{"reason": r, "count": n} for r, n in reasons.most_common(5)],
        )
