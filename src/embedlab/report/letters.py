"""Compact letter display: group letters such that two systems share a letter iff they are not
significantly different.

Insert-and-absorb (Piepho 2004, *J. Comput. Graph. Stat.* 13:456): start with one group holding
every system; for each significant pair (i, j), every group holding both is split into a copy
without i and a copy without j; then groups contained in another group are dropped. Afterwards
no group holds a significant pair and every non-significant pair shares a group. Groups are
lettered a, b, c... in the order of their best member (systems are given best first), so the best
system carries ``a``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def letter_groups(
    systems: Sequence[str], significant: Collection[frozenset[str]]
) -> dict[str, str]:
    """Letters of each of ``systems`` (best first) given the significantly different pairs."""
    groups: list[set[str]] = [set(systems)]
    for pair in significant:
        i, j = tuple(pair)
        split: list[set[str]] = []
        for group in groups:
            if i in group and j in group:
                split += [group - {i}, group - {j}]
            else:
                split.append(group)
        groups = _absorb(split)
    order = {s: k for k, s in enumerate(systems)}
    groups.sort(key=lambda g: sorted(order[s] for s in g))
    letters = {s: "" for s in systems}
    for group, letter in zip(groups, _names(len(groups)), strict=True):
        for system in group:
            letters[system] += letter
    return letters


def _absorb(groups: list[set[str]]) -> list[set[str]]:
    unique: list[set[str]] = []
    for group in groups:
        if group and group not in unique:
            unique.append(group)
    return [g for g in unique if not any(g < other for other in unique)]


def _names(n: int) -> list[str]:
    """``a..z``, then ``A..Z``, then numbered (more groups than that are not readable anyway)."""
    pool = LETTERS + LETTERS.upper()
    return [pool[i] if i < len(pool) else f"<{i}>" for i in range(n)]
