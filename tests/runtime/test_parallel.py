"""Stages on several processes and on a Dask cluster give what one process gives, and survive
workers killed with kill -9 and a whole run killed mid-way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import write_pdf
from parallel_tasks import (
    die_always_on_seven,
    die_once,
    disk_full_on_four,
    page_faults_for_big_arrays,
)
from sqlalchemy import func, select

from figscrape.classify.model import load_filter
from figscrape.classify.stage import run_classify
from figscrape.config import load_config
from figscrape.crawl.ingest import ingest_paths
from figscrape.data.db import open_database, read_session
from figscrape.data.models import Figure, Panel, Pdf
from figscrape.extract.stage import run_extract
from figscrape.runtime.parallel import (
    DASK_WORKER_CONFIG,
    MAX_ATTEMPTS,
    Workers,
    batches,
    run_batches,
)
from figscrape.runtime.runs import RunLog
from figscrape.split.stage import run_split
from figscrape.store import ObjectStore
from figscrape.synthetic.papers import make_paper


@pytest.fixture(scope="module")
def cluster():  # noqa: ANN201
    distributed = pytest.importorskip("distributed")
    import dask

    with dask.config.set(DASK_WORKER_CONFIG):
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
            yield c


def test_local_workers_rerun_a_batch_whose_worker_was_killed(tmp_path: Path) -> None:
    work = batches(list(range(12)), 3)
    results = list(run_batches(die_once, work, (str(tmp_path),), Workers(2)))
    assert sorted(x for r in results for x in r.value) == [2 * x for x in range(12)]
    assert all(not r.error for r in results) and len(results) == 4  # each batch once: none lost, none doubled


def test_a_batch_that_always_kills_its_worker_is_given_up_and_the_rest_finish() -> None:
    results = list(run_batches(die_always_on_seven, batches(list(range(12)), 3), (), Workers(2)))
    failed = [r for r in results if r.error]
    assert len(failed) == 1 and failed[0].batch == [6, 7, 8] and f"died {MAX_ATTEMPTS} times" in failed[0].error
    assert sorted(x for r in results if not r.error for x in r.value) == [2 * x for x in range(12) if x not in (6, 7, 8)]


def test_dask_reschedules_a_batch_whose_worker_was_killed(cluster, tmp_path: Path) -> None:  # noqa: ANN001
    # two batches, so two kills: a batch queued on a worker that another batch kills counts that death
    # too, and Dask gives a batch up (KilledWorker) after more deaths than its allowed-failures (3)
    results = list(run_batches(die_once, batches(list(range(8)), 4), (str(tmp_path),), Workers(scheduler=cluster.scheduler_address)))
    assert sorted(x for r in results for x in r.value) == [2 * x for x in range(8)] and not any(r.error for r in results)


@pytest.mark.parametrize("where", ["this process", "two processes", "dask"])
def test_a_full_disk_stops_the_stage_once_on_every_path(where: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """ENOSPC (or EROFS) in one batch is raised once, as in this process: not retried on a Dask worker,
    not turned into a failure of each batch's items while the others go on failing the same way."""
    import errno

    workers = {"this process": Workers(1), "two processes": Workers(2)}.get(where) or Workers(scheduler=request.getfixturevalue("cluster").scheduler_address)
    got = []
    with pytest.raises(OSError) as raised:
        for result in run_batches(disk_full_on_four, batches(list(range(40)), 2), (str(tmp_path),), workers):
            got.append(result)
    assert raised.value.errno == errno.ENOSPC and raised.value.filename == "item 4 into the store"
    assert not any(r.error for r in got) and len(got) < 20
    assert (tmp_path / "4").read_text() == "ran\n"  # once: a full disk is not retried


def test_dask_workers_reuse_memory_for_big_arrays_as_plain_processes_do() -> None:
    """Dask's nanny freezes glibc's mmap threshold (MALLOC_TRIM_THRESHOLD_); figscrape unfreezes it on
    every worker it uses, or each page image is a fresh zero-filled mmap (15-20% slower PDF work)."""
    distributed = pytest.importorskip("distributed")
    import dask

    assert page_faults_for_big_arrays() < 2000  # this process: glibc's adaptive thresholds
    with dask.config.set(DASK_WORKER_CONFIG):
        with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
            with distributed.Client(c) as client:
                assert min(client.run(page_faults_for_big_arrays).values()) > 10000  # as Dask starts a worker
            [result] = run_batches(page_faults_for_big_arrays, [[1]], (), Workers(scheduler=c.scheduler_address))
            assert result.value < 2000


