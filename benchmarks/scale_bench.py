"""Scale benchmark: extract + split over N generated preprints (default 500), on 1 local process,
on 2 local processes and on a 2-worker Dask cluster (`dask scheduler` and `dask worker` processes), each from a fresh database, in one run.
Then a run killed with kill -9 part-way and resumed.

Prints pages/s, the speed-up of 2 processes over 1, the Dask path's overhead per item against
plain processes, peak memory per worker, and the time to resume after kill -9 with how much work
the resumed run redid.

    python benchmarks/scale_bench.py [--papers 500] [--keep DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _write(args: tuple[int, str]) -> int:
    from figscrape.synthetic.papers import make_paper

    seed, folder = args
    paper = make_paper(5000 + seed)
    (Path(folder) / f"{paper.name}.pdf").write_bytes(paper.pdf)
    import pymupdf

    with pymupdf.open(stream=paper.pdf) as doc:
        return doc.page_count


def corpus(folder: Path, papers: int) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / "pages.txt"
    if marker.exists() and len(list(folder.glob("*.pdf"))) >= papers:
        return int(marker.read_text())
    with mp.get_context("fork").Pool(os.cpu_count() or 2) as pool:
        pages = sum(pool.map(_write, [(n, str(folder)) for n in range(papers)]))
    marker.write_text(str(pages))
    return pages


def fresh(data: Path, pdfs: Path):  # noqa: ANN201
    from figscrape.config import load_config
    from figscrape.crawl.ingest import ingest_paths
    from figscrape.data.db import open_database
    from figscrape.runtime.runs import RunLog
    from figscrape.store import ObjectStore

    shutil.rmtree(data, ignore_errors=True)
    config = load_config(data_home=data)
    engine = open_database(config.db_url)
    store = ObjectStore(config.store_root)
    ingest_paths(engine, store, [pdfs], RunLog("ingest"))
    return config, engine, store


def timed_stages(data: Path, pdfs: Path, workers) -> float:  # noqa: ANN001
    from figscrape.extract.stage import run_extract
    from figscrape.runtime.runs import RunLog
    from figscrape.split.stage import run_split

    config, engine, store = fresh(data, pdfs)
    started = time.perf_counter()
    run_extract(engine, store, config, RunLog("extract"), workers)
    run_split(engine, store, RunLog("split"), workers)
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


@contextmanager
def dask_cluster(workers: int) -> Iterator[str]:
    """`dask scheduler` and `dask worker` started as a deployment would start them (the worker
    settings of figscrape.runtime.parallel.DASK_WORKER_CONFIG in their environment)."""
    import distributed

    from figscrape.runtime.parallel import DASK_WORKER_CONFIG

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ)
    for key, value in DASK_WORKER_CONFIG.items():
        env["DASK_" + key.upper().replace(".", "__").replace("-", "_")] = str(value)
    bindir = Path(sys.executable).parent
    procs = [subprocess.Popen([str(bindir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    procs.append(subprocess.Popen([str(bindir / "dask"), "worker", address, "--nworkers", str(workers), "--nthreads", "1", "--no-dashboard"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(workers, timeout=60)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(30)


def children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def kill_and_resume(data: Path, pdfs: Path, total: int) -> tuple[int, int, float]:
    """(PDFs committed when killed, PDFs the resumed run extracted, seconds the resumed run took)."""
    from sqlalchemy import func, select

    from figscrape.data.models import Pdf

    config, engine, _ = fresh(data, pdfs)
    env = dict(os.environ, FIGSCRAPE_DATA=str(data))

    def committed() -> int:
        from figscrape.data.db import read_session

        with read_session(engine) as s:
            return int(s.scalar(select(func.count(Pdf.id)).where(Pdf.extracted_version.is_not(None))) or 0)

    proc = subprocess.Popen([sys.executable, "-m", "figscrape.cli", "extract", "--workers", "2"], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while committed() < total // 3 and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    at_kill = committed()
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "figscrape.cli", "extract", "--workers", "2"], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    resumed = committed() - at_kill
    engine.dispose()
    if out.returncode != 0:
        raise SystemExit(out.stderr[-2000:])
    return at_kill, resumed, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=500)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="scale-bench-"))
    pdfs = work / "pdfs"
    pages = corpus(pdfs, args.papers)
    print(f"{args.papers} generated preprints, {pages} pages")

    import distributed

    from figscrape.runtime.parallel import Workers

    one = timed_stages(work / "one", pdfs, Workers(1))
    two = timed_stages(work / "two", pdfs, Workers(2))
    process_peak = children_peak_mb()
    with dask_cluster(2) as address:  # scheduler and workers in their own processes, as on a real cluster
        dask_seconds = timed_stages(work / "dask", pdfs, Workers(scheduler=address))
        with distributed.Client(address) as client:
            dask_peak = max(client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024).values())
    at_kill, resumed, resume_seconds = kill_and_resume(work / "resume", pdfs, args.papers)

    items = args.papers
    overhead = (dask_seconds - two) / two
    print()
    print("| run | seconds | pages/s | speed-up over 1 process |")
    print("|---|---|---|---|")
    print(f"| 1 process (baseline) | {one:.1f} | {pages / one:.1f} | 1.00x |")
    print(f"| 2 local processes | {two:.1f} | {pages / two:.1f} | {one / two:.2f}x |")
    print(f"| Dask cluster, 2 workers (dask scheduler + dask worker) | {dask_seconds:.1f} | {pages / dask_seconds:.1f} | {one / dask_seconds:.2f}x |")
    print()
    print(f"Dask overhead against plain processes: {overhead:+.1%} ({(dask_seconds - two) / items * 1000:+.1f} ms per PDF)")
    print(f"peak memory per worker: local processes {process_peak:.0f} MB (largest child), Dask workers {dask_peak:.0f} MB")
    print(f"kill -9 after {at_kill} of {args.papers} PDFs were committed; the resumed run extracted {resumed} "
          f"(= the {args.papers - at_kill} not committed, nothing committed was redone) in {resume_seconds:.1f} s")
    ok = one / two >= 1.7 and overhead < 0.10 and resumed == args.papers - at_kill
    print(f"\nbar: 2 workers >= 1.7x one; Dask overhead under 10%; resume redoes only what was in flight -> {'met' if ok else 'NOT met'}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
