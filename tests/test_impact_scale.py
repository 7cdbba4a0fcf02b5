"""What ``/impact relationships`` draws stays readable however many pairs there are (issue 23): the
strongest ties and the organisations that work with nobody, with every pair in the attached CSV."""

from __future__ import annotations

import csv
import io
import os
from collections import Counter

from bot.commands.impact.measures import PairWork, pairs
from bot.commands.impact.relationships import DRAWN, Relationships
from bot.core.offload import in_worker
from bot.store.impact_work import PairCount
from bot.store.models import Organisation


def test_the_picture_keeps_the_strongest_ties_and_the_lonely() -> None:
    orgs = [Organisation(id=n, coalition_id=1, name=f"=Org {n}", key=f"org {n}") for n in range(1, 16)]
    linked = range(1, 14)  # 14 and 15 work with nobody
    counts = [PairCount(a, b, "goal", a * b, 1, 0) for a in linked for b in linked if a < b]
    counts += [PairCount(1, 2, "match", 5, 0, 5)]
    found = pairs(counts)
    r = Relationships(orgs, found, ["=Org 14", "=Org 15"], {14, 15})
    network = r.network("Who worked with whom")
    assert len(found) == 78
    assert len(network.edges) == DRAWN
    weights = sorted((p.total for p in found), reverse=True)
    assert sorted((w for _a, _b, w in network.edges), reverse=True) == weights[:DRAWN]
    assert {"=Org 14", "=Org 15"} <= set(network.names)
    assert len(network.names) < len(orgs)
    rows = list(csv.reader(io.StringIO(r.as_csv().decode())))
    assert len(rows) == 1 + len(found)
    first = next(row for row in rows[1:] if {row[0], row[1]} == {"'=Org 1", "'=Org 2"})
    assert first[2:5] == ["7", "1", "5"]  # 2 (goal) + 5 (match); recent 1; before 5
    assert found[0] == PairWork(12, 13, 156, 1, 0, Counter(goal=156))


async def test_charts_render_in_another_process() -> None:
    """A thread would share the interpreter lock with the event loop; the worker does not."""
    assert await in_worker(os.getpid) != os.getpid()
    assert await in_worker(divmod, 7, 2) == (3, 1)
