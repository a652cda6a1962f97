"""Runtime figures: what reading a release costs a running app, next to what its peers cost.

    python bench/runtime.py --out FILE [--assetbuild MANIFEST] [--assetbuild-large MANIFEST]
        [--django-root DIR] [--django-large DIR] [--fsd-static DIR] [--budget SECONDS]

Owns: the in-process timings bench/run.py reports, each the median of 5 repeats of a loop
calibrated to last about ``--budget`` seconds (``timeit``, garbage collector off):
``Assets.url()`` and ``Assets.tag()`` per call; Django's ``static()`` with
``ManifestStaticFilesStorage`` and Flask-Static-Digest's ``static_url_for()`` per call; a template
with 10 asset tags per render, in Django (``{% static %}``, our ``{% asset_tag %}``, URLs
hard-coded), in Jinja2 (our globals, our extension's tags, URLs hard-coded) and in Flask
(Flask-Static-Digest's ``static_url_for``, our globals, our tags, 10 ``{% asset_url %}`` in
elements, URLs hard-coded); loading the large (x16) manifest with ``Assets`` and with Django's
storage. A page of ours is timed side by side with the same page hard-coded, in the same engine
(its loop and theirs in turn, each of the 5 rounds), and its row has the median of the rounds'
ratios (``ratio``, and in the note). Each figure that cannot be made (its peer not installed,
its release not built) is an entry with an ``error`` instead of a value; the others are still
made.

Runs with the peers' venv and ``PYTHONPATH`` at the project root, so that every framework is the
pinned one and assetbuild's runtime is the working tree's. Writes FILE only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

TAGS = 10
REPEAT = 5


def calibrated(function: Callable[[], object], budget: float) -> tuple[timeit.Timer, int]:
    """A timer of ``function`` and the number of calls that last about ``budget`` seconds."""
    timer = timeit.Timer(function)
    number = 1
    for _ in range(40):  # doubling at least: 2**40 calls is far beyond any budget
        spent = timer.timeit(number)
        if spent >= budget:
            break
        grow = budget / spent * 1.2 if spent > 0 else 10.0
        number = max(number * 2, int(number * min(grow, 100.0)))
    return timer, number


def per_call(function: Callable[[], object], budget: float) -> float:
    """Seconds per call of ``function``: median of ``REPEAT`` loops of about ``budget`` s each."""
    timer, number = calibrated(function, budget)
    return statistics.median(timer.repeat(REPEAT, number)) / number


def side_by_side(
    function: Callable[[], object], base: Callable[[], object], budget: float
) -> tuple[float, float]:
    """Seconds per call of ``function``, and its ratio to ``base``: ``REPEAT`` rounds of one loop
    of each in turn, so that load that comes and goes falls on both; medians over the rounds."""
    (timer, number), (base_timer, base_number) = (
        calibrated(function, budget),
        calibrated(base, budget),
    )
    times, ratios = [], []
    for _ in range(REPEAT):
        spent = timer.timeit(number) / number
        times.append(spent)
        ratios.append(spent / (base_timer.timeit(base_number) / base_number))
    return statistics.median(times), statistics.median(ratios)


class Figures:
    def __init__(self, budget: float) -> None:
        self.budget = budget
        self.rows: list[dict[str, Any]] = []

    def add(
        self, name: str, make: Callable[[], Callable[[], object]], unit: str = "us", note: str = ""
    ) -> None:
        """Time the function ``make()`` returns (``make`` does the setup, untimed)."""
        scale = {"us": 1e6, "ms": 1e3}[unit]
        try:
            function = make()
            function()  # warm: first-call caches are not what a long-running app pays
            value = per_call(function, self.budget) * scale
        except Exception as exc:  # a figure that cannot be made is reported, not fatal
            self.rows.append({"name": name, "error": f"{type(exc).__name__}: {exc}"})
            print(f"{name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return
        self.rows.append({"name": name, "value": value, "unit": unit, "note": note})

    def against(
        self,
        name: str,
        make: Callable[[], Callable[[], object]],
        make_base: Callable[[], Callable[[], object]],
        base: str,
        note: str = "",
    ) -> None:
        """Time ``make()`` side by side with ``make_base()`` (``base`` says what that is); the
        row is ours, in us, with the ratio."""
        try:
            function, base_function = make(), make_base()
            if function() != base_function():
                raise AssertionError(f"it does not render what {base} renders")
            value, ratio = side_by_side(function, base_function, self.budget)
        except Exception as exc:
            self.rows.append({"name": name, "error": f"{type(exc).__name__}: {exc}"})
            print(f"{name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return
        said = f"{ratio:.2f}x {base}, side by side"
        self.rows.append(
            {
                "name": name,
                "value": value * 1e6,
                "unit": "us",
                "ratio": ratio,
                "note": f"{said}; {note}" if note else said,
            }
        )


def _need(path: Path | None, what: str) -> Path:
    if path is None:
        raise LookupError(f"needs {what}")
    return path


def _names(manifest: Path) -> list[tuple[str, str]]:
    """``TAGS`` (bundle, its first source) pairs from a release: CSS and JS bundles alternating,
    repeated when there are fewer bundles than tags."""
    assets = json.loads(manifest.read_text(encoding="utf-8"))["assets"]
    bundles = sorted((n, e["sources"][0]) for n, e in assets.items() if e.get("sources"))
    css = [b for b in bundles if b[0].endswith(".css")]
    js = [b for b in bundles if b[0].endswith(".js")]
    mixed = [b for pair in zip(css, js, strict=False) for b in pair] or bundles
    mixed += [b for b in bundles if b not in mixed]
    if not mixed:
        raise LookupError(f"{manifest} has no bundles")
    return [mixed[i % len(mixed)] for i in range(TAGS)]


def _html(url: str, name: str) -> str:
    if name.endswith(".css"):
        return f'<link rel="stylesheet" href="{url}">'
    return f'<script src="{url}" defer></script>'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--assetbuild", type=Path, help="the x1 release's manifest.json")
    parser.add_argument("--assetbuild-large", type=Path, help="the x16 release's manifest.json")
    parser.add_argument("--django-root", type=Path, help="STATIC_ROOT of the x1 collectstatic")
    parser.add_argument("--django-large", type=Path, help="STATIC_ROOT of the x16 collectstatic")
    parser.add_argument("--fsd-static", type=Path, help="static folder Flask-Static-Digest made")
    parser.add_argument("--budget", type=float, default=0.2)
    args = parser.parse_args(argv)
    figures = Figures(args.budget)
    scratch = tempfile.TemporaryDirectory(prefix="assetbuild-bench-runtime-")
    manifest = _need(args.assetbuild, "the x1 assetbuild release (tool assetbuild)")
    names = _names(manifest)
    first = names[0]

    from assetbuild.runtime import Assets

    assets = Assets(manifest)
    figures.add("assetbuild Assets.url() per call", lambda: lambda: assets.url(first[0]))
    figures.add("assetbuild Assets.tag() per call", lambda: lambda: assets.tag(first[0]))

    # Django: one settings for both its own storage and our template tags.
    django_root = args.django_root or Path(scratch.name)
    try:
        import django
        from django.conf import settings

        settings.configure(
            DEBUG=False,
            SECRET_KEY="bench-only",
            USE_TZ=True,
            INSTALLED_APPS=["django.contrib.staticfiles", "assetbuild.runtime.django"],
            STATIC_URL="/static/",
            STATIC_ROOT=str(django_root),
            STORAGES={
                "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {
                    "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
                },
            },
            ASSETBUILD_MANIFEST=str(manifest),
            TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
        )
        django.setup()
        django_error = ""
    except Exception as exc:
        django_error = f"{type(exc).__name__}: {exc}"

    def django_ready(with_storage: bool) -> None:
        if django_error:
            raise RuntimeError(django_error)
        if with_storage:
            _need(args.django_root, "the x1 collectstatic output (tool django)")

    def django_static() -> Callable[[], object]:
        django_ready(True)
        from django.templatetags.static import static

        return lambda: static(first[1])

    def django_template(source: str) -> Callable[[], Callable[[], object]]:
        def make() -> Callable[[], object]:
            from django.template import engines

            template = engines["django"].from_string(source)
            return lambda: template.render({})

        return make

    figures.add("Django static() per call (ManifestStaticFilesStorage)", django_static)

    hard_coded = "\n".join(str(assets.tag(n)) for n, _ in names)
    django_static_page = "{% load static %}" + "\n".join(
        _html(f"{{% static '{source}' %}}", source) for _, source in names
    )
    django_ours_page = "{% load assetbuild %}" + "\n".join(
        f'{{% asset_tag "{n}" %}}' for n, _ in names
    )
    same_page = "the same page hard-coded"

    def django_page(source: str, with_storage: bool) -> Callable[[], Callable[[], object]]:
        def make() -> Callable[[], object]:
            django_ready(with_storage)
            return django_template(source)()

        return make

    def django_hard(page: str, with_storage: bool) -> Callable[[], Callable[[], object]]:
        """The page ``page`` renders, as a template of its own: the same page, hard-coded."""

        def make() -> Callable[[], object]:
            django_ready(with_storage)
            return django_template(str(django_template(page)()()))()

        return make

    figures.against(
        "Django template, 10 {% static %} tags, per render",
        django_page(django_static_page, True),
        django_hard(django_static_page, True),
        same_page,
    )
    figures.against(
        "Django template, 10 {% asset_tag %} (assetbuild), per render",
        django_page(django_ours_page, False),
        django_hard(django_ours_page, False),
        same_page,
        note="with integrity= and crossorigin=",
    )
    figures.add("Django template, 10 tags hard-coded, per render", django_page(hard_coded, False))

    def jinja(source: str) -> Callable[[], Callable[[], object]]:
        def make() -> Callable[[], object]:
            from jinja2 import Environment

            from assetbuild.runtime.jinja import install

            env = Environment(autoescape=True)
            install(env, assets)
            template = env.from_string(source)
            return lambda: template.render()

        return make

    jinja_globals_page = "\n".join(f'{{{{ asset_tag("{n}") }}}}' for n, _ in names)
    jinja_tags_page = "\n".join(f'{{% asset_tag "{n}" %}}' for n, _ in names)
    jinja_url_page = "\n".join(_html(f'{{% asset_url "{n}" %}}', n) for n, _ in names)
    figures.against(
        "Jinja2 template, 10 {{ asset_tag() }} (assetbuild globals), per render",
        jinja(jinja_globals_page),
        jinja(hard_coded),
        same_page,
        note="with integrity= and crossorigin=",
    )
    figures.against(
        "Jinja2 template, 10 {% asset_tag %} (assetbuild extension), per render",
        jinja(jinja_tags_page),
        jinja(hard_coded),
        same_page,
        note="with integrity= and crossorigin=",
    )
    figures.add("Jinja2 template, 10 tags hard-coded, per render", jinja(hard_coded))

    # Flask: Flask-Static-Digest's static_url_for against our globals and tags, each in an app
    # of its own.
    def flask_app(digested: bool = True) -> Any:
        from flask import Flask
        from flask_static_digest import FlaskStaticDigest

        from assetbuild.runtime.flask import AssetBuild

        if digested:
            what = "the x1 Flask-Static-Digest output (tool flask-static-digest)"
            static = _need(args.fsd_static, what)
        else:
            static = Path(scratch.name)  # our globals read our manifest, not the static folder
        app = Flask("bench", static_folder=str(static), static_url_path="/static")
        app.config["ASSETBUILD_MANIFEST"] = str(manifest)
        # One extension per app: AssetBuild answers url_for("static", ...) from its manifest,
        # which knows none of the names Flask-Static-Digest's static_url_for passes it.
        digest = FlaskStaticDigest(app) if digested else None
        if not digested:
            AssetBuild(app)
        context = app.test_request_context("/")
        context.push()  # popped when the process ends
        return app, digest

    def fsd_call() -> Callable[[], object]:
        _, digest = flask_app()
        assert digest is not None
        return lambda: digest.static_url_for("static", filename=first[1])

    def flask_template(source: str, digested: bool) -> Callable[[], Callable[[], object]]:
        def make() -> Callable[[], object]:
            app, _ = flask_app(digested)
            template = app.jinja_env.from_string(source)
            return lambda: template.render()

        return make

    def flask_hard(page: str) -> Callable[[], Callable[[], object]]:
        """The page ``page`` renders, as a template of the same app: the same page, hard-coded."""

        def make() -> Callable[[], object]:
            return flask_template(str(flask_template(page, False)()()), False)()

        return make

    figures.add("Flask-Static-Digest static_url_for() per call", fsd_call)
    fsd_page = "\n".join(
        _html(f"{{{{ static_url_for('static', filename='{source}') }}}}", source)
        for _, source in names
    )
    figures.add(
        "Flask template, 10 static_url_for() (Flask-Static-Digest), per render",
        flask_template(fsd_page, True),
    )
    for what, page in [
        ("10 {{ asset_tag() }} (assetbuild globals)", jinja_globals_page),
        ("10 {% asset_tag %} (assetbuild extension)", jinja_tags_page),
        ("10 elements with {% asset_url %} (assetbuild extension)", jinja_url_page),
    ]:
        figures.against(
            f"Flask template, {what}, per render",
            flask_template(page, False),
            flask_hard(page),
            same_page,
        )
    figures.add("Flask template, 10 tags hard-coded, per render", flask_template(hard_coded, False))

    def load_large() -> Callable[[], object]:
        path = _need(args.assetbuild_large, "the x16 assetbuild release")
        return lambda: Assets(path)

    large_note = ""
    if args.assetbuild_large is not None:
        large = json.loads(args.assetbuild_large.read_text(encoding="utf-8"))["assets"]
        large_note = f"{len(large)} assets, {args.assetbuild_large.stat().st_size / 2**20:.1f} MiB"
    figures.add("assetbuild Assets() loading the x16 manifest", load_large, "ms", large_note)

    def load_large_django() -> Callable[[], object]:
        django_ready(False)
        root = _need(args.django_large, "the x16 collectstatic output (tool django at x16)")
        from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

        return lambda: ManifestStaticFilesStorage(location=str(root))

    figures.add(
        "Django ManifestStaticFilesStorage loading its x16 manifest", load_large_django, "ms"
    )

    args.out.write_text(json.dumps(figures.rows, indent=1) + "\n", encoding="utf-8")
    scratch.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
