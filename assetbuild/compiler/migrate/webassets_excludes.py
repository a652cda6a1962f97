"""What a converted webassets setup should not publish: the files it sees among the sources.

Owns: listing the files of the converted source directories by logical path (as the build will
see them: dot files and directories left out, the first directory that has a path winning), and
the ``exclude`` globs proposed for what webassets never served from them: the webassets YAML
files, preprocessor sources and partials (bundles compile them; an excluded file may still be
a bundle input), and vendored libraries' tests and demos.
Must not: decide which files are bundle inputs or old outputs (the converter does), or write.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from assetbuild.compiler.migrate.webassets_model import Root

# Sources that a bundle compiles and no page loads as they are.
_COMPILED = (".scss", ".sass", ".less", ".styl", ".coffee")
_CONFIGURATION = (".yml", ".yaml")
# Directory names that vendored libraries (and projects) keep their tests and demos in.
_NOT_SERVED = frozenset(
    {"test", "tests", "__tests__", "spec", "specs", "demo", "demos", "example", "examples"}
)


@dataclass(frozen=True)
class ExcludeGroup:
    """Globs proposed for ``exclude``, and why, for the comment above them."""

    reason: str
    globs: tuple[str, ...]


def list_files(roots: Sequence[Root]) -> dict[str, Path]:
    """Every file under ``roots`` by logical path, as the build's load path sees them."""
    files: dict[str, Path] = {}
    for root in roots:
        for directory, dirs, names in os.walk(root.path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # never published
            relative = Path(directory).relative_to(root.path).as_posix()
            base = "" if relative == "." else f"{relative}/"
            for name in sorted(names):
                if not name.startswith("."):
                    files.setdefault(f"{root.prefix}{base}{name}", Path(directory, name))
    return files


def propose_excludes(files: Iterable[str]) -> list[ExcludeGroup]:
    """The exclude globs for the files of these logical paths that a release should not hold."""
    names = sorted(files)
    groups = []
    found = [f"**/*{ext}" for ext in _CONFIGURATION if any(n.endswith(ext) for n in names)]
    if found:
        groups.append(
            ExcludeGroup(
                "YAML files among the sources (webassets' bundle files): configuration, not assets",
                tuple(found),
            )
        )
    found = [f"**/*{ext}" for ext in _COMPILED if any(n.lower().endswith(ext) for n in names)]
    if found:
        groups.append(
            ExcludeGroup(
                "preprocessor sources and partials: bundles compile them (an excluded file may "
                "still be a bundle input), pages load what they compile to",
                tuple(found),
            )
        )
    unserved = _outermost_directories(names, _NOT_SERVED)
    if unserved:
        groups.append(
            ExcludeGroup(
                "tests and demos (of vendored libraries): no page loads them, and their "
                "references often name files that are not there",
                tuple(f"{d}/**" for d in unserved),
            )
        )
    return groups


def _outermost_directories(names: Sequence[str], wanted: frozenset[str]) -> list[str]:
    """The directories (logical paths) named one of ``wanted`` that hold files, outermost only."""
    found: set[str] = set()
    for name in names:
        segments = name.split("/")[:-1]
        for depth, segment in enumerate(segments):
            if segment.lower() in wanted:
                found.add("/".join(segments[: depth + 1]))
                break
    return sorted(found)


def glob_escape(path: str) -> str:
    """A literal path as an exclude glob: the glob characters in it matched as themselves."""
    return "".join(f"[{char}]" if char in "*?[" else char for char in path)


def owner(path: Path, roots: Sequence[Root]) -> tuple[Root, str] | None:
    """The root ``path`` lies in, and its path there, or None if it lies in none."""
    for root in roots:
        if path.is_relative_to(root.path) and path != root.path:
            return root, path.relative_to(root.path).as_posix()
    return None


def escaped_logical(path: Path, roots: Sequence[Root]) -> str | None:
    """An exclude glob for the file at ``path``, if it lies in a source directory."""
    found = owner(path, roots)
    if found is None:
        return None
    root, relative = found
    return root.prefix + glob_escape(relative)


def published(files: Mapping[str, Path], hidden: Iterable[str]) -> set[str]:
    """The logical paths of ``files`` but those that ``hidden`` globs match."""
    from assetbuild.compiler.globs import compile_glob

    globs = [compile_glob(pattern) for pattern in hidden]
    return {name for name in files if not any(g.matches(name) for g in globs)}
