"""`figscrape split`: every current figure not yet split by this splitter version gets its panel
rows (box, label, sub-caption, image hash, perceptual hash). Figures are cut on workers (here,
other processes, or a Dask cluster: figscrape.runtime.parallel), which write the crops to the store; this
process writes the rows, one transaction per batch."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, or_, select

from figscrape.data.current import current_figures
from figscrape.data.db import read_session, write_session
from figscrape.data.models import Figure, Panel, Pdf
from figscrape.runtime.disk import said_of, stops
from figscrape.runtime.imaging import decode, store_panel
from figscrape.runtime.parallel import Workers, map_batches
from figscrape.runtime.runs import RunLog, progress
from figscrape.split import SPLITTER_VERSION
from figscrape.split.panels import cut_panels
from figscrape.store import Store, StoreSpec, open_store

BATCH = 16


@dataclass(frozen=True)
class SplitJob:
    figure_id: int
    sha256: str
    caption: str
    tiles: list
    letters: list


@dataclass
class SplitDone:
    job: SplitJob
    error: str = ""
    panels: list[dict] = field(default_factory=list)  # Panel columns


def pending_figures(engine: Engine) -> list[int]:
    """Figures of the current extraction whose panels this splitter version has not made."""
    with read_session(engine) as session:
        return list(
            session.scalars(
                select(Figure.id)
                .join(Pdf, Pdf.id == Figure.pdf_id)
                .where(current_figures())
                .where(or_(Figure.split_version.is_(None), Figure.split_version != SPLITTER_VERSION))
                .order_by(Figure.id)
            )
        )


def jobs_for(engine: Engine, ids: list[int]) -> list[SplitJob]:
    with read_session(engine) as s:
        rows = s.execute(
            select(Figure.id, Figure.image_sha256, Figure.caption, Figure.tiles, Figure.letters).where(Figure.id.in_(ids))
        ).all()
    by_id = {r[0]: r for r in rows}
    return [SplitJob(i, *by_id[i][1:3], list(by_id[i][3] or []), list(by_id[i][4] or [])) for i in ids if i in by_id]


def split_job(job: SplitJob, store: Store) -> SplitDone:
    """Runs on a worker: the figure's panels, their crops into the store."""
    try:
        image = decode(store.read(job.sha256))
        tiles = [tuple(t) for t in job.tiles]
        letters = [(text, tuple(box)) for text, box in job.letters]
        panels = []
        for index, cut in enumerate(cut_panels(image, job.caption, tiles, letters)):
            x0, y0, x1, y1 = cut.bbox
            sha, phash = store_panel(store, image, job.sha256, cut.bbox)
            panels.append(dict(
                figure_id=job.figure_id, splitter_version=SPLITTER_VERSION, index=index, x0=x0, y0=y0, x1=x1, y1=y1, label=cut.label,
                subcaption=cut.subcaption, image_sha256=sha, phash=phash,
            ))
        return SplitDone(job, panels=panels)
    except (OSError, ValueError) as exc:
        if stops(exc):  # a full or read-only store: the run stops, naming the figure, not a hash
            raise said_of(exc, f"the panels of figure {job.figure_id} into the store at {store.root}") from exc  # type: ignore[arg-type]
        return SplitDone(job, error=str(exc))


def split_batch(jobs: list[SplitJob], spec: StoreSpec) -> list[SplitDone]:
    store = open_store(spec)
    return [split_job(job, store) for job in jobs]


def commit_split(engine: Engine, results: list[SplitDone]) -> None:
    """A batch's panel rows and figures marked split, in one transaction; a figure split meanwhile
    by another run is left as it is."""
    with write_session(engine) as session:
        for done in results:
            fig = session.get(Figure, done.job.figure_id)
            if fig is None or fig.split_version == SPLITTER_VERSION or done.error:
                continue
            session.add_all(Panel(**p) for p in done.panels)
            fig.split_version = SPLITTER_VERSION


def run_split(engine: Engine, store: Store, run: RunLog, workers: Workers = Workers()) -> None:
    jobs = jobs_for(engine, pending_figures(engine))
    with progress() as bar:
        task = bar.add_task("split", total=len(jobs))
        size = BATCH if workers.parallel else 1
        for results in map_batches(split_batch, jobs, size, (store.spec,), workers, lambda job, why: SplitDone(job, error=why)):
            commit_split(engine, results)
            for done in results:
                if done.error:
                    run.fail(f"figure {done.job.figure_id}", done.error)
                else:
                    run.counts["panels"] += len(done.panels)
                    run.counts["figures"] += 1
            bar.advance(task, len(results))
