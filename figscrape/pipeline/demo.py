"""`figscrape demo`: the README quick start. Ingests the bundled sample PDFs, extracts, splits and
scores them, and shows what was found and where the images are. Offline, in seconds."""

from __future__ import annotations

from sqlalchemy import func, select

from figscrape.classify.model import load_filter
from figscrape.crawl.ingest import ingest_paths
from figscrape.data.current import current_figures, current_panels
from figscrape.data.db import read_session
from figscrape.data.models import Figure, Panel, Paper, Pdf
from figscrape.pipeline.stages import BY_NAME, StageContext
from figscrape.runtime.runs import console, record_run
from figscrape.samples import sample_pdfs


def run_demo(ctx: StageContext) -> None:
    engine, store, config = ctx.engine, ctx.store, ctx.config
    samples = sample_pdfs()
    console.print(f"[bold]figscrape demo[/bold]: {len(samples)} sample preprints → {config.data_home}", highlight=False)
    with record_run(engine, "ingest") as run:
        ingest_paths(engine, store, samples, run)
    for name in ("extract", "split", "classify"):
        BY_NAME[name].run(ctx)
    flt = load_filter(config.data_home)
    sample_names = {str(p.absolute()) for p in samples}
    with read_session(engine) as session:
        per_figure = (
            select(Panel.figure_id, func.max(Panel.ct_score), func.count()).join(Figure, Figure.id == Panel.figure_id)
            .join(Pdf, Pdf.id == Figure.pdf_id).where(current_panels()).group_by(Panel.figure_id)
        )
        best, panels = {}, {}
        for figure_id, score, count in session.execute(per_figure).all():
            best[figure_id], panels[figure_id] = score, count
        rows = session.execute(
            select(Paper.title, Paper.source, Figure)
            .join(Pdf, Pdf.paper_id == Paper.id)
            .join(Figure, Figure.pdf_id == Pdf.id)
            .where(current_figures())
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
    console.print(f"database: {config.db_shown}\nnext: `figscrape status`, `figscrape inspect FILE.pdf --json`", highlight=False)
