"""``assetbuild import webassets``: webassets and Flask-Assets bundles -> ``assetbuild.toml`` text.

Owns: turning what the readers found (``webassets_yaml``: YAML files, full environments or
bundles only, several at once; ``webassets_env``: a live webassets or Flask-Assets
``Environment``) into one config: the source directories (several files' directories each
get a prefix, their path under the directory common to them, so that no file shadows another
and references between them resolve as on disk), the URL, one bundle per webassets output
(named by it, the ``%(version)s`` placeholder and its separator taken out), every bundle name
as an alias (a name that two files use gets one qualified by each file), filter options as each
bundle's ``filter_config``, ``exclude`` globs for old outputs, partials, YAML files, tests and
demos, and a note on everything dropped or changed, also a comment in the TOML next to it.
Must not: build anything, write a file (``output`` does, for the command line), or map anything
approximately: what cannot be converted exactly is listed, each with its key and the reason,
and then no config is written.

The model is webassets' own (``Bundle._merge_and_apply``): a bundle with an ``output`` joins its
files and nested bundles, every file getting the bundle's filters; a bundle without an output
whose contents are all bundles is a *container*, whose children are built on their own with the
container's filters added. An assetbuild bundle runs one filter chain over all its inputs, so a
nested bundle's own filters join its parent's chain, before the parent's own (the order
webassets runs them on the nested bundle's files), when they leave the meaning of the parent's
other files as it is (minifiers; SCSS, LESS or Stylus compilers given CSS; Babel or TypeScript
given JS), or when the nested bundles hold every file; otherwise the bundle is listed as one
that cannot be converted.
"""

from __future__ import annotations

import glob as globbing
import os
import posixpath
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assetbuild.compiler.migrate.toml_text import toml_array, toml_comment, toml_string
from assetbuild.compiler.migrate.webassets_env import read_environment
from assetbuild.compiler.migrate.webassets_excludes import (
    ExcludeGroup,
    escaped_logical,
    glob_escape,
    list_files,
    propose_excludes,
    published,
)
from assetbuild.compiler.migrate.webassets_model import (
    DROPPED_SETTINGS,
    ENVIRONMENT_ORIGIN,
    TAG_ATTRIBUTES,
    VERSION,
    Root,
    WaBundle,
    WaSource,
    config_value,
    filter_config_keys,
    keeps_meaning,
    merge_filters,
)
from assetbuild.compiler.migrate.webassets_yaml import read_yaml
from assetbuild.errors import ConfigError, Problem
from assetbuild.manifest import unsafe_path_reason

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "DEFAULT_RELEASE",
    "DEFAULT_URL",
    "ENVIRONMENT_ORIGIN",
    "Conversion",
    "convert_environment",
    "convert_yaml",
    "from_environment",
]

DEFAULT_RELEASE = "build/static"
DEFAULT_URL = "/static/"

# The placeholder and one separator: the one before it ("packed.%(version)s.css"), else the one
# after it ("%(version)s_jquery.js"), so that no name is left with a stray "_" or ".".
_VERSION_IN_STEM = re.compile(r"[.\-_]%\(version\)s|%\(version\)s[.\-_]?")
_REMOTE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.\-]*:)?//")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ASSET_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[^/]")  # pyramid's "h:static/app.js"
_CONFIG_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # what filter_config takes as a key
# webassets' environment settings, which share its config with the filters' options: assetbuild
# says where files are itself (source, output, url), and drops the rest with a note.
_ENVIRONMENT_SETTINGS = frozenset(
    {*DROPPED_SETTINGS, "directory", "url", "load_path", "url_mapping", "resolver"}
)


@dataclass(frozen=True)
class Conversion:
    """The ``assetbuild.toml`` text, what it defines, and what the user should review."""

    toml: str  # "" when something could not be converted
    bundles: tuple[str, ...]  # assetbuild bundle names (logical paths), in webassets' order
    aliases: Mapping[str, str]  # webassets bundle name (or file-qualified name) -> bundle
    notes: tuple[str, ...]  # what was dropped or changed; also comments in ``toml``
    # What cannot be converted exactly, each with its file, key and reason; with any, the
    # conversion writes nothing (a partial config would build something else, silently).
    unconvertible: tuple[Problem, ...] = ()


