"""`figscrape crawl`: metadata of new preprints from the API, then their PDFs, safe to run from cron.

Metadata is read in date windows of at most a week; each page's new papers and the window's
cursor are written in one transaction, so a crawl killed at any moment resumes where it stopped
and never stores a paper twice (one row per DOI + version). PDFs are downloaded to temporary
files outside the store, checked, and only then stored. A PDF that fails is retried on later
runs, a bounded number of times, with its reason kept."""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, and_, select, tuple_

from figscrape.config import Config
from figscrape.crawl.api import ApiError, Record, RxivApi
from figscrape.crawl.bodies import xml_cut
from figscrape.crawl.border import at_border
from figscrape.crawl.client import BodyCut, ClientSettings, FetchError, PoliteClient
from figscrape.crawl.download import DownloadError, download_pdf
from figscrape.crawl.jats import jats_figures
from figscrape.crawl.query import wanted
from figscrape.crawl.urls import hosts_of
from figscrape.data.db import read_session, write_session
from figscrape.data.models import CrawlWindow, Paper, Pdf
from figscrape.runtime.runs import RunLog, progress
from figscrape.store import ObjectStore

WINDOW_DAYS = 7
log = logging.getLogger(__name__)
FIRST_CRAWL_DAYS = 7  # a first crawl without --since looks back this far
MAX_PDF_ATTEMPTS = 5  # attempts across runs before a PDF is given up
DOWNLOAD_WORKERS = 4


@dataclass
class CrawlOptions:
    servers: list[str]
    query: re.Pattern[str]
    since: date | None = None
    until: date | None = None
    category: str | None = None
    max_papers: int | None = None
    metadata_only: bool = False
    jats: bool = False


def windows(start: date, end: date, days: int = WINDOW_DAYS) -> list[tuple[date, date]]:
    """[start, end] cut into consecutive windows of at most `days` days (both ends inclusive)."""
    out = []
    while start <= end:
        stop = min(end, start + timedelta(days=days - 1))
        out.append((start, stop))
        start = stop + timedelta(days=1)
    return out


def plan(engine: Engine, server: str, options: CrawlOptions, today: date) -> list[tuple[date, date]]:
    """The windows this run reads: unfinished ones first, then from --since (or after the last
    finished window, or a week back on a first crawl) to --until (or today)."""
    category = options.category or ""
    with read_session(engine) as s:
        rows = s.scalars(select(CrawlWindow).where(CrawlWindow.server == server, CrawlWindow.category == category)).all()
    unfinished = sorted((date.fromisoformat(r.start), date.fromisoformat(r.end)) for r in rows if not r.done)
    until = options.until or today
    if options.since is not None:
        return windows(options.since, until)
    finished = [date.fromisoformat(r.end) for r in rows if r.done]
    start = max(finished) + timedelta(days=1) if finished else today - timedelta(days=FIRST_CRAWL_DAYS)
    planned = windows(start, until) if start <= until else []
    return unfinished + [w for w in planned if w not in unfinished]


class Budget:
    """--max-papers: how many new papers this run may still add (None: no limit)."""

    def __init__(self, limit: int | None) -> None:
        self.left = limit

    def take(self, wanted_count: int) -> int:
        if self.left is None:
            return wanted_count
        n = min(self.left, wanted_count)
        self.left -= n
        return n

    @property
    def spent(self) -> bool:
        return self.left is not None and self.left <= 0


def _paper(record: Record) -> Paper:
    return Paper(
        server=record.server, doi=record.doi, version=record.version, title=record.title, authors=record.authors,
        corresponding_author=record.author_corresponding, institution=record.author_corresponding_institution,
        date=record.date or None, category=record.category, license=record.license, type=record.type,
        abstract=record.abstract, published=record.published, jatsxml_url=record.jatsxml, funder=record.funder,
        source="api",
    )


