"""The disease a caption names for a panel: covid, other-pneumonia, normal, or None (not named, or a
disease that is none of these: tuberculosis, tumours, non-infective pneumonitis, heart failure)."""

from __future__ import annotations

import re
from typing import Sequence

COVID = re.compile(
    r"covid|sars[- ]?cov[- ]?2|sars-cov2|2019[- ]?n?-?cov|\bncp\b|novel\s+coronavirus|coronavirus\s+disease|"
    r"wuhan\s+(?:coronavirus|pneumonia)|\bcov-?19\b",
    re.I,
)
OTHER_PNEUMONIA = re.compile(
    r"influenza|\bh1n1\b|\bh7n9\b|bacterial|pneumococcal|streptococc|pneumoniae\b|staphylococc|mycoplasma|"
    r"pneumocystis|\bpcp\b|legionell|klebsiella|adenovir|respiratory syncytial|\brsv\b|cytomegalovirus|\bcmv\b|"
    r"community[- ]acquired|(?:viral|necroti[sz]ing|lobar|aspiration|bronchopneumonia)\s*(?:pneumonia)?\b",
    re.I,
)
NOT_PNEUMONIA = re.compile(
    r"(?:organi[sz]ing|eosinophilic|hypersensitivity|radiation|interstitial|lipoid|chemical|aspiration-?free|"
    r"cryptogenic)\s+pneumon",
    re.I,
)
PNEUMONIA = re.compile(r"\bpneumonia\b", re.I)
NORMAL = re.compile(r"\bhealthy\b|normal\s+(?:control|subject|volunteer|lungs?\b)|\bcontrol\s+(?:subject|group|case)", re.I)
OTHER = re.compile(
    r"tubercul|\btb\b|tumou?r|cancer|carcinoma|lymphoma|myeloma|metasta|sarcoma|heart failure|embolism|aspergill|"
    r"mycobacteri|\bntm\b|fungal|fibrosis|\bipf\b|abscess|bronchiectasis|sarcoidosis|pneumonitis",
    re.I,
)


def named(text: str) -> set[str]:
    """The categories a piece of text names: some of covid, other-pneumonia, normal, other."""
    text = text or ""
    found = set()
    if COVID.search(text):
        found.add("covid")
    stripped = NOT_PNEUMONIA.sub(" other ", text)
    if NOT_PNEUMONIA.search(text):
        found.add("other")
    if OTHER_PNEUMONIA.search(stripped) and not (found & {"covid"} and not _specific(stripped)):
        found.add("other-pneumonia")
    elif PNEUMONIA.search(stripped) and "covid" not in found:
        found.add("other-pneumonia")
    if NORMAL.search(text):
        found.add("normal")
    if OTHER.search(stripped):
        found.add("other")
    return found


def _specific(text: str) -> bool:
    """A named pathogen other than the coronavirus (not just "viral pneumonia" in a COVID-19 text)."""
    return bool(re.search(r"influenza|h1n1|h7n9|bacterial|pneumococcal|pneumoniae\b|staphylococc|mycoplasma|pneumocystis|"
                          r"legionell|klebsiella|adenovir|syncytial|cytomegalovirus|community[- ]acquired", text, re.I))


def _pick(found: set[str]) -> str | None:
    for name in ("covid", "other-pneumonia", "normal"):
        if found == {name}:
            return name
    if "covid" in found and "other" in found and "other-pneumonia" not in found and "normal" not in found:
        return None
    return None


def diagnosis_of(own: str, caption: str, others: Sequence[str] = ()) -> str | None:
    """The panel's own text decides when it names a disease; else the caption outside the other panels'
    texts, when it names one category only."""
    found = named(own)
    if found:
        if "covid" in found:
            return "covid"
        return _pick(found - {"other"}) if found - {"other"} and "other" not in found else _pick(found)
    rest = caption or ""
    for text in others:
        if text:
            rest = rest.replace(text, " ")
    return _pick(named(rest))