def convert_yaml(
    paths: Path | Sequence[Path],
    *,
    config_dir: Path | None = None,
    release: str = DEFAULT_RELEASE,
    directory: Path | None = None,
    url: str | None = None,
    filter_modules: Sequence[str] = (),
    flask: bool = False,
) -> Conversion:
    """Convert webassets YAML files (full environments or bundles only) into one config.

    Paths in the result are relative to ``config_dir`` (where the ``assetbuild.toml`` will live;
    default: the current directory). ``directory`` and ``url`` stand in for a file's own
    ``directory`` and ``url`` where it has none, as ``--directory`` and ``--url`` do.
    ``filter_modules`` register a project's own filters (``--filter-module``): imported first,
    and named in the config's ``filter_modules`` for the build. ``flask``: the config is for
    ``flask assetbuild``, whose app gives the sources, release and URL, so the file leaves them
    out (as comments).
    """
    _import_filter_modules(filter_modules)
    files = [paths] if isinstance(paths, Path) else list(paths)
    sources = [read_yaml(path, directory=directory) for path in files]
    converter = _Converter(sources, _directory(config_dir), release, url)
    converter.filter_modules = list(filter_modules)
    converter.flask = flask
    return converter.convert()


def convert_environment(
    env: Any,
    *,
    config_dir: Path | None = None,
    release: str = DEFAULT_RELEASE,
    flask: bool = False,
) -> Conversion:
    """Convert a webassets (or Flask-Assets) ``Environment`` and the bundles registered on it;
    ``flask`` as for ``convert_yaml``."""
    converter = _Converter([read_environment(env)], _directory(config_dir), release, None)
    converter.flask = flask
    return converter.convert()


def from_environment(
    env: Any,
    *,
    config_dir: Path | str | None = None,
    release: str = DEFAULT_RELEASE,
    flask: bool = False,
) -> str:
    """The ``assetbuild.toml`` text equivalent to ``env``; the notes are comments in it. With
    ``flask=True`` it is for ``flask assetbuild``: the app gives the sources, release and URL.

    ``python -c "from myapp import assets; from assetbuild.compiler.migrate import from_environment;
    print(from_environment(assets), end='')" > assetbuild.toml``

    What cannot be converted raises a ``ConfigError`` that lists each such bundle and why.
    """
    directory = None if config_dir is None else Path(config_dir)
    conversion = convert_environment(env, config_dir=directory, release=release, flask=flask)
    if conversion.unconvertible:
        raise ConfigError(
            "cannot be converted exactly:\n" + "\n".join(map(str, conversion.unconvertible))
        )
    return conversion.toml


def _import_filter_modules(modules: Sequence[str]) -> None:
    import importlib

    for module in modules:
        try:
            importlib.import_module(module)
        except Exception as exc:  # whatever the module raises: name it, with its reason
            raise ConfigError(
                f"{module!r} cannot be imported ({type(exc).__name__}: {exc}); run the command "
                "where the project's modules import",
                key="--filter-module",
            ) from None


def _directory(config_dir: Path | None) -> Path:
    return Path(os.path.abspath(Path.cwd() if config_dir is None else config_dir))


# -- the conversion -----------------------------------------------------------------------------


class _Unconvertible(Exception):
    """A bundle that cannot be converted exactly: the key and the reason."""

    def __init__(self, key: str, reason: str):
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


@dataclass
class _Out:
    name: str  # the assetbuild bundle's logical path
    where: str  # the webassets key, with its file when there are several
    source: WaSource
    inputs: list[str]
    filters: list[str]
    filter_config: dict[str, Any]
    notes: list[str]
    versioned: bool  # its webassets output had %(version)s: its name is ours to choose
    fallback: str  # the name it takes when another bundle has the same one
    bundles: list[int] = field(default_factory=list)  # ids of the WaBundles it stands for


