"""Which records a crawl keeps: the API has no keyword search, so a regex over title and abstract
(default: the COVID-19 query of the COVID-CT collection) and the category are checked here."""

from __future__ import annotations

import re
from typing import Protocol

from figscrape.crawl.categories import normalise

DEFAULT_QUERY = r"COVID-?19|SARS-?CoV-?2|2019-?nCoV|novel coronavirus"


def compile_query(pattern: str) -> re.Pattern[str]:
    """The query as a case-insensitive regex; a bad pattern is a ValueError that says why."""
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"--query {pattern!r} is not a valid regular expression: {exc}") from exc


class Described(Protocol):
    """What the query looks at: an API record or a bundle's JATS article."""

    title: str
    abstract: str
    category: str


def wanted(record: Described, query: re.Pattern[str], category: str | None) -> bool:
    if category and normalise(record.category) != normalise(category):
        return False
    return bool(query.search(record.title) or query.search(record.abstract))
