"""The reading phase with ``entries``: from the entry points outward, and nothing else opened.

The vendor tree is the real jquery-ui npm package (the pinned tarball of ``scripts/corpus.py``,
from its local npm cache), whole: its dist themes, its i18n files and its bundled QUnit test
harness are exactly the extra files issue 16 is about.
"""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import pytest

from assetbuild.compiler import assembly, module_graph, reader
from assetbuild.compiler.config import load_config
from assetbuild.compiler.stable_reads import Signature
from assetbuild.errors import BuildError
from tests.corpus_script import corpus

UI = "vendor/jquery-ui"


@pytest.fixture(scope="module")
def jquery_ui(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole jquery-ui package, unpacked once (the corpus itself takes only a few files)."""
    tarball = corpus.fetch_tarball(corpus._pinned("jquery-ui"), corpus.cache_dir())
    into = tmp_path_factory.mktemp("jquery-ui")
    with tarfile.open(tarball, "r:gz") as archive:
        archive.extractall(into, filter="data")
    return into / "package"


def project(tmp_path: Path, package: Path, config: str) -> Path:
    """A project whose source holds the package under vendor/jquery-ui, a demo with a broken
    reference in it (as in issue 16), and a stylesheet that is not text at all."""
    static = tmp_path / "static"
    shutil.copytree(package, static / UI)
    demo = static / UI / "external/qunit/demo.css"
    demo.write_text("body { background: url(asdasd) }\n", encoding="utf-8")
    (static / UI / "external/qunit/garbled.css").write_bytes(b"\xff\xfe\x00\xd8 not text")
    (static / "css").mkdir()
    (static / "css/app.css").write_text(
        f'@import "../{UI}/themes/base/all.css";\nbody {{ color: red }}\n', encoding="utf-8"
    )
    (tmp_path / "assetbuild.toml").write_text(
        f'source = "static"\noutput = "out"\ncompress = []\n{config}', encoding="utf-8"
    )
    return tmp_path


def published(root: Path) -> set[str]:
    manifest = json.loads((root / "out/manifest.json").read_text("utf-8"))
    return set(manifest["assets"])


def test_entries_publish_what_they_reach_and_never_open_a_vendored_demo(
    tmp_path: Path, jquery_ui: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(
        tmp_path, jquery_ui, f'entries = ["css/app.css", "{UI}/dist/jquery-ui.min.js"]\n'
    )
    opened: list[Path] = []
    for module in (reader, module_graph):
        real = module.read_stable

        def counted(file: Path, real: object = real) -> tuple[bytes, Signature]:
            opened.append(file)
            assert callable(real)
            result: tuple[bytes, Signature] = real(file)
            return result

        monkeypatch.setattr(module, "read_stable", counted)

    result = assembly.build(load_config(cwd=root, environ={}), jobs=1)

    assert result.warnings == ()
    names = published(root)
    base = f"{UI}/themes/base"
    # all.css imports base.css and theme.css, which import the rest and reference the icons.
    assert {"css/app.css", f"{base}/all.css", f"{base}/theme.css", f"{base}/core.css"} <= names
    assert f"{UI}/dist/jquery-ui.min.js" in names
    assert any(name.startswith(f"{base}/images/ui-icons_") for name in names)
    files = {p.relative_to(root / "static").as_posix() for p in (root / "static").rglob("*")}
    assert len(names) < len(files) / 5, "far fewer files than the package holds"
    unreached = ("external/", "ui/", "dist/themes/", "build/")
    assert not [n for n in names if n.removeprefix(f"{UI}/").startswith(unreached)]
    # Only what is published was read: the demo, the garbled file and the rest were never opened.
    read = {p.relative_to(root / "static").as_posix() for p in opened}
    assert read <= names
    assert f"{UI}/external/qunit/demo.css" not in read
    assert {n for n in names if n.endswith(".css")} <= read
    release = {p.name for p in (root / "out").rglob("*.css")}
    assert not [n for n in release if n.startswith(("demo.", "garbled.", "qunit."))]


def test_without_entries_the_same_tree_fails_on_the_demo_and_the_garbled_file(
    tmp_path: Path, jquery_ui: Path
) -> None:
    root = project(tmp_path, jquery_ui, "")
    with pytest.raises(BuildError) as failure:
        assembly.build(load_config(cwd=root, environ={}), jobs=1)
    where = {problem.file for problem in failure.value.problems}
    assert str(root / "static" / UI / "external/qunit/demo.css") in where
    assert str(root / "static" / UI / "external/qunit/garbled.css") in where
    assert not (root / "out/manifest.json").exists()


def test_a_broken_reference_in_a_reached_file_still_fails(tmp_path: Path, jquery_ui: Path) -> None:
    root = project(tmp_path, jquery_ui, f'entries = ["{UI}/external/qunit/demo.css"]\n')
    with pytest.raises(BuildError) as failure:
        assembly.build(load_config(cwd=root, environ={}), jobs=1)
    [problem] = failure.value.problems
    assert problem.message.startswith("asdasd resolves to no file")


def site(tmp_path: Path, files: dict[str, str], config: str) -> Path:
    for name, text in files.items():
        path = tmp_path / "static" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "assetbuild.toml").write_text(
        f'source = "static"\noutput = "out"\ncompress = []\n{config}', encoding="utf-8"
    )
    return tmp_path


def test_modules_are_followed_from_the_entries_and_unreached_ones_are_not_read(
    tmp_path: Path,
) -> None:
    files = {
        "js/app.mjs": 'import { a } from "./lib/a.js";\nimport("./lazy.mjs");\n',
        "js/lib/a.js": 'import "@x/color";\nexport const a = 1;\n',
        "js/lazy.mjs": "export default 2;\n",
        "vendor/color.js": "export const c = 3;\n",
        "vendor/demo/broken.mjs": 'import "./nowhere.js";\nimport "bare-and-unmapped";\n',
        "css/site.css": "a { background: url(../img/used.png) }\n",
        "img/used.png": "png",
        "img/unused.png": "png",
    }
    config = 'entries = ["js/app.mjs"]\nplain = ["css/site.css"]\n[importmap]\n"@x/color" = "vendor/color.js"\n'
    root = site(tmp_path, files, config)

    result = assembly.build(load_config(cwd=root, environ={}), jobs=1)

    assert result.warnings == ()
    assert published(root) == {
        "js/app.mjs",
        "js/lib/a.js",
        "js/lazy.mjs",
        "vendor/color.js",  # an [importmap] target: an entry point, and imported
        "css/site.css",  # named by plain: an entry point
        "img/used.png",  # what it references
    }
    manifest = json.loads((root / "out/manifest.json").read_text("utf-8"))
    assert manifest["assets"]["js/app.mjs"]["imports"] == ["js/lib/a.js"]
    assert manifest["assets"]["js/lib/a.js"]["imports"] == ["vendor/color.js"]


def test_an_asset_reached_first_by_a_url_and_then_imported_is_read_as_a_module(
    tmp_path: Path,
) -> None:
    files = {
        "css/a.css": "a { background: url(../js/late.js) }\n",
        "js/app.mjs": 'import "./late.js";\n',
        "js/late.js": 'import "./missing.js";\n',
    }
    root = site(tmp_path, files, 'entries = ["css/a.css", "js/app.mjs"]\n')
    with pytest.raises(BuildError) as failure:
        assembly.build(load_config(cwd=root, environ={}), jobs=1)
    [problem] = failure.value.problems
    assert problem.message.startswith("import './missing.js' resolves to no file")


def test_on_missing_by_glob_takes_the_first_glob_that_matches_the_referencing_file(
    tmp_path: Path,
) -> None:
    files = {
        "vendor/old/a.css": "a { background: url(gone.png) }\n",
        "vendor/b.css": "a { background: url(gone.png) }\n",
        "vendor/m.mjs": 'import "./gone.js";\n',
        "css/c.css": "a { background: url(gone.png) }\n",
    }
    config = 'on_missing = { "vendor/old/**" = "error", "vendor/**" = "warn" }\n'
    root = site(tmp_path, files, config)
    with pytest.raises(BuildError) as failure:
        assembly.build(load_config(cwd=root, environ={}), jobs=1)
    found = {
        (Path(p.file or "").relative_to(root / "static").as_posix(), p.severity)
        for p in failure.value.problems
    }
    assert found == {  # the default is "error"
        ("vendor/old/a.css", "error"),
        ("css/c.css", "error"),
        ("vendor/b.css", "warning"),
        ("vendor/m.mjs", "warning"),
    }

    (root / "static/vendor/old/a.css").unlink()
    (root / "static/css/c.css").unlink()
    result = assembly.build(load_config(cwd=root, environ={}), jobs=1)
    warned = sorted(Path(p.file or "").name for p in result.warnings)
    assert warned == ["b.css", "m.mjs"]
    assert all('kept as written (on_missing = "warn")' in p.message for p in result.warnings[:1])


def test_on_missing_default_warn_with_a_stricter_glob(tmp_path: Path) -> None:
    files = {
        "css/a.css": "a { background: url(x.png) }\n",
        "lib/b.css": "b { background: url(y.png) }\n",
    }
    root = site(tmp_path, files, 'on_missing = { default = "warn", "css/**" = "error" }\n')
    with pytest.raises(BuildError) as failure:
        assembly.build(load_config(cwd=root, environ={}), jobs=1)
    found = [(Path(p.file or "").name, p.severity) for p in failure.value.problems]
    assert sorted(found) == [("a.css", "error"), ("b.css", "warning")]
