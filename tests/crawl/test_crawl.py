"""The crawler against a real local HTTP server with the faults the real sites give."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pymupdf
import pytest
from filelock import FileLock
from rxiv_server import FakeRxiv, fast_settings, record
from sqlalchemy import select
from typer.testing import CliRunner

from figscrape.cli import app
from figscrape.config import Config
from figscrape.crawl.api import RxivApi
from figscrape.crawl.categories import UnknownCategory, check_category
from figscrape.crawl.client import ClientSettings, PoliteClient
from figscrape.crawl.limiter import HostLimiter
from figscrape.crawl.query import DEFAULT_QUERY, compile_query
from figscrape.crawl.stage import MAX_PDF_ATTEMPTS, CrawlOptions, run_crawl
from figscrape.data.db import read_session
from figscrape.data.models import CrawlWindow, Paper, Pdf
from figscrape.runtime.runs import RunLog

TODAY = date(2020, 3, 31)


def tiny_pdf(text: str) -> bytes:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), text)
    return doc.tobytes()


@pytest.fixture
def rxiv() -> FakeRxiv:
    with FakeRxiv(retry_after=1, slow_seconds=2.0) as server:
        yield server


@pytest.fixture
def site_config(config: Config, rxiv: FakeRxiv) -> Config:
    return config.with_overrides(api_url=rxiv.url, medrxiv_url=rxiv.url, biorxiv_url=rxiv.url, rate=50.0)


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ClientSettings, "__init__", fast_settings)


def crawl(engine, store, config: Config, **kw) -> tuple[RunLog, bool]:  # noqa: ANN001
    options = CrawlOptions(servers=["medrxiv"], query=compile_query(DEFAULT_QUERY), since=date(2020, 3, 1), until=date(2020, 3, 7), **kw)
    run = RunLog("crawl")
    ok = run_crawl(engine, store, config, options, run, today=TODAY)
    return run, ok


def stored_pdfs(engine) -> list[tuple[str, int, str]]:  # noqa: ANN001
    with read_session(engine) as s:
        return s.execute(select(Paper.doi, Paper.version, Pdf.status).join(Pdf, Pdf.paper_id == Paper.id).order_by(Paper.doi, Paper.version)).all()


def test_pages_advance_by_their_own_count_and_every_version_is_one_paper(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    for i in range(70):
        rxiv.add("medrxiv", record(f"10.1101/2020.03.0{1 + i % 7}.{i:08d}", f"2020-03-0{1 + i % 7}"), tiny_pdf(f"paper {i}"))
    rxiv.add("medrxiv", record("10.1101/2020.03.01.00000000", "2020-03-02", version=2), tiny_pdf("paper 0 v2"))
    rxiv.add("medrxiv", record("10.1101/2020.03.05.99999999", "2020-03-05", title="Knee MRI"), tiny_pdf("off topic"))
    run, ok = crawl(engine, store, site_config)
    assert ok and run.counts["new_papers"] == 71 and run.counts["records_seen"] == 72
    rows = stored_pdfs(engine)
    assert len(rows) == 71 and all(status == "stored" for *_, status in rows)
    assert ("10.1101/2020.03.01.00000000", 2, "stored") in rows
    assert rxiv.requests_to("/details/") == 3  # 30 + 30 + 12 records
    with read_session(engine) as s:
        paper = s.scalar(select(Paper).where(Paper.version == 2))
        assert paper.license == "cc_by" and paper.category == "radiology and imaging" and paper.server == "medrxiv"
        blob = store.read(paper.pdf.sha256)
    assert blob == rxiv.pdfs["10.1101/2020.03.01.00000000v2"]  # byte-exact


def test_a_second_run_downloads_nothing_new(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    rxiv.add("medrxiv", record("10.1101/2020.03.02.1", "2020-03-02"), tiny_pdf("one"))
    crawl(engine, store, site_config)
    before = rxiv.requests_to("/content/")
    run, ok = crawl(engine, store, site_config)
    assert ok and run.counts["new_papers"] == 0 and rxiv.requests_to("/content/") == before


def test_faults_are_retried_and_retry_after_pauses_the_host(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    rxiv.add("medrxiv", record("10.1101/2020.03.02.1", "2020-03-02"), tiny_pdf("one"))
    rxiv.add("medrxiv", record("10.1101/2020.03.03.2", "2020-03-03"), tiny_pdf("two"))
    rxiv.faults["/details/medrxiv/2020-03-01/2020-03-07/0/json"] = ["empty", "503", "slow"]
    rxiv.faults[rxiv.pdf_path("10.1101/2020.03.02.1", 1)] = ["429", "500", "truncated"]
    started = time.monotonic()
    run, ok = crawl(engine, store, site_config)
    assert ok and [s for *_, s in stored_pdfs(engine)] == ["stored", "stored"]
    assert time.monotonic() - started >= 1.0  # Retry-After: 1 was honoured
    statuses = [status for _, path, status in rxiv.log if path.startswith("/details/")]
    assert statuses[:3] == [200, 503, 200] and len(statuses) == 4  # empty body, 503, stalled read, then the page


def test_bot_checks_are_never_stored_and_retries_are_bounded_across_runs(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    rxiv.add("medrxiv", record("10.1101/2020.03.02.1", "2020-03-02"), tiny_pdf("one"))
    path = rxiv.pdf_path("10.1101/2020.03.02.1", 1)
    rxiv.faults[path] = ["challenge"] * 100
    for run_no in range(MAX_PDF_ATTEMPTS + 2):
        run, ok = crawl(engine, store, site_config)
        assert ok
    with read_session(engine) as s:
        pdf = s.scalar(select(Pdf))
        assert pdf.status == "blocked" and pdf.sha256 is None and pdf.attempts == MAX_PDF_ATTEMPTS
        assert "bot check" in pdf.error and "gave up" in pdf.error
    assert rxiv.requests_to(path) == MAX_PDF_ATTEMPTS  # no request once given up
    assert not list(store.root.rglob("*")) or all(p.is_dir() for p in store.root.rglob("*"))


def test_403_challenge_marks_blocked_and_a_later_run_gets_the_pdf(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    rxiv.add("medrxiv", record("10.1101/2020.03.02.1", "2020-03-02"), tiny_pdf("one"))
    rxiv.faults[rxiv.pdf_path("10.1101/2020.03.02.1", 1)] = ["403"]
    crawl(engine, store, site_config)
    assert stored_pdfs(engine)[0][2] == "blocked"
    crawl(engine, store, site_config)
    assert stored_pdfs(engine)[0][2] == "stored"


def test_a_truncated_body_with_matching_length_is_not_a_pdf(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    rxiv.add("medrxiv", record("10.1101/2020.03.02.1", "2020-03-02"), tiny_pdf("one"))
    rxiv.faults[rxiv.pdf_path("10.1101/2020.03.02.1", 1)] = ["truncated"] * 3
    run, _ = crawl(engine, store, site_config)
    with read_session(engine) as s:
        pdf = s.scalar(select(Pdf))
        assert pdf.status == "failed" and "truncated PDF" in pdf.error
    assert run.counts["failed_downloads"] == 1
    assert not list((site_config.data_home / "tmp").glob("*"))  # no partial file left behind


def test_404_falls_back_to_the_landing_page_pdf_link(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    rxiv.add("medrxiv", record("10.1101/2020.03.02.1", "2020-03-02"), tiny_pdf("one"))
    rxiv.faults[rxiv.pdf_path("10.1101/2020.03.02.1", 1)] = ["404"]
    crawl(engine, store, site_config)
    assert stored_pdfs(engine)[0][2] == "stored"
    assert rxiv.requests_to("/content/early/") == 1


def test_no_posts_found_completes_the_window(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    run, ok = crawl(engine, store, site_config)
    assert ok and run.counts["new_papers"] == 0
    with read_session(engine) as s:
        assert s.scalar(select(CrawlWindow.done)) is True


def test_an_api_that_answers_nothing_fails_the_run(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    rxiv.faults["/details/medrxiv/2020-03-01/2020-03-07/0/json"] = ["empty"] * 10
    run, ok = crawl(engine, store, site_config)
    assert not ok and "empty body" in run.errors[0]


def test_without_dates_a_crawl_continues_after_the_last_finished_window(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    rxiv.add("medrxiv", record("10.1101/2020.03.02.1", "2020-03-02"), tiny_pdf("one"))
    rxiv.add("medrxiv", record("10.1101/2020.03.12.2", "2020-03-12"), tiny_pdf("two"))
    crawl(engine, store, site_config)  # 2020-03-01 .. 03-07
    options = CrawlOptions(servers=["medrxiv"], query=compile_query(DEFAULT_QUERY))
    run = RunLog("crawl")
    run_crawl(engine, store, site_config, options, run, today=date(2020, 3, 14))
    assert run.counts["new_papers"] == 1
    asked = [p for _, p, _ in rxiv.log if p.startswith("/details/")]
    assert "/details/medrxiv/2020-03-08/2020-03-14/0/json" in asked
    assert not any("2020-03-01/2020-03-07" in p for p in asked[1:])


def test_category_is_checked_before_it_is_sent() -> None:
    assert check_category("medrxiv", "Radiology_and_Imaging") == "radiology and imaging"
    with pytest.raises(UnknownCategory, match="did you mean 'radiology and imaging'"):
        check_category("medrxiv", "radiology & imagng")
    result = CliRunner().invoke(app, ["crawl", "--category", "radiolgy and imaging"])
    assert result.exit_code == 2 and "has no category" in result.output


def test_an_echo_of_all_for_a_category_is_refused(rxiv: FakeRxiv) -> None:
    rxiv.add("medrxiv", record("10.1101/2020.03.02.1", "2020-03-02", category="oncology"))
    api = RxivApi(PoliteClient(ClientSettings(rate=50)), rxiv.url)
    with pytest.raises(Exception, match="answered for 'all'"):
        api.details_page("medrxiv", date(2020, 3, 1), date(2020, 3, 7), 0, "radiology and imaging")


def test_the_limiter_allows_at_most_rate_requests_in_any_second() -> None:
    now = [0.0]
    limiter = HostLimiter(5, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    times = []
    for _ in range(23):
        limiter.acquire("h")
        times.append(now[0])
    assert max(sum(1 for t in times if a - 1 < t <= a) for a in times) == 5
    limiter.pause("h", 10)
    limiter.acquire("h")
    assert now[0] >= times[-1] + 10


def test_the_rate_holds_against_the_server(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    for i in range(12):
        rxiv.add("medrxiv", record(f"10.1101/2020.03.02.{i}", "2020-03-02"), tiny_pdf(str(i)))
    crawl(engine, store, site_config.with_overrides(rate=4.0))
    assert rxiv.max_per_second() <= 4


def test_a_second_crawl_while_one_runs_exits_0(site_config: Config) -> None:
    site_config.data_home.mkdir(parents=True, exist_ok=True)
    with FileLock(str(site_config.data_home / "crawl.lock")):
        result = CliRunner().invoke(app, ["crawl"])
    assert result.exit_code == 0 and "another crawl is in progress" in result.output


def test_kill_9_mid_crawl_loses_nothing_and_duplicates_nothing(rxiv: FakeRxiv, site_config: Config, tmp_path: Path) -> None:
    for i in range(40):
        rxiv.add("medrxiv", record(f"10.1101/2020.03.0{1 + i % 5}.{i}", f"2020-03-0{1 + i % 5}"), tiny_pdf(f"p{i}"))
    env = {**os.environ, "FIGSCRAPE_DATA": str(site_config.data_home), "FIGSCRAPE_API_URL": rxiv.url,
           "FIGSCRAPE_MEDRXIV_URL": rxiv.url, "FIGSCRAPE_RATE": "20"}
    cmd = [sys.executable, "-m", "figscrape.cli", "crawl", "--since", "2020-03-01", "--until", "2020-03-07"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while rxiv.requests_to("/content/") < 10 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    status = json.loads(subprocess.run([sys.executable, "-m", "figscrape.cli", "status", "--json"], env=env, capture_output=True, text=True).stdout)
    assert status["papers"] == 40 and status["pdfs_downloaded"] == 40
    objects = [p for p in (site_config.data_home / "objects").rglob("*") if p.is_file() and not p.name.startswith(".tmp-")]
    assert len(objects) == 40  # a write cut by the kill may leave a .tmp- file, never a file under a real name
    assert all(hashlib.sha256(p.read_bytes()).hexdigest() == p.name for p in objects)


def test_a_retry_after_longer_than_a_run_waits_is_honoured_by_not_asking(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    rxiv.add("medrxiv", record("10.1101/2020.03.02.1", "2020-03-02"), tiny_pdf("one"))
    rxiv.add("medrxiv", record("10.1101/2020.03.02.2", "2020-03-02"), tiny_pdf("two"))
    rxiv.retry_after = 3600
    rxiv.faults[rxiv.pdf_path("10.1101/2020.03.02.1", 1)] = ["429"]
    started = time.monotonic()
    run, ok = crawl(engine, store, site_config)
    assert ok and time.monotonic() - started < 30
    statuses = [s for *_, s in stored_pdfs(engine)]
    assert statuses.count("blocked") >= 1 and all(s in ("blocked", "stored") for s in statuses)
    pdf_requests = [t for t, path, _ in rxiv.log if path.startswith("/content/")]
    first_429 = next(t for t, path, status in rxiv.log if status == 429)
    assert all(t <= first_429 + 0.5 for t in pdf_requests)  # nothing more was asked of the host after it said to wait
    with read_session(engine) as s:
        assert any("Retry-After" in (p.error or "") for p in s.scalars(select(Pdf)))


def test_a_cut_api_body_is_retried_and_the_window_completes(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    for i in range(3):
        rxiv.add("medrxiv", record(f"10.1101/2020.03.02.{i}", "2020-03-02"), tiny_pdf(str(i)))
    first = "/details/medrxiv/2020-03-01/2020-03-07/0/json"
    rxiv.faults[first] = ["cut", "cut"]
    rxiv.faults[rxiv.pdf_path("10.1101/2020.03.02.0", 1)] = ["cut"]
    run, ok = crawl(engine, store, site_config)
    assert ok and run.counts["new_papers"] == 3 and [s for *_, s in stored_pdfs(engine)] == ["stored"] * 3
    assert rxiv.requests_to(first) == 3


def test_an_api_body_cut_on_every_attempt_fails_the_window_after_bounded_retries(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    rxiv.add("medrxiv", record("10.1101/2020.03.02.1", "2020-03-02"), tiny_pdf("one"))
    first = "/details/medrxiv/2020-03-01/2020-03-07/0/json"
    rxiv.faults[first] = ["cut"] * 10
    run, ok = crawl(engine, store, site_config)
    assert not ok and "cut short" in run.errors[0] and rxiv.requests_to(first) == 4


def test_a_whole_body_that_is_not_the_apis_json_fails_at_once(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    rxiv.files["/details/medrxiv/2020-03-01/2020-03-07/0/json"] = b'{"hello": "world"}'
    run, ok = crawl(engine, store, site_config)
    assert not ok and "not the API's JSON" in run.errors[0]
    assert rxiv.requests_to("/details/") == 1


def test_cut_landing_pages_and_jats_are_retried(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    xml = b'<?xml version="1.0"?><article><body><fig id="f1"><label>Figure 1</label><caption><p>Chest CT.</p></caption><graphic xlink:href="f1.tif" xmlns:xlink="http://www.w3.org/1999/xlink"/></fig></body></article>'
    rec = record("10.1101/2020.03.02.1", "2020-03-02")
    rec["jatsxml"] = f"{rxiv.url}/jats/1.source.xml"
    rxiv.add("medrxiv", rec, tiny_pdf("one"))
    rxiv.files["/jats/1.source.xml"] = xml
    rxiv.faults["/jats/1.source.xml"] = ["cut", "cut"]
    rxiv.faults[rxiv.pdf_path("10.1101/2020.03.02.1", 1)] = ["404"]
    rxiv.faults["/content/10.1101/2020.03.02.1v1"] = ["cut"]
    run, ok = crawl(engine, store, site_config, jats=True)
    assert ok and run.counts["jats"] == 1 and stored_pdfs(engine)[0][2] == "stored"
    assert rxiv.requests_to("/jats/") == 3 and rxiv.requests_to("/content/10.1101/2020.03.02.1v1") == 3  # landing: cut, whole; then the PDF it names
    with read_session(engine) as s:
        assert s.scalar(select(Paper.jats_figures))[0]["label"] == "Figure 1"


def test_dois_are_validated_before_a_url_is_built_from_them(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    from figscrape.crawl.download import pdf_url
    from figscrape.crawl.urls import RefusedUrl, valid_doi

    assert valid_doi("10.1101/2020.03.02.20029975") and valid_doi("10.64898/2026.09.13.26362948") and valid_doi("10.1101/012345")
    for bad in ("10.1101/../../admin", "10.1101/2020.03.02.1/../../x", "10.1101/2020.03.02.1?x=1", "10.5555/2020.03.02.1", "10.1101/2020.03.02.1\x00"):
        assert not valid_doi(bad)
        with pytest.raises(RefusedUrl):
            pdf_url(rxiv.url, bad, 1)
    rxiv.add("medrxiv", record("10.1101/../../../etc/passwd", "2020-03-02"))
    rxiv.add("medrxiv", record("10.1101/2020.03.02.1", "2020-03-02"), tiny_pdf("one"))
    run, ok = crawl(engine, store, site_config)
    assert ok and run.counts["new_papers"] == 1 and run.counts["records_refused"] == 1
    assert any("not a medRxiv/bioRxiv DOI" in e for e in run.errors)
    assert not any(".." in path for _, path, _ in rxiv.log)


def test_a_page_of_refused_records_does_not_end_the_window(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    for i in range(30):
        rxiv.add("medrxiv", record(f"10.1101/../{i}", "2020-03-02"))
    rxiv.add("medrxiv", record("10.1101/2020.03.03.1", "2020-03-03"), tiny_pdf("one"))
    run, ok = crawl(engine, store, site_config)
    assert ok and run.counts["new_papers"] == 1 and run.counts["records_refused"] == 30


def test_links_to_other_hosts_are_not_followed(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    with FakeRxiv() as elsewhere:
        elsewhere.files["/evil.xml"] = b"<article><fig><label>Figure 1</label></fig></article>"
        rec = record("10.1101/2020.03.02.1", "2020-03-02")
        rec["jatsxml"] = f"{elsewhere.url}/evil.xml"
        rxiv.add("medrxiv", rec, tiny_pdf("one"))
        rxiv.faults[rxiv.pdf_path("10.1101/2020.03.02.1", 1)] = ["404"]
        rxiv.files["/content/10.1101/2020.03.02.1v1"] = f'<html><head><meta name="citation_pdf_url" content="{elsewhere.url}/x.pdf"></head></html>'.encode()
        run, ok = crawl(engine, store, site_config, jats=True)
        assert elsewhere.log == []  # never asked
    assert run.counts["jats_failed"] == 1 and any("not on the configured hosts" in e for e in run.errors)
    with read_session(engine) as s:
        pdf = s.scalar(select(Pdf))
        assert pdf.status == "failed" and "not on the configured hosts" in pdf.error


def test_a_redirect_off_the_configured_hosts_is_refused() -> None:
    import threading

    from werkzeug.serving import make_server
    from werkzeug.wrappers import Response

    from figscrape.crawl.client import FetchError

    with FakeRxiv() as elsewhere:
        target = f"{elsewhere.url}/anything"
        server = make_server("127.0.0.1", 0, lambda env, start: Response("", 302, {"Location": target})(env, start), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            client = PoliteClient(ClientSettings(rate=50), hosts=frozenset({f"127.0.0.1:{server.server_port}"}))
            with pytest.raises(FetchError, match="off the configured hosts"):
                client.get(f"http://127.0.0.1:{server.server_port}/content/x")
        finally:
            server.shutdown()
        assert elsewhere.log == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_nul_in_a_doi_or_a_long_licence_does_not_fail_the_crawl(backend: str, request: pytest.FixtureRequest, rxiv: FakeRxiv, site_config: Config, store) -> None:  # noqa: ANN001
    from figscrape.data.db import open_database

    db = open_database(request.getfixturevalue("postgres_url")) if backend == "postgresql" else request.getfixturevalue("engine")
    rxiv.add("medrxiv", record("10.1101/2020.03.02.1\x00", "2020-03-02"))
    long_licence = record("10.1101/2020.03.02.2", "2020-03-02", title="COVID-19\x00 CT")
    long_licence["license"] = "cc_by " * 40
    long_licence["category"] = "x" * 300
    long_licence["date"] = "2020-03-02T00:00:00"  # still inside the window for the server; not a date for the column
    rxiv.add("medrxiv", long_licence, tiny_pdf("two"))
    rxiv.add("medrxiv", record("10.1101/2020.03.02.3", "2020-03-02"), tiny_pdf("three"))
    for _ in range(2):  # and again on the next run
        run, ok = crawl(db, store, site_config)
        assert ok, run.errors
    assert run.counts["new_papers"] == 0 and run.counts["records_refused"] == 1
    with read_session(db) as s:
        papers = {p.doi: p for p in s.scalars(select(Paper))}
        assert sorted(papers) == ["10.1101/2020.03.02.2", "10.1101/2020.03.02.3"]
        clipped = papers["10.1101/2020.03.02.2"]
        assert len(clipped.license) == 64 and len(clipped.category) == 255 and clipped.title == "COVID-19 CT" and clipped.date == "2020-03-02"
    assert any("clipped to its column's 64" in e for e in run.errors) and any("taken out of title" in e for e in run.errors)
    if backend == "postgresql":
        db.dispose()


def test_dry_run_prints_the_plan_and_writes_nothing(rxiv: FakeRxiv, site_config: Config, engine, store) -> None:  # noqa: ANN001
    fresh = CliRunner().invoke(app, ["crawl", "--dry-run", "--since", "2020-03-01", "--until", "2020-03-28"])
    assert fresh.exit_code == 0, fresh.output
    assert "dry run" in fresh.output and "4 windows" in fresh.output and "at least 4 API requests" in fresh.output
    rxiv.add("medrxiv", record("10.1101/2020.03.02.1", "2020-03-02"), tiny_pdf("one"))
    crawl(engine, store, site_config)  # an old crawl: 2020-03-01..07
    db_file = site_config.data_home / "figscrape.db"
    before, asked = db_file.read_bytes(), len(rxiv.log)
    result = CliRunner().invoke(app, ["crawl", "--dry-run"])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    weeks = len(range(date(2020, 3, 8).toordinal(), date.today().toordinal() + 1, 7))
    assert first.startswith("warning:") and f"at least {weeks} API requests" in first and ("minutes" in first or "hours" in first)
    assert "PDFs stored 1" in result.output
    assert db_file.read_bytes() == before and len(rxiv.log) == asked


def test_a_large_crawl_says_so_in_its_first_line(rxiv: FakeRxiv, site_config: Config) -> None:
    env = {"FIGSCRAPE_API_URL": rxiv.url, "FIGSCRAPE_MEDRXIV_URL": rxiv.url, "FIGSCRAPE_RATE": "1000"}
    result = CliRunner().invoke(app, ["crawl", "--since", "2012-01-01", "--until", "2020-01-01", "--metadata-only"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("warning: this crawl makes at least 418 API requests")


def test_categories_by_words_and_prefixes() -> None:
    assert check_category("medrxiv", "radiology") == "radiology and imaging"
    assert check_category("medrxiv", "radio imag") == "radiology and imaging"
    assert check_category("medrxiv", "infectious") == "infectious diseases (except hiv aids)"
    with pytest.raises(UnknownCategory, match="several medrxiv categories: 'health economics', 'health informatics'"):
        check_category("medrxiv", "health")
    result = CliRunner().invoke(app, ["crawl", "--category", "radiology", "--dry-run"])
    assert result.exit_code == 0, result.output
