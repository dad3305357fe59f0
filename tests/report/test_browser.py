"""report.html in a real headless Chromium, from file:// with the network blocked.

Chromium comes from Debian (``apt-get install chromium``; ``.ci/run`` installs it). Under CI
(``CI=true``) a missing browser is a failure, not a skip; locally the test skips.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from embedlab.verbs.report import ReportOptions, write_report
from tests.report._parse import ReportParser, parse_html
from tests.report._runs import three_runs

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "chromium is missing: install it with apt-get install -y chromium (.ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def _browser(binary: str, page: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={tmp / 'profile'}",
        "--window-size=1400,2200",
        "--hide-scrollbars",
        *args,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def test_report_renders_offline_in_chromium(tmp_path: Path) -> None:
    binary = _chromium()
    runs = three_runs(tmp_path / "runs")
    html, _ = write_report(runs, tmp_path / "out", ReportOptions(resamples=50))
    source = parse_html(html)
    assert {"http-equiv": "Content-Security-Policy", "content": CSP} in source.metas
    text = html.read_text()
    # nothing to fetch: no external src/href (the SVG namespace URI is a name, not a request)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text)
    assert set(re.findall(r"https?://[^\s\"'<>]+", text)) <= {"http://www.w3.org/2000/svg"}

    dumped = _browser(binary, html, tmp_path, "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = ReportParser()
    dom.feed(dumped.stdout)
    assert 'data-js="ok"' in dumped.stdout, "the inline script did not run (CSP or error)"
    headline = [c for c in dom.cells if c.table == "Headline" and c.row_index == 0]
    assert [c.text for c in headline][:2] == ["big", "62.0a[59.0, 65.0]"]
    assert {c.row_label for c in dom.cells if c.table == "Headline"} == {"big", "mid", "small"}
    figures = len(re.findall(r'<figure id="[^"]+" class="plot">', text))
    assert figures == 2  # quality vs throughput, per-category bars
    assert len(dom.svgs) == figures and all(int(marks) >= 3 for marks in dom.svgs), dom.svgs

    shot = tmp_path / "report.png"
    taken = _browser(binary, html, tmp_path, f"--screenshot={shot}")
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
