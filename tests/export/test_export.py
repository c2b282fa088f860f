from __future__ import annotations

import csv
from pathlib import Path

import pytest
from labelling import label
from sqlalchemy import update
from typer.testing import CliRunner

from figscrape.cli import app
from figscrape.data.db import write_session
from figscrape.data.models import Export, Figure, Panel, Paper
from figscrape.data.votes import Vote, resolve
from figscrape.export.check import check_export
from figscrape.export.dataset import ExportError, ExportOptions, export_dataset
from figscrape.synthetic.labelled import seed_panels

runner = CliRunner()


# --- label resolution ---------------------------------------------------------------------------

def test_majority_decides_and_ties_and_unsure_decide_nothing() -> None:
    assert resolve([Vote("a", "yes", "covid"), Vote("b", "yes", "covid"), Vote("c", "yes", "normal")]).cls == "CT_COVID"
    assert resolve([Vote("a", "yes", "other"), Vote("b", "yes", "normal")]).cls == "CT_NonCOVID"
    assert resolve([Vote("a", "yes", "covid"), Vote("b", "yes", "normal")]).reason == "annotators tie on COVID-19 or not"
    assert resolve([Vote("a", "yes", "covid"), Vote("b", "no")]).reason == "annotators tie on CT or not"
    assert resolve([Vote("a", "unsure")]).reason == "unsure whether CT"
    assert resolve([Vote("a", "no"), Vote("b", "no"), Vote("c", "yes", "covid")]).reason == "not CT"
    assert resolve([Vote("a", "yes", "unsure")]).reason == "diagnosis unsure"
    both = resolve([Vote("a", "yes", "covid", "patient 1", 45, "M"), Vote("b", "yes", "covid", "patient 1", None, "M"), Vote("c", "unsure")])
    assert (both.cls, both.patient_key, both.age, both.sex, round(both.agreement, 2)) == ("CT_COVID", "patient 1", 45, "M", 0.67)


def test_an_adjudication_overrides_the_votes() -> None:
    out = resolve([Vote("a", "yes", "covid"), Vote("b", "yes", "covid"), Vote("rev", "yes", "normal", adjudication=True)])
    assert (out.cls, out.diagnosis, out.adjudicated) == ("CT_NonCOVID", "normal", True)
    assert resolve([Vote("a", "yes", "covid"), Vote("b", "no"), Vote("rev", "no", adjudication=True)]).reason == "not CT"


def test_the_latest_label_of_each_annotator_counts(engine, store) -> None:  # noqa: ANN001
    seeded = seed_panels(engine, store, papers=1, figures=1, panels=1)
    pid = seeded.panel_ids[0]
    label(engine, pid, "ann", "yes", "covid", minutes=1)
    label(engine, pid, "ann", "no", minutes=5)
    label(engine, pid, "bob", "no", minutes=2)
    from figscrape.data.db import read_session
    from figscrape.data.votes import load_votes

    with read_session(engine) as s:
        votes = load_votes(s)[pid]
    assert [(v.annotator, v.is_ct) for v in votes] == [("ann", "no"), ("bob", "no")]


# --- a labelled database ------------------------------------------------------------------------

