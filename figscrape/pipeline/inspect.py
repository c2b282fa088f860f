"""`figscrape inspect FILE.pdf --json`: extract, split and score one PDF without the database.
The JSON it prints is a contract that scripts rely on (DESIGN.md); add keys, never change them."""

from __future__ import annotations

import logging
from pathlib import Path

from figscrape.classify.model import load_filter
from figscrape.config import Config
from figscrape.extract.document import ExtractedDocument, PdfError, extract_figures
from figscrape.runtime.imaging import decode
from figscrape.runtime.isolate import run_isolated
from figscrape.split.panels import cut_panels
from figscrape.text.facts import panel_facts

log = logging.getLogger(__name__)


def _round(box: tuple[float, ...], digits: int = 2) -> list[float]:
    return [round(v, digits) for v in box]


def inspect_pdf(path: Path, config: Config) -> dict:
    """The figures and panels of one PDF as the JSON contract's dictionary; PdfError when it cannot be read."""
    outcome = run_isolated(extract_figures, (path, config.max_pages), config.pdf_timeout, config.pdf_memory_mb)
    if not outcome.ok or outcome.value is None:
        error, _, where = outcome.error.partition("\n")  # an unexpected failure's traceback: for -v, not the one line
        if where:
            log.info("%s: where it failed:\n%s", path, where)
        raise PdfError(error if error.startswith(str(path)) else f"{path}: {error}")
    doc: ExtractedDocument = outcome.value
    flt = load_filter(config.data_home)
    figures = []
    for fig in doc.figures:
        image = decode(fig.image.data)
        cuts = cut_panels(image, fig.caption, fig.tiles, fig.letters)
        crops = [image[c.bbox[1] : c.bbox[3], c.bbox[0] : c.bbox[2]] for c in cuts]
        scores = flt.scores(crops, [f"{fig.caption} {c.subcaption}" for c in cuts]) if cuts else []
        facts = panel_facts(fig.caption, [(c.label, c.subcaption) for c in cuts])
        figures.append(
            {
                "page": fig.page,
                "bbox": _round(fig.bbox),
                "number": fig.number,
                "caption": fig.caption,
                "kind": fig.kind,
                "width": fig.image.width,
                "height": fig.image.height,
                "format": fig.image.ext,
                "xrefs": fig.xrefs,
                "panels": [
                    {"bbox": list(c.bbox), "label": c.label, "subcaption": c.subcaption, "ct_score": round(float(score), 4),
                     "patient": f.patient, "age": f.age, "sex": f.sex, "diagnosis_hint": f.diagnosis}
                    for c, score, f in zip(cuts, scores, facts)
                ],
            }
        )
    return {"pdf": str(path), "pages": doc.pages, "figures": figures, "warnings": doc.warnings, "model": flt.version, "ct_threshold": flt.card.threshold}
