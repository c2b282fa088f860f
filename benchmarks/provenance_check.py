"""What `figscrape ingest` stores per PDF of the shared corpus (server, DOI, version, date, licence)
against MANIFEST.tsv's doi and license columns. Skips (exit 0) when the corpus is absent."""

from __future__ import annotations

import csv
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's figscrape, whatever the venv points at
CORPUS = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/corpus/pdfs")


def main() -> int:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        print(f"skipped: no corpus at {CORPUS}")
        return 0
    from sqlalchemy import select

    from figscrape.crawl.ingest import ingest_paths
    from figscrape.data.db import open_database, read_session
    from figscrape.data.models import Paper
    from figscrape.runtime.runs import RunLog
    from figscrape.store import ObjectStore

    expected = {row["file"]: row for row in csv.DictReader(manifest.open(), delimiter="\t")}
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(f"sqlite:///{tmp}/check.db")
        ingest_paths(engine, ObjectStore(Path(tmp) / "objects"), [CORPUS / name for name in expected], RunLog("ingest"))
        with read_session(engine) as s:
            stored = {Path(p.source).name: p for p in s.scalars(select(Paper)).all()}
        engine.dispose()
    print("| file | server | doi | v | date | licence | manifest doi | manifest licence | doi ok |")
    print("|---|---|---|---|---|---|---|---|---|")
    agree = 0
    for name, row in expected.items():
        p = stored.get(name)
        doi = p.doi if p and p.server != "local" else ""
        ok = doi == row["doi"] or (not doi and not row["doi"].startswith("10.1101/"))
        agree += ok
        print(f"| {name} | {p.server if p else '-'} | {doi or '-'} | {p.version if p else '-'} | {(p.date if p else '') or '-'} | "
              f"{(p.license if p else '') or '-'} | {row['doi'] or '-'} | {row['license_if_known']} | {'yes' if ok else 'NO'} |")
    print(f"\n{agree}/{len(expected)} agree on the rxiv DOI (non-rxiv DOIs are not read from stamps: those papers stay local)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
