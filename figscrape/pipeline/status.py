"""`figscrape status`: what each stage has done, is waiting to do, and the most common reasons why
things failed (pipeline/failures.py lists every failed item: `figscrape status --failures`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from sqlalchemy import Engine, func, select

from figscrape.data.current import current_figures, current_panels
from figscrape.data.db import read_session
from figscrape.data.models import Annotation, Bundle, Figure, Panel, Paper, Pdf
from figscrape.extract import EXTRACTOR_VERSION
from figscrape.pipeline.failures import first_line
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
        reasons = Counter(first_line(e) for e in list(failed_rows) + list(download_errors) + list(bundle_errors))
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
