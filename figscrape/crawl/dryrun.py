"""`figscrape crawl --dry-run`: what a crawl would do, read from the database and nothing written:
the servers, the date windows, the API requests they take at the least (one page per window; a
window of more than 30 papers takes more), the time that is at the configured rate, and the PDFs
already stored or still to fetch. A crawl of more than LARGE requests is said in the first line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Engine, func, select

from figscrape.crawl.stage import FIRST_CRAWL_DAYS, CrawlOptions, pending_downloads, plan, windows
from figscrape.data.db import read_session
from figscrape.data.models import Paper, Pdf

LARGE = 300  # API requests: more than this is said before anything else


@dataclass
class ServerPlan:
    server: str
    windows: list[tuple[date, date]] = field(default_factory=list)
    pdfs_stored: int = 0
    pdfs_to_fetch: int = 0


@dataclass
class CrawlPlan:
    servers: list[ServerPlan]
    rate: float

    @property
    def requests(self) -> int:
        return sum(len(s.windows) for s in self.servers)

    @property
    def seconds(self) -> float:
        return self.requests / self.rate if self.rate > 0 else 0.0

    @property
    def large(self) -> bool:
        return self.requests > LARGE

    def warning(self) -> str:
        """One line for a large crawl ("" otherwise)."""
        if not self.large:
            return ""
        first = min(w[0] for s in self.servers for w in s.windows)
        last = max(w[1] for s in self.servers for w in s.windows)
        return (f"warning: this crawl makes at least {self.requests} API requests ({first}..{last}, "
                f"{sum(len(s.windows) for s in self.servers)} weekly windows), about {_duration(self.seconds)} at "
                f"{self.rate:g} request/s; give --since/--until to crawl less")

    def lines(self) -> list[str]:
        out = [self.warning()] if self.large else []
        out.append(f"dry run: nothing is fetched or written; at least {self.requests} API requests, about {_duration(self.seconds)} at {self.rate:g} request/s")
        for s in self.servers:
            span = f"{s.windows[0][0]}..{s.windows[-1][1]}" if s.windows else "nothing new"
            out.append(f"{s.server}: {len(s.windows)} windows ({span}); PDFs stored {s.pdfs_stored}, to fetch {s.pdfs_to_fetch}")
        return out


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.1f} hours"


def crawl_plan(engine: Engine | None, options: CrawlOptions, rate: float, today: date) -> CrawlPlan:
    """The plan of a crawl; `engine` None is a data home without a database yet (a first crawl)."""
    out = []
    for server in options.servers:
        sp = ServerPlan(server)
        if engine is None:
            start = options.since or today - timedelta(days=FIRST_CRAWL_DAYS)
            sp.windows = windows(start, options.until or today)
        else:
            sp.windows = plan(engine, server, options, today)
            with read_session(engine) as s:
                counts = dict(s.execute(
                    select(Pdf.status, func.count()).join(Paper, Paper.id == Pdf.paper_id).where(Paper.server == server).group_by(Pdf.status)
                ).all())
            sp.pdfs_stored = counts.get("stored", 0)
            sp.pdfs_to_fetch = 0 if options.metadata_only else len(pending_downloads(engine, [server]))
        out.append(sp)
    return CrawlPlan(out, rate)
