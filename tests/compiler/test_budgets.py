from __future__ import annotations

from pathlib import Path

import pytest

from assetbuild.compiler.assembly import build
from assetbuild.compiler.budgets import measure, overruns
from assetbuild.compiler.config import load_config
from assetbuild.compiler.sizes import Budget
from assetbuild.errors import BuildError, ConfigError
from tests.compiler.test_cli import tree


def test_measure_uses_the_release_codecs() -> None:
    data = b"body { color: red }\n" * 100
    sizes = measure(data, Budget(size=1, gzip=1, br=1))
    assert sizes["size"] == len(data)
    assert 0 < sizes["br"] < sizes["gzip"] < len(data)


def test_an_overrun_names_the_asset_the_measure_and_the_fix() -> None:
    (problem,) = overruns("js/app.js", {"gzip": 1500}, Budget(gzip=1000), "assetbuild.toml")
    assert (
        problem.message
        == 'js/app.js: gzip size 1.5 kB is over its budget of 1.0 kB (budgets."js/app.js"); shrink the asset or raise the budget'
    )
    assert problem.file == "assetbuild.toml"


def with_budgets(site: Path, budgets: str) -> Path:
    config = site / "assetbuild.toml"
    config.write_text(
        config.read_text().replace("[bundles.", f"[budgets]\n{budgets}\n\n[bundles.", 1)
    )
    return config


def test_a_build_within_its_budgets_succeeds(site: Path) -> None:
    with_budgets(site, '"js/app.js" = "10 kB"\n"css/app.css" = { gzip = "5 kB", br = "5 kB" }')
    build(load_config(cwd=site, environ={}))


def test_a_budget_overrun_fails_the_build_and_writes_nothing(site: Path) -> None:
    build(load_config(cwd=site, environ={}))
    before = tree(site / "build/static")
    (site / "static/css/theme.css").write_text(
        ".big { content: '" + "x" * 5000 + "' }\n"
    )  # a change to publish
    with_budgets(site, '"css/app.css" = { br = "200 B" }\n"js/app.js" = "100 B"')
    with pytest.raises(BuildError) as caught:
        build(load_config(cwd=site, environ={}))
    messages = [p.message for p in caught.value.problems]
    assert len(messages) == 2
    assert messages[0].startswith("css/app.css: brotli size ")
    assert messages[1].startswith("js/app.js: size ")
    assert tree(site / "build/static") == before


@pytest.mark.parametrize(
    ("budgets", "key", "words"),
    [
        ('"css/nope.css" = "1 kB"', 'budgets."css/nope.css"', "names no asset"),
        ('"css/app.css" = "lots"', 'budgets."css/app.css"', "is not a size"),
        ('"css/app.css" = { zstd = "1 kB" }', 'budgets."css/app.css".zstd', "unknown key"),
        ('"css/app.css" = {}', 'budgets."css/app.css"', "must be a size"),
    ],
)
def test_a_bad_budget_is_a_config_error(site: Path, budgets: str, key: str, words: str) -> None:
    with_budgets(site, budgets)
    with pytest.raises(ConfigError, match=words) as caught:
        build(load_config(cwd=site, environ={}))
    assert caught.value.key == key
