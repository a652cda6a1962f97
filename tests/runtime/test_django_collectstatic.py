"""``manage.py collectstatic`` through ReleaseStorage, in a real project (tests/runtime/django_project).

Each test writes the project into its own directory and runs ``manage.py`` there in a subprocess,
as a Dockerfile's ``RUN`` line or a CI step does.
"""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import pytest

from tests.runtime.django_project import Project, make_project

FINGERPRINTED = re.compile(r"/static/(?:[^/]+/)*[^/]+\.[0-9a-f]{12}\.[^./]+")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path / "project")


def release_file(project: Project, manifest: dict[str, object], name: str) -> bytes:
    assets = manifest["assets"]
    assert isinstance(assets, dict)
    return (project.release / assets[name]["path"]).read_bytes()


# --- what the release is made of ---


def test_collectstatic_builds_the_release_from_every_finder_in_order(project: Project) -> None:
    manifest = project.built()
    assets = manifest["assets"]
    assert manifest["url"] == "/static/"  # STATIC_URL
    # The admin's static/ directory (an installed app's), with its own logical paths...
    assert {"admin/css/base.css", "admin/js/core.js", "admin/img/icon-yes.svg"} <= set(assets)
    # ...this project's app, both STATICFILES_DIRS (the second under its prefix), the bundle.
    assert {"shop/css/shop.css", "shop/img/cart.png", "css/site.css", "vendor/lib.js"} <= set(
        assets
    )
    assert assets["js/bundle.js"]["sources"] == ["js/app.js"]
    # The first directory that has a logical path wins, as in collectstatic: STATICFILES_DIRS
    # come before the apps' static/ directories in STATICFILES_FINDERS.
    assert b"#123456" in release_file(project, manifest, "css/base.css")


def test_django_s_ignore_patterns_hold(project: Project) -> None:
    names = set(project.built()["assets"])
    assert not [name for name in names if "CVS" in name.split("/") or name.endswith("~")]


def test_css_references_are_rewritten_to_fingerprinted_names(project: Project) -> None:
    manifest = project.built()
    assets = manifest["assets"]
    site = release_file(project, manifest, "css/site.css").decode()
    assert f'@import "{assets["css/base.css"]["path"].rsplit("/", 1)[1]}"' in site
    assert f"url(../{assets['img/dot.png']['path']})" in site
    shop = release_file(project, manifest, "shop/css/shop.css").decode()
    assert f"url(../img/{assets['shop/img/cart.png']['path'].rsplit('/', 1)[1]})" in shop


def test_static_root_holds_the_release_and_nothing_else(project: Project) -> None:
    manifest = project.built()
    named = {"manifest.json", *manifest["plain"]}
    for entry in manifest["assets"].values():
        named |= {entry["path"], *entry["encodings"].values()}
    assert set(project.files()) == named
    # No unfingerprinted copy but the plain one the config asks for.
    assert manifest["plain"] == ["favicon.ico"]
    # The bookkeeping (history for clean, the lock, the build cache) lives beside STATIC_ROOT.
    assert (project.state / "history").is_file()
    assert not list(project.release.rglob(".*"))


def test_every_static_url_of_the_admin_and_the_app_pages_is_fingerprinted_and_there(
    project: Project,
) -> None:
    project.built()
    pages = project.page_urls("/admin/login/", "/shop/")
    assert len(pages["/admin/login/"]) >= 5  # the admin's stylesheets and scripts
    # {% static %} in the app's template and the form's Media both went through the storage.
    assert len(pages["/shop/"]) == 6
    for page, urls in pages.items():
        for url in urls:
            assert FINGERPRINTED.fullmatch(url), (page, url)
            assert (project.release / url.removeprefix("/static/")).is_file(), (page, url)


def test_a_second_collectstatic_writes_nothing_and_keeps_the_plain_copies(
    project: Project,
) -> None:
    first = project.built()
    plain = project.release / "favicon.ico"
    # Newer sources: collectstatic deletes a target it is told exists and is older.
    old = plain.stat().st_mtime - 3600
    os.utime(plain, (old, old))
    done = project.collectstatic()
    assert done.returncode == 0, done.stderr
    assert "0 files written" in done.stdout
    assert project.manifest() == first
    assert plain.read_bytes() == b"\x00\x00\x01\x00"


def test_a_css_change_keeps_every_old_file_and_renames_only_what_depends_on_it(
    project: Project,
) -> None:
    before = project.built()["assets"]
    old_files = project.files()
    (project.root / "assets/css/base.css").write_text("h1 { color: #654321 }\n")
    after = project.built()["assets"]
    renamed = {name for name in after if after[name]["path"] != before[name]["path"]}
    # The stylesheet, and the one that imports it (its bytes name the new fingerprint).
    assert renamed == {"css/base.css", "css/site.css"}
    files = project.files()
    assert {path: files[path] for path in old_files if path != "manifest.json"} == {
        path: data for path, data in old_files.items() if path != "manifest.json"
    }


# --- failures: every problem listed, a non-zero exit, the previous release in force ---


