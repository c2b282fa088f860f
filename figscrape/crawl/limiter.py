"""One request limiter per host: at most `rate` requests in any sliding window of one second
(or one request per 1/rate seconds below 1/s), and a pause that a 429 or 503 with Retry-After
puts on the whole host, not just the URL that got it."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

SAFETY = 0.05  # seconds added to the window


class HostPaused(Exception):
    """The host asked us (Retry-After) to stay away longer than a run waits."""

    def __init__(self, host: str, seconds: float) -> None:
        super().__init__(f"{host} asked to wait {seconds:.0f} s (Retry-After)")
        self.host, self.seconds = host, seconds


class HostLimiter:
    def __init__(
        self, rate: float, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep, max_wait: float = 300.0
    ) -> None:
        if rate <= 0:
            raise ValueError("the rate must be above 0 requests per second")
        self.window = max(1.0, 1.0 / rate) + SAFETY  # the server's clock sees our requests with jitter
        self.limit = max(1, math.floor(rate * self.window + 1e-9))
        self.clock, self.sleep, self.max_wait = clock, sleep, max_wait
        self._sent: dict[str, deque[float]] = {}
        self._paused_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def pause(self, host: str, seconds: float) -> None:
        """Hold every request to the host for `seconds` (Retry-After)."""
        with self._lock:
            self._paused_until[host] = max(self._paused_until.get(host, 0.0), self.clock() + seconds)

    def acquire(self, host: str) -> None:
        """Wait until a request to the host keeps it within its limit, then count it. A pause longer
        than max_wait is honoured by not asking at all: HostPaused, and the next run tries again."""
        while True:
            with self._lock:
                now = self.clock()
                if self._paused_until.get(host, 0.0) - now > self.max_wait:
                    raise HostPaused(host, self._paused_until[host] - now)
                sent = self._sent.setdefault(host, deque())
                while sent and sent[0] <= now - self.window:
                    sent.popleft()
                wait = self._paused_until.get(host, 0.0) - now
                if wait <= 0 and len(sent) < self.limit:
                    sent.append(now)
                    return
                if wait <= 0:
                    wait = sent[0] + self.window - now
            self.sleep(max(wait, 0.001))
