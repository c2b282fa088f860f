"""Per-panel patient facts from captions, on hand-written captions in the styles real CT figures use."""

from __future__ import annotations

import pytest

from figscrape.annotate.facts import suggest
from figscrape.text.diagnosis import diagnosis_of
from figscrape.text.facts import panel_facts


def _facts(caption: str, panels: list[tuple[str | None, str | None]]) -> list[tuple]:
    return [(f.patient, f.age, f.sex) for f in panel_facts(caption, panels)]


def test_each_lettered_panel_with_its_own_person_is_its_own_patient() -> None:
    caption = ("Figure 3. Chest CT of infected patients at presentation. A, Axial CT taken on March 3 from a 52-year-old "
               "woman, showing patchy opacities. B, Axial CT taken on March 5 from a 67-year-old man, showing consolidation.")
    got = _facts(caption, [("A", "Axial CT taken on March 3 from a 52-year-old woman, showing patchy opacities."),
                           ("B", "Axial CT taken on March 5 from a 67-year-old man, showing consolidation.")])
    assert [g[1:] for g in got] == [(52, "F"), (67, "M")]
    assert got[0][0] and got[1][0] and got[0][0] != got[1][0]


def test_one_person_stated_once_is_the_patient_of_every_panel() -> None:
    caption = "Figure 2. A 61-year-old man with fever. (A) Day 1: small nodules. (B) Day 6: wider opacities. (C) Day 14: resolution."
    got = _facts(caption, [("A", "Day 1: small nodules."), ("B", "Day 6: wider opacities."), ("C", "Day 14: resolution.")])
    assert got == [("p1", 61, "M")] * 3


def test_a_list_of_case_numbers_names_that_many_patients() -> None:
    got = _facts("Figure 5. Axial CT images of cases 04, 11 and 19.", [(None, None)] * 3)
    assert [g[0] for g in got] == ["case 4", "case 11", "case 19"]


@pytest.mark.parametrize("caption", [
    "Typical CT findings in patients with COVID-19 pneumonia (A-B).",
    "Representative cases from the severe group.",
    "CT images of four patients, showing ground-glass opacities.",
])
def test_plurals_name_no_patient(caption: str) -> None:
    got = panel_facts(caption, [("A", None), ("B", None)])
    assert [f.patient for f in got] == [None, None]


def test_numbered_patient_rows_are_told_apart() -> None:
    caption = "Serial CT scans. Patient 1: (A) admission, (B) day 9. Patient 2: (C) admission, (D) day 12."
    got = _facts(caption, [("A", "admission"), ("B", "day 9"), ("C", "admission"), ("D", "day 12")])
    assert [g[0] for g in got] == ["patient 1", "patient 1", "patient 2", "patient 2"]


@pytest.mark.parametrize(("caption", "age", "sex"), [
    ("Chest CT of a woman, 58 y, with cough.", 58, "F"),
    ("Axial CT in a 47-year-old male.", 47, "M"),
    ("CT of a patient aged 33 with fever.", 33, None),
    ("The patient, 81 years old, a retired teacher; she had dyspnoea.", 81, "F"),
    ("Chest CT (F/64) at admission.", 64, "F"),
    ("Chest CT (patient 7, 29M) showing nodules.", 29, "M"),
    ("CT of a 3-month-old boy with bronchiolitis.", 0, "M"),
    ("Chest CT of a 12-year-old girl.", 12, "F"),
])
def test_ages_and_sexes_in_their_many_spellings(caption: str, age: int, sex: str | None) -> None:
    facts = panel_facts(caption, [(None, None)])[0]
    assert (facts.age, facts.sex) == (age, sex)


def test_follow_up_scans_of_one_patient_share_a_key() -> None:
    caption = "Baseline CT on admission shows a nodule (a); follow-up CT 8 days later shows growth (b)."
    got = _facts(caption, [("a", "Baseline CT on admission shows a nodule"), ("b", "follow-up CT 8 days later shows growth")])
    assert got == [("p1", None, None), ("p1", None, None)]


def test_years_of_exposure_are_not_an_age() -> None:
    facts = panel_facts("A 66-year-old man who worked for 30 years in a quarry.", [(None, None)])[0]
    assert facts.age == 66


@pytest.mark.parametrize(("own", "caption", "hint"), [
    ("Ground-glass opacities.", "Chest CT in COVID-19 pneumonia.", "covid"),
    ("Lobar consolidation in influenza pneumonia.", "Chest CT of pneumonias.", "other-pneumonia"),
    ("Normal lungs of a healthy volunteer.", "", "normal"),
    ("Cavitation in pulmonary tuberculosis.", "Chest CT of infections.", None),
    ("Organizing pneumonia after radiotherapy.", "", None),
    ("Heart failure with effusion.", "CT of heart failure and COVID-19.", None),
    ("Bilateral opacities.", "Chest CT of a 40-year-old woman.", None),
])
def test_the_diagnosis_hint(own: str, caption: str, hint: str | None) -> None:
    assert diagnosis_of(own, caption) == hint


def test_the_app_no_longer_suggests_plurals_as_patient_ids() -> None:
    assert suggest("Chest CT of patients with COVID-19.", "").patient == ""
    assert suggest("CT scan of the four cases.", "").patient == ""
    assert suggest("Chest CT of patient 12 on day 3.", "").patient == "patient 12"
