"""A real HTTP server on 127.0.0.1 that behaves like api.biorxiv.org and the medRxiv/bioRxiv sites,
faults included: 429 with Retry-After ("error code: 1015"), 500/503, stalls past the read timeout,
"Just a moment..." challenge pages served with 200 or 403, bodies cut short with a matching
Content-Length ("truncated" PDFs; "cut" for any body: API JSON, landing pages, PDFs, other files),
empty API bodies, 404 PDFs with a landing page that names the PDF.

Used by the crawler tests and benchmarks/crawl_bench.py. Faults are given per path as a list
consumed one request at a time (then the path serves normally), or drawn at a seeded rate."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

PAGE_SIZE = 30
CHALLENGE = (
    '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    '<link href="/cdn-cgi/styles/challenges.css" rel="stylesheet"><meta http-equiv="refresh" content="35">'
    '</head><body class="no-js"><noscript>Enable JavaScript and cookies to continue</noscript>'
    '<form id="challenge-form" action="/?__cf_chl_f_tk=x" method="POST"></form></body></html>'
)


@dataclass
class FakeRxiv:
    records: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))  # server -> API records
    pdfs: dict[str, bytes] = field(default_factory=dict)  # "doi v version" -> bytes
    files: dict[str, bytes] = field(default_factory=dict)  # any other path (JATS XML, say) -> bytes
    faults: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # path -> faults to serve first
    fault_rate: float = 0.0  # chance that a request without listed faults gets a random one
    random_faults: tuple[str, ...] = ("429", "500", "503", "empty", "truncated", "cut", "challenge", "slow")
    slow_seconds: float = 3.0
    retry_after: int = 1
    seed: int = 0
    log: list[tuple[float, str, int]] = field(default_factory=list)  # (time, path, status)

    def __post_init__(self) -> None:
        self.served: Counter[str] = Counter()  # "api cut", "pdf 429", ...: the faults served so far
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self._server = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # content -------------------------------------------------------------------------------

    def add(self, server: str, record: dict, pdf: bytes | None = None) -> None:
        self.records[server].append(record)
        if pdf is not None:
            self.pdfs[f"{record['doi']}v{record['version']}"] = pdf

    def pdf_path(self, doi: str, version: int | str) -> str:
        return f"/content/{doi}v{version}.full.pdf"

    # serving -------------------------------------------------------------------------------

    def start(self) -> FakeRxiv:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeRxiv:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def requests_to(self, prefix: str) -> int:
        return sum(1 for _, path, _ in self.log if path.startswith(prefix))

    def max_per_second(self) -> int:
        """The most requests seen in any sliding one-second window (they all go to one host)."""
        times = sorted(t for t, _, _ in self.log)
        best, j = 0, 0
        for i, t in enumerate(times):
            while times[j] <= t - 1.0:
                j += 1
            best = max(best, i - j + 1)
        return best

    def _next_fault(self, path: str) -> str:
        with self._lock:
            if self.faults.get(path):
                return self.faults[path].pop(0)
            if self.fault_rate and self._rng.random() < self.fault_rate:
                return self._rng.choice(self.random_faults)
        return ""

    def _app(self, environ, start_response):  # noqa: ANN001, ANN202 - WSGI
        request = Request(environ)
        response = self._respond(request)
        with self._lock:
            self.log.append((time.monotonic(), request.path, response.status_code))
        return response(environ, start_response)

    def _respond(self, request: Request) -> Response:
        fault = self._next_fault(request.path)
        response = self._serve(request, fault)
        if fault:
            with self._lock:
                self.served[f"{'api' if request.path.startswith('/details/') else 'site'} {fault}"] += 1
        if fault == "cut" and response.status_code == 200:
            body = response.get_data()
            response.set_data(body[: len(body) // 2])  # Content-Length matches the cut
        return response

    def _serve(self, request: Request, fault: str) -> Response:
        path = request.path
        if fault == "slow":
            time.sleep(self.slow_seconds)
        elif fault == "429":
            return Response("error code: 1015", 429, {"Retry-After": str(self.retry_after)}, mimetype="text/plain")
        elif fault in ("500", "502", "503"):
            return Response("server error", int(fault), {"Retry-After": str(self.retry_after)} if fault == "503" else {})
        elif fault == "403":
            return Response(CHALLENGE, 403, {"cf-mitigated": "challenge"}, mimetype="text/html")
        elif fault == "404":
            return Response("not found", 404)
        if path in self.files:
            return Response(self.files[path], 200, mimetype="application/xml")
        if path.startswith("/details/"):
            if fault in ("empty", "truncated"):
                return Response(b"", 200, mimetype="application/json")
            return self._details(request)
        if path.startswith("/content/early/") and path.endswith(".full.pdf"):
            return Response(self.pdfs[path[len("/content/early/") : -len(".full.pdf")]], 200, mimetype="application/pdf")
        if path.startswith("/content/") and path.endswith(".full.pdf"):
            key = path[len("/content/") : -len(".full.pdf")]
            if key not in self.pdfs:
                return Response("not found", 404)
            if fault == "challenge":
                return Response(CHALLENGE, 200, mimetype="text/html")
            body = self.pdfs[key]
            if fault == "truncated":
                body = body[: len(body) // 2]  # Content-Length matches the cut
            if fault == "empty":
                body = b""
            return Response(body, 200, mimetype="application/pdf")
        if path.startswith("/content/"):
            key = path[len("/content/") :]
            if key in self.pdfs:
                link = f"{self.url}/content/early/{key}.full.pdf"
                return Response(f'<html><head><meta name="citation_pdf_url" content="{link}" /></head><body></body></html>', 200, mimetype="text/html")
        return Response("not found", 404)

    def _details(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")  # details/server/from/to/cursor/json
        server, start, end, cursor = parts[1], date.fromisoformat(parts[2]), date.fromisoformat(parts[3]), int(parts[4])
        category = request.args.get("category")
        known = {r["category"].replace(" ", "_") for r in self.records[server]}
        matching = [r for r in self.records[server] if start <= date.fromisoformat(r["date"][:10]) <= end]
        echo = "all"
        if category and category in known:  # an unknown category silently returns everything
            matching = [r for r in matching if r["category"].replace(" ", "_") == category]
            echo = category
        page = matching[cursor : cursor + PAGE_SIZE]
        if not page:
            return Response(json.dumps({"messages": [{"status": "no posts found"}], "collection": []}), 200, mimetype="application/json")
        message = {
            "status": "ok", "category": echo, "interval": f"{start}:{end}", "cursor": cursor, "count": len(page),
            "count_new_papers": str(len(matching)), "total": str(len(matching)),
        }
        return Response(json.dumps({"messages": [message], "collection": page}, separators=(",", ":")), 200, mimetype="application/json")


def record(doi: str, day: str, version: int = 1, title: str = "COVID-19 pneumonia on chest CT", category: str = "radiology and imaging", server: str = "medRxiv") -> dict:
    """An API record shaped like the real ones (string version, "NA" fields, server's own casing)."""
    return {
        "doi": doi, "title": title, "authors": "Doe, J.; Roe, R.", "author_corresponding": "J. Doe",
        "author_corresponding_institution": "Example Hospital", "date": day, "version": str(version), "type": "PUBLISHAHEADOFPRINT",
        "license": "cc_by", "category": category, "jatsxml": "", "abstract": "Ground-glass opacities were seen.", "funder": "NA",
        "published": "NA", "server": server,
    }


def fast_settings(self, rate: float = 1.0, contact: str = "", connect_timeout: float = 2.0, read_timeout: float = 1.0,  # noqa: ANN001
                   attempts: int = 4, backoff: float = 0.05, backoff_max: float = 2.0) -> None:
    """ClientSettings.__init__ for tests: short timeouts and backoff, so faults cost milliseconds."""
    self.rate, self.contact, self.connect_timeout, self.read_timeout = rate, contact, connect_timeout, read_timeout
    self.attempts, self.backoff, self.backoff_max = attempts, backoff, backoff_max