class _Converter:
    def __init__(
        self, sources: list[WaSource], config_dir: Path, release: str, url: str | None
    ) -> None:
        self.sources = sources
        self.config_dir = config_dir
        self.release = release
        self.given_url = url
        self.roots = self.combine_roots()
        self.files = list_files(self.roots)
        self.outputs: dict[str, _Out] = {}
        self.bundle_keys: dict[int, str] = {}  # id(WaBundle) -> the assetbuild bundle it became
        self.containers: dict[int, list[str]] = {}  # id(container) -> its children's bundles
        self.stale: list[str] = []  # globs of webassets' old outputs among the sources
        self.depends: list[str] = []  # globs of files the filters read (webassets' depends)
        self.notes: list[str] = []
        self.problems: list[Problem] = []
        self.known_filters: set[str] = set()
        self.used_config: set[tuple[str, str]] = set()  # (origin, key) given to a bundle
        self.aliases: dict[str, str] = {}
        self.filter_modules: list[str] = []
        self.flask = False  # for `flask assetbuild`: source, output and url are the app's

    def convert(self) -> Conversion:
        self.check_release()
        for source in self.sources:
            nested = {id(item) for b in source.bundles for item in _nested(b)}
            for bundle in source.bundles:
                try:
                    self.top(source, bundle, (), nested, (), bundle.name or "bundle")
                except _Unconvertible as exc:
                    self.problem(source, exc.key, exc.reason)
        if not self.outputs and not self.problems:
            origin = self.sources[0].origin
            raise ConfigError(
                "defines no bundle with an output; there is nothing to convert",
                file=origin,
                key="bundles" if origin != ENVIRONMENT_ORIGIN else None,
            )
        self.rename_over_sources()
        self.make_aliases()
        self.note_unused_config()
        unconvertible = tuple(dict.fromkeys(self.problems))
        notes = list(self.notes)
        for source in self.sources:
            notes += [f"{_label_of(source)}: {note}" for note in source.notes]
        for out in self.outputs.values():
            notes += [f"{out.name} ({out.where}): {note}" for note in out.notes]
        if unconvertible:
            return Conversion("", tuple(self.outputs), {}, tuple(notes), unconvertible)
        try:
            text = self.render()
        except ValueError as exc:  # a lone surrogate, which no TOML file can hold
            raise ConfigError(str(exc), file=self.sources[0].origin) from None
        self.check(text)
        return Conversion(text, tuple(self.outputs), dict(self.aliases), tuple(notes))

    def problem(self, source: WaSource, key: str | None, reason: str) -> None:
        where = f"{key}: {reason}" if key else reason
        self.problems.append(Problem(where, file=source.origin))

    # where the files are

    def combine_roots(self) -> list[Root]:
        """One load path for every source. Sources that share their directories share them; files
        of different directories each get a prefix: the directory's path under the directory
        common to them all (so a reference from one to another, ../vendor/x.png, resolves as on
        disk, and no file of one shadows a file of the same name in another)."""
        distinct = {tuple(r.path for r in s.roots) for s in self.sources}
        if len(distinct) == 1:
            return _unique_roots(r for s in self.sources for r in s.roots)
        for source in self.sources:
            if len(source.roots) != 1 or source.roots[0].prefix or source.contents_mode != "search":
                raise ConfigError(
                    "has a load path of several directories, which cannot be combined with other "
                    "files' directories; convert it on its own",
                    file=source.origin,
                    key="load_path",
                )
        paths = sorted({s.roots[0].path for s in self.sources})
        common = Path(os.path.commonpath(paths))
        for source in self.sources:
            relative = source.roots[0].path.relative_to(common).as_posix()
            source.roots[0].prefix = "" if relative == "." else f"{relative}/"
        return _unique_roots(s.roots[0] for s in self.sources)

    def check_release(self) -> None:
        reason = None if self.release else "is empty"
        release = Path(os.path.abspath(self.config_dir / self.release)) if self.release else None
        if release is not None and any(release == root.path for root in self.roots):
            reason = f"is the source directory {release}; the release needs its own"
        if reason:
            raise ConfigError(f"{reason} (the release directory, --release)", key="output")

    # bundles

    def top(
        self,
        source: WaSource,
        bundle: WaBundle,
        extra: tuple[str, ...],
        nested: set[int],
        containers: tuple[WaBundle, ...],
        fallback: str,
    ) -> None:
        if any(bundle is seen for seen in containers):
            cycle = " -> ".join(b.where for b in [*containers, bundle])
            raise _Unconvertible(bundle.where, f"contains itself: {cycle}")
        chain = merge_filters(bundle.filters, extra)
        if bundle.output is not None:
            self.merged(source, bundle, chain, fallback)
            return
        buildable = all(
            isinstance(item, WaBundle) and (item.output is not None or _is_container(item))
            for item in bundle.contents
        )
        if _is_container(bundle) and (buildable or id(bundle) not in nested):
            children = self.containers.setdefault(id(bundle), [])
            for index, item in enumerate(bundle.contents, 1):
                assert isinstance(item, WaBundle)
                if item.output is None and not _is_container(item):
                    raise _Unconvertible(
                        f"{item.where}.output",
                        f"is missing: {bundle.where} has no output either, so webassets builds "
                        "each of its bundles on its own and this one has nowhere to go",
                    )
                self.top(
                    source,
                    item,
                    chain,
                    nested,
                    (*containers, bundle),
                    item.name or f"{fallback}-{index}",
                )
                children += self.containers.get(id(item), [])
                if id(item) in self.bundle_keys:
                    children.append(self.bundle_keys[id(item)])
            return
        if id(bundle) in nested:
            return  # only a building block of other bundles, as in webassets
        raise _Unconvertible(
            f"{bundle.where}.output",
            "is missing: webassets cannot build a bundle of files without an output either. "
            "Give it one (it becomes the assetbuild bundle's name), or remove the bundle",
        )

    def merged(
        self, source: WaSource, bundle: WaBundle, chain: tuple[str, ...], fallback: str
    ) -> None:
        assert bundle.output is not None
        if bundle.problems:
            key, reason = bundle.problems[0]
            for other_key, other_reason in bundle.problems[1:]:
                self.problem(source, other_key, other_reason)
            raise _Unconvertible(key, reason)
        if not bundle.contents:
            raise _Unconvertible(f"{bundle.where}.contents", "is empty: there is nothing to bundle")
        notes = list(bundle.notes)
        name = self.name(source, bundle.output, f"{bundle.where}.output", notes, fallback)
        notes += _extra_notes(bundle.extra, name)
        entries: list[tuple[str, frozenset[str]]] = []  # (input, the filters webassets ran on it)
        added: dict[str, str] = {}  # a nested bundle's own filter -> that bundle's key
        configs: list[tuple[str, dict[str, Any]]] = [(bundle.where, bundle.config)]
        self.note_depends(source, bundle, notes)
        self.flatten(source, bundle, chain, [bundle], entries, added, configs, notes)
        for flt, where in added.items():
            for pattern, ran in entries:
                if flt not in ran and not keeps_meaning(flt, pattern):
                    raise _Unconvertible(
                        f"{where}.filters",
                        f"{flt} runs only on this nested bundle's files, and an assetbuild "
                        f"bundle runs one filter chain on all its inputs: {flt} would also run on "
                        f"{pattern!r}, which it may change. Give this bundle an output and take it "
                        f"out of {bundle.where} (a page then loads both), or compile its files "
                        "before the build",
                    )
        if added:
            notes.append(
                f"the nested bundles' own filters ({', '.join(added)}) run on all its inputs: "
                "they leave the other inputs' meaning as it is"
            )
        filters = self.filters(tuple(added) + chain, f"{bundle.where}.filters", notes)
        if not filters:
            notes.append(
                "webassets ran no filter on it, so it stays unminified (filters = []); delete "
                "the 'filters' line to have assetbuild minify it"
            )
        inputs = list(dict.fromkeys(pattern for pattern, _ in entries))
        filter_config = self.filter_config(source, filters, configs)
        out = _Out(
            name,
            _where(source, bundle.where, len(self.sources)),
            source,
            inputs,
            filters,
            filter_config,
            notes,
            VERSION in bundle.output,
            _fallback_name(name, fallback),
            [id(bundle)],
        )
        self.add(out, f"{bundle.where}.output")
        self.exclude_stale(source, bundle.output)

    def add(self, out: _Out, key: str) -> None:
        previous = self.outputs.get(out.name)
        if previous is None:
            self.outputs[out.name] = out
        elif (previous.inputs, previous.filters, previous.filter_config) == (
            out.inputs,
            out.filters,
            out.filter_config,
        ):
            previous.bundles += out.bundles  # the same bundle, twice: both names are aliases
        elif (out.versioned or previous.versioned) and out.fallback not in self.outputs:
            # Webassets gave each its own name (the version differs with the contents).
            out.notes.append(
                f"named {out.fallback!r}, not {out.name!r}, which is also the output of "
                f"{previous.where} (webassets told them apart by the version alone)"
            )
            out.name = out.fallback
            self.outputs[out.name] = out
        else:
            raise _Unconvertible(
                key,
                f"is also the output of {previous.where}, with other inputs or filters; "
                "webassets would overwrite one with the other. Give them different outputs",
            )
        for bundle_id in out.bundles:
            self.bundle_keys[bundle_id] = out.name

    def flatten(
        self,
        source: WaSource,
        bundle: WaBundle,
        chain: tuple[str, ...],
        stack: list[WaBundle],
        entries: list[tuple[str, frozenset[str]]],
        added: dict[str, str],
        configs: list[tuple[str, dict[str, Any]]],
        notes: list[str],
    ) -> None:
        for index, item in enumerate(bundle.contents):
            if isinstance(item, str):
                key = f"{bundle.where}.contents[{index}]"
                entries.append((self.pattern(source, item, key, notes), frozenset(chain)))
                continue
            if any(item is seen for seen in stack):
                cycle = " -> ".join(b.where for b in [*stack[stack.index(item) :], item])
                raise _Unconvertible(item.where, f"contains itself: {cycle}")
            if item.problems:
                raise _Unconvertible(*item.problems[0])
            for name in item.filters:
                if name not in chain and name != "cssrewrite":
                    added.setdefault(name, item.where)
            configs.append((item.where, item.config))
            notes += [note for note in item.notes if note not in notes]
            self.note_depends(source, item, notes)
            self.flatten(
                source,
                item,
                merge_filters(item.filters, chain),
                [*stack, item],
                entries,
                added,
                configs,
                notes,
            )

    def pattern(self, source: WaSource, item: str, key: str, notes: list[str]) -> str:
        """A bundle's content as an input glob over logical paths."""
        if _REMOTE.match(item):
            raise _Unconvertible(
                key,
                f"{item!r} is remote; assetbuild builds from local files only. Download it into "
                "the static directory (vendor it) and name that file",
            )
        pattern = item
        if os.path.isabs(pattern):
            return self.relative_to_sources(source, pattern, key)
        while pattern.startswith("./"):
            pattern = pattern[2:]
        if _ASSET_SPEC.match(pattern):
            raise _Unconvertible(
                key,
                f"{item!r} is a package:path asset specification (pyramid_webassets), which "
                "names a file by importing its package; write the path relative to the file's "
                "directory (or to --directory)",
            )
        reason = unsafe_path_reason(pattern)
        if reason:
            raise _Unconvertible(
                key, f"{item!r} {reason}; inputs must stay inside the static directory"
            )
        segments = pattern.split("/")
        if "**" in segments:
            pattern = "/".join("*" if s == "**" else s for s in segments)
            notes.append(
                f"{item!r} became {pattern!r}: webassets' glob is not recursive, so its '**' "
                "matches one directory level, like '*'; write '**' to match any depth"
            )
        return self.logical(source, pattern)

    def logical(self, source: WaSource, pattern: str) -> str:
        """The logical glob of a content: as written where the contents are logical paths
        already, else under the prefix of the first directory that has it (webassets' order)."""
        if source.contents_mode == "logical" or all(not r.prefix for r in source.roots):
            return pattern
        for root in source.roots:
            if globbing.glob(pattern, root_dir=root.path):
                return root.prefix + pattern
        return source.roots[0].prefix + pattern  # matches nothing: the build will say so

    def relative_to_sources(self, source: WaSource, path: str, key: str) -> str:
        absolute = Path(os.path.abspath(path))
        for root in source.roots:
            if absolute.is_relative_to(root.path):
                return root.prefix + absolute.relative_to(root.path).as_posix()
        raise _Unconvertible(key, f"{path!r} lies outside the static directory; copy it inside")

    def name(self, source: WaSource, output: str, key: str, notes: list[str], fallback: str) -> str:
        name = output
        if os.path.isabs(name):
            if source.directory is None:
                raise _Unconvertible(key, f"{output!r} is absolute and there is no 'directory'")
            absolute = Path(os.path.abspath(name))
            if not absolute.is_relative_to(source.directory):
                raise _Unconvertible(key, f"{output!r} lies outside 'directory'")
            name = absolute.relative_to(source.directory).as_posix()
        if VERSION in name:
            name = _without_version(name, fallback)
            notes.append(
                f"output {output!r} is now {name!r}: assetbuild puts a content hash in every "
                "file name itself"
            )
        while name.startswith("./"):
            name = name[2:]
        reason = unsafe_path_reason(name)
        if reason:
            raise _Unconvertible(
                key, f"{output!r} {reason}; an output is a path relative to the release"
            )
        if posixpath.splitext(name)[1].lower() not in (".css", ".js"):
            raise _Unconvertible(
                key,
                f"{output!r}: an assetbuild bundle is a .css or a .js file, named by its output",
            )
        return name

    def filters(self, chain: Iterable[str], key: str, notes: list[str]) -> list[str]:
        from webassets.filter import get_filter

        result = []
        for name in chain:
            if name == "cssrewrite":
                notes.append(
                    "filter 'cssrewrite' dropped: assetbuild rewrites url() and @import "
                    "references to the fingerprinted files itself"
                )
                continue
            if name not in self.known_filters:
                try:
                    get_filter(name)
                except ValueError:
                    raise _Unconvertible(
                        key,
                        f"{name!r} is not a filter webassets knows; if it is one of your own, "
                        "register it (webassets.filter.register_filter) in a module of your "
                        "project and convert again with --filter-module MODULE",
                    ) from None
                self.known_filters.add(name)
            result.append(name)
        return result

    def filter_config(
        self,
        source: WaSource,
        filters: Sequence[str],
        configs: Sequence[tuple[str, Mapping[str, Any]]],
    ) -> dict[str, Any]:
        """The options webassets would give this bundle's filters: the environment's value of
        each key a filter of the bundle reads, then the bundle's own (and its nested bundles')."""
        reads = {key for name in filters for key in filter_config_keys(name)}
        found: dict[str, tuple[str, Any]] = {}
        for key, value in source.config.items():
            if key in reads:
                found[key] = ("config", value)
                self.used_config.add((source.origin, key))
        for where, config in configs:
            for key, value in config.items():
                earlier = found.get(key)
                if earlier is not None and earlier[0] != "config" and earlier[1] != value:
                    raise _Unconvertible(
                        f"{where}.config.{key}",
                        f"differs from {earlier[0]}.config.{key}: the bundles are joined into "
                        "one, whose filters get one value",
                    )
                found[key] = (where, value)
        result = {}
        for key, (where, value) in sorted(found.items()):
            place = f"{where}.{key}" if where != "config" else f"config.{key}"
            if key.lower() in _ENVIRONMENT_SETTINGS:
                continue  # where files are is source, output and url; the rest is dropped
            if not _CONFIG_KEY.fullmatch(key):
                raise _Unconvertible(
                    place, "is not a webassets config key (letters, digits and '_')"
                )
            converted = config_value(value)
            if converted is None:
                raise _Unconvertible(
                    place,
                    f"is {value!r}; filter_config holds strings, lists of strings, booleans "
                    "and integers, as webassets' YAML config does",
                )
            result[key] = converted
        return result

    def note_depends(self, source: WaSource, bundle: WaBundle, notes: list[str]) -> None:
        if not bundle.depends:
            return
        globs = []
        for item in bundle.depends:
            try:
                globs.append(self.pattern(source, item, f"{bundle.where}.depends", []))
            except _Unconvertible:
                continue  # a file outside the sources: nothing to exclude
        self.depends += [g for g in globs if g not in self.depends]
        notes.append(
            "'depends' dropped: it told webassets which files its filters read (partials, "
            "imports) so that it rebuilt when they changed; `assetbuild build` reads the sources "
            "afresh every time. Those among the sources are excluded from the release"
        )

    def exclude_stale(self, source: WaSource, output: str) -> None:
        """Webassets wrote its bundles into ``directory``; if that is a source directory, the old
        outputs are there too, and must not be published (or clash with the bundle's name)."""
        if source.directory is None:
            return
        target = Path(os.path.abspath(source.directory / output))
        pattern = escaped_logical(target, source.roots)
        if pattern is not None:
            pattern = pattern.replace(glob_escape(VERSION), "*")
            if pattern not in self.stale:
                self.stale.append(pattern)

    def rename_over_sources(self) -> None:
        """A bundle named like a source file that is published on its own: webassets wrote its
        outputs to a directory of their own (CKAN's), assetbuild publishes both in one."""
        inputs = [pattern for out in self.outputs.values() for pattern in out.inputs]
        shown = published(self.files, [*self.excludes_globs(), *inputs])
        for name in list(self.outputs):
            if name not in shown:
                continue
            out = self.outputs.pop(name)
            stem, extension = posixpath.splitext(name)
            renamed, number = f"{stem}.bundle{extension}", 2
            while renamed in self.outputs or renamed in shown:
                renamed, number = f"{stem}.bundle-{number}{extension}", number + 1
            out.notes.append(
                f"named {renamed!r}: {name!r} is also a source file, published on its own "
                "(webassets wrote its outputs elsewhere)"
            )
            out.name = renamed
            self.outputs[renamed] = out
            for bundle_id in out.bundles:
                self.bundle_keys[bundle_id] = renamed

    def make_aliases(self) -> None:
        """Every bundle name an alias of what it became; a name that several files use is
        qualified by each file instead ("javascript/main", "css/main"), never one winning."""
        named: dict[str, list[tuple[WaSource, WaBundle]]] = {}
        for source in self.sources:
            for bundle in source.bundles:
                if bundle.name is not None:
                    named.setdefault(bundle.name, []).append((source, bundle))
        labels = _file_labels(self.sources)
        taken = set(self.outputs) | set(self.files)
        for name, uses in named.items():
            if len({id(s) for s, _ in uses}) > 1:
                files = ", ".join(s.origin for s, _ in uses)
                self.notes.append(
                    f"the bundle name {name!r} is used in {files}: each gets an alias qualified "
                    f"by its file ({', '.join(f'{labels[id(s)]}/{name}' for s, _ in uses)})"
                )
                pairs = [(f"{labels[id(s)]}/{name}", s, b) for s, b in uses]
            else:
                pairs = [(name, s, b) for s, b in uses]
            for alias, source, bundle in pairs:
                self.alias(alias, source, bundle, taken)

    def alias(self, alias: str, source: WaSource, bundle: WaBundle, taken: set[str]) -> None:
        target = self.bundle_keys.get(id(bundle))
        children = self.containers.get(id(bundle))
        if target is None and children:
            source.notes.append(
                f"bundle {alias!r} gets no alias: it is a container of {len(children)} bundles "
                f"({', '.join(children)}), and an alias names one asset; a template that "
                "included it names each of them"
            )
            return
        if target is None or alias == target:
            return  # a building block of other bundles only, or already its own name
        reason = unsafe_path_reason(alias)
        if reason is None and alias in taken:
            reason = "is also the name of an asset of the release"
        if reason is None and alias in self.aliases:
            reason = "is already an alias"
        if reason:
            source.notes.append(f"bundle {alias!r} gets no alias: the name {reason}")
            return
        self.aliases[alias] = target

    def note_unused_config(self) -> None:
        for source in self.sources:
            unused = [k for k in source.config if (source.origin, k) not in self.used_config]
            if unused:
                source.notes.append(
                    f"config {', '.join(unused)} dropped: no filter of the converted bundles "
                    "reads it (webassets filters read the config keys their options name); add "
                    "it to a bundle's filter_config if one of yours reads it"
                )

    # output

    def excludes_globs(self) -> list[str]:
        return [g for group in self.exclude_groups() for g in group.globs]

    def exclude_groups(self) -> list[ExcludeGroup]:
        groups = []
        stale = list(self.stale)
        for source in self.sources:
            for path, is_directory in source.stale:
                pattern = escaped_logical(path, self.roots)
                if pattern is not None:
                    stale.append(f"{pattern}/**" if is_directory else pattern)
        if stale:
            groups.append(
                ExcludeGroup(
                    "webassets wrote its bundles (and manifest or cache) among the sources; they "
                    "are old build output, not sources",
                    tuple(dict.fromkeys(stale)),
                )
            )
        if self.depends:
            groups.append(
                ExcludeGroup(
                    "files the filters read besides the inputs (webassets' depends): partials "
                    "and imports, not assets",
                    tuple(self.depends),
                )
            )
        seen = {g for group in groups for g in group.globs}
        for group in propose_excludes(self.files):
            fresh = tuple(g for g in group.globs if g not in seen)
            if fresh:
                groups.append(ExcludeGroup(group.reason, fresh))
        return groups

    def url(self) -> tuple[str, bool]:
        """The release's URL prefix, and whether a source said it (else it is the default)."""
        urls = [(s.origin, s.url) for s in self.sources if s.url is not None]
        if not urls:
            return (self.given_url or DEFAULT_URL), self.given_url is not None
        chosen = urls[0][1]
        assert chosen is not None
        for origin, other in urls[1:]:
            if other != chosen:
                self.notes.append(
                    f"{origin} has url {other!r}, the release is served under {chosen!r} (from "
                    f"{urls[0][0]}): one release, one URL prefix"
                )
        return chosen, True

    def render(self) -> str:
        origins = ", ".join(_title(s.origin) for s in self.sources)
        lines = [
            f"# assetbuild.toml, converted from {toml_comment(origins)}.",
            "# Review the notes below, then run "
            + (
                "`flask assetbuild build`."
                if self.flask
                else "`assetbuild build` (and `assetbuild verify`)."
            ),
        ]
        lines += [f"# note: {toml_comment(note)}" for note in self.notes]
        for source in self.sources:
            label = f"{_label_of(source)}: " if len(self.sources) > 1 else ""
            lines += [f"# note: {toml_comment(label + note)}" for note in source.notes]
        lines.append("")
        url, said = self.url()
        release_keys = [
            self.render_source(),
            f"output = {toml_string(self.release)}",
            *([] if said else ["# webassets had no 'url'; this is assetbuild's default"]),
            f"url = {toml_string(url if url.endswith('/') else url + '/')}",
        ]
        if self.flask:
            # The app says these (its static folders, the release beside it, static_url_path),
            # and `flask assetbuild` refuses a file that says them too.
            lines.append("# source, output and url come from the Flask app (flask assetbuild);")
            lines.append("# for `assetbuild build` without Flask they would be:")
            lines += [f"# {line}" for key in release_keys for line in key.splitlines()]
        else:
            lines += release_keys
        if self.filter_modules:
            lines.append(f"filter_modules = {toml_array(self.filter_modules)}")
        groups = self.exclude_groups()
        if groups:
            lines.append("exclude = [")
            for group in groups:
                lines.append(f"    # {toml_comment(group.reason)}")
                lines += [f"    {toml_string(pattern)}," for pattern in group.globs]
            lines.append("]")
        if self.aliases:
            lines.append("")
            lines.append("# webassets' bundle names, for templates and asset_tag/asset_url")
            lines.append("[aliases]")
            lines += [f"{toml_string(a)} = {toml_string(t)}" for a, t in self.aliases.items()]
        for out in self.outputs.values():
            lines.append("")
            lines.append(f"# from webassets: {toml_comment(out.where)}")
            lines += [f"# note: {toml_comment(note)}" for note in out.notes]
            lines.append(f"[bundles.{toml_string(out.name)}]")
            lines.append(f"inputs = {toml_array(out.inputs)}")
            lines.append(f"filters = {toml_array(out.filters)}")
            if out.filter_config:
                lines.append(f"filter_config = {_inline_table(out.filter_config)}")
        return "\n".join(lines) + "\n"

    def render_source(self) -> str:
        paths = [self.relative(root.path) for root in self.roots]
        if all(not root.prefix for root in self.roots):
            if len(paths) == 1:
                return f"source = {toml_string(paths[0])}"
            return f"source = {toml_array(paths)}"
        items = [
            f"{{ path = {toml_string(path)}, prefix = {toml_string(root.prefix)} }}"
            if root.prefix
            else toml_string(path)
            for path, root in zip(paths, self.roots, strict=True)
        ]
        return "source = [\n" + "".join(f"    {item},\n" for item in items) + "]"

    def relative(self, path: Path) -> str:
        try:
            return Path(os.path.relpath(path, self.config_dir)).as_posix()
        except ValueError:  # pragma: no cover - another drive, on Windows
            return path.as_posix()

    def check(self, text: str) -> None:
        """The text must read back as what was meant: a wrong escape would be a silent change."""
        document = tomllib.loads(text)
        expected = {
            out.name: {
                "inputs": out.inputs,
                "filters": out.filters,
                **({"filter_config": out.filter_config} if out.filter_config else {}),
            }
            for out in self.outputs.values()
        }
        aliases = document.get("aliases", {})
        if document.get("bundles") != expected or aliases != self.aliases:  # pragma: no cover
            raise AssertionError(f"the TOML written does not read back:\n{text}")


