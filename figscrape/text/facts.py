"""Patient facts as a figure caption states them, per panel: which individual a panel shows (a key
local to the caption), that individual's age and sex, and the disease the caption names for it.

Used by annotate (the labeling app's suggestions) and by `figscrape inspect`; pure text, no stage.
The caption is read as a sequence of person mentions ("a 39-year-old man", "patient 9", "F/45",
"the patient"); a panel shows the person its own sub-caption mentions, else the last person
mentioned before the panel's place in the caption, unless a plural ("patients", "cases") or
several people stand between. Plurals never make an individual."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from figscrape.text.diagnosis import diagnosis_of

_NUM = r"(\d{1,3})"
_DASH = r"\s?[-\u2010-\u2015]?\s?"
_AGE_PATTERNS = [
    (re.compile(_NUM + _DASH + r"(?:years?|yrs?)" + _DASH + r"old\b", re.I), 1),
    (re.compile(_NUM + _DASH + r"(?:year|yr)\b(?:\s*(?:and\s*)?\d{1,2}\s*months?)?", re.I), 1),
    (re.compile(_NUM + _DASH + r"(?:months?|weeks?|days?)" + _DASH + r"old\b", re.I), 0),
    (re.compile(r"\baged?\s*(?:of\s*)?" + _NUM + r"\b", re.I), 1),
    (re.compile(r"(?<![\w.])" + _NUM + r"\s*(?:y/o|y\.o\.?|yo|yrs?|y)(?![a-z])", re.I), 1),
    (re.compile(r"(?<![\w.])" + _NUM + r"\s*years?(?=\s*[,;)])", re.I), 1),
]
_LETTER_AGE = re.compile(r"(?<![\w.])([MF])\s*[,/;]\s*" + _NUM + r"\b|(?<![\w.])" + _NUM + r"\s*(?:y|yo|years?)?\s*[,/]?\s*([MF])\b(?![.\w])")
_SEX_WORDS = {
    "man": "M", "male": "M", "boy": "M", "gentleman": "M", "father": "M", "grandpa": "M", "grandfather": "M",
    "brother": "M", "son": "M", "husband": "M",
    "woman": "F", "female": "F", "girl": "F", "lady": "F", "mother": "F", "grandma": "F", "grandmother": "F",
    "sister": "F", "daughter": "F", "wife": "F",
}
_SEX = re.compile(r"\b(" + "|".join(_SEX_WORDS) + r")\b(?!-)", re.I)
_PRONOUN = re.compile(r"\b(he|his|him|she|her)\b", re.I)
_ID = re.compile(
    r"\b(?i:(patient|case|subject|pt\.?))(?i:\s*(?:id|no\.?|#|number)\b)?\s*(?:(\d+)(?![\d.,]?\d)(?!\s*(?i:y\b|yo\b|yrs?\b|years?|-year))|([A-Z])\b(?![-.]\w))"
    r"|\b(?i:IP)\s*:\s*([A-Z]?\d+)",
)
_ID_LIST = re.compile(r"\b(patients|cases|subjects)\s+((?:no\.?\s*)?\d+(?:\s*(?:,|and|&|,\s*and)\s*\d+)+)", re.I)
_SINGULAR = re.compile(r"\b(patient|case|individual|subject|person|child|infant|neonate)\b(?!s|-)", re.I)
_PLURAL = re.compile(
    r"\b(patients|cases|subjects|individuals|persons|people|children|men|women|cohort|groups)\b|"
    r"\b(two|three|four|five|six|several|multiple|different|various|all)\s+(?:\w+\s+){0,2}?(?:patients|cases)\b",
    re.I,
)
_DEFINITE = re.compile(r"\b(the|this|same|that|our)\s+(?:\w+\s+){0,2}?$", re.I)
_TIMELINE = re.compile(
    r"\b(baseline|follow-?up|admission|discharge|after\s+(?:\d+|treatment|therapy)|before\s+treatment|"
    r"day\s*\d+|\d+\s*days?\s+(?:later|after)|on\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\s*\d|"
    r"(?:january|february|march|april|june|july|august|september|october|november|december)\s*\d)",
    re.I,
)


@dataclass(frozen=True)
class PanelFacts:
    """What a caption says of one panel's patient; None where it says nothing."""

    patient: str | None = None
    age: int | None = None
    sex: str | None = None
    diagnosis: str | None = None


