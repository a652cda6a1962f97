"""Webassets filters in a build: each runs once per text, its result is cached by content, and
what it writes is checked like the sources (README, "Bundles"; CONTRACT section 3).

Real filters on real files: webassets' ``less`` (lessc, installed by ``make node-tools``),
``libsass`` (the libsass wheel), ``cleancss``, ``cssrewrite`` and ``jinja2``, and filters of a
project's own, registered by a module that ``filter_modules`` names. A program a filter runs is
given through the bundle's ``filter_config`` as a wrapper script that notes each run, so that
runs are counted across builds.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from assetbuild.compiler import assembly
from assetbuild.compiler.assembly import BuildResult
from assetbuild.compiler.config import load_config
from assetbuild.errors import BuildError
from tests.conftest import assetbuild, unavailable, write

REPO = Path(__file__).resolve().parents[2]
NODE_TOOLS = REPO / "scripts" / "node-tools" / "node_modules" / ".bin"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
_modules = itertools.count()


def node_tool(name: str) -> Path:
    tool = NODE_TOOLS / name
    if not tool.exists():
        unavailable(
            f"{name} is not installed; `make node-tools` (scripts/node-tools.sh) installs it"
        )
    return tool


def counting(program: Path, directory: Path) -> Path:
    """A wrapper of ``program`` that appends a line to ``runs.log`` beside it at each run."""
    wrapper = directory / f"count-{program.name}"
    log = directory / "runs.log"
    wrapper.write_text(f'#!/bin/sh\necho "{program.name}" >> "{log}"\nexec "{program}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper


def runs(directory: Path) -> list[str]:
    """The programs run since the last call, and forget them."""
    log = directory / "runs.log"
    if not log.exists():
        return []
    ran = log.read_text().split()
    log.unlink()
    return ran


def build(root: Path, *, use_cache: bool = True, output: str | None = None) -> BuildResult:
    config = load_config(cwd=root, environ={}, output=Path(output) if output else None)
    return assembly.build(config, jobs=1, use_cache=use_cache)


def released(result: BuildResult, name: str) -> str:
    entry = result.published.manifest.assets[name]
    return (result.config.output / entry.path).read_text("utf-8")


def release_files(release: Path) -> dict[str, bytes]:
    return {
        path.relative_to(release).as_posix(): path.read_bytes()
        for path in sorted(release.rglob("*"))
        if path.is_file() and ".assetbuild" not in path.parts
    }


def filter_module(root: Path, source: str) -> str:
    """Write a module of filters beside the config; its name, unique in this process."""
    name = f"project_filters_{next(_modules)}"
    (root / f"{name}.py").write_text(source)
    return name


# --- a project of Less stylesheets, compiled by lessc -------------------------------------------

LESS_SITE = {
    "static/less/main.less": '@import "partials/_colors.less";\n'
    '.main { color: @brand; background: url("../img/bg.png"); }\n',
    "static/less/partials/_colors.less": "@brand: #336699;\n",
    "static/less/theme.less": ".theme { padding: (3px + 4px); }\n",
    "static/css/plain.css": ".plain { margin: 0 }\n",
    "static/img/bg.png": PNG,
    "static/img/other.png": PNG + b"other",
    "static/js/app.js": "var app = 1;\n",
}


def less_site(root: Path, tools: Path, extra_args: list[str] | None = None) -> Path:
    lessc = counting(node_tool("lessc"), tools)
    settings = f"LESS_BIN = {json.dumps(str(lessc))}"
    if extra_args is not None:
        settings += f", LESS_EXTRA_ARGS = {json.dumps(extra_args)}"
    write(
        root,
        {
            **LESS_SITE,
            "assetbuild.toml": 'source = "static"\noutput = "build/static"\n'
            'exclude = ["less/**"]\n'
            '[bundles."css/app.css"]\n'
            'inputs = ["less/main.less", "less/theme.less", "css/plain.css"]\n'
            'filters = ["less", "rcssmin"]\n'
            f"filter_config = {{ {settings} }}\n",
        },
    )
    return root


def test_each_input_filter_runs_once_per_input_and_a_rebuild_with_nothing_changed_runs_none(
    tmp_path: Path,
) -> None:
    site = less_site(tmp_path / "site", tmp_path)
    first = build(site)
    # One lessc per input (webassets' less filter compiles in its input step), none more.
    assert runs(tmp_path) == ["lessc"] * 3
    css = released(first, "css/app.css").replace('"', "")  # lessc quotes URLs
    assert ".main{color:#336699;background:url(../img/bg." in css
    assert ".theme{padding:7px}" in css
    again = build(site)
    assert runs(tmp_path) == []
    assert again.published.manifest == first.published.manifest


def test_an_output_filter_runs_once_per_build_and_then_not_at_all(tmp_path: Path) -> None:
    cleancss = counting(node_tool("cleancss"), tmp_path)
    write(
        tmp_path / "site",
        {
            "static/css/a.css": ".a { color: #ff0000; background: url(../img/bg.png) }\n",
            "static/css/b.css": ".b { margin: 0px 0px 0px 0px }\n",
            "static/img/bg.png": PNG,
            "assetbuild.toml": 'source = "static"\noutput = "build/static"\n'
            '[bundles."css/min.css"]\ninputs = ["css/a.css", "css/b.css"]\nfilters = ["cleancss"]\n'
            f"filter_config = {{ CLEANCSS_BIN = {json.dumps(str(cleancss))}, "
            'CLEANCSS_EXTRA_ARGS = ["--format", "keep-breaks"] }\n',
        },
    )
    first = build(tmp_path / "site")
    # webassets' cleancss asks the version once, then minifies each input and the bundle.
    assert runs(tmp_path) == ["cleancss"] * 4
    # CLEANCSS_EXTRA_ARGS reached cleancss as the list of arguments it is (a string would have
    # been taken character by character): the rules keep their line breaks.
    a, b = released(first, "css/min.css").splitlines()
    assert a.startswith(".a{color:red;background:url(../img/bg.") and b == ".b{margin:0}"
    assert build(tmp_path / "site").published.manifest == first.published.manifest
    assert runs(tmp_path) == []


def test_a_change_recompiles_the_stylesheets_that_import_and_only_those(tmp_path: Path) -> None:
    site = less_site(tmp_path / "site", tmp_path)
    build(site)
    runs(tmp_path)
    (site / "static/img/other.png").write_bytes(PNG + b"changed")
    (site / "static/js/app.js").write_text("var app = 2;\n")
    build(site)
    assert runs(tmp_path) == []  # no import can name an image or a script
    # The partial is no input of the bundle, and no filter is told of it: lessc reads it for
    # main.less, the one input that imports; theme.less and plain.css import nothing.
    (site / "static/less/partials/_colors.less").write_text("@brand: #993366;\n")
    changed = build(site)
    assert runs(tmp_path) == ["lessc"]
    assert ".main{color:#993366;" in released(changed, "css/app.css")
    # theme.less itself, and not main.less: its @import names partials/_colors.less, and no
    # file of theme.less's name.
    (site / "static/less/theme.less").write_text(".theme { padding: (3px + 5px); }\n")
    changed = build(site)
    assert runs(tmp_path) == ["lessc"]
    assert ".theme{padding:8px}" in released(changed, "css/app.css")
    fresh = build(site, use_cache=False, output=str(tmp_path / "fresh"))
    assert fresh.published.manifest.assets == changed.published.manifest.assets


def test_an_image_a_compiler_embeds_is_a_file_it_reads(tmp_path: Path) -> None:
    site = less_site(tmp_path / "site", tmp_path)
    (site / "static/less/theme.less").write_text(
        '.theme { background: data-uri("image/png;base64", "../img/other.png"); }\n'
    )
    first = build(site)
    runs(tmp_path)
    (site / "static/img/other.png").write_bytes(PNG + b"changed")
    changed = build(site)
    assert runs(tmp_path) == ["lessc"]  # theme.less embeds it; main.less imports no image
    assert released(changed, "css/app.css") != released(first, "css/app.css")
    fresh = build(site, use_cache=False, output=str(tmp_path / "fresh"))
    assert fresh.published.manifest.assets == changed.published.manifest.assets


def test_a_filter_result_is_not_reused_once_the_program_is_another(tmp_path: Path) -> None:
    site = less_site(tmp_path / "site", tmp_path)
    build(site)
    runs(tmp_path)
    wrapper = tmp_path / "count-lessc"
    wrapper.write_text(wrapper.read_text() + "# another version\n")
    build(site)
    assert runs(tmp_path) == ["lessc"] * 3


def test_filter_config_changes_are_new_results(tmp_path: Path) -> None:
    site = less_site(tmp_path / "site", tmp_path, extra_args=[])
    build(site)
    runs(tmp_path)
    config = site / "assetbuild.toml"
    config.write_text(
        config.read_text().replace("LESS_EXTRA_ARGS = []", 'LESS_EXTRA_ARGS = ["--math=always"]')
    )
    build(site)
    assert runs(tmp_path) == ["lessc"] * 3


def test_a_compiler_writing_an_absolute_path_fails_the_build_naming_bundle_and_filter(
    tmp_path: Path,
) -> None:
    site = less_site(tmp_path / "site", tmp_path)
    assert assetbuild("build", cwd=site).returncode == 0
    before = release_files(site / "build/static")
    # --rootpath makes lessc prefix each URL with a path: here the source directory's.
    static_less = os.path.realpath(site / "static/less") + "/"
    less_site(site, tmp_path, extra_args=[f"--rootpath={static_less}"])
    done = assetbuild("build", cwd=site)
    assert done.returncode == 1, done.stderr
    static = os.path.realpath(site / "static")
    assert (
        f"webassets filter 'less' of bundle css/app.css wrote {static}/img/bg.png, "
        f"an absolute path inside the source directory {static}: a release must not name"
    ) in done.stderr
    assert 'bundles."css/app.css".filter_config' in done.stderr
    assert "resolves to no file" not in done.stderr  # one message per problem
    assert release_files(site / "build/static") == before


# --- a project's own filters, imported through filter_modules -----------------------------------

WRITERS = '''
from webassets.filter import Filter, register_filter

class Rebase(Filter):
    """Writes every url() as the absolute path of the file, as clean-css's rebase can."""
    name = "test-rebase-{n}"
    options = {{"root": "REBASE_ROOT"}}

    def output(self, _in, out, **kwargs):
        out.write(_in.read().replace("url(../", "url(" + self.root + "/"))

