"""`figscrape run`: every stage over whatever is new, in order (crawl, extract, split, classify):
the nightly cron job. A stage that fails as a whole is reported and the later stages still process
what is new; the summary says what each stage did and the exit code says whether any failed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from figscrape.config import Config
from figscrape.parallel import Workers
from figscrape.runs import RunLog, record_run
from figscrape.store import ObjectStore


@dataclass
class StageResult:
    stage: str
    ok: bool
    seconds: float
    counts: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def run_stage(engine: Engine, name: str, version: str, work: Callable[[RunLog], bool | None]) -> StageResult:
    """One stage in its own Run row; an exception fails this stage only."""
    started = time.monotonic()
    ok = True
    with record_run(engine, name, version) as run:
        try:
            ok = work(run) is not False
        except Exception as exc:  # the stage failed as a whole: say why, and let the next stages run
            ok = False
            run.errors.insert(0, f"{name} failed: {type(exc).__name__}: {exc}")
    return StageResult(name, ok, round(time.monotonic() - started, 1), dict(run.counts), run.errors[:20])


def run_pipeline(engine: Engine, store: ObjectStore, config: Config, crawl_options: object | None, workers: Workers = Workers()) -> list[StageResult]:
    """Crawl (unless crawl_options is None), extract, split and classify what is new, the last three on `workers`."""
    from figscrape.classify.model import load_filter
    from figscrape.classify.stage import run_classify
    from figscrape.extract.document import EXTRACTOR_VERSION
    from figscrape.extract.stage import run_extract
    from figscrape.split.panels import SPLITTER_VERSION
    from figscrape.split.stage import run_split

    results = []
    if crawl_options is not None:
        from figscrape.crawl.stage import run_crawl

        results.append(run_stage(engine, "crawl", "", lambda run: run_crawl(engine, store, config, crawl_options, run)))  # type: ignore[arg-type]
    results.append(run_stage(engine, "extract", EXTRACTOR_VERSION, lambda run: run_extract(engine, store, config, run, workers)))
    results.append(run_stage(engine, "split", SPLITTER_VERSION, lambda run: run_split(engine, store, run, workers)))
    flt = load_filter(config.data_home)
    results.append(run_stage(engine, "classify", flt.version, lambda run: run_classify(engine, store, flt, run, workers)))
    return results
