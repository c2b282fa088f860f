"""`figscrape run`: every stage over whatever is new, in the stage table's order (crawl, extract,
split, classify): the nightly cron job. A stage that fails as a whole is reported and the later
stages still process what is new; the summary says what each stage did and the exit code says
whether any failed."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from figscrape.pipeline.stages import STAGES, Stage, StageContext


@dataclass
class StageResult:
    stage: str
    ok: bool
    seconds: float
    counts: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def run_stage(stage: Stage, ctx: StageContext) -> StageResult:
    """One stage, timed; an exception fails this stage only."""
    started = time.monotonic()
    log = stage.run(ctx)
    return StageResult(stage.name, log.ok, round(time.monotonic() - started, 1), dict(log.counts), log.errors[:20])


def run_pipeline(ctx: StageContext) -> list[StageResult]:
    """Every stage over what is new; the crawl only when ctx carries crawl options."""
    return [run_stage(stage, ctx) for stage in STAGES if stage.name != "crawl" or ctx.crawl is not None]
