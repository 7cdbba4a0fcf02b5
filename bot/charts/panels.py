"""What the count pictures are drawn from: plain data, no matplotlib (a workflow builds these at
start-up cost zero; the drawing modules load matplotlib with the first picture)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bars:
    labels: Sequence[str]  # one per group
    values: Sequence[Sequence[float]]  # per group, one count per legend entry
    legend: Sequence[str]
    title: str
    empty: str = ""  # said in the panel (and the alt text) when there is no group
    ylabel: str = ""


@dataclass(frozen=True)
class Network:
    names: Sequence[str]  # every organisation, also those that work with nobody
    edges: Sequence[tuple[int, int, int]]  # (index, index, how much they worked together)
    title: str
    empty: str = ""  # said when there are fewer than two organisations
    unlinked: str = ""  # said under the nodes when no two worked together


@dataclass(frozen=True)
class Trend:
    labels: Sequence[str]  # one per pulse shown
    means: Sequence[float]
    title: str
    empty: str  # said when no pulse has enough answers
