"""`figscrape demo` end to end on the bundled samples: offline, labels of two annotators and a
reviewer imported, a sound COVID-CT-style export under the data home, nothing added by a second run."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from figscrape.cli import app

runner = CliRunner()
TABLES = ("papers", "pdfs", "figures", "panels", "annotations", "exports", "runs")


def _counts(home: Path) -> dict[str, int]:
    with sqlite3.connect(home / "figscrape.db") as db:
        return {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    home = tmp_path_factory.mktemp("demo") / "home"
    first = runner.invoke(app, ["--data", str(home), "demo"], env={"COLUMNS": "200"})
    after_first = _counts(home)
    second = runner.invoke(app, ["--data", str(home), "demo"], env={"COLUMNS": "200"})
    return {"home": home, "first": first, "second": second, "after_first": after_first, "after_second": _counts(home)}


def test_the_demo_exports_a_sound_dataset_and_says_where(demo: dict) -> None:
    home, result = demo["home"], demo["first"]
    assert result.exit_code == 0, result.output
    out = home / "demo-dataset"
    assert runner.invoke(app, ["export", str(out), "--check"]).exit_code == 0
    covid, noncovid = (sorted(p.name for p in (out / "Images-processed" / c).iterdir()) for c in ("CT_COVID", "CT_NonCOVID"))
    assert len(covid) == 5 and len(noncovid) == 3
    assert all(name.startswith("2020.01.01.0000010") for name in covid + noncovid), covid + noncovid
    assert (out / "README.md").is_file() and (out / "preview.png").is_file()
    for shown in (str(out), "CT_COVID 5, CT_NonCOVID 3", str(out / "README.md"), str(out / "preview.png"), "a sound export",
                  f"figscrape --data {home} app"):
        assert shown in result.output, shown
    meta = (out / "COVID-CT-MetaInfo.csv").read_text()
    assert "2020.01.01.00000100-p1-1%0.png,2020.01.01.00000100/patient 1,54,M," in meta  # patient, age, sex from the labels
    assert "ana: yes/covid; ben: yes/normal; rev (adjudication): yes/covid" in meta  # the adjudicated disagreement


def test_both_annotators_and_the_adjudication_are_in_the_database(demo: dict) -> None:
    with sqlite3.connect(demo["home"] / "figscrape.db") as db:
        rows = db.execute("select annotator, adjudication, count(*) from annotations group by annotator, adjudication").fetchall()
        assert sorted(rows) == [("ana", 0, 17), ("ben", 0, 17), ("rev", 1, 1)]
        patients = {r[0] for r in db.execute("select patient_key from annotations where is_ct = 'yes'")}
        assert {"patient 1", "patient 2", "patient 3", "patient 4"} <= patients


def test_a_second_demo_adds_nothing_and_still_prints_the_result(demo: dict) -> None:
    assert demo["second"].exit_code == 0, demo["second"].output
    assert demo["after_second"] == demo["after_first"]
    assert "0 labels added, 35 already there" in demo["second"].output
    assert "a sound export" in demo["second"].output and "CT_COVID 5, CT_NonCOVID 3" in demo["second"].output


def test_the_demo_labels_export_as_an_imagefolder_hugging_face_loads(demo: dict, tmp_path: Path) -> None:
    out = tmp_path / "hf"
    result = runner.invoke(app, ["--data", str(demo["home"]), "export", str(out), "--format", "imagefolder", "--split", "0.5,0.25,0.25"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["export", str(out), "--check"]).exit_code == 0
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset("imagefolder", data_dir=str(out), cache_dir=str(tmp_path / "cache"))
    assert sum(len(ds[s]) for s in ds) == 8
    assert ds["train"].features["label"].names == ["CT_COVID", "CT_NonCOVID"]


def test_an_imagefolder_export_with_an_empty_split_still_loads_and_passes_the_check(demo: dict, tmp_path: Path) -> None:
    """4 patients at the default 0.6,0.15,0.25 leave validation without an image: that split is not
    written (datasets cannot load a split of no rows), the card does not list it, --check agrees."""
    out = tmp_path / "hf"
    result = runner.invoke(app, ["--data", str(demo["home"]), "export", str(out), "--format", "imagefolder"])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert len(written) < 3 and "validation" not in written
    assert "validation" not in (out / "README.md").read_text().split("---")[1]
    check = runner.invoke(app, ["export", str(out), "--check"])
    assert check.exit_code == 0, check.output
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset("imagefolder", data_dir=str(out), cache_dir=str(tmp_path / "cache"))
    assert sorted(ds) == written and sum(len(ds[s]) for s in ds) == 8
