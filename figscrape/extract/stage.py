"""`figscrape extract`: every stored PDF not yet extracted by this extractor version, each in an
isolated worker; the figures' pixels go to the store, their rows to the database in one
transaction per PDF. A PDF that fails is marked with its reason and retried on later runs, a few times."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, or_, select

from figscrape.config import Config
from figscrape.db import read_session, write_session
from figscrape.extract.document import EXTRACTOR_VERSION, ExtractedDocument, extract_figures
from figscrape.extract.of_record import apply_record
from figscrape.isolate import run_isolated
from figscrape.models import Figure, Pdf
from figscrape.runs import RunLog, progress
from figscrape.store import ObjectStore

MAX_ATTEMPTS = 3


def pending_pdfs(engine: Engine) -> list[int]:
    """Stored PDFs whose figures this extractor version has not made yet, and that may be tried again."""
    with read_session(engine) as session:
        return list(
            session.scalars(
                select(Pdf.id)
                .where(Pdf.status == "stored")
                .where(or_(Pdf.extracted_version.is_(None), Pdf.extracted_version != EXTRACTOR_VERSION))
                .where(Pdf.extract_attempts < MAX_ATTEMPTS)
                .order_by(Pdf.id)
            )
        )


def save_figures(engine: Engine, store: ObjectStore, pdf_id: int, doc: ExtractedDocument) -> int:
    """Store the images, then write every figure row and mark the PDF extracted, all or nothing.
    Where the paper's JATS gives figures of record, their captions and original images win."""
    with read_session(engine) as session:
        pdf = session.get(Pdf, pdf_id)
        jats = list(pdf.paper.jats_figures or []) if pdf is not None else []
    rows = []
    for fig in doc.figures:
        fig, original = apply_record(fig, jats, store)
        if original is None:
            rows.append((fig, store.put_bytes(fig.image.data), fig.image.ext, fig.image.width, fig.image.height, fig.image.dpi))
        else:
            dpi = fig.image.dpi * original.width / fig.image.width if fig.image.dpi else None
            rows.append((fig, original.sha256, original.ext, original.width, original.height, dpi))
    with write_session(engine) as session:
        pdf = session.get(Pdf, pdf_id)
        assert pdf is not None
        for index, (fig, sha, ext, width, height, dpi) in enumerate(rows):
            session.add(
                Figure(
                    pdf_id=pdf_id, extractor_version=EXTRACTOR_VERSION, index=index, page=fig.page,
                    x0=fig.bbox[0], y0=fig.bbox[1], x1=fig.bbox[2], y1=fig.bbox[3],
                    number=fig.number, caption=fig.caption, kind=fig.kind, image_sha256=sha, image_ext=ext,
                    width=width, height=height, dpi=dpi, xrefs=fig.xrefs,
                    tiles=[list(t) for t in fig.tiles], letters=[[text, list(box)] for text, box in fig.letters],
                )
            )
        pdf.pages = doc.pages
        pdf.extracted_version = EXTRACTOR_VERSION
        pdf.extract_error = ""
        pdf.extract_attempts = 0
    return len(doc.figures)


def mark_failed(engine: Engine, pdf_id: int, error: str) -> None:
    with write_session(engine) as session:
        pdf = session.get(Pdf, pdf_id)
        assert pdf is not None
        pdf.extract_error = error
        pdf.extract_attempts += 1


def run_extract(engine: Engine, store: ObjectStore, config: Config, run: RunLog) -> None:
    """Extract every pending PDF; failures are recorded and the run goes on."""
    ids = pending_pdfs(engine)
    store.sweep_temp()
    with progress() as bar:
        task = bar.add_task("extract", total=len(ids))
        for pdf_id in ids:
            with read_session(engine) as session:
                pdf = session.get(Pdf, pdf_id)
                assert pdf is not None and pdf.sha256
                label = f"{pdf.paper.doi}v{pdf.paper.version}"
                path = store.path(pdf.sha256)
            outcome = run_isolated(extract_figures, (Path(path), config.max_pages), config.pdf_timeout, config.pdf_memory_mb)
            if outcome.ok and outcome.value is not None:
                run.counts["figures"] += save_figures(engine, store, pdf_id, outcome.value)
                run.counts["pdfs"] += 1
                for warning in outcome.value.warnings:
                    run.errors.append(f"{label}: {warning}")
            else:
                mark_failed(engine, pdf_id, outcome.error)
                run.fail(f"{label} ({path})", outcome.error)
            bar.advance(task)
