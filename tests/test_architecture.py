"""The rules of ARCHITECTURE.md, checked on the source: stages meet only in the database and the
store, the floor knows no stage, no stage knows a face, no module grows past 450 lines, and the
command line starts without the heavy libraries."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGES = {"crawl", "extract", "split", "classify", "annotate", "export"}
FACES = {"cli", "pipeline", "app"}
FLOOR = {"data", "runtime", "geometry", "store", "config", "synthetic", "samples", "text"}
MAX_LINES = 450


def _modules() -> dict[str, Path]:
    """Every module of the installed package by dotted name (app/ is installed as figscrape.app)."""
    found = {}
    for base, package in ((ROOT / "figscrape", "figscrape"), (ROOT / "app", "figscrape.app")):
        for path in base.rglob("*.py"):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([package, *parts])] = path
    return found


MODULES = _modules()


def _part(module: str) -> str:
    """The top-level part of figscrape a module belongs to ("extract", "data", "cli", ...)."""
    return module.split(".")[1] if module.count(".") else ""


def _imports(path: Path) -> set[str]:
    """Every figscrape module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names if f"{node.module}.{alias.name}" in MODULES)
    return {n for n in names if n == "figscrape" or n.startswith("figscrape.")}


def _edges() -> list[tuple[str, str, str, str]]:
    """(importing module, its part, imported module, its part) for every import between parts."""
    edges = []
    for module, path in MODULES.items():
        for target in _imports(path):
            if _part(target) and _part(target) != _part(module):
                edges.append((module, _part(module), target, _part(target)))
    return edges


def test_every_part_of_the_package_is_named_in_the_rules() -> None:
    parts = {_part(m) for m in MODULES if _part(m) not in ("__main__",)} - {""}
    assert parts <= STAGES | FACES | FLOOR, f"parts missing from ARCHITECTURE.md's rules: {sorted(parts - STAGES - FACES - FLOOR)}"


def test_no_stage_imports_another_stage() -> None:
    assert [(a, b) for a, pa, b, pb in _edges() if pa in STAGES and pb in STAGES] == []


def test_the_floor_imports_no_stage_and_no_face() -> None:
    assert [(a, b) for a, pa, b, pb in _edges() if pa in FLOOR and pb in STAGES | FACES] == []


def test_no_stage_imports_a_face() -> None:
    assert [(a, b) for a, pa, b, pb in _edges() if pa in STAGES and pb in FACES] == []


def test_the_data_model_knows_only_the_configuration() -> None:
    assert [(a, b) for a, pa, b, pb in _edges() if pa == "data" and pb != "config"] == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_450_lines(module: str) -> None:
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_LINES, f"{MODULES[module].relative_to(ROOT)} has {lines} lines"


def test_the_command_line_starts_without_the_heavy_libraries() -> None:
    """`figscrape --help` and the stage table's versions load no PyMuPDF, OpenCV, torch or Streamlit."""
    code = (
        "import sys, figscrape.cli, figscrape.pipeline.stages as s; from figscrape.config import load_config; "
        "[stage.version(load_config()) for stage in s.STAGES]; "
        "print(sorted(m for m in ('pymupdf', 'fitz', 'cv2', 'torch', 'streamlit', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
