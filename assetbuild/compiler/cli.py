"""The ``assetbuild`` command line: the only place that knows exit statuses.

Owns: parsing arguments, mapping errors to exit statuses (0 built, 1 build failed, 2 bad usage
or config), and where text goes (summary or JSON on stdout; one line per problem on stderr;
a traceback only with ``--debug``).
Must not: build, verify or clean anything itself; it calls the modules that do.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from assetbuild import __version__
from assetbuild.errors import (
    AssetbuildError,
    BuildError,
    ConfigError,
    ManifestError,
    Problem,
    ReleaseError,
    UnknownNameError,
)

if TYPE_CHECKING:
    from assetbuild.compiler.config import Defaults

EXIT_FAILED = 1
EXIT_USAGE = 2

T = TypeVar("T")


_CONTROL = {code: f"\\x{code:02x}" for code in [*range(0x20), 0x7F]}


def _problem_line(problem: Problem) -> str:
    # One line per problem, even for a file whose name holds a newline.
    return f"{problem.severity}: {problem}".translate(_CONTROL)


def _warn(problems: Iterable[Problem]) -> None:
    for problem in problems:
        click.echo(_problem_line(problem), err=True)


def _run(debug: bool, action: Callable[[], T]) -> T:
    """Run ``action``; turn assetbuild's errors into messages and exit statuses."""
    try:
        return action()
    except ConfigError as exc:
        _fail(debug, exc, f"error: {exc}", EXIT_USAGE)
    except BuildError as exc:
        _warn(exc.problems)
        errors = sum(1 for p in exc.problems if p.severity == "error")
        _fail(
            debug,
            exc,
            f"build failed: {errors} problem{'s' if errors != 1 else ''}; the release is untouched",
            1,
        )
    except UnknownNameError as exc:
        _fail(debug, exc, f"error: {exc}", EXIT_USAGE)
    except (ReleaseError, ManifestError) as exc:
        _fail(debug, exc, f"error: {exc}", EXIT_FAILED)
    except OSError as exc:  # a race the build did not foresee (a file vanishing, a disk failing)
        if debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(
            f"error: {where}{exc.strerror or exc}; the previous release is still in force", err=True
        )
        sys.exit(EXIT_FAILED)


def _fail(debug: bool, exc: AssetbuildError, message: str, status: int) -> NoReturn:
    if debug:
        raise exc
    click.echo(message, err=True)
    sys.exit(status)


def _defaults() -> Defaults | None:
    """What a framework integration supplies when it runs this command line as
    ``main(args, obj=defaults, ...)``: sources, output, URL and state, in place of the file's."""
    from assetbuild.compiler.config import Defaults

    return click.get_current_context().find_object(Defaults)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="assetbuild")
def main() -> None:
    """Compile assets at build time into an immutable, fingerprinted release."""


_config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (default: ./assetbuild.toml, else [tool.assetbuild] in ./pyproject.toml).",
)
_debug_option = click.option("--debug", is_flag=True, help="Show tracebacks instead of messages.")


