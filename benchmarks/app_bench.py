"""Labeling-app benchmark on a database of N panels (default 100,000).

1. Key press to next panel, server side: the app's whole script rerun after a label button is
   pressed (streamlit.testing runs the real script: save, queue, panel, caption, counts), p50/p95.
2. Opening the queue: the first rerun after signing in, beside a naive queue (every panel and
   label loaded into Python, filtered and sorted there).
3. 20 writer processes labelling as fast as they can for a minute on one SQLite file: labels
   attempted, stored, failed.

    python benchmarks/app_bench.py [--panels 100000] [--presses 60] [--writers 20] [--seconds 60] [--keep DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

APP = str(Path(__file__).resolve().parent.parent / "app" / "main.py")


def seed(data: Path, panels: int) -> None:
    from figscrape.config import load_config
    from figscrape.data.db import open_database
    from figscrape.store import ObjectStore
    from figscrape.synthetic.labelled import seed_panels

    config = load_config(data_home=data)
    engine = open_database(config.db_url)
    started = time.perf_counter()
    seed_panels(engine, ObjectStore(config.store_root), papers=panels // 8, figures=2, panels=4, size=32, seed=3)
    print(f"seeded {panels} panels in {time.perf_counter() - started:.0f} s")
    engine.dispose()


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def key_presses(presses: int) -> tuple[list[float], float]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.text_input(key="name-input").input("bench")
    started = time.perf_counter()
    at.button[0].click().run()
    open_queue = time.perf_counter() - started
    assert not at.exception, at.exception
    times = []
    for k in range(presses):
        key = "lab-" + "1231N"[k % 5]
        started = time.perf_counter()
        at.button(key=key).click().run()
        times.append(time.perf_counter() - started)
        assert not at.exception, at.exception
    return times, open_queue


def naive_queue(db_url: str, annotator: str) -> float:
    """Every panel and label into Python, then filtered and sorted: what a first version might do."""
    from figscrape.data.db import make_engine, read_session
    from figscrape.data.models import Annotation, Panel

    engine = make_engine(db_url)
    started = time.perf_counter()
    with read_session(engine) as s:
        panels = s.scalars(select(Panel)).all()
        labels = s.scalars(select(Annotation)).all()
    mine = {a.panel_id for a in labels if a.annotator == annotator}
    queue = sorted((p for p in panels if p.id not in mine), key=lambda p: (p.ct_score is None, -(p.ct_score or 0), p.id))[:50]
    assert queue
    engine.dispose()
    return time.perf_counter() - started


def writer(db_url: str, name: str, seconds: float, out: mp.Queue) -> None:
    from figscrape.annotate.actions import Label, save_label
    from figscrape.annotate.queue import next_panels
    from figscrape.data.db import make_engine

    engine = make_engine(db_url)
    attempted = failed = 0
    errors: list[str] = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        for pid in next_panels(engine, name, limit=20, per_panel=1000):
            if time.time() >= deadline:
                break
            attempted += 1
            try:
                save_label(engine, pid, name, Label("yes", "covid"))
            except Exception as exc:  # counted and reported: the bench's point
                failed += 1
                errors.append(str(exc)[:200])
    out.put((name, attempted, failed, errors[:3]))
    engine.dispose()


def concurrent_writers(db_url: str, writers: int, seconds: float) -> tuple[int, int, int]:
    from figscrape.data.db import make_engine, read_session
    from figscrape.data.models import Annotation

    engine = make_engine(db_url)
    with read_session(engine) as s:
        before = s.scalar(select(func.count(Annotation.id))) or 0
    queue: mp.Queue = mp.Queue()
    procs = [mp.Process(target=writer, args=(db_url, f"writer{n}", seconds, queue)) for n in range(writers)]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    with read_session(engine) as s:
        stored = (s.scalar(select(func.count(Annotation.id))) or 0) - before
    for name, _, failed, errors in results:
        if failed:
            print(f"  {name}: {failed} failed, e.g. {errors}")
    return sum(r[1] for r in results), stored, sum(r[2] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--panels", type=int, default=100_000)
    parser.add_argument("--presses", type=int, default=60)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="app-bench-"))
    data = work / "data"
    if not (data / "figscrape.db").exists():
        seed(data, args.panels)
    os.environ["FIGSCRAPE_DATA"] = str(data)
    os.environ.pop("FIGSCRAPE_DB", None)
    from figscrape.config import load_config

    db_url = load_config().db_url
    times, open_queue = key_presses(args.presses)
    naive = naive_queue(db_url, "bench")
    attempted, stored, failed = concurrent_writers(db_url, args.writers, args.seconds)
    ms = [t * 1000 for t in times]
    print()
    print(f"| measure ({args.panels} panels) | figscrape | naive baseline |")
    print("|---|---|---|")
    print(f"| key press to next panel, server side, p50 | {statistics.median(ms):.0f} ms | |")
    print(f"| key press to next panel, server side, p95 | {percentile(ms, 0.95):.0f} ms | |")
    print(f"| open the queue (first page after sign-in) | {open_queue * 1000:.0f} ms | {naive * 1000:.0f} ms (queue only) |")
    print(f"| {args.writers} writers for {args.seconds:.0f} s on SQLite: attempted / stored / failed | {attempted} / {stored} / {failed} | |")
    ok = percentile(ms, 0.95) < 200 and failed == 0 and stored == attempted
    print(f"\nbar: p95 under 200 ms; zero lost or failed labels -> {'met' if ok else 'NOT met'}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
