"""A full or read-only disk ends a writing command with one line naming the file or folder, exit 2,
and nothing half-written. The disks are real: each command runs in a private mount namespace
(`unshare -m`, as root) over a tmpfs mounted read-only, or one a few pages big and filled up, so the
kernel itself answers EROFS or ENOSPC; no other process sees those mounts. Skipped where a mount
namespace cannot be made."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pymupdf
import pytest
from labelling import label

from figscrape.synthetic.labelled import seed_panels

FIGSCRAPE = str(Path(sys.executable).with_name("figscrape"))


def _namespaces() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=4k none /mnt"], capture_output=True, timeout=30)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(not _namespaces(), reason="no private mount namespace here (unshare -m, as root)")


def _on_disk(disk: Path, how: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `figscrape ARGS` with a tmpfs at `disk`: how="ro" read-only, how="full" 8 KiB and filled."""
    disk.mkdir(exist_ok=True)
    mount = f"mount -t tmpfs -o ro,size=8k none {disk}" if how == "ro" else \
        f"mount -t tmpfs -o size=8k none {disk} && (cat /dev/zero > {disk}/fill 2>/dev/null; true)"
    script = f"{mount} && {{ {shlex.join([FIGSCRAPE, *args])}; rc=$?; echo files: $(ls -A {disk}); exit $rc; }}"
    return subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "300", **(env or {})})


def _pdf(path: Path) -> Path:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "hello")
    doc.save(path)
    return path


def _one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_ingest_into_a_read_only_store_names_the_pdf(tmp_path: Path, config) -> None:  # noqa: ANN001
    pdf = _pdf(tmp_path / "scan.pdf")
    disk = tmp_path / "disk"
    result = _on_disk(disk, "ro", "ingest", str(pdf), env={"FIGSCRAPE_STORE": str(disk / "store")})
    line = _one_error_line(result)
    assert result.returncode == 2 and "read-only file system:" in line and "scan.pdf" in line, result.stderr


def test_export_and_labels_export_onto_a_full_disk_leave_nothing(engine, store, tmp_path: Path, config) -> None:  # noqa: ANN001
    seeded = seed_panels(engine, store, papers=2, figures=1, panels=3)
    for pid in seeded.panel_ids:
        label(engine, pid, "ann")
    disk = tmp_path / "disk"
    for args, name in ((["export", str(disk / "out")], str(disk / "out")), (["labels", "export", str(disk / "labels.csv")], str(disk / "labels.csv"))):
        result = _on_disk(disk, "full", *args)
        line = _one_error_line(result)
        assert result.returncode == 2, result.stderr
        assert f"no space left on device while writing {name}" in " ".join(line.split()), result.stderr
        assert result.stdout.split() == ["files:", "fill"], result.stdout  # nothing half-written beside the filler
    result = _on_disk(disk, "ro", "export", str(disk / "out"))
    assert "read-only file system:" in _one_error_line(result)


def test_extract_and_split_onto_a_full_store_stop_naming_the_paper_or_figure(tmp_path: Path, config, papers) -> None:  # noqa: ANN001
    """The store is on a 1 MiB tmpfs: the PDF goes in (and for split, is extracted), then the disk is
    filled and the stage runs; every command runs in the same private mount namespace."""
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(papers[0].pdf)
    disk = tmp_path / "disk"
    disk.mkdir()
    fill = f"(cat /dev/zero > {disk}/fill 2>/dev/null; true)"
    for before, stage, named in (([["ingest", str(pdf)]], "extract", "the figures of"),
                                 ([["ingest", str(pdf)], ["extract"]], "split", "the panels of figure")):
        steps = " && ".join(shlex.join([FIGSCRAPE, *args]) + " >/dev/null 2>&1" for args in before)
        script = (f"mount -t tmpfs -o size=1m none {disk} && {steps} && {fill} && "
                  f"{{ {shlex.join([FIGSCRAPE, stage])}; rc=$?; rm {disk}/fill; echo files: $(find {disk} -name '.tmp-*'); exit $rc; }}")
        result = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=600,
                                env={**os.environ, "COLUMNS": "300", "FIGSCRAPE_STORE": str(disk / "store"),
                                     "FIGSCRAPE_DATA": str(tmp_path / f"data-{stage}")})
        line = " ".join(_one_error_line(result).split())
        assert result.returncode == 2 and "no space left on device while writing" in line and named in line, result.stderr
        assert result.stdout.split() == ["files:"], result.stdout  # no half-written store file


def test_a_read_only_data_home_is_said_in_one_line(tmp_path: Path, config) -> None:  # noqa: ANN001
    """The data home made as usual, then bind-mounted read-only over itself in the namespace."""
    data = tmp_path / "data"
    assert subprocess.run([FIGSCRAPE, "ingest", str(_pdf(tmp_path / "a.pdf"))], capture_output=True, env={**os.environ, "FIGSCRAPE_DATA": str(data)}).returncode == 0
    script = f"mount --bind {data} {data} && mount -o remount,ro,bind {data} && {shlex.join([FIGSCRAPE, 'ingest', str(tmp_path / 'a.pdf')])}"
    result = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "COLUMNS": "300", "FIGSCRAPE_DATA": str(data)})
    assert result.returncode == 2 and f"read-only file system: {data}" in " ".join(_one_error_line(result).split()), result.stderr