@main.command()
@_config_option
@click.option(
    "--output", type=click.Path(path_type=Path, file_okay=False), help="Release directory."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Worker threads (default: one per core); the release is the same for any number.",
)
@click.option(
    "--archive",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the release as a reproducible FILE.tar.gz (mtime: $SOURCE_DATE_EPOCH or 0).",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Read and hash every source file, ignoring what the last build recorded about the "
    "unchanged ones; the release is the same either way.",
)
@_debug_option
def build(
    config_path: Path | None,
    output: Path | None,
    as_json: bool,
    jobs: int | None,
    archive: Path | None,
    no_cache: bool,
    debug: bool,
) -> None:
    """Build the release and replace its manifest.json last."""
    from assetbuild.compiler.assembly import build as run_build
    from assetbuild.compiler.config import load_config
    from assetbuild.compiler.progress import TerminalProgress
    from assetbuild.compiler.summary import summary_data, summary_text

    progress = TerminalProgress(sys.stderr) if sys.stderr.isatty() else None

    def action() -> Any:
        config = load_config(config_path, output=output, defaults=_defaults())
        mtime = _archive_mtime(archive)
        try:
            result = run_build(config, jobs=jobs, progress=progress, use_cache=not no_cache)
        finally:
            if progress is not None:
                progress.close()
        if archive is None:
            return result, None
        from assetbuild.compiler.commands.archive import write_archive

        published = result.published
        archived = write_archive(
            archive, config.output, published.manifest, published.manifest_bytes, mtime=mtime
        )
        return result, archived

    result, archived = _run(debug, action)
    _warn(result.warnings)
    if as_json:
        data = summary_data(result)
        if archived is not None:
            data["archive"] = {"path": str(archived.path), "bytes": archived.size}
        click.echo(json.dumps(data, indent=2, sort_keys=True))
    else:
        click.echo(summary_text(result))
        if archived is not None:
            click.echo(
                f"archive {archived.path}: {len(archived.entries)} entries, {archived.size} B"
            )


def _archive_mtime(archive: Path | None) -> int:
    """Check ``--archive`` before building (its directory, $SOURCE_DATE_EPOCH); its mtime."""
    if archive is None:
        return 0
    import os

    from assetbuild.compiler.commands.archive import source_date_epoch

    if not Path(os.path.abspath(archive)).parent.is_dir():
        raise ConfigError(f"no directory to write {archive} in; create it first", key="--archive")
    return source_date_epoch()


@main.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@_config_option
@_debug_option
def verify(directory: Path | None, config_path: Path | None, debug: bool) -> None:
    """Check that every manifest entry is present, intact, and decodes from each encoding."""
    from assetbuild.compiler.commands.verify import verify as run_verify
    from assetbuild.compiler.config import load_config

    def action() -> Any:
        if directory is not None:
            target = directory
        else:
            target = load_config(config_path, defaults=_defaults()).output
        return target, run_verify(target)

    target, (manifest, problems) = _run(debug, action)
    if problems:
        _warn(problems)
        click.echo(f"verify failed: {len(problems)} problem(s) in {target}", err=True)
        sys.exit(EXIT_FAILED)
    click.echo(f"{len(manifest.assets)} assets verified in {target}")


@main.command()
@click.option(
    "--keep", default=3, show_default=True, type=click.IntRange(min=1), help="Builds to keep."
)
@_config_option
@click.option(
    "--output", type=click.Path(path_type=Path, file_okay=False), help="Release directory."
)
@_debug_option
def clean(keep: int, config_path: Path | None, output: Path | None, debug: bool) -> None:
    """Remove files that none of the last KEEP builds' manifests name (the current one counts)."""
    from assetbuild.compiler.config import load_config
    from assetbuild.compiler.release import Release

    def action() -> Any:
        defaults = _defaults()
        if output is not None and defaults is None:
            return output, Release(output).clean(keep)  # no config needed
        config = load_config(config_path, output=output, defaults=defaults)
        return config.output, Release(config.output, config.state).clean(keep)

    target, removed = _run(debug, action)
    click.echo(f"removed {len(removed)} file{'s' if len(removed) != 1 else ''} from {target}")


