"""Django's settings and staticfiles finders -> the build's ``Defaults``; collectstatic's build.

Owns: what a Django project's release is made from and where it goes, read from its settings as
``collectstatic`` reads them: the sources from the staticfiles finders in ``STATICFILES_FINDERS``
order (``FileSystemFinder``'s ``STATICFILES_DIRS``, each with its prefix, then
``AppDirectoriesFinder``'s ``static/`` directory of each installed app, the admin's included; the
first directory that has a logical path wins, as in Django); the files collectstatic ignores (the
staticfiles app's ``ignore_patterns``, as exclude globs); the release directory (``STATIC_ROOT``)
and its URL (``STATIC_URL``); where the build keeps its bookkeeping (``ASSETBUILD_STATE``, else
the sibling ``.<name of STATIC_ROOT>.assetbuild``: never inside ``STATIC_ROOT``, so no server of
the release hands it out); the config file (``assetbuild.toml``, or ``[tool.assetbuild]`` in
``pyproject.toml``, in ``BASE_DIR``, the directory of ``manage.py``; without ``BASE_DIR`` or such
a file there, the current directory's, as ``assetbuild`` looks); and the build that
``collectstatic`` runs through ``ReleaseStorage.post_process``, reported as collectstatic expects.
Must not: write (the release writer does), end the process, or be imported when an app starts:
only ``ReleaseStorage.post_process`` and ``manage.py assetbuild`` import it, when they build.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder, get_finders
from django.core.management.base import CommandError

from assetbuild.compiler.config import Config, Defaults, SourceDir, load_config
from assetbuild.compiler.integrations import state_beside
from assetbuild.errors import (
    BuildError,
    ConfigError,
    ManifestError,
    Problem,
    ReleaseError,
)

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover - exercised on Python 3.10 only
    pass

ORIGIN = (
    "Django's settings (STATICFILES_DIRS, the installed apps' static/ directories, STATIC_ROOT)"
)
# What django.contrib.staticfiles ignores when its app config does not say (Django's defaults).
DEFAULT_IGNORE_PATTERNS = ("CVS", ".*", "*~")
# The exit status of a configuration that cannot be used, as `assetbuild build` has it.
EXIT_USAGE = 2

# Problems are one line each, even for a file whose name holds a newline (as the CLI shows them).
_CONTROL = {code: f"\\x{code:02x}" for code in [*range(0x20), 0x7F]}


def defaults() -> Defaults:
    """The sources, release directory, URL, ignore patterns and state directory the settings
    describe; a ``ConfigError`` naming the setting when one cannot be used."""
    if not apps.is_installed("django.contrib.staticfiles"):
        raise ConfigError(
            "'django.contrib.staticfiles' is not in INSTALLED_APPS; assetbuild takes a Django "
            "project's sources from its staticfiles finders: add it",
            key="INSTALLED_APPS",
        )
    root = getattr(settings, "STATIC_ROOT", None)
    if not root:
        raise ConfigError(
            "is not set; set it to the directory the release is built into "
            "(for example BASE_DIR / 'staticfiles')",
            key="STATIC_ROOT",
        )
    output = Path(os.path.abspath(root))
    url = settings.STATIC_URL
    if not url:
        raise ConfigError(
            "is not set; set it to the URL the release is served at", key="STATIC_URL"
        )
    patterns = ignore_patterns()
    return Defaults(
        sources=sources(patterns),
        output=output,
        url=str(url),
        exclude=exclude_globs(patterns),
        state=state_directory(output),
        origin=ORIGIN,
        config_dir=_project_directory(),
    )


def _project_directory() -> Path | None:
    """Where the project's config file is: ``BASE_DIR`` (the directory of ``manage.py`` in the
    layout ``startproject`` makes), or None for the current directory."""
    base = getattr(settings, "BASE_DIR", None)
    return Path(base) if base else None


def ignore_patterns() -> tuple[str, ...]:
    """The patterns collectstatic ignores by default: the staticfiles app's ``ignore_patterns``
    (a project changes them by subclassing its AppConfig, as Django documents)."""
    config = apps.get_app_config("staticfiles")
    return tuple(getattr(config, "ignore_patterns", DEFAULT_IGNORE_PATTERNS))


def exclude_globs(patterns: Iterable[str]) -> tuple[str, ...]:
    """Django's ignore patterns as exclude globs over logical paths.

    collectstatic matches a pattern without a ``/`` against the name of every file and every
    directory, at any depth: ``CVS`` becomes ``**/CVS`` (the file) and ``**/CVS/**`` (the
    directory's contents). A pattern with a ``/`` is matched against a file's path, and is kept
    as it is, a glob (whose ``*`` stays within one segment, where Django's would not).
    """
    globs: list[str] = []
    for pattern in patterns:
        pattern = pattern.strip("/")
        if not pattern:
            continue
        if "/" in pattern:
            globs.append(pattern)
        else:
            globs += [f"**/{pattern}", f"**/{pattern}/**"]
    return tuple(dict.fromkeys(globs))


def sources(patterns: Iterable[str] = DEFAULT_IGNORE_PATTERNS) -> tuple[SourceDir, ...]:
    """The load path of the staticfiles finders, in ``STATICFILES_FINDERS`` order."""
    found: list[SourceDir] = []
    for finder in get_finders():
        for path, prefix in _directories(finder, tuple(patterns)):
            source = SourceDir(Path(os.path.abspath(path)), prefix)
            if source not in found:
                found.append(source)
    return tuple(found)


def _directories(finder: BaseFinder, patterns: tuple[str, ...]) -> list[tuple[str, str]]:
    """The (directory, prefix) pairs one finder finds files in."""
    locations = getattr(finder, "locations", None)
    if isinstance(locations, list | tuple):
        # FileSystemFinder: STATICFILES_DIRS, as (prefix, root). A directory that does not exist
        # is skipped, as collectstatic skips it (Django's check staticfiles.W004 reports it).
        return [(str(root), str(prefix)) for prefix, root in locations if os.path.isdir(root)]
    storages = getattr(finder, "storages", None)
    if isinstance(storages, Mapping):
        # AppDirectoriesFinder: each installed app's static/ directory that exists. A storage
        # may carry a prefix, which collectstatic puts before its files' paths.
        return [
            (_location(finder, s), str(getattr(s, "prefix", "") or "")) for s in storages.values()
        ]
    if next(iter(finder.list(list(patterns))), None) is None:
        return []  # it lists no file (django-compressor's finder serves only its own output)
    raise ConfigError(
        f"the staticfiles finder {_dotted(finder)} lists files but shows no directories to "
        "build from (a FileSystemFinder's `locations` or an AppDirectoriesFinder's "
        "`storages`); remove it from STATICFILES_FINDERS, or put its files in a directory "
        "of STATICFILES_DIRS",
        key="STATICFILES_FINDERS",
    )


def _location(finder: BaseFinder, storage: Any) -> str:
    try:
        return str(storage.path(""))
    except NotImplementedError:
        raise ConfigError(
            f"the staticfiles finder {_dotted(finder)} has a storage that is not a local "
            f"directory ({_dotted(storage)}); assetbuild builds from local files only",
            key="STATICFILES_FINDERS",
        ) from None


def _dotted(thing: object) -> str:
    kind = type(thing)
    return f"{kind.__module__}.{kind.__qualname__}"


def state_directory(output: Path) -> Path:
    """``ASSETBUILD_STATE``, else beside ``STATIC_ROOT`` (``/app/.staticfiles.assetbuild``)."""
    configured = getattr(settings, "ASSETBUILD_STATE", None)
    return state_beside(output, configured, release_named="STATIC_ROOT")


def load(*, output: Path | None = None) -> Config:
    """The project's config: its file's bundles and options, with the settings' sources,
    release directory, URL and state."""
    return load_config(output=output, defaults=defaults())


def collect(
    found: Mapping[str, Any], *, stdout: TextIO, stderr: TextIO
) -> Iterator[tuple[str, str | None, bool | Exception]]:
    """The build ``collectstatic`` runs, as its storage's ``post_process`` reports to it.

    ``found`` is what collectstatic gathered (prefixed path -> (storage, path)); the build takes
    the same files from the same finders. Yields ``(logical path, release path, True)`` for each
    published asset; a build that fails yields one ``CommandError`` listing every problem (the
    previous release stays in force), which collectstatic raises, so it exits non-zero.
    """
    from assetbuild.compiler.assembly import build
    from assetbuild.compiler.summary import summary_text

    where = str(getattr(settings, "STATIC_ROOT", None) or "STATIC_ROOT")
    try:
        config = load()
        where = str(config.output)
        _refuse_links(config.output, found)
        result = build(config)
    except ConfigError as exc:
        yield where, None, CommandError(f"{exc}", returncode=EXIT_USAGE)
        return
    except BuildError as exc:
        errors = sum(1 for p in exc.problems if p.severity == "error")
        head = f"the build failed: {errors} problem{'s' if errors != 1 else ''}"
        lines = [f"{head}; the previous release is still in force", *map(_line, exc.problems)]
        yield where, None, CommandError("\n".join(lines))
        return
    except (ReleaseError, ManifestError) as exc:
        yield where, None, CommandError(f"{exc}; the previous release is still in force")
        return
    except OSError as exc:  # a source vanishing, a disk failing: as `assetbuild build` reports it
        name = f"{exc.filename}: " if exc.filename else ""
        message = f"{name}{exc.strerror or exc}; the previous release is still in force"
        yield where, None, CommandError(message)
        return
    for warning in result.warnings:
        stderr.write(_line(warning) + "\n")
    stdout.write(summary_text(result) + "\n")
    for output in result.outputs:
        yield output.logical_path, output.release_path, True


def _refuse_links(output: Path, found: Iterable[str]) -> None:
    """``collectstatic --link`` symlinks each source into STATIC_ROOT itself, past the storage."""
    linked = sorted(name for name in found if os.path.islink(output / name))
    if linked:
        shown = ", ".join(linked[:3]) + (
            f" (and {len(linked) - 3} more)" if len(linked) > 3 else ""
        )
        raise ConfigError(
            f"collectstatic --link put symlinks to sources into STATIC_ROOT ({shown}), where "
            "only the release belongs: the storage builds the release from the sources itself. "
            f"Delete those links (find {output} -type l -delete) and run collectstatic "
            "without --link",
            key="collectstatic --link",
        )


def _line(problem: Problem) -> str:
    return f"{problem.severity}: {problem}".translate(_CONTROL)
