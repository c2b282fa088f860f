"""The MECA crawler against a real S3 protocol: moto's server on a local port, holding bundles the
tests build (and the real medRxiv bundle of the shared corpus, where present)."""

from __future__ import annotations

import re

import pytest
from conftest import shared_corpus
from meca_bundles import BundleSpec, make_bundle
from sqlalchemy import select
from typer.testing import CliRunner

from figscrape.cli import app
from figscrape.config import load_config
from figscrape.crawl.query import DEFAULT_QUERY
from figscrape.crawl.s3 import S3Options, crawl_s3, month_prefix, month_range
from figscrape.data.db import read_session, write_session
from figscrape.data.models import Bundle, Paper, Pdf
from figscrape.runtime.runs import RunLog
from figscrape.synthetic.papers import make_paper

runner = CliRunner()
BUCKET = "medrxiv-src-monthly"
MARCH = "Current_Content/March_2020/"


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    return make_paper(404, figures=2).pdf


def _options(**kw) -> S3Options:  # noqa: ANN003
    return S3Options(servers=["medrxiv"], months=["2020-03"], query=re.compile(DEFAULT_QUERY, re.I), **kw)


def _crawl(engine, store, options: S3Options) -> RunLog:  # noqa: ANN001
    run = RunLog("crawl-s3")
    crawl_s3(engine, store, load_config(), options, run)
    return run


def test_months_name_the_buckets_folders() -> None:
    assert month_range("2020-11..2021-02") == ["2020-11", "2020-12", "2021-01", "2021-02"]
    assert month_prefix("2020-03") == MARCH
    with pytest.raises(ValueError):
        month_range("2020-13")


