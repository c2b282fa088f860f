"""The `figscrape` command: one thin sub-command per stage. Each parses its flags, calls the
stage and reports; each does only what is new and is safe to re-run."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.logging import RichHandler
from rich.table import Table

from figscrape import __version__
from figscrape.config import Config, load_config
from figscrape.crawl.query import DEFAULT_QUERY
from figscrape.db import DatabaseError, open_database, upgrade, make_engine
from figscrape.extract.document import EXTRACTOR_VERSION, PdfError
from figscrape.runs import RunLog, console, progress, record_run
from figscrape.parallel import Workers
from figscrape.split.panels import SPLITTER_VERSION
from figscrape.store import Store

app = typer.Typer(
    help="Build medical-imaging datasets from the figures of medRxiv and bioRxiv preprints.\n\n"
    "Stages talk through one database and one content-addressed file store, both under the data "
    "home (FIGSCRAPE_DATA, default ./figscrape-data). Every command does only what is new.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
db_app = typer.Typer(help="Database schema: create and upgrade it (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")
labels_app = typer.Typer(help="Labels as a spreadsheet: write them out, or bring in labels made elsewhere.", no_args_is_help=True)
app.add_typer(labels_app, name="labels")


class State:
    config: Config


state = State()


@app.callback()
def main(
    data: Annotated[Optional[Path], typer.Option("--data", help="Data home (overrides FIGSCRAPE_DATA).")] = None,
    db: Annotated[Optional[str], typer.Option("--db", help="SQLAlchemy database URL (overrides FIGSCRAPE_DB).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also log every skipped item.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_path=False, markup=False)],
        force=True,
    )
    try:
        state.config = load_config(data_home=data, db_url=db)
    except ValueError as exc:  # a setting that cannot work: say which, in one line
        _fail(str(exc))


def _fail(message: str, code: int = 2) -> None:
    console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _engine(migrate: bool = True):  # noqa: ANN202
    try:
        return open_database(state.config.db_url, migrate=migrate, busy_timeout=state.config.db_timeout)
    except DatabaseError as exc:
        _fail(str(exc))


def _store() -> Store:
    try:
        return state.config.open_store()
    except ValueError as exc:
        _fail(str(exc))


def _summary(run: RunLog) -> None:
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(run.counts.items())) or "nothing to do"
    console.print(f"[bold]{run.stage}[/bold] — {counts}", highlight=False)
    for error in run.errors[:20]:
        console.print(f"  [yellow]![/yellow] {error.splitlines()[0]}", highlight=False)
    if len(run.errors) > 20:
        console.print(f"  … and {len(run.errors) - 20} more (see `figscrape status`)")


@app.command()
def ingest(paths: Annotated[list[Path], typer.Argument(help="PDF files or folders (searched recursively for *.pdf).")]) -> None:
    """Add local PDFs as papers of server "local". The same bytes are never added twice.

    Exits 1 when a path was missing or not a PDF (the others are still added)."""
    from figscrape.ingest import ingest_paths

    engine = _engine()
    with record_run(engine, "ingest") as run:
        ingest_paths(engine, _store(), paths, run)
    _summary(run)
    if run.counts["failed"]:
        raise typer.Exit(1)


def _crawl_filters(server: "Server", query: str, category: str | None) -> tuple[list[str], re.Pattern[str], str | None]:
    """Servers, compiled query and checked category of a crawl; bad flags end the command with a message."""
    from figscrape.crawl.categories import UnknownCategory, check_category
    from figscrape.crawl.query import compile_query

    servers = ["medrxiv", "biorxiv"] if server == Server.both else [server.value]
    try:
        pattern = compile_query(query)
        canonical = {check_category(s, category) for s in servers}.pop() if category else None
    except (ValueError, UnknownCategory) as exc:
        _fail(str(exc))
    return servers, pattern, canonical


@contextmanager
def _exclusive(job: str) -> Iterator[bool]:
    """Hold the data home's lock for this job, or say that another holds it (and yield False)."""
    from filelock import FileLock, Timeout

    state.config.data_home.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(state.config.data_home / f"{job}.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        console.print(f"another {job} is in progress (lock {lock.lock_file}); nothing to do", highlight=False)
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


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
) -> None:
    """Fetch metadata of matching preprints from the rxiv API, then their PDFs; or, with
    --source s3, read the servers' MECA bundles (PDF, JATS, licence) from their S3 buckets.

    The API has no keyword search: windows of at most a week are read and filtered here by
    --query (default: the COVID-19 query of the COVID-CT collection) and --category. Without
    --since, a crawl continues after the last finished one. Requests are limited per host
    (FIGSCRAPE_RATE per second), retried with backoff, and bot checks are never stored as PDFs:
    such papers are marked blocked and retried on later runs, up to 5 times.

    A second crawl while one runs says so and exits 0. Exits 0 when the run completes, with
    failed items counted; 1 when a server's API could not be read; 2 for bad flags."""
    from figscrape.crawl.stage import CrawlOptions, run_crawl

    servers, pattern, canonical = _crawl_filters(server, query, category)
    if source == Source.s3:
        _crawl_s3(servers, pattern, canonical, month, prefix, figures, max_gb, workers, max_papers)
        return
    if since and until and since > until:
        _fail(f"--since {since.date()} is after --until {until.date()}")
    with _exclusive("crawl") as acquired:
        if not acquired:
            return
        engine = _engine()
        options = CrawlOptions(
            servers=servers, query=pattern, since=since.date() if since else None, until=until.date() if until else None,
            category=canonical, max_papers=max_papers, metadata_only=metadata_only, jats=jats,
        )
        with record_run(engine, "crawl") as run:
            ok = run_crawl(engine, _store(), state.config, options, run)
        _summary(run)
    if not ok:
        raise typer.Exit(1)


