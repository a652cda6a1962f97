from __future__ import annotations

import io

from assetbuild.compiler.progress import TerminalProgress


def test_the_bar_redraws_one_line_and_is_erased_at_the_end() -> None:
    stream = io.StringIO()
    progress = TerminalProgress(stream, min_total=1)
    progress.start("fingerprint", 4)
    for _ in range(4):
        progress.advance()
    assert "\rfingerprint  [" in stream.getvalue()
    assert stream.getvalue().rstrip().endswith("4/4")
    assert "\n" not in stream.getvalue()
    progress.close()
    assert stream.getvalue().endswith("\r\x1b[2K")


def test_small_builds_draw_no_bar() -> None:
    stream = io.StringIO()
    progress = TerminalProgress(stream)
    progress.start("fingerprint", 12)
    progress.advance(12)
    progress.close()
    assert stream.getvalue() == ""
