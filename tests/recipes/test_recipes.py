"""The recipes in docs/ work as written: each file in docs/recipes is run here as far as this
machine allows, and the docs show each file as it is tested.

- Dockerfile: no Docker engine here, so the build stage's instructions (WORKDIR, COPY, RUN) are
  replayed in a clean virtualenv, and the final stage's claim (the runtime needs only markupsafe)
  is checked with an interpreter that has nothing else.
- assets.yml (GitHub Actions): parsed, its steps checked in order, its commands run in-process.
- nginx.conf: nginx checks it (`nginx -t`) and then serves a release with it.
- flask_app.py: `flask assetbuild build` builds its release, and its own static routes serve it.
- flask_whitenoise.py, django_settings.py: WhiteNoise serves a release with them.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import runpy
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml

from tests.conftest import FIXTURES, invoke

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
RECIPES = DOCS / "recipes"
ON_CI = os.environ.get("CI") == "true"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")


def copy_site(target: Path) -> Path:
    """fixtures/site's sources and assetbuild.toml (output = "build/static"), without a release."""
    shutil.copytree(FIXTURES / "site", target, ignore=shutil.ignore_patterns("build"))
    return target


def build_site(target: Path, *args: str) -> dict[str, Any]:
    result = invoke(target, "build", *args)
    assert result.exit_code == 0, result.output
    output = Path(args[args.index("--output") + 1]) if "--output" in args else Path("build/static")
    manifest: dict[str, Any] = json.loads((target / output / "manifest.json").read_text("utf-8"))
    return manifest


def recipe_body(name: str) -> str:
    """A recipe file without its leading comment block (which says where it is tested)."""
    lines = (RECIPES / name).read_text("utf-8").splitlines(keepends=True)
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    return "".join(lines)


@pytest.mark.parametrize(
    ("doc", "recipe"),
    [
        ("docker.md", "Dockerfile"),
        ("github-actions.md", "assets.yml"),
        ("serving.md", "nginx.conf"),
        ("serving.md", "flask_app.py"),
        ("serving.md", "flask_whitenoise.py"),
        ("serving.md", "django_settings.py"),
    ],
)
def test_each_doc_shows_its_recipe_file_as_it_is_tested(doc: str, recipe: str) -> None:
    assert recipe_body(recipe) in (DOCS / doc).read_text("utf-8")


def test_the_readme_links_every_recipe() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    recipes = readme[readme.index("## Recipes") :]
    for doc in ("docker.md", "github-actions.md", "serving.md", "migrating.md"):
        assert f"(docs/{doc})" in recipes
        assert (DOCS / doc).is_file()


# -- Dockerfile -----------------------------------------------------------------------------------


@dataclass
class Stage:
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)  # (INSTRUCTION, arguments)


def parse_dockerfile(text: str) -> tuple[dict[str, str], list[Stage]]:
    """The global ARG defaults and the stages: instructions with line continuations joined."""
    logical: list[str] = []
    pending = ""
    for line in text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.strip().partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "FROM":
            match = re.search(r"\s+AS\s+(\S+)$", rest, re.IGNORECASE)
            stages.append(Stage(match.group(1) if match else None))
        elif not stages and keyword == "ARG":
            name, _, default = rest.partition("=")
            args[name] = default
        else:
            stages[-1].instructions.append((keyword, rest))
    return args, stages


def expand(text: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: variables[m.group(1) or m.group(2)], text)


def install_from_checkout(command: str, checkout: Path) -> str:
    """``pip install ... assetbuild==X ...`` with assetbuild taken from this checkout instead."""
    parts = []
    for part in command.split("&&"):
        if re.search(r"\bpip install\b", part):
            part = re.sub(
                r"""["']?assetbuild(\[[^\]]*\])?(==[^\s"']+)?["']?""", str(checkout), part
            )
        parts.append(part)
    return "&&".join(parts)


@pytest.fixture(scope="module")
def dockerfile() -> tuple[dict[str, str], list[Stage]]:
    return parse_dockerfile((RECIPES / "Dockerfile").read_text("utf-8"))


