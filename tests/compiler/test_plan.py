from __future__ import annotations

from pathlib import Path

import pytest

from assetbuild.compiler.config import load_config
from assetbuild.compiler.globs import compile_glob
from assetbuild.compiler.plan import Plan, check_names, entry_points, make_plan
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


def test_keep_inputs_publishes_each_input_on_its_own_as_well(tmp_path: Path) -> None:
    plan = plan_for(
        tmp_path,
        '[bundles."app.js"]\ninputs = ["js/*.js"]\nkeep_inputs = true\n'
        '[bundles."other.js"]\ninputs = ["js/b.js", "js/c.js"]\n',
        {"js/a.js": "", "js/b.js": "", "js/c.js": ""},
    )
    # js/b.js is also an input of a bundle that does not keep its inputs: one keeping is enough.
    assert list(plan.assets) == ["app.js", "js/a.js", "js/b.js", "js/c.js", "other.js"]
    inputs = [s.logical_path for s in plan.assets["app.js"].inputs]
    assert inputs == ["js/a.js", "js/b.js", "js/c.js"]
    assert plan.assets["js/a.js"].bundle is None  # the file itself, not a copy of the bundle
    assert plan.bundle_inputs["js/a.js"] == "app.js"


def test_keep_inputs_does_not_publish_an_excluded_input(tmp_path: Path) -> None:
    plan = plan_for(
        tmp_path,
        '[bundles."app.css"]\ninputs = ["skip/x.css", "css/a.css"]\nkeep_inputs = true\n',
        {"skip/x.css": "", "css/a.css": ""},
    )
    assert list(plan.assets) == ["app.css", "css/a.css"]


def test_keep_inputs_is_false_unless_set_and_must_be_a_boolean(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, '[bundles."app.js"]\ninputs = ["js/a.js"]\n', {"js/a.js": ""})
    assert plan.assets["app.js"].bundle is not None
    assert plan.assets["app.js"].bundle.keep_inputs is False
    with pytest.raises(ConfigError, match="must be true") as caught:
        plan_for(
            tmp_path,
            '[bundles."app.js"]\ninputs = ["js/a.js"]\nkeep_inputs = "yes"\n',
            {"js/a.js": ""},
        )
    assert caught.value.key == 'bundles."app.js".keep_inputs'


# --- prefixed source directories, plain copies and aliases ---------------------------------------


def checked_plan(tmp_path: Path, toml: str, files: dict[str, str | bytes]) -> Plan:
    """The plan of ``toml`` (after ``output``) over ``files``, its names checked as a build does."""
    write(tmp_path, {"assetbuild.toml": f'output = "out"\n{toml}', **files})
    config = load_config(cwd=tmp_path, environ={})
    plan = make_plan(config, collect(config.sources, [compile_glob(p) for p in config.exclude]))
    check_names(config, plan)
    return plan


def test_bundle_inputs_are_named_by_their_prefixed_logical_paths(tmp_path: Path) -> None:
    plan = checked_plan(
        tmp_path,
        'source = ["s", {path = "wiki/static", prefix = "wiki/"}]\n'
        '[bundles]\n"wiki/editor.js" = ["wiki/js/*.js"]\n',
        {"s/js/a.js": "", "wiki/static/js/b.js": "", "wiki/static/js/c.js": ""},
    )
    assert list(plan.assets) == ["js/a.js", "wiki/editor.js"]
    inputs = plan.assets["wiki/editor.js"].inputs
    assert [s.logical_path for s in inputs] == ["wiki/js/b.js", "wiki/js/c.js"]
    assert inputs[0].file == tmp_path / "wiki/static/js/b.js"


def test_plain_names_the_assets_its_globs_match_bundles_included(tmp_path: Path) -> None:
    plan = checked_plan(
        tmp_path,
        'source = "s"\nplain = ["robots.txt", "img/email/*.png", "css/*.css", "robots.txt"]\n'
        '[bundles]\n"css/app.css" = ["src/*.css"]\n',
        {
            "s/robots.txt": "",
            "s/favicon.ico": b"",
            "s/img/email/b.png": b"",
            "s/img/email/a.png": b"",
            "s/img/site.png": b"",
            "s/src/x.css": "",
        },
    )
    assert plan.plain == ("css/app.css", "img/email/a.png", "img/email/b.png", "robots.txt")


def test_without_plain_nothing_is_plain(tmp_path: Path) -> None:
    assert checked_plan(tmp_path, 'source = "s"\n', {"s/robots.txt": ""}).plain == ()