def store_page(engine: Engine, window_id: int, next_cursor: int, records: Iterable[Record], budget: Budget, options: CrawlOptions) -> tuple[int, int]:
    """Add the page's wanted, unseen records and move the window's cursor, in one transaction.
    Returns (new papers, records on the page)."""
    records = list(records)
    keep = [r for r in records if wanted(r, options.query, options.category)]
    unique = list({(r.doi, r.version): r for r in keep}.values())
    with write_session(engine) as s:
        known = set()
        if unique:
            known = set(s.execute(select(Paper.doi, Paper.version).where(tuple_(Paper.doi, Paper.version).in_([(r.doi, r.version) for r in unique]))).all())
        new = [r for r in unique if (r.doi, r.version) not in known]
        new = new[: budget.take(len(new))]
        for record in new:
            paper = _paper(record)
            paper.pdf = Pdf(status="pending")
            s.add(paper)
        window = s.get(CrawlWindow, window_id)
        assert window is not None
        window.next_cursor = next_cursor
        window.records_seen += len(records)
    return len(new), len(records)


def _window_row(engine: Engine, server: str, start: date, end: date, category: str, restart: bool) -> CrawlWindow:
    with write_session(engine) as s:
        row = s.scalar(
            select(CrawlWindow).where(
                CrawlWindow.server == server, CrawlWindow.start == start.isoformat(), CrawlWindow.end == end.isoformat(), CrawlWindow.category == category
            )
        )
        if row is None:
            row = CrawlWindow(server=server, start=start.isoformat(), end=end.isoformat(), category=category, next_cursor=0, done=False, records_seen=0)
            s.add(row)
        elif restart:
            row.next_cursor, row.done = 0, False
        s.flush()
        return row


def crawl_metadata(engine: Engine, api: RxivApi, server: str, options: CrawlOptions, run: RunLog, today: date, budget: Budget) -> None:
    """Read every planned window of one server; an API that fails stops this server's crawl (raised)."""
    planned = plan(engine, server, options, today)
    category = options.category or ""
    with progress() as bar:
        task = bar.add_task(f"{server} metadata", total=len(planned))
        for start, end in planned:
            if budget.spent:
                run.skip(f"{server} {start}..{end}", "--max-papers reached")
                break
            row = _window_row(engine, server, start, end, category, restart=options.since is not None)
            if row.done:
                bar.advance(task)
                continue
            for next_cursor, page in api.pages(server, start, end, row.next_cursor, options.category):
                for reason in page.refused:
                    log.warning("%s", reason)
                    run.errors.append(reason)
                for warning in page.warnings:
                    log.warning("%s", warning)
                    run.errors.append(warning)
                run.counts.update({"records_refused": len(page.refused), "records_cleaned": len(page.warnings)})
                run.counts += Counter()  # no zero counts in the summary
                new, seen = store_page(engine, row.id, next_cursor, page.records, budget, options)
                run.counts["new_papers"] += new
                run.counts["records_seen"] += seen
                if budget.spent:
                    break
            if end < today and not budget.spent:  # today's window grows until the day is over
                with write_session(engine) as s:
                    window = s.get(CrawlWindow, row.id)
                    assert window is not None
                    window.done = True
            bar.advance(task)


def pending_downloads(engine: Engine, servers: list[str]) -> list[int]:
    with read_session(engine) as s:
        return list(
            s.scalars(
                select(Pdf.id).join(Paper, Paper.id == Pdf.paper_id)
                .where(Paper.server.in_(servers), Pdf.status.in_(("pending", "blocked", "failed")), Pdf.attempts < MAX_PDF_ATTEMPTS)
                .order_by(Pdf.id)
            )
        )


