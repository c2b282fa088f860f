"""HTTP with manners: a User-Agent that names figscrape and its operator, a connect and a read
timeout on every request, the per-host limiter, and bounded retries with exponential backoff
and jitter on 429, 5xx, timeouts, dropped connections, empty bodies and bodies cut short (shorter
than their Content-Length, or a document that stops in the middle: `check`) (Retry-After honoured)."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from figscrape import __version__
from figscrape.crawl.limiter import HostLimiter, HostPaused
from figscrape.crawl.urls import on_hosts

RETRY_STATUSES = {429, 500, 502, 503, 504, 520, 521, 522, 523, 524}


class FetchError(Exception):
    """A request that failed for good in this run; `blocked` when a bot check stopped it."""

    def __init__(self, url: str, reason: str, status: int | None = None, blocked: bool = False) -> None:
        super().__init__(f"{url}: {reason}")
        self.url, self.reason, self.status, self.blocked = url, reason, status, blocked


class BodyCut(Exception):
    """Raised by a body check: the body ended early, so asking again may give the whole of it."""


BodyCheck = Callable[[requests.Response], None]


class _Retryable(Exception):
    def __init__(self, url: str, reason: str, status: int | None = None, retry_after: float | None = None, blocked: bool = False) -> None:
        super().__init__(reason)
        self.url, self.reason, self.status, self.retry_after, self.blocked = url, reason, status, retry_after, blocked


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_retrying(attempts: int, backoff: float, backoff_max: float, retry_on: type[BaseException]) -> Retrying:
    """The crawler's one retry rule: `attempts` tries of what raises `retry_on`, exponential backoff
    with jitter between them, the last error raised as it is."""
    return Retrying(stop=stop_after_attempt(attempts), wait=wait_random_exponential(multiplier=backoff, max=backoff_max),
                    retry=retry_if_exception_type(retry_on), reraise=True)


@dataclass
class ClientSettings:
    rate: float = 1.0
    contact: str = ""
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    attempts: int = 4  # per request, within one run
    backoff: float = 1.0  # first backoff in seconds, doubled per attempt, with jitter
    backoff_max: float = 120.0


class PoliteClient:
    """`hosts`: the only hosts it asks (redirects included); None asks any."""

    def __init__(self, settings: ClientSettings, limiter: HostLimiter | None = None, hosts: frozenset[str] | None = None) -> None:
        self.settings, self.hosts = settings, hosts
        self.limiter = limiter or HostLimiter(settings.rate)
        self.session = requests.Session()
        contact = f"; mailto:{settings.contact}" if settings.contact else ""
        self.session.headers["User-Agent"] = f"figscrape/{__version__} (dataset builder for medical-imaging research{contact})"
        self.requests_sent = 0
        self.session.hooks["response"].append(self._refuse_redirect_off_hosts)

    def _refuse_redirect_off_hosts(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        if self.hosts is not None and response.is_redirect:
            target = requests.compat.urljoin(response.url, response.headers.get("Location", ""))
            if not on_hosts(target, self.hosts):
                response.close()
                raise FetchError(response.url, f"redirect to {target}, off the configured hosts", response.status_code)

    def _wait(self, state: RetryCallState) -> float:
        backoff = wait_random_exponential(multiplier=self.settings.backoff, max=self.settings.backoff_max)(state)
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return max(backoff, exc.retry_after) if exc.retry_after <= self.limiter.max_wait else 0.0  # the limiter refuses then
        return backoff

    def get(self, url: str, *, stream: bool = False, allow_empty: bool = False, headers: dict[str, str] | None = None,
            check: BodyCheck | None = None) -> requests.Response:
        """GET with the limiter and retries; raises FetchError when every attempt failed. `check`
        looks at a whole response and raises BodyCut when its body ended early (then it is retried)."""
        retrying = backoff_retrying(self.settings.attempts, self.settings.backoff, self.settings.backoff_max, _Retryable).copy(wait=self._wait)
        try:
            return retrying(self._attempt, url, stream, allow_empty, headers or {}, check)
        except _Retryable as exc:
            raise FetchError(url, f"{exc.reason} (after {self.settings.attempts} attempts)", exc.status, exc.blocked) from exc

    def _attempt(self, url: str, stream: bool, allow_empty: bool, headers: dict[str, str], check: BodyCheck | None) -> requests.Response:
        host = urlsplit(url).netloc
        if self.hosts is not None and not on_hosts(url, self.hosts):
            raise FetchError(url, f"not on the configured hosts ({', '.join(sorted(self.hosts))}); not asked")
        try:
            self.limiter.acquire(host)
        except HostPaused as exc:
            raise FetchError(url, str(exc), 429, blocked=True) from exc
        self.requests_sent += 1
        try:
            response = self.session.get(
                url, stream=stream, headers=headers, timeout=(self.settings.connect_timeout, self.settings.read_timeout)
            )
        except requests.Timeout as exc:
            raise _Retryable(url, f"timed out ({type(exc).__name__})") from exc
        except requests.ConnectionError as exc:
            raise _Retryable(url, f"connection failed ({exc.__class__.__name__})") from exc
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            raise _Retryable(url, f"body cut short ({exc.__class__.__name__})") from exc
        if response.status_code in RETRY_STATUSES:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if wait is not None and response.status_code in (429, 503):
                self.limiter.pause(host, wait)  # the whole host waits, as long as it asked
            body = response.text[:200] if not stream else ""
            response.close()
            blocked = response.status_code == 429 and "1015" in body
            raise _Retryable(url, f"HTTP {response.status_code}{' (rate limited: error code 1015)' if blocked else ''}", response.status_code, wait, blocked)
        if response.status_code == 403:
            mitigated = response.headers.get("cf-mitigated", "")
            response.close()
            raise FetchError(url, f"HTTP 403{' (bot check: cf-mitigated ' + mitigated + ')' if mitigated else ' (forbidden)'}", 403, blocked=True)
        if response.status_code >= 400:
            response.close()
            raise FetchError(url, f"HTTP {response.status_code}", response.status_code)
        if not stream and not allow_empty and not response.content:
            raise _Retryable(url, "empty body", response.status_code)
        if not stream:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and "Content-Encoding" not in response.headers and len(response.content) < int(declared):
                raise _Retryable(url, f"body cut short ({len(response.content)} of {declared} bytes)", response.status_code)
            if check is not None:
                try:
                    check(response)
                except BodyCut as exc:
                    raise _Retryable(url, f"body cut short ({exc})", response.status_code) from exc
        return response
