"""The per-image table of an export: COVID-CT's own MetaInfo columns first, then what figscrape
knows beyond them. "Patient ID" is unique across the dataset, as COVID-CT's is; "Patient key" is
the key annotators gave, unique only within its paper. The same rows feed COVID-CT-MetaInfo and imagefolder's metadata (TYPES: the columns that are not text)."""

from __future__ import annotations

import json

from figscrape.export.items import Item

COVID_CT_COLUMNS = [
    "File name", "Patient ID", "Age", "Gender", "Location", "Medical history", "Time", "Severity", "Other diseases", "DOI", "Captions",
]
EXTRA_COLUMNS = [
    "Class", "Split", "Patient group", "Diagnosis", "Server", "Version", "Date", "License", "Title", "Page", "Figure", "Panel",
    "Sub-caption", "BBox", "Width", "Height", "CT score", "Model version", "Labels", "Annotators", "Agreement", "Adjudicated",
    "Age (labelled)", "Sex", "Panel ID", "Patient key", "Notes",
]
COLUMNS = COVID_CT_COLUMNS + EXTRA_COLUMNS
TYPES = {"Age": "int64", "Version": "int64", "Page": "int64", "Width": "int64", "Height": "int64", "CT score": "float64",
         "Annotators": "int64", "Agreement": "float64", "Age (labelled)": "int64", "Panel ID": "int64"}


def votes_text(item: Item) -> str:
    """Every annotator's label, as `name: is_ct/diagnosis` (adjudications marked), for auditing."""
    parts = []
    for v in item.resolution.votes:
        label = v.is_ct + (f"/{v.diagnosis}" if v.diagnosis else "")
        parts.append(f"{v.annotator}{' (adjudication)' if v.adjudication else ''}: {label}")
    return "; ".join(parts)


def meta_row(item: Item) -> list[object]:
    r = item.resolution
    return [
        item.name, item.patient_id, r.age, r.sex, "", "", "", "", "", item.doi, item.caption,
        r.cls, item.split, item.patient, r.diagnosis, item.server, item.version, item.date, item.license, item.title, item.page,
        item.figure_number, item.label, item.subcaption, json.dumps(list(item.bbox)), item.width, item.height,
        "" if item.ct_score is None else round(item.ct_score, 4), item.model_version, votes_text(item),
        sum(1 for v in r.votes if not v.adjudication), round(r.agreement, 3), "yes" if r.adjudicated else "no",
        r.age, r.sex, item.panel_id, r.patient_key, r.notes,
    ]