@dataclass
class _Person:
    start: int
    name: str | None = None
    age: int | None = None
    sex: str | None = None
    key: str = ""


@dataclass
class _Mention:
    start: int
    end: int
    person: _Person
    kinds: set[str] = field(default_factory=set)


def _ages(text: str) -> list[tuple[int, int, int]]:
    """(start, end, age) of every age stated, the earliest pattern winning where they overlap."""
    found: list[tuple[int, int, int]] = []
    for pattern, scale in _AGE_PATTERNS:
        for m in pattern.finditer(text):
            value = int(m.group(1)) if scale else 0
            if 0 <= value < 120 and not any(s < m.end() and m.start() < e for s, e, _ in found):
                found.append((m.start(), m.end(), value))
    for m in _LETTER_AGE.finditer(text):
        value = int(m.group(2) or m.group(3))
        if 0 < value < 120 and not any(s < m.end() and m.start() < e for s, e, _ in found):
            found.append((m.start(), m.end(), value))
    return sorted(found)


def _letter_sex(text: str) -> list[tuple[int, str]]:
    return [(m.start(), (m.group(1) or m.group(4)).upper()) for m in _LETTER_AGE.finditer(text)]


def _plural_spans(text: str) -> list[int]:
    return [m.start() for m in _PLURAL.finditer(text)]


def _mentions(text: str) -> list[_Mention]:
    """Person mentions in reading order, each tied to a person; nearby facts join one mention."""
    raw: list[tuple[int, int, str, object]] = []
    for m in _ID.finditer(text):
        if m.group(1):
            name = f"{m.group(1).lower().rstrip('.').replace('pt', 'patient')} {(m.group(2) or m.group(3)).lstrip('0') or '0'}"
        else:
            name = f"patient {m.group(4)}"
        raw.append((m.start(), m.end(), "id", name))
    for m in _ID_LIST.finditer(text):
        noun = m.group(1).lower().rstrip("s")
        for n in re.finditer(r"\d+", m.group(2)):
            raw.append((m.start(2) + n.start(), m.start(2) + n.end(), "id", f"{noun} {n.group().lstrip('0') or '0'}"))
    for s, e, age in _ages(text):
        raw.append((s, e, "age", age))
    for s, sex in _letter_sex(text):
        raw.append((s, s + 1, "sex", sex))
    for m in _SEX.finditer(text):
        if not re.match(r"\s*(?:and|or|/)\s*(?:fe)?male", text[m.end():], re.I):
            raw.append((m.start(), m.end(), "sex", _SEX_WORDS[m.group(1).lower()]))
    for m in _SINGULAR.finditer(text):
        if not any(s <= m.start() < e for s, e, k, _ in raw if k == "id"):
            definite = bool(_DEFINITE.search(text[max(0, m.start() - 30) : m.start()]))
            raw.append((m.start(), m.end(), "the" if definite else "a", None))
    for m in _PRONOUN.finditer(text):
        raw.append((m.start(), m.end(), "pronoun", _SEX_WORDS["man" if m.group(1).lower() in ("he", "his", "him") else "woman"]))
    raw.sort(key=lambda r: r[0])
    mentions: list[_Mention] = []
    people: dict[str, _Person] = {}
    for start, end, kind, value in raw:
        last = mentions[-1] if mentions else None
        near = last is not None and start - last.end <= 30 and not re.search(r"[.;:]\s|\)\s*[,;]?\s*\(?[A-Za-z]\d?\)|\b[A-Z]\d?[,:)]\s", text[last.end : start])
        if kind == "pronoun":
            if last is not None and last.person.sex is None and start - last.end <= 200:
                last.person.sex = value  # type: ignore[assignment]
            continue
        ordinal = kind == "a" and re.search(r"\b(first|second|third|fourth|fifth|another|other)\s+(?:\w+\s+)?$", text[max(0, start - 30) : start], re.I)
        if kind in ("the", "a") and last is not None and not ordinal:
            last.end = max(last.end, end) if near else last.end
            continue
        bare = last is not None and not ordinal and last.person.name is None and last.person.age is None and last.person.sex is None
        joinable = near and not (kind == "id" and last.person.name and last.person.name != value) and not (
            kind == "age" and last.person.age is not None) and not (kind == "sex" and last.person.sex is not None)
        if joinable or (bare and kind in ("age", "sex")):
            mention = last
            last.end = max(last.end, end)
        else:
            person = people.get(value) if kind == "id" else None  # type: ignore[arg-type]
            mention = _Mention(start, end, person or _Person(start))
            mentions.append(mention)
        person = mention.person
        if kind == "id":
            if person.name is None and value not in people:
                person.name = value  # type: ignore[assignment]
                people[value] = person  # type: ignore[index]
        elif kind == "age" and person.age is None:
            person.age = value  # type: ignore[assignment]
        elif kind == "sex" and person.sex is None:
            person.sex = value  # type: ignore[assignment]
        mention.kinds.add(kind)
    return [m for m in mentions if m.kinds - {"sex"} or _sex_is_person(text, m)]


