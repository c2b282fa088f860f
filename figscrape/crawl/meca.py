"""MECA bundles (a ZIP per preprint version: manifest.xml, JATS full text, PDF, figure files) and
what figscrape needs of them. Real bundles are untidy: the manifest in a subfolder, the XML
declaration not on line 1, bare `&`, HTML entities, attributes run together, mimetype not first.
Everything here reads leniently and says precisely what is missing."""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field

from bs4 import BeautifulSoup

from figscrape.crawl.bodies import xml_cut
from figscrape.crawl.client import BodyCut
from figscrape.crawl.jats import (
    JatsFigure,
    clean_xml,
    figures_in,
    parse_leniently,
    tag_text,
)

LICENSES = [  # JATS licence URL fragments -> the API's licence codes
    ("publicdomain/zero", "cc0"), ("by-nc-nd", "cc_by_nc_nd"), ("by-nc-sa", "cc_by_nc_sa"), ("by-nc", "cc_by_nc"),
    ("by-nd", "cc_by_nd"), ("by-sa", "cc_by_sa"), ("licenses/by/", "cc_by"),
]


class BundleError(ValueError):
    """The bundle cannot give what figscrape needs; the message says what and why."""


@dataclass
class Manifest:
    article_xml: str = ""
    pdf: str = ""
    figures: dict[str, str] = field(default_factory=dict)  # item id (fig1) -> member path


@dataclass
class Article:
    """What the JATS says about the preprint."""

    doi: str
    version: int
    title: str = ""
    authors: str = ""
    date: str | None = None
    category: str = ""
    license: str = ""
    abstract: str = ""
    figures: list[JatsFigure] = field(default_factory=list)


def find_member(names: list[str], suffix: str) -> str | None:
    """A member by its name, wherever the bundle's folders put it (case-insensitive)."""
    exact = [n for n in names if n.lower() == suffix.lower()]
    if exact:
        return exact[0]
    nested = sorted((n for n in names if n.lower().endswith("/" + suffix.lower())), key=len)
    return nested[0] if nested else None


def read_manifest(zf: zipfile.ZipFile) -> Manifest:
    names = zf.namelist()
    where = find_member(names, "manifest.xml")
    out = Manifest()
    if where is not None:
        base = posixpath.dirname(where)
        soup = BeautifulSoup(clean_xml(whole_xml(zf.read(where), where)), "lxml-xml")
        for item in soup.find_all("item"):
            kind = (item.get("type") or "").lower()
            for inst in item.find_all("instance"):
                href = _member(names, base, inst.get("href") or "")
                media = (inst.get("media-type") or "").lower()
                if not href:
                    continue
                if kind == "article" and media.endswith("xml") and not out.article_xml:
                    out.article_xml = href
                elif kind == "article" and media == "application/pdf" and not out.pdf:
                    out.pdf = href
                elif kind == "figure":
                    out.figures[str(item.get("id") or href)] = href
    # no manifest, or one that names no file that exists: the content folder says the same
    if not out.article_xml:
        out.article_xml = next((n for n in names if re.search(r"(^|/)content/[^/]+\.xml$", n)), "")
    if not out.pdf:
        out.pdf = next((n for n in names if n.lower().endswith(".pdf")), "")
    return out


def whole_xml(data: bytes, member: str) -> bytes:
    """The member's XML, or BodyCut when it stops mid-document (asked again, it may come whole)."""
    if xml_cut(data):
        raise BodyCut(f"{member} stops after {len(data)} bytes, mid-document")
    return data


def _member(names: list[str], base: str, href: str) -> str:
    href = href.strip().lstrip("./")
    for candidate in (posixpath.normpath(posixpath.join(base, href)) if base else href, href):
        if candidate in names:
            return candidate
    return find_member(names, posixpath.basename(href)) or ""


def read_article(xml: bytes, fallback_version: int | None = None) -> Article:
    soup = parse_leniently(xml, "article-meta")
    meta = soup.find("article-meta")
    if meta is None:
        raise BundleError("the JATS has no <article-meta>")
    doi_tag = meta.find("article-id", attrs={"pub-id-type": "doi"})
    doi = tag_text(doi_tag).removeprefix("https://doi.org/")
    if not doi:
        raise BundleError("the JATS names no DOI (<article-id pub-id-type=\"doi\">)")
    version_text = tag_text(meta.find("article-version"))
    match = re.match(r"(\d+)", version_text)
    version = int(match.group(1)) if match else (fallback_version or 1)
    authors = []
    for contrib in meta.find_all("contrib", attrs={"contrib-type": "author"}):
        name = contrib.find("name")
        if name is not None:
            authors.append(f"{tag_text(name.find('surname'))}, {tag_text(name.find('given-names'))}".strip(", "))
    license_tag = meta.find("license")
    url = (license_tag.get("xlink:href") or license_tag.get("href") or "") if license_tag is not None else ""
    license_code = next((code for frag, code in LICENSES if frag in url), "")
    category = tag_text(meta.find("subject"))
    return Article(doi=doi, version=version, title=tag_text(meta.find("article-title")), authors="; ".join(authors),
                   date=_date(meta, doi), category=category, license=license_code, abstract=tag_text(meta.find("abstract")),
                   figures=figures_in(soup))


def _date(meta, doi: str) -> str | None:  # noqa: ANN001
    for tag in [*meta.find_all("pub-date"), *meta.find_all("date")]:
        y, m, d = (tag_text(tag.find(k)) for k in ("year", "month", "day"))
        if y and m and d and y.isdigit() and m.isdigit() and d.isdigit():
            return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"
    match = re.search(r"10\.\d+/(\d{4})\.(\d{2})\.(\d{2})\.", doi)  # the DOI of a preprint carries its posting date
    return "-".join(match.groups()) if match else None


def version_hint(name: str) -> int | None:
    """"24301711v2" in an item id or a file name."""
    match = re.search(r"\d+v(\d+)", name)
    return int(match.group(1)) if match else None