def fetch_one(engine: Engine, store: ObjectStore, client: PoliteClient, config: Config, pdf_id: int, tmp_dir: Path, run: RunLog, lock: threading.Lock) -> None:
    with read_session(engine) as s:
        pdf = s.get(Pdf, pdf_id)
        assert pdf is not None
        doi, version, server = pdf.paper.doi, pdf.paper.version, pdf.paper.server
    site = config.medrxiv_url if server == "medrxiv" else config.biorxiv_url
    label = f"{doi}v{version}"
    try:
        path = download_pdf(client, site, doi, version, tmp_dir, attempts=3)
    except DownloadError as exc:
        with write_session(engine) as s:
            pdf = s.get(Pdf, pdf_id)
            assert pdf is not None
            pdf.attempts += 1
            pdf.status = "blocked" if exc.blocked else "failed"
            gave_up = pdf.attempts >= MAX_PDF_ATTEMPTS
            pdf.error = exc.reason + (f" (gave up after {pdf.attempts} runs)" if gave_up else "")
        with lock:
            run.counts["blocked" if exc.blocked else "failed_downloads"] += 1
            run.errors.append(f"{label}: {exc.reason}")
        return
    try:
        sha = store.put_file(path)
        size = path.stat().st_size
    finally:
        path.unlink(missing_ok=True)
    with write_session(engine) as s:
        pdf = s.get(Pdf, pdf_id)
        assert pdf is not None
        pdf.sha256, pdf.size, pdf.status, pdf.error = sha, size, "stored", ""
        pdf.attempts += 1
    with lock:
        run.counts["pdfs_downloaded"] += 1


def download_all(engine: Engine, store: ObjectStore, client: PoliteClient, config: Config, servers: list[str], run: RunLog) -> None:
    ids = pending_downloads(engine, servers)
    tmp_dir = config.data_home / "tmp"
    lock = threading.Lock()
    with progress() as bar, ThreadPoolExecutor(DOWNLOAD_WORKERS) as pool:
        task = bar.add_task("PDFs", total=len(ids))
        futures = [pool.submit(fetch_one, engine, store, client, config, i, tmp_dir, run, lock) for i in ids]
        for future in futures:
            future.result()
            bar.advance(task)


def _whole_xml(response) -> None:  # noqa: ANN001 - a requests.Response
    if xml_cut(response.content):
        raise BodyCut(f"XML stops after {len(response.content)} bytes")


def fetch_jats(engine: Engine, client: PoliteClient, servers: list[str], run: RunLog) -> None:
    """Figures of record (label, caption, image file) from each new paper's JATS XML."""
    with read_session(engine) as s:
        todo = s.execute(
            select(Paper.id, Paper.jatsxml_url).where(Paper.server.in_(servers), Paper.jats_figures.is_(None), and_(Paper.jatsxml_url != ""))
        ).all()
    for paper_id, url in todo:
        try:
            found = jats_figures(client.get(url, check=_whole_xml).content)
        except FetchError as exc:
            run.errors.append(f"JATS {url}: {exc.reason}")
            run.counts["jats_failed"] += 1
            continue
        figures = []
        for n, fig in enumerate(found, 1):
            fig, changed = at_border(fig, f"JATS {url} figure {n}")
            run.errors.extend(changed)
            figures.append(fig.as_dict())
        with write_session(engine) as s:
            paper = s.get(Paper, paper_id)
            assert paper is not None
            paper.jats_figures = figures
        run.counts["jats"] += 1


def run_crawl(engine: Engine, store: ObjectStore, config: Config, options: CrawlOptions, run: RunLog, today: date | None = None) -> bool:
    """Crawl metadata, then JATS and PDFs. False when some server's metadata could not be read at all."""
    today = today or date.today()
    store.sweep_temp()
    client = PoliteClient(ClientSettings(rate=config.rate, contact=config.contact),
                          hosts=hosts_of([config.api_url, config.medrxiv_url, config.biorxiv_url]))
    api = RxivApi(client, config.api_url)
    budget = Budget(options.max_papers)
    ok = True
    for server in options.servers:
        try:
            crawl_metadata(engine, api, server, options, run, today, budget)
        except (FetchError, ApiError) as exc:
            ok = False
            run.errors.append(f"{server} metadata: {exc}")
            run.counts["api_failures"] += 1
    if options.jats:
        fetch_jats(engine, client, options.servers, run)
    if not options.metadata_only:
        download_all(engine, store, client, config, options.servers, run)
    run.counts["requests"] = client.requests_sent
    return ok