def _pipeline(data: Path, pdfs: list[Path], workers: Workers) -> dict:
    config = load_config(data_home=data)
    engine = open_database(config.db_url)
    store = ObjectStore(config.store_root)
    ingest_paths(engine, store, pdfs, RunLog("ingest"))
    run_extract(engine, store, config, RunLog("extract"), workers)
    run_split(engine, store, RunLog("split"), workers)
    run_classify(engine, store, load_filter(data), RunLog("classify"), workers)
    with read_session(engine) as s:
        figures = sorted(s.execute(select(Figure.page, Figure.number, Figure.image_sha256, Figure.caption)).all())
        panels = sorted(s.execute(select(Panel.image_sha256, Panel.x0, Panel.y0, Panel.x1, Panel.y1, Panel.label, Panel.ct_score)).all())
    engine.dispose()
    return {"figures": [tuple(f) for f in figures], "panels": [tuple(p[:6]) + (round(p[6], 5),) for p in panels]}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("pdfs")
    return [write_pdf(folder, make_paper(600 + n, figures=2)) for n in range(6)]


def test_two_processes_and_a_dask_cluster_give_what_one_process_gives(corpus: list[Path], cluster, tmp_path: Path) -> None:  # noqa: ANN001
    one = _pipeline(tmp_path / "one", corpus, Workers(1))
    assert len(one["figures"]) == 12 and one["panels"]
    assert _pipeline(tmp_path / "two", corpus, Workers(2)) == one
    assert _pipeline(tmp_path / "dask", corpus, Workers(scheduler=cluster.scheduler_address)) == one


def test_a_run_killed_mid_way_resumes_without_losing_or_doubling_a_row(corpus: list[Path], tmp_path: Path) -> None:
    folder = corpus[0].parent
    more = [write_pdf(folder, make_paper(700 + n, figures=3)) for n in range(14)]
    data = tmp_path / "data"
    env = dict(os.environ, FIGSCRAPE_DATA=str(data))
    subprocess.run([sys.executable, "-m", "figscrape.cli", "ingest", *map(str, corpus + more)], env=env, check=True, capture_output=True)
    engine = open_database(load_config(data_home=data).db_url)

    def extracted() -> int:
        with read_session(engine) as s:
            return int(s.scalar(select(func.count(Pdf.id)).where(Pdf.extracted_version.is_not(None))) or 0)

    proc = subprocess.Popen([sys.executable, "-m", "figscrape.cli", "extract", "--workers", "2"], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while extracted() < 4 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole run: main process, workers, their children
    proc.wait()
    assert 0 < extracted() < 20
    subprocess.run([sys.executable, "-m", "figscrape.cli", "extract", "--workers", "2"], env=env, check=True, capture_output=True)
    with read_session(engine) as s:
        per_pdf = dict(s.execute(select(Figure.pdf_id, func.count(Figure.id)).group_by(Figure.pdf_id)).all())
        attempts = s.scalars(select(Pdf.extract_attempts)).all()
    assert extracted() == 20 and len(per_pdf) == 20
    assert sorted(per_pdf.values()) == sorted([2] * 6 + [3] * 14)  # every figure once, none twice
    assert set(attempts) == {0}
    engine.dispose()


def test_the_file_store_can_live_outside_the_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from figscrape.cli import app

    shared = tmp_path / "shared-volume"
    monkeypatch.setenv("FIGSCRAPE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("FIGSCRAPE_STORE", f"file://{shared}")
    pdf = write_pdf(tmp_path, make_paper(777, figures=1))
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(pdf)]).exit_code == 0
    assert runner.invoke(app, ["extract", "--workers", "2"]).exit_code == 0
    assert len(list(shared.glob("*/*"))) >= 2 and not (tmp_path / "data" / "objects").exists()
    monkeypatch.setenv("FIGSCRAPE_STORE", "gs://bucket/prefix")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 2 and "FIGSCRAPE_STORE=gs://bucket/prefix" in result.output


def test_the_file_store_in_an_s3_bucket_with_workers(s3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, corpus: list[Path]) -> None:  # noqa: ANN001
    """Every stage on 2 processes against a store in S3 (moto's server): the same rows as a local store."""
    s3.create_bucket(Bucket="figscrape-store")
    monkeypatch.setenv("FIGSCRAPE_STORE", "s3://figscrape-store/team")
    config = load_config(data_home=tmp_path / "data")
    from figscrape.store import S3Store, open_store

    store = open_store(config.store_spec, tmp_path / "cache")
    assert isinstance(store, S3Store)
    engine = open_database(config.db_url)
    ingest_paths(engine, store, corpus[:3], RunLog("ingest"))
    run_extract(engine, store, config, RunLog("extract"), Workers(2))
    run_split(engine, store, RunLog("split"), Workers(2))
    run_classify(engine, store, load_filter(config.data_home), RunLog("classify"), Workers(2))
    with read_session(engine) as s:
        shas = {sha for (sha,) in s.execute(select(Panel.image_sha256))} | {sha for (sha,) in s.execute(select(Figure.image_sha256))}
        scored = s.scalar(select(func.count(Panel.id)).where(Panel.ct_score.is_not(None)))
    keys = {o["Key"].rsplit("/", 1)[1] for o in s3.list_objects_v2(Bucket="figscrape-store", Prefix="team/objects/")["Contents"]}
    assert shas <= keys and scored > 0
    assert not (tmp_path / "data" / "objects").exists()
    local = _pipeline(tmp_path / "local", corpus[:3], Workers(1))
    with read_session(engine) as s:
        figures = sorted(tuple(f) for f in s.execute(select(Figure.page, Figure.number, Figure.image_sha256, Figure.caption)).all())
    assert figures == local["figures"]
    engine.dispose()


