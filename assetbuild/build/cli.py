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
from typing import Any, NoReturn, TypeVar

import click

from assetbuild import __version__
from assetbuild.errors import (
    AssetbuildError,
    BuildError,
    ConfigError,
    ManifestError,
    Problem,
    ReleaseError,
)

EXIT_FAILED = 1
EXIT_USAGE = 2

T = TypeVar("T")


def _problem_line(problem: Problem) -> str:
    return f"{problem.severity}: {problem}"


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
    except (ReleaseError, ManifestError) as exc:
        _fail(debug, exc, f"error: {exc}", EXIT_FAILED)


def _fail(debug: bool, exc: AssetbuildError, message: str, status: int) -> NoReturn:
    if debug:
        raise exc
    click.echo(message, err=True)
    sys.exit(status)


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
@_debug_option
def build(config_path: Path | None, output: Path | None, as_json: bool, debug: bool) -> None:
    """Build the release and replace its manifest.json last."""
    from assetbuild.build.config import load_config
    from assetbuild.build.pipeline import build as run_build
    from assetbuild.build.report import summary_data, summary_text

    def action() -> Any:
        config = load_config(config_path, output=output)
        return run_build(config)

    result = _run(debug, action)
    _warn(result.warnings)
    if as_json:
        click.echo(json.dumps(summary_data(result), indent=2, sort_keys=True))
    else:
        click.echo(summary_text(result))


@main.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@_config_option
@_debug_option
def verify(directory: Path | None, config_path: Path | None, debug: bool) -> None:
    """Check that every manifest entry is present, intact, and decodes from each encoding."""
    from assetbuild.build.config import load_config
    from assetbuild.build.verify import verify as run_verify

    def action() -> Any:
        target = directory if directory is not None else load_config(config_path).output
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
    from assetbuild.build.config import load_config
    from assetbuild.build.release import Release

    def action() -> Any:
        target = output if output is not None else load_config(config_path).output
        return target, Release(target).clean(keep)

    target, removed = _run(debug, action)
    click.echo(f"removed {len(removed)} file{'s' if len(removed) != 1 else ''} from {target}")
