"""The one log every phase of a build reports its problems to (esbuild's ``logger.Log``).

Owns: collecting errors and warnings in the order they are found, each reported once (a
stylesheet inlined into a bundle and also published on its own is read twice), and the end of a
phase: ``check`` raises ``BuildError`` with every problem so far when any is an error.
Must not: print or decide exit statuses (the CLI does), or stop at the first problem: a build
lists every problem it can find before it fails.

The rule for the rest of the compiler: a function that works on one file raises ``BuildError``
when that file cannot go on; the phase that called it catches that into the log (``catching``)
and goes on with the next file; the phase ends with ``check``. Worker processes cannot share the
log, so they hand their problems back as values (``reader.scanned_or_problems``), which the
phase then reports here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from assetbuild.errors import BuildError, Problem


class Log:
    def __init__(self) -> None:
        # A dict keeps the order found and drops a problem reported a second time.
        self._found: dict[Problem, None] = {}

    def report(self, problem: Problem) -> None:
        self._found.setdefault(problem)

    def report_all(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.report(problem)

    @contextmanager
    def catching(self) -> Iterator[None]:
        """Report the problems of a ``BuildError`` raised in the block, and go on after it."""
        try:
            yield
        except BuildError as failure:
            self.report_all(failure.problems)

    @property
    def problems(self) -> tuple[Problem, ...]:
        return tuple(self._found)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self._found if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self._found if p.severity != "error")

    def check(self) -> None:
        """The end of a phase: raise ``BuildError`` (errors first, then warnings) if any
        problem so far is an error; otherwise the build goes on, its warnings kept."""
        errors = self.errors
        if errors:
            raise BuildError([*errors, *self.warnings])