@pytest.fixture
def labelled(engine, store):  # noqa: ANN001, ANN201
    """12 papers x 2 figures x 3 panels; papers 0-5 COVID, 6-11 normal; patients keyed per figure
    in even papers; two annotators agree except where a test says otherwise."""
    seeded = seed_panels(engine, store, papers=12, figures=2, panels=3, seed=1)
    for k, pid in enumerate(seeded.panel_ids):
        paper, figure = divmod(k, 6)[0], (k % 6) // 3
        diagnosis = "covid" if paper < 6 else "normal"
        patient = f"patient {figure + 1}" if paper % 2 == 0 else ""
        for annotator in ("ann", "bob"):
            label(engine, pid, annotator, "yes", diagnosis, patient, age=40 + paper, sex="F", minutes=k)
    return seeded


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_covid_ct_layout_lists_and_metainfo(engine, store, labelled, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "covid-ct"
    result = export_dataset(engine, store, out, ExportOptions())
    covid = sorted(p.name for p in (out / "Images-processed" / "CT_COVID").iterdir())
    noncovid = sorted(p.name for p in (out / "Images-processed" / "CT_NonCOVID").iterdir())
    assert len(covid) == len(noncovid) == 36 and result.counts["images"] == 72
    assert covid[0].startswith("2020.") and "-p2-1%0.png" in " ".join(covid)
    lists = {split: (out / "Data-split" / "COVID" / f"{split}CT_COVID.txt").read_text().split() for split in ("train", "val", "test")}
    assert sorted(sum(lists.values(), [])) == covid  # each image in exactly one list
    assert all(lists.values())
    with (out / "COVID-CT-MetaInfo.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:11] == ["File name", "Patient ID", "Age", "Gender", "Location", "Medical history", "Time", "Severity",
                                  "Other diseases", "DOI", "Captions"]
    assert {"Server", "Version", "Date", "License", "Page", "Figure", "Panel", "Sub-caption", "BBox", "CT score", "Labels",
            "Agreement"} <= set(rows[0])
    split_of_patient: dict[str, set[str]] = {}
    for row in rows:
        split_of_patient.setdefault(row["Patient group"], set()).add(row["Split"])
        assert row["Labels"] == f"ann: yes/{row['Diagnosis']}; bob: yes/{row['Diagnosis']}"
    assert all(len(s) == 1 for s in split_of_patient.values())
    assert len(split_of_patient) == 6 * 2 + 6  # keyed papers: a patient per figure; unkeyed: the paper
    assert (out / "COVID-CT-MetaInfo.xlsx").stat().st_size > 0
    card = (out / "README.md").read_text()
    assert "72 CT images (36 CT_COVID, 36 CT_NonCOVID)" in card and "min 96x96" in card
    histogram = card.split("## CT scores")[1].split("## ")[0]
    bars = [line.split() for line in histogram.splitlines() if line[:3].replace(".", "").isdigit() and line[3:4] == "-"]
    assert [b[0] for b in bars] == [f"{k / 10:.1f}-{(k + 1) / 10:.1f}" for k in range(10)]
    assert sum(int(b[1]) for b in bars) == 72 and "72 scored." in histogram
    assert (out / "preview.png").stat().st_size > 1000 and (out / "histogram.png").is_file()
    assert check_export(out) == []
    from figscrape.data.db import read_session

    with read_session(engine) as s:
        assert s.query(Export).count() == 1


def test_patient_ids_are_unique_across_the_dataset_with_the_paper_key_beside_them(engine, store, labelled, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "ids"
    export_dataset(engine, store, out, ExportOptions())
    with (out / "COVID-CT-MetaInfo.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    keyed = [r for r in rows if r["Patient key"]]
    assert {r["Patient key"] for r in keyed} == {"patient 1", "patient 2"}  # the same keys in six papers
    people = {(r["DOI"], r["Patient key"]) for r in rows}
    assert len({r["Patient ID"] for r in rows}) == len(people) == 18
    assert all(r["Patient ID"].endswith("/" + r["Patient key"]) for r in keyed)


def test_an_adjudicated_panel_keeps_its_facts_notes_reach_metainfo_and_copies_in_conflict_are_listed(engine, store, tmp_path: Path) -> None:  # noqa: ANN001
    seeded = seed_panels(engine, store, papers=4, figures=1, panels=2, seed=2)
    ids = seeded.panel_ids
    with write_session(engine) as s:
        s.get(Panel, ids[6]).phash = s.get(Panel, ids[0]).phash  # paper 3's panel is paper 0's picture again
    for k, pid in enumerate(ids):
        label(engine, pid, "ann", "yes", "covid", "case 1", age=61, sex="M", note="bilateral GGO" if k == 0 else "")
        label(engine, pid, "bob", "yes", "covid" if k else "normal", "case 1", age=61, sex="M", note="crazy paving" if k == 0 else "")
    label(engine, ids[0], "rev", "yes", "covid", adjudication=True, minutes=9)
    label(engine, ids[6], "rev", "yes", "other", adjudication=True, minutes=9)
    out = tmp_path / "adj"
    export_dataset(engine, store, out, ExportOptions(duplicates="together"))
    with (out / "COVID-CT-MetaInfo.csv").open() as fh:
        rows = {int(r["Panel ID"]): r for r in csv.DictReader(fh)}
    first = rows[ids[0]]
    assert (first["Adjudicated"], first["Class"], first["Age"], first["Gender"], first["Patient key"]) == ("yes", "CT_COVID", "61", "M", "case 1")
    assert first["Notes"] == "ann: bilateral GGO; bob: crazy paving"
    assert rows[ids[6]]["Class"] == "CT_NonCOVID" and rows[ids[6]]["Age"] == "61"
    card = (out / "README.md").read_text()
    section = card.split("## Near-duplicates labelled differently")[1].split("\n## ")[0]
    assert rows[ids[0]]["File name"] in section and rows[ids[6]]["File name"] in section
    assert "CT_COVID" in section and "rev (adjudication): yes/other" in section


def test_the_same_database_and_flags_give_byte_identical_files(engine, store, labelled, tmp_path: Path) -> None:  # noqa: ANN001
    export_dataset(engine, store, tmp_path / "a", ExportOptions(folds=3))
    export_dataset(engine, store, tmp_path / "b", ExportOptions(folds=3))
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.keys() == b.keys() and all(a[k] == b[k] for k in a)
    export_dataset(engine, store, tmp_path / "c", ExportOptions(folds=3, seed=7))
    c = _files(tmp_path / "c")
    assert c["Data-split/COVID/testCT_COVID.txt"] != a["Data-split/COVID/testCT_COVID.txt"]


def test_folds_keep_each_patient_in_one_fold(engine, store, labelled, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "folds"
    export_dataset(engine, store, out, ExportOptions(folds=4))
    with (out / "COVID-CT-MetaInfo.csv").open() as fh:
        patient = {r["File name"]: r["Patient group"] for r in csv.DictReader(fh)}
    tests = []
    for n in range(1, 5):
        parts = {}
        for part in ("train", "validation", "test"):
            with (out / "CSV" / f"{part}{n}.csv").open() as fh:
                parts[part] = {r["filename"]: r["class"] for r in csv.DictReader(fh)}
        assert sum(len(p) for p in parts.values()) == 72
        seen = [{patient[f] for f in p} for p in parts.values()]
        assert not (seen[0] & seen[1] or seen[0] & seen[2] or seen[1] & seen[2])
        assert set(parts["test"].values()) == {"CT_COVID", "CT_NonCOVID"}  # stratified where possible
        tests += list(parts["test"])
    assert sorted(tests) == sorted(patient)  # every image is in exactly one test fold


def test_versions_of_one_paper_are_one_patient_and_duplicates_never_straddle_splits(engine, store, tmp_path: Path) -> None:  # noqa: ANN001
    seeded = seed_panels(engine, store, papers=10, figures=1, panels=2, seed=3)
    with write_session(engine) as s:
        # paper 1 is version 2 of paper 0; paper 5's panels are paper 2's images again (reused)
        s.execute(update(Paper).where(Paper.doi == seeded.paper_dois[1]).values(doi=seeded.paper_dois[0], version=2))
        first = {p.index: p for p in s.query(Panel).filter(Panel.id.in_(seeded.panel_ids[4:6]))}
        for p in s.query(Panel).filter(Panel.id.in_(seeded.panel_ids[10:12])):
            p.image_sha256, p.phash = first[p.index].image_sha256, first[p.index].phash
    for pid in seeded.panel_ids:
        label(engine, pid, "ann", "yes", "covid" if pid % 2 else "normal")
    out = tmp_path / "dedup"
    export_dataset(engine, store, out, ExportOptions())
    with (out / "COVID-CT-MetaInfo.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 18  # two reused panels kept once
    exclusions = (out / "exclusions.csv").read_text()
    assert exclusions.count("near-duplicate of") == 2
    v1v2 = {r["Split"] for r in rows if r["DOI"] == seeded.paper_dois[0]}
    assert len(v1v2) == 1 and len([r for r in rows if r["DOI"] == seeded.paper_dois[0]]) == 4
    out2 = tmp_path / "together"
    export_dataset(engine, store, out2, ExportOptions(duplicates="together"))
    with (out2 / "COVID-CT-MetaInfo.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 20
    assert len({r["Split"] for r in rows if r["DOI"] in (seeded.paper_dois[2], seeded.paper_dois[5])}) == 1


def test_licences_select_papers_and_unlabelled_reasons_are_listed(engine, store, labelled, tmp_path: Path) -> None:  # noqa: ANN001
    label(engine, labelled.panel_ids[0], "carl", "no")
    label(engine, labelled.panel_ids[0], "dana", "no")  # 2 no vs 2 yes: a tie
    label(engine, labelled.panel_ids[1], "ann", "unsure", minutes=999)
    label(engine, labelled.panel_ids[1], "bob", "unsure", minutes=999)
    out = tmp_path / "cc"
    result = export_dataset(engine, store, out, ExportOptions(licenses=["cc_by", "cc0"]))
    with (out / "COVID-CT-MetaInfo.csv").open() as fh:
        licences = {r["License"] for r in csv.DictReader(fh)}
    assert licences == {"cc_by", "cc0"}
    assert result.excluded["annotators tie on CT or not"] == 1 and result.excluded["unsure whether CT"] == 1
    assert result.excluded["licence"] == 36  # papers 1, 3, 5... under cc_by_nc_nd and cc_no


def test_imagefolder_loads_with_hugging_face_datasets(engine, store, labelled, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "hf"
    export_dataset(engine, store, out, ExportOptions(format="imagefolder"))
    assert check_export(out) == []
    card = (out / "README.md").read_text()
    assert card.startswith("---\nlicense: other\ntask_categories:\n- image-classification\n")
    assert "      class_label:\n        names:\n          '0': CT_COVID\n          '1': CT_NonCOVID" in card
    assert (out / "MetaInfo.csv").read_text().startswith("File name,Patient ID,")
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset("imagefolder", data_dir=str(out), cache_dir=str(tmp_path / "cache"))
    assert set(ds) == {"train", "validation", "test"}
    assert sum(len(ds[s]) for s in ds) == 72
    assert ds["train"].features["label"].names == ["CT_COVID", "CT_NonCOVID"]
    assert set(ds["train"]["label"]) == {0, 1}
    assert ds["train"].features == ds["test"].features
    assert ds["train"][0]["image"].size == (96, 96)
    yaml = pytest.importorskip("yaml")
    header = yaml.safe_load(card.split("---")[1])
    assert {s["name"]: s["num_examples"] for s in header["dataset_info"]["splits"]} == {s: len(ds[s]) for s in ds}
    from_card = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "cache2"))
    assert from_card["validation"].features == ds["validation"].features


def test_an_imagefolder_split_with_an_empty_column_still_loads(engine, store, tmp_path: Path) -> None:  # noqa: ANN001
    """Ages and notes only in one paper's panels: the other splits have those columns empty, and
    every split still reads them with the same type."""
    seeded = seed_panels(engine, store, papers=8, figures=1, panels=2, seed=5)
    for k, pid in enumerate(seeded.panel_ids):
        first = k < 2
        label(engine, pid, "ann", "yes", "covid" if k % 4 < 2 else "normal", age=50 if first else None,
              note="ground glass" if first else "")
    out = tmp_path / "sparse"
    export_dataset(engine, store, out, ExportOptions(format="imagefolder"))
    assert check_export(out) == []
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset("imagefolder", data_dir=str(out), cache_dir=str(tmp_path / "cache"))
    assert len({repr(ds[s].features) for s in ds}) == 1
    assert ds["train"].features["age"] == datasets.Value("int64") and ds["train"].features["captions"] == datasets.Value("string")
    ages = [a for s in ds for a in ds[s]["age"]]
    assert sorted(a for a in ages if a is not None) == [50, 50] and ages.count(None) == 14
    assert any(all(a is None for a in ds[s]["age"]) for s in ds)  # some split has no age at all


def test_check_says_when_datasets_would_not_load_an_imagefolder_export(engine, store, labelled, tmp_path: Path) -> None:  # noqa: ANN001
    pytest.importorskip("datasets")
    out = tmp_path / "hf"
    export_dataset(engine, store, out, ExportOptions(format="imagefolder"))
    (out / "validation" / "metadata.parquet").rename(out / "validation" / "metadata.jsonl")
    (out / "validation" / "metadata.jsonl").write_text('{"file_name": "x.png"}\n')
    problems = check_export(out)
    assert any("metadata.parquet: missing" in p for p in problems)
    (out / "validation" / "metadata.jsonl").unlink()
    import shutil

    shutil.copy(out / "train" / "metadata.parquet", out / "validation" / "metadata.parquet")
    from figscrape.export.check import loads_with_datasets

    (out / "test" / "metadata.jsonl").write_text('{"file_name": "x.png"}\n')
    assert any(p.startswith(f"datasets cannot load {out}") for p in loads_with_datasets(out))


# --- bad input ----------------------------------------------------------------------------------

def test_an_existing_folder_that_is_not_an_export_is_refused(engine, store, labelled, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    with pytest.raises(ExportError, match="not a figscrape export"):
        export_dataset(engine, store, out, ExportOptions())
    assert [p.name for p in out.iterdir()] == ["thesis.docx"]
    export_dataset(engine, store, tmp_path / "again", ExportOptions())
    export_dataset(engine, store, tmp_path / "again", ExportOptions(seed=3))  # an earlier export is replaced
    assert check_export(tmp_path / "again") == []
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_no_labels_and_a_damaged_image_stop_the_export_and_write_nothing(engine, store, tmp_path: Path, config) -> None:  # noqa: ANN001
    seeded = seed_panels(engine, store, papers=2, figures=1, panels=2)
    result = runner.invoke(app, ["export", str(tmp_path / "none")])
    assert result.exit_code == 2 and "no labelled CT panels" in result.output
    for pid in seeded.panel_ids:
        label(engine, pid, "ann")
    from figscrape.data.db import read_session

    with read_session(engine) as s:
        sha = s.get(Panel, seeded.panel_ids[2]).image_sha256
    store.path(sha).write_bytes(b"not the image")
    result = runner.invoke(app, ["export", str(tmp_path / "broken")])
    assert result.exit_code == 2 and "is damaged" in result.output and sha[:12] in result.output
    store.path(sha).unlink()
    result = runner.invoke(app, ["export", str(tmp_path / "broken")])
    assert result.exit_code == 2 and "unreadable" in result.output
    assert list(tmp_path.glob("*broken*")) == [] and list(tmp_path.glob(".*")) == []


def test_check_finds_missing_files_and_leaked_patients(engine, store, labelled, tmp_path: Path, config) -> None:  # noqa: ANN001
    out = tmp_path / "x"
    assert runner.invoke(app, ["export", str(out), "--split", "0.5,0.25,0.25"]).exit_code == 0
    assert runner.invoke(app, ["export", str(out), "--check"]).exit_code == 0
    lists = out / "Data-split" / "COVID"
    train, test = (lists / "trainCT_COVID.txt").read_text().split(), (lists / "testCT_COVID.txt").read_text().split()
    (lists / "testCT_COVID.txt").write_text("\n".join(test + [train[0]]) + "\n")
    (out / "Images-processed" / "CT_COVID" / test[0]).unlink()
    result = runner.invoke(app, ["export", str(out), "--check"])
    assert result.exit_code == 1
    assert "listed 2 times" in result.output and "is in several splits" in result.output and "which is not in" in result.output
    assert "counts differ" in result.output
    assert runner.invoke(app, ["export", str(tmp_path), "--check"]).exit_code == 1
    assert runner.invoke(app, ["export", str(out), "--split", "1,2"]).exit_code == 2


# --- label sheets -------------------------------------------------------------------------------

def test_labels_round_trip_through_a_sheet(engine, store, tmp_path: Path, config) -> None:  # noqa: ANN001
    seeded = seed_panels(engine, store, papers=2, figures=1, panels=3)
    label(engine, seeded.panel_ids[0], "ann", "yes", "covid", "patient 1", 45, "M")
    sheet = tmp_path / "labels.csv"
    assert runner.invoke(app, ["labels", "export", str(sheet)]).exit_code == 0
    rows = list(csv.DictReader(sheet.open()))
    assert len(rows) == 6 and list(rows[0])[:10] == ["panel_id", "doi", "version", "page", "figure", "panel", "file", "caption",
                                                        "subcaption", "ct_score"]
    assert (rows[0]["annotator"], rows[0]["is_ct"], rows[0]["diagnosis"], rows[0]["patient"], rows[0]["age"], rows[0]["sex"]) == (
        "ann", "true", "covid", "patient 1", "45", "M")
    rows[1].update(annotator="x", is_ct="false")
    rows[2].update(is_ct="true", diagnosis="Other pneumonia", sex="female", age="61y")
    rows[3].update(panel_id="99999", is_ct="true")
    rows[4].update(is_ct="maybe")
    with sheet.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = runner.invoke(app, ["labels", "import", str(sheet), "--annotator", "eve"])
    assert result.exit_code == 1, result.output
    assert "3 labels added" in result.output and "row 5: no panel 99999" in result.output and "row 6: is_ct 'maybe'" in result.output
    again = runner.invoke(app, ["labels", "import", str(sheet), "--annotator", "eve"])
    assert "0 labels added, 3 unchanged" in again.output
    from figscrape.data.db import read_session
    from figscrape.data.votes import load_votes

    with read_session(engine) as s:
        votes = load_votes(s)
    eve = {pid: v for pid, vs in votes.items() for v in vs if v.annotator == "eve"}
    assert (eve[seeded.panel_ids[2]].diagnosis, eve[seeded.panel_ids[2]].sex, eve[seeded.panel_ids[2]].age) == ("other", "F", 61)
    assert eve[seeded.panel_ids[1]].is_ct == "no"


def test_a_multi_annotator_sheet_imports_back_by_its_annotator_column(engine, store, tmp_path: Path, config) -> None:  # noqa: ANN001
    from figscrape.data.db import read_session
    from figscrape.data.votes import load_votes

    seeded = seed_panels(engine, store, papers=2, figures=1, panels=2)
    ids = seeded.panel_ids
    label(engine, ids[0], "ann", "yes", "covid", "p1", 40, "F", note="GGO")
    label(engine, ids[0], "bob", "yes", "normal")
    label(engine, ids[0], "rev", "yes", "covid", adjudication=True, minutes=3)
    label(engine, ids[1], "bob", "no")
    sheet = tmp_path / "labels.csv"
    assert runner.invoke(app, ["labels", "export", str(sheet)]).exit_code == 0
    with read_session(engine) as s:
        before = load_votes(s)
    fresh = tmp_path / "fresh"
    env = {"FIGSCRAPE_DATA": str(fresh)}
    seed_env = runner.invoke(app, ["db", "upgrade"], env=env)
    assert seed_env.exit_code == 0, seed_env.output
    from figscrape.data.db import open_database
    from figscrape.store import ObjectStore

    other = open_database(f"sqlite:///{fresh / 'figscrape.db'}")
    seed_panels(other, ObjectStore(fresh / "objects"), papers=2, figures=1, panels=2)
    result = runner.invoke(app, ["labels", "import", str(sheet)], env=env)
    assert result.exit_code == 0, result.output
    assert "4 labels added" in result.output and "2 rows without a label" in result.output
    with read_session(other) as s:
        after = load_votes(s)
    strip = lambda vs: {pid: [(v.annotator, v.is_ct, v.diagnosis, v.patient_key, v.age, v.sex, v.note, v.adjudication) for v in v_]
                        for pid, v_ in vs.items()}  # noqa: E731
    assert strip(after) == strip(before)
    assert "0 labels added, 4 unchanged" in runner.invoke(app, ["labels", "import", str(sheet)], env=env).output
    rows = list(csv.DictReader(sheet.open()))
    rows[0]["annotator"] = ""
    with (tmp_path / "anon.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[:1])
    refused = runner.invoke(app, ["labels", "import", str(tmp_path / "anon.csv")], env=env)
    assert refused.exit_code == 1 and "row 2: no annotator" in refused.output
    other.dispose()


def test_a_covid_ct_metainfo_sheet_imports_by_file_name(engine, store, labelled, tmp_path: Path, config) -> None:  # noqa: ANN001
    out = tmp_path / "x"
    assert runner.invoke(app, ["export", str(out)]).exit_code == 0
    from figscrape.runtime.tables import write_xlsx

    names = (out / "Data-split" / "COVID" / "trainCT_COVID.txt").read_text().split()[:3]
    sheet = tmp_path / "meta.xlsx"
    write_xlsx(sheet, "Sheet1", ["File name", "Patient ID", "Age", "Gender", "DOI"], [[n, "p1", 50, "M", ""] for n in names] + [["nope.png", "", "", "", ""]])
    result = runner.invoke(app, ["labels", "import", str(sheet), "--annotator", "covid-ct", "--diagnosis", "covid"])
    assert "3 labels added" in result.output and "no panel exported as nope.png" in result.output
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK not really")
    result = runner.invoke(app, ["labels", "import", str(bad), "--annotator", "z"])
    assert result.exit_code == 2 and "bad.xlsx: not a readable XLSX sheet" in result.output


def test_a_second_version_of_a_panel_is_exported_under_its_id_and_imports_back(engine, store, labelled, tmp_path: Path, config) -> None:  # noqa: ANN001
    """Two splitter versions of one panel both labelled: the later one's file name carries its panel
    id (`%ID-INDEX`), and a sheet naming that file labels that very panel."""
    from sqlalchemy import insert, select

    from figscrape.data.db import read_session
    from figscrape.data.models import Annotation

    with write_session(engine) as s:
        first = s.get(Panel, labelled.panel_ids[0])
        columns = {c.name: getattr(first, c.name) for c in Panel.__table__.columns if c.name not in ("id", "created_at")}
        second = s.execute(insert(Panel).values(**{**columns, "splitter_version": "split-older"})).inserted_primary_key[0]
    for annotator in ("ann", "bob"):
        label(engine, second, annotator, "yes", "covid")
    out = tmp_path / "x"
    assert runner.invoke(app, ["export", str(out), "--duplicates", "together"]).exit_code == 0
    listed = " ".join(p.read_text() for p in (out / "Data-split").rglob("*.txt")).split()
    [suffixed] = [n for n in listed if f"%{second}-" in n]
    assert suffixed.replace(f"%{second}-", "%") in listed  # the first version keeps the plain name
    sheet = tmp_path / "meta.csv"
    sheet.write_text(f"File name,Patient ID\n{suffixed},p9\n")
    result = runner.invoke(app, ["labels", "import", str(sheet), "--annotator", "carol", "--diagnosis", "covid"])
    assert "1 labels added" in result.output, result.output
    with read_session(engine) as s:
        assert s.scalars(select(Annotation.panel_id).where(Annotation.annotator == "carol")).all() == [second]


# --- hostile values -----------------------------------------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "'=already", "''+1"]


def test_no_exported_or_sheet_cell_is_a_formula_and_labels_round_trip(engine, store, tmp_path: Path, config) -> None:  # noqa: ANN001
    from openpyxl import load_workbook

    seeded = seed_panels(engine, store, papers=2, figures=1, panels=3, seed=1)
    with write_session(engine) as s:
        s.execute(update(Paper).values(title="=cmd|' /C calc'!A0"))
        s.execute(update(Panel).values(subcaption="\t=1+1"))
        s.execute(update(Figure).values(caption="\r@SUM(1)"))
    for k, pid in enumerate(seeded.panel_ids):
        for annotator in ("=ann", "@bob"):
            label(engine, pid, annotator, "yes", "covid" if k % 2 else "normal", FORMULAS[k % len(FORMULAS)], age=40, sex="F")
    out = tmp_path / "x"
    assert runner.invoke(app, ["export", str(out)]).exit_code == 0
    assert runner.invoke(app, ["export", str(tmp_path / "hf"), "--format", "imagefolder"]).exit_code == 0
    sheet = tmp_path / "labels.csv"
    assert runner.invoke(app, ["labels", "export", str(sheet)]).exit_code == 0
    texts = [out / "COVID-CT-MetaInfo.csv", sheet, *(tmp_path / "hf").rglob("MetaInfo.csv")]
    assert len(texts) >= 3
    for path in texts:
        with path.open(newline="") as fh:
            rows = list(csv.reader(fh))
        cells = [c for row in rows for c in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], path
        assert len(rows) == 1 or any(c.startswith("'") for c in cells), path
    wb = load_workbook(out / "COVID-CT-MetaInfo.xlsx")
    xcells = [c for row in wb.worksheets[0].iter_rows() for c in row]
    assert not [c.value for c in xcells if c.data_type == "f" or str(c.value or "").startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert any(isinstance(c.value, int) and c.value == 40 for c in xcells)  # numbers stay numbers
    again = runner.invoke(app, ["labels", "import", str(sheet), "--annotator", "=ann"])
    assert again.exit_code == 0 and "0 labels added" in again.output, again.output
