"""Patient, age and sex as captions state them ("patient 3", "Case 2", "a 45-year-old man",
"(M, 45 y)"), offered to the annotator as suggestions, never stored unasked."""

from __future__ import annotations

import re
from dataclasses import dataclass

PATIENT = re.compile(r"\b(patient|case|subject|pt\.?)\s*(?:no\.?\s*|#\s*)?([0-9]+|[A-Z]\b)", re.IGNORECASE)
AGE = re.compile(
    r"\b(\d{1,3})[- ](?:year|yr)s?[- ]old\b|\baged?\s+(\d{1,3})\b|\b(\d{1,3})\s*(?:y(?:ears?)?|yo)\b(?![a-z])|\(\s*[MF]\s*[,/;]\s*(\d{1,3})\b",
    re.IGNORECASE,
)
SEX_WORDS = {
    "man": "M", "male": "M", "men": "M", "boy": "M", "gentleman": "M", "his": "M", "he": "M",
    "woman": "F", "female": "F", "women": "F", "girl": "F", "lady": "F", "her": "F", "she": "F",
}
SEX = re.compile(r"\b(" + "|".join(SEX_WORDS) + r")\b", re.IGNORECASE)
SEX_LETTER = re.compile(r"\(\s*([MF])\s*[,/;]\s*\d{1,3}|\b\d{1,3}\s*(?:y|yo|years?)?\s*[,/]?\s*([MF])\b")


@dataclass(frozen=True)
class Suggestion:
    patient: str = ""
    age: int | None = None
    sex: str = ""


def suggest(caption: str, subcaption: str = "") -> Suggestion:
    """What the sub-caption says, else what the caption says when it names one patient only."""
    own = _facts(subcaption)
    whole = _facts(caption)
    patients = {p.lower() for p in _patients(caption)}
    single = len(patients) <= 1
    return Suggestion(
        own.patient or (whole.patient if single else ""),
        own.age if own.age is not None else (whole.age if single else None),
        own.sex or (whole.sex if single else ""),
    )


def _patients(text: str) -> list[str]:
    return [f"{m.group(1).lower().rstrip('.').replace('pt', 'patient')} {m.group(2)}" for m in PATIENT.finditer(text or "")]


def _facts(text: str) -> Suggestion:
    if not text:
        return Suggestion()
    patients = _patients(text)
    age = None
    for match in AGE.finditer(text):
        value = int(next(g for g in match.groups() if g))
        if 0 < value < 120:
            age = value
            break
    sex = ""
    letter = SEX_LETTER.search(text)
    if letter:
        sex = (letter.group(1) or letter.group(2)).upper()
    else:
        word = SEX.search(text)
        if word:
            sex = SEX_WORDS[word.group(1).lower()]
    return Suggestion(patients[0] if patients else "", age, sex)
