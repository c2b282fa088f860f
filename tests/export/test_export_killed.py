"""An export killed with SIGKILL at any point leaves OUT whole (old or new), and its temporaries are
swept by the next export. The export runs in a child process that kills itself at the point chosen
(after some images are written; after the swap, before the old tree is removed; and, where the file
system cannot exchange two folders, between the two renames)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from labelling import label

from figscrape.export.check import check_export
from figscrape.export.dataset import MARKER, ExportOptions, export_dataset
from figscrape.export.swap import sweep
from figscrape.synthetic.labelled import seed_panels

CHILD = r"""
import os, signal, sys, types
from pathlib import Path
import figscrape.export.dataset as d
import figscrape.export.swap as sw
from figscrape.config import load_config
from figscrape.data.db import open_database
from figscrape.store import ObjectStore

point, out = sys.argv[1], Path(sys.argv[2])
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
if point == "writing":
    copy, done = d.copy_verified, []
    def copy_then_die(*args):
        copy(*args)
        done.append(1)
        if len(done) == 3:
            die()
    d.copy_verified = copy_then_die
elif point == "swapped":
    sw.shutil = types.SimpleNamespace(rmtree=die)
elif point == "between":
    sw.exchange = lambda a, b: False
    rename = os.rename
    def rename_then_die(a, b):
        rename(a, b)
        die()
    sw.os = types.SimpleNamespace(rename=rename_then_die, path=os.path, getpid=os.getpid, fsencode=os.fsencode)
config = load_config()
d.export_dataset(open_database(config.db_url), ObjectStore(config.store_root), out, d.ExportOptions(seed=7))
"""


@pytest.fixture
def exported(engine, store, tmp_path: Path, config) -> Path:  # noqa: ANN001
    seeded = seed_panels(engine, store, papers=2, figures=1, panels=3)
    for pid in seeded.panel_ids:
        label(engine, pid, "ann")
    out = tmp_path / "out"
    export_dataset(engine, store, out, ExportOptions(seed=0))
    return out


def _killed(point: str, out: Path) -> None:
    child = subprocess.run([sys.executable, "-c", CHILD, point, str(out)], capture_output=True, text=True, timeout=300)
    assert child.returncode == -signal.SIGKILL, child.stderr


def _seed_of(out: Path) -> int:
    return json.loads((out / MARKER).read_text())["parameters"]["seed"]


def _temporaries(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


@pytest.mark.parametrize(("point", "seed"), [("writing", 0), ("swapped", 7)])
def test_a_killed_export_leaves_out_whole_and_the_next_sweeps_its_temporaries(engine, store, exported: Path, point: str, seed: int) -> None:  # noqa: ANN001
    _killed(point, exported)
    assert exported.is_dir() and check_export(exported) == [] and _seed_of(exported) == seed
    assert len(_temporaries(exported)) == 1  # the half-written tree, or the old one not yet removed
    export_dataset(engine, store, exported, ExportOptions(seed=3))
    assert _temporaries(exported) == [] and _seed_of(exported) == 3


def test_killed_between_two_renames_the_next_export_puts_the_old_tree_back(engine, store, exported: Path) -> None:  # noqa: ANN001
    _killed("between", exported)
    assert not exported.exists() and any(".old-" in t for t in _temporaries(exported))
    sweep(exported)
    assert check_export(exported) == [] and _seed_of(exported) == 0 and _temporaries(exported) == []


def test_the_temporaries_of_a_live_export_are_left_alone(exported: Path) -> None:
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live, dead = exported.parent / f".out.tmp-{other.pid}", exported.parent / ".out.tmp-999999999"
        live.mkdir()
        dead.mkdir()
        assert sweep(exported) == [dead] and live.is_dir() and not dead.exists()
    finally:
        other.kill()
        other.wait()
    os.rmdir(live)
