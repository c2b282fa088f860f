"""Regenerates figscrape/samples/*.pdf, the preprints `figscrape demo` runs on: synthetic papers of
seeds 100-102 (figscrape.synthetic.papers.make_paper), each with its own medRxiv-style stamp DOI, a
title in its metadata, and CT figure captions that name the patient (age, sex, diagnosis), so the
demo's dataset has patients to split by. Deterministic: the same code writes the same bytes.

    python tools/make_samples.py            # writes the three PDFs
    python tools/make_samples.py --check    # exit 1 when the committed PDFs differ from what it makes

After regenerating, run tools/make_sample_labels.py: the sample labels address these papers' panels."""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

import pymupdf

from figscrape.synthetic.papers import STYLES, make_paper

OUT = Path(__file__).resolve().parent.parent / "figscrape" / "samples"
STYLE = {s.name: s for s in STYLES}

# (seed, style, figures, title, {figure number: caption text}); a figure not named keeps its made-up caption
SAMPLES = [
    (100, "journal-2col", 4, "Chest CT findings in early COVID-19 pneumonia: a synthetic case series", {
        "1": "Chest CT of patient 1, a 54-year-old man with COVID-19 pneumonia: ground-glass opacities in both lower lobes.",
        "4": "Axial CT of patient 2, a 61-year-old woman with COVID-19. (A) Peripheral consolidation. (B) Crazy-paving pattern.",
    }),
    (101, "manuscript-legends", 3, "Imaging of viral pneumonia: COVID-19 and other causes (synthetic manuscript)", {
        "S2": "CT of patient 3, a 72-year-old man with influenza pneumonia (not COVID-19). (A) Admission. (B) Day 5. (C) Day 12.",
    }),
    (102, "manuscript", 3, "Follow-up CT after COVID-19: a synthetic author manuscript", {
        "2": "Serial CT of patient 4, a 39-year-old man with COVID-19. (A) Day 3: ground-glass opacities. (B) Day 14: resolving.",
    }),
]


def sample_bytes(seed: int, style: str, figures: int, title: str, captions: dict[str, str]) -> bytes:
    paper = make_paper(seed, STYLE[style], figures=figures, captions=lambda number, _kind: captions.get(number, ""))
    doc = pymupdf.open(stream=paper.pdf, filetype="pdf")
    doc.set_metadata({"title": title, "author": "Synthetic et al.", "creator": "figscrape tools/make_samples.py",
                      "producer": "figscrape.synthetic", "creationDate": "", "modDate": ""})
    data = doc.tobytes(garbage=3, deflate=True, no_new_id=True)
    # the trailer's /ID is random on every save: write one made from the seed (same length, so offsets hold)
    ident = hashlib.md5(f"figscrape sample {seed}".encode()).hexdigest().upper().encode()
    return re.sub(rb"/ID\[<[0-9A-F]{32}><[0-9A-F]{32}>\]", b"/ID[<" + ident + b"><" + ident + b">]", data)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for seed, style, figures, title, captions in SAMPLES:
        path = OUT / f"sample-{style}.pdf"
        data = sample_bytes(seed, style, figures, title, captions)
        if check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(path.name)
            continue
        path.write_bytes(data)
        print(f"{path} ({len(data) // 1024} KB)")
    if stale:
        print("stale samples (run tools/make_samples.py):", ", ".join(stale))
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
