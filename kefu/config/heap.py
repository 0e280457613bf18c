"""The server process's garbage collector, tuned for a thousand long-lived connections."""

from __future__ import annotations

import gc

from django.conf import settings


def settle_heap() -> None:
    """Call once the application is loaded, before serving.

    Everything loaded so far lives as long as the process. Moved out of the collector's
    reach (``gc.freeze``), it no longer makes every full collection walk it: measured
    under chat load, full-collection pauses fell from 130-215 ms to 16-106 ms. Then a
    young collection every ``KEFU_GC_THRESHOLDS[0]`` allocations instead of 700: with
    1,000 connections open the default thresholds ran full collections every few
    seconds, each pausing every connection for 90-150 ms (docs/benchmarks.md). Kefu's
    per-message work leaves no reference cycles behind, so collecting less often costs
    little memory.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*settings.KEFU_GC_THRESHOLDS)