def _sex_is_person(text: str, mention: _Mention) -> bool:
    """A bare sex word ("man", "female") names a person unless it is an adjective of a plural."""
    return not _PLURAL.match(text[mention.end :].lstrip())


def _label_place(caption: str, label: str) -> int:
    """Where a panel's label stands in the caption, -1 when it cannot be found."""
    esc = re.escape(label)
    for pattern in (
        r"\(\s*(?:fig(?:ure)?\.?\s*\d*)?" + esc + r"\b",
        r"\b(?:[A-Za-z]\d?\s*(?:-|\u2013|and|,)\s*)" + esc + r"\b",
        r"(?:^|[.;:]\s+|\s)" + esc + r"(?:[.,:)]|\s*[-\u2013]\s*\w\b)",
        r"\b" + esc + r"\b",
    ):
        m = re.search(pattern, caption)
        if m:
            return m.start()
    return -1


def _place(caption: str, label: str | None, subcaption: str | None) -> tuple[int, int]:
    """(start, end) of the text of a panel inside its caption; (-1, -1) when unknown."""
    if subcaption:
        near = _label_place(caption, label) if label else -1
        at = caption.find(subcaption, max(near, 0))
        at = at if at >= 0 else caption.find(subcaption)
        if at >= 0:
            return at, at + len(subcaption)
    if label:
        at = _label_place(caption, label)
        if at >= 0:
            return at, at + len(label) + 2
    return -1, -1


def panel_facts(caption: str, panels: Sequence[tuple[str | None, str | None]]) -> list[PanelFacts]:
    """The facts of each (label, subcaption) panel of a figure whose caption is `caption`."""
    caption = caption or ""
    mentions = _mentions(caption)
    plurals = _plural_spans(caption)
    people = list(dict.fromkeys(id(m.person) for m in mentions))
    whole: _Person | None = None
    if len(people) == 1:
        whole = mentions[0].person
    elif not mentions and not plurals and _TIMELINE.search(caption):
        whole = _Person(0)
    out_people: list[_Person | None] = []
    places = [_place(caption, label, sub) for label, sub in panels]
    for (label, sub), (start, end) in zip(panels, places):
        own = [m for m in mentions if start <= m.start < end] if start >= 0 else []
        if own:
            out_people.append(own[0].person)
            continue
        if sub and _PLURAL.search(sub):
            out_people.append(None)
            continue
        before = [m for m in mentions if m.start < start] if start >= 0 else []
        if before:
            last = before[-1]
            title_end = min((s for s, _ in places if s >= 0), default=0)
            head = [m for m in mentions if m.start < title_end]
            if not (len({id(m.person) for m in head}) > 1 and last in head) and not any(
                last.start < p < start for p in plurals
            ):
                out_people.append(last.person)
                continue
        if whole is not None and not (plurals and len(panels) > 1 and start >= 0 and not before):
            out_people.append(whole)
        else:
            out_people.append(None)
    if len(panels) > 1 and len(people) == len(panels) and all(s < 0 for s, _ in places):
        firsts = list({id(m.person): m.person for m in mentions}.values())
        out_people = list(firsts)
    keys: dict[int, str] = {}
    result = []
    for (label, sub), (start, end), person in zip(panels, places, out_people):
        own_text = caption[start:end] if start >= 0 else (sub or "")
        other = [caption[s:e] for (s, e) in places if s >= 0 and (s, e) != (start, end)]
        diagnosis = diagnosis_of(own_text, caption, other)
        if person is None:
            result.append(PanelFacts(None, None, None, diagnosis))
            continue
        key = keys.setdefault(id(person), person.name or f"p{len(keys) + 1}")
        result.append(PanelFacts(key, person.age, person.sex, diagnosis))
    return result
