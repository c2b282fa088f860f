"""Adversarial re-check of the CLI: hostile inputs and faults that the test suite does not hold
(damaged PDFs, odd file names, hostile API payloads from a fault server, bad label sheets, odd
settings, database URLs with a password in odd places). Each case runs `figscrape` in a fresh data
home and is held to the bar: the documented exit code, one clear line naming the file or the
problem, no traceback, no secret shown, nothing stored lost.

Prints one row per case: case, exit code, first line on stderr, verdict; then how many passed.

    python benchmarks/hostile_check.py [--only SUBSTRING]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

FIGSCRAPE = str(Path(sys.executable).with_name("figscrape"))
SECRET = "Hx7secretQ"  # every password below; it must never be shown


def good_pdf(path: Path, text: str = "COVID-19 chest CT") -> Path:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), text)
    doc.save(path)
    return path


def raw_pdf(path: Path, body: bytes) -> Path:
    path.write_bytes(body)
    return path


LOOPING_PAGES = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[2 0 R]/Count 1>>endobj\n"
                 b"trailer<</Root 1 0 R>>\n%%EOF\n")
HUGE_PAGE = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
             b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 14400000 14400000]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@dataclass
class Case:
    name: str
    args: Callable[[Path], list[str]]  # the command, given the case's folder
    rc: set[int]
    says: tuple[str, ...] = ()  # what the first stderr line must contain (case-insensitive)
    env: dict[str, str] = field(default_factory=dict)
    check: Callable[[Path, subprocess.CompletedProcess], str] | None = None  # "" when fine, else why not
    timeout: float = 180


def first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    failures = [line for line in lines if line.startswith("! ")]  # a stage summary's failed items
    return (errors or failures or lines or [""])[0]


def verdict(case: Case, folder: Path, result: subprocess.CompletedProcess) -> str:
    out = result.stdout + result.stderr
    if "Traceback" in out:
        return "FAIL traceback"
    if SECRET in out or SECRET.replace("secret", "sec%40ret") in out:
        return "FAIL secret shown"
    if "\x1b" in result.stderr or "\x1b" in result.stdout:
        return "FAIL raw terminal escape from input"
    if result.returncode not in case.rc:
        return f"FAIL exit {result.returncode}, documented {sorted(case.rc)}"
    missing = [s for s in case.says if s.lower() not in " ".join(result.stderr.split()).lower()]
    if missing:
        return f"FAIL does not say {missing[0]!r}"
    if case.check is not None:
        why = case.check(folder, result)
        if why:
            return f"FAIL {why}"
    return "pass"


# ---- a fault server for the API: each path segment after /details/medrxiv/ picks nothing; the
# server's mode says what every answer is
def serve(mode: str) -> tuple[str, Callable[[], None]]:
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Response

    def record(i: int) -> dict:
        return {"doi": f"10.1101/2020.03.02.{20000000 + i}", "title": "COVID-19 CT", "version": "1", "date": "2020-03-02",
                "category": "radiology and imaging", "license": "cc_by", "server": "medrxiv", "jatsxml": ""}

    def body(page: int) -> tuple[bytes, dict[str, str], int]:
        if mode == "deep-nesting":
            return b"[" * 200000 + b"]" * 200000, {"Content-Type": "application/json"}, 200
        if mode == "collection-string":
            return json.dumps({"messages": [{"status": "ok", "total": "1", "count": 1}], "collection": "abc"}).encode(), {}, 200
        if mode == "messages-object":
            return json.dumps({"messages": {"status": "ok"}, "collection": []}).encode(), {}, 200
        if mode == "negative-count":
            return json.dumps({"messages": [{"status": "ok", "total": "NaN", "count": "-5", "cursor": page}],
                               "collection": [record(page)]}).encode(), {}, 200
        if mode == "odd-fields":
            odd = [{"doi": 12345, "version": "v2"}, {"doi": None}, {"doi": "10.1101/2020.03.02.20000001", "title": ["a", {"b": 1}],
                                                                    "version": "1e9", "date": 20200302, "funder": {"x": [1]}}]
            return json.dumps({"messages": [{"status": "ok", "total": "3", "count": 3}], "collection": odd}).encode(), {}, 200
        if mode == "bad-gzip":
            return b"this is not gzip at all", {"Content-Encoding": "gzip"}, 200
        if mode == "retry-after-odd":
            return b"busy", {"Retry-After": "-1"} if page % 2 else {"Retry-After": "Wed, 99 Foo 2099 99:99:99 GMT"}, 503
        if mode == "offsite-redirect":
            return b"", {"Location": "http://169.254.169.254/latest/meta-data/"}, 302
        if mode == "huge-retry-after":
            return b"slow down", {"Retry-After": "999999"}, 429
        if mode == "html-200":
            return b"<html><body>Service temporarily unavailable</body></html>", {"Content-Type": "application/json"}, 200
        raise ValueError(mode)

    calls = {"n": 0}

    def app(environ, start_response):  # noqa: ANN001, ANN202
        calls["n"] += 1
        data, headers, status = body(calls["n"])
        return Response(data, status, headers)(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server.shutdown


def crawl_case(mode: str, rc: set[int], says: tuple[str, ...], timeout: float = 120) -> Case:
    return Case(f"api {mode}", lambda d: ["crawl", "--since", "2020-03-02", "--until", "2020-03-02", "--metadata-only"],
                rc, says, env={"FIGSCRAPE_API_URL": f"@{mode}", "FIGSCRAPE_RATE": "50"}, timeout=timeout)


def sheet(name: str, data: bytes | str) -> Callable[[Path], list[str]]:
    def args(folder: Path) -> list[str]:
        path = folder / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        return ["labels", "import", str(path), "--annotator", "eve"]
    return args


def nothing_lost(folder: Path, result: subprocess.CompletedProcess) -> str:
    """The PDF stored before the case is still there, with its row."""
    listed = subprocess.run([FIGSCRAPE, "status", "--json"], capture_output=True, text=True, env=_env(folder, {}), timeout=60)
    try:
        papers = json.loads(listed.stdout)["papers"]
    except (ValueError, KeyError):
        return f"status after the case: {first_line(listed.stderr)}"
    return "" if papers >= 1 else "the paper stored before is gone"


def _env(folder: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIGSCRAPE_")}
    return {**env, "FIGSCRAPE_DATA": str(folder / "data"), "COLUMNS": "300", **extra}


HEADER = "panel_id,is_ct,diagnosis\n"
CASES: list[Case] = [
    # damaged PDFs and odd names (inspect: 1 for an unreadable PDF, one line naming it)
    Case("inspect pdf cut at 60%", lambda d: ["inspect", str(raw_pdf(d / "cut.pdf", good_pdf(d / "whole.pdf").read_bytes()[:300]))], {1}, ("cut.pdf",)),
    Case("inspect zero bytes", lambda d: ["inspect", str(raw_pdf(d / "empty.pdf", b""))], {1}, ("empty.pdf",)),
    Case("inspect png named .pdf", lambda d: ["inspect", str(raw_pdf(d / "pic.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64))], {1}, ("pic.pdf",)),
    Case("inspect page tree loop", lambda d: ["inspect", str(raw_pdf(d / "loop.pdf", LOOPING_PAGES))], {0, 1}, ()),
    Case("inspect header only", lambda d: ["inspect", str(raw_pdf(d / "head.pdf", b"%PDF-1.7\n"))], {1}, ("head.pdf",)),
    Case("inspect page 200 km wide", lambda d: ["inspect", "--json", str(raw_pdf(d / "wide.pdf", HUGE_PAGE))], {0, 1, 3}, ()),
    Case("inspect a folder named x.pdf", lambda d: ["inspect", str((d / "x.pdf").mkdir() or d / "x.pdf")], {1, 2}, ("x.pdf",)),
    Case("inspect name with newline+escape", lambda d: ["inspect", str(raw_pdf(d / "evil\n\x1b[31mred.pdf", b"garbage"))], {1}, ("red.pdf",)),
    Case("inspect path with [/b] markup", lambda d: ["inspect", str(raw_pdf(_folders(d, "a[", "b]") / "c[bold].pdf", b"junk"))], {1},
         ("a[/b]/c[bold].pdf",)),
    Case("inspect name starting with -", lambda d: ["inspect", "--", str(raw_pdf(d / "-rf.pdf", b"junk"))], {1}, ("-rf.pdf",)),
    # ingest
    Case("ingest folder with symlink loop", lambda d: ["ingest", str(_loop_folder(d))], {0}, ()),
    Case("ingest non-UTF-8 + newline name", lambda d: ["ingest", _odd_name(d)], {0}, ()),
    Case("ingest over a stored paper, broken", lambda d: _stored_then(d, ["ingest", str(raw_pdf(d / "b.pdf", b"%PDF-1.4 broken"))]), {1},
         ("b.pdf",), check=nothing_lost),
    Case("papers search, title with markup+escape", lambda d: _stored_then(d, ["papers", "search", "."], title="[/bold]\x1b[2J wiped"), {0}, ()),
    # hostile API payloads (crawl: exit 1 when a window could not be read, 0 when records were only refused)
    crawl_case("deep-nesting", {1}, ("not the api's json",)),
    crawl_case("collection-string", {0, 1}, ()),
    crawl_case("messages-object", {1}, ("not the api's json",)),
    crawl_case("negative-count", {0, 1}, (), timeout=60),
    crawl_case("odd-fields", {0}, ()),
    crawl_case("bad-gzip", {1}, ("medrxiv metadata",)),
    crawl_case("retry-after-odd", {1}, ("http 503",)),
    crawl_case("offsite-redirect", {1}, ("off the configured hosts",)),
    crawl_case("huge-retry-after", {1}, ("medrxiv metadata",), timeout=60),
    crawl_case("html-200", {1}, ("not the api's json",)),
    # bad sheets for labels import (a bad sheet or cell: named with its row, exit 1 or 2)
    Case("sheet with NUL bytes", sheet("nul.csv", HEADER + "1,yes\x00,covid\n"), {1, 2}, ("nul.csv",)),
    Case("sheet of binary garbage", sheet("junk.csv", bytes(range(256)) * 40), {1, 2}, ("junk.csv",)),
    Case("xlsx that is text", sheet("fake.xlsx", HEADER + "1,yes,covid\n"), {2}, ("fake.xlsx",)),
    Case("sheet with a 1 MB cell", sheet("big.csv", HEADER + "1,yes," + "x" * 1_000_000 + "\n"), {1, 2}, ("big.csv",)),
    Case("sheet in UTF-16", sheet("u16.csv", (HEADER + "1,yes,covid\n").encode("utf-16")), {1, 2}, ("u16.csv",)),
    Case("sheet with duplicate columns", sheet("dup.csv", "panel_id,is_ct,is_ct\n1,yes,no\n"), {1, 2}, ("dup.csv",)),
    Case("sheet with panel id 0x10", sheet("hex.csv", HEADER + "0x10,yes,covid\n"), {1}, ("row 2",)),
    # odd settings
    Case("FIGSCRAPE_RATE=abc", lambda d: ["crawl", "--dry-run"], {2}, ("FIGSCRAPE_RATE",), env={"FIGSCRAPE_RATE": "abc"}),
    Case("FIGSCRAPE_RATE=0", lambda d: ["crawl", "--dry-run"], {2}, ("FIGSCRAPE_RATE",), env={"FIGSCRAPE_RATE": "0"}),
    Case("FIGSCRAPE_RATE=nan", lambda d: ["crawl", "--dry-run"], {2}, ("FIGSCRAPE_RATE",), env={"FIGSCRAPE_RATE": "nan"}),
    Case("FIGSCRAPE_PDF_MEMORY_MB=-1", lambda d: ["inspect", str(good_pdf(d / "ok.pdf"))], {2}, ("FIGSCRAPE_PDF_MEMORY_MB",),
         env={"FIGSCRAPE_PDF_MEMORY_MB": "-1"}),
    Case("FIGSCRAPE_MAX_PAGES=ten", lambda d: ["status"], {2}, ("FIGSCRAPE_MAX_PAGES",), env={"FIGSCRAPE_MAX_PAGES": "ten"}),
    Case("FIGSCRAPE_PDF_TIMEOUT=inf", lambda d: ["status"], {2}, ("FIGSCRAPE_PDF_TIMEOUT",), env={"FIGSCRAPE_PDF_TIMEOUT": "inf"}),
    Case("FIGSCRAPE_DATA is a file", lambda d: ["status"], {2}, ("not a folder",), env={"FIGSCRAPE_DATA": "/etc/hostname"}),
    # database URLs with the password in odd places (status: 2, one line, the password masked)
    *[Case(f"db url {label}", lambda d, url=url: ["status"], {2}, (), env={"FIGSCRAPE_DB": url}, timeout=60) for label, url in (
        ("user:password@", f"postgresql+psycopg://u:{SECRET}@127.0.0.1:1/db"),
        ("?password=", f"postgresql+psycopg://u@127.0.0.1:1/db?password={SECRET}"),
        ("percent-encoded @", f"postgresql+psycopg://u:{SECRET.replace('secret', 'sec%40ret')}@127.0.0.1:1/db"),
        ("host in query", f"postgresql+psycopg:///db?host=127.0.0.1&port=1&user=u&password={SECRET}"),
        ("colon in password", f"postgresql+psycopg://u:{SECRET}:x@127.0.0.1:1/db"),
        ("not a URL", f"u:{SECRET}@nowhere"),
        ("unknown driver", f"mysql+nosuchdriver://u:{SECRET}@127.0.0.1:1/db"),
        ("password only", f"postgresql+psycopg://:{SECRET}@127.0.0.1:1/db"),
    )],
    Case("db upgrade with password", lambda d: ["db", "upgrade"], {2}, (), env={"FIGSCRAPE_DB": f"postgresql+psycopg://u:{SECRET}@127.0.0.1:1/db"}),
    Case("--db flag with password", lambda d: ["--db", f"postgresql+psycopg://u:{SECRET}@127.0.0.1:1/db", "status", "--json"], {2}, ()),
    # export
    Case("export onto an existing file", lambda d: _stored_then(d, ["export", str(raw_pdf(d / "out", b"keep me"))]), {2}, ("out",),
         check=lambda d, r: "" if (d / "out").read_bytes() == b"keep me" else "the file named OUT was overwritten"),
]


def _folders(folder: Path, *names: str) -> Path:
    path = folder.joinpath(*names)
    path.mkdir(parents=True)
    return path


def _loop_folder(folder: Path) -> Path:
    inside = folder / "in"
    inside.mkdir()
    good_pdf(inside / "a.pdf")
    (inside / "loop").symlink_to(inside)
    return inside


def _odd_name(folder: Path) -> str:
    name = os.fsencode(folder) + b"/scan\xff\nnew.pdf"
    with open(name, "wb") as fh:
        fh.write(good_pdf(folder / "tmp.pdf").read_bytes())
    return os.fsdecode(name)


def _stored_then(folder: Path, args: list[str], title: str = "") -> list[str]:
    """A paper stored first (with this title, when given), so the case can show that nothing stored was lost."""
    subprocess.run([FIGSCRAPE, "ingest", str(good_pdf(folder / "first.pdf"))], capture_output=True, env=_env(folder, {}), timeout=120)
    if title:
        import sqlite3

        with sqlite3.connect(folder / "data" / "figscrape.db") as db:
            db.execute("UPDATE papers SET title = ?", (title,))
    return args


def run_case(case: Case, root: Path) -> tuple[int | None, str, str]:
    folder = Path(tempfile.mkdtemp(prefix="case-", dir=root))
    env = dict(case.env)
    stop = None
    if env.get("FIGSCRAPE_API_URL", "").startswith("@"):
        url, stop = serve(env["FIGSCRAPE_API_URL"][1:])
        env["FIGSCRAPE_API_URL"] = env["FIGSCRAPE_MEDRXIV_URL"] = url
    try:
        args = case.args(folder)
        result = subprocess.run([FIGSCRAPE, *args], capture_output=True, text=True, errors="backslashreplace",
                                env=_env(folder, env), timeout=case.timeout)
    except subprocess.TimeoutExpired:
        return None, "", f"FAIL no answer within {case.timeout:.0f} s"
    finally:
        if stop:
            stop()
    return result.returncode, first_line(result.stderr), verdict(case, folder, result)


def _quiet_servers() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run only the cases whose name contains this")
    args = parser.parse_args()
    _quiet_servers()
    passed = total = 0
    with tempfile.TemporaryDirectory(prefix="figscrape-hostile-") as tmp:
        print(f"{'case':38} {'rc':>4}  {'first line on stderr':90}  verdict")
        for case in CASES:
            if args.only and args.only not in case.name:
                continue
            rc, line, said = run_case(case, Path(tmp))
            shown = re.sub(r"\s+", " ", line)[:90]
            print(f"{case.name:38} {rc if rc is not None else '-':>4}  {shown:90}  {said}", flush=True)
            total += 1
            passed += said == "pass"
    print(f"\n{passed} of {total} cases pass")


if __name__ == "__main__":
    main()
