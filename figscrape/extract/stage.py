"""`figscrape extract`: every stored PDF not yet extracted by this extractor version. Each PDF runs
in an isolated child (time and memory limits) on a worker, here or on other processes or a Dask
cluster (figscrape.runtime.parallel); the worker writes the figures' pixels to the store, and this process
writes their rows, one transaction per batch. A PDF that fails is marked with its reason and
retried on later runs, a few times. A run killed at any moment redoes only what was not committed."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, or_, select

from figscrape.config import Config
from figscrape.data.db import read_session, write_session
from figscrape.data.models import Figure, Paper, Pdf
from figscrape.extract import EXTRACTOR_VERSION
from figscrape.extract.document import extract_figures
from figscrape.extract.of_record import apply_record
from figscrape.runtime.disk import said_of, stops
from figscrape.runtime.isolate import run_isolated
from figscrape.runtime.parallel import Workers, map_batches
from figscrape.runtime.runs import RunLog, progress
from figscrape.store import Store, StoreSpec, open_store

MAX_ATTEMPTS = 3
BATCH = 4  # PDFs per work item: big enough to amortise a task's overhead, small enough to spread over workers


@dataclass(frozen=True)
class ExtractJob:
    pdf_id: int
    sha256: str
    path: str  # where the PDF is, for messages (the worker reads it from its store)
    label: str  # DOI and version, for messages
    jats: list  # the paper's figures of record


@dataclass
class FigureRecord:
    page: int
    bbox: tuple[float, float, float, float]
    number: str
    caption: str
    kind: str
    sha256: str
    ext: str
    width: int
    height: int
    dpi: float | None
    xrefs: list[int]
    tiles: list
    letters: list


@dataclass
class ExtractDone:
    job: ExtractJob
    error: str = ""
    pages: int = 0
    figures: list[FigureRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


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


def jobs_for(engine: Engine, store: Store, ids: list[int]) -> list[ExtractJob]:
    with read_session(engine) as s:
        rows = s.execute(
            select(Pdf.id, Pdf.sha256, Paper.doi, Paper.version, Paper.jats_figures).join(Paper, Paper.id == Pdf.paper_id).where(Pdf.id.in_(ids))
        ).all()
    by_id = {r[0]: r for r in rows}
    return [ExtractJob(i, by_id[i][1], store.describe(by_id[i][1]), f"{by_id[i][2]}v{by_id[i][3]}", list(by_id[i][4] or [])) for i in ids if i in by_id]


def extract_job(job: ExtractJob, store: Store, config: Config) -> ExtractDone:
    """Runs on a worker: the PDF's figures in an isolated child, their pixels into the store."""
    outcome = run_isolated(extract_figures, (store.path(job.sha256), config.max_pages), config.pdf_timeout, config.pdf_memory_mb)
    if not outcome.ok or outcome.value is None:
        return ExtractDone(job, error=outcome.error or "no result")
    doc = outcome.value
    done = ExtractDone(job, pages=doc.pages, warnings=list(doc.warnings))
    try:
        _store_figures(done, doc, job, store)
    except OSError as exc:
        if stops(exc):  # a full or read-only store: the run stops, naming the paper, not a hash
            raise said_of(exc, f"the figures of {job.label} ({job.path}) into the store at {store.root}") from exc
        raise
    return done


def _store_figures(done: ExtractDone, doc, job: ExtractJob, store: Store) -> None:  # noqa: ANN001 - an extracted document
    for fig in doc.figures:
        fig, original = apply_record(fig, job.jats, store)
        if original is None:
            sha, ext, width, height, dpi = store.put_bytes(fig.image.data), fig.image.ext, fig.image.width, fig.image.height, fig.image.dpi
        else:
            dpi = fig.image.dpi * original.width / fig.image.width if fig.image.dpi else None
            sha, ext, width, height = original.sha256, original.ext, original.width, original.height
        done.figures.append(FigureRecord(fig.page, tuple(fig.bbox), fig.number, fig.caption, fig.kind, sha, ext, width, height, dpi,
                                         list(fig.xrefs), [list(t) for t in fig.tiles], [[text, list(box)] for text, box in fig.letters]))


def extract_batch(jobs: list[ExtractJob], spec: StoreSpec, config: Config) -> list[ExtractDone]:
    store = open_store(spec)
    return [extract_job(job, store, config) for job in jobs]


def commit_extracted(engine: Engine, results: list[ExtractDone]) -> None:
    """A batch's figure rows, PDFs marked extracted or failed: all in one transaction. A PDF that
    another run extracted meanwhile is left as it is (no figure is ever stored twice)."""
    with write_session(engine) as session:
        for done in results:
            pdf = session.get(Pdf, done.job.pdf_id)
            if pdf is None or pdf.extracted_version == EXTRACTOR_VERSION:
                continue
            if done.error:
                pdf.extract_error = done.error
                pdf.extract_attempts += 1
                continue
            for index, f in enumerate(done.figures):
                session.add(
                    Figure(
                        pdf_id=pdf.id, extractor_version=EXTRACTOR_VERSION, index=index, page=f.page,
                        x0=f.bbox[0], y0=f.bbox[1], x1=f.bbox[2], y1=f.bbox[3], number=f.number, caption=f.caption, kind=f.kind,
                        image_sha256=f.sha256, image_ext=f.ext, width=f.width, height=f.height, dpi=f.dpi, xrefs=f.xrefs,
                        tiles=f.tiles, letters=f.letters,
                    )
                )
            pdf.pages = done.pages
            pdf.extracted_version = EXTRACTOR_VERSION
            pdf.extract_error = ""
            pdf.extract_attempts = 0


def run_extract(engine: Engine, store: Store, config: Config, run: RunLog, workers: Workers = Workers()) -> None:
    """Extract every pending PDF; failures are recorded and the run goes on."""
    ids = pending_pdfs(engine)
    store.sweep_temp()
    jobs = jobs_for(engine, store, ids)
    with progress() as bar:
        task = bar.add_task("extract", total=len(jobs))
        size = BATCH if workers.parallel else 1
        for results in map_batches(extract_batch, jobs, size, (store.spec, config), workers, lambda job, why: ExtractDone(job, error=why), children=True):
            commit_extracted(engine, results)
            for done in results:
                if done.error:
                    run.fail(f"{done.job.label} ({done.job.path})", done.error)
                else:
                    run.counts["figures"] += len(done.figures)
                    run.counts["pdfs"] += 1
                    run.errors.extend(f"{done.job.label}: {w}" for w in done.warnings)
            bar.advance(task, len(results))
