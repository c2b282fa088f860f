"""Patient, age and sex for the labeling app's suggestions, read from the caption by the floor's
`figscrape.text.facts` (the same reading `figscrape inspect` prints); never stored unasked."""

from __future__ import annotations

from dataclasses import dataclass

from figscrape.text.facts import panel_facts


@dataclass(frozen=True)
class Suggestion:
    patient: str = ""
    age: int | None = None
    sex: str = ""


def suggest(caption: str, subcaption: str = "", label: str | None = None) -> Suggestion:
    """What the caption says of this panel's patient. The patient is suggested only when the caption
    names it ("patient 3", "case 2"); a caption-local key ("p1") would mean nothing outside it."""
    facts = panel_facts(caption or subcaption, [(label, subcaption or None)])[0]
    named = facts.patient if facts.patient and not facts.patient[1:].isdigit() else ""
    return Suggestion(named, facts.age, facts.sex or "")
