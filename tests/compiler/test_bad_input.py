"""Bad input through the real command line: each failure is one clear message, and a release
that was there before stays exactly as it was.

Every build runs as ``python -m assetbuild`` in a subprocess: that is what CI runs, it keeps
stdout and stderr apart as a user sees them, and an input that crashes the interpreter (a
segfault in a C extension) fails its own row instead of taking pytest down with it.

The table's rows start from the sample site (``fixtures/site``) already built once; the whole
release directory (names and bytes, bookkeeping included) is compared before and after the
failed build. The positive cases and the large inputs follow the table.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest

from assetbuild.compiler.scan.css import scan
from assetbuild.runtime import Assets
from tests.conftest import FIXTURES, assetbuild

PNG = (FIXTURES / "site/static/img/logo.png").read_bytes()

# The sample site's config without its bundles: rows that rewrite the config start from it.
BASE_CONFIG = 'source = "static"\noutput = "build/static"\nexclude = ["scss/**"]\n'


# --- Helpers -----------------------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every name under ``root`` (directories and symlinks too) -> its bytes or its kind."""
    found: dict[str, bytes | str] = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(directory, name)
            relative = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[relative] = f"symlink -> {os.readlink(path)}"
            elif path.is_dir():
                found[relative] = "directory"
            else:
                found[relative] = path.read_bytes()
    return found


def manifest_of(release: Path) -> dict[str, dict[str, object]]:
    assets = json.loads((release / "manifest.json").read_text("utf-8"))["assets"]
    assert isinstance(assets, dict)
    return assets


# --- Changes a row makes to the built site -----------------------------------------------------

Change = Callable[[Path], None]


def config(text: str) -> Change:
    def change(site: Path) -> None:
        (site / "assetbuild.toml").write_text(text, encoding="utf-8")

    return change


def source(name: str | bytes, content: str | bytes) -> Change:
    """Write ``static/NAME``; a ``bytes`` name is a file name that is not valid UTF-8."""

    def change(site: Path) -> None:
        root = os.fsencode(site / "static")
        path = os.path.join(root, name if isinstance(name, bytes) else os.fsencode(name))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(content.encode("utf-8") if isinstance(content, str) else content)

    return change


def project(name: str, content: str) -> Change:
    """Write ``NAME`` beside the config (a module that ``filter_modules`` names, say)."""

    def change(site: Path) -> None:
        (site / name).write_text(content, encoding="utf-8")

    return change


def symlink(name: str, target: str) -> Change:
    def change(site: Path) -> None:
        (site / "static" / name).symlink_to(target)

    return change


def together(*changes: Change) -> Change:
    def change(site: Path) -> None:
        for each in changes:
            each(site)

    return change


