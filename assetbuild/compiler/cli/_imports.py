"""``assetbuild import``: webassets and django-compressor definitions -> an assetbuild.toml.

Owns: the converters' arguments, where the config goes, and what is said about it.
Must not: convert anything itself (``compiler.migrate`` does).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from assetbuild.compiler.cli._root import (
    EXIT_USAGE,
    debug_option,
    main,
    run,
    warn,
)
from assetbuild.errors import ConfigError


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
@debug_option
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

    conversion = run(debug, action)
    if conversion.unconvertible:
        # Only what stands in the way: nothing was written, so the notes can wait for the rerun.
        warn(conversion.unconvertible)
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
@debug_option
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

    conversion = run(debug, action)
    for note in conversion.notes:
        click.echo(f"note: {note}", err=True)
    warn(conversion.unconvertible)
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