# -- helpers ------------------------------------------------------------------------------------


def _title(origin: str) -> str:
    return "a webassets Environment" if origin == ENVIRONMENT_ORIGIN else origin


def _label_of(source: WaSource) -> str:
    return _title(source.origin)


def _where(source: WaSource, key: str, sources: int) -> str:
    return f"{source.origin}: {key}" if sources > 1 else key


def _unique_roots(roots: Iterable[Root]) -> list[Root]:
    unique: dict[tuple[Path, str], Root] = {}
    for root in roots:
        unique.setdefault((root.path, root.prefix), root)
    return list(unique.values())


def _file_labels(sources: Sequence[WaSource]) -> dict[int, str]:
    """What qualifies a bundle name by its file: the file's directory under the directory common
    to all the files ("javascript", "css": CKAN keeps one webassets.yml per directory), or, when
    two files share a directory, the file's path there without its extension."""
    paths = [Path(os.path.abspath(s.origin)) for s in sources]
    common = Path(os.path.commonpath([p.parent for p in paths]))
    by_directory = len({p.parent for p in paths}) == len(paths)
    labels = {}
    for source, path in zip(sources, paths, strict=True):
        place = path.parent if by_directory else path.with_suffix("")
        relative = place.relative_to(common).as_posix()
        labels[id(source)] = path.stem if relative == "." else relative
    return labels


