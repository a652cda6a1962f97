"""The command line's root: the ``assetbuild`` group, the options several commands share, and
the one mapping from assetbuild's errors to exit statuses (``run``).

Owns: exit statuses (0 done, 1 failed, 2 bad usage or config), and where text goes (summary or
JSON on stdout; one line per problem on stderr; a traceback only with ``--debug``).
Must not: hold a command; each lives in a module of this package beside it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import click

from assetbuild import __version__
from assetbuild.errors import (
    AssetbuildError,
    BuildError,
    CacheError,
    ConfigError,
    ManifestError,
    Problem,
    PublishError,
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


def warn(problems: Iterable[Problem]) -> None:
    for problem in problems:
        click.echo(_problem_line(problem), err=True)


def run(debug: bool, action: Callable[[], T]) -> T:
    """Run ``action``; turn assetbuild's errors into messages and exit statuses."""
    try:
        return action()
    except ConfigError as exc:
        fail(debug, exc, f"error: {exc}", EXIT_USAGE)
    except BuildError as exc:
        warn(exc.problems)
        errors = sum(1 for p in exc.problems if p.severity == "error")
        fail(
            debug,
            exc,
            f"build failed: {errors} problem{'s' if errors != 1 else ''}; the release is untouched",
            1,
        )
    except UnknownNameError as exc:
        fail(debug, exc, f"error: {exc}", EXIT_USAGE)
    except PublishError as exc:
        warn(exc.problems)
        fail(debug, exc, f"error: {exc}", EXIT_FAILED)
    except (ReleaseError, ManifestError, CacheError) as exc:
        fail(debug, exc, f"error: {exc}", EXIT_FAILED)
    except OSError as exc:  # a race the build did not foresee (a file vanishing, a disk failing)
        if debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(
            f"error: {where}{exc.strerror or exc}; the previous release is still in force", err=True
        )
        sys.exit(EXIT_FAILED)


def fail(debug: bool, exc: AssetbuildError, message: str, status: int) -> NoReturn:
    if debug:
        raise exc
    click.echo(message, err=True)
    sys.exit(status)


def framework_defaults() -> Defaults | None:
    """What a framework integration supplies when it runs this command line as
    ``main(args, obj=defaults, ...)``: sources, output, URL and state, in place of the file's."""
    from assetbuild.compiler.config import Defaults

    return click.get_current_context().find_object(Defaults)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="assetbuild")
def main() -> None:
    """Compile assets at build time into an immutable, fingerprinted release."""


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (default: ./assetbuild.toml, else [tool.assetbuild] in ./pyproject.toml).",
)
debug_option = click.option("--debug", is_flag=True, help="Show tracebacks instead of messages.")
cache_dir_option = click.option(
    "--cache-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory of filter results and compressed variants shared between builds, checkouts "
    "and machines (over ASSETBUILD_CACHE_DIR and the config's cache_dir).",
)
