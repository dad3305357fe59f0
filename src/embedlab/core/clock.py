"""The installed embedlab version and UTC timestamps, as every RunLog records them."""

from __future__ import annotations

from datetime import datetime, timezone
from importlib import metadata


def embedlab_version() -> str:
    """The installed embedlab version (``0+unknown`` when running from an uninstalled tree)."""
    try:
        return metadata.version("embedlab")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def utc_now() -> str:
    """The current UTC time as an ISO-8601 string to the second (RunLog timestamps)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