def test_a_month_of_bundles_good_and_bad(s3, engine, store, pdf_bytes: bytes) -> None:  # noqa: ANN001
    bundles = {
        "good.meca": make_bundle(BundleSpec("10.1101/2020.03.20.20039999", pdf=pdf_bytes, figure_size=(1600, 1200))),
        "nested.meca": make_bundle(BundleSpec("10.1101/2020.03.21.20040001", 2, pdf=pdf_bytes, nested=True, messy_xml=True)),
        "again.meca": make_bundle(BundleSpec("10.1101/2020.03.20.20039999", pdf=pdf_bytes, figure_size=(1600, 1200))),  # the same DOI + version
        "nopdf.meca": make_bundle(BundleSpec("10.1101/2020.03.22.20040002", pdf=None)),
        "badjats.meca": make_bundle(BundleSpec("10.1101/2020.03.22.20040003", pdf=pdf_bytes, malformed_jats=True)),
        "notpdf.meca": make_bundle(BundleSpec("10.1101/2020.03.22.20040004", pdf=b"<html><title>Just a moment...</title></html>")),
        "cardio.meca": make_bundle(BundleSpec("10.1101/2020.03.23.20040005", title="Heart failure in a cohort", abstract="Cardiology.", pdf=pdf_bytes)),
    }
    whole = make_bundle(BundleSpec("10.1101/2020.03.24.20040006", pdf=pdf_bytes))
    bundles["truncated.meca"] = whole[: len(whole) // 2]
    for name, data in bundles.items():
        s3.put_object(Bucket=BUCKET, Key=MARCH + name, Body=data)
    s3.put_object(Bucket=BUCKET, Key="Current_Content/April_2020/later.meca", Body=bundles["good.meca"])
    s3.put_object(Bucket=BUCKET, Key=MARCH + "readme.txt", Body=b"not a bundle")

    run = _crawl(engine, store, _options())
    with read_session(engine) as s:
        papers = {p.doi: p for p in s.scalars(select(Paper))}
        rows = {b.key.rsplit("/", 1)[1]: b for b in s.scalars(select(Bundle))}
        pdfs = {p.paper.doi: p for p in s.scalars(select(Pdf))}
    assert set(papers) == {"10.1101/2020.03.20.20039999", "10.1101/2020.03.21.20040001"}
    good = papers["10.1101/2020.03.20.20039999"]
    assert (good.version, good.license, good.date, good.category, good.server) == (1, "cc_by", "2020-03-24", "Radiology and Imaging", "medrxiv")
    assert good.jats_figures[0]["label"] == "Figure 1." and "ground-glass" in good.jats_figures[0]["caption"]
    assert papers["10.1101/2020.03.21.20040001"].version == 2 and "R&D" in papers["10.1101/2020.03.21.20040001"].title
    assert store.read(pdfs["10.1101/2020.03.20.20039999"].sha256) == pdf_bytes  # byte for byte
    status = {name: (row.status, row.error) for name, row in rows.items()}
    assert {status["good.meca"][0], status["again.meca"][0]} == {"stored", "duplicate"} and status["nested.meca"][0] == "stored"
    assert status["nopdf.meca"] == ("failed", "no PDF in the bundle")
    assert status["badjats.meca"] == ("failed", "the JATS has no <article-meta>")
    assert status["notpdf.meca"][0] == "failed" and "bot check" in status["notpdf.meca"][1]
    assert status["truncated.meca"][0] == "failed" and "not a readable ZIP" in status["truncated.meca"][1]
    assert status["cardio.meca"][0] == "unwanted"
    assert "later.meca" not in rows and "readme.txt" not in rows
    stored = "good.meca" if status["good.meca"][0] == "stored" else "again.meca"
    assert rows[stored].bytes_read < 0.4 * len(bundles[stored])  # the 5.8 MB TIFF was never read
    assert run.counts["bundles_failed"] == 4 and run.counts["bundles_listed"] == 8

    again = _crawl(engine, store, _options())  # incremental: only the failed ones are read again
    assert again.counts["bundles_known"] == 4 and again.counts["bundles_failed"] == 4
    for _ in range(2):
        _crawl(engine, store, _options())
    last = _crawl(engine, store, _options())
    assert last.counts["bundles_known"] == 8 and last.counts["bundles_failed"] == 0  # failed three times: given up


def test_figures_of_record_and_a_paper_the_api_could_not_download(s3, engine, store, pdf_bytes: bytes) -> None:  # noqa: ANN001
    doi = "10.1101/2020.03.25.20040010"
    with write_session(engine) as s:  # the API crawl found it; the site's bot check stopped the PDF
        paper = Paper(server="medrxiv", doi=doi, version=1, title="COVID-19 CT", date="2020-03-25")
        paper.pdf = Pdf(status="blocked", error="a bot check page, not a PDF", attempts=5)
        s.add(paper)
    s3.put_object(Bucket=BUCKET, Key=MARCH + "a.meca", Body=make_bundle(BundleSpec(doi, pdf=pdf_bytes, captions=("CT one.", "CT two."))))
    _crawl(engine, store, _options(figures=True))
    with read_session(engine) as s:
        paper = s.scalar(select(Paper).where(Paper.doi == doi))
        assert paper.pdf.status == "stored" and store.read(paper.pdf.sha256) == pdf_bytes
        figs = paper.jats_figures
    assert [f["caption"] for f in figs] == ["CT one.", "CT two."]
    assert all(store.exists(f["image_sha256"]) and f["image_ext"] == "tif" for f in figs)
    from figscrape.data.models import Figure
    from figscrape.extract.stage import run_extract
    from figscrape.split.stage import run_split

    run_extract(engine, store, load_config(), RunLog("extract"))  # the JATS caption and the original TIFF are the figure of record
    run_split(engine, store, RunLog("split"))
    with read_session(engine) as s:
        found = {f.number: f for f in s.scalars(select(Figure))}
        panels = {n: [(p.x1, p.y1) for p in f.panels] for n, f in found.items()}
    assert found["1"].caption == "Figure 1. CT one." and found["2"].caption == "Figure 2. CT two."
    assert (found["1"].image_sha256, found["1"].image_ext, found["1"].width, found["1"].height) == (figs[0]["image_sha256"], "tif", 400, 300)
    assert panels["1"] and all(x1 <= 400 and y1 <= 300 for x1, y1 in panels["1"])


def test_a_missing_object_and_the_byte_budget(s3, engine, store, pdf_bytes: bytes) -> None:  # noqa: ANN001
    for n in range(4):
        s3.put_object(Bucket=BUCKET, Key=f"{MARCH}{n}.meca", Body=make_bundle(BundleSpec(f"10.1101/2020.03.26.2004002{n}", pdf=pdf_bytes)))
    run = _crawl(engine, store, _options(max_gb=1e-9, workers=1))  # the first bundle spends the budget
    assert run.counts["bundles_stored"] == 1 and run.counts["bundles_skipped_budget"] == 3
    import figscrape.crawl.s3 as s3mod

    listed = list(s3mod.list_bundles(s3, BUCKET, MARCH))
    s3.delete_object(Bucket=BUCKET, Key=f"{MARCH}3.meca")  # gone between listing and reading
    original = s3mod.list_bundles
    s3mod.list_bundles = lambda *a, **k: iter(listed)
    try:
        run = _crawl(engine, store, _options())
    finally:
        s3mod.list_bundles = original
    assert run.counts["bundles_stored"] == 2 and run.counts["bundles_failed"] == 1
    assert any("3.meca" in e and ("NoSuchKey" in e or "Not Found" in e or "404" in e) for e in run.errors)


def test_the_cli(s3, engine, store, config, pdf_bytes: bytes) -> None:  # noqa: ANN001
    s3.put_object(Bucket=BUCKET, Key=MARCH + "x.meca", Body=make_bundle(BundleSpec("10.1101/2020.03.27.20040030", pdf=pdf_bytes)))
    result = runner.invoke(app, ["crawl", "--source", "s3", "--server", "medrxiv", "--month", "2020-03"])
    assert result.exit_code == 0, result.output
    assert "1 new bundles of 1" in result.output and "bundles_stored: 1" in result.output and "MB from S3" in result.output
    assert runner.invoke(app, ["crawl", "--source", "s3", "--month", "2020-3"]).exit_code == 2
    assert "needs --month" in runner.invoke(app, ["crawl", "--source", "s3"]).output


def test_the_real_medrxiv_bundle(s3, engine, store) -> None:  # noqa: ANN001
    path = shared_corpus("rxiv", "meca", "elife-bot_95901-v1-meca.zip")
    data = path.read_bytes()
    s3.put_object(Bucket=BUCKET, Key="Current_Content/January_2024/95901.meca", Body=data)
    run = RunLog("crawl-s3")
    crawl_s3(engine, store, load_config(), S3Options(servers=["medrxiv"], months=["2024-01"]), run)
    with read_session(engine) as s:
        paper = s.scalar(select(Paper))
        bundle = s.scalar(select(Bundle))
        assert (paper.doi, paper.version, paper.license, paper.date) == ("10.1101/2024.01.24.24301711", 1, "cc_by", "2024-01-24")
        assert paper.category == "Cardiovascular Medicine" and paper.jats_figures[0]["graphic"] == "24301711v1_fig1.tif"
        assert store.read(paper.pdf.sha256)[:5] == b"%PDF-" and paper.pdf.size == 548_440
    assert bundle.bytes_read < 0.4 * len(data), (bundle.bytes_read, len(data))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_bundle_records_are_checked_at_the_border_as_api_records_are(backend: str, request: pytest.FixtureRequest, s3, store, pdf_bytes: bytes) -> None:  # noqa: ANN001
    """A bundle's JATS is a record from a server like the API's: a bad DOI refuses the bundle, control
    characters (a terminal escape, NUL-like ones) are taken out, a category longer than its column
    is clipped, each with a warning; the others of the month go in, on PostgreSQL too."""
    from figscrape.data.db import open_database

    db = open_database(request.getfixturevalue("postgres_url")) if backend == "postgresql" else request.getfixturevalue("engine")
    bundles = {
        "escape.meca": BundleSpec("10.1101/2020.03.28.20040040", title="a&#27;[31mb&#x9b;c", captions=("CT&#1; of a lung.",), pdf=pdf_bytes),
        "long.meca": BundleSpec("10.1101/2020.03.28.20040041", category="Radiology " * 40, pdf=pdf_bytes),
        "outside.meca": BundleSpec("10.1101/2020.03.28.20040042", jats_doi="10.1101/../../etc/passwd", pdf=pdf_bytes),
        "fine.meca": BundleSpec("10.1101/2020.03.28.20040043", pdf=pdf_bytes),
    }
    for name, spec in bundles.items():
        s3.put_object(Bucket=BUCKET, Key=MARCH + name, Body=make_bundle(spec))
    run = _crawl(db, store, _options())
    with read_session(db) as s:
        papers = {p.doi: p for p in s.scalars(select(Paper))}
        rows = {b.key.rsplit("/", 1)[1]: (b.status, b.error) for b in s.scalars(select(Bundle))}
        assert sorted(papers) == ["10.1101/2020.03.28.20040040", "10.1101/2020.03.28.20040041", "10.1101/2020.03.28.20040043"]
        assert papers["10.1101/2020.03.28.20040040"].title == "a[31mbc"
        assert papers["10.1101/2020.03.28.20040040"].jats_figures[0]["caption"] == "CT of a lung."
        assert len(papers["10.1101/2020.03.28.20040041"].category) == 255
    assert rows["outside.meca"] == ("failed", "the JATS DOI '10.1101/../../etc/passwd' is not a medRxiv/bioRxiv DOI")
    assert run.counts["bundles_stored"] == 3 and run.counts["records_cleaned"] == 2
    assert any("escape.meca" in e and "taken out of title" in e for e in run.errors)
    assert any("escape.meca" in e and "figure 1 of the JATS: control characters" in e for e in run.errors)
    assert any("long.meca" in e and "clipped to its column's 255" in e for e in run.errors)
    if backend == "postgresql":
        db.dispose()


class OpensCounted:
    """The S3 client, counting each opening of a bundle (zipfile first asks for its last 22 bytes) and
    serving `versions[n]` of a key at its n-th opening (the last one from then on)."""

    def __init__(self, client, versions: dict[str, list[bytes]]) -> None:  # noqa: ANN001
        self.client, self.versions, self.opens = client, versions, {}

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self.client, name)

    def get_object(self, Bucket: str, Key: str, Range: str, **kw):  # noqa: ANN003, ANN201, N803
        import io

        first, last = (int(x) for x in Range.removeprefix("bytes=").split("-"))
        size = self.client.head_object(Bucket=Bucket, Key=Key)["ContentLength"]
        if (first, last) == (size - 22, size - 1):
            self.opens[Key] = self.opens.get(Key, 0) + 1
        if Key not in self.versions:
            return self.client.get_object(Bucket=Bucket, Key=Key, Range=Range, **kw)
        data = self.versions[Key][min(self.opens.get(Key, 1), len(self.versions[Key])) - 1]
        return {"Body": io.BytesIO(data[first : last + 1])}


