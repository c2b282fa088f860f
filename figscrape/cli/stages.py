"""The stage commands: ingest, crawl, run, extract, split, classify and train-filter. Each parses its
flags, runs the stage (through the stage table where it is one) and reports."""

from __future__ import annotations

import json
import re
import sys
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from figscrape.cli.root import (
    SchedulerOption,
    WorkersOption,
    app,
    context,
    engine,
    exclusive,
    fail,
    state,
    store,
    summary,
)
from figscrape.crawl.query import DEFAULT_QUERY
from figscrape.runtime.runs import console, progress, record_run


@app.command()
def ingest(paths: Annotated[list[Path], typer.Argument(help="PDF files or folders (searched recursively for *.pdf).")]) -> None:
    """Add local PDFs. A medRxiv/bioRxiv stamp (or a DOI in the file name) keys one by DOI + version,
    as the crawl does; others are papers of server "local". The same bytes are never added twice.

    Exits 1 when a path was missing or not a PDF (the others are still added)."""
    from figscrape.crawl.ingest import ingest_paths

    db = engine()
    with record_run(db, "ingest") as run:
        ingest_paths(db, store(), paths, run)
    summary(run)
    if run.counts["failed"]:
        raise typer.Exit(1)



def crawl_filters(server: "Server", query: str, category: str | None) -> tuple[list[str], re.Pattern[str], str | None]:
    """Servers, compiled query and checked category of a crawl; bad flags end the command with a message."""
    from figscrape.crawl.categories import UnknownCategory, check_category
    from figscrape.crawl.query import compile_query

    servers = ["medrxiv", "biorxiv"] if server == Server.both else [server.value]
    try:
        pattern = compile_query(query)
        canonical = {check_category(s, category) for s in servers}.pop() if category else None
    except (ValueError, UnknownCategory) as exc:
        fail(str(exc))
    return servers, pattern, canonical



class Server(str, Enum):
    medrxiv = "medrxiv"
    biorxiv = "biorxiv"
    both = "both"


class Source(str, Enum):
    api = "api"
    s3 = "s3"



@app.command()
def crawl(
    server: Annotated[Server, typer.Option(help="Which preprint server to crawl.")] = Server.medrxiv,
    since: Annotated[Optional[datetime], typer.Option(formats=["%Y-%m-%d"], help="First posting date (default: after the last finished crawl).")] = None,
    until: Annotated[Optional[datetime], typer.Option(formats=["%Y-%m-%d"], help="Last posting date (default: today).")] = None,
    query: Annotated[str, typer.Option(help="Regex over title and abstract (case-insensitive).")] = DEFAULT_QUERY,
    category: Annotated[Optional[str], typer.Option(help='Subject category, e.g. "radiology and imaging".')] = None,
    max_papers: Annotated[Optional[int], typer.Option(min=1, help="Add at most this many new papers in this run.")] = None,
    metadata_only: Annotated[bool, typer.Option("--metadata-only", help="Store metadata, download no PDFs.")] = False,
    jats: Annotated[bool, typer.Option("--jats", help="Also fetch each paper's JATS XML for its figures of record.")] = False,
    source: Annotated[Source, typer.Option(help="api: the rxiv API and the sites' PDFs; s3: the servers' MECA bundles (requester pays).")] = Source.api,
    month: Annotated[Optional[str], typer.Option(help="With --source s3: a month or a range of the buckets' Current_Content, e.g. 2020-03 or 2020-03..2020-05.")] = None,
    prefix: Annotated[Optional[list[str]], typer.Option(help="With --source s3: bucket folders to read instead (e.g. Back_Content/Batch_01/).")] = None,
    figures: Annotated[bool, typer.Option("--figures", help="With --source s3: also read the original figure files (large TIFFs).")] = False,
    max_gb: Annotated[Optional[float], typer.Option(help="With --source s3: stop starting bundles once this many GB were read.")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="With --source s3: bundles read at once.")] = 4,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan (servers, windows, API requests and their time at FIGSCRAPE_RATE, PDFs stored) and exit; nothing is fetched or written.")] = False,
) -> None:
    """Fetch metadata of matching preprints from the rxiv API, then their PDFs; or, with
    --source s3, read the servers' MECA bundles (PDF, JATS, licence) from their S3 buckets.

    The API has no keyword search: windows of at most a week are read and filtered here by
    --query (default: the COVID-19 query of the COVID-CT collection) and --category. Without
    --since, a crawl continues after the last finished one. Requests are limited per host
    (FIGSCRAPE_RATE per second), retried with backoff, and bot checks are never stored as PDFs:
    such papers are marked blocked and retried on later runs, up to 5 times.

    A second crawl while one runs says so and exits 0. Exits 0 when the run completes, with
    failed items counted; 1 when a server's API could not be read; 2 for bad flags. A crawl of more
    than a few hundred API requests says so in its first line (--dry-run shows the plan).

    --category takes a name or the beginnings of its words ("radiology" for "radiology and
    imaging"); a name that fits several categories lists them."""
    from figscrape.crawl.stage import CrawlOptions
    from figscrape.pipeline.stages import BY_NAME

    servers, pattern, canonical = crawl_filters(server, query, category)
    if source == Source.s3:
        _crawl_s3(servers, pattern, canonical, month, prefix, figures, max_gb, workers, max_papers)
        return
    if since and until and since > until:
        fail(f"--since {since.date()} is after --until {until.date()}")
    options = CrawlOptions(
        servers=servers, query=pattern, since=since.date() if since else None, until=until.date() if until else None,
        category=canonical, max_papers=max_papers, metadata_only=metadata_only, jats=jats,
    )
    if dry_run:
        from figscrape.crawl.dryrun import crawl_plan

        for line in crawl_plan(_existing_engine(), options, state.config.rate, date.today()).lines():
            console.print(line, highlight=False, soft_wrap=True)
        return
    with exclusive("crawl") as acquired:
        if not acquired:
            return
        from figscrape.crawl.dryrun import crawl_plan

        warning = crawl_plan(engine(), options, state.config.rate, date.today()).warning()
        if warning:
            console.print(warning, highlight=False, soft_wrap=True)
        run = BY_NAME["crawl"].run(context(crawl=options))
        summary(run)
    if not run.ok:
        raise typer.Exit(1)