def test_the_dockerfile_has_a_build_stage_and_a_final_stage_that_copies_the_release(
    dockerfile: tuple[dict[str, str], list[Stage]],
) -> None:
    _, stages = dockerfile
    assert [stage.name for stage in stages] == ["assets", None]
    build_runs = [args for keyword, args in stages[0].instructions if keyword == "RUN"]
    assert any("assetbuild build" in run for run in build_runs)
    final = stages[1].instructions
    assert ("COPY", "--from=assets /app/build/static/ build/static/") in final
    assert ("ENV", "ASSETBUILD_MANIFEST=/app/build/static/manifest.json") in final
    # The final image installs assetbuild without its build-stage dependencies.
    (install,) = [args for keyword, args in final if keyword == "RUN" and "assetbuild" in args]
    assert "--no-deps" in install and "markupsafe" in install


@pytest.mark.slow
def test_the_build_stage_of_the_dockerfile_builds_the_release_in_a_clean_virtualenv(
    tmp_path: Path, dockerfile: tuple[dict[str, str], list[Stage]]
) -> None:
    global_args, stages = dockerfile
    build_stage = stages[0]
    context = copy_site(tmp_path / "context")  # what `docker build .` would send
    checkout = tmp_path / "checkout"  # a copy, so that pip's build leaves the repository alone
    shutil.copytree(
        REPO / "assetbuild", checkout / "assetbuild", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, checkout / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    root = tmp_path / "image"  # the container's file system
    variables = dict(global_args)
    environment = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    environment.pop("PYTHONPATH", None)
    workdir = root
    for keyword, args in build_stage.instructions:
        if keyword == "ARG":
            name, _, default = args.partition("=")
            variables.setdefault(name, default)
        elif keyword == "WORKDIR":
            workdir = root / args.lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            *sources, destination = shlex.split(args)
            for source in sources:
                origin, target = context / source, workdir / destination
                if origin.is_dir():
                    shutil.copytree(origin, target, dirs_exist_ok=True)
                else:
                    shutil.copy(origin, target)
        elif keyword == "RUN":
            command = install_from_checkout(expand(args, variables), checkout)
            done = subprocess.run(
                ["sh", "-c", command],
                cwd=workdir,
                env={**environment, **variables},
                capture_output=True,
                text=True,
            )
            assert done.returncode == 0, f"RUN {command}\n{done.stdout}\n{done.stderr}"
        else:
            raise AssertionError(f"the test does not replay {keyword} yet")

    # The final stage copies /app/build/static from this one: it is there, and verified.
    copied = [a for k, a in stages[1].instructions if k == "COPY" and a.startswith("--from=assets")]
    release = root / shlex.split(copied[0])[1].lstrip("/")
    manifest = json.loads((release / "manifest.json").read_text("utf-8"))
    assert {"css/app.css", "js/app.js"} <= set(manifest["assets"])

    # The final stage has assetbuild and markupsafe only: an interpreter without site-packages,
    # with just those two on its path, renders tags from that release, and has nothing else.
    site_packages = subprocess.run(
        [
            str(venv / "bin/python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    runtime = tmp_path / "runtime"
    for package in ("assetbuild", "markupsafe"):
        shutil.copytree(Path(site_packages) / package, runtime / package)
    probe = """
import importlib.util, json, sys
from assetbuild.runtime import Assets
assets = Assets(sys.argv[1])
missing = [m for m in ("click", "webassets", "rcssmin", "rjsmin", "brotli", "jinja2", "yaml")
           if importlib.util.find_spec(m) is None]
print(json.dumps({"tag": str(assets.tag("css/app.css")), "missing": missing, "path": sys.path}))
"""
    done = subprocess.run(
        [sys.executable, "-S", "-c", probe, str(release / "manifest.json")],
        env={"PYTHONPATH": str(runtime), "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["tag"].startswith('<link rel="stylesheet" href="/static/css/app.')
    assert report["missing"] == [
        "click",
        "webassets",
        "rcssmin",
        "rjsmin",
        "brotli",
        "jinja2",
        "yaml",
    ]
    assert not [entry for entry in report["path"] if "site-packages" in entry]


# -- GitHub Actions -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((RECIPES / "assets.yml").read_text("utf-8"))
    return loaded


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    (job,) = workflow["jobs"].values()
    found: list[dict[str, Any]] = job["steps"]
    return found


def test_the_workflow_runs_on_push_and_pull_request(workflow: dict[Any, Any]) -> None:
    # YAML 1.1 reads a bare `on` key as True; GitHub reads it as "on".
    triggers = workflow.get("on", workflow.get(True))
    assert set(triggers) == {"push", "pull_request"}


def test_the_workflow_checks_out_installs_builds_verifies_and_uploads_in_that_order(
    workflow: dict[Any, Any],
) -> None:
    shape = [
        step.get("uses", "").split("@")[0] or step["run"].split()[:2] for step in steps(workflow)
    ]
    assert shape == [
        "actions/checkout",
        "actions/setup-python",
        ["pip", "install"],
        ["assetbuild", "build"],
        ["assetbuild", "verify"],
        "actions/upload-artifact",
        "actions/upload-artifact",
    ]
    assert "assetbuild" in steps(workflow)[2]["run"]


def test_the_workflow_commands_are_accepted_by_our_cli_and_upload_the_release(
    tmp_path: Path, workflow: dict[Any, Any]
) -> None:
    site = copy_site(tmp_path / "checkout")
    for step in steps(workflow):
        command = shlex.split(step.get("run", ""))
        if command[:1] != ["assetbuild"]:
            continue
        assert invoke(site, *command[1:], "--help").exit_code == 0
        result = invoke(site, *command[1:])
        assert result.exit_code == 0, f"{step['run']}: {result.output}"
    release, report = (step["with"] for step in steps(workflow)[-2:])
    assert (site / release["path"] / "manifest.json").is_file()
    assert (site / report["path"]).is_file()  # the HTML report, beside the release
    assert not (site / report["path"]).is_relative_to(site / release["path"])
    assert release["if-no-files-found"] == report["if-no-files-found"] == "error"


# -- nginx ----------------------------------------------------------------------------------------


def nginx() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None
    )
    if found is None:
        message = "nginx is not installed (scripts/system-deps.sh installs it as root)"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


def need_brotli_module() -> None:
    if not BROTLI_MODULE.exists():
        message = f"{BROTLI_MODULE} is missing (Debian: libnginx-mod-http-brotli-static)"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def nginx_config(tmp: Path, port: int, *, brotli: bool) -> Path:
    """A whole nginx.conf around the recipe's server block: every path in ``tmp``, no root needed."""
    server = (RECIPES / "nginx.conf").read_text("utf-8")
    server = server.replace("/srv/myapp", str(tmp / "srv/myapp"))
    server = server.replace("listen 80;", f"listen 127.0.0.1:{port};")
    if not brotli:
        server = "".join(
            line for line in server.splitlines(True) if "brotli_static on;" not in line
        )
    temp_paths = "\n".join(
        f"    {kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = tmp / "nginx.conf"
    config.write_text(
        f"""daemon off;
master_process off;
pid {tmp / "nginx.pid"};
error_log {tmp / "error.log"};
{f"load_module {BROTLI_MODULE};" if brotli else ""}
events {{}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
{temp_paths}
{server}
}}
""",
        encoding="utf-8",
    )
    return config


def nginx_command(tmp: Path, config: Path) -> list[str]:
    return [nginx(), "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(config)]


@pytest.mark.parametrize("brotli", [True, False], ids=["with brotli_static", "gzip_static only"])
def test_nginx_accepts_the_recipe(tmp_path: Path, brotli: bool) -> None:
    if brotli:
        need_brotli_module()
    config = nginx_config(tmp_path, free_port(), brotli=brotli)
    done = subprocess.run([*nginx_command(tmp_path, config), "-t"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


@pytest.fixture
def served_by_nginx(tmp_path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """nginx running the recipe (with brotli_static) on a free port, over fixtures/site's release."""
    need_brotli_module()
    manifest = build_site(copy_site(tmp_path / "srv/myapp"))
    port = free_port()
    config = nginx_config(tmp_path, port, brotli=True)
    server = subprocess.Popen(nginx_command(tmp_path, config), stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            assert server.poll() is None, (tmp_path / "error.log").read_text("utf-8")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not start listening"
                time.sleep(0.05)
        yield port, manifest
    finally:
        server.terminate()
        server.wait(timeout=10)
        assert server.stderr is not None
        server.stderr.close()


def get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("accept", "encoding"), [("br, gzip", "br"), ("gzip", "gzip"), ("identity", None)]
)
def test_nginx_serves_the_precompressed_variant_the_browser_accepts_as_immutable(
    served_by_nginx: tuple[int, dict[str, Any]], tmp_path: Path, accept: str, encoding: str | None
) -> None:
    port, manifest = served_by_nginx
    entry = manifest["assets"]["css/app.css"]
    status, headers, body = get(port, f"/static/{entry['path']}", **{"Accept-Encoding": accept})
    assert status == 200
    assert headers.get("content-encoding") == encoding
    assert headers["content-type"] == "text/css"
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["vary"] == "Accept-Encoding"
    served = entry["encodings"][encoding] if encoding else entry["path"]
    assert body == (tmp_path / "srv/myapp/build/static" / served).read_bytes()


def test_nginx_marks_every_fingerprinted_file_immutable_but_not_the_manifest(
    served_by_nginx: tuple[int, dict[str, Any]],
) -> None:
    port, manifest = served_by_nginx
    for entry in manifest["assets"].values():
        status, headers, _ = get(port, "/static/" + quote(entry["path"]))
        assert (status, headers["cache-control"]) == (200, "public, max-age=31536000, immutable")
    status, headers, _ = get(port, "/static/manifest.json")
    assert (status, headers["cache-control"]) == (200, "no-cache")


# What a release may hold under a dot-path, and no server may hand out: an older build's
# bookkeeping (.assetbuild/, with its build cache), a killed build's temporary file, any dotfile.
DOT_PATHS = (".assetbuild/cache.json", ".assetbuild/history", ".tmp-123-4", "css/.secret")


def put_dot_paths(release: Path) -> None:
    for name in DOT_PATHS:
        (release / name).parent.mkdir(parents=True, exist_ok=True)
        (release / name).write_text("not for the public\n")


def test_nginx_refuses_every_dot_path(
    served_by_nginx: tuple[int, dict[str, Any]], tmp_path: Path
) -> None:
    port, _ = served_by_nginx
    put_dot_paths(tmp_path / "srv/myapp/build/static")
    for name in DOT_PATHS:
        assert get(port, f"/static/{name}")[0] == 404, name


# -- Flask's own static routes --------------------------------------------------------------------

FLASK_PROBE = """
import json
from app import app

client = app.test_client()
found = {"page": client.get("/").get_data(as_text=True),
         "admin": client.get("/admin/").get_data(as_text=True)}
for url in [found["admin"].split('href="')[1].split('"')[0], "/static/manifest.json",
            "/static/css/site.css", "/admin/static/admin.css", "/static/.assetbuild/cache.json",
            "/static/.tmp-123-4", "/static/css/.secret"]:
    response = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    found[url] = [response.status_code, dict(response.headers), len(response.get_data())]
    response.close()
print(json.dumps(found))
"""


def test_the_flask_recipe_builds_with_flask_assetbuild_and_serves_the_release_itself(
    tmp_path: Path,
) -> None:
    app_dir = tmp_path / "myapp"
    shutil.copytree(FIXTURES / "site/static", app_dir / "static")
    config = (FIXTURES / "site/assetbuild.toml").read_text("utf-8")
    # The app says where the sources, the release and its URL are; the file keeps the rest.
    config = re.sub(r"(?m)^(source|output|url) = .*\n", "", config)
    (app_dir / "assetbuild.toml").write_text(config, encoding="utf-8")
    (app_dir / "admin_static").mkdir()
    (app_dir / "admin_static/admin.css").write_text(".admin { color: red }\n" * 20)
    shutil.copy(RECIPES / "flask_app.py", app_dir / "app.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSETBUILD_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"

    def python(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args],
            cwd=app_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    built = python("-m", "flask", "--app", "app", "assetbuild", "build")
    assert built.returncode == 0, built.stderr
    manifest = json.loads((app_dir / "build/static/manifest.json").read_text("utf-8"))
    assets = manifest["assets"]
    put_dot_paths(app_dir / "build/static")
    probe = python("-c", FLASK_PROBE)
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout.splitlines()[-1])
    assert f'href="/static/{assets["css/app.css"]["path"]}"' in found["page"]
    assert f'src="/static/{assets["img/logo.png"]["path"]}"' in found["page"]
    admin_css = "/static/" + assets["admin/admin.css"]["path"]
    assert found["admin"] == f'<link rel="stylesheet" href="{admin_css}">'
    status, headers, size = found[admin_css]
    assert status == 200 and headers["Content-Encoding"] == "br"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert (
        size
        == (app_dir / "build/static" / assets["admin/admin.css"]["encodings"]["br"]).stat().st_size
    )
    assert found["/static/manifest.json"][1]["Cache-Control"] == "no-cache"
    # The sources, the app's and the blueprint's, are not served.
    assert found["/static/css/site.css"][0] == 404
    assert found["/admin/static/admin.css"][0] == 404
    for name in (".assetbuild/cache.json", ".tmp-123-4", "css/.secret"):
        assert found[f"/static/{name}"][0] == 404, name


# -- WhiteNoise -----------------------------------------------------------------------------------


def test_the_flask_recipe_serves_the_release_with_whitenoise(tmp_path: Path) -> None:
    app_dir = copy_site(tmp_path / "myapp")
    manifest = build_site(app_dir)
    assert not list((app_dir / "build/static").rglob(".*"))  # the state is beside it
    put_dot_paths(app_dir / "build/static")
    shutil.copy(RECIPES / "flask_whitenoise.py", app_dir / "app.py")
    app = runpy.run_path(str(app_dir / "app.py"))["app"]
    client = app.test_client()

    page = client.get("/").get_data(as_text=True)
    css = manifest["assets"]["css/app.css"]
    assert f'href="/static/{css["path"]}"' in page

    response = client.get(f"/static/{css['path']}", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response.data == (app_dir / "build/static" / css["encodings"]["br"]).read_bytes()
    response.close()

    response = client.get("/static/manifest.json")
    assert response.headers["Cache-Control"] == "no-cache"
    response.close()
    # Flask's own /static/ route is off: the sources are not served.
    assert client.get("/static/css/site.css").status_code == 404
    for name in DOT_PATHS:
        assert client.get(f"/static/{name}").status_code == 404, name


DJANGO_PROJECT_EXTRAS = """
# What every project has besides the recipe's parts (tests/recipes/test_recipes.py).
SECRET_KEY = "tests-only"
ROOT_URLCONF = "mysite.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
"""

DJANGO_PROBE = """
import json
from django.template import Context, Template
from whitenoise.middleware import WhiteNoiseMiddleware

middleware = WhiteNoiseMiddleware(lambda request: None)
found = {}
for name in ("css/app.css", "js/app.js", "img/logo.png", "admin/css/base.css"):
    url = Template("{% load static %}{% static name %}").render(Context({"name": name}))
    response = middleware.files[url].get_response("GET", {"HTTP_ACCEPT_ENCODING": "gzip, br"})
    found[name] = [url, dict(response.headers)]
    response.file.close()
response = middleware.files["/static/manifest.json"].get_response("GET", {})
found["manifest.json"] = ["/static/manifest.json", dict(response.headers)]
response.file.close()
print(json.dumps(found))
"""


def test_the_django_settings_build_the_release_with_collectstatic_and_serve_it_with_whitenoise(
    tmp_path: Path,
) -> None:
    project = copy_site(tmp_path / "project")
    config = (project / "assetbuild.toml").read_text("utf-8")
    # Next to manage.py, the file says what the settings do not: no source, output or url.
    config = re.sub(r"^(source|output|url) = .*\n", "", config, flags=re.MULTILINE)
    (project / "assetbuild.toml").write_text(config, "utf-8")
    (project / "mysite").mkdir()
    (project / "mysite/__init__.py").write_text("")
    (project / "mysite/urls.py").write_text(
        "from django.contrib import admin\nfrom django.urls import path\n"
        "urlpatterns = [path('admin/', admin.site.urls)]\n"
    )
    recipe = (RECIPES / "django_settings.py").read_text("utf-8")
    (project / "mysite/settings.py").write_text(recipe + DJANGO_PROJECT_EXTRAS, "utf-8")
    (project / "manage.py").write_text(
        "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n"
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(sys.argv)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSETBUILD_", "DJANGO_"))}

    def manage(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    built = manage("collectstatic", "--noinput")
    assert built.returncode == 0, built.stderr
    manifest = json.loads((project / "staticfiles/manifest.json").read_text("utf-8"))
    assert {"css/app.css", "js/app.js", "admin/css/base.css"} <= set(manifest["assets"])
    assert not (project / "staticfiles/.assetbuild").exists()  # the state is beside it
    probed = manage("shell", "-c", DJANGO_PROBE)
    assert probed.returncode == 0, probed.stderr
    found = json.loads(probed.stdout.splitlines()[-1])
    for name in ("css/app.css", "js/app.js", "img/logo.png", "admin/css/base.css"):
        url, headers = found[name]
        assert url == "/static/" + manifest["assets"][name]["path"], name
        assert headers["Cache-Control"] == "max-age=315360000, public, immutable", name
        if name in ("css/app.css", "js/app.js"):
            assert headers["Content-Encoding"] == "br", name
    assert found["manifest.json"][1]["Cache-Control"] == "no-cache"
