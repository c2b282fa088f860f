"""The stage table: every stage of `figscrape run`, in order, with what it reads and writes, its
version and one way to run it. The CLI's stage commands, `run`, `demo` and `status` all go through
this table, so a stage is wired in one place. Versions are read without importing a stage's heavy
code (PyMuPDF, OpenCV, torch): `figscrape --help` and `status` stay fast."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from figscrape.classify.active import active_version
from figscrape.config import Config
from figscrape.extract import EXTRACTOR_VERSION
from figscrape.runtime.disk import stops
from figscrape.runtime.parallel import Workers
from figscrape.runtime.runs import RunLog, record_run
from figscrape.split import SPLITTER_VERSION
from figscrape.store import Store

if TYPE_CHECKING:
    from figscrape.crawl.stage import CrawlOptions


@dataclass(frozen=True)
class StageContext:
    """What any stage may use: the database, the file store, the configuration, where work runs,
    and the crawl's own options (None: no crawl this time)."""

    engine: Engine
    store: Store
    config: Config
    workers: Workers = Workers()
    crawl: CrawlOptions | None = None


@dataclass(frozen=True)
class Stage:
    name: str
    reads: str
    writes: str
    version: Callable[[Config], str]  # recorded with each run and with every row the stage makes
    work: Callable[[StageContext, RunLog], bool | None]  # False: the stage failed as a whole

    def run(self, ctx: StageContext) -> RunLog:
        """Run the stage in its own Run row. An exception fails the stage as a whole: its Run row
        and the log say why, and the caller goes on (the next stage, or a non-zero exit); a full or
        read-only disk (runtime.disk) is raised on, after its Run row is written."""
        with record_run(ctx.engine, self.name, self.version(ctx.config)) as log:
            try:
                log.ok = self.work(ctx, log) is not False
            except Exception as exc:  # noqa: BLE001 - reported in the Run row and by the caller
                log.ok = False
                log.errors.insert(0, f"{self.name} failed: {type(exc).__name__}: {exc}")
                if stops(exc):  # a full or read-only disk: every later stage would fail too; the CLI says it in one line
                    raise
        return log


def _crawl(ctx: StageContext, log: RunLog) -> bool:
    from figscrape.crawl.stage import run_crawl

    if ctx.crawl is None:
        raise ValueError("the crawl stage needs its options")
    return run_crawl(ctx.engine, ctx.store, ctx.config, ctx.crawl, log)


def _extract(ctx: StageContext, log: RunLog) -> None:
    from figscrape.extract.stage import run_extract

    run_extract(ctx.engine, ctx.store, ctx.config, log, ctx.workers)


def _split(ctx: StageContext, log: RunLog) -> None:
    from figscrape.split.stage import run_split

    run_split(ctx.engine, ctx.store, log, ctx.workers)


def _classify(ctx: StageContext, log: RunLog) -> None:
    from figscrape.classify.model import load_filter
    from figscrape.classify.stage import run_classify

    run_classify(ctx.engine, ctx.store, load_filter(ctx.config.data_home), log, ctx.workers)


STAGES: tuple[Stage, ...] = (
    Stage("crawl", "the rxiv API, the sites' PDFs", "papers, pdfs, PDF files", lambda config: "", _crawl),
    Stage("extract", "pdfs, PDF files", "figures, figure images", lambda config: EXTRACTOR_VERSION, _extract),
    Stage("split", "figures, figure images", "panels, panel images", lambda config: SPLITTER_VERSION, _split),
    Stage("classify", "panels, panel images", "panels.ct_score", lambda config: active_version(config.data_home), _classify),
)
BY_NAME = {stage.name: stage for stage in STAGES}