@main.command()
@_config_option
@click.option(
    "--output", type=click.Path(path_type=Path, file_okay=False), help="Release directory."
)
@_debug_option
def watch(config_path: Path | None, output: Path | None, debug: bool) -> None:
    """Build, then rebuild on every change to the sources or the config, until Ctrl-C.

    A rebuild that fails is reported and leaves the last good release in force.
    """
    import contextlib
    import os
    import traceback

    from assetbuild.compiler.commands.watch import Rebuild
    from assetbuild.compiler.commands.watch import watch as run_watch
    from assetbuild.compiler.summary import summary_text

    here = Path(os.path.realpath(Path.cwd()))

    def shown(path: Path) -> str:
        return path.relative_to(here).as_posix() if path.is_relative_to(here) else str(path)

    def report(rebuild: Rebuild) -> None:
        if rebuild.changed:
            click.echo("changed: " + ", ".join(shown(c.path) for c in rebuild.changed))
        error = rebuild.error
        if error is not None:
            kept = (
                "the release is untouched"
                if rebuild.first
                else "the last good release stays in force"
            )
            if debug:
                click.echo("".join(traceback.format_exception(error)).rstrip(), err=True)
            if isinstance(error, BuildError):
                _warn(error.problems)
                errors = sum(1 for p in error.problems if p.severity == "error")
                problems = f"{errors} problem{'s' if errors != 1 else ''}"
                click.echo(f"build failed: {problems}; {kept}", err=True)
            else:
                kind = "" if isinstance(error, AssetbuildError | OSError) else "internal error: "
                click.echo(f"error: {kind}{error}", err=True)
                click.echo(f"build failed; {kept}", err=True)
        else:
            result = rebuild.result
            assert result is not None
            _warn(result.warnings)
            if rebuild.first:
                click.echo(summary_text(result))
            for asset in rebuild.fingerprints:
                if not rebuild.first or asset.before is not None:
                    click.echo(f"  {asset.logical_path} -> {asset.after or '(removed)'}")
            if not rebuild.first:
                written = len(result.published.written)
                click.echo(
                    f"rebuilt: {len(rebuild.fingerprints) or 'no'} "
                    f"fingerprint{'s' if len(rebuild.fingerprints) != 1 else ''} changed, "
                    f"{written} file{'s' if written != 1 else ''} written"
                )
        if rebuild.first or rebuild.config_reloaded:
            watched = ", ".join(shown(p) for p in rebuild.watching)
            click.echo(f"watching {watched} for changes (Ctrl-C stops)")

    # Ctrl-C is how a watch ends: exit status 0, and nothing more to say.
    with contextlib.suppress(KeyboardInterrupt):
        defaults = _defaults()
        _run(debug, lambda: run_watch(config_path, report, output=output, defaults=defaults))


@main.group("import")
def import_() -> None:
    """Convert another asset tool's bundles into an assetbuild.toml.

    webassets: a webassets YAML file. django-compressor: the {% compress %} blocks of Django
    templates (and, with --rewrite, the templates themselves).
    """


_config_target_option = click.option(
    "-o",
    "--output",
    "target",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    default=Path("assetbuild.toml"),
    show_default=True,
    help="The config file to write; '-' prints it.",
)
_release_option = click.option(
    "--release",
    metavar="DIR",
    default="build/static",
    show_default=True,
    help="The release directory the config names, relative to the config file.",
)
_force_option = click.option("--force", is_flag=True, help="Replace an existing config file.")


def _refuse_existing(target: Path, force: bool) -> None:
    if str(target) != "-" and target.exists() and not force:
        raise ConfigError("already exists; pass --force to replace it", file=target)


def _wrote(target: Path, what: str, *, django_storage: bool = False, flask: bool = False) -> str:
    if django_storage:
        # ReleaseStorage reads assetbuild.toml beside manage.py (BASE_DIR), whatever its name here.
        return f"wrote {target}: {what}; review it, then run: python manage.py collectstatic"
    if flask:
        return f"wrote {target}: {what}; review it, then run: flask assetbuild build"
    config = "" if target == Path("assetbuild.toml") else f" --config {target}"
    return f"wrote {target}: {what}; review it, then run: assetbuild build{config}"


