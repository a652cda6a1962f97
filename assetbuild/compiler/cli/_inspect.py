"""The commands that read a release or an app and judge it: check-templates, inspect, report,
doctor.

Owns: their arguments, what they print, and exit status 1 for a finding.
Must not: scan templates, render a report or examine settings itself.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from assetbuild.compiler.cli._root import (
    EXIT_FAILED,
    config_option,
    debug_option,
    framework_defaults,
    main,
    run,
    warn,
)
from assetbuild.errors import ConfigError


@main.command("check-templates")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@config_option
@click.option(
    "--manifest",
    "manifest_path",
    type=click.Path(path_type=Path),
    help="The manifest.json (or release directory) to check against (default: the config's).",
)
@click.option("--verbose", "-v", is_flag=True, help="List the lookups whose name is not a literal.")
@debug_option
def check_templates(
    paths: tuple[Path, ...],
    config_path: Path | None,
    manifest_path: Path | None,
    verbose: bool,
    debug: bool,
) -> None:
    """Check that every asset name the templates in PATHS use literally is in the manifest.

    PATHS are directories (searched for *.html, *.jinja, *.jinja2, *.j2, *.txt and *.xml) or files.
    The names are those of asset_url, asset_tag, asset_preload, asset_integrity, Flask's
    url_for("static" or "<blueprint>.static", filename=...) and Django's {% static %}; a
    webassets {% assets %} block is a problem, with the tag to write instead; a literal URL
    under the release's prefix (href="/static/...") is a warning.
    """
    from assetbuild.compiler.commands.check_templates import check
    from assetbuild.manifest import FILENAME, load

    if manifest_path is not None and config_path is not None:
        raise click.UsageError("give --manifest or --config, not both")

    def action() -> Any:
        if manifest_path is None:
            from assetbuild.compiler.config import load_config

            target = load_config(config_path, defaults=framework_defaults()).output / FILENAME
        else:
            target = manifest_path / FILENAME if manifest_path.is_dir() else manifest_path
        manifest = load(target)
        # Every runtime lookup accepts an alias where it accepts a logical path.
        names = {*manifest.assets, *manifest.aliases}
        return target, check(paths, names, url=manifest.url, aliases=manifest.aliases)

    target, result = run(debug, action)
    names = len(result.checked)
    counted = f"{names} asset name{'s' if names != 1 else ''} in {result.files} template"
    counted += "s" if result.files != 1 else ""
    if verbose:
        for lookup in result.skipped:
            where = f"{lookup.file}:{lookup.line}:{lookup.column}"
            used = "{% static %}" if lookup.function == "static" else f"{lookup.function}()"
            click.echo(f"note: {where}: {used} of a name that is not a literal", err=True)
        skipped = len(result.skipped)
        counted += f" ({skipped} not literal{'s' if skipped != 1 else ''}, not checked)"
    if result.files == 0:
        click.echo(f"warning: no templates in {', '.join(map(str, paths))}", err=True)
    warn(result.warnings)
    if result.problems:
        warn(result.problems)
        count = len(result.problems)
        click.echo(
            f"check failed: {count} problem{'s' if count != 1 else ''}; {counted}, "
            f"checked against {target}",
            err=True,
        )
        sys.exit(EXIT_FAILED)
    click.echo(f"{counted}: all in {target}")


@main.command()
@click.option(
    "--django-settings",
    "django_settings",
    metavar="MODULE",
    help="The Django settings module to examine (as DJANGO_SETTINGS_MODULE), from this directory.",
)
@click.option(
    "--flask-app",
    "flask_app",
    metavar="APP",
    help="The Flask app to examine, as `flask --app` names it (module, module:app, "
    "module:create_app()).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@debug_option
def doctor(django_settings: str | None, flask_app: str | None, as_json: bool, debug: bool) -> None:
    """Report what keeps the app from running as stateless, share-nothing processes
    (twelve-factor VI): asset compilers at run time, sessions and caches in process memory or
    on local disk, a static root the app writes into. Exit status 1 when there is such a
    finding, 0 otherwise, 2 when the settings or the app cannot be loaded. See
    docs/twelve-factor.md.
    """
    from assetbuild.compiler.commands.doctor import examine_django, examine_flask
    from assetbuild.doctor import report
    from assetbuild.doctor.finding import fails

    if (django_settings is None) == (flask_app is None):
        raise click.UsageError("give --django-settings MODULE or --flask-app APP (one of them)")

    def action() -> Any:
        if django_settings is not None:
            return examine_django(django_settings)
        assert flask_app is not None
        return examine_flask(flask_app)

    examined = run(debug, action)
    findings, target = examined.findings, examined.target
    if as_json:
        click.echo(report.as_json(findings, target))
    else:
        for line in report.lines(findings):
            click.echo(line)
    click.echo(report.summary(findings, target), err=True)
    if fails(findings):
        sys.exit(EXIT_FAILED)


@main.command()
@click.argument("name")
@config_option
@click.option(
    "--output", type=click.Path(path_type=Path, file_okay=False), help="Release directory."
)
@debug_option
def inspect(name: str, config_path: Path | None, output: Path | None, debug: bool) -> None:
    """Show where the logical path NAME comes from: inputs, filters, references in and out, sizes."""
    from assetbuild.compiler.assembly import prepare
    from assetbuild.compiler.commands.inspection import describe, inspect_asset
    from assetbuild.compiler.config import load_config

    def action() -> Any:
        config = load_config(config_path, output=output, defaults=framework_defaults())
        return config, inspect_asset(prepare(config), name)

    config, found = run(debug, action)
    click.echo(describe(found, config.output))


@main.command()
@config_option
@click.option(
    "--manifest",
    "manifest_path",
    type=click.Path(path_type=Path),
    help="The manifest.json (or release directory) to report on, with no config: then the "
    "bundles' inputs are not measured and no budget is shown.",
)
@click.option(
    "-o",
    "--output",
    "target",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("report.html"),
    show_default=True,
    help="The HTML file to write; never inside the release directory.",
)
@click.option(
    "--against",
    type=click.Path(path_type=Path),
    help="Compare with this manifest.json (or release directory) instead of the previous "
    "build in the release's history.",
)
@debug_option
def report(
    config_path: Path | None,
    manifest_path: Path | None,
    target: Path,
    against: Path | None,
    debug: bool,
) -> None:
    """Write one self-contained HTML page of the release: a treemap of every asset (bundles
    divided into their inputs; raw, minified, gzip and brotli sizes), a sortable table of every
    asset, the change against the previous build, and the budgets.

    The page fetches nothing (it works opened from disk or from a CI artifact) and has the same
    bytes for the same release. Exit status 2 when there is no release to report on.
    """
    from assetbuild.compiler.commands.report import (
        check_target,
        render,
        report_release,
        write_report,
    )
    from assetbuild.manifest import FILENAME

    if manifest_path is not None and config_path is not None:
        raise click.UsageError("give --manifest or --config, not both")

    def action() -> Any:
        if manifest_path is None:
            from assetbuild.compiler.config import load_config

            config = load_config(config_path, defaults=framework_defaults())
            release, state = config.output, config.state
        else:
            config = None
            if manifest_path.is_file() and manifest_path.name != FILENAME:
                raise ConfigError(
                    f"{manifest_path}: name a release's {FILENAME} or its directory (the "
                    "release's files are read beside it)",
                    key="--manifest",
                )
            is_file = manifest_path.name == FILENAME and not manifest_path.is_dir()
            release, state = (manifest_path.parent if is_file else manifest_path), None
        check_target(target, release)
        made = report_release(release, config=config, state=state, against=against)
        return made, write_report(target, render(made))

    made, written = run(debug, action)
    click.echo(f"report {written}: {len(made.assets)} assets, {len(made.changes)} changed")