class Signed(Filter):
    """Adds a license comment naming where it was built, and a url() of its own."""
    name = "test-signed-{n}"
    options = {{"root": "SIGNED_ROOT", "extra": "SIGNED_EXTRA"}}

    def output(self, _in, out, **kwargs):
        assert isinstance(self.extra, list), self.extra
        out.write("/*! built from " + self.root + " with " + " ".join(self.extra) + " */\\n")
        out.write(_in.read())
        out.write("\\n.added {{ background: url(../img/added.png) }}\\n")

register_filter(Rebase)
register_filter(Signed)
'''


def writers_site(root: Path, filters: str, settings: str) -> str:
    n = next(_modules)
    write(
        root,
        {
            "static/css/a.css": ".a { background: url(../img/a.png) }\n",
            "static/img/a.png": PNG,
            "static/img/added.png": PNG + b"added",
            f"writers_{n}.py": WRITERS.format(n=n),
        },
    )
    (root / "assetbuild.toml").write_text(
        'source = "static"\noutput = "build/static"\n'
        f'filter_modules = ["writers_{n}"]\n'
        '[bundles."css/app.css"]\ninputs = ["css/a.css"]\n'
        f"filters = {filters.replace('N', str(n))}\n"
        f"filter_config = {{ {settings} }}\n"
    )
    return str(n)


def test_a_filter_writing_a_source_path_in_a_url_is_an_error_naming_bundle_and_filter(
    tmp_path: Path,
) -> None:
    root = os.path.realpath(tmp_path / "static")
    n = writers_site(tmp_path, '["test-rebase-N"]', f"REBASE_ROOT = {json.dumps(root)}")
    with pytest.raises(BuildError) as failed:
        build(tmp_path)
    [problem] = failed.value.problems
    assert problem.file == "css/app.css"
    assert problem.message.startswith(
        f"webassets filter 'test-rebase-{n}' of bundle css/app.css wrote {root}/img/a.png, "
        f"an absolute path inside the source directory {root}: a release must not name"
    )
    assert not (tmp_path / "build/static/manifest.json").exists()


def test_a_path_of_the_machine_outside_the_sources_is_an_error_too(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    write(elsewhere, {"img/a.png": PNG})
    writers_site(tmp_path, '["test-rebase-N"]', f"REBASE_ROOT = {json.dumps(str(elsewhere))}")
    with pytest.raises(BuildError) as failed:
        build(tmp_path)
    [problem] = failed.value.problems
    assert f"wrote {elsewhere}/img/a.png, an absolute path of a file on this machine" in (
        problem.message
    )


def test_references_a_filter_wrote_are_resolved_and_a_source_path_elsewhere_is_a_warning(
    tmp_path: Path,
) -> None:
    root = os.path.realpath(tmp_path / "static")
    n = writers_site(
        tmp_path,
        '["test-signed-N", "rcssmin"]',
        f'SIGNED_ROOT = {json.dumps(root)}, SIGNED_EXTRA = ["--one", "--two"]',
    )
    result = build(tmp_path)
    css = released(result, "css/app.css")
    # The url() the filter added is rewritten to the fingerprinted file, like the source's own.
    added = result.published.manifest.assets["img/added.png"].path
    assert f"url(../{added})" in css
    assert f"url(../{result.published.manifest.assets['img/a.png'].path})" in css
    # filter_config reached get_config() as webassets gives it: the list as a list.
    assert "with --one --two" in css
    [warning] = result.warnings
    assert warning.file == "css/app.css"
    assert warning.message.startswith(
        f"bundle css/app.css contains {root}, the path of a source directory on this machine, "
        f"which webassets filter 'test-signed-{n}' wrote"
    )
    # Said again at the next build: a result that holds a path of the machine is not cached.
    assert [w.message for w in build(tmp_path).warnings] == [warning.message]


def test_a_reference_a_filter_wrote_to_no_file_is_a_missing_reference(tmp_path: Path) -> None:
    writers_site(tmp_path, '["test-signed-N"]', 'SIGNED_ROOT = "x", SIGNED_EXTRA = []')
    (tmp_path / "static/img/added.png").unlink()
    with pytest.raises(BuildError) as failed:
        build(tmp_path)
    [problem] = failed.value.problems
    assert problem.file == "css/app.css"
    assert problem.message.startswith(
        "../img/added.png in what the bundle's webassets filters wrote resolves to no file"
    )


def test_a_project_filter_runs_once_per_input_then_not_at_all(tmp_path: Path) -> None:
    module = filter_module(
        tmp_path,
        "from webassets.filter import Filter, register_filter\n"
        "CALLS = []\n"
        "class Upper(Filter):\n"
        "    name = 'test-upper-' + __name__\n"
        "    def input(self, _in, out, source, **kw):\n"
        "        CALLS.append(('input', source))\n"
        "        out.write(_in.read().upper())\n"
        "    def output(self, _in, out, **kw):\n"
        "        CALLS.append(('output', kw['output']))\n"
        "        out.write(_in.read())\n"
        "register_filter(Upper)\n",
    )
    write(tmp_path, {"static/css/a.css": "a { color: red }\n", "static/css/b.css": "b { x: y }\n"})
    (tmp_path / "assetbuild.toml").write_text(
        'source = "static"\noutput = "build/static"\n'
        f'filter_modules = ["{module}"]\n'
        f'[bundles."css/app.css"]\ninputs = ["css/*.css"]\nfilters = ["test-upper-{module}"]\n'
    )
    first = build(tmp_path)
    calls = sys.modules[module].CALLS
    assert calls == [("input", "css/a.css"), ("input", "css/b.css"), ("output", "css/app.css")]
    assert released(first, "css/app.css") == "A { COLOR: RED }\n\nB { X: Y }\n"
    calls.clear()
    build(tmp_path)
    assert calls == []
    (tmp_path / "static/css/b.css").write_text("b { x: z }\n")
    build(tmp_path)
    # A project's filter may read any file: every result that depended on the tree is made again.
    assert calls == [("input", "css/a.css"), ("input", "css/b.css"), ("output", "css/app.css")]


# --- reproducible wherever the project is checked out -------------------------------------------


def test_releases_built_in_two_directories_are_identical_and_share_their_results(
    tmp_path: Path,
) -> None:
    try:
        import sass  # noqa: F401 - webassets' libsass filter imports it
    except ImportError:
        unavailable("libsass is not installed; `make test` installs it (pyproject's dev extra)")
    files: dict[str, str | bytes] = {
        **LESS_SITE,
        "static/scss/app.scss": '@import "colors";\n.app { color: $brand; '
        "background: url(../img/bg.png); }\n",
        "static/scss/_colors.scss": "$brand: #123456;\n",
        "static/js/app.js": "var size = {{ 2 * 21 }};\n",
    }
    lessc = counting(node_tool("lessc"), tmp_path)
    config = (
        'source = "static"\noutput = "build/static"\nexclude = ["less/**", "scss/**"]\n'
        '[bundles."css/app.css"]\ninputs = ["less/main.less", "css/plain.css"]\n'
        'filters = ["less", "cssrewrite", "rcssmin"]\n'
        f"filter_config = {{ LESS_BIN = {json.dumps(str(lessc))} }}\n"
        '[bundles."css/sass.css"]\ninputs = ["scss/app.scss"]\nfilters = ["libsass", "rcssmin"]\n'
        "filter_config = { LIBSASS_STYLE = 'compressed' }\n"
        '[bundles."js/app.js"]\ninputs = ["js/app.js"]\nfilters = ["jinja2", "rjsmin"]\n'
    )
    projects = [tmp_path / "one" / "project", tmp_path / "checkout-two", tmp_path / "three"]
    for project in projects:
        write(project, {**files, "assetbuild.toml": config})
    first, second = build(projects[0]), build(projects[1])
    assert runs(tmp_path) == ["lessc"] * 4
    assert release_files(projects[0] / "build/static") == release_files(
        projects[1] / "build/static"
    )
    assert second.published.manifest == first.published.manifest
    less_css = released(first, "css/app.css").replace('"', "")
    assert ".main{color:#336699;background:url(../img/bg." in less_css
    assert ".app{color:#123456;background:url(../img/bg." in released(first, "css/sass.css")
    assert released(first, "js/app.js") == "var size=42;"
    # The filter results hold nothing of the directory: a third checkout given the first's
    # cache (as a shared cache directory would) runs no compiler.
    state = projects[2] / "build/.static.assetbuild"
    state.mkdir(parents=True)
    shutil.copy(projects[0] / "build/.static.assetbuild/cache.json", state)
    assert build(projects[2]).published.manifest == first.published.manifest
    assert runs(tmp_path) == []


# --- a filter whose program is not installed --------------------------------------------------


def test_a_filter_whose_program_is_missing_is_reported_as_not_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import invoke

    write(tmp_path, {"static/less/site.less": "@c: #123;\nbody { color: @c; }\n"})
    (tmp_path / "assetbuild.toml").write_text(
        'source = "static"\noutput = "out"\nexclude = ["**/*.less"]\n'
        '[bundles."css/site.css"]\ninputs = ["less/site.less"]\nfilters = ["less"]\n'
    )
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    built = invoke(tmp_path, "build")
    assert built.exit_code == 1
    assert "'lessc', which is not installed or not on PATH" in built.stderr
    assert 'filter_config: LESS_BIN = "/path/to/lessc"' in built.stderr
    assert str(tmp_path / "static/less/site.less") in built.stderr  # where: the input
    assert not (tmp_path / "out/manifest.json").exists()
    inspected = invoke(tmp_path, "inspect", "css/site.css")
    assert "references: not known (it could not be read; see below)" in inspected.stdout
    assert "not installed" in inspected.stdout and "references: none" not in inspected.stdout
