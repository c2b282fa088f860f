"""CSV and XLSX files written so the same rows give the same bytes: fixed line endings, and an
XLSX whose ZIP entries and document properties carry a fixed date instead of the time of writing.
Every text cell goes through `cell`: one that a spreadsheet would run as a formula (= + - @ tab CR
first) gets a leading single quote, as OWASP advises; the readers take off only that added quote.
Control characters other than tab and line feed (which XLSX cannot hold: openpyxl refuses them) and
lone surrogates (which UTF-8 cannot hold) are taken out of every cell, CSV and XLSX alike."""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

FIXED_DATE = datetime(2020, 1, 1)
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")  # openpyxl's ILLEGAL_CHARACTERS_RE, and surrogates
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")  # a CR is written as LF (see cell)


def _needs_quote(text: str) -> bool:
    """A formula start, or a quote before one (so a value that begins with an added-looking quote round-trips)."""
    while text.startswith("'"):
        text = text[1:]
    return text.startswith(FORMULA_STARTS)


def cell(value: object) -> object:
    """A value as written: None as empty, numbers as numbers, text escaped so no spreadsheet runs it.
    A carriage return becomes a line feed: Python's csv quotes a field with a line feed in it, not one
    with only a carriage return, which a reader then takes for the end of the row."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = ILLEGAL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
        return "'" + value if _needs_quote(value) else value
    return value


def uncell(text: str) -> str:
    """The value `cell` was given for text it wrote: the one quote it added is taken off."""
    return text[1:] if text.startswith("'") and _needs_quote(text[1:]) else text


def _whole(path: Path, data: bytes) -> None:
    """Write `data` so that `path` is never half-written: beside it, then renamed over it (a device or
    pipe such as /dev/stdout is written as it is). A failure leaves no temporary and names `path`."""
    if path.exists() and not path.is_file():
        with path.open("wb") as fh:
            fh.write(data)
        return
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([cell(v) for v in row] for row in rows)
    _whole(path, text.getvalue().encode("utf-8"))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return [{k: uncell(v) if isinstance(v, str) else v for k, v in row.items()} for row in csv.DictReader(fh)]


def write_xlsx(path: Path, sheet: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    wb = Workbook(write_only=True)
    wb.properties.created = wb.properties.modified = FIXED_DATE
    wb.properties.creator = "figscrape"
    ws = wb.create_sheet(sheet)
    ws.append(list(header))
    for row in rows:
        ws.append([cell(v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    _whole(path, _fix_zip_dates(buffer.getvalue()))


def _fix_zip_dates(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the time of saving
                body = _fixed_core(body)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, body)
    return out.getvalue()


def _fixed_core(xml: bytes) -> bytes:
    stamp = FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\g<2>", xml)


def read_xlsx(path: Path) -> list[dict[str, str]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    if not rows:
        return []
    header = [str(h or "").strip() for h in rows[0]]
    return [{h: ("" if v is None else uncell(str(v))) for h, v in zip(header, row)} for row in rows[1:] if any(v not in (None, "") for v in row)]
