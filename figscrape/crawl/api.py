"""The rxiv API client: `/details/{server}/{from}/{to}/{cursor}/json`, one page at a time.

Facts of the real API this handles: pages hold about 30 records whatever the docs say, so the
cursor advances by the page's own `count`; `total` and `count_new_papers` come as strings;
"no posts found" arrives as HTTP 200 with an empty collection (also at a cursor below `total`);
an empty 0-byte body, or JSON that stops in the middle, is a fault to retry; an unknown category is answered with every record."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from figscrape.crawl.bodies import json_cut
from figscrape.crawl.border import at_border
from figscrape.crawl.categories import api_parameter, normalise
from figscrape.crawl.client import BodyCut, PoliteClient
from figscrape.crawl.urls import valid_doi

RECORD_FIELDS = (
    "doi", "title", "authors", "author_corresponding", "author_corresponding_institution", "date", "version",
    "type", "license", "category", "jatsxml", "abstract", "funder", "published", "server",
)


class ApiError(Exception):
    """The API answered something that cannot be used."""


@dataclass(frozen=True)
class Record:
    """One preprint version as the API describes it, every field kept."""

    doi: str
    version: int
    title: str = ""
    authors: str = ""
    author_corresponding: str = ""
    author_corresponding_institution: str = ""
    date: str = ""
    type: str = ""
    license: str = ""
    category: str = ""
    jatsxml: str = ""
    abstract: str = ""
    funder: str = ""  # "NA" or a JSON list of funder objects
    published: str = ""
    server: str = ""

    @classmethod
    def from_api(cls, raw: dict, server: str) -> Record:
        values = {k: raw.get(k, "") for k in RECORD_FIELDS}
        if not isinstance(values["funder"], str):
            values["funder"] = json.dumps(values["funder"], sort_keys=True)
        values = {k: ("" if v is None else str(v)) for k, v in values.items()}
        values["server"] = server
        try:
            values["version"] = int(values["version"] or 1)
        except ValueError:
            values["version"] = 1
        if not values["doi"]:
            raise ApiError("a record without a DOI")
        return cls(**values)  # type: ignore[arg-type]


@dataclass
class DetailsPage:
    records: list[Record] = field(default_factory=list)
    cursor: int = 0
    count: int = 0
    total: int = 0
    status: str = "ok"
    refused: list[str] = field(default_factory=list)  # records dropped at the border, each with its reason
    warnings: list[str] = field(default_factory=list)  # values cleaned or clipped at the border


def _whole_json(response) -> None:  # noqa: ANN001 - a requests.Response
    if json_cut(response.content):
        raise BodyCut(f"JSON stops after {len(response.content)} bytes")


def _count(url: str, message: dict, key: str, default: int) -> int:
    """A count of the API's message (it sends them as strings): a whole number, not negative."""
    value = message.get(key, default) or default
    try:
        number = int(str(value).strip())
    except ValueError:
        number = -1
    if number < 0:
        raise ApiError(f"{url}: the API's {key} {value!r} is not a count")
    return number


class RxivApi:
    def __init__(self, client: PoliteClient, base_url: str) -> None:
        self.client, self.base_url = client, base_url.rstrip("/")

    def details_url(self, server: str, start: date, end: date, cursor: int, category: str | None) -> str:
        url = f"{self.base_url}/details/{server}/{start.isoformat()}/{end.isoformat()}/{cursor}/json"
        return f"{url}?category={api_parameter(category)}" if category else url

    def details_page(self, server: str, start: date, end: date, cursor: int, category: str | None = None) -> DetailsPage:
        url = self.details_url(server, start, end, cursor, category)
        response = self.client.get(url, check=_whole_json)
        try:
            data = response.json()
            message = data["messages"][0]
            if not isinstance(message, dict) or not isinstance(data.get("collection") or [], list):
                raise TypeError("messages[0] is not an object, or collection not a list")
        except (ValueError, KeyError, IndexError, TypeError, RecursionError) as exc:  # RecursionError: JSON nested too deep to read
            raise ApiError(f"{url}: not the API's JSON ({response.text[:80]!r})") from exc
        status = str(message.get("status", ""))
        if status != "ok":
            if "no posts found" in status.lower():
                return DetailsPage(status=status, cursor=cursor)
            raise ApiError(f"{url}: the API says {status!r}")
        if category and normalise(str(message.get("category", category))) != normalise(category):
            raise ApiError(f"{url}: asked for category {category!r} but the API answered for {message.get('category')!r}")
        records, refused, warnings = [], [], []
        for raw in data.get("collection") or []:
            try:
                record = Record.from_api(raw if isinstance(raw, dict) else {}, server)
            except ApiError as exc:
                refused.append(f"{url}: record refused: {exc}")
                continue
            if not valid_doi(record.doi):
                refused.append(f"{url}: record refused: {record.doi!r} is not a medRxiv/bioRxiv DOI")
                continue
            record, changed = at_border(record)
            warnings += [f"{url}: {w}" for w in changed]
            records.append(record)
        return DetailsPage(
            records=records,
            refused=refused,
            warnings=warnings,
            cursor=_count(url, message, "cursor", cursor),
            count=_count(url, message, "count", len(records)),
            total=_count(url, message, "total", 0),
        )

    def pages(self, server: str, start: date, end: date, cursor: int = 0, category: str | None = None) -> Iterator[tuple[int, DetailsPage]]:
        """(cursor of the next page, page) for every page of the window from `cursor` on."""
        while True:
            page = self.details_page(server, start, end, cursor, category)
            if not page.records and not page.refused:
                return
            cursor += page.count or len(page.records) + len(page.refused)
            yield cursor, page
            if page.total and cursor >= page.total:
                return

