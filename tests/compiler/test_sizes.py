from __future__ import annotations

import pytest

from assetbuild.compiler.sizes import Budget, parse_size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("900 B", 900),
        ("900", 900),
        ("120 kB", 120_000),
        ("120kb", 120_000),
        ("1.5 MiB", 1_572_864),
        ("2 KiB", 2048),
        ("1 MB", 1_000_000),
    ],
)
def test_a_size_reads_in_decimal_and_binary_units(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "lots", "12 parsecs", "-1 kB", "1e3"])
def test_a_size_that_is_not_one_says_how_to_write_it(text: str) -> None:
    with pytest.raises(ValueError, match='"120 kB"'):
        parse_size(text)


def test_a_budget_lists_only_the_limits_it_sets() -> None:
    assert Budget(gzip=1000).limits() == {"gzip": 1000}
    assert Budget(size=1, gzip=2, br=3).limits() == {"size": 1, "gzip": 2, "br": 3}
    assert Budget().limits() == {}
