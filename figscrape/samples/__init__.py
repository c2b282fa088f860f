"""Sample preprints for `figscrape demo`: synthetic papers made by figscrape.synthetic (seeds
100-102, each with its own stamp DOI; tools/make_samples.py writes them), so they carry no third-party
rights and ship with the package under its licence."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def sample_pdfs() -> list[Path]:
    """The bundled sample PDFs, as paths on disk."""
    return sorted(Path(str(p)) for p in resources.files(__name__).iterdir() if p.name.endswith(".pdf"))


def sample_labels() -> Path:
    """The bundled labels of the sample panels (annotators ana and ben, reviewer rev), as a label sheet."""
    return Path(str(resources.files(__name__) / "sample-labels.csv"))
