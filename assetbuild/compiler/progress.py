"""The progress bar of long builds: one line on stderr, redrawn in place, only on a terminal.

Owns: drawing (throttled to ten redraws a second, so it never costs the build measurable time).
Must not: write to stdout (it carries the summary or the JSON), or anything when stderr is not a
terminal (CI logs would fill with carriage returns).
"""

from __future__ import annotations

import threading
import time
from typing import TextIO

_WIDTH = 30


class TerminalProgress:
    def __init__(self, stream: TextIO, *, min_total: int = 200):
        self.stream = stream
        self.min_total = min_total  # small builds finish before a bar would help
        self.phase = ""
        self.total = 0
        self.done = 0
        self._drawn = 0.0
        self._lock = threading.Lock()
        self._visible = False

    def start(self, phase: str, total: int) -> None:
        with self._lock:
            self.phase, self.total, self.done = phase, total, 0
            self._draw(force=True)

    def advance(self, count: int = 1) -> None:
        with self._lock:
            self.done += count
            self._draw(force=self.done >= self.total)

    def close(self) -> None:
        with self._lock:
            if self._visible:
                self.stream.write("\r\x1b[2K")
                self.stream.flush()
                self._visible = False

    def _draw(self, *, force: bool) -> None:
        if self.total < self.min_total:
            return
        now = time.monotonic()
        if not force and now - self._drawn < 0.1:
            return
        self._drawn = now
        filled = _WIDTH * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (_WIDTH - filled)
        self.stream.write(f"\r{self.phase:<12} [{bar}] {self.done}/{self.total}")
        self.stream.flush()
        self._visible = True
