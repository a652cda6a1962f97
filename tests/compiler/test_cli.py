"""End to end through the command line, on the sample site in fixtures/site."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import brotli
import pytest
from click.testing import CliRunner, Result

from assetbuild.compiler.cli import main
from assetbuild.compiler.config import Defaults, SourceDir
from assetbuild.runtime import Assets

PNG_BYTES = (Path(__file__).resolve().parents[2] / "fixtures/site/static/img/logo.png").read_bytes()
RELEASE_NAME = re.compile(r"^(?:.*/)?[^/]+\.[0-9a-f]{12}(?:\.[^./]+)?$")


def run(site: Path, *args: str) -> Result:
    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(site)
    try:
        return runner.invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(cwd)


def build(site: Path, *args: str) -> dict[str, object]:
    result = run(site, "build", *args)
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads((site / "build/static/manifest.json").read_text("utf-8"))


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def release_files(site: Path) -> dict[str, bytes]:
    return {
        k: v for k, v in tree(site / "build/static").items() if not k.startswith(".assetbuild/")
    }


def asset(site: Path, manifest: dict[str, object], name: str) -> bytes:
    assets = manifest["assets"]
    assert isinstance(assets, dict)
    return (site / "build/static" / assets[name]["path"]).read_bytes()


def test_the_manifest_has_the_documented_schema(site: Path) -> None:
    manifest = build(site)
    raw = (site / "build/static/manifest.json").read_text("utf-8")

    def sorted_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
        assert [k for k, _ in pairs] == sorted(k for k, _ in pairs)
        return dict(pairs)

    json.loads(raw, object_pairs_hook=sorted_keys)
    assert raw.endswith("}\n")
    assert manifest["version"] == 1
    assert manifest["url"] == "/static/"
    assets = manifest["assets"]
    assert isinstance(assets, dict)
    for name, entry in assets.items():
        assert set(entry) <= {"path", "integrity", "size", "encodings", "sources"}, name
        assert {"path", "integrity", "size", "encodings"} <= set(entry), name
    assert assets["css/app.css"]["sources"] == ["css/reset.css", "css/site.css"]
    assert assets["js/app.js"]["sources"] == ["js/vendor/counter.js", "js/main.js"]
    assert str(site) not in raw  # no absolute paths


def test_every_source_is_published_except_bundle_inputs_dotfiles_and_excludes(site: Path) -> None:
    assets = build(site)["assets"]
    assert isinstance(assets, dict)
    assert sorted(assets) == [
        "css/app.css",
        "css/print.css",
        "css/print.css.map",
        "css/theme.css",
        "fonts/LICENSE.txt",
        "fonts/dejavu-sans.woff",
        "fonts/dejavu-sans.woff2",
        "img/bg.png",
        "img/logo.png",
        "js/app.js",
        "js/standalone.js",
        "js/standalone.js.map",
    ]


def test_each_release_file_is_named_by_its_digest_and_matches_its_integrity_and_size(
    site: Path,
) -> None:
    manifest = build(site)
    assets = manifest["assets"]
    assert isinstance(assets, dict)
    for name, entry in assets.items():
        data = asset(site, manifest, name)
        digest = hashlib.sha256(data).hexdigest()[:12]
        stem, _, extension = name.rpartition(".")
        assert entry["path"] == f"{stem}.{digest}.{extension}"
        assert RELEASE_NAME.match(entry["path"])
        assert (
            entry["integrity"]
            == "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
        )
        assert entry["size"] == len(data)


def test_each_encoding_decodes_to_the_same_bytes_and_images_are_not_compressed(site: Path) -> None:
    manifest = build(site)
    assets = manifest["assets"]
    assert isinstance(assets, dict)
    decoders = {"gzip": gzip.decompress, "br": brotli.decompress}
    for name, entry in assets.items():
        for encoding, variant in entry["encodings"].items():
            blob = (site / "build/static" / variant).read_bytes()
            assert variant == entry["path"] + {"gzip": ".gz", "br": ".br"}[encoding]
            assert decoders[encoding](blob) == asset(site, manifest, name)
            assert len(blob) <= 0.95 * entry["size"]
    assert set(assets["css/app.css"]["encodings"]) == {"gzip", "br"}
    for binary in ("img/logo.png", "fonts/dejavu-sans.woff2", "fonts/dejavu-sans.woff"):
        assert assets[binary]["encodings"] == {}


def test_css_references_are_rewritten_to_fingerprinted_relative_urls(site: Path) -> None:
    manifest = build(site)
    assets = manifest["assets"]
    assert isinstance(assets, dict)
    app = asset(site, manifest, "css/app.css").decode()

    def name(logical: str) -> str:
        return assets[logical]["path"].rpartition("/")[2]

    assert f"../img/{name('img/bg.png')}" in app
    assert f"../img/{name('img/logo.png')}" in app
    assert f"../fonts/{name('fonts/dejavu-sans.woff2')}" in app
    assert f"../fonts/{name('fonts/dejavu-sans.woff')}?v=1#iefix" in app
    assert "url(data:image/gif;base64,R0lGODlhAQABAAAAACw=)" in app
    assert "url(https://example.com/remote.png)" in app
    assert "url(not-a-reference.png)" in app  # inside a string: not a URL token
    assert "--brand" in app  # theme.css, imported unconditionally, is inlined in place
    assert "@import" not in app
    assert "box-sizing" in app and app.index("box-sizing") < app.index("--brand")


def test_a_standalone_stylesheet_keeps_its_bytes_but_its_references(site: Path) -> None:
    manifest = build(site)
    assets = manifest["assets"]
    assert isinstance(assets, dict)
    source = (site / "static/css/print.css").read_text()
    printed = asset(site, manifest, "css/print.css").decode()
    theme = assets["css/theme.css"]["path"].rpartition("/")[2]
    logo = assets["img/logo.png"]["path"].rpartition("/")[2]
    css_map = assets["css/print.css.map"]["path"].rpartition("/")[2]
    expected = (
        source.replace('"theme.css"', f'"{theme}"')
        .replace("../img/logo.png", f"../img/{logo}")
        .replace("print.css.map", css_map)
    )
    assert printed == expected


def test_a_script_keeps_its_bytes_but_its_source_map_comment(site: Path) -> None:
    manifest = build(site)
    assets = manifest["assets"]
    assert isinstance(assets, dict)
    script = asset(site, manifest, "js/standalone.js").decode()
    js_map = assets["js/standalone.js.map"]["path"].rpartition("/")[2]
    assert script == f"window.assetbuildStandalone = true;\n//# sourceMappingURL={js_map}\n"


def test_node_runs_the_joined_bundle_and_sees_both_files(site: Path) -> None:
    manifest = build(site)
    assets = manifest["assets"]
    assert isinstance(assets, dict)
    bundle = site / "build/static" / assets["js/app.js"]["path"]
    script = f"global.window = global; require({json.dumps(str(bundle))}); console.log(JSON.stringify(window.assetbuildDemo.ran));"
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == ["counter", "main"]


def test_two_builds_in_different_directories_with_other_mtimes_are_identical(
    site: Path, tmp_path: Path
) -> None:
    other = tmp_path / "elsewhere" / "deeper" / "site"
    shutil.copytree(site, other)
    for index, path in enumerate(sorted(other.rglob("*"))):
        os.utime(path, (1_000_000 + index, 1_000_000 + index * 7))
    build(site)
    build(other)
    assert tree(site / "build/static") == tree(other / "build/static")


def test_a_rebuild_after_one_change_keeps_every_file_of_the_first_build(site: Path) -> None:
    first_manifest = build(site)
    first = release_files(site)
    (site / "static/img/logo.png").write_bytes((site / "static/img/bg.png").read_bytes() + b"\0")
    second_manifest = build(site)
    second = release_files(site)
    for path, data in first.items():
        if path != "manifest.json":
            assert second[path] == data, path
    assets_1, assets_2 = first_manifest["assets"], second_manifest["assets"]
    assert isinstance(assets_1, dict) and isinstance(assets_2, dict)
    # The image changed, so did every stylesheet that references it, and nothing else.
    changed = {name for name in assets_2 if assets_2[name]["path"] != assets_1[name]["path"]}
    assert changed == {"img/logo.png", "css/app.css", "css/print.css"}


def test_a_build_that_fails_lists_every_missing_reference_and_touches_nothing(site: Path) -> None:
    build(site)
    before = tree(site / "build/static")
    (site / "static/css/site.css").write_text(
        "a { b: url(../img/nope.png) }\nc {\n  d: url('gone.svg') }\n"
    )
    result = run(site, "build")
    assert result.exit_code == 1
    site_css = site / "static/css/site.css"
    assert f"error: {site_css}:1:12: ../img/nope.png resolves to no file" in result.stderr
    assert f"error: {site_css}:3:11: gone.svg resolves to no file" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert tree(site / "build/static") == before


def test_on_missing_warn_builds_and_keeps_the_reference_as_written(site: Path) -> None:
    config = site / "assetbuild.toml"
    config.write_text(config.read_text().replace("exclude =", 'on_missing = "warn"\nexclude ='))
    (site / "static/css/theme.css").write_text(".x { background: url(nope.png) }\n")
    result = run(site, "build")
    assert result.exit_code == 0, result.stderr
    assert "warning: " in result.stderr and "nope.png resolves to no file" in result.stderr
    manifest = json.loads((site / "build/static/manifest.json").read_text())
    assert b"url(nope.png)" in asset(site, manifest, "css/theme.css")


def test_a_reference_cycle_is_spelled_out(site: Path) -> None:
    (site / "static/css/theme.css").write_text('@import "print.css";\n')
    result = run(site, "build")
    assert result.exit_code == 1
    assert "reference cycle: css/theme.css -> css/print.css -> css/theme.css" in result.stderr


def test_verify_passes_a_fresh_release_and_catches_a_flipped_byte_and_a_missing_file(
    site: Path,
) -> None:
    manifest = build(site)
    assert run(site, "verify").exit_code == 0
    assets = manifest["assets"]
    assert isinstance(assets, dict)
    flipped = site / "build/static" / assets["css/app.css"]["path"]
    data = bytearray(flipped.read_bytes())
    data[10] ^= 1
    flipped.write_bytes(bytes(data))
    (site / "build/static" / assets["img/logo.png"]["path"]).unlink()
    (site / "build/static" / assets["js/app.js"]["encodings"]["gzip"]).write_bytes(b"not gzip")
    result = run(site, "verify", "build/static")
    assert result.exit_code == 1
    assert "css/app.css: integrity does not match" in result.stderr
    assert "img/logo.png: " in result.stderr and "is missing" in result.stderr
    assert "js/app.js: gzip variant does not decode" in result.stderr


def test_clean_keeps_the_files_of_the_last_n_builds(site: Path) -> None:
    logo = site / "static/img/logo.png"
    original = logo.read_bytes()
    paths = []
    for version in range(4):
        logo.write_bytes(original + bytes([version]))
        paths.append(build(site)["assets"]["img/logo.png"]["path"])  # type: ignore[index]
    result = run(site, "clean", "--keep", "2")
    assert result.exit_code == 0, result.stderr
    present = [(site / "build/static" / p).exists() for p in paths]
    assert present == [False, False, True, True]
    assert run(site, "verify").exit_code == 0
    assert run(site, "clean", "--keep", "1").exit_code == 0
    assert [(site / "build/static" / p).exists() for p in paths] == [False, False, False, True]
    assert run(site, "verify").exit_code == 0


def test_json_output_carries_the_bundle_sizes(site: Path) -> None:
    result = run(site, "build", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    app = data["bundles"]["css/app.css"]
    assert app["raw"] > app["minified"] > 0
    assert 0 < app["br"] < app["minified"] and 0 < app["gzip"] < app["minified"]
    assert data["assets"] == 12


def test_the_summary_table_shows_each_bundle(site: Path) -> None:
    result = run(site, "build")
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["bundle", "raw", "minified", "gzip", "br", "change"]
    assert any(line.startswith("css/app.css") for line in lines)
    assert "12 assets" in lines[-1]


def test_a_config_error_exits_2_with_one_line_and_no_traceback(site: Path) -> None:
    (site / "assetbuild.toml").write_text(
        'source = "static"\noutput = "build/static"\nbundels = {}\n'
    )
    result = run(site, "build")
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "bundels: unknown key" in result.stderr


def test_python_dash_m_assetbuild_builds_in_a_real_process(site: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assetbuild", "build", "--output", "out"],
        cwd=site,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (site / "out/manifest.json").is_file()
    missing = subprocess.run(
        [sys.executable, "-m", "assetbuild", "build", "--config", "nope.toml"],
        cwd=site,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr


@pytest.mark.parametrize("compress", ["[]", '["gzip"]'])
def test_compress_writes_only_the_configured_encodings(site: Path, compress: str) -> None:
    config = site / "assetbuild.toml"
    config.write_text(config.read_text().replace("exclude =", f"compress = {compress}\nexclude ="))
    assets = build(site)["assets"]
    assert isinstance(assets, dict)
    expected = set(json.loads(compress))
    assert set(assets["css/app.css"]["encodings"]) == expected


def test_serial_and_parallel_builds_give_identical_releases(site: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(site, other)
    assert run(site, "build", "--jobs", "1").exit_code == 0
    assert run(other, "build", "--jobs", "8").exit_code == 0
    assert tree(site / "build/static") == tree(other / "build/static")


def test_inspect_shows_where_an_asset_comes_from(site: Path) -> None:
    build(site)
    result = run(site, "inspect", "css/app.css")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "css/app.css (bundle)"
    assert "  filters: rcssmin" in lines
    assert any(line.startswith("    ../img/bg.png -> img/bg.png  (rewritten)") for line in lines)
    assert any(line.startswith("  in the release: css/app.") for line in lines)
    missing = run(site, "inspect", "css/ap.css")
    assert missing.exit_code == 2  # a name on the command line that the release lacks: usage
    assert "did you mean css/app.css" in missing.stderr
    assert "build failed" not in missing.stderr and "untouched" not in missing.stderr


# --- run by a framework integration, with its defaults (main(args, obj=Defaults(...))) ----------

INTEGRATED = {
    "project/static/css/site.css": "body { background: url(../wiki/img/bg.png) }\n",
    "project/static/robots.txt": "User-agent: *\nDisallow:\n",
    "project/static/favicon.ico": b"\x00\x00\x01\x00" + bytes(range(256)) * 4,
    "wiki/static/js/editor.js": "window.editor = 1;\n",
    "wiki/static/js/toolbar.js": "window.toolbar = 1;\n",
    "wiki/static/img/bg.png": PNG_BYTES,
    "wiki/static/css/wiki.css": "a { background: url(../img/bg.png) }\n"
    "b { background: url(/assets/css/site.css) }\n",
    "project/assetbuild.toml": 'plain = ["robots.txt", "favicon.ico"]\n'
    '[bundles]\n"wiki/editor.js" = ["wiki/js/*.js"]\n'
    '[aliases]\nwiki_editor = "wiki/editor.js"\n',
}


def integrated(tmp_path: Path) -> tuple[Path, Defaults]:
    """A project whose sources, release and bookkeeping directories a framework names (its own
    static folder, and a plugin's under the prefix wiki/), with an assetbuild.toml for the rest."""
    from tests.conftest import write

    write(tmp_path, INTEGRATED)
    project = tmp_path / "project"
    defaults = Defaults(
        sources=(SourceDir(Path("static")), SourceDir(tmp_path / "wiki/static", "wiki")),
        output=Path("public/static"),
        url="/assets/",
        exclude=("**/*~",),
        state=tmp_path / "var/assetbuild",
        origin="the test's settings",
    )
    return project, defaults


def run_integrated(
    project: Path, defaults: Defaults, *args: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``main`` as an integration calls it: the defaults as the context object, no exit."""
    monkeypatch.chdir(project)
    main([*args], obj=defaults, prog_name="manage.py assetbuild", standalone_mode=False)


def dot_entries(release: Path) -> list[str]:
    return [
        p.relative_to(release).as_posix()
        for p in release.rglob("*")
        if any(part.startswith(".") for part in p.relative_to(release).parts)
    ]


def test_an_integration_builds_with_its_sources_output_url_and_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project, defaults = integrated(tmp_path)
    (tmp_path / "wiki/static/js/editor.js~").write_text("a backup an editor left\n")

    run_integrated(project, defaults, "build", "--json", monkeypatch=monkeypatch)

    release = project / "public/static"
    summary = json.loads(capsys.readouterr().out)
    assert summary["output"] == str(release)
    manifest = json.loads((release / "manifest.json").read_text("utf-8"))
    assert manifest["url"] == "/assets/"
    assert sorted(manifest["assets"]) == [
        "css/site.css",
        "favicon.ico",
        "robots.txt",
        "wiki/css/wiki.css",
        "wiki/editor.js",
        "wiki/img/bg.png",
    ]
    assert manifest["assets"]["wiki/editor.js"]["sources"] == [
        "wiki/js/editor.js",
        "wiki/js/toolbar.js",
    ]
    assert manifest["plain"] == ["favicon.ico", "robots.txt"]
    assert manifest["aliases"] == {"wiki_editor": "wiki/editor.js"}
    # References resolve between the directories by logical path.
    bg = manifest["assets"]["wiki/img/bg.png"]["path"]
    site_css = (release / manifest["assets"]["css/site.css"]["path"]).read_text("utf-8")
    assert f"url(../{bg})" in site_css
    wiki_css = (release / manifest["assets"]["wiki/css/wiki.css"]["path"]).read_text("utf-8")
    site_name = manifest["assets"]["css/site.css"]["path"].rpartition("/")[2]
    assert f"url(../img/{bg.rpartition('/')[2]})" in wiki_css
    assert f"url(../../css/{site_name})" in wiki_css
    # Plain copies: the same bytes as the fingerprinted file, under the name itself, never
    # compressed.
    robots = manifest["assets"]["robots.txt"]
    assert (release / "robots.txt").read_bytes() == (release / robots["path"]).read_bytes()
    assert not list(release.glob("robots.txt.*")) and not list(release.glob("favicon.ico.*"))
    # The bookkeeping lives where the integration said, and the release holds none of it.
    assert dot_entries(release) == []
    state = tmp_path / "var/assetbuild"
    assert {p.name for p in state.iterdir()} == {"cache.json", "history", "lock", "manifests"}
    # The runtime reads the release, aliases included.
    assets = Assets(release / "manifest.json")
    assert assets.url("wiki_editor") == assets.url("wiki/editor.js")
    assert assets.url("wiki_editor").startswith("/assets/wiki/editor.")


def test_an_integrations_rebuild_reuses_the_cache_kept_outside_the_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assetbuild.compiler import cache, stage

    # The files are seconds old: let the cache trust them (see cache's "racily clean" rule).
    monkeypatch.setattr(cache, "RACY_SECONDS", 0)
    project, defaults = integrated(tmp_path)
    run_integrated(project, defaults, "build", monkeypatch=monkeypatch)
    rendered: list[str] = []
    real_render = stage.render

    def render(document: Any, *args: Any) -> bytes:
        rendered.append(document.asset.logical_path)
        return real_render(document, *args)

    monkeypatch.setattr(stage, "render", render)
    capsys.readouterr()

    run_integrated(project, defaults, "build", "--json", monkeypatch=monkeypatch)

    assert json.loads(capsys.readouterr().out)["written"] == []
    assert rendered == []  # not a stylesheet rewritten, not a bundle joined again
    (tmp_path / "wiki/static/img/bg.png").write_bytes(PNG_BYTES + b"changed")
    run_integrated(project, defaults, "build", "--json", monkeypatch=monkeypatch)
    assert sorted(rendered) == ["css/site.css", "wiki/css/wiki.css"]  # what references it


def test_an_integrations_clean_and_verify_use_its_release_and_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project, defaults = integrated(tmp_path)
    release, state = project / "public/static", tmp_path / "var/assetbuild"
    run_integrated(project, defaults, "build", monkeypatch=monkeypatch)
    first = json.loads((release / "manifest.json").read_text("utf-8"))["assets"]
    (tmp_path / "project/static/robots.txt").write_text("User-agent: *\nDisallow: /admin\n")
    run_integrated(project, defaults, "build", monkeypatch=monkeypatch)
    capsys.readouterr()

    run_integrated(project, defaults, "clean", "--keep", "1", monkeypatch=monkeypatch)

    assert capsys.readouterr().out == f"removed 1 file from {release}\n"
    assert not (release / first["robots.txt"]["path"]).exists()
    assert (release / "robots.txt").read_text() == "User-agent: *\nDisallow: /admin\n"
    assert len((state / "history").read_text().split()) == 1
    assert len(list((state / "manifests").iterdir())) == 1
    assert dot_entries(release) == []

    run_integrated(project, defaults, "verify", monkeypatch=monkeypatch)
    assert capsys.readouterr().out == f"6 assets verified in {release}\n"
    (release / "robots.txt").write_text("tampered\n")
    with pytest.raises(SystemExit) as exited:
        run_integrated(project, defaults, "verify", monkeypatch=monkeypatch)
    assert exited.value.code == 1
    assert "robots.txt: the plain copy differs from" in capsys.readouterr().err


def test_with_an_integrations_defaults_the_file_may_not_name_the_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project, defaults = integrated(tmp_path)
    config = project / "assetbuild.toml"
    config.write_text('output = "build"\n' + config.read_text())
    with pytest.raises(SystemExit) as exited:
        run_integrated(project, defaults, "build", monkeypatch=monkeypatch)
    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        f"error: {config}: output: is set by the test's settings; remove it from the file\n"
    )
    assert not (project / "public").exists()
