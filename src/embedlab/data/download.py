"""Fetching image files from URLs: resumable, retried with backoff, atomic, with a progress bar.

Files already present are skipped, so an interrupted download resumes where it stopped; each file
is written to a temporary name and renamed, so a present file is always complete.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from embedlab._atomic import write_bytes_atomic
from embedlab.core.progress import rich_progress
from embedlab.data.records import MAX_LISTED
from embedlab.errors import DataError

ATTEMPTS = 3  # tries per file
BACKOFF_SECONDS = 1.0  # wait before retry n is BACKOFF_SECONDS * 2 ** (n - 1)
TIMEOUT_SECONDS = 30.0
WORKERS = 8
GIVE_UP_AFTER = 2 * WORKERS  # this many failures before any success: stop (host unreachable?)
_PERMANENT_HTTP = frozenset({400, 401, 403, 404, 410})  # retrying these cannot help


@dataclass(frozen=True)
class Download:
    """One file to fetch: ``url`` into ``dest``; ``item`` (row, image id) names it in messages."""

    url: str
    dest: Path
    item: str


def fetch_all(downloads: Sequence[Download], *, label: str) -> None:
    """Fetch every download whose ``dest`` does not exist yet, in parallel, with a progress bar.

    Args:
        downloads: what to fetch.
        label: what is fetched, for the progress bar and messages (``"coco-karpathy images"``).

    When the first :data:`GIVE_UP_AFTER` files to finish have all failed (an unreachable host,
    a wrong URL pattern), the rest are not tried: the error comes in seconds, not after every
    file's retries.

    Raises:
        DataError: some files could not be fetched after the retries; names the URL and item of
            the first few. The files fetched so far are kept, so a re-run resumes.
    """
    todo = [d for d in downloads if not d.dest.is_file()]
    if not todo:
        return
    failures: list[tuple[int, str]] = []
    fetched = 0
    with (
        rich_progress(f"downloading {label}", len(todo)) as advance,
        ThreadPoolExecutor(max_workers=WORKERS) as pool,
    ):
        futures = {pool.submit(_fetch_one, d): i for i, d in enumerate(todo)}
        try:
            for future in as_completed(futures):
                error = future.result()
                if error is not None:
                    failures.append((futures[future], error))
                else:
                    fetched += 1
                advance(1)
                if not fetched and len(failures) >= GIVE_UP_AFTER < len(todo):
                    raise _failure_error(_listed(todo, failures), total=len(todo), label=label,
                                         gave_up=True)  # fmt: skip
        except BaseException:  # Ctrl-C, or giving up: do not wait for the queued downloads
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    if failures:
        raise _failure_error(_listed(todo, failures), total=len(todo), label=label)


def _listed(
    todo: Sequence[Download], failures: list[tuple[int, str]]
) -> list[tuple[Download, str]]:
    return [(todo[i], error) for i, error in sorted(failures)]


def _fetch_one(download: Download) -> str | None:
    """Fetch one file with retries; return None on success or the last error as text."""
    error = "no attempt made"
    for attempt in range(1, ATTEMPTS + 1):
        try:
            write_bytes_atomic(download.dest, _get(download.url))
            return None
        except urllib.error.HTTPError as exc:
            error = f"HTTP {exc.code} {exc.reason}"
            if exc.code in _PERMANENT_HTTP:
                return f"{error} (not retried)"
        except (OSError, ValueError) as exc:  # URLError, timeouts, resets, bad URLs
            error = f"{type(exc).__name__}: {exc}"
        if attempt < ATTEMPTS:
            time.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
    return f"{error} (after {ATTEMPTS} attempts)"


def _get(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "embedlab"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        data: bytes = response.read()
    if not data:
        raise ValueError("empty response")
    return data


def _failure_error(
    failures: list[tuple[Download, str]], *, total: int, label: str, gave_up: bool = False
) -> DataError:
    listed = "; ".join(f"{d.item} from {d.url} ({err})" for d, err in failures[:MAX_LISTED])
    more = f"; and {len(failures) - MAX_LISTED} more" if len(failures) > MAX_LISTED else ""
    if gave_up:
        return DataError(
            f"could not download any of the first {len(failures)} of {total} {label}, so "
            f"stopped: {listed}{more}. Check the network (or the URLs), or use --data-dir with "
            "local files."
        )
    return DataError(
        f"could not download {len(failures)} of {total} {label}: {listed}{more}. "
        "The files fetched so far are kept; re-run to resume, or use --data-dir with local files."
    )