def test_a_failed_build_lists_every_problem_and_leaves_the_previous_release(
    project: Project,
) -> None:
    project.built()
    # A plain copy older than its source: collectstatic would delete it if the storage said it
    # existed, and this build fails, so nothing would put it back.
    plain = project.release / "favicon.ico"
    os.utime(plain, (plain.stat().st_mtime - 3600,) * 2)
    before = project.files()
    (project.root / "assets/css/site.css").write_text(
        "a { background: url(../img/none.png) }\nb { background: url(gone.gif) }\n"
    )
    done = project.collectstatic()
    assert done.returncode == 1
    assert "the build failed: 2 problems; the previous release is still in force" in done.stderr
    assert re.search(r"error: \S*assets/css/site\.css:1:\d+: \.\./img/none\.png", done.stderr)
    assert re.search(r"error: \S*assets/css/site\.css:2:\d+: gone\.gif", done.stderr)
    assert "Traceback" not in done.stderr
    assert project.files() == before


def test_a_config_file_that_sets_what_the_settings_say_is_refused(project: Project) -> None:
    (project.root / "assetbuild.toml").write_text('output = "elsewhere"\n')
    done = project.collectstatic()
    assert done.returncode == 2
    assert "assetbuild.toml: output: is set by Django's settings" in done.stderr
    assert not project.release.exists()


def test_a_finder_that_shows_no_directories_is_an_error_naming_it(project: Project) -> None:
    project.built()
    before = project.files()
    (project.root / "shop/extra").mkdir()
    (project.root / "shop/extra/extra.css").write_text("p { margin: 0 }\n")
    (project.root / "shop/finders.py").write_text(
        textwrap.dedent(
            """
            import os
            from django.contrib.staticfiles.finders import BaseFinder
            from django.core.files.storage import FileSystemStorage

            class ListingFinder(BaseFinder):
                def find(self, path, find_all=False):
                    return []

                def list(self, ignore_patterns):
                    here = os.path.join(os.path.dirname(__file__), "extra")
                    yield "extra.css", FileSystemStorage(location=here)
            """
        )
    )
    project.add_settings(
        """
        STATICFILES_FINDERS = [
            "django.contrib.staticfiles.finders.FileSystemFinder",
            "django.contrib.staticfiles.finders.AppDirectoriesFinder",
            "shop.finders.ListingFinder",
        ]
        """
    )
    done = project.collectstatic()
    assert done.returncode == 2, done.stderr
    assert "the staticfiles finder shop.finders.ListingFinder lists files" in done.stderr
    assert "remove it from STATICFILES_FINDERS" in done.stderr
    assert project.files() == before


def test_a_finder_that_lists_nothing_is_left_out(project: Project) -> None:
    (project.root / "shop/finders.py").write_text(
        "from django.contrib.staticfiles.finders import BaseStorageFinder\n"
        "from django.core.files.storage import FileSystemStorage\n"
        "class OutputFinder(BaseStorageFinder):  # django-compressor's finder is one of these\n"
        "    storage = FileSystemStorage(location='/nonexistent')\n"
        "    def list(self, ignore_patterns):\n"
        "        return []\n"
    )
    project.add_settings(
        """
        STATICFILES_FINDERS = [
            "django.contrib.staticfiles.finders.FileSystemFinder",
            "django.contrib.staticfiles.finders.AppDirectoriesFinder",
            "shop.finders.OutputFinder",
        ]
        """
    )
    assert "admin/css/base.css" in project.built()["assets"]


def test_without_static_root_collectstatic_says_so(project: Project) -> None:
    project.add_settings("STATIC_ROOT = None\n")
    done = project.collectstatic()
    assert done.returncode == 2
    assert "STATIC_ROOT: is not set; set it to the directory the release is built into" in (
        done.stderr
    )


def test_an_assetbuild_state_inside_static_root_is_refused(project: Project) -> None:
    project.add_settings('ASSETBUILD_STATE = STATIC_ROOT / "state"\n')
    done = project.collectstatic()
    assert done.returncode == 2
    assert "ASSETBUILD_STATE:" in done.stderr and "is inside STATIC_ROOT" in done.stderr


def test_assetbuild_state_moves_the_bookkeeping(project: Project) -> None:
    project.add_settings('ASSETBUILD_STATE = BASE_DIR / "state"\n')
    project.built()
    assert (project.root / "state" / "history").is_file()
    assert not project.state.exists()


def test_collectstatic_link_is_refused(project: Project) -> None:
    done = project.collectstatic("--link")
    assert done.returncode == 2
    assert "collectstatic --link put symlinks to sources into STATIC_ROOT" in done.stderr
    assert not (project.release / "manifest.json").exists()


def test_collectstatic_dry_run_writes_nothing(project: Project) -> None:
    done = project.collectstatic("--dry-run")
    assert done.returncode == 0, done.stderr
    assert not project.release.exists() and not project.state.exists()


def test_collectstatic_runs_with_a_broken_manifest_and_replaces_it(project: Project) -> None:
    project.release.mkdir(parents=True)
    (project.release / "manifest.json").write_text("{not json")
    assert "admin/css/base.css" in project.built()["assets"]