@pytest.mark.parametrize(
    ("plain", "words"),
    [
        ('["img/*.gif"]', "'img/*.gif' matches no asset of the release"),
        ('["css/x.css"]', "'css/x.css' matches no asset"),  # a bundle input, not published
        ('["manifest.json"]', "the release's manifest has it"),
        ('["*.json"]', "'manifest.json' cannot be published under its own name"),
        ('["vendor/*"]', "'vendor/lib.0123456789ab.js' has the form of a fingerprinted file name"),
    ],
)
def test_a_plain_glob_that_cannot_be_honoured_is_a_config_error_naming_plain(
    tmp_path: Path, plain: str, words: str
) -> None:
    with pytest.raises(ConfigError, match="plain") as caught:
        checked_plan(
            tmp_path,
            f'source = "s"\nplain = {plain}\n[bundles]\n"css/app.css" = ["css/x.css"]\n',
            {"s/manifest.json": "{}", "s/vendor/lib.0123456789ab.js": "", "s/css/x.css": ""},
        )
    assert caught.value.key == "plain"
    assert words in str(caught.value)
    assert str(tmp_path / "assetbuild.toml") in str(caught.value)


def test_an_alias_may_name_any_asset_bundles_included(tmp_path: Path) -> None:
    checked_plan(
        tmp_path,
        'source = "s"\n[bundles]\n"css/home.css" = ["css/a.css"]\n'
        '[aliases]\nhome_style_bundle = "css/home.css"\n"logo" = "img/logo.png"\n',
        {"s/css/a.css": "", "s/img/logo.png": b""},
    )


@pytest.mark.parametrize(
    ("aliases", "key", "words"),
    [
        ('home = "css/nope.css"', 'aliases."home"', "names 'css/nope.css', which is not an asset"),
        (
            'home = "css/a.css"',
            'aliases."home"',
            "not an asset of the release (it is an input of the bundle css/home.css)",
        ),
        ('"img/logo.png" = "css/home.css"', 'aliases."img/logo.png"', "an alias must be another"),
    ],
)
def test_an_alias_that_cannot_be_resolved_is_a_config_error_naming_it(
    tmp_path: Path, aliases: str, key: str, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        checked_plan(
            tmp_path,
            f'source = "s"\n[bundles]\n"css/home.css" = ["css/a.css"]\n[aliases]\n{aliases}\n',
            {"s/css/a.css": "", "s/img/logo.png": b""},
        )
    assert caught.value.key == key
    assert words in str(caught.value)


def entries_for(tmp_path: Path, keys: str) -> tuple[str, ...] | None:
    names = ("css/a.css", "css/b.css", "img/i.png", "img/j.png", "js/m.js", "t.txt")
    files: dict[str, str | bytes] = dict.fromkeys(names, "x")
    plan = plan_for(tmp_path, keys, files)
    config = load_config(cwd=tmp_path, environ={})
    check_names(config, plan)
    return entry_points(config, plan)


def test_without_entries_there_are_no_entry_points_and_every_asset_is_published(
    tmp_path: Path,
) -> None:
    assert entries_for(tmp_path, "") is None


def test_entry_points_are_the_entries_the_bundles_and_every_asset_another_key_names(
    tmp_path: Path,
) -> None:
    keys = (
        'entries = ["img/*.png"]\nplain = ["t.txt"]\n[aliases]\nhome = "css/b.css"\n'
        '[importmap]\nm = "js/m.js"\n[bundles."css/all.css"]\ninputs = ["css/a.css"]\n'
    )
    assert entries_for(tmp_path, keys) == (
        "css/all.css",
        "css/b.css",
        "img/i.png",
        "img/j.png",
        "js/m.js",
        "t.txt",
    )


def test_an_entries_glob_that_matches_no_asset_is_a_config_error_naming_entries(
    tmp_path: Path,
) -> None:
    # css/a.css is only a bundle input: not an asset of the release on its own.
    keys = 'entries = ["css/a.css"]\n[bundles]\n"css/all.css" = ["css/a.css"]\n'
    with pytest.raises(ConfigError, match="entries: 'css/a.css' matches no asset of the release"):
        entries_for(tmp_path, keys)


def test_a_narrowed_plan_keeps_only_what_was_reached(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, 'plain = ["t.txt", "css/a.css"]\n', {"css/a.css": "", "t.txt": ""})
    narrowed = plan.only(frozenset({"t.txt"}))
    assert list(narrowed.assets) == ["t.txt"]
    assert narrowed.plain == ("t.txt",)
