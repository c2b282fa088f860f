"""Ingest reads where a PDF came from: the rxiv stamp, metadata, the file name; and meets the crawl's row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pymupdf
import pytest
from conftest import shared_corpus
from rxiv_server import FakeRxiv, record
from sqlalchemy import func, select

from figscrape.config import Config
from figscrape.crawl.ingest import ingest_paths
from figscrape.crawl.provenance import from_file_name, licence_code, read_provenance
from figscrape.crawl.query import DEFAULT_QUERY, compile_query
from figscrape.crawl.stage import CrawlOptions, run_crawl
from figscrape.data.db import read_session
from figscrape.data.models import Paper
from figscrape.runtime.runs import RunLog

CORPUS = Path("/work/shared/corpus/pdfs")
NEW_STAMP = ("medRxiv preprint doi: https://doi.org/10.1101/2020.03.02.20030001; this version posted March 4, 2020. The copyright holder for this preprint",
             "(which was not certified by peer review) is the author/funder, who has granted medRxiv a license to display the preprint in perpetuity.",
             "It is made available under a CC-BY-NC-ND 4.0 International license .")
OLD_STAMP = ("bioRxiv preprint first posted online Jun. 22, 2017; doi: http://dx.doi.org/10.1101/153585. The copyright holder for this preprint",
             "(which was not peer-reviewed) is the author/funder. All rights reserved. No reuse allowed without permission.")


def stamped_pdf(path: Path, stamp: tuple[str, ...], title: str = "Chest CT in a cohort", body: str = "Body text.", metadata_title: str = "") -> Path:
    doc = pymupdf.open()
    page = doc.new_page()
    for i, line in enumerate(stamp):
        page.insert_text((20, 14 + 8 * i), line, fontsize=5)
    page.insert_text((72, 120), title, fontsize=18)
    page.insert_text((72, 160), body, fontsize=10)
    page.insert_text((72, 175), "More body text.", fontsize=10)
    doc.set_metadata({"title": metadata_title, "author": "Doe, J."})
    doc.save(path)
    return path


def rows(engine) -> list[Paper]:  # noqa: ANN001
    with read_session(engine) as s:
        papers = s.scalars(select(Paper).order_by(Paper.id)).all()
        for p in papers:
            _ = p.pdf
        return papers


def test_the_stamp_gives_server_doi_date_and_licence(tmp_path: Path) -> None:
    found = read_provenance(stamped_pdf(tmp_path / "paper.pdf", NEW_STAMP))
    assert (found.server, found.doi, found.version, found.date, found.license) == ("medrxiv", "10.1101/2020.03.02.20030001", None, "2020-03-04", "cc_by_nc_nd")
    assert found.title == "Chest CT in a cohort" and found.authors == "Doe, J."
    old = read_provenance(stamped_pdf(tmp_path / "old.pdf", OLD_STAMP, metadata_title="Hippocampal responses"))
    assert (old.server, old.doi, old.date, old.license, old.title) == ("biorxiv", "10.1101/153585", "2017-06-22", "cc_no", "Hippocampal responses")
    plain = read_provenance(stamped_pdf(tmp_path / "plain.pdf", ()))
    assert (plain.server, plain.doi, plain.license) == ("local", "", "")


@pytest.mark.parametrize(("sentence", "code"), [
    ("It is made available under a CC-BY 4.0 International license .", "cc_by"),
    ("It is made available under aCC-BY-NC 4.0 International license.", "cc_by_nc"),
    ("It is made available under a CC-BY-ND 4.0 International license .", "cc_by_nd"),
    ("It is made available under a CC0 1.0 Universal public domain dedication.", "cc0"),
    ("who has granted bioRxiv a license to display the preprint in perpetuity. All rights reserved. No reuse allowed without permission.", "cc_no"),
    ("cc_by_nc_nd", "cc_by_nc_nd"),
])
def test_licence_sentences_map_to_the_api_codes(sentence: str, code: str) -> None:
    assert licence_code(sentence) == code


def test_file_names_give_doi_and_version() -> None:
    named = from_file_name("2020.03.22.20040782v1.full.pdf")
    assert (named.server, named.doi, named.version) == ("medrxiv", "10.1101/2020.03.22.20040782", 1)
    assert (from_file_name("biorxiv_153585.pdf").doi, from_file_name("2024.12.11.628077v3.full.pdf").version) == ("10.1101/153585", 3)
    assert from_file_name("scan_123456.pdf") is None and from_file_name("report.pdf") is None


def test_ingest_keys_a_stamped_pdf_by_doi_and_the_name_gives_the_version(tmp_path: Path, engine, store) -> None:  # noqa: ANN001
    pdf = stamped_pdf(tmp_path / "2020.03.02.20030001v2.full.pdf", NEW_STAMP)
    plain = stamped_pdf(tmp_path / "plain.pdf", (), title="A local paper")
    ingest_paths(engine, store, [pdf, plain], RunLog("ingest"))
    again = RunLog("ingest")
    ingest_paths(engine, store, [pdf, plain], again)
    assert again.counts["skipped"] == 2
    stamped, local = rows(engine)
    assert (stamped.server, stamped.doi, stamped.version, stamped.date, stamped.license) == ("medrxiv", "10.1101/2020.03.02.20030001", 2, "2020-03-04", "cc_by_nc_nd")
    assert stamped.title == "Chest CT in a cohort" and stamped.pdf.status == "stored"
    assert local.server == "local" and local.doi.startswith("local/") and local.title == "A local paper"


def test_a_second_pdf_claiming_the_same_doi_is_kept_as_local(tmp_path: Path, engine, store) -> None:  # noqa: ANN001
    one = stamped_pdf(tmp_path / "one.pdf", NEW_STAMP, body="one")
    two = stamped_pdf(tmp_path / "two.pdf", NEW_STAMP, body="two")
    run = RunLog("ingest")
    ingest_paths(engine, store, [one, two], run)
    assert run.counts["ingested"] == 2 and run.counts["doi_taken"] == 1
    assert [p.server for p in rows(engine)] == ["medrxiv", "local"]


def test_an_old_local_row_is_keyed_by_its_doi_when_ingested_again(tmp_path: Path, engine, store, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    import figscrape.crawl.ingest as ingest

    pdf = stamped_pdf(tmp_path / "paper.pdf", NEW_STAMP)
    with monkeypatch.context() as m:  # as ingest did before it read stamps
        m.setattr(ingest, "read_provenance", lambda path: ingest.Provenance())
        ingest_paths(engine, store, [pdf], RunLog("ingest"))
    assert rows(engine)[0].server == "local"
    ingest_paths(engine, store, [pdf], RunLog("ingest"))
    (paper,) = rows(engine)
    assert (paper.server, paper.doi, paper.version, paper.title) == ("medrxiv", "10.1101/2020.03.02.20030001", 1, "Chest CT in a cohort")


@pytest.fixture
def rxiv() -> FakeRxiv:
    with FakeRxiv() as server:
        yield server


def crawl(engine, store, config: Config, rxiv: FakeRxiv) -> None:  # noqa: ANN001
    site = config.with_overrides(api_url=rxiv.url, medrxiv_url=rxiv.url, biorxiv_url=rxiv.url, rate=50.0)
    options = CrawlOptions(servers=["medrxiv"], query=compile_query(DEFAULT_QUERY), since=date(2020, 3, 1), until=date(2020, 3, 7))
    run_crawl(engine, store, site, options, RunLog("crawl"), today=date(2020, 3, 8))


def paper_count(engine) -> int:  # noqa: ANN001
    with read_session(engine) as s:
        return s.scalar(select(func.count(Paper.id)))


def test_crawl_then_ingest_gives_the_crawled_row_its_pdf(tmp_path: Path, config: Config, engine, store, rxiv: FakeRxiv) -> None:  # noqa: ANN001
    rxiv.add("medrxiv", record("10.1101/2020.03.02.20030001", "2020-03-04"))  # the API knows it; the site gives no PDF
    crawl(engine, store, config, rxiv)
    assert rows(engine)[0].pdf.status != "stored"
    ingest_paths(engine, store, [stamped_pdf(tmp_path / "downloaded-by-hand.pdf", NEW_STAMP)], RunLog("ingest"))
    (paper,) = rows(engine)
    assert paper.pdf.status == "stored" and paper.title == "COVID-19 pneumonia on chest CT" and paper.license == "cc_by"  # the API's words kept


def test_ingest_then_crawl_gives_one_row_and_no_download(tmp_path: Path, config: Config, engine, store, rxiv: FakeRxiv) -> None:  # noqa: ANN001
    ingest_paths(engine, store, [stamped_pdf(tmp_path / "paper.pdf", NEW_STAMP)], RunLog("ingest"))
    rxiv.add("medrxiv", record("10.1101/2020.03.02.20030001", "2020-03-04"), b"%PDF-1.4 other bytes")
    crawl(engine, store, config, rxiv)
    assert paper_count(engine) == 1 and rxiv.requests_to("/content/") == 0


def test_the_real_stamped_corpus_pdfs() -> None:
    folder = CORPUS if CORPUS.exists() else shared_corpus("pdfs")  # a worktree's ../shared is not /work/shared
    med = read_provenance(folder / "medrxiv_2020.04.24.20077800.pdf")
    assert (med.server, med.doi, med.date, med.license) == ("medrxiv", "10.1101/2020.04.24.20077800", "2020-05-04", "cc_by")
    old = read_provenance(folder / "biorxiv_153585.pdf")
    assert (old.server, old.doi, old.date, old.license) == ("biorxiv", "10.1101/153585", "2017-06-22", "cc_by")
    new = read_provenance(folder / "biorxiv_2024.12.11.628077.pdf")
    assert (new.server, new.doi, new.date, new.license) == ("biorxiv", "10.1101/2024.12.11.628077", "2024-12-17", "cc_by_nc")
    assert read_provenance(folder / "other_fgene_2019_00366.pdf").server == "local"
