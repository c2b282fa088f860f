"""`figscrape labels export|import`: labels as a spreadsheet, so labels made elsewhere or by a script
come in, and the ones made here go out. A row names its panel by panel_id, by its export file name
(as in a COVID-CT export or its MetaInfo sheet), or by DOI and page (and figure, panel where given)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, or_, select

from figscrape.annotate.actions import Label
from figscrape.data.current import current_panels, with_paper
from figscrape.data.db import read_session, write_session
from figscrape.data.models import Annotation, Figure, Panel, Paper
from figscrape.data.naming import distinct_name, export_name, panel_ext
from figscrape.data.votes import load_votes
from figscrape.runtime.tables import read_csv, read_xlsx, write_csv

SHEET_COLUMNS = ["panel_id", "doi", "version", "page", "figure", "panel", "file", "caption", "subcaption", "ct_score",
                 "annotator", "is_ct", "diagnosis", "patient", "age", "sex", "note", "adjudication"]
IS_CT_OUT = {"yes": "true", "no": "false", "unsure": "unsure"}
IS_CT_IN = {"true": "yes", "yes": "yes", "1": "yes", "ct": "yes", "y": "yes", "false": "no", "no": "no", "0": "no", "n": "no",
            "not ct": "no", "unsure": "unsure", "?": "unsure"}
DIAGNOSIS_IN = {"covid": "covid", "covid-19": "covid", "covid19": "covid", "ct_covid": "covid", "other": "other",
                "other pneumonia": "other", "pneumonia": "other", "normal": "normal", "unsure": "unsure"}
SEX_IN = {"m": "M", "male": "M", "man": "M", "f": "F", "female": "F", "woman": "F"}
ALIASES = {"file name": "file", "filename": "file", "file_name": "file", "patient id": "patient", "patient_key": "patient",
           "patient key": "patient", "gender": "sex", "figure number": "figure", "label": "diagnosis", "class": "diagnosis"}


WHOLE = re.compile(r"\s*\+?(\d{1,12})(?:\.0*)?\s*")  # 12 or 12.0 (a spreadsheet's number); not 1.5, inf, 1e400
AGE = re.compile(r"\s*(\d{1,12})(?:\.0+)?(?![\d.])")  # 45, 45.0, 45 years; not 45.5
MAX_AGE = 130


def whole(text: str) -> int | None:
    """A whole number as a sheet gives it, or None."""
    match = WHOLE.fullmatch(text)
    return int(match.group(1)) if match else None


class SheetError(ValueError):
    """The sheet cannot be read; the message names the file and the problem."""


@dataclass
class ImportReport:
    added: int = 0
    unchanged: int = 0
    without_label: int = 0
    problems: list[str] = field(default_factory=list)  # "row N: why it matched nothing or was refused"


def _panel_rows(engine: Engine) -> list[tuple]:
    """Current panels and every panel with a label."""
    with read_session(engine) as s:
        query = with_paper(
            select(Panel.id, Paper.doi, Paper.version, Figure.page, Figure.number, Figure.index, Panel.index, Panel.label,
                   Figure.caption, Panel.subcaption, Panel.ct_score, Panel.image_sha256, Figure.image_sha256, Figure.image_ext)
        ).where(or_(current_panels(), Panel.id.in_(select(Annotation.panel_id).distinct())))
        return list(s.execute(query.order_by(Panel.id)).all())


def _file_name(row: tuple) -> str:
    _, doi, version, page, number, fig_index, panel_index, _, _, _, _, sha, fig_sha, fig_ext = row
    return export_name(doi, version, page, number, fig_index, panel_index, panel_ext(sha, fig_sha, fig_ext))


def _names_as_exported(panels: list[tuple], labelled: set[int]) -> dict[str, int]:
    """File name -> panel id as `figscrape export` names them: among labelled panels in id order, a
    name already taken gets the panel id after its `%` (naming.distinct_name); other panels by their name."""
    taken: set[str] = set()
    by_file = {distinct_name(_file_name(r), r[0], taken): r[0] for r in panels if r[0] in labelled}
    for r in panels:
        by_file.setdefault(_file_name(r), r[0])
    return by_file


def export_sheet(engine: Engine, path: Path) -> int:
    """One row per panel without labels, one per annotator's latest label otherwise; returns the rows written."""
    panels = _panel_rows(engine)
    with read_session(engine) as s:
        votes = load_votes(s)
    rows = []
    for row in panels:
        panel_id, doi, version, page, number, _, _, label, caption, subcaption, score = row[:11]
        base = [panel_id, doi, version, page, number, label, _file_name(row), caption, subcaption, "" if score is None else round(score, 4)]
        for v in votes.get(panel_id, []) or [None]:
            if v is None:
                rows.append(base + [""] * 8)
            else:
                rows.append(base + [v.annotator, IS_CT_OUT.get(v.is_ct, v.is_ct), v.diagnosis, v.patient_key,
                                    "" if v.age is None else v.age, v.sex, v.note, "true" if v.adjudication else ""])
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(path, SHEET_COLUMNS, rows)
    return len(rows)


