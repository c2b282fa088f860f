"""Writes figscrape/samples/sample-labels.csv, the labels `figscrape demo` imports: what two made-up
annotators ("ana", "ben") say of every panel a fresh demo run finds in the sample PDFs, and one
reviewer's ("rev") adjudication. The truth comes from tools/make_samples.py: a figure is CT when it
was given a patient caption there (its diagnosis: covid, or other when the caption names influenza);
patient, age and sex are what the caption states (figscrape.text.facts). Disagreements, on purpose:
ben takes a chart for a CT (a tie, left out of the dataset), calls a resolving scan "normal"
(rev adjudicates it covid) and one influenza panel "normal" (still CT_NonCOVID).

Rows name their panel by DOI + page + figure (+ panel letter): each sample has its own stamp DOI,
so these stay the same on any fresh run, unlike panel ids of a shared database. Panels without a
letter that share a figure are named by their export file name instead (figure and panel index).

    python tools/make_sample_labels.py   # after tools/make_samples.py; checks the sheet imports cleanly"""

from __future__ import annotations

import subprocess
from collections import Counter
import sys
import tempfile
from pathlib import Path

from figscrape.runtime.tables import read_csv, write_csv
from figscrape.samples import sample_pdfs
from figscrape.text.facts import panel_facts

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_samples import SAMPLES  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "figscrape" / "samples" / "sample-labels.csv"
COLUMNS = ["doi", "page", "figure", "panel", "file", "annotator", "is_ct", "diagnosis", "patient", "age", "sex", "note", "adjudication"]
CT_CAPTIONS = {f"10.1101/2020.01.01.{seed:08d}": captions for seed, _style, _n, _title, captions in SAMPLES}
# (seed, figure, panel) -> what ben says instead of the truth
BEN = {(100, "3", ""): ("true", "covid", "the ct_score looked high"), (102, "2", "B"): ("true", "normal", "resolved?"),
       (101, "S2", "C"): ("true", "normal", "")}
ADJUDICATED = {(102, "2", "B"): ("true", "covid", "day 14 of a COVID-19 patient: still covid")}


def figscrape(home: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "figscrape.cli", "--data", str(home), *args], check=True, stdout=subprocess.DEVNULL)


def label_rows(sheet: list[dict[str, str]]) -> list[list[str]]:
    rows = []
    named = Counter((p["doi"], p["page"], p["figure"], p["panel"]) for p in sheet)
    for panel in sheet:
        doi, number, letter = panel["doi"], panel["figure"], panel["panel"]
        seed = int(doi.rsplit(".", 1)[1])
        key = (seed, number, letter)
        unique = named[(doi, panel["page"], number, letter)] == 1
        where = [doi, panel["page"], number, letter, "" if unique else panel["file"]]
        captions = CT_CAPTIONS.get(doi, {})
        if number in captions:
            facts = panel_facts(panel["caption"], [(letter or None, panel["subcaption"] or None)])[0]
            diagnosis = "other" if "influenza" in captions[number] else "covid"
            truth = ["true", diagnosis, facts.patient or "", "" if facts.age is None else str(facts.age), facts.sex or ""]
        else:
            truth = ["false", "", "", "", ""]
        rows.append(where + ["ana"] + truth + ["", ""])
        ben = BEN.get(key)
        rows.append(where + ["ben"] + (truth if ben is None else [ben[0], ben[1]] + truth[2:]) + [ben[2] if ben else "", ""])
        if key in ADJUDICATED:
            is_ct, diagnosis, note = ADJUDICATED[key]
            rows.append(where + ["rev", is_ct, diagnosis] + truth[2:] + [note, "true"])
    return rows


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        figscrape(home, "ingest", *map(str, sample_pdfs()))
        for stage in ("extract", "split", "classify"):
            figscrape(home, stage)
        figscrape(home, "labels", "export", str(home / "panels.csv"))
        rows = label_rows(read_csv(home / "panels.csv"))
        write_csv(OUT, COLUMNS, rows)
        figscrape(home, "labels", "import", str(OUT))  # exit 1 when a row matches no panel
    print(f"{len(rows)} labels → {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
