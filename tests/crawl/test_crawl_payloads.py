"""Parsing what the real servers send: API quirks, JATS defects, landing pages, bot-check bodies.
Small fixtures under tests/fixtures reproduce the recorded shapes; the recorded files themselves
are read from ../shared/corpus/rxiv where present."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import shared_corpus

from figscrape.crawl.api import Record
from figscrape.crawl.download import citation_pdf_url, pdf_problem
from figscrape.crawl.jats import jats_figures

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_records_keep_every_field_with_string_counts_funder_lists_and_versions() -> None:
    data = json.loads((FIXTURES / "details_quirks.json").read_text())
    assert data["messages"][0]["total"] == "2"  # strings, as the API sends them
    first, second = (Record.from_api(r, "medrxiv") for r in data["collection"])
    assert first.version == 3 and first.doi.startswith("10.64898/") and first.server == "medrxiv"
    assert json.loads(first.funder)[0]["id-type"] == "ROR" and second.funder == "NA"
    assert first.license == "cc_by" and second.license == "cc_no"
    assert "//2026.07.13" in first.jatsxml  # the double slash is kept as the API gives it


def test_jats_figures_survive_real_world_defects() -> None:
    figures = jats_figures((FIXTURES / "jats_defects.xml").read_bytes())
    assert [f.label for f in figures] == ["Figure 1.", "Figure 2"]
    assert figures[0].graphic == "000001v3_fig1.tif" and "45-year-old man" in figures[0].caption
    assert "opacities" in figures[1].caption


def test_landing_page_pdf_link_and_challenge_detection(tmp_path: Path) -> None:
    html = '<html><head><meta name="citation_pdf_url" content="https://www.biorxiv.org/content/biorxiv/early/2020/01/30/x.full.pdf" /></head></html>'
    assert citation_pdf_url(html).endswith("/early/2020/01/30/x.full.pdf")
    page = tmp_path / "page.pdf"
    page.write_bytes(b"<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>")
    assert "bot check" in pdf_problem(page)


@pytest.mark.parametrize("name", ["details_biorxiv_2026-07-15_3rec_pu5ha-research_bot.json", "details_medrxiv_2026-09-15_3rec_radar-papers-mcp.json", "details_biorxiv_2026-08-01_research_helper_abridged.json"])
def test_recorded_api_payloads_parse(name: str) -> None:
    data = json.loads(shared_corpus("rxiv", "api", name).read_text())
    records = [Record.from_api(r, "biorxiv") for r in data["collection"]]
    assert records and all(r.doi.startswith(("10.1101/", "10.64898/")) and r.version >= 1 for r in records)
    assert int(data["messages"][0]["count"]) >= len(records)


def test_recorded_jats_files_give_their_figures() -> None:
    med = jats_figures(shared_corpus("rxiv", "jats", "medrxiv_2024.01.24.24301711_from-meca.xml").read_bytes())
    assert [f.graphic for f in med] == ["24301711v1_fig1.tif"]  # tables are not figures
    bio = jats_figures(shared_corpus("rxiv", "jats", "biorxiv_2023.10.24.563872_article-source.xml").read_bytes())
    assert len(bio) == 7 and all(f.graphic.startswith("563872v2_fig") for f in bio) and all(f.caption for f in bio)


def test_recorded_landing_page_and_bot_check_bodies(tmp_path: Path) -> None:
    html = shared_corpus("rxiv", "html", "biorxiv_landing_2020.01.30.926477_ami3_snipped.html").read_text()
    assert citation_pdf_url(html) == "https://www.biorxiv.org/content/biorxiv/early/2020/01/30/2020.01.30.926477.full.pdf"
    for name in ("cloudflare_just_a_moment_FRAGMENT_openalex-official-9.html", "cloudflare_error_code_1015_body.txt"):
        body = tmp_path / name
        body.write_bytes(shared_corpus("rxiv", "html", name).read_bytes())
        assert pdf_problem(body) != ""


def test_cut_bodies_are_told_from_whole_wrong_ones() -> None:
    from figscrape.crawl.bodies import html_cut, json_cut, xml_cut

    page = shared_corpus("rxiv", "api", "details_biorxiv_2026-07-15_3rec_pu5ha-research_bot.json").read_text()
    assert not json_cut(page)
    assert all(json_cut(page[:n]) for n in (1, 10, 57, len(page) // 2, len(page) - 2))
    assert not json_cut('{"hello": "world"}') and not json_cut("<html>error</html>") and not json_cut("error code: 1015")
    jats = shared_corpus("rxiv", "jats", "biorxiv_2023.10.24.563872_article-source.xml").read_bytes()
    assert not xml_cut(jats) and all(xml_cut(jats[:n]) for n in (200, 5000, len(jats) // 2, len(jats) - 3))
    manifest = shared_corpus("rxiv", "meca", "elife-bot_95901_manifest.xml").read_bytes()
    assert not xml_cut(manifest) and xml_cut(manifest[: len(manifest) // 2])
    assert not xml_cut(b"<a><b></a>") and not xml_cut(b"not xml at all")
    assert html_cut("<html><head>") and not html_cut("<html><body></body></html>\n")


class _Answers:
    """A client that answers every GET with one body, running the caller's body check as PoliteClient does."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def get(self, url: str, check=None, **_: object):  # noqa: ANN001, ANN202
        import requests

        response = requests.Response()
        response._content, response.status_code, response.url = self.body, 200, url
        if check is not None:
            check(response)
        return response


@pytest.mark.parametrize(("body", "said"), [
    (b"[" * 200_000 + b"]" * 200_000, "not the API's JSON"),  # deeper than Python's JSON reader goes
    (json.dumps({"messages": [{"status": "ok", "total": "1", "count": 1}], "collection": "abc"}).encode(), "not the API's JSON"),
    (json.dumps({"messages": {"status": "ok"}, "collection": []}).encode(), "not the API's JSON"),
    (json.dumps({"messages": [{"status": "ok", "total": "NaN", "count": 1}], "collection": []}).encode(), "the API's total 'NaN' is not a count"),
    (json.dumps({"messages": [{"status": "ok", "total": "3", "count": "-5"}], "collection": []}).encode(), "the API's count '-5' is not a count"),
])
def test_hostile_api_pages_fail_their_window_in_one_line_naming_the_url(body: bytes, said: str) -> None:
    """Never a RecursionError or ValueError that fails the whole crawl, a string read as records, or a
    negative count that walks the cursor backwards for ever: an ApiError naming the page."""
    from datetime import date

    from figscrape.crawl.api import ApiError, RxivApi

    with pytest.raises(ApiError, match=f"^http://api.test/details/medrxiv/.*: {said}"):
        RxivApi(_Answers(body), "http://api.test").details_page("medrxiv", date(2020, 3, 2), date(2020, 3, 2), 0)