def read_sheet(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise SheetError(f"{path}: no such file")
    try:
        rows = read_xlsx(path) if path.suffix.lower() in (".xlsx", ".xlsm") else read_csv(path)
    except Exception as exc:  # openpyxl and csv raise many kinds for a bad file
        raise SheetError(f"{path}: not a readable {'XLSX' if path.suffix.lower().startswith('.xls') else 'CSV'} sheet ({exc})") from exc
    out = []
    for row in rows:
        clean = {}
        for key, value in row.items():
            name = re.sub(r"\s+", " ", str(key or "").strip().lower())
            clean[ALIASES.get(name, name.replace(" ", "_"))] = (value or "").strip()
        out.append(clean)
    if out and not ({"panel_id", "file", "doi"} & set(out[0])):
        raise SheetError(f"{path}: no column naming the panel (panel_id, file or File name, or DOI and page)")
    return out


def import_sheet(engine: Engine, path: Path, annotator: str = "", diagnosis: str = "") -> ImportReport:
    """Adds each row's label as `annotator`'s when given, else as the one its `annotator` column
    names (a row with neither is refused), in one transaction; `adjudication` marks a reviewer's decision.
    A row equal to that annotator's latest label of the panel adds nothing, so importing a sheet
    twice changes nothing, and `labels export` of a project imports back as it was. Rows that disagree
    on one panel, annotator and role are all refused; numbers must be whole (no inf, 1e400 or 1.5)."""
    annotator = annotator.strip()
    rows = read_sheet(path)
    panels = _panel_rows(engine)
    by_id = {r[0]: r for r in panels}
    by_page: dict[tuple[str, int], list[tuple]] = defaultdict(list)
    for r in panels:
        by_page[(r[1].lower(), r[3])].append(r)
    report = ImportReport()
    new: list[Annotation] = []
    with read_session(engine) as s:
        labelled = set(s.scalars(select(Annotation.panel_id).distinct()))
        latest = {(pid, v.annotator, v.adjudication): Label(v.is_ct, v.diagnosis, v.patient_key, v.age, v.sex, v.note)
                  for pid, vs in load_votes(s).items() for v in vs}
    by_file = _names_as_exported(panels, labelled)
    seen: dict[tuple[int, str, bool], tuple[int, Label]] = {}  # the sheet's first row for each panel, annotator, role
    conflicted: set[tuple[int, str, bool]] = set()
    for n, row in enumerate(rows, start=2):
        panel_id, why = _match(row, by_id, by_file, by_page)
        if panel_id is None:
            report.problems.append(f"row {n}: {why}")
            continue
        label, why = _label(row, diagnosis)
        if label is None:
            if why:
                report.problems.append(f"row {n}: {why}")
            else:
                report.without_label += 1
            continue
        who = annotator or row.get("annotator", "")
        if not who:
            report.problems.append(f"row {n}: no annotator (fill its annotator column or give --annotator)")
            continue
        adjudication = row.get("adjudication", "").lower() in ("true", "yes", "1", "y")
        key = (panel_id, who, adjudication)
        if key in seen and (seen[key][1] != label or key in conflicted):  # rows disagree: both stored would repeat on every import
            first, _ = seen[key]
            conflicted.add(key)
            report.problems.append(f"row {n}: panel {panel_id} by {who} conflicts with row {first}; row {first} is not stored either")
            new = [a for a in new if (a.panel_id, a.annotator, a.adjudication) != key]
            continue
        seen.setdefault(key, (n, label))
        if latest.get(key) == label:
            report.unchanged += 1
            continue
        new.append(Annotation(panel_id=panel_id, annotator=who, is_ct=label.is_ct, diagnosis=label.diagnosis,
                              patient_key=label.patient_key, age=label.age, sex=label.sex, note=label.note,
                              adjudication=adjudication))
        latest[key] = label
    with write_session(engine) as s:
        s.add_all(new)
    report.added = len(new)
    return report


def _match(row: dict[str, str], by_id: dict[int, tuple], by_file: dict[str, int],
           by_page: dict[tuple[str, int], list[tuple]]) -> tuple[int | None, str]:
    """The panel a row names, or None and why not."""
    if row.get("panel_id"):
        panel_id = whole(row["panel_id"])
        if panel_id is None:
            return None, f"panel_id {row['panel_id']!r} is not a whole number"
        return (panel_id, "") if panel_id in by_id else (None, f"no panel {panel_id}")
    if row.get("file"):
        name = Path(row["file"]).name
        return (by_file[name], "") if name in by_file else (None, f"no panel exported as {name}")
    doi, page = row.get("doi", "").lower().removeprefix("https://doi.org/"), row.get("page", "")
    if not doi or not page:
        return None, "names no panel (panel_id, file, or DOI and page)"
    if whole(page) is None:
        return None, f"page {page!r} is not a whole number"
    candidates = by_page.get((doi, whole(page)), [])
    if row.get("figure"):
        candidates = [c for c in candidates if c[4] == row["figure"]]
    if row.get("panel"):
        candidates = [c for c in candidates if c[7].lower() == row["panel"].lower()]
    if len(candidates) == 1:
        return candidates[0][0], ""
    if not candidates:
        return None, f"no panel of {doi} on page {page}"
    return None, f"{len(candidates)} panels of {doi} on page {page}: add figure and panel columns, or use panel_id"


def _label(row: dict[str, str], default_diagnosis: str) -> tuple[Label | None, str]:
    """The row's label, or None and why ("" for a row with no label at all)."""
    raw_ct, raw_diag = row.get("is_ct", "").lower(), (row.get("diagnosis", "") or default_diagnosis).lower()
    diagnosis = DIAGNOSIS_IN.get(raw_diag, None) if raw_diag else ""
    if diagnosis is None:
        return None, f"diagnosis {raw_diag!r} is not one of covid, other, normal, unsure"
    if raw_ct:
        is_ct = IS_CT_IN.get(raw_ct)
        if is_ct is None:
            return None, f"is_ct {raw_ct!r} is not true, false or unsure"
    elif diagnosis:
        is_ct = "yes"
    else:
        return None, ""
    age_text = row.get("age", "")
    age = None
    if age_text:
        match = AGE.match(age_text)
        if not match or int(match.group(1)) > MAX_AGE:
            return None, f"age {age_text!r} is not an age in years (0 to {MAX_AGE})"
        age = int(match.group(1))
    sex_text = row.get("sex", "").lower()
    sex = SEX_IN.get(sex_text, "") if sex_text else ""
    if sex_text and not sex:
        return None, f"sex {sex_text!r} is not M or F"
    return Label(is_ct, diagnosis if is_ct == "yes" else "", row.get("patient", ""), age, sex, row.get("note", "")), ""
