from __future__ import annotations

from pathlib import Path

import pytest

from assetbuild.compiler.assembly import build, prepare
from assetbuild.compiler.commands.inspection import describe, inspect_asset
from assetbuild.compiler.config import load_config
from assetbuild.errors import UnknownNameError


def test_a_bundle_shows_its_inputs_filters_and_references(site: Path) -> None:
    config = load_config(cwd=site, environ={})
    found = inspect_asset(prepare(config), "css/app.css")
    assert found.kind == "bundle"
    assert found.filters == ("rcssmin",)
    assert [logical for logical, _, _ in found.inputs] == ["css/reset.css", "css/site.css"]
    targets = {(r.written, r.target, r.outcome) for r in found.references}
    assert ("../img/bg.png", "img/bg.png", "rewritten") in targets
    assert ("https://example.com/remote.png", None, "left alone (not a local file)") in targets
    assert found.entry is None
    assert "not in" in describe(found, config.output)


def test_after_a_build_it_shows_the_release_entry_and_who_references_it(site: Path) -> None:
    config = load_config(cwd=site, environ={})
    build(config)
    logo = inspect_asset(prepare(config), "img/logo.png")
    assert logo.referenced_by == ("css/app.css", "css/print.css")
    assert logo.entry is not None and logo.entry.path.startswith("img/logo.")
    text = describe(logo, config.output)
    assert f"in the release: {logo.entry.path}" in text
    assert "referenced by: css/app.css, css/print.css" in text


def test_an_unknown_name_suggests_close_matches(site: Path) -> None:
    prepared = prepare(load_config(cwd=site, environ={}))
    with pytest.raises(UnknownNameError, match="did you mean css/app.css"):
        inspect_asset(prepared, "css/ap.css")
    with pytest.raises(UnknownNameError, match="an input of the bundle css/app.css"):
        inspect_asset(prepared, "css/reset.css")


def test_an_alias_is_inspected_as_its_asset(site: Path) -> None:
    config = site / "assetbuild.toml"
    config.write_text(config.read_text() + '\n[aliases]\n"site_style" = "css/app.css"\n')
    found = inspect_asset(prepare(load_config(cwd=site, environ={})), "site_style")
    assert found.name == "css/app.css" and found.kind == "bundle"


def test_a_missing_reference_is_shown_with_its_place(site: Path) -> None:
    (site / "static/css/theme.css").write_text(".x { background: url(nope.png) }\n")
    found = inspect_asset(prepare(load_config(cwd=site, environ={})), "css/theme.css")
    (ref,) = found.references
    assert ref.outcome.startswith("resolves to no file")
    assert ref.place.endswith("theme.css:1:22")
    assert found.problems and "nope.png" in found.problems[0].message
