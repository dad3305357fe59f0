"""When to retry an endpoint request, and how long to wait first.

Retried: HTTP 429 (too many requests) and 503 (unavailable), connection failures and timeouts;
nothing else (a 4xx is the request's fault, a 500 the server's bug, and retrying them hides
it). At most :attr:`RetryPolicy.attempts` tries in all.

The wait before retry ``a`` (``a = 1, 2, ...``) is "full jitter" exponential backoff,
``u * min(cap, base * 2**(a-1))`` with ``u ~ Uniform(0, 1)`` from a seeded generator; a
``Retry-After`` header (seconds, or an HTTP date) sets a floor under it, the whole wait capped
at :attr:`RetryPolicy.cap` (a server asking for more than that fails the request instead of
stalling a run).
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass

import numpy as np

#: Status codes worth retrying.
RETRY_STATUS = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and jitter (see the module docstring)."""

    attempts: int = 4
    base: float = 0.5
    cap: float = 10.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base < 0 or self.cap < 0:
            raise ValueError("RetryPolicy needs attempts >= 1 and non-negative base and cap")

    def generator(self) -> np.random.Generator:
        """The jitter generator, seeded from :attr:`seed`."""
        return np.random.default_rng(self.seed)

    def delay(self, attempt: int, retry_after: str | None, rng: np.random.Generator) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        backoff = float(rng.uniform()) * min(self.cap, self.base * 2.0 ** (attempt - 1))
        floor = retry_after_seconds(retry_after)
        return min(self.cap, max(backoff, floor or 0.0))


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A ``Retry-After`` header as seconds from now (delta-seconds or an HTTP date), or None."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)