@import_.command("webassets")
@click.argument("bundles", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--directory",
    type=click.Path(path_type=Path, file_okay=False),
    help="The static directory of a file that names none (a file of bundles only, whose "
    "contents are otherwise relative to the file's own directory).",
)
@click.option(
    "--url",
    help="The URL prefix the release is served under, where no file names one (default: /static/).",
)
@click.option(
    "--filter-module",
    "filter_modules",
    multiple=True,
    metavar="MODULE",
    help="A module of the project that registers its own webassets filters; imported first, "
    "and named in the config's filter_modules. Repeat for each.",
)
@click.option(
    "--flask",
    "for_flask",
    is_flag=True,
    help="Write the config for `flask assetbuild` (Flask-Assets apps): source, output and url "
    "are left to the app and its blueprints.",
)
@_config_target_option
@_release_option
@_force_option
@_debug_option
def import_webassets(
    bundles: tuple[Path, ...],
    directory: Path | None,
    url: str | None,
    filter_modules: tuple[str, ...],
    for_flask: bool,
    target: Path,
    release: str,
    force: bool,
    debug: bool,
) -> None:
    """Convert webassets YAML files (environments with directory, url and bundles, or files of
    bundles only, as CKAN and pyramid_webassets keep them) into one assetbuild.toml.

    Every bundle name becomes an alias; filter options go to each bundle's filter_config. What
    assetbuild does itself (version placeholders, cssrewrite, caches) is dropped with a note;
    what cannot be converted exactly is listed, each with its key and the reason, and then
    nothing is written (exit status 2). Python setups: see docs/migrating.md
    (assetbuild.compiler.migrate.from_environment).
    """
    from assetbuild.compiler.migrate.output import write_config
    from assetbuild.compiler.migrate.webassets import convert_yaml

    to_stdout = str(target) == "-"

    def action() -> Any:
        _refuse_existing(target, force)
        conversion = convert_yaml(
            list(bundles),
            config_dir=None if to_stdout else target.parent,
            release=release,
            directory=directory,
            url=url,
            filter_modules=filter_modules,
            flask=for_flask,
        )
        if not to_stdout and not conversion.unconvertible:
            write_config(conversion.toml, target, force=force)
        return conversion

    conversion = _run(debug, action)
    if conversion.unconvertible:
        # Only what stands in the way: nothing was written, so the notes can wait for the rerun.
        _warn(conversion.unconvertible)
        left = len(conversion.unconvertible)
        click.echo(
            f"{left} thing{'s' if left != 1 else ''} could not be converted exactly; nothing "
            "was written",
            err=True,
        )
        sys.exit(EXIT_USAGE)
    for note in conversion.notes:
        click.echo(f"note: {note}", err=True)
    if to_stdout:
        click.echo(conversion.toml, nl=False)
        return
    count = len(conversion.bundles)
    aliases = len(conversion.aliases)
    click.echo(
        _wrote(
            target,
            f"{count} bundle{'s' if count != 1 else ''}, "
            f"{aliases} alias{'es' if aliases != 1 else ''}",
            flask=for_flask,
        )
    )


