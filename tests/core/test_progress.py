"""Progress bars stay one readable line at 80 columns, however long the label."""

from __future__ import annotations

import pytest

from embedlab.core.progress import label_width, rich_progress, shorten_middle

LONG = "hf:laion/CLIP-ViT-bigG-14-laion2B-39B-b160k?dim=256 · coco-karpathy images"


def test_shorten_middle_keeps_both_ends() -> None:
    assert shorten_middle("short", 10) == "short"
    cut = shorten_middle(LONG, 21)
    assert len(cut) == 21 and cut == LONG[:10] + "…" + LONG[-10:]
    assert shorten_middle("abcdef", 4) == "ab…f"
    assert shorten_middle("abcdef", 1) == "a"


@pytest.mark.parametrize("columns", [80, 100])
def test_bar_is_one_line_with_the_label_ends_at_the_terminal_width(
    columns: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    with rich_progress(LONG, 5000) as advance:
        advance(1200)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    bar = [line for line in lines if "1200/5000" in line]
    assert len(bar) >= 1 and all(len(line) <= columns for line in lines)
    assert bar[-1].startswith("hf:laion/CLIP") and "…" in bar[-1]
    assert "images " in bar[-1]  # the label's end survives, on the bar's line
    assert len(shorten_middle(LONG, label_width(columns))) <= columns - 40


def test_markup_in_a_label_is_shown_literally(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with rich_progress("reading [bold]x[/bold] (test)", 3) as advance:
        advance(3)
    assert "reading [bold]x[/bold] (test)" in capsys.readouterr().err