def test_a_manifest_cut_short_is_read_again_and_a_whole_wrong_one_is_not(s3, engine, store, pdf_bytes: bytes) -> None:  # noqa: ANN001
    """A cut MECA manifest inside an intact ZIP is a transient fault, as a cut API body is: the bundle
    is read again with backoff, a bounded number of times; a manifest that is whole but names
    nothing is read once, and the bundle's content/ folder says the same."""
    doi = "10.1101/2020.03.29.200400{n}"
    whole = make_bundle(BundleSpec(doi.format(n=50), pdf=pdf_bytes))
    cut = make_bundle(BundleSpec(doi.format(n=50), pdf=pdf_bytes, manifest_cut=True))
    cut = make_bundle(BundleSpec(doi.format(n=50), pdf=pdf_bytes, manifest_cut=True, comment=b" " * (len(whole) - len(cut))))
    assert len(cut) == len(whole)
    bundles = {
        "flaky.meca": whole,  # served cut at its first opening, whole after
        "cut.meca": make_bundle(BundleSpec(doi.format(n=51), pdf=pdf_bytes, manifest_cut=True)),  # cut every time
        "wrong.meca": make_bundle(BundleSpec(doi.format(n=52), pdf=pdf_bytes, manifest='<?xml version="1.0"?><manifest><item type="article"/></manifest>')),
    }
    for name, data in bundles.items():
        s3.put_object(Bucket=BUCKET, Key=MARCH + name, Body=data)
    client = OpensCounted(s3, {MARCH + "flaky.meca": [cut, whole]})
    run = RunLog("crawl-s3")
    crawl_s3(engine, store, load_config(), _options(attempts=3, backoff=0.01), run, client=client)
    with read_session(engine) as s:
        rows = {b.key.rsplit("/", 1)[1]: (b.status, b.error) for b in s.scalars(select(Bundle))}
        papers = {p.doi: p.pdf.sha256 for p in s.scalars(select(Paper))}
    assert rows["flaky.meca"] == ("stored", "") and client.opens[MARCH + "flaky.meca"] == 2
    assert store.read(papers[doi.format(n=50)]) == pdf_bytes
    status, error = rows["cut.meca"]
    assert status == "failed" and "manifest.xml stops after" in error and "cut short in each of 3 reads" in error, error
    assert client.opens[MARCH + "cut.meca"] == 3 and doi.format(n=51) not in papers
    assert rows["wrong.meca"][0] == "stored" and client.opens[MARCH + "wrong.meca"] == 1