# --- The table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One bad input and what the command line must make of it.

    ``says``: text that must appear on stderr (``{site}`` is the site's directory): the file
    and the key or reference. ``advice``: the part that tells the user what to do. ``lines``:
    stderr lines in all (a config error is one line; a build failure is one per problem plus
    the closing ``build failed: ...`` line).
    """

    change: Change
    status: int
    says: tuple[str, ...]
    advice: str
    lines: int


CONFIG_ERROR, BUILD_FAILED = 2, 1
FAILED_ONCE = "build failed: 1 problem; the release is untouched"

CASES = {
    # -- the configuration: exit 2, one line naming the file and the key ------------------------
    "malformed TOML": Case(
        config('source = "static\noutput = "build/static"\n'),
        CONFIG_ERROR,
        ("error: {site}/assetbuild.toml: is not valid TOML",),
        advice="(at line 1, column",
        lines=1,
    ),
    "an unknown key": Case(
        config(BASE_CONFIG + "bundels = {}\n"),
        CONFIG_ERROR,
        ("error: {site}/assetbuild.toml: bundels: unknown key",),
        advice="; the keys are ",
        lines=1,
    ),
    "a value of the wrong type": Case(
        config(BASE_CONFIG + 'compress = "gzip"\n'),
        CONFIG_ERROR,
        ("error: {site}/assetbuild.toml: compress: must be a list",),
        advice='such as ["gzip", "br"] (or [] for none)',
        lines=1,
    ),
    "a bundle glob that matches nothing": Case(
        config(BASE_CONFIG + '[bundles]\n"css/app.css" = ["css/reset.css", "css/nope/*.css"]\n'),
        CONFIG_ERROR,
        (
            "error: {site}/assetbuild.toml: bundles.\"css/app.css\".inputs: 'css/nope/*.css' "
            "matches no file",
        ),
        advice="fix the pattern or remove it",
        lines=1,
    ),
    "a bundle mixing CSS and JS": Case(
        config(BASE_CONFIG + '[bundles]\n"css/app.css" = ["css/reset.css", "js/main.js"]\n'),
        CONFIG_ERROR,
        (
            'error: {site}/assetbuild.toml: bundles."css/app.css".inputs: mixes CSS and JS: '
            "js/main.js cannot go into css/app.css",
        ),
        advice="make a separate bundle for it",
        lines=1,
    ),
    "an entries glob that matches nothing": Case(
        config(BASE_CONFIG + 'entries = ["css/site.css", "vendor/**"]\n'),
        CONFIG_ERROR,
        ("error: {site}/assetbuild.toml: entries: 'vendor/**' matches no asset of the release",),
        advice="or a glob of them, or remove it",
        lines=1,
    ),
    "entries that is not a list": Case(
        config(BASE_CONFIG + 'entries = "css/site.css"\n'),
        CONFIG_ERROR,
        ("error: {site}/assetbuild.toml: entries: must be a list of globs of logical paths",),
        advice="(leave it out to publish every file)",
        lines=1,
    ),
    "an on_missing table with a value that is neither error nor warn": Case(
        config(BASE_CONFIG + 'on_missing = { "vendor/**" = "ignore" }\n'),
        CONFIG_ERROR,
        (
            "error: {site}/assetbuild.toml: on_missing.\"vendor/**\": must be one of 'error', 'warn'",
        ),
        advice="not 'ignore'",
        lines=1,
    ),
    "an on_missing glob that climbs out of the source": Case(
        config(BASE_CONFIG + 'on_missing = { default = "warn", "../**" = "error" }\n'),
        CONFIG_ERROR,
        ("error: {site}/assetbuild.toml: on_missing.\"../**\": '../**'",),
        advice="paths here are relative to the source directory",
        lines=1,
    ),
    "a missing source directory": Case(
        config('source = "assets"\noutput = "build/static"\n'),
        CONFIG_ERROR,
        ("error: {site}/assetbuild.toml: source: source directory {site}/assets does not exist",),
        advice="create it or fix the path",
        lines=1,
    ),
    "an unknown filter name": Case(
        config(
            BASE_CONFIG + '[bundles."css/app.css"]\ninputs = ["css/reset.css"]\n'
            'filters = ["nosuchfilter"]\n'
        ),
        CONFIG_ERROR,
        (
            'error: {site}/assetbuild.toml: bundles."css/app.css".filters: filter '
            "'nosuchfilter' cannot be used",
        ),
        advice="name a webassets filter whose tool is installed",
        lines=1,
    ),
    "a filter_config that is not a table": Case(
        config(
            BASE_CONFIG + '[bundles."css/app.css"]\ninputs = ["css/reset.css"]\n'
            'filters = ["cssrewrite"]\nfilter_config = ["--skip-rebase"]\n'
        ),
        CONFIG_ERROR,
        (
            'error: {site}/assetbuild.toml: bundles."css/app.css".filter_config: must be a table '
            "of webassets config keys -> values",
        ),
        advice='e.g. { CLEANCSS_EXTRA_ARGS = ["--skip-rebase"] }',
        lines=1,
    ),
    "a filter_config value webassets cannot take": Case(
        config(
            BASE_CONFIG + '[bundles."css/app.css"]\ninputs = ["css/reset.css"]\n'
            'filters = ["cssrewrite"]\nfilter_config = { LESS_PATHS = ["a", 1] }\n'
        ),
        CONFIG_ERROR,
        (
            'error: {site}/assetbuild.toml: bundles."css/app.css".filter_config.LESS_PATHS: '
            "must be a string, a list of strings, a boolean or an integer",
        ),
        advice="(as webassets takes it)",
        lines=1,
    ),
    "a filter_config key that is webassets' own setting": Case(
        config(
            BASE_CONFIG + '[bundles."css/app.css"]\ninputs = ["css/reset.css"]\n'
            'filters = ["cssrewrite"]\nfilter_config = { DIRECTORY = "elsewhere" }\n'
        ),
        CONFIG_ERROR,
        (
            'error: {site}/assetbuild.toml: bundles."css/app.css".filter_config.DIRECTORY: is a '
            "setting of webassets' environment, not of a filter",
        ),
        advice="remove it; source, output and url say where files are",
        lines=1,
    ),
    "a filter module that does not import": Case(
        config(BASE_CONFIG + 'filter_modules = ["no_such_project.asset_filters"]\n'),
        CONFIG_ERROR,
        (
            "error: {site}/assetbuild.toml: filter_modules: cannot import "
            "'no_such_project.asset_filters' (ModuleNotFoundError: No module named "
            "'no_such_project'); install the module or put it under {site}, or remove it",
        ),
        advice="install the module or put it under ",
        lines=1,
    ),
    "a filter that writes a path of the build machine": Case(
        together(
            project(
                "site_filters.py",
                "import os\n"
                "from webassets.filter import Filter, register_filter\n"
                "class MachinePath(Filter):\n"
                "    name = 'machine-path'\n"
                "    def output(self, _in, out, output_path, **kwargs):\n"
                "        logo = os.path.join(os.path.dirname(output_path), '..', 'img', 'logo.png')\n"
                "        out.write(_in.read() + '.x{background:url(%s)}' % os.path.normpath(logo))\n"
                "register_filter(MachinePath)\n",
            ),
            config(
                BASE_CONFIG + 'filter_modules = ["site_filters"]\n'
                '[bundles."css/app.css"]\ninputs = ["css/reset.css"]\n'
                'filters = ["machine-path"]\n'
            ),
        ),
        BUILD_FAILED,
        (
            "error: css/app.css: webassets filter 'machine-path' of bundle css/app.css wrote "
            "{site}/static/img/logo.png, an absolute path inside the source directory "
            "{site}/static: a release must not name a file of the build machine",
        ),
        advice='(its rebase or root-path option, set in bundles."css/app.css".filter_config)',
        lines=2,
    ),
    "a source path too long for the file system": Case(
        config(f'source = "{"s" * 300}"\noutput = "build/static"\n'),
        CONFIG_ERROR,
        ("error: {site}/assetbuild.toml: source: ",),
        advice="fix the path",
        lines=1,
    ),
    "an output path with a NUL character": Case(
        config('source = "static"\noutput = "build\\u0000static"\n'),
        CONFIG_ERROR,
        ("error: {site}/assetbuild.toml: output: ",),
        advice="fix the path",
        lines=1,
    ),
    "a source table with an unknown key": Case(
        config('source = [{path = "static", prefx = "wiki/"}]\noutput = "build/static"\n'),
        CONFIG_ERROR,
        ("error: {site}/assetbuild.toml: source[0].prefx: unknown key",),
        advice="a source entry has 'path' and 'prefix'",
        lines=1,
    ),
    "a source prefix that climbs out": Case(
        config('source = [{path = "static", prefix = "../up"}]\noutput = "build/static"\n'),
        CONFIG_ERROR,
        (
            "error: {site}/assetbuild.toml: source[0].prefix: '../up' has an empty, '.' or '..' "
            "segment",
        ),
        advice="a prefix is a relative path such as 'wiki/'",
        lines=1,
    ),
    "plain that is not a list": Case(
        config(BASE_CONFIG + 'plain = "favicon.ico"\n'),
        CONFIG_ERROR,
        ("error: {site}/assetbuild.toml: plain: must be a list of glob strings",),
        advice="list of glob strings",
        lines=1,
    ),
    "a plain glob that matches nothing": Case(
        config(BASE_CONFIG + 'plain = ["favicon.ico"]\n'),
        CONFIG_ERROR,
        ("error: {site}/assetbuild.toml: plain: 'favicon.ico' matches no asset of the release",),
        advice="or remove it",
        lines=1,
    ),
    "a plain manifest.json": Case(
        together(source("manifest.json", "{}\n"), config(BASE_CONFIG + 'plain = ["*.json"]\n')),
        CONFIG_ERROR,
        (
            "error: {site}/assetbuild.toml: plain: 'manifest.json' cannot be published under "
            "its own name",
        ),
        advice="rename the file or drop it from plain",
        lines=1,
    ),
    "a plain name of the fingerprinted form": Case(
        together(
            source("js/lib.0123456789ab.js", "var lib;\n"),
            config(BASE_CONFIG + 'plain = ["js/lib.*"]\n'),
        ),
        CONFIG_ERROR,
        (
            "error: {site}/assetbuild.toml: plain: 'js/lib.0123456789ab.js' has the form of a "
            "fingerprinted file name",
        ),
        advice="rename the file or drop it from plain",
        lines=1,
    ),
    "an alias of no asset": Case(
        config(BASE_CONFIG + '[aliases]\nhome = "css/home.css"\n'),
        CONFIG_ERROR,
        (
            "error: {site}/assetbuild.toml: aliases.\"home\": names 'css/home.css', which is not "
            "an asset of the release",
        ),
        advice="use a published logical path",
        lines=1,
    ),
    "an alias that is a logical path": Case(
        config(BASE_CONFIG + '[aliases]\n"css/site.css" = "css/reset.css"\n'),
        CONFIG_ERROR,
        (
            'error: {site}/assetbuild.toml: aliases."css/site.css": is the logical path of an '
            "asset of the release",
        ),
        advice="an alias must be another name",
        lines=1,
    ),
    "an alias name that climbs out": Case(
        config(BASE_CONFIG + '[aliases]\n"../site" = "css/site.css"\n'),
        CONFIG_ERROR,
        (
            "error: {site}/assetbuild.toml: aliases.\"../site\": the alias '../site' has an "
            "empty, '.' or '..' segment",
        ),
        advice="an alias is a name such as 'home_style_bundle'",
        lines=1,
    ),
    # -- bytes that are not text: exit 1, file:line:column ---------------------------------------
    "invalid UTF-8 in a stylesheet": Case(
        source("css/broken.css", b'a { content: "\xff" }\n'),
        BUILD_FAILED,
        ("error: {site}/static/css/broken.css:1:15: is not valid utf-8 (byte 0xff)",),
        advice="save the file as UTF-8",
        lines=2,
    ),
    "invalid UTF-8 in a stylesheet bundle input": Case(
        source("css/reset.css", b'a { content: "\xff" }\n'),
        BUILD_FAILED,
        ("error: {site}/static/css/reset.css:1:15: is not valid utf-8 (byte 0xff)",),
        advice="save the file as UTF-8",
        lines=2,
    ),
    "a PNG's bytes in a stylesheet": Case(
        source("css/logo.css", PNG),
        BUILD_FAILED,
        ("error: {site}/static/css/logo.css:1:1: is not valid utf-8 (byte 0x89)",),
        advice="save the file as UTF-8",
        lines=2,
    ),
    "invalid UTF-8 in a script bundle input": Case(
        source("js/main.js", b'window.x = "\xff";\n'),
        BUILD_FAILED,
        ("error: {site}/static/js/main.js:1:13: is not valid utf-8 (byte 0xff)",),
        advice="save the file as UTF-8",
        lines=2,
    ),
    "a utf-7 stylesheet bundle input that decodes to a lone surrogate": Case(
        source("css/reset.css", b'@charset "utf-7";\na { content: "+2D8-" }\n'),
        BUILD_FAILED,
        ("error: {site}/static/css/reset.css:",),
        advice="save the file as UTF-8",
        lines=2,
    ),
    "one bad stylesheet both published and @imported into a bundle": Case(
        source("css/theme.css", b"\xff"),
        BUILD_FAILED,
        ("error: {site}/static/css/theme.css:1:1: is not valid utf-8 (byte 0xff)",),
        advice="save the file as UTF-8",
        lines=2,  # one problem, reported once
    ),
    # -- references ----------------------------------------------------------------------------
    "a missing reference": Case(
        source("css/missing.css", "a { background: url(../img/nope.png) }\n"),
        BUILD_FAILED,
        (
            "error: {site}/static/css/missing.css:1:21: ../img/nope.png resolves to no file "
            "(looked for img/nope.png)",
        ),
        advice="fix the reference",
        lines=2,
    ),
    "a reference that differs only in case": Case(
        source("css/case.css", "a { background: url(../img/Logo.png) }\n"),
        BUILD_FAILED,
        ("error: {site}/static/css/case.css:1:21: ../img/Logo.png resolves to no file",),
        advice="did you mean img/logo.png? (case differs)",
        lines=2,
    ),
    "a reference climbing out of the source (../../../../etc/passwd)": Case(
        source("css/evil.css", "a { background: url(../../../../etc/passwd) }\n"),
        BUILD_FAILED,
        (
            "error: {site}/static/css/evil.css:1:21: ../../../../etc/passwd climbs 3 level(s) "
            "above the release's root (css/evil.css is 1 level(s) down): a browser would "
            "request /etc/passwd (it stops '..' at the host's root), outside /static/",
            "refused (it resolves outside the source directories)",
        ),
        advice="copy the file into a source directory",
        lines=2,
    ),
    "a reference climbing out through the URL prefix": Case(
        source("css/evil.css", "a { background: url(/static/../../etc/passwd) }\n"),
        BUILD_FAILED,
        (
            "error: {site}/static/css/evil.css:1:21: /static/../../etc/passwd climbs 2 "
            "level(s) above the release's root: a browser would request /etc/passwd",
        ),
        advice="copy the file into a source directory",
        lines=2,
    ),
    "a percent-encoded reference climbing out": Case(
        source("css/evil.css", "a { background: url(..%2F..%2F..%2F..%2Fetc/passwd) }\n"),
        BUILD_FAILED,
        (
            "error: {site}/static/css/evil.css:1:21: ..%2F..%2F..%2F..%2Fetc/passwd climbs 3 "
            "level(s) above the release's root",
        ),
        advice="copy the file into a source directory",
        lines=2,
    ),
    "a reference one '../' too many, from two levels down (issue 16)": Case(
        source("css/vendor/theme.css", "a { background: url(../../../base/x.png) }\n"),
        BUILD_FAILED,
        (
            "error: {site}/static/css/vendor/theme.css:1:21: ../../../base/x.png climbs 1 "
            "level(s) above the release's root (css/vendor/theme.css is 2 level(s) down): a "
            "browser would request /base/x.png (it stops '..' at the host's root), outside "
            "/static/, so not a file of this release",
        ),
        advice="drop the extra '../' or copy the file into a source directory",
        lines=2,
    ),
    "a reference cycle": Case(
        together(
            source("css/a.css", '@import "b.css";\n'), source("css/b.css", '@import "a.css";\n')
        ),
        BUILD_FAILED,
        ("error: {site}/static/css/a.css: reference cycle: css/a.css -> css/b.css -> css/a.css",),
        advice="remove one of these references",
        lines=2,
    ),
    # -- the tree itself -----------------------------------------------------------------------
    "a symlink to a file outside the source": Case(
        symlink("img/passwd.png", "/etc/passwd"),
        BUILD_FAILED,
        (
            "error: {site}/static/img/passwd.png: symlink points outside the source "
            "directories (to /etc/passwd)",
        ),
        advice="copy the file in, or add its directory to 'source'",
        lines=2,
    ),
    "a symlink to a directory outside the source": Case(
        symlink("etc", "/etc"),
        BUILD_FAILED,
        ("error: {site}/static/etc: symlink points outside the source directories (to /etc)",),
        advice="copy the file in, or add its directory to 'source'",
        lines=2,
    ),
    "a file name with a newline": Case(
        source("img/a\nb.png", PNG),
        BUILD_FAILED,
        ("error: {site}/static/img/a",),
        advice="rename it",
        lines=2,
    ),
    "a file name that is not UTF-8": Case(
        source(b"img/\xff.png", PNG),
        BUILD_FAILED,
        ("error: {site}/static/img/",),
        advice="rename it",
        lines=2,
    ),
    "a file name with a backslash": Case(
        source("img/back\\slash.png", PNG),
        BUILD_FAILED,
        ("error: {site}/static/img/back\\slash.png",),
        advice="rename it",
        lines=2,
    ),
}


@pytest.fixture(scope="module")
def built_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site, built once; each row starts from a copy."""
    site = tmp_path_factory.mktemp("template") / "site"
    shutil.copytree(FIXTURES / "site", site, ignore=shutil.ignore_patterns("build"))
    done = assetbuild("build", cwd=site)
    assert done.returncode == 0, done.stderr
    return site


@pytest.fixture
def built_site(built_template: Path, tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(built_template, site, symlinks=True)
    return site.resolve()


@pytest.mark.parametrize(
    "case",
    [pytest.param(case, id=name) for name, case in CASES.items()],
)
def test_bad_input_is_one_clear_message_and_the_previous_release_stays_as_it_was(
    built_site: Path, case: Case
) -> None:
    release = built_site / "build/static"
    before = snapshot(release)
    case.change(built_site)

    done = assetbuild("build", cwd=built_site)

    stderr = done.stderr
    assert done.returncode == case.status, stderr
    assert "Traceback" not in stderr
    assert done.stdout == ""
    for text in case.says:
        assert text.replace("{site}", str(built_site)) in stderr
    lines = stderr.splitlines()
    assert len(lines) == case.lines, stderr
    if case.status == BUILD_FAILED:
        assert lines[-1] == FAILED_ONCE
    assert snapshot(release) == before, "the failed build changed the release"
    assert case.advice in stderr


# --- Inputs that must build --------------------------------------------------------------------


def test_a_latin1_stylesheet_that_declares_its_charset_builds_and_keeps_its_bytes(
    built_site: Path,
) -> None:
    text = b'@charset "iso-8859-1";\n.caf\xe9::after { content: "\xe9t\xe9"; '
    original = text + b"background: url(../img/logo.png) }\n"
    source("css/latin1.css", original)(built_site)

    done = assetbuild("build", cwd=built_site)

    assert done.returncode == 0, done.stderr
    assets = manifest_of(built_site / "build/static")
    logo = str(assets["img/logo.png"]["path"]).rpartition("/")[2]
    published = (built_site / "build/static" / str(assets["css/latin1.css"]["path"])).read_bytes()
    assert published == original.replace(b"../img/logo.png", f"../img/{logo}".encode())
    assert assetbuild("verify", cwd=built_site).returncode == 0


def test_an_empty_source_directory_gives_a_valid_empty_release(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "assetbuild.toml").write_text('source = "static"\noutput = "build/static"\n')

    done = assetbuild("build", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "build/static/manifest.json").read_text("utf-8"))
    assert manifest == {"assets": {}, "url": "/static/", "version": 1}
    verified = assetbuild("verify", cwd=tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("0 assets verified")


def test_names_with_spaces_and_non_ascii_characters_build_and_their_references_resolve(
    built_site: Path,
) -> None:
    woff = os.urandom(600)
    stylesheet = (
        'a { background: url("../img/a b.png") }\n'
        "b { background: url(../img/a%20b.png) }\n"
        "c { background: url('../img/café.png') }\n"
        "d { background: url(../img/caf%C3%A9.png) }\n"
        '@font-face { src: url("../fonts/ünï cödé.woff2") }\n'
    )
    together(
        source("img/a b.png", PNG + b"space"),
        source("img/café.png", PNG + b"accent"),
        source("fonts/ünï cödé.woff2", woff),
        source("css/résumé page.css", stylesheet),
    )(built_site)

    done = assetbuild("build", cwd=built_site)

    assert done.returncode == 0, done.stderr
    release = built_site / "build/static"
    assets = manifest_of(release)
    entry = assets["css/résumé page.css"]
    text = (release / str(entry["path"])).read_text("utf-8")
    css_dir = str(entry["path"]).rpartition("/")[0]
    targets = [os.path.normpath(f"{css_dir}/{unquote(reference.url)}") for reference in scan(text)]
    wanted = ["img/a b.png", "img/a b.png", "img/café.png", "img/café.png", "fonts/ünï cödé.woff2"]
    assert targets == [assets[name]["path"] for name in wanted]
    assert all(" " not in reference.url for reference in scan(text))  # percent-encoded
    assert (release / str(assets["fonts/ünï cödé.woff2"]["path"])).read_bytes() == woff
    runtime = Assets(release / "manifest.json")
    assert runtime.url("img/a b.png").startswith("/static/img/a%20b.")
    assert assetbuild("verify", cwd=built_site).returncode == 0


def test_an_output_directory_inside_the_source_directory_is_skipped(built_site: Path) -> None:
    config(BASE_CONFIG.replace('"build/static"', '"static/release"'))(built_site)

    first = assetbuild("build", "--json", cwd=built_site)
    second = assetbuild("build", "--json", cwd=built_site)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    release = built_site / "static/release"
    assert not any(name.startswith("release/") for name in manifest_of(release))
    assert json.loads(second.stdout)["written"] == []
    assert not (release / "release").exists()  # no release inside the release


def test_a_reference_outside_the_tree_is_not_followed_even_when_misses_only_warn(
    built_site: Path,
) -> None:
    config(BASE_CONFIG + 'on_missing = "warn"\n')(built_site)
    source("css/evil.css", "a { background: url(../../../../etc/passwd) }\n")(built_site)

    done = assetbuild("build", cwd=built_site)

    assert done.returncode == 0, done.stderr
    assert "../../../../etc/passwd climbs 3 level(s) above the release's root" in done.stderr
    release = built_site / "build/static"
    assets = manifest_of(release)
    evil = (release / str(assets["css/evil.css"]["path"])).read_text("utf-8")
    assert "url(../../../../etc/passwd)" in evil  # kept as written, not followed
    secret = Path("/etc/passwd").read_bytes()
    assert all(secret not in path.read_bytes() for path in release.rglob("*") if path.is_file()), (
        "a file from outside the source was published"
    )


# --- Inputs that are merely large (slow) -------------------------------------------------------

SCRIPT_BLOCK = """/* block {i}: a comment the minifier drops */
function handler{i}(event, options) {{
    var total = 0;   // running total
    for (var k = 0; k < options.items.length; k++) {{
        total += options.items[k].weight * {i};
    }}
    return {{ id: "h{i}", total: total, label: 'item \\'{i}\\'' }};
}}
"""


def large_script(size: int) -> bytes:
    parts, total, index = [], 0, 0
    while total < size:
        block = SCRIPT_BLOCK.format(i=index)
        parts.append(block)
        total += len(block)
        index += 1
    return "".join(parts).encode("ascii")


@pytest.mark.slow
def test_a_50_mb_script_builds_on_its_own_and_as_a_one_input_bundle(tmp_path: Path) -> None:
    script = large_script(50 * 2**20)
    source("js/huge.js", script)(tmp_path)
    source("js/lib.js", script)(tmp_path)
    (tmp_path / "assetbuild.toml").write_text(
        'source = "static"\noutput = "out"\ncompress = []\n\n'
        '[bundles]\n"js/bundle.js" = ["js/lib.js"]\n'
    )

    started = time.perf_counter()
    done = assetbuild("build", cwd=tmp_path)
    seconds = time.perf_counter() - started

    print(f"\n50 MB script, on its own and as a bundle: built in {seconds:.1f} s")
    assert done.returncode == 0, done.stderr
    assets = manifest_of(tmp_path / "out")
    assert sorted(assets) == ["js/bundle.js", "js/huge.js"]
    huge = (tmp_path / "out" / str(assets["js/huge.js"]["path"])).read_bytes()
    assert hashlib.sha256(huge).digest() == hashlib.sha256(script).digest()  # kept as it is
    assert 0 < int(str(assets["js/bundle.js"]["size"])) < len(script)  # minified
    assert assetbuild("verify", "out", cwd=tmp_path).returncode == 0


@pytest.mark.slow
def test_20000_small_files_build_and_a_second_build_writes_nothing_new(tmp_path: Path) -> None:
    root = tmp_path / "static"
    for directory in range(100):
        (root / f"d{directory:02d}").mkdir(parents=True)
    for index in range(20_000):
        path = root / f"d{index % 100:02d}" / f"f{index:05d}.txt"
        path.write_bytes(f"file {index}\n".encode())
    (tmp_path / "assetbuild.toml").write_text('source = "static"\noutput = "out"\ncompress = []\n')

    started = time.perf_counter()
    first = assetbuild("build", "--json", cwd=tmp_path)
    middle = time.perf_counter()
    before = snapshot(tmp_path / "out")
    second = assetbuild("build", "--json", cwd=tmp_path)
    finished = time.perf_counter()

    print(
        f"\n20,000 files: first build {middle - started:.1f} s, "
        f"second build {finished - middle:.1f} s"
    )
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert json.loads(first.stdout)["assets"] == 20_000
    assert len(json.loads(first.stdout)["written"]) == 20_000
    assert json.loads(second.stdout)["written"] == []
    after = snapshot(tmp_path / "out")
    assert after == before


# --- `assetbuild import django-compressor`: input that is no usable template ------------------
#
# Each row starts from fixtures/compressor (templates and static files) and breaks one thing; the
# command must name it in one line, exit 2, and write nothing: no config, no template rewritten.


@dataclass(frozen=True)
class ImportCase:
    change: Change  # applied to the project's directory
    args: tuple[str, ...]  # after `import django-compressor`
    says: str  # the message, {project} being the project's directory
    advice: str


IMPORT_CASES = {
    "a template directory that does not exist": ImportCase(
        lambda project: None,
        ("templates", "nowhere"),
        "error: nowhere: no such template directory or file",
        "pass the directories that hold your templates",
    ),
    "a template that is not UTF-8": ImportCase(
        lambda project: (project / "templates/latin1.html").write_bytes(b"<p>\n\xe9t\xe9</p>\n"),
        ("templates",),
        "error: templates/latin1.html: is not UTF-8 (byte 0xe9 on line 2)",
        "Django reads templates as UTF-8, so save it as UTF-8",
    ),
    "a template that cannot be read (a dangling symlink)": ImportCase(
        lambda project: (project / "templates/gone.html").symlink_to(project / "nowhere.html"),
        ("templates",),
        "error: templates/gone.html: cannot be read: No such file or directory",
        "cannot be read",
    ),
    "a compress block with no end": ImportCase(
        lambda project: (project / "templates/open.html").write_text(
            "{% load compress %}\n{% compress css %}\n<link rel=stylesheet href=/static/a.css>\n"
        ),
        ("templates",),
        "error: templates/open.html: 2:1: {% compress css %} has no {% endcompress %}",
        "close the block",
    ),
    "a static directory that does not exist": ImportCase(
        lambda project: None,
        ("templates", "--source", "assets"),
        "error: --source: assets: no such directory",
        "pass the static directories that hold the files the templates link",
    ),
}


@pytest.mark.parametrize(
    "case", [pytest.param(case, id=name) for name, case in IMPORT_CASES.items()]
)
def test_import_of_input_that_is_no_usable_template_is_one_message_and_writes_nothing(
    tmp_path: Path, case: ImportCase
) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "compressor", project, ignore=shutil.ignore_patterns("expected"))
    case.change(project)
    before = snapshot(project)

    done = assetbuild("import", "django-compressor", *case.args, "--rewrite", cwd=project)

    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [done.stderr.rstrip("\n")], done.stderr  # one line
    assert done.stderr.startswith(case.says.replace("{project}", str(project))), done.stderr
    assert case.advice in done.stderr
    assert snapshot(project) == before, "the failed import changed the project"


# --- `assetbuild import webassets`: input that is no usable webassets file --------------------
#
# Each row starts from fixtures/webassets (bundles.yaml and its static directory) and breaks one
# thing; the command must name the file and the key in one line, exit 2, and write nothing.


@dataclass(frozen=True)
class WebassetsCase:
    change: Change  # applied to the project's directory
    args: tuple[str, ...]  # after `import webassets`
    says: str  # the start of the message
    advice: str


WEBASSETS_CASES = {
    "a file that does not exist": WebassetsCase(
        lambda project: None,
        ("nowhere.yml",),
        "error: nowhere.yml: cannot be read:",
        "No such file or directory",
    ),
    "a file that is not YAML": WebassetsCase(
        lambda project: (project / "bad.yml").write_text("bundles: [unclosed\n"),
        ("bad.yml",),
        "error: bad.yml: is not valid YAML",
        "line 2",
    ),
    "a YAML list, not a mapping": WebassetsCase(
        lambda project: (project / "list.yml").write_text("- a.js\n- b.js\n"),
        ("list.yml",),
        "error: list.yml: must be a YAML mapping",
        "bundle names -> bundles",
    ),
    "an environment with no directory": WebassetsCase(
        lambda project: (project / "env.yml").write_text("url: /static\nbundles: {}\n"),
        ("env.yml",),
        "error: env.yml: directory: is required",
        "or pass --directory",
    ),
    "a misspelt bundle key": WebassetsCase(
        lambda project: (project / "b.yml").write_text("app:\n  outptu: x.js\n  contents: a.js\n"),
        ("b.yml",),
        "error: b.yml: app.outptu: is not a bundle key",
        "a bundle has config, contents, ",
    ),
    "a load path combined with another file's directory": WebassetsCase(
        lambda project: (project / "b.yml").write_text(
            "load_path: [static, static/js]\nbundles:\n  x:\n    output: x.js\n"
            "    contents: app.js\n"
        ),
        ("bundles.yaml", "b.yml"),
        "error: b.yml: load_path: has a load path of several directories",
        "convert it on its own",
    ),
    "a filter module that does not import": WebassetsCase(
        lambda project: None,
        ("bundles.yaml", "--filter-module", "no_such_module_here"),
        "error: --filter-module: 'no_such_module_here' cannot be imported",
        "run the command where the project's modules import",
    ),
}


@pytest.mark.parametrize(
    "case", [pytest.param(case, id=name) for name, case in WEBASSETS_CASES.items()]
)
def test_import_of_a_webassets_file_that_cannot_be_read_is_one_message_and_writes_nothing(
    tmp_path: Path, case: WebassetsCase
) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "webassets", project, ignore=shutil.ignore_patterns("real"))
    case.change(project)
    before = snapshot(project)

    done = assetbuild("import", "webassets", *case.args, cwd=project)

    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [done.stderr.rstrip("\n")], done.stderr  # one line
    assert done.stderr.startswith(case.says), done.stderr
    assert case.advice in done.stderr
    assert snapshot(project) == before, "the failed import changed the project"
