"""Which CT filter is active: the shipped one, or the last one `figscrape train-filter` activated,
named by a pointer file under the data home. Readable without loading torch, so that the stage
table and `figscrape status` can say the version cheaply."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

SHIPPED = "ct-filter-4"


def models_dir(data_home: Path) -> Path:
    """Where trained filters and the ACTIVE pointer live."""
    return data_home / "models"


def active_version(data_home: Path) -> str:
    """The version `load_filter` will load for this data home."""
    pointer = models_dir(data_home) / "ACTIVE"
    return pointer.read_text().strip() if pointer.exists() else SHIPPED


def activate(data_home: Path, version: str) -> None:
    """Point the data home at a trained filter, atomically."""
    folder = models_dir(data_home)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    with os.fdopen(fd, "w") as fh:
        fh.write(version + "\n")
    os.replace(tmp, folder / "ACTIVE")
