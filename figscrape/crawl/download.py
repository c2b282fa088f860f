"""PDF downloads. A body is stored only when it is a whole PDF: it starts with %PDF-, ends with
%%EOF in its last 1024 bytes and PyMuPDF opens it. Bot checks (403, 429 "error code: 1015", a
"Just a moment..." page served with 200) and truncated bodies are never stored. Where the URL
pattern fails (404), the landing page's citation_pdf_url is tried."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pymupdf
from bs4 import BeautifulSoup

from figscrape.crawl.bodies import html_cut
from figscrape.crawl.client import BodyCut, FetchError, PoliteClient
from figscrape.crawl.urls import RefusedUrl, checked_doi, checked_link, hosts_of
from figscrape.runtime.mupdf import log_mupdf_messages
from figscrape.runtime.pdfsniff import file_problem

CHUNK = 1 << 16
MAX_PDF_BYTES = 300 * 1024 * 1024
MAX_SECONDS = 600.0  # a server that drips bytes is cut off


class DownloadError(Exception):
    def __init__(self, reason: str, blocked: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.blocked = reason, blocked


def pdf_url(site: str, doi: str, version: int) -> str:
    """The full-text PDF URL, built from a validated DOI (RefusedUrl for any other)."""
    return f"{site.rstrip('/')}/content/{checked_doi(doi)}v{int(version)}.full.pdf"


def landing_url(site: str, doi: str, version: int) -> str:
    return f"{site.rstrip('/')}/content/{checked_doi(doi)}v{int(version)}"


def pdf_problem(path: Path) -> str:
    """Why the downloaded file is not a whole PDF, or "" when it is one that PyMuPDF opens."""
    problem = file_problem(path)
    if problem:
        return problem
    try:
        with pymupdf.open(path, filetype="pdf") as doc:
            if doc.page_count == 0:
                return "PDF without pages"
    except Exception as exc:  # MuPDF's own error types
        return f"PDF that cannot be opened ({exc})"
    finally:
        log_mupdf_messages(path)
    return ""


def citation_pdf_url(html: str) -> str | None:
    """The PDF link a landing page declares for citation managers."""
    soup = BeautifulSoup(html, "html.parser")
    tag = soup.find("meta", attrs={"name": "citation_pdf_url"})
    content = tag.get("content") if tag else None
    return str(content) if content else None


def _fetch_to(client: PoliteClient, url: str, tmp_dir: Path) -> Path:
    response = client.get(url, stream=True)
    fd, name = tempfile.mkstemp(prefix="pdf-", suffix=".part", dir=tmp_dir)
    path = Path(name)
    started = time.monotonic()
    try:
        with open(fd, "wb") as fh:
            written = 0
            for chunk in response.iter_content(CHUNK):
                fh.write(chunk)
                written += len(chunk)
                if written > MAX_PDF_BYTES:
                    raise DownloadError(f"larger than {MAX_PDF_BYTES // 2**20} MB")
                if time.monotonic() - started > MAX_SECONDS:
                    raise DownloadError(f"took longer than {MAX_SECONDS:.0f} s")
    except DownloadError:
        path.unlink(missing_ok=True)
        raise
    except Exception as exc:  # requests/urllib3 report a cut connection or stalled read in several types
        path.unlink(missing_ok=True)
        raise DownloadError(f"download broke off: {type(exc).__name__}") from exc
    finally:
        response.close()
    return path


def download_pdf(client: PoliteClient, site: str, doi: str, version: int, tmp_dir: Path, attempts: int = 3) -> Path:
    """A temporary file holding the whole, valid PDF; DownloadError when there is none to be had."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    try:
        url = pdf_url(site, doi, version)
    except RefusedUrl as exc:
        raise DownloadError(str(exc)) from exc
    last = "no attempt"
    for attempt in range(attempts):
        try:
            path = _fetch_to(client, url, tmp_dir)
        except FetchError as exc:
            if exc.status == 404 and url == pdf_url(site, doi, version):
                url = _landing_pdf(client, site, doi, version)
                continue
            raise DownloadError(exc.reason, exc.blocked) from exc
        except DownloadError as exc:
            last = exc.reason
            time.sleep(min(30.0, client.settings.backoff * 2**attempt))
            continue
        problem = pdf_problem(path)
        if not problem:
            return path
        path.unlink(missing_ok=True)
        if "bot check" in problem or "HTML page" in problem:
            raise DownloadError(f"{url}: {problem}", blocked=True)
        last = problem
        time.sleep(min(30.0, client.settings.backoff * 2**attempt))
    raise DownloadError(f"{url}: {last} (after {attempts} attempts)")


def _whole_landing_page(response) -> None:  # noqa: ANN001 - a requests.Response
    if html_cut(response.text) and not citation_pdf_url(response.text):
        raise BodyCut(f"HTML stops after {len(response.content)} bytes, before </html>")


def _landing_pdf(client: PoliteClient, site: str, doi: str, version: int) -> str:
    page = landing_url(site, doi, version)
    try:
        html = client.get(page, check=_whole_landing_page).text
    except FetchError as exc:
        raise DownloadError(f"PDF not found (404) and landing page failed: {exc.reason}", exc.blocked) from exc
    link = citation_pdf_url(html)
    if not link:
        raise DownloadError(f"PDF not found (404) and {page} names no citation_pdf_url")
    try:
        return checked_link(page, link, client.hosts if client.hosts is not None else hosts_of([site]))
    except RefusedUrl as exc:
        raise DownloadError(f"the landing page's citation_pdf_url: {exc}") from exc