def _dask_processes(port: int, workers: int, as_figscrape_says: bool = True) -> list[subprocess.Popen]:
    """A `dask scheduler` and a `dask worker` in their own processes, with the README's settings, or
    (as_figscrape_says=False) as dask, dask-jobqueue and most deployments start them: daemonic."""
    env = dict(os.environ)
    for key, value in DASK_WORKER_CONFIG.items() if as_figscrape_says else ():
        env["DASK_" + key.upper().replace(".", "__").replace("-", "_")] = str(value)
    bindir = Path(sys.executable).parent
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen([str(bindir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    worker = subprocess.Popen([str(bindir / "dask"), "worker", address, "--nworkers", str(workers), "--nthreads", "1", "--no-dashboard"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    import distributed

    with distributed.Client(address, timeout="60s") as client:
        client.wait_for_workers(workers, timeout=60)
    return [scheduler, worker]


def test_a_scheduler_killed_mid_run_fails_the_batches_in_flight_and_a_rerun_finishes(corpus: list[Path], tmp_path: Path) -> None:
    import socket as socket_

    with socket_.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    folder = corpus[0].parent
    pdfs = corpus + [write_pdf(folder, make_paper(800 + n, figures=2)) for n in range(10)]
    data = tmp_path / "data"
    env = dict(os.environ, FIGSCRAPE_DATA=str(data), DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="5s")
    subprocess.run([sys.executable, "-m", "figscrape.cli", "ingest", *map(str, pdfs)], env=env, check=True, capture_output=True)
    engine = open_database(load_config(data_home=data).db_url)

    def extracted() -> int:
        with read_session(engine) as s:
            return int(s.scalar(select(func.count(Pdf.id)).where(Pdf.extracted_version.is_not(None))) or 0)

    cluster = _dask_processes(port, 2)
    try:
        run = subprocess.Popen([sys.executable, "-m", "figscrape.cli", "extract", "--scheduler", f"tcp://127.0.0.1:{port}"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 120
        while extracted() < 2 and time.time() < deadline and run.poll() is None:
            time.sleep(0.05)
        for proc in cluster:
            os.killpg(proc.pid, signal.SIGKILL)  # the scheduler goes, and its workers with it
            proc.wait()
        output, _ = run.communicate(timeout=180)  # the run ends on its own: no hang
        assert run.returncode == 0, output
        assert 0 < extracted() < 16
        cluster = _dask_processes(port, 2)  # the scheduler restarted
        rerun = subprocess.run([sys.executable, "-m", "figscrape.cli", "extract", "--scheduler", f"tcp://127.0.0.1:{port}"], env=env,
                               capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    finally:
        for proc in cluster:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    with read_session(engine) as s:
        per_pdf = dict(s.execute(select(Figure.pdf_id, func.count(Figure.id)).group_by(Figure.pdf_id)).all())
    assert extracted() == 16 and sorted(per_pdf.values()) == [2] * 16  # every figure once
    engine.dispose()


def test_daemonic_dask_workers_are_refused_in_one_line_before_any_pdf_fails(corpus: list[Path], tmp_path: Path) -> None:
    """A daemonic worker may not start the child each PDF runs in: the run says so and how to start
    the workers, exits 1, and marks no PDF failed (a rerun on fit workers extracts them all)."""
    import socket as socket_

    with socket_.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = tmp_path / "data"
    env = dict(os.environ, FIGSCRAPE_DATA=str(data))
    subprocess.run([sys.executable, "-m", "figscrape.cli", "ingest", *map(str, corpus[:2])], env=env, check=True, capture_output=True)
    cluster = _dask_processes(port, 1, as_figscrape_says=False)
    try:
        run = subprocess.run([sys.executable, "-m", "figscrape.cli", "extract", "--scheduler", f"tcp://127.0.0.1:{port}"], env=env,
                             capture_output=True, text=True, timeout=180)
    finally:
        for proc in cluster:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "daemonic" in output and "DASK_DISTRIBUTED__WORKER__DAEMON=False" in output
    engine = open_database(load_config(data_home=data).db_url)
    with read_session(engine) as s:
        assert s.scalar(select(func.count(Pdf.id)).where(Pdf.extract_error != "")) == 0
        assert s.scalar(select(func.count(Pdf.id)).where(Pdf.extracted_version.is_not(None))) == 0
