"""The pool policy: how a build spreads its work over the machine's cores.

Owns: the thread pool of staging and compression (hashing, file writes, rcssmin, rjsmin and the
compression codecs all release the GIL, so threads give the parallelism of processes without
pickling or worker start-up; ``jobs=1`` runs everything in the calling thread), and when the
scanning of stylesheets and scripts (Python's ``re``, which holds the GIL) and the staging of
the many files published as they are (a few system calls each, whose GIL hand-offs undo what
threads gain) go to forked processes instead.
Must not: know what the work is; callers hand it functions and items.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Past this many bytes to scan, worker processes do it: below, a fork and pickling the
# references back cost more than they save.
PARALLEL_SCAN_BYTES = 8 << 20
# Past this many files to stage as they are (read, hash, write), worker processes do it: in
# threads, the ten or so system calls of each file hand the GIL back and forth between them,
# which cost more than the second core gave (measured: no faster than one thread).
PARALLEL_STAGE_FILES = 512


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


def scanning_processes(jobs: int, size: int) -> AbstractContextManager[ProcessPoolExecutor | None]:
    """``jobs`` forked processes to scan ``size`` bytes, or None where they would not pay (or
    cannot fork). Unfinished work is cancelled when the block ends."""
    return _processes(jobs, size >= PARALLEL_SCAN_BYTES)


def staging_processes(jobs: int, files: int) -> AbstractContextManager[ProcessPoolExecutor | None]:
    """``jobs`` forked processes to stage ``files`` files as they are, or None where they would
    not pay (or cannot fork). Unfinished work is cancelled when the block ends."""
    return _processes(jobs, files >= PARALLEL_STAGE_FILES)


@contextmanager
def _processes(jobs: int, worth_it: bool) -> Iterator[ProcessPoolExecutor | None]:
    if not worth_it or not can_fork(jobs):
        yield None
        return
    pool = _forked(jobs)
    try:
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)


def _forked(jobs: int) -> ProcessPoolExecutor:
    # Loaded before the fork, so that a worker makes its request the moment it starts.
    import ctypes  # noqa: F401

    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_die_with_the_build,
        initargs=(os.getpid(),),
    )


def _die_with_the_build(build: int) -> None:
    """In a worker process: be killed when the build's process dies (Linux's
    ``PR_SET_PDEATHSIG``). A forked worker holds a copy of every descriptor of the build, the
    release's lock among them, and of its queue's pipe, so it never sees the end of its work:
    without this, a killed build's workers would wait forever, and every later build for them.
    A build killed between the fork and the request is not signalled to anyone: the worker
    then finds itself adopted (its parent is no longer ``build``) and ends at once."""
    import ctypes

    with suppress(OSError, AttributeError):  # not Linux after all: nothing to ask
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != build:
        os._exit(1)


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


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
