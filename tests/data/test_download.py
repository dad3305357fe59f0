"""Downloading image files: resume, retries with backoff, atomic writes, clear failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.data import download
from embedlab.data.download import Download, fetch_all
from embedlab.errors import DataError
from tests.data.http_server import ImageServer


def _jobs(server: ImageServer, root: Path, names: list[str]) -> list[Download]:
    return [Download(server.url(n), root / n, item=f"image {n!r}") for n in names]


def test_fetches_missing_files_and_skips_present_ones(
    image_server: ImageServer, tmp_path: Path
) -> None:
    image_server.files.update({"a.jpg": b"AAA", "sub/b.jpg": b"BB", "c.jpg": b"C"})
    (tmp_path / "c.jpg").write_bytes(b"already here")
    fetch_all(_jobs(image_server, tmp_path, ["a.jpg", "sub/b.jpg", "c.jpg"]), label="test images")
    assert (tmp_path / "a.jpg").read_bytes() == b"AAA"
    assert (tmp_path / "sub" / "b.jpg").read_bytes() == b"BB"
    assert (tmp_path / "c.jpg").read_bytes() == b"already here"
    assert image_server.requests == {"a.jpg": 1, "sub/b.jpg": 1}
    fetch_all(_jobs(image_server, tmp_path, ["a.jpg", "sub/b.jpg"]), label="test images")
    assert image_server.requests == {"a.jpg": 1, "sub/b.jpg": 1}


def test_transient_errors_are_retried(image_server: ImageServer, tmp_path: Path) -> None:
    image_server.files["a.jpg"] = b"AAA"
    image_server.fail_times["a.jpg"] = 2
    fetch_all(_jobs(image_server, tmp_path, ["a.jpg"]), label="test images")
    assert (tmp_path / "a.jpg").read_bytes() == b"AAA"
    assert image_server.requests["a.jpg"] == 3


def test_failure_after_retries_names_url_and_item(
    image_server: ImageServer, tmp_path: Path
) -> None:
    image_server.files["ok.jpg"] = b"fine"
    image_server.always_fail.add("flaky.jpg")
    jobs = _jobs(image_server, tmp_path, ["ok.jpg", "flaky.jpg", "gone.jpg"])
    with pytest.raises(DataError) as err:
        fetch_all(jobs, label="test images")
    message = str(err.value)
    assert "could not download 2 of 3 test images" in message
    assert f"image 'flaky.jpg' from {image_server.url('flaky.jpg')} (HTTP 503" in message
    assert f"after {download.ATTEMPTS} attempts" in message
    assert f"image 'gone.jpg' from {image_server.url('gone.jpg')} (HTTP 404" in message
    assert image_server.requests["flaky.jpg"] == download.ATTEMPTS
    assert image_server.requests["gone.jpg"] == 1  # a 404 is not retried
    assert (tmp_path / "ok.jpg").read_bytes() == b"fine"  # kept for the next run
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.jpg"]  # no partial files


def test_unreachable_host_and_bad_url(tmp_path: Path) -> None:
    jobs = [
        Download("http://127.0.0.1:9/x.jpg", tmp_path / "x.jpg", item="image 'x'"),
        Download("no-scheme/y.jpg", tmp_path / "y.jpg", item="image 'y'"),
    ]
    with pytest.raises(DataError, match=r"image 'x' from http://127\.0\.0\.1:9/x\.jpg.*image 'y'"):
        fetch_all(jobs, label="test images")


def test_file_urls_work(tmp_path: Path) -> None:
    source = tmp_path / "src.png"
    source.write_bytes(b"PNGDATA")
    fetch_all([Download(source.as_uri(), tmp_path / "out" / "a.png", "a")], label="x")
    assert (tmp_path / "out" / "a.png").read_bytes() == b"PNGDATA"


def test_empty_response_is_a_failure(image_server: ImageServer, tmp_path: Path) -> None:
    image_server.files["empty.jpg"] = b""
    with pytest.raises(DataError, match="empty response"):
        fetch_all(_jobs(image_server, tmp_path, ["empty.jpg"]), label="x")
    assert not (tmp_path / "empty.jpg").exists()


def test_gives_up_when_nothing_can_be_fetched(
    image_server: ImageServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unreachable host or a wrong URL pattern: stop after the first failures, not all."""
    monkeypatch.setattr(download, "BACKOFF_SECONDS", 0.0)
    names = [f"missing-{n}.jpg" for n in range(400)]
    with pytest.raises(DataError) as err:
        fetch_all(_jobs(image_server, tmp_path, names), label="test images")
    message = str(err.value)
    assert message.startswith(f"could not download any of the first {download.GIVE_UP_AFTER}")
    assert "of 400 test images, so stopped: image 'missing-" in message and "HTTP 404" in message
    tried = sum(image_server.requests.values())
    assert download.GIVE_UP_AFTER <= tried < len(names)  # typically ≤ GIVE_UP_AFTER + WORKERS
    assert not any(tmp_path.iterdir())
