"""A team labelling together on PostgreSQL: the same schema, queue, labels and export as on SQLite,
against a real server (.ci/run starts one; elsewhere these tests skip)."""

from __future__ import annotations

from pathlib import Path

import pytest
from labelling import label, label_at_once
from sqlalchemy import func, select

from figscrape.annotate.actions import withdraw
from figscrape.annotate.queue import next_panels
from figscrape.data.db import (
    current_revision,
    head_revision,
    open_database,
    read_session,
    write_session,
)
from figscrape.data.models import Annotation, Panel
from figscrape.export.dataset import ExportOptions, export_dataset
from figscrape.store import ObjectStore
from figscrape.synthetic.labelled import seed_panels


def _label_all(engine, ids: list[int]) -> None:  # noqa: ANN001
    for k, pid in enumerate(ids):
        for annotator in ("ann", "bob"):
            label(engine, pid, annotator, "yes", ("covid", "normal")[k % 2], f"patient {k // 4}", minutes=k)


def test_migrations_queue_and_export_match_sqlite(postgres_url: str, engine, store: ObjectStore, tmp_path: Path) -> None:  # noqa: ANN001
    pg = open_database(postgres_url)
    assert current_revision(pg) == head_revision(pg)
    lite_ids = seed_panels(engine, store, papers=6, figures=1, panels=3, seed=5).panel_ids
    pg_ids = seed_panels(pg, store, papers=6, figures=1, panels=3, seed=5).panel_ids
    with write_session(pg) as s:
        s.get(Panel, pg_ids[0]).ct_score = None
    with write_session(engine) as s:
        s.get(Panel, lite_ids[0]).ct_score = None
    assert next_panels(pg, "ann")[-1] == pg_ids[0]  # unscored last on PostgreSQL too (NULLS LAST)
    assert next_panels(pg, "ann") == next_panels(engine, "ann")
    _label_all(engine, lite_ids)
    _label_all(pg, pg_ids)
    export_dataset(engine, store, tmp_path / "lite", ExportOptions(folds=2))
    export_dataset(pg, store, tmp_path / "pg", ExportOptions(folds=2))
    for name in ("COVID-CT-MetaInfo.csv", "Data-split/COVID/trainCT_COVID.txt", "CSV/test1.csv", "README.md"):
        assert (tmp_path / "lite" / name).read_bytes() == (tmp_path / "pg" / name).read_bytes(), name
    pg.dispose()


def test_eight_labelers_at_once_lose_nothing(postgres_url: str, store: ObjectStore) -> None:
    engine = open_database(postgres_url)
    ids = seed_panels(engine, store, papers=5, figures=1, panels=4).panel_ids
    assert label_at_once(postgres_url, 8, limit=50, then=lambda local, name: withdraw(local, ids[0], name)) == []
    with read_session(engine) as s:
        assert s.scalar(select(func.count(Annotation.id))) == 8 * len(ids) + 8
    assert ids[0] in next_panels(engine, "w3", per_panel=99)  # withdrawn: back in w3's queue
    engine.dispose()


def test_the_app_labels_into_postgresql(postgres_url: str, store: ObjectStore, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = open_database(postgres_url)
    seed_panels(engine, store, papers=2, figures=1, panels=2)
    monkeypatch.setenv("FIGSCRAPE_DB", postgres_url)
    from labelling import labeler_args, send, signed_in

    at = signed_in("pg-user")
    first = labeler_args(at)["window"][0]
    send(at, {"seq": 1, "panel": first, "kind": "label", "is_ct": "yes", "diagnosis": "other"})  # key 2 in the browser
    with read_session(engine) as s:
        assert s.execute(select(Annotation.panel_id, Annotation.annotator, Annotation.diagnosis)).all() == [(first, "pg-user", "other")]
    engine.dispose()
