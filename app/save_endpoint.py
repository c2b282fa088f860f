"""The labeler's routes beside Streamlit: the component POSTs its key presses straight to the server,
where figscrape.annotate.presses stores them, with no Streamlit rerun; and it loads pictures by URL,
so the browser fetches and decodes them beside the page's work. A rerun per press made every browser
redraw Streamlit's page (50 ms of CPU a press in the browser, eight times the server's share), and
pictures sent inside Streamlit's messages held the page's main thread while it parsed them: with
twenty annotators on one machine the browsers ran out of time, not the server.

Who presses: the script signs the annotator's name for the page (an HMAC under a key made when the
server starts), so the endpoint needs no session; a page from an earlier server start is refused
and falls back to the rerun path."""

from __future__ import annotations

import functools
import hashlib
import hmac
import io
import json
import re
import secrets
from pathlib import Path
from urllib.parse import quote

from PIL import Image
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from figscrape.annotate.presses import apply_sent
from figscrape.runtime.imaging import check_size, header_size
from figscrape.store import Store

ROUTE = "/figscrape/presses"
PICTURES = "/figscrape/picture"
MOST_BYTES = 1_000_000  # a page's outbox of a few thousand presses; anything larger is not the labeler's
_SHA256 = re.compile(r"[0-9a-f]{64}")

_KEY = secrets.token_bytes(32)
_served: dict[str, object] = {"mounted": False}


def mounted() -> None:
    """Called by the ASGI app that routes ROUTE and PICTURES here: pages are told to use them."""
    _served["mounted"] = True


def serve_with(engine: Engine, store: Store) -> None:
    """The database and store the routes use: the script's own, opened by its first run."""
    _served["engine"], _served["store"] = engine, store


def save_url() -> str:
    """Where the page sends presses (empty: no endpoint in this server, presses go by reruns)."""
    return ROUTE if _served["mounted"] else ""


def picture_url(sha256: str, longest: int, user: str) -> str:
    """Where the page loads a stored picture (empty: no picture route in this server)."""
    if not _served["mounted"]:
        return ""
    return f"{PICTURES}/{sha256}?px={longest}&u={quote(user, safe='')}&t={token_for(user)}"


def token_for(user: str) -> str:
    return hmac.new(_KEY, user.encode(), hashlib.sha256).hexdigest()


def _refused(status: int, why: str) -> JSONResponse:
    return JSONResponse({"error": why}, status_code=status)


async def save_presses(request: Request) -> JSONResponse:
    """Stores one page's presses; answers what is acknowledged, or why nothing was."""
    engine = _served.get("engine")
    if not isinstance(engine, Engine):
        return _refused(503, "the app has not opened its database yet")
    body = await request.body()
    if len(body) > MOST_BYTES:
        return _refused(413, f"{len(body)} bytes: a labeler's presses are far fewer")
    try:
        value = json.loads(body)
        user, token, instance = str(value["user"]), str(value["token"]), str(value["instance"])
        raws, after = list(value["presses"]), int(value.get("acked", 0))
    except (ValueError, KeyError, TypeError) as exc:
        return _refused(400, f"not a labeler's presses: {exc}")
    if not user or not hmac.compare_digest(token, token_for(user)):
        return _refused(403, "this page was signed in to another server start: reload it")
    try:
        result = await run_in_threadpool(apply_sent, engine, user, instance, raws, after)
    except DBAPIError as exc:
        return _refused(503, f"Not saved yet: the database failed ({str(exc.orig).splitlines()[0]}). "
                             "Your labels are kept in the page and sent again.")
    return JSONResponse({"acked": result.acked, "saved": result.saved, "notice": "; ".join(result.problems)})


def picture_bytes(data: bytes, longest: int) -> tuple[bytes, str]:
    """A stored picture as the browser gets it: PNG and JPEG as they are, anything else or anything
    large scaled to `longest` as JPEG."""
    check_size(*header_size(data))  # the browser (or PIL) would decode an image bomb whole: refused here
    kind = "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg" if data[:2] == b"\xff\xd8" else ""
    if not kind or len(data) > 400_000:
        image = Image.open(io.BytesIO(data))
        image.thumbnail((longest, longest))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=88)
        data, kind = out.getvalue(), "image/jpeg"
    return data, kind


@functools.lru_cache(maxsize=256)
def _scaled(path: Path, longest: int) -> tuple[bytes, str]:
    return picture_bytes(path.read_bytes(), longest)


async def picture(request: Request) -> Response:
    """A stored picture for a signed-in page, as picture_bytes makes it, cached by the browser."""
    store, user = _served.get("store"), request.query_params.get("u", "")
    sha256 = request.path_params["sha256"]
    if not user or not hmac.compare_digest(request.query_params.get("t", ""), token_for(user)):
        return Response("this page was signed in to another server start: reload it", status_code=403)
    if not isinstance(store, Store) or not _SHA256.fullmatch(sha256):
        return Response("no such picture", status_code=404)
    try:
        longest = max(16, min(4096, int(request.query_params.get("px", "1024"))))
        data, kind = await run_in_threadpool(_scaled, store.path(sha256), longest)
    except (OSError, ValueError) as exc:  # missing from the store, damaged, or over the size limit
        return Response(f"picture not shown: {exc}", status_code=404)
    return Response(data, media_type=kind, headers={"Cache-Control": "private, max-age=86400, immutable"})
