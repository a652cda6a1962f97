"""``flask assetbuild publish`` and ``manage.py assetbuild publish``: the frameworks' commands
forward to the command line, with the release directory their settings name."""

from __future__ import annotations

from pathlib import Path

from assetbuild.manifest import FILENAME
from tests.runtime.django_project import make_project
from tests.runtime.flask_site import build, run, write_site


def test_flask_assetbuild_publish_uploads_the_app_s_release(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site")
    built = build(root)
    target = tmp_path / "published"

    done = run(root, "publish", target.as_uri())

    assert done.exit_code == 0, done.output
    assert "uploaded" in done.output
    assert (target / FILENAME).read_bytes() == built.read_bytes()


def test_manage_py_assetbuild_publish_uploads_static_root(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    project.built()
    target = tmp_path / "published"

    done = project.manage("assetbuild", "publish", target.as_uri())

    assert done.returncode == 0, done.stderr
    assert (target / FILENAME).read_bytes() == (project.release / FILENAME).read_bytes()
    checked = project.manage("assetbuild", "publish", target.as_uri(), "--check")
    assert checked.returncode == 0, checked.stderr
