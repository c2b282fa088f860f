"""A database of papers, figures and panels made up from a seed, with images in the store: the
ground the export, the labeling app and their benchmarks stand on without running the pipeline.
Every panel's picture is distinct (a random low-frequency pattern over a CT-like slice), so
near-duplicates appear only where a caller asks for them."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass

import cv2
import numpy as np
from sqlalchemy import Engine, insert, select, update

from figscrape.data.db import write_session
from figscrape.data.models import Figure, Panel, Paper, Pdf
from figscrape.runtime.imaging import perceptual_hash
from figscrape.store import ObjectStore
from figscrape.synthetic.images import ct_slice, encode

LICENSES = ("cc_by", "cc_by_nc_nd", "cc0", "cc_no")
CAPTIONS = (
    "Chest CT images of patient {p}, a {age}-year-old {sex}. (A) Ground-glass opacities in both lungs. (B) Follow-up after 7 days.",
    "Figure {n}. Axial CT of case {p} ({age}-year-old {sex}) showing bilateral consolidation.",
    "Representative CT scans. Left: day 1. Right: day 9.",
)


@dataclass
class Seeded:
    panel_ids: list[int]
    paper_dois: list[str]


def distinct_picture(rng: np.random.Generator, size: int) -> np.ndarray:
    base = ct_slice(rng, max(size, 48)).astype(np.float32)
    pattern = cv2.resize(rng.uniform(-70, 70, (8, 8)).astype(np.float32), base.shape[::-1], interpolation=cv2.INTER_CUBIC)
    image = np.clip(base + pattern, 0, 255).astype(np.uint8)
    return image if image.shape[0] == size else cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)


def seed_panels(engine: Engine, store: ObjectStore, papers: int = 5, figures: int = 2, panels: int = 3, seed: int = 0,
                size: int = 96, server: str = "medrxiv", pictures: int = 0) -> Seeded:
    """Papers with one PDF each (stored, extracted), figures split into panels whose images are in the store.
    `pictures` > 0 draws that many distinct pictures and reuses them in turn (each stored and hashed
    once), so a benchmark's 100,000 panels are made in seconds; 0 makes every picture distinct."""
    rng = np.random.default_rng(seed)
    pool: list[tuple[np.ndarray, str, str]] = []
    drawn = itertools.count()

    def picture() -> tuple[np.ndarray, str, str]:  # pixels, stored hash, perceptual hash
        n = next(drawn)
        if pictures and len(pool) >= pictures:
            return pool[n % pictures]
        pixels = distinct_picture(rng, size)
        made = (pixels, store.put_bytes(encode(pixels, ".png")), perceptual_hash(pixels))
        if pictures:
            pool.append(made)
        return made

    strips: dict[tuple[str, ...], str] = {}
    paper_rows, dois = [], []
    for p in range(papers):
        doi = f"10.1101/2020.{3 + p % 9:02d}.{1 + p % 28:02d}.{20000000 + seed * 100000 + p}"
        dois.append(doi)
        paper_rows.append(dict(server=server, doi=doi, version=1, title=f"CT findings in COVID-19 pneumonia, series {p + 1}",
                               authors="A. Author; B. Author", date=f"2020-{3 + p % 9:02d}-{1 + p % 28:02d}",
                               license=LICENSES[p % len(LICENSES)], category="radiology and imaging", source="synthetic"))
    with write_session(engine) as s:
        s.execute(insert(Paper), paper_rows)
        paper_ids = dict(s.execute(select(Paper.doi, Paper.id).where(Paper.doi.in_(dois))).all())
        s.execute(insert(Pdf), [dict(paper_id=paper_ids[d], sha256=hashlib.sha256(d.encode()).hexdigest(), size=1, pages=10,
                                     status="stored", extracted_version="synthetic") for d in dois])
        pdf_ids = dict(s.execute(select(Pdf.paper_id, Pdf.id).where(Pdf.paper_id.in_(list(paper_ids.values())))).all())
        figure_rows = []
        for d_index, doi in enumerate(dois):
            for f in range(figures):
                age, sex = 30 + (d_index * 7 + f) % 50, ("man", "woman")[(d_index + f) % 2]
                caption = CAPTIONS[(d_index + f) % len(CAPTIONS)].format(p=f + 1, n=f + 1, age=age, sex=sex)
                figure_rows.append(dict(pdf_id=pdf_ids[paper_ids[doi]], extractor_version="synthetic", index=f, page=2 + f,
                                        x0=50, y0=80, x1=550, y1=400, number=str(f + 1), caption=caption, kind="raster",
                                        image_sha256="", image_ext="png", width=size * panels, height=size, dpi=150,
                                        xrefs=[], tiles=[], letters=[], split_version="synthetic"))
        s.execute(insert(Figure), figure_rows)
        figs = s.execute(select(Figure.id, Figure.width).where(Figure.pdf_id.in_(list(pdf_ids.values()))).order_by(Figure.id)).all()
        panel_rows, figure_files = [], []
        for figure_id, _ in figs:
            strip = []
            for k in range(panels):
                pixels, sha, phash = picture()
                strip.append((pixels, sha))
                panel_rows.append(dict(figure_id=figure_id, splitter_version="synthetic", index=k, x0=k * size, y0=0,
                                       x1=(k + 1) * size, y1=size, label="ABCDEFGH"[k % 8] if panels > 1 else "",
                                       subcaption="", image_sha256=sha,
                                       phash=phash, ct_score=float(rng.uniform(0, 1)), model_version="synthetic"))
            key = tuple(sha for _, sha in strip)
            if key not in strips:  # a strip of pictures seen before is the same figure file
                strips[key] = store.put_bytes(encode(np.hstack([pixels for pixels, _ in strip]), ".png"))
            figure_files.append(dict(id=figure_id, image_sha256=strips[key]))
        s.execute(update(Figure), figure_files)  # by primary key, in one executemany
        s.execute(insert(Panel), panel_rows)
        ids = list(s.scalars(select(Panel.id).where(Panel.figure_id.in_([f for f, _ in figs])).order_by(Panel.id)))
    return Seeded(ids, dois)