def _existing_engine():  # noqa: ANN202 - an Engine, or None where no database exists yet
    """The database as it is, for reading only: None for a SQLite file not yet made (none is made)."""
    from sqlalchemy.engine import make_url

    url = make_url(state.config.db_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return None
    return engine(create=False)


def _crawl_s3(servers: list[str], pattern: re.Pattern[str], category: str | None, month: str | None, prefixes: list[str] | None,
              figures: bool, max_gb: float | None, workers: int, max_bundles: int | None) -> None:
    from figscrape.crawl.s3 import S3Options, crawl_s3, month_range

    if not month and not prefixes:
        fail("--source s3 needs --month YYYY-MM (or a range YYYY-MM..YYYY-MM) or --prefix FOLDER")
    try:
        months = month_range(month) if month else []
    except ValueError as exc:
        fail(f"--month {exc}")
    options = S3Options(servers=servers, months=months, prefixes=prefixes, figures=figures, max_gb=max_gb, workers=workers,
                        max_bundles=max_bundles, query=pattern, category=category)
    with exclusive("crawl") as acquired:
        if not acquired:
            return
        db = engine()
        with record_run(db, "crawl-s3") as run:
            meter = crawl_s3(db, store(), state.config, options, run)
        summary(run)
        console.print(f"read {meter.total / 1e6:.1f} MB from S3", highlight=False)
    if run.counts["bundles_listed"] == 0 and run.errors:
        raise typer.Exit(1)


@app.command()
def run(
    server: Annotated[Server, typer.Option(help="Which preprint server to crawl.")] = Server.both,
    query: Annotated[str, typer.Option(help="Regex over title and abstract (case-insensitive).")] = DEFAULT_QUERY,
    category: Annotated[Optional[str], typer.Option(help="Subject category.")] = None,
    crawl_: Annotated[bool, typer.Option("--crawl/--no-crawl", help="Crawl first (--no-crawl: only process what is stored).")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON, for monitoring.")] = False,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Every stage over whatever is new: crawl, extract, split, classify. The nightly cron job.

    A file lock keeps two runs from overlapping (the second says so and exits 0). A stage that
    fails as a whole is reported and the later stages still run; the exit code is 1 when any
    stage failed, 0 otherwise (items that failed one by one are counted, not fatal)."""
    from figscrape.crawl.stage import CrawlOptions
    from figscrape.pipeline.run import run_pipeline

    servers, pattern, canonical = crawl_filters(server, query, category)
    with exclusive("run") as acquired:
        if not acquired:
            return
        options = CrawlOptions(servers=servers, query=pattern, category=canonical) if crawl_ else None
        results = run_pipeline(context(workers, scheduler, options))
    if as_json:
        sys.stdout.write(json.dumps({"ok": all(r.ok for r in results), "stages": [r.__dict__ for r in results]}) + "\n")
    else:
        for r in results:
            counts = ", ".join(f"{k}: {v}" for k, v in sorted(r.counts.items())) or "nothing new"
            mark = "[green]ok[/green]" if r.ok else "[red]FAILED[/red]"
            console.print(f"{mark} [bold]{r.stage}[/bold] ({r.seconds:g} s) — {counts}", highlight=False)
            for error in r.errors[:5]:
                console.print(f"   ! {escape(error.splitlines()[0])}", highlight=False)
    if not all(r.ok for r in results):
        raise typer.Exit(1)


@app.command()
def extract(
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Find the figures of every stored PDF not yet extracted by this extractor version.

    Each PDF runs in a worker with a time and memory limit (FIGSCRAPE_PDF_TIMEOUT seconds,
    FIGSCRAPE_PDF_MEMORY_MB); a PDF that fails is marked with its reason and retried on
    later runs, up to 3 times. Exits 0 when the run completes, failures included."""
    _run_stage("extract", workers, scheduler)


@app.command()
def split(
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Cut every current figure into panels (box, letter, sub-caption, hashes)."""
    _run_stage("split", workers, scheduler)


@app.command()
def classify(
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Score every current panel not yet scored by the active CT filter (ct_score in [0, 1]).

    The active filter is the shipped one, or the last model `figscrape train-filter` activated.
    Panels at or above the filter's threshold are the likely CTs the review queue shows first."""
    _run_stage("classify", workers, scheduler)


def _run_stage(name: str, workers: int | None, scheduler: str | None) -> None:
    """One stage of the table in its own Run row; exit 1 when it failed as a whole."""
    from figscrape.pipeline.stages import BY_NAME

    run = BY_NAME[name].run(context(workers, scheduler))
    summary(run)
    if not run.ok:
        raise typer.Exit(1)


@app.command("train-filter")
def train_filter(
    images: Annotated[Optional[Path], typer.Option(help="A folder with ct/ and not_ct/ sub-folders of labelled images.")] = None,
    labels: Annotated[bool, typer.Option("--labels/--no-labels", help="Also learn from the is_ct labels people made in the app.")] = True,
    seed: Annotated[int, typer.Option(help="Seed: the same data and seed give the same model.")] = 0,
    epochs: Annotated[int, typer.Option(min=1, help="Training epochs.")] = 40,
    folds: Annotated[int, typer.Option(min=2, help="Folds of the held-out evaluation (by source or paper).")] = 5,
) -> None:
    """Train a CT filter, evaluate it on held-out sources, and make it active if it is not worse.

    Evaluation holds out whole sources (image folders' MANIFEST source, or the paper for labels
    made in the app), never random images. The threshold keeps CT recall >= 0.98 on the held-out
    scores. The model, its card (data, metrics, threshold) and weights go to $FIGSCRAPE_DATA/models."""
    from figscrape.classify.retrain import NotEnoughLabels, retrain

    if images is None and not labels:
        fail("nothing to learn from: give --images FOLDER and/or keep --labels")
    if images is not None and not (images / "ct").is_dir():
        fail(f"{images}: no ct/ sub-folder of CT images (and not_ct/ of others) in it")
    db = engine()
    with record_run(db, "train", "") as run, progress() as bar:
        task = bar.add_task("train-filter", total=1.0)
        try:
            outcome = retrain(
                db, store(), state.config.data_home, images, labels, seed, epochs, folds,
                lambda what, done: bar.update(task, description=what, completed=done),
            )
        except NotEnoughLabels as exc:
            fail(str(exc))
        run.counts.update(outcome.counts)
    console.print(outcome.summary, highlight=False)

