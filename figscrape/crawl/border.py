"""Records checked at the border, before any reaches the database: an API record, a MECA bundle's
JATS article, a figure of record. A record the database cannot hold must not fail the whole crawl
on every run, and text from a server must not carry terminal escapes into messages. NUL and other control characters
(PostgreSQL refuses NUL in text) are taken out, a value longer than its column is clipped to it,
a date that is not YYYY-MM-DD is dropped; each change is said in a warning. A record without a
usable DOI is refused (by the caller, which knows the DOI rules)."""

from __future__ import annotations

import dataclasses
import re

from figscrape.data.models import Paper

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0 and C1 controls; tab, newline and carriage return stay
COLUMNS = {"server": "server", "doi": "doi", "date": "date", "category": "category", "license": "license", "type": "type",
           "published": "published"}  # Record field -> Paper column of limited length


def column_length(column: str) -> int | None:
    return getattr(Paper.__table__.c[column].type, "length", None)


def at_border(record, name: str | None = None):  # noqa: ANN001, ANN201 - a dataclass (api.Record, meca.Article, JatsFigure) in, the same type out
    """(the record as the database can hold it, warnings about what was changed); the warnings
    name the record by `name`, else by its DOI."""
    name = repr(record.doi) if name is None else name
    changes: dict[str, object] = {}
    warnings: list[str] = []
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if not isinstance(value, str):
            continue
        if CONTROL.search(value):
            value = CONTROL.sub("", value)
            warnings.append(f"{name}: control characters (NUL…) taken out of {f.name}")
        limit = column_length(COLUMNS[f.name]) if f.name in COLUMNS else None
        if limit is not None and len(value) > limit:
            warnings.append(f"{name}: {f.name} of {len(value)} characters clipped to its column's {limit}")
            value = value[:limit]
        if value != getattr(record, f.name):
            changes[f.name] = value
    date = changes.get("date", getattr(record, "date", None))
    if date and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(date)):
        warnings.append(f"{name}: date {date!r} is not YYYY-MM-DD; left empty")
        changes["date"] = ""
    return (dataclasses.replace(record, **changes) if changes else record), warnings
