"""The pool policy: how a build spreads its work over the machine's cores.

Owns: the thread pool of staging and compression (hashing, file writes, rcssmin, rjsmin and the
compression codecs all release the GIL, so threads give the parallelism of processes without
pickling or worker start-up; ``jobs=1`` runs everything in the calling thread), and when the
scanning of stylesheets and scripts goes to forked processes instead (the scan is Python's
``re``, which holds the GIL).
Must not: know what the work is; callers hand it functions and items.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Past this many bytes to scan, worker processes do it: below, a fork and pickling the
# references back cost more than they save.
PARALLEL_SCAN_BYTES = 8 << 20


def threads(jobs: int) -> Executor:
    """The pool staging and compression run on: ``jobs`` threads, or the calling thread."""
    if jobs <= 1:
        return _Serial()
    return ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="assetbuild")


def can_fork(jobs: int) -> bool:
    """Whether scanning may go to forked processes at all: more than one job, Linux (macOS's
    system libraries do not survive a fork), and no other thread in this process (``watch``
    has some, and a fork copies only the calling thread, locks held by others included)."""
    return jobs >= 2 and sys.platform.startswith("linux") and threading.active_count() == 1


@contextmanager
def scanning_processes(jobs: int, size: int) -> Iterator[ProcessPoolExecutor | None]:
    """``jobs`` forked processes to scan ``size`` bytes, or None where they would not pay (or
    cannot fork). Unfinished work is cancelled when the block ends."""
    if size < PARALLEL_SCAN_BYTES or not can_fork(jobs):
        yield None
        return
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"))
    try:
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)


class _Serial(Executor):
    """Runs each call in the calling thread, in order: what ``jobs=1`` means."""

    def map(
        self,
        fn: Callable[[T], R],
        *iterables: Iterable[T],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[R]:
        return map(fn, *iterables)