def _crawl_s3(servers: list[str], pattern: re.Pattern[str], category: str | None, month: str | None, prefixes: list[str] | None,
              figures: bool, max_gb: float | None, workers: int, max_bundles: int | None) -> None:
    from figscrape.crawl.s3 import S3Options, crawl_s3, month_range

    if not month and not prefixes:
        _fail("--source s3 needs --month YYYY-MM (or a range YYYY-MM..YYYY-MM) or --prefix FOLDER")
    try:
        months = month_range(month) if month else []
    except ValueError as exc:
        _fail(f"--month {exc}")
    options = S3Options(servers=servers, months=months, prefixes=prefixes, figures=figures, max_gb=max_gb, workers=workers,
                        max_bundles=max_bundles, query=pattern, category=category)
    with _exclusive("crawl") as acquired:
        if not acquired:
            return
        engine = _engine()
        with record_run(engine, "crawl-s3") as run:
            meter = crawl_s3(engine, _store(), state.config, options, run)
        _summary(run)
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
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="Local worker processes for extract, split, classify.")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="A Dask scheduler, tcp://HOST:PORT (or FIGSCRAPE_SCHEDULER).")] = None,
) -> None:
    """Every stage over whatever is new: crawl, extract, split, classify. The nightly cron job.

    A file lock keeps two runs from overlapping (the second says so and exits 0). A stage that
    fails as a whole is reported and the later stages still run; the exit code is 1 when any
    stage failed, 0 otherwise (items that failed one by one are counted, not fatal)."""
    from figscrape.crawl.stage import CrawlOptions
    from figscrape.pipeline import run_pipeline

    servers, pattern, canonical = _crawl_filters(server, query, category)
    with _exclusive("run") as acquired:
        if not acquired:
            return
        engine = _engine()
        options = CrawlOptions(servers=servers, query=pattern, category=canonical) if crawl_ else None
        results = run_pipeline(engine, _store(), state.config, options, Workers.of(workers, scheduler, state.config.scheduler))
    if as_json:
        sys.stdout.write(json.dumps({"ok": all(r.ok for r in results), "stages": [r.__dict__ for r in results]}) + "\n")
    else:
        for r in results:
            counts = ", ".join(f"{k}: {v}" for k, v in sorted(r.counts.items())) or "nothing new"
            mark = "[green]ok[/green]" if r.ok else "[red]FAILED[/red]"
            console.print(f"{mark} [bold]{r.stage}[/bold] ({r.seconds:g} s) — {counts}", highlight=False)
            for error in r.errors[:5]:
                console.print(f"   ! {error.splitlines()[0]}", highlight=False)
    if not all(r.ok for r in results):
        raise typer.Exit(1)


