"""The labeling and dataset commands: the labeling app, the export, label sheets in and out, and
the database schema."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from figscrape.cli.root import app, db_app, engine, fail, labels_app, state, store
from figscrape.config import without_password
from figscrape.data.db import DatabaseError, make_engine, upgrade
from figscrape.runtime.runs import console, progress

# Streamlit's settings for labelers: no Deploy button, no developer menu or shortcuts (C clears the
# cache), no file watching, errors shown without the code; and no full garbage collection after
# every run of the script: on the labeler's heap it took 90 ms of a press's 130 ms of server CPU,
# holding the GIL while every other annotator's press waited (Python's own collector still runs)
LABELER_SETTINGS = {
    "server.headless": "true", "browser.gatherUsageStats": "false", "global.developmentMode": "false",
    "client.toolbarMode": "minimal", "client.showErrorDetails": "none", "server.runOnSave": "false",
    "server.allowRunOnSave": "false", "server.fileWatcherType": "none", "runner.magicEnabled": "false",
    "runner.postScriptGC": "false",
}


def streamlit_command(script: str, port: int, address: str) -> list[str]:
    """The command `figscrape app` becomes: Streamlit on `script` with the labelers' settings."""
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port), "--server.address", address]
    for key, value in LABELER_SETTINGS.items():
        command += [f"--{key}", value]
    return command


def reach(address: str, port: int) -> str:
    """Where people open the app: this machine only, or the machine's name on the network."""
    if address in ("127.0.0.1", "localhost", "::1"):
        return f"http://127.0.0.1:{port} (this machine only; --address 0.0.0.0 serves the team's network)"
    import socket

    host = socket.gethostname() if address in ("0.0.0.0", "::") else address
    return f"http://{host}:{port} (on the network: use a shared password, FIGSCRAPE_APP_PASSWORD, or a login)"


@app.command("app")
def labeling_app(
    port: Annotated[int, typer.Option(help="The port to serve on.")] = 8501,
    address: Annotated[str, typer.Option(help="The address to listen on (0.0.0.0 for the team's network).")] = "127.0.0.1",
) -> None:
    """Start the Streamlit labeling app on the configured database.

    This process becomes the Streamlit server (same PID): stopping it stops the server.
    Who signs in: `figscrape users add` (each person's own password and role) or Streamlit's OIDC
    login; else a name and FIGSCRAPE_APP_PASSWORD (a shared password) if set. Also
    FIGSCRAPE_LABELS_PER_PANEL (default 2) and FIGSCRAPE_REVIEWERS (without a users file)."""
    import os
    from importlib import resources

    engine()  # an unusable or old database is reported here, in one line, before the server starts
    script = resources.files("figscrape.app") / "serve.py"  # main.py with the labeler's save endpoint beside it
    env = dict(os.environ, FIGSCRAPE_DATA=str(state.config.data_home), FIGSCRAPE_DB=state.config.db_url)
    console.print(f"labeling app on {reach(address, port)} — database {state.config.db_shown}", highlight=False)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, streamlit_command(str(script), port, address), env)  # replaces this process: its PID is the server's


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
            console.print(f"[red]✗[/red] {escape(problem)}", highlight=False, soft_wrap=True)
        if problems:
            raise typer.Exit(1)
        console.print(f"{escape(str(out))}: a sound export", highlight=False)
        return
    from figscrape.export.dataset import ExportError, ExportOptions, export_dataset

    if folds == 1 or folds < 0:
        fail("--folds must be 0 (none) or at least 2")
    options = ExportOptions(
        format=format.value, ratios=_ratios(split), seed=seed, folds=folds, duplicates=duplicates.value,
        licenses=[x.strip() for x in licenses.split(",") if x.strip()] if licenses else None, duplicate_distance=duplicate_distance,
    )
    db = engine()
    with progress() as bar:
        task = bar.add_task("export", total=None)
        try:
            result = export_dataset(db, store(), out, options, lambda n: bar.advance(task, n))
        except ExportError as exc:
            fail(str(exc))
    counts = ", ".join(f"{k}: {v}" for k, v in result.counts.items())
    console.print(f"[bold]export[/bold] → {escape(str(out))} — {counts}", highlight=False)
    for reason, n in sorted(result.excluded.items()):
        console.print(f"  left out {n} × {escape(reason)}", highlight=False)


@labels_app.command("export")
def labels_export(path: Annotated[Path, typer.Argument(help="The CSV file to write.")]) -> None:
    """One row per panel with no label, one per annotator's latest label otherwise."""
    from figscrape.annotate.sheets import export_sheet

    rows = export_sheet(engine(), path)
    console.print(f"{rows} rows → {escape(str(path))}", highlight=False)


@labels_app.command("import")
def labels_import(
    path: Annotated[Path, typer.Argument(help="A CSV or XLSX sheet: panel_id, or file (File name), or DOI and page; then the labels.")],
    annotator: Annotated[str, typer.Option(help="Whose labels these are (all rows); without it, each row's annotator column says.")] = "",
    diagnosis: Annotated[str, typer.Option(help="Diagnosis for rows that give none (e.g. covid for a COVID-CT MetaInfo sheet).")] = "",
) -> None:
    """Add a sheet's labels as --annotator's, or each as its annotator column's. Rows that match no panel
    or name no annotator are reported (exit 1); the rest are stored in one transaction. Importing
    the same sheet twice adds nothing; a `labels export` imports back as it was."""
    from figscrape.annotate.sheets import SheetError, import_sheet

    try:
        report = import_sheet(engine(), path, annotator, diagnosis)
    except SheetError as exc:
        fail(str(exc))
    console.print(f"{escape(str(path))}: {report.added} labels added, {report.unchanged} unchanged, {report.without_label} rows without a label, "
                  f"{len(report.problems)} rows refused", highlight=False)
    for problem in report.problems[:50]:
        console.print(f"  [yellow]![/yellow] {escape(problem)}", highlight=False)
    if report.problems:
        raise typer.Exit(1)




@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the schema, or bring an older database up to this version of figscrape."""
    try:
        upgrade(make_engine(state.config.db_url))
    except DatabaseError as exc:
        fail(str(exc))
    except Exception as exc:  # any driver error: say which database and why
        fail(f"cannot upgrade {state.config.db_shown}: {without_password(str(exc), state.config.db_url)}")
    console.print(f"database at the newest schema: {state.config.db_shown}", highlight=False)

