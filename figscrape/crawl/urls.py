"""Which DOIs and URLs the crawler will follow. A DOI goes into a URL only when it has the shape
the servers give (10.1101/ or, since December 2025, 10.64898/, then a posting date and a number,
or bioRxiv's old six digits), so `../` or `?` in an API record never leaves `/content/`; and every
request stays on the configured hosts (FIGSCRAPE_API_URL, FIGSCRAPE_MEDRXIV_URL,
FIGSCRAPE_BIORXIV_URL), links in landing pages and JATS URLs and redirects included."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

DOI_PREFIXES = ("10.1101", "10.64898")
DOI = re.compile(r"(?:10\.1101|10\.64898)/(?:\d{4}\.\d{2}\.\d{2}\.\d{1,10}|\d{6})")


class RefusedUrl(ValueError):
    """A DOI or a link the crawler will not follow; the message says why."""


def valid_doi(doi: str) -> bool:
    """True for a DOI of the servers' own shape, e.g. 10.1101/2020.03.02.20029975."""
    return bool(DOI.fullmatch(doi))


def checked_doi(doi: str) -> str:
    if not valid_doi(doi):
        raise RefusedUrl(f"{doi!r} is not a medRxiv/bioRxiv DOI (10.1101/YYYY.MM.DD.NNNNNNNN); no URL is built from it")
    return doi


def host_of(url: str) -> str:
    """The host[:port] a URL names, lower-case ("" for none)."""
    return urlsplit(url).netloc.lower()


def hosts_of(urls: Iterable[str]) -> frozenset[str]:
    return frozenset(h for h in (host_of(u) for u in urls) if h)


def on_hosts(url: str, hosts: frozenset[str]) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and parts.netloc.lower() in hosts and "@" not in parts.netloc


def checked_link(base: str, link: str, hosts: frozenset[str]) -> str:
    """A link found in a page, made absolute against the page; RefusedUrl when it leaves the hosts."""
    url = urljoin(base, link.strip())
    if not on_hosts(url, hosts):
        raise RefusedUrl(f"{url} is not on the configured hosts ({', '.join(sorted(hosts))})")
    return url
