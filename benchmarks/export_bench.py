"""Export benchmark: `figscrape export` of a database of N labelled panels (two annotators each),
beside a copy-only baseline (the same image files copied, nothing else): the floor any export pays.

Prints the time and peak memory of the export process (a separate `figscrape` process, as a user
runs it), images per second, and the baseline's time, in one run.

    python benchmarks/export_bench.py [--panels 50000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from figscrape.config import load_config
from figscrape.data.db import open_database, read_session, write_session
from figscrape.data.models import Annotation, Panel
from figscrape.store import ObjectStore
from figscrape.synthetic.labelled import seed_panels


def seed(data: Path, panels: int) -> None:
    config = load_config(data_home=data)
    engine = open_database(config.db_url)
    store = ObjectStore(config.store_root)
    per_paper = 2 * 4
    started = time.perf_counter()
    seeded = seed_panels(engine, store, papers=panels // per_paper, figures=2, panels=4, size=48, seed=11)
    t0 = datetime(2024, 1, 1)
    rows = []
    for k, pid in enumerate(seeded.panel_ids):
        diagnosis = ("covid", "normal", "other")[k % 3]
        for a, annotator in enumerate(("ann", "bob")):
            is_ct = "no" if (k % 11 == 0 and a) else "yes"
            rows.append(dict(panel_id=pid, annotator=annotator, is_ct=is_ct, diagnosis=diagnosis if is_ct == "yes" else "",
                             patient_key=f"patient {k // 8 % 3}", age=30 + k % 50, sex="MF"[k % 2], note="", adjudication=False,
                             created_at=t0 + timedelta(seconds=k)))
    with write_session(engine) as s:
        s.execute(insert(Annotation), rows)
    print(f"seeded {len(seeded.panel_ids)} panels, {len(rows)} labels in {time.perf_counter() - started:.1f} s")
    engine.dispose()


def run_export(data: Path, out: Path) -> tuple[float, float]:
    """Seconds and peak resident MB of one `figscrape export` process."""
    code = (
        "import resource, sys, time; from figscrape.cli import main_entry; t = time.perf_counter();\n"
        "try:\n    main_entry()\nexcept SystemExit as e:\n    rc = e.code\n"
        "print('BENCH', time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, rc, file=sys.stderr)"
    )
    env = dict(os.environ, COLUMNS="120")
    proc = subprocess.run([sys.executable, "-c", code, "--data", str(data), "export", str(out)], capture_output=True, text=True, env=env)
    line = next(line for line in proc.stderr.splitlines() if line.startswith("BENCH"))
    _, seconds, mb, rc = line.split()
    if rc not in ("0", "None"):
        raise SystemExit(f"export failed ({rc}):\n{proc.stderr[-2000:]}")
    return float(seconds), float(mb)


def copy_baseline(data: Path, out: Path) -> float:
    config = load_config(data_home=data)
    engine = open_database(config.db_url)
    store = ObjectStore(config.store_root)
    started = time.perf_counter()
    with read_session(engine) as s:
        shas = list(s.scalars(select(Panel.image_sha256)))
    out.mkdir()
    for k, sha in enumerate(shas):
        shutil.copyfile(store.path(sha), out / f"{k}.png")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--panels", type=int, default=50_000)
    parser.add_argument("--keep", type=Path, help="Work in this folder and keep it (default: a temporary folder).")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="export-bench-"))
    data = work / "data"
    if not (data / "figscrape.db").exists():
        seed(data, args.panels)
    seconds, mb = run_export(data, work / "out")
    images = sum(1 for _ in (work / "out" / "Images-processed").rglob("*.png"))
    baseline = copy_baseline(data, work / "copy")
    print()
    print("| method | images | seconds | images/s | peak MB |")
    print("|---|---|---|---|---|")
    print(f"| figscrape export (covid-ct, xlsx, card) | {images} | {seconds:.1f} | {images / seconds:.0f} | {mb:.0f} |")
    print(f"| copy-only baseline (all panels) | {args.panels} | {baseline:.1f} | {args.panels / baseline:.0f} | |")
    print(f"\nbar: under 120 s and under 1024 MB for 50,000 panels -> {'met' if seconds < 120 and mb < 1024 else 'NOT met'}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
