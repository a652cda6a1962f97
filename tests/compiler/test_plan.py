from __future__ import annotations

from pathlib import Path

import pytest

from assetbuild.compiler.config import load_config
from assetbuild.compiler.globs import compile_glob
from assetbuild.compiler.plan import make_plan
from assetbuild.compiler.sources import collect
from assetbuild.errors import ConfigError
from tests.conftest import write


def plan_for(tmp_path: Path, bundles: str, files: dict[str, str | bytes]):  # type: ignore[no-untyped-def]
    write(
        tmp_path,
        {
            "assetbuild.toml": f'source = "s"\noutput = "out"\nexclude = ["skip/**"]\n{bundles}',
            **{f"s/{k}": v for k, v in files.items()},
        },
    )
    config = load_config(cwd=tmp_path, environ={})
    return make_plan(config, collect(config.sources, [compile_glob(p) for p in config.exclude]))


def test_inputs_follow_the_glob_order_with_the_first_occurrence_winning(tmp_path: Path) -> None:
    plan = plan_for(
        tmp_path,
        '[bundles]\n"app.css" = ["css/reset.css", "css/*.css", "css/reset.css"]\n',
        {"css/b.css": "", "css/reset.css": "", "css/a.css": ""},
    )
    inputs = [s.logical_path for s in plan.assets["app.css"].inputs]
    assert inputs == ["css/reset.css", "css/a.css", "css/b.css"]


def test_bundle_inputs_are_not_published_on_their_own(tmp_path: Path) -> None:
    plan = plan_for(
        tmp_path,
        '[bundles]\n"app.js" = ["js/*.js"]\n',
        {"js/a.js": "", "js/b.js": "", "img/x.png": b""},
    )
    assert list(plan.assets) == ["app.js", "img/x.png"]
    assert plan.bundle_inputs == {"js/a.js": "app.js", "js/b.js": "app.js"}


@pytest.mark.parametrize(
    ("bundles", "words"),
    [
        ('[bundles]\n"app.css" = ["css/none-*.css"]\n', "matches no file"),
        ('[bundles]\n"app.css" = ["css/missing.css"]\n', "matches no file"),
        ('[bundles]\n"app.css" = ["css/a.css", "js/a.js"]\n', "mixes CSS and JS"),
        ('[bundles]\n"app.js" = ["img/x.png"]\n', "is not a script"),
        ('[bundles]\n"css/a.css" = ["css/b.css"]\n', "has the logical path of the source file"),
    ],
)
def test_a_bundle_that_cannot_be_made_is_a_config_error(
    tmp_path: Path, bundles: str, words: str
) -> None:
    with pytest.raises(ConfigError, match=words) as caught:
        plan_for(
            tmp_path,
            bundles,
            {"css/a.css": "", "css/b.css": "", "js/a.js": "", "img/x.png": b"", "skip/x.css": ""},
        )
    assert caught.value.key is not None and caught.value.key.startswith("bundles.")


def test_an_excluded_file_can_still_be_a_bundle_input(tmp_path: Path) -> None:
    plan = plan_for(
        tmp_path, '[bundles]\n"app.css" = ["skip/x.css"]\n', {"skip/x.css": "", "skip/y.css": ""}
    )
    assert [s.logical_path for s in plan.assets["app.css"].inputs] == ["skip/x.css"]
    assert "skip/y.css" not in plan.assets