@app.command()
def extract(
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="Local worker processes (default 1: this process).")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="A Dask scheduler, tcp://HOST:PORT (or FIGSCRAPE_SCHEDULER).")] = None,
) -> None:
    """Find the figures of every stored PDF not yet extracted by this extractor version.

    Each PDF runs in a worker with a time and memory limit (FIGSCRAPE_PDF_TIMEOUT seconds,
    FIGSCRAPE_PDF_MEMORY_MB); a PDF that fails is marked with its reason and retried on
    later runs, up to 3 times. Exits 0 when the run completes, failures included."""
    from figscrape.extract.stage import run_extract

    engine = _engine()
    with record_run(engine, "extract", EXTRACTOR_VERSION) as run:
        run_extract(engine, _store(), state.config, run, Workers.of(workers, scheduler, state.config.scheduler))
    _summary(run)


@app.command()
def split(
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="Local worker processes (default 1: this process).")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="A Dask scheduler, tcp://HOST:PORT (or FIGSCRAPE_SCHEDULER).")] = None,
) -> None:
    """Cut every current figure into panels (box, letter, sub-caption, hashes)."""
    from figscrape.split.stage import run_split

    engine = _engine()
    with record_run(engine, "split", SPLITTER_VERSION) as run:
        run_split(engine, _store(), run, Workers.of(workers, scheduler, state.config.scheduler))
    _summary(run)


@app.command()
def classify(
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="Local worker processes (default 1: this process).")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="A Dask scheduler, tcp://HOST:PORT (or FIGSCRAPE_SCHEDULER).")] = None,
) -> None:
    """Score every current panel not yet scored by the active CT filter (ct_score in [0, 1]).

    The active filter is the shipped one, or the last model `figscrape train-filter` activated.
    Panels at or above the filter's threshold are the likely CTs the review queue shows first."""
    from figscrape.classify.model import load_filter
    from figscrape.classify.stage import run_classify

    engine = _engine()
    flt = load_filter(state.config.data_home)
    with record_run(engine, "classify", flt.version) as run:
        run_classify(engine, _store(), flt, run, Workers.of(workers, scheduler, state.config.scheduler))
    _summary(run)


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
        _fail("nothing to learn from: give --images FOLDER and/or keep --labels")
    if images is not None and not (images / "ct").is_dir():
        _fail(f"{images}: no ct/ sub-folder of CT images (and not_ct/ of others) in it")
    engine = _engine()
    with record_run(engine, "train", "") as run, progress() as bar:
        task = bar.add_task("train-filter", total=1.0)
        try:
            outcome = retrain(
                engine, _store(), state.config.data_home, images, labels, seed, epochs, folds,
                lambda what, done: bar.update(task, description=what, completed=done),
            )
        except NotEnoughLabels as exc:
            _fail(str(exc))
        run.counts.update(outcome.counts)
    console.print(outcome.summary, highlight=False)


