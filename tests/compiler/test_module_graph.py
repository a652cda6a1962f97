"""ES modules through the build: the module set, resolved imports, the manifest's imports and import map."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assetbuild.compiler.assembly import build
from assetbuild.compiler.config import load_config
from assetbuild.errors import BuildError, ConfigError
from tests.conftest import write

APP = """\
import { greet } from "./util.js";
import color from "@demo/color";
export * from "../shared/format.js";
// import "./commented-out.js";
const text = "import './in-a-string.js'";
const lazy = () => import("./lazy.js");
const unknown = (name) => import(`./pages/${name}.js`);
import.meta.url;
greet(color);
"""

FILES: dict[str, str | bytes] = {
    "js/app.mjs": APP,
    "js/util.js": 'import "./deep.js";\nexport const greet = (x) => x;\n',
    "js/deep.js": "export default 1;\n",
    "js/lazy.js": 'import data from "./data.json" with { type: "json" };\nexport default data;\n',
    "js/data.json": '{"a": 1}',
    "shared/format.js": "export const format = 1;\n",
    "vendor/color.esm.js": "export default 'red';\n",
    "js/classic.js": "window.x = 1;\n",
}


def build_tree(
    tmp_path: Path, extra: str = "", files: dict[str, str | bytes] | None = None
) -> dict[str, dict[str, object]]:
    config = 'source = "static"\noutput = "out"\ncompress = []\n' + extra
    if "[importmap]" not in extra:
        config += '[importmap]\n"@demo/color" = "vendor/color.esm.js"\n'
    write(
        tmp_path,
        {"assetbuild.toml": config, **{f"static/{k}": v for k, v in (files or FILES).items()}},
    )
    build(load_config(cwd=tmp_path, environ={}))
    return dict(json.loads((tmp_path / "out/manifest.json").read_text())["assets"])


def test_an_mjs_module_records_its_static_imports_in_source_order(tmp_path: Path) -> None:
    assets = build_tree(tmp_path)
    assert assets["js/app.mjs"]["imports"] == [
        "js/util.js",
        "vendor/color.esm.js",
        "shared/format.js",
    ]


def test_what_a_module_imports_is_a_module_too_dynamic_imports_included(tmp_path: Path) -> None:
    assets = build_tree(tmp_path)
    assert assets["js/util.js"]["imports"] == ["js/deep.js"]
    assert assets["js/deep.js"]["imports"] == []
    assert assets["js/lazy.js"]["imports"] == ["js/data.json"]
    assert assets["js/data.json"]["imports"] == []  # in the import map, not scanned
    assert "imports" not in assets["js/classic.js"]


def test_module_bytes_are_not_rewritten(tmp_path: Path) -> None:
    assets = build_tree(tmp_path)
    assert (tmp_path / "out" / str(assets["js/app.mjs"]["path"])).read_text() == APP


def test_the_manifest_carries_the_import_map(tmp_path: Path) -> None:
    build_tree(tmp_path)
    manifest = json.loads((tmp_path / "out/manifest.json").read_text())
    assert manifest["importmap"] == {"@demo/color": "vendor/color.esm.js"}


def test_the_modules_globs_declare_js_files_as_modules(tmp_path: Path) -> None:
    files = {**FILES, "js/app.mjs": "export {};\n", "js/entry.js": 'import "./util.js";\n'}
    assets = build_tree(tmp_path, 'modules = ["js/entry.js"]\n', files)
    assert assets["js/entry.js"]["imports"] == ["js/util.js"]


def test_every_unresolvable_specifier_is_listed_with_its_place(tmp_path: Path) -> None:
    files = {
        "js/app.mjs": 'import "./nope.js";\nimport x from "left-pad";\nimport y from "../../../etc/passwd";\n'
    }
    with pytest.raises(BuildError) as caught:
        build_tree(tmp_path, "[importmap]\n", files)
    found = [(p.line, p.column, p.message.split(" ")[1]) for p in caught.value.problems]
    assert found == [(1, 9, "'./nope.js'"), (2, 16, "'left-pad'"), (3, 16, "'../../../etc/passwd'")]
    assert "no [importmap] entry" in caught.value.problems[1].message
    assert "outside the source directories" in caught.value.problems[2].message
    assert not (tmp_path / "out/manifest.json").exists()


def test_on_missing_warn_lets_the_build_through(tmp_path: Path) -> None:
    files = {"js/app.mjs": 'import "./nope.js";\n'}
    assets = build_tree(tmp_path, 'on_missing = "warn"\n[importmap]\n', files)
    assert assets["js/app.mjs"]["imports"] == []


def test_an_import_map_entry_must_name_an_asset(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not an asset of the release") as caught:
        build_tree(tmp_path, '[importmap]\n"@x/y" = "vendor/missing.js"\n')
    assert caught.value.key == 'importmap."@x/y"'


def test_a_modules_glob_that_matches_nothing_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match="'js/nope/\\*\\*/\\*.js' matches no published file"
    ) as caught:
        build_tree(tmp_path, 'modules = ["js/nope/**/*.js"]\n')
    assert caught.value.key == "modules"
