"""Crawl benchmark: `figscrape crawl` against a local rxiv server that injects faults, beside a
naive crawler (plain requests, one try, whatever comes back with HTTP 200 is kept) in the same run.
Faults include API pages cut short with a matching Content-Length ("cut"), which must be retried:
the crawl must succeed (every API window read) and, after the next run, hold every good PDF.

Prints metadata papers/s, PDFs/s, requests per stored PDF, peak memory, whether every good PDF was
stored byte-exact and no broken body was stored, and the largest number of requests the server
saw in any one-second window against the configured limit.

    python benchmarks/crawl_bench.py [--papers 2000] [--fault-rate 0.1] [--rate 200]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pymupdf
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from rxiv_server import FakeRxiv, record  # noqa: E402

from figscrape.config import load_config  # noqa: E402
from figscrape.crawl.query import DEFAULT_QUERY, compile_query  # noqa: E402
from figscrape.crawl.stage import CrawlOptions, run_crawl  # noqa: E402
from figscrape.data.db import open_database, read_session  # noqa: E402
from figscrape.data.models import Paper, Pdf  # noqa: E402
from figscrape.runtime.runs import RunLog  # noqa: E402
from figscrape.store import ObjectStore  # noqa: E402


def make_pdf(i: int) -> bytes:
    doc = pymupdf.open()
    for p in range(3):
        doc.new_page().insert_text((72, 72 + p), f"Preprint {i}, page {p + 1}. COVID-19 chest CT." * 3)
    return doc.tobytes()


def populate(server: FakeRxiv, n: int) -> None:
    for i in range(n):
        day = date(2020, 3, 1 + i % 28)
        server.add("medrxiv", record(f"10.1101/2020.03.{day.day:02d}.{20000000 + i}", day.isoformat()), make_pdf(i))


def naive_crawl(url: str, n_days: int, folder: Path) -> dict:
    """One request per page and per PDF, no retries, no checks: what a quick script does."""
    stored, broken, missing, sent = 0, 0, 0, 0
    records = []
    for day in range(1, n_days + 1, 7):
        start, end = date(2020, 3, day), date(2020, 3, min(day + 6, n_days))
        cursor = 0
        while True:
            sent += 1
            try:
                data = requests.get(f"{url}/details/medrxiv/{start}/{end}/{cursor}/json", timeout=10).json()
            except Exception:  # the naive script gives up on the window
                break
            page = data.get("collection") or []
            if not page:
                break
            records += page
            cursor += 100  # the documented page size: skips records when the server sends 30
    for r in records:
        sent += 1
        try:
            response = requests.get(f"{url}/content/{r['doi']}v{r['version']}.full.pdf", timeout=10)
        except Exception:
            missing += 1
            continue
        if response.status_code != 200:
            missing += 1
            continue
        (folder / f"{stored + broken}.pdf").write_bytes(response.content)
        if response.content.startswith(b"%PDF-") and b"%%EOF" in response.content[-1024:]:
            stored += 1
        else:
            broken += 1
    return {"records": len(records), "stored": stored, "broken": broken, "missing": missing, "requests": sent}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=2000)
    parser.add_argument("--fault-rate", type=float, default=0.1)
    parser.add_argument("--rate", type=float, default=200.0, help="FIGSCRAPE_RATE: requests per second per host")
    args = parser.parse_args()
    print(f"crawl benchmark: {args.papers} papers, fault rate {args.fault_rate:.0%}, limit {args.rate:g} requests/s")
    with tempfile.TemporaryDirectory() as tmp, FakeRxiv(fault_rate=args.fault_rate, seed=7, slow_seconds=1.5, retry_after=1) as server:
        populate(server, args.papers)
        config = load_config({"FIGSCRAPE_DATA": f"{tmp}/data", "FIGSCRAPE_API_URL": server.url, "FIGSCRAPE_MEDRXIV_URL": server.url, "FIGSCRAPE_RATE": str(args.rate)})
        engine = open_database(config.db_url)
        store = ObjectStore(config.store_root)
        options = CrawlOptions(servers=["medrxiv"], query=compile_query(DEFAULT_QUERY), since=date(2020, 3, 1), until=date(2020, 3, 28), metadata_only=True)
        run = RunLog("crawl")
        t0 = time.perf_counter()
        meta_ok = run_crawl(engine, store, config, options, run, today=date(2020, 4, 30))
        t_meta = time.perf_counter() - t0
        options.metadata_only = False
        run2 = RunLog("crawl")
        t1 = time.perf_counter()
        pdf_ok = run_crawl(engine, store, config, options, run2, today=date(2020, 4, 30))
        t_pdf = time.perf_counter() - t1
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with read_session(engine) as s:
            rows = s.execute(select_rows()).all()
        exact = sum(1 for doi, version, sha in rows if sha and store.read(sha) == server.pdfs[f"{doi}v{version}"])
        stored = sum(1 for *_, sha in rows if sha)
        wrong = stored - exact
        per_second = server.max_per_second()
        requests_total = run.counts["requests"] + run2.counts["requests"]
        run3 = RunLog("crawl")  # the next cron run retries what was blocked or failed
        next_ok = run_crawl(engine, store, config, options, run3, today=date(2020, 4, 30))
        later_runs = 0
        while next_ok and later_runs < 3 and run3.counts.get("failed_downloads", 0) + run3.counts.get("blocked", 0):
            later = RunLog("crawl")  # cron runs again: what is still blocked or failed is retried (bounded across runs)
            next_ok = run_crawl(engine, store, config, options, later, today=date(2020, 4, 30))
            later_runs += 1
            if not later.counts.get("failed_downloads", 0) + later.counts.get("blocked", 0):
                break
        with read_session(engine) as s:
            final = s.execute(select_rows()).all()
        api_faults = {k: v for k, v in sorted(server.served.items()) if k.startswith("api ")}
        per_second = max(per_second, server.max_per_second())
        server.fault_rate, server.log = args.fault_rate, []
        naive = naive_crawl(server.url, 28, Path(tmp))

        print(f"\n{'crawler':<12} {'papers':>7} {'meta/s':>7} {'PDFs':>6} {'PDF/s':>6} {'broken kept':>11} {'failed':>6} {'req/PDF':>8} {'max req/1s':>10} {'peak MB':>8}")
        print(
            f"{'figscrape':<12} {len(rows):7d} {len(rows) / t_meta:7.1f} {stored:6d} {stored / t_pdf:6.1f} {wrong:11d} "
            f"{len(rows) - stored:6d} {requests_total / max(1, stored):8.2f} {per_second:>10} {peak:8.0f}"
        )
        print(
            f"{'naive':<12} {naive['records']:7d} {'':>7} {naive['stored']:6d} {'':>6} {naive['broken']:11d} "
            f"{naive['missing']:6d} {naive['requests'] / max(1, naive['stored']):8.2f} {'':>10} {'':>8}"
        )
        print(f"\nbyte-exact: {exact} of {stored} stored PDFs; limit {args.rate:g}/s, largest 1-s window {per_second} ({'held' if per_second <= args.rate else 'EXCEEDED'})")
        print(f"figscrape failures kept with reasons: {run2.counts.get('failed_downloads', 0)} failed, {run2.counts.get('blocked', 0)} blocked")
        print(f"next run: {run3.counts.get('pdfs_downloaded', 0)} of them downloaded, {run3.counts.get('new_papers', 0)} new papers, "
              f"{run3.counts.get('failed_downloads', 0) + run3.counts.get('blocked', 0)} still failing")
        held = sum(1 for doi, version, sha in final if sha and store.read(sha) == server.pdfs[f"{doi}v{version}"])
        ok = meta_ok and pdf_ok and next_ok and len(final) == args.papers and held == args.papers
        print(f"runs exit 0: {meta_ok and pdf_ok and next_ok} (API failures: {run.counts.get('api_failures', 0)}); "
              f"papers {len(final)} of {args.papers}; good PDFs stored after the next run (+{later_runs} more): {held} of {args.papers}; "
              f"API faults served and retried: {api_faults}")
        if not ok:
            sys.exit(1)


def select_rows():  # noqa: ANN201
    from sqlalchemy import select

    return select(Paper.doi, Paper.version, Pdf.sha256).join(Pdf, Pdf.paper_id == Paper.id)


if __name__ == "__main__":
    main()
