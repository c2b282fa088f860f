"""`figscrape demo`: the README quick start, the main job end to end and offline. Ingests the bundled
sample PDFs, extracts, splits and scores them, imports the bundled labels of two annotators and a
reviewer (figscrape/samples/sample-labels.csv), exports a COVID-CT-style dataset under the data
home and checks it, and says where the dataset, its card and preview are and how to open the app.
Deterministic and idempotent: a second run in the same data home adds nothing and prints the same."""

from __future__ import annotations

import hashlib
import shlex
from pathlib import Path

from sqlalchemy import func, select

from figscrape.annotate.sheets import import_sheet
from figscrape.classify.active import active_version
from figscrape.classify.model import load_filter
from figscrape.crawl.ingest import ingest_paths
from figscrape.data.current import current_figures, current_panels
from figscrape.data.db import read_session
from figscrape.data.models import Annotation, Figure, Panel, Paper, Pdf
from figscrape.data.votes import COVID, NONCOVID
from figscrape.export.check import check_export
from figscrape.export.dataset import MARKER, ExportOptions, export_dataset
from figscrape.pipeline.stages import BY_NAME, StageContext
from figscrape.pipeline.status import collect_status
from figscrape.runtime.runs import console, record_run
from figscrape.samples import sample_labels, sample_pdfs

DATASET = "demo-dataset"  # the export's folder under the data home
DEMO_SPLIT = (0.5, 0.25, 0.25)  # with the samples' 4 patients the default 0.6,0.15,0.25 leaves validation empty


def dataset_dir(ctx: StageContext) -> Path:
    return Path(ctx.config.data_home) / DATASET


def run_demo(ctx: StageContext) -> int:
    """Runs the demo; returns the exit code (1 when the labels do not match or the export is unsound)."""
    engine, config = ctx.engine, ctx.config
    samples = sample_pdfs()
    console.print(f"[bold]figscrape demo[/bold]: {len(samples)} sample preprints → {config.data_home}", highlight=False)
    prepare(ctx, samples)
    show_figures(ctx, samples)

    console.rule("Labels")
    report = import_sheet(engine, sample_labels())
    with read_session(engine) as s:
        who = s.execute(select(Annotation.annotator, Annotation.adjudication, func.count()).group_by(Annotation.annotator, Annotation.adjudication)
                        .order_by(Annotation.annotator)).all()
    console.print(f"{sample_labels().name}: {report.added} labels added, {report.unchanged} already there — "
                  + ", ".join(f"{name}{' (adjudication)' if adj else ''}: {n}" for name, adj, n in who), highlight=False)
    for problem in report.problems:
        console.print(f"  [red]✗[/red] {problem}", highlight=False)
    if report.problems:
        console.print("the sample labels do not match the sample panels: run tools/make_sample_labels.py", highlight=False)
        return 1

    out = dataset_dir(ctx)
    console.rule("Dataset")
    if report.added or not (out / MARKER).is_file() or check_export(out):
        result = export_dataset(engine, ctx.store, out, ExportOptions(ratios=DEMO_SPLIT))
        console.print("exported " + ", ".join(f"{k}: {v}" for k, v in result.counts.items()), highlight=False)
        for reason, n in sorted(result.excluded.items()):
            console.print(f"  left out {n} × {reason}", highlight=False)
    else:
        console.print("already exported from these labels (nothing changed)", highlight=False)
    problems = check_export(out)
    images = out / "Images-processed"
    counts = ", ".join(f"{cls} {sum(1 for _ in (images / cls).iterdir())}" for cls in (COVID, NONCOVID))
    console.print(f"dataset:  {out}\n          {images}: {counts}", highlight=False, soft_wrap=True)
    console.print(f"card:     {out / 'README.md'}\npreview:  {out / 'preview.png'}\nMetaInfo: {out / 'COVID-CT-MetaInfo.csv'}",
                  highlight=False, soft_wrap=True)
    check = shlex.join(["figscrape", "export", str(out), "--check"])
    if problems:
        console.print(f"`{check}`: {len(problems)} problem(s)", highlight=False, soft_wrap=True)
        for problem in problems:
            console.print(f"  [red]✗[/red] {problem}", highlight=False, soft_wrap=True)
        return 1
    console.print(f"`{check}`: a sound export", highlight=False, soft_wrap=True)
    app = shlex.join(["figscrape", "--data", str(config.data_home), "app"])
    console.print(f"database: {config.db_shown}\nopen the labeling app on it: {app}\n"
                  "next: `figscrape status`, `figscrape inspect FILE.pdf --json`", highlight=False, soft_wrap=True)
    return 0


def prepare(ctx: StageContext, samples: list[Path]) -> None:
    """Ingest the samples, then extract, split and score them; a stage with nothing to do is not run,
    so a second demo records no runs either."""
    engine = ctx.engine
    shas = {hashlib.sha256(p.read_bytes()).hexdigest() for p in samples}
    with read_session(engine) as s:
        stored = set(s.scalars(select(Pdf.sha256).where(Pdf.sha256.in_(shas), Pdf.status == "stored")))
    if stored != shas:
        with record_run(engine, "ingest") as run:
            ingest_paths(engine, ctx.store, samples, run)
    status = collect_status(engine)
    if status.pdfs_extract_pending:
        BY_NAME["extract"].run(ctx)
    if collect_status(engine).figures_split_pending:
        BY_NAME["split"].run(ctx)
    version = active_version(ctx.config.data_home)
    with read_session(engine) as s:
        unscored = s.scalar(select(func.count()).select_from(Panel).join(Figure, Figure.id == Panel.figure_id)
                            .join(Pdf, Pdf.id == Figure.pdf_id).where(current_panels())
                            .where(Panel.model_version.is_(None) | (Panel.model_version != version)))
    if unscored:
        BY_NAME["classify"].run(ctx)


def show_figures(ctx: StageContext, samples: list[Path]) -> None:
    engine = ctx.engine
    flt = load_filter(ctx.config.data_home)
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
            select(Paper.title, Paper.doi, Paper.source, Figure)
            .join(Pdf, Pdf.paper_id == Paper.id)
            .join(Figure, Figure.pdf_id == Pdf.id)
            .where(current_figures())
            .order_by(Paper.id, Figure.index)
        ).all()
    console.rule("Figures found")
    shown = ""
    for title, doi, source, fig in rows:
        if source not in sample_names:
            continue
        if doi != shown:
            console.print(f"[bold]{title}[/bold] ({doi})", highlight=False, soft_wrap=True)
            shown = doi
        score = best.get(fig.id)
        likely = " — likely CT" if score is not None and score >= flt.card.threshold else ""
        console.print(
            f"  page {fig.page}, figure {fig.number}: {fig.kind}, {fig.width}x{fig.height} {fig.image_ext}, "
            f"{panels.get(fig.id, 0)} panel(s), best ct_score {score if score is None else round(score, 2)}{likely}",
            highlight=False, soft_wrap=True,
        )
        console.print(f"     “{fig.caption[:100]}{'…' if len(fig.caption) > 100 else ''}”", highlight=False, soft_wrap=True)