def _without_version(name: str, fallback: str) -> str:
    """``name`` without its ``%(version)s`` placeholders (and a separator each); a file name
    left with no stem takes ``fallback``, the bundle's name."""
    directory, _, base = name.rpartition("/")
    segments = [s for s in directory.split("/") if s and s != VERSION] if directory else []
    segments = [_VERSION_IN_STEM.sub("", s) for s in segments]
    stem, extension = posixpath.splitext(base)
    stem = _VERSION_IN_STEM.sub("", stem) or fallback
    return "/".join([*(s for s in segments if s), stem + extension])


def _fallback_name(name: str, fallback: str) -> str:
    directory, _, base = name.rpartition("/")
    extension = posixpath.splitext(base)[1]
    return f"{directory}/{fallback}{extension}" if directory else f"{fallback}{extension}"


def _extra_notes(extra: Mapping[str, Any], name: str) -> list[str]:
    """What a bundle's ``extra`` (data webassets handed its templates as EXTRA) becomes."""
    notes = []
    attributes = {}
    for key, value in extra.items():
        if key == "rel":
            notes.append(
                f"'extra' rel={value!r} dropped: asset_tag writes rel=\"stylesheet\" itself, "
                "and the bundle it links is compiled CSS"
            )
        elif key in TAG_ATTRIBUTES and isinstance(value, str | bool):
            attributes[key] = value
        else:
            notes.append(
                f"'extra' {key}={value!r} has no counterpart in assetbuild: it was data for "
                f"templates that read EXTRA.{key} (CKAN's preload, for one, lists the bundles "
                "to include first); such a template now names what it needs itself"
            )
    if attributes:
        shown = ", ".join(
            f"{k}={'True' if v is True else 'False' if v is False else toml_string(v)}"
            for k, v in attributes.items()
        )
        notes.append(
            f"'extra' becomes attributes of the tag: asset_tag({toml_string(name)}, {shown})"
        )
    return notes


def _inline_table(values: Mapping[str, Any]) -> str:
    parts = []
    for key, value in values.items():
        name = key if _BARE_KEY.fullmatch(key) else toml_string(key)
        if isinstance(value, bool):
            shown = "true" if value else "false"
        elif isinstance(value, int):
            shown = str(value)
        elif isinstance(value, str):
            shown = toml_string(value)
        else:
            shown = "[" + ", ".join(toml_string(v) for v in value) + "]"
        parts.append(f"{name} = {shown}")
    return "{ " + ", ".join(parts) + " }"


def _nested(bundle: WaBundle) -> Iterable[WaBundle]:
    seen: set[int] = set()
    stack = [item for item in bundle.contents if isinstance(item, WaBundle)]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        stack += [child for child in item.contents if isinstance(child, WaBundle)]


def _is_container(bundle: WaBundle) -> bool:
    return bool(bundle.contents) and all(isinstance(item, WaBundle) for item in bundle.contents)
