"""`figscrape demo`: the README quick start. Ingests the bundled sample PDFs, extracts, splits and
scores them, and shows what was found and where the images are. Offline, in seconds."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from figscrape.config import Config
from figscrape.db import read_session
from figscrape.extract.stage import run_extract
from figscrape.ingest import ingest_paths
from figscrape.classify.model import load_filter
from figscrape.classify.stage import run_classify
from figscrape.models import Figure, Panel, Paper, Pdf
from figscrape.runs import console, record_run
from figscrape.samples import sample_pdfs
from figscrape.split.stage import run_split
from figscrape.store import ObjectStore


def run_demo(engine: Engine, store: ObjectStore, config: Config) -> None:
    samples = sample_pdfs()
    console.print(f"[bold]figscrape demo[/bold]: {len(samples)} sample preprints → {config.data_home}", highlight=False)
    with record_run(engine, "ingest") as run:
        ingest_paths(engine, store, samples, run)
    with record_run(engine, "extract") as run:
        run_extract(engine, store, config, run)
    with record_run(engine, "split") as run:
        run_split(engine, store, run)
    flt = load_filter(config.data_home)
    with record_run(engine, "classify", flt.version) as run:
        run_classify(engine, store, flt, run)
    sample_names = {str(p.absolute()) for p in samples}
    with read_session(engine) as session:
        best = dict(
            session.execute(
                select(Panel.figure_id, func.max(Panel.ct_score)).join(Figure, Figure.id == Panel.figure_id)
                .where(Panel.splitter_version == Figure.split_version).group_by(Panel.figure_id)
            ).all()
        )
        panels = dict(
            session.execute(
                select(Panel.figure_id, func.count()).join(Figure, Figure.id == Panel.figure_id)
                .where(Panel.splitter_version == Figure.split_version).group_by(Panel.figure_id)
            ).all()
        )
        rows = session.execute(
            select(Paper.title, Paper.source, Figure)
            .join(Pdf, Pdf.paper_id == Paper.id)
            .join(Figure, Figure.pdf_id == Pdf.id)
            .where(Figure.extractor_version == Pdf.extracted_version)
            .order_by(Paper.id, Figure.index)
        ).all()
    console.rule("Figures found")
    for title, source, fig in rows:
        if source in sample_names:
            score = best.get(fig.id)
            likely = " — likely CT" if score is not None and score >= flt.card.threshold else ""
            console.print(
                f"[bold]{title}[/bold] page {fig.page}, figure {fig.number}: {fig.kind}, {fig.width}x{fig.height} {fig.image_ext}, "
                f"{panels.get(fig.id, 0)} panel(s), best ct_score {score if score is None else round(score, 2)}{likely}",
                highlight=False,
            )
            console.print(f"   “{fig.caption[:110]}{'…' if len(fig.caption) > 110 else ''}”", highlight=False, soft_wrap=True)
            console.print(f"   → {store.path(fig.image_sha256)}", highlight=False, soft_wrap=True)
    console.print(f"database: {config.db_url}\nnext: `figscrape status`, `figscrape inspect FILE.pdf --json`", highlight=False)