@app.command()
def inspect(
    pdf: Annotated[Path, typer.Argument(help="The PDF to look at.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract (DESIGN.md) instead of a table.")] = False,
) -> None:
    """Extract, split and score one PDF without touching the database.

    Exit codes: 0 all went well; 1 the PDF cannot be read (the message names the file and the
    problem); 3 the JSON is printed but some figures were skipped (each warning on stderr)."""
    from figscrape.inspect import inspect_pdf

    try:
        result = inspect_pdf(pdf, state.config)
    except PdfError as exc:
        _fail(str(exc), 1)
    for warning in result["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False, soft_wrap=True)
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    else:
        _figure_table(pdf, result)
    if result["warnings"]:
        raise typer.Exit(3)


def _figure_table(pdf: Path, result: dict) -> None:
    table = Table(title=f"{pdf} — {result['pages']} pages, {len(result['figures'])} figures")
    for col in ("page", "number", "kind", "pixels", "bbox (pt)", "caption"):
        table.add_column(col)
    for f in result["figures"]:
        table.add_row(str(f["page"]), f["number"], f["kind"], f"{f['width']}x{f['height']}", " ".join(f"{v:.0f}" for v in f["bbox"]), f["caption"][:70])
    console.print(table)


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Counts per stage: done, pending, failed, and the most common failure reasons."""
    from figscrape.status import collect_status

    st = collect_status(_engine(migrate=False))
    if as_json:
        sys.stdout.write(json.dumps(st.as_dict()) + "\n")
        return
    table = Table(title=f"figscrape {__version__} — {state.config.db_url}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in st.as_dict().items():
        if key != "top_failures":
            table.add_row(key, json.dumps(value) if isinstance(value, dict) else str(value))
    console.print(table)
    for item in st.top_failures:
        console.print(f"  {item['count']} × {item['reason']}", highlight=False)


@app.command("app")
def labeling_app(
    port: Annotated[int, typer.Option(help="The port to serve on.")] = 8501,
    address: Annotated[str, typer.Option(help="The address to listen on (0.0.0.0 for the team's network).")] = "127.0.0.1",
) -> None:
    """Start the Streamlit labeling app on the configured database.

    Settings: FIGSCRAPE_LABELS_PER_PANEL (default 2), FIGSCRAPE_APP_PASSWORD (a shared password),
    FIGSCRAPE_REVIEWERS (names allowed to adjudicate; everyone when unset)."""
    import os
    import subprocess
    from importlib import resources

    _engine()  # an unusable or old database is reported here, in one line, before the server starts
    script = resources.files("figscrape.app") / "main.py"
    env = dict(os.environ, FIGSCRAPE_DATA=str(state.config.data_home), FIGSCRAPE_DB=state.config.db_url)
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port), "--server.address", address,
               "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    console.print(f"labeling app on http://{address}:{port} — database {state.config.db_url}", highlight=False)
    try:
        raise typer.Exit(subprocess.call(command, env=env))
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


@app.command()
def demo() -> None:
    """The quick start: ingest the bundled sample PDFs, extract and split them, show what was found. Offline."""
    from figscrape.demo import run_demo

    run_demo(_engine(), _store(), state.config)


class ExportFormat(str, Enum):
    covid_ct = "covid-ct"
    imagefolder = "imagefolder"


class DuplicatePolicy(str, Enum):
    drop = "drop"
    together = "together"


def _ratios(text: str) -> tuple[float, float, float]:
    try:
        parts = tuple(float(p) for p in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3 or min(parts) < 0 or sum(parts) <= 0:
        raise typer.BadParameter(f"{text!r}: give three non-negative numbers, train,val,test (e.g. 0.6,0.15,0.25)")
    return parts  # type: ignore[return-value]


@app.command()
def export(
    out: Annotated[Path, typer.Argument(help="The folder to write (made, or replaced when it is an earlier export).")],
    format: Annotated[ExportFormat, typer.Option("--format", help="covid-ct: COVID-CT's layout; imagefolder: Hugging Face's.")] = ExportFormat.covid_ct,
    split: Annotated[str, typer.Option("--split", help="train,val,test ratios (by patient).")] = "0.6,0.15,0.25",
    seed: Annotated[int, typer.Option(help="Seed of the patient-level split.")] = 0,
    folds: Annotated[int, typer.Option(help="Also write K patient-level folds (COVID-CTset's CSV/ files); 0: none.")] = 0,
    licenses: Annotated[Optional[str], typer.Option("--licenses", help="Only papers under these licences, comma-separated (e.g. cc_by,cc0).")] = None,
    duplicates: Annotated[DuplicatePolicy, typer.Option(help="Near-duplicate images: drop (keep one) or together (same split).")] = DuplicatePolicy.drop,
    duplicate_distance: Annotated[int, typer.Option(help="Perceptual-hash bits within which two images are near-duplicates.")] = 4,
    check: Annotated[bool, typer.Option("--check", help="Validate an existing export instead of writing one.")] = False,
) -> None:
    """Write the labelled CT panels as a dataset, split by patient, with MetaInfo, exclusions and a card.

    The same database and flags give byte-identical files. Exit codes: 0 done (or --check found
    nothing wrong); 1 --check found problems; 2 nothing could be exported."""
    if check:
        from figscrape.export.check import check_export

        problems = check_export(out)
        for problem in problems:
            console.print(f"[red]✗[/red] {problem}", highlight=False, soft_wrap=True)
        if problems:
            raise typer.Exit(1)
        console.print(f"{out}: a sound export", highlight=False)
        return
    from figscrape.export.dataset import ExportError, ExportOptions, export_dataset

    if folds == 1 or folds < 0:
        _fail("--folds must be 0 (none) or at least 2")
    options = ExportOptions(
        format=format.value, ratios=_ratios(split), seed=seed, folds=folds, duplicates=duplicates.value,
        licenses=[x.strip() for x in licenses.split(",") if x.strip()] if licenses else None, duplicate_distance=duplicate_distance,
    )
    engine = _engine()
    with progress() as bar:
        task = bar.add_task("export", total=None)
        try:
            result = export_dataset(engine, _store(), out, options, lambda n: bar.advance(task, n))
        except ExportError as exc:
            _fail(str(exc))
    counts = ", ".join(f"{k}: {v}" for k, v in result.counts.items())
    console.print(f"[bold]export[/bold] → {out} — {counts}", highlight=False)
    for reason, n in sorted(result.excluded.items()):
        console.print(f"  left out {n} × {reason}", highlight=False)


@labels_app.command("export")
def labels_export(path: Annotated[Path, typer.Argument(help="The CSV file to write.")]) -> None:
    """One row per panel with no label, one per annotator's latest label otherwise."""
    from figscrape.label_sheets import export_sheet

    rows = export_sheet(_engine(), path)
    console.print(f"{rows} rows → {path}", highlight=False)


@labels_app.command("import")
def labels_import(
    path: Annotated[Path, typer.Argument(help="A CSV or XLSX sheet: panel_id, or file (File name), or DOI and page; then the labels.")],
    annotator: Annotated[str, typer.Option(help="Whose labels these are.")],
    diagnosis: Annotated[str, typer.Option(help="Diagnosis for rows that give none (e.g. covid for a COVID-CT MetaInfo sheet).")] = "",
) -> None:
    """Add a sheet's labels as the annotator's. Rows that match no panel are reported (exit 1); the
    rest are stored in one transaction. Importing the same sheet twice adds nothing."""
    from figscrape.label_sheets import SheetError, import_sheet

    try:
        report = import_sheet(_engine(), path, annotator, diagnosis)
    except SheetError as exc:
        _fail(str(exc))
    console.print(f"{path}: {report.added} labels added, {report.unchanged} unchanged, {report.without_label} rows without a label, "
                  f"{len(report.problems)} rows refused", highlight=False)
    for problem in report.problems[:50]:
        console.print(f"  [yellow]![/yellow] {problem}", highlight=False)
    if report.problems:
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the schema, or bring an older database up to this version of figscrape."""
    try:
        upgrade(make_engine(state.config.db_url))
    except Exception as exc:  # any driver error: say which database and why
        _fail(f"cannot upgrade {state.config.db_url}: {exc}")
    console.print(f"database at the newest schema: {state.config.db_url}", highlight=False)


def main_entry() -> None:
    """The console script: the app, with a database that fails mid-run reported in one line, not a traceback."""
    from sqlalchemy.exc import DBAPIError

    try:
        app()
    except DBAPIError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc).splitlines()[0]
        hint = " (another process holds the write lock; try again, or use PostgreSQL for a team)" if "locked" in reason else ""
        console.print(f"[red]error:[/red] database {state.config.db_url}: {reason}{hint}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main_entry()
