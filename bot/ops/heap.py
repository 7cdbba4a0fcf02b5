"""The garbage collector of a long-running ``serve`` process (issue 23).

CPython's full collection (generation 2) walks every object the process holds: at start-up that is
already every imported module, the platform libraries and the command core, and it costs 90–100 ms
of the event loop's CPU each time one falls (bench/README.md, issue 23: every stall of the loop
over 5 ms under ``/impact`` and ``/coalition export`` was one). What exists once the process is
ready to serve lives as long as the process: :func:`settle_heap` collects once, then moves it all to
the permanent generation (``gc.freeze``) so later collections walk only what commands create, and
makes full collections rarer (they are still triggered by what survives, not only by count)."""

from __future__ import annotations

import gc

YOUNG = 7_000  # allocations between two young collections (CPython's default: 700)
MIDDLE = 10  # young collections between two middle ones (the default)
FULL = 20  # middle collections between two full ones (the default: 10)


def settle_heap() -> None:
    """Once start-up is done (imports, platform connections): collect what start-up threw away,
    freeze what is left, and space collections out."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, MIDDLE, FULL)
