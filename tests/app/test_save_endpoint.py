"""The labeler's routes beside Streamlit, called as the ASGI server calls them: presses stored once
and in order for a page signed by this server, anything else refused with the reason; pictures
only for signed pages, as the store holds them."""

from __future__ import annotations

import asyncio
import json

import pytest
from figscrape.app import save_endpoint
from sqlalchemy import select
from starlette.requests import Request

from figscrape.data.db import read_session
from figscrape.data.models import Annotation, Panel
from figscrape.synthetic.labelled import seed_panels


def call(handler, body: bytes = b"", query: str = "", **path_params: str):  # noqa: ANN001, ANN201
    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {"type": "http", "method": "POST" if body else "GET", "path": "/", "query_string": query.encode(),
             "headers": [], "path_params": path_params}
    return asyncio.run(handler(Request(scope, receive)))


def presses(user: str, *panels: int, token: str | None = None, kind: str = "label", acked: int = 0) -> bytes:
    sent = [{"seq": acked + n, "panel": p, "kind": kind, "is_ct": "yes", "diagnosis": "covid"} for n, p in enumerate(panels, 1)]
    return json.dumps({"user": user, "token": save_endpoint.token_for(user) if token is None else token,
                       "instance": "page1", "presses": sent, "acked": acked}).encode()


@pytest.fixture
def served(engine, store, monkeypatch: pytest.MonkeyPatch) -> list[int]:  # noqa: ANN001
    monkeypatch.setattr(save_endpoint, "_served", {"mounted": True})
    save_endpoint.serve_with(engine, store)
    return seed_panels(engine, store, papers=2, figures=1, panels=3, size=64).panel_ids


def rows(engine) -> list[tuple[str, int, str]]:  # noqa: ANN001
    with read_session(engine) as s:
        return [tuple(r) for r in s.execute(select(Annotation.annotator, Annotation.panel_id, Annotation.client_key).order_by(Annotation.id))]


def test_presses_are_stored_in_order_once_and_acknowledged(served: list[int], engine) -> None:  # noqa: ANN001
    body = presses("ann", served[0], served[1], served[2])
    answer = json.loads(call(save_endpoint.save_presses, body).body)
    assert answer == {"acked": 3, "saved": 3, "notice": ""}
    again = json.loads(call(save_endpoint.save_presses, body).body)  # a resend after a lost answer
    assert again["acked"] == 3 and again["saved"] == 0
    assert rows(engine) == [("ann", served[0], "page1:1"), ("ann", served[1], "page1:2"), ("ann", served[2], "page1:3")]


@pytest.mark.parametrize(("body", "status", "why"), [
    (presses("ann", 1, token="0" * 64), 403, "another server start"),
    (presses("", 1, token=""), 403, "another server start"),
    (b"{not json", 400, "not a labeler's presses"),
    (json.dumps({"user": "ann"}).encode(), 400, "not a labeler's presses"),
    (b" " * (save_endpoint.MOST_BYTES + 1), 413, "far fewer"),
])
def test_what_is_not_a_signed_pages_presses_is_refused(served: list[int], engine, body: bytes, status: int, why: str) -> None:  # noqa: ANN001
    response = call(save_endpoint.save_presses, body)
    assert response.status_code == status and why in json.loads(response.body)["error"]
    assert rows(engine) == []


def test_a_bad_press_is_named_and_the_good_ones_are_stored(served: list[int], engine) -> None:  # noqa: ANN001
    body = json.loads(presses("ann", served[0], served[1]))
    body["presses"][0]["kind"] = "explode"
    answer = json.loads(call(save_endpoint.save_presses, json.dumps(body).encode()).body)
    assert "press 1 refused" in answer["notice"] and answer["saved"] == 1
    assert [r[1] for r in rows(engine)] == [served[1]]


def test_without_the_database_opened_nothing_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(save_endpoint, "_served", {"mounted": True})
    response = call(save_endpoint.save_presses, presses("ann", 1))
    assert response.status_code == 503


def test_pictures_only_for_signed_pages_as_stored(served: list[int], engine, store) -> None:  # noqa: ANN001
    with read_session(engine) as s:
        sha = s.scalar(select(Panel.image_sha256).where(Panel.id == served[0]))
    url = save_endpoint.picture_url(sha, 1024, "ann o'neil")
    query = url.split("?", 1)[1]
    ok = call(save_endpoint.picture, query=query, sha256=sha)
    assert ok.status_code == 200 and ok.body == store.path(sha).read_bytes() and ok.media_type == "image/png"
    forged = call(save_endpoint.picture, query=query.replace(save_endpoint.token_for("ann o'neil"), "0" * 64), sha256=sha)
    assert forged.status_code == 403
    assert call(save_endpoint.picture, query=query, sha256="../../etc/passwd").status_code == 404
    assert call(save_endpoint.picture, query=query, sha256="f" * 64).status_code == 404  # not in the store


def test_without_the_routes_pages_save_by_reruns_and_get_data_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(save_endpoint, "_served", {"mounted": False})
    assert save_endpoint.save_url() == "" and save_endpoint.picture_url("a" * 64, 100, "ann") == ""