@import_.command("django-compressor")
@click.argument("templates", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A static directory the blocks' files are in, as Django's finders search them "
    "(STATICFILES_DIRS, then each app's static/); repeat for each, in that order. "
    "Default: ./static",
)
@click.option(
    "--static-url",
    default="/static/",
    show_default=True,
    help="STATIC_URL: literal URLs under it name static files.",
)
@click.option(
    "--rewrite",
    is_flag=True,
    help="Also rewrite the templates: each converted block becomes the tag that loads its "
    "bundle, and {% load compress %} goes where no block is left.",
)
@click.option(
    "--django-storage",
    is_flag=True,
    help="Write the config for assetbuild's ReleaseStorage (collectstatic builds the release): "
    "source, output and url are left to the Django settings.",
)
@_config_target_option
@_release_option
@_force_option
@_debug_option
def import_compressor(
    templates: tuple[Path, ...],
    sources: tuple[Path, ...],
    static_url: str,
    rewrite: bool,
    django_storage: bool,
    target: Path,
    release: str,
    force: bool,
    debug: bool,
) -> None:
    """Convert the {% compress %} blocks of the Django templates in TEMPLATES (directories or
    files) into bundles of an assetbuild.toml.

    Identical blocks become one bundle; a named block's name becomes an alias. A block that
    cannot be converted exactly (an inline script, template logic, a URL with a variable) is
    listed with its place and left as it is, and the exit status is then 2; the others are
    converted all the same.
    """
    from assetbuild.compiler.migrate.compressor import convert_templates
    from assetbuild.compiler.migrate.output import rewrite_files, write_config

    to_stdout = str(target) == "-"

    def action() -> Any:
        conversion = convert_templates(
            templates,
            sources=sources,
            static_url=static_url,
            config_dir=None if to_stdout else target.parent,
            release=release,
            django_storage=django_storage,
        )
        if conversion.bundles:
            _refuse_existing(target, force)  # before any template changes
            if not to_stdout:
                write_config(conversion.toml, target, force=force)
            if rewrite:
                rewrite_files(conversion.rewrites)
        return conversion

    conversion = _run(debug, action)
    for note in conversion.notes:
        click.echo(f"note: {note}", err=True)
    _warn(conversion.unconvertible)
    blocks = conversion.blocks
    count = len(conversion.bundles)
    found = (
        f"{count} bundle{'s' if count != 1 else ''} from {blocks} "
        f"{{% compress %}} block{'s' if blocks != 1 else ''} in {conversion.templates} "
        f"template{'s' if conversion.templates != 1 else ''}"
    )
    if not conversion.bundles:
        click.echo(
            f"nothing to convert: no {{% compress %}} block"
            f"{' that can be converted' if blocks else ''} in {conversion.templates} "
            f"template{'s' if conversion.templates != 1 else ''}",
            err=True,
        )
    elif to_stdout:
        click.echo(conversion.toml, nl=False)
    else:
        click.echo(_wrote(target, found, django_storage=django_storage))
    if rewrite and conversion.bundles:
        changed = len(conversion.rewrites)
        click.echo(
            f"rewrote {changed} template{'s' if changed != 1 else ''}",
            err=to_stdout,
        )
    if conversion.unconvertible:
        left = len(conversion.unconvertible)
        click.echo(
            f"{left} block{'s' if left != 1 else ''} could not be converted and "
            f"{'were' if left != 1 else 'was'} left as {'they are' if left != 1 else 'it is'}",
            err=True,
        )
        sys.exit(EXIT_USAGE)


@main.command("check-templates")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@_config_option
@click.option(
    "--manifest",
    "manifest_path",
    type=click.Path(path_type=Path),
    help="The manifest.json (or release directory) to check against (default: the config's).",
)
@click.option("--verbose", "-v", is_flag=True, help="List the lookups whose name is not a literal.")
@_debug_option
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

            target = load_config(config_path, defaults=_defaults()).output / FILENAME
        else:
            target = manifest_path / FILENAME if manifest_path.is_dir() else manifest_path
        manifest = load(target)
        # Every runtime lookup accepts an alias where it accepts a logical path.
        names = {*manifest.assets, *manifest.aliases}
        return target, check(paths, names, url=manifest.url, aliases=manifest.aliases)

    target, result = _run(debug, action)
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
    _warn(result.warnings)
    if result.problems:
        _warn(result.problems)
        count = len(result.problems)
        click.echo(
            f"check failed: {count} problem{'s' if count != 1 else ''}; {counted}, "
            f"checked against {target}",
            err=True,
        )
        sys.exit(EXIT_FAILED)
    click.echo(f"{counted}: all in {target}")


@main.command()
@click.argument("name")
@_config_option
@click.option(
    "--output", type=click.Path(path_type=Path, file_okay=False), help="Release directory."
)
@_debug_option
def inspect(name: str, config_path: Path | None, output: Path | None, debug: bool) -> None:
    """Show where the logical path NAME comes from: inputs, filters, references in and out, sizes."""
    from assetbuild.compiler.assembly import prepare
    from assetbuild.compiler.commands.inspection import describe, inspect_asset
    from assetbuild.compiler.config import load_config

    def action() -> Any:
        config = load_config(config_path, output=output, defaults=_defaults())
        return config, inspect_asset(prepare(config), name)

    config, found = _run(debug, action)
    click.echo(describe(found, config.output))
