"""Bundles: filters by name, and joining inputs so that nothing changes meaning.

Owns: the filter chain (rcssmin and rjsmin called directly, any other name looked up in
webassets' registry, imported only then, with the bundle's ``filter_config`` in its
environment's config), importing the project's ``filter_modules``, what a chain's result can be
cached by (its ``identity``: the filters, their options and config, their code and the versions
of the libraries and programs they use; how far beyond its input a filter may read, and the
names a compiler's imports give), the text each webassets filter wrote (``Step``) and the
programs it ran, the safe JS join, and the CSS join rules (one leading ``@charset`` at most,
no byte-order marks, hoisted ``@import`` rules first).
Must not: resolve references or read source files; it is given text that is already rewritten.
It does not decide whether a result is cached (``reader`` does, with ``cache``).
"""

from __future__ import annotations

import contextvars
import hashlib
import importlib
import importlib.metadata
import inspect
import io
import json
import os
import re
import shutil
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

import rcssmin
import rjsmin

from assetbuild.errors import BuildError, ConfigError, Problem

if TYPE_CHECKING:
    from assetbuild.compiler.config import Config, FilterSetting
    from assetbuild.compiler.plan import Plan

# License comments (/*! ... */) are kept: most vendor licenses require the notice to travel with
# the code, and esbuild and terser keep them too.
_DIRECT = {
    "rcssmin": lambda text: rcssmin.cssmin(text, keep_bang_comments=True),
    "rjsmin": lambda text: rjsmin.jsmin(text, keep_bang_comments=True),
}

# What a filter may read besides the text it is given, which its cached result must then depend
# on: nothing ("input"); only what its text names ("named": a Less or Sass @import, a partial, a
# file clean-css inlines, an image Less's data-uri() embeds); or anything ("any": a project's
# own filter, datauri, postcss's plugins). Ordered: a chain reads as far as its farthest filter.
Reads = Literal["input", "named", "any"]
READS: tuple[Reads, ...] = ("input", "named", "any")
# Which source files a step may read, once its text is known: "none"; "text", the text files of
# the source directories (an import names a stylesheet, a partial, whatever its extension,
# never an image or a font); or "all".
Scope = Literal["none", "text", "all"]
# webassets' own filters that transform the text they are given and read no other file (their
# tools' own config files, outside the source directories, are not known either way).
_READS_INPUT = frozenset(
    {
        "autoprefixer",
        "autoprefixer6",
        "babel",
        "clevercss",
        "closure_js",
        "closure_stylesheets_minifier",
        "closure_tmpl",
        "coffeescript",
        "css_slimmer",
        "cssmin",
        "cssprefixer",
        "cssrewrite",
        "cssutils",
        "dustjs",
        "handlebars",
        "jinja2",
        "jsmin",
        "jspacker",
        "jst",
        "rcssmin",
        "replace",
        "rjsmin",
        "slimit",
        "typescript",
        "uglifyjs",
        "yui_css",
        "yui_js",
    }
)
# Compilers that read a file only where their text names it: with none of ``_IMPORTS`` or
# ``_EMBEDS`` in its text, a step of theirs reads nothing else.
_READS_NAMED = frozenset(
    {
        "cleancss",
        "less",
        "less_ruby",
        "libsass",
        "node-sass",
        "node-scss",
        "pyscss",
        "sass",
        "sass_ruby",
        "scss",
        "scss_ruby",
        "stylus",
    }
)
# Statements that read another stylesheet (Less, Sass, Stylus, CSS), in any case, even inside a
# comment: a mention is enough to count.
_IMPORTS = re.compile(r"@(?:import|use|forward|require)\b", re.IGNORECASE)
# Whatever else such a compiler reads a file for: an image or font it embeds or measures (Less's
# data-uri() and image-size(), pyScss's inline-image(), Stylus's embedurl()), a plugin or a
# JSON file it loads, a stylesheet Sass's meta.load-css() loads.
_EMBEDS = re.compile(
    r"data-uri|image-(?:size|width|height|url)|inline-(?:image|font-files)|font-files|embedurl"
    r"|load-css|@plugin|\b(?:use|json)\s*\(",
    re.IGNORECASE,
)
_IDENTITY_FORMAT = 1  # bump when what a chain's identity covers changes
# The names an import statement gives: quoted strings and unquoted url() arguments.
_IMPORTED = re.compile(r"\"([^\"]*)\"|'([^']*)'|url\(\s*([^)'\"\s]*)\s*\)", re.IGNORECASE)
# What makes a name unknowable before the compiler runs: interpolation (Less @{x}, Sass #{x}),
# a variable, a glob (Stylus imports "dir/*").
_UNKNOWABLE = re.compile(r"[@#$]\{|[$*{}]")
_BARE = re.compile(r"[\w./~:-]+")
# Extensions a compiler adds or leaves out when it looks a name up (Sass finds "colors" as
# _colors.scss, Less "theme" as theme.less): a name and a file are compared without them.
_STYLE_EXTENSIONS = (".less", ".scss", ".sass", ".css", ".styl")


@dataclass(frozen=True)
class Step:
    """One webassets filter's step on one text: what it was given and what it wrote, so that
    what a filter added (a path of the build machine, say) can be told from what it was given."""

    filter: str  # the filter's name
    before: str
    after: str


@dataclass(frozen=True)
class Filtered:
    """What a chain's input or output step made of a text."""

    text: str
    steps: tuple[Step, ...] = ()  # each webassets filter that ran, in order
    programs: tuple[str, ...] = ()  # what its filters started, as they named it (argv[0])


@dataclass(frozen=True)
class FilterChain:
    """The filters of one bundle, in order. Webassets filters run their ``input`` step on each
    input file and their ``output`` step on the joined bundle, as webassets itself runs them."""

    names: tuple[str, ...]
    _webassets: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    _directory: str = ""  # the first source directory: webassets' environment directory
    # A digest of everything besides its input that a result of the chain depends on and that
    # can be known before it runs (see ``_identity``); "" for a chain of assetbuild's own filters.
    identity: str = ""
    reads: Reads = "input"

    def scope(self, text: str) -> Scope:
        """Which source files a step of the chain may read, given ``text`` (see ``Scope``)."""
        if self.reads == "input":
            return "none"
        if self.reads == "any" or _EMBEDS.search(text):
            return "all"
        return "text" if _IMPORTS.search(text) else "none"

    @property
    def pure(self) -> bool:
        """Whether the output depends on the inputs' text alone: only assetbuild's own filters
        (rcssmin, rjsmin), none of webassets', whose tools may read more than their input."""
        return not self._webassets

    def input(self, text: str, source_path: str, bundle: str) -> Filtered:
        """Each webassets filter's input step on one input file, given the keyword arguments
        webassets gives it: the input's name and path, the bundle's name and path."""
        source = os.path.relpath(source_path, self._directory) if self._directory else source_path
        paths = {
            "source": source,
            "source_path": source_path,
            "output": bundle,
            "output_path": os.path.join(self._directory, bundle),
        }
        steps: list[Step] = []
        programs: list[str] = []
        for flt in self._webassets:
            if getattr(flt, "input", None):
                after = _run(flt, "input", text, source_path, programs, **paths)
                steps.append(Step(flt.name, text, after))
                text = after
        return Filtered(text, tuple(steps), tuple(programs))

    def output(self, text: str, bundle: str) -> Filtered:
        output_path = os.path.join(self._directory, bundle)
        webassets_filters = iter(self._webassets)
        steps: list[Step] = []
        programs: list[str] = []
        for name in self.names:
            if name in _DIRECT:
                text = _DIRECT[name](text)
                continue
            flt = next(webassets_filters)
            if getattr(flt, "output", None):
                after = _run(
                    flt, "output", text, bundle, programs, output=bundle, output_path=output_path
                )
                steps.append(Step(flt.name, text, after))
                text = after
        return Filtered(text, tuple(steps), tuple(programs))


def embeds(text: str) -> bool:
    """Whether a compiler given ``text`` may read a file that no import names (see ``_EMBEDS``)."""
    return _EMBEDS.search(text) is not None


def imported_stems(text: str) -> frozenset[str] | None:
    """What the import statements of a stylesheet compiler's ``text`` may name, as stems (see
    ``stems_of``), or None when that cannot be known before the compiler runs (a name built by
    interpolation, a variable, a glob). Generous, never short: a word of a comment that mentions
    ``@import`` counts too, and a statement continued over lines is read to its end."""
    stems: set[str] = set()
    for found in _IMPORTS.finditer(text):
        statement = _statement(text, found.end())
        names = [
            next(g for g in m.groups() if g is not None) for m in _IMPORTED.finditer(statement)
        ]
        if not names:  # Stylus and Sass's indented syntax allow a bare name
            if _UNKNOWABLE.search(statement):
                return None
            names = _BARE.findall(statement)
        for name in names:
            if _UNKNOWABLE.search(name):
                return None
            stems.add(_stem(name))
    return frozenset(stems)


def stems_of(logical_path: str) -> tuple[str, ...]:
    """The stems under which an import can reach a file: its name without a leading ``_`` and a
    stylesheet extension, in lower case (``less/_Colors.less`` -> ``colors``); an index file
    (``theme/_index.scss``) by its directory's name too, as Sass and Stylus load it, and a
    Sass import-only file (``theme.import.scss``) by its module's name too."""
    stem = _stem(logical_path)
    if stem == "index":
        parent = logical_path.rpartition("/")[0]
        if parent:
            return stem, _stem(parent)
    if stem.endswith(".import"):  # Sass's import-only file: @import "theme" loads it first
        return stem, stem.removesuffix(".import")
    return (stem,)


def _stem(name: str) -> str:
    base = re.split(r"[?#]", name, maxsplit=1)[0].rstrip("/").rpartition("/")[2]
    base = base.lower().lstrip("_")
    for extension in _STYLE_EXTENSIONS:
        if base.endswith(extension) and len(base) > len(extension):
            return base[: -len(extension)]
    return base


def _statement(text: str, start: int) -> str:
    """An import statement's rest from ``start``: to its ``;``, or to the end of a line that
    does not end with a comma (a list of names goes on)."""
    end = start
    while True:
        stop = min(
            (i for i in (text.find(";", end), text.find("\n", end)) if i != -1),
            default=len(text),
        )
        if stop < len(text) and text[stop] == "\n" and text[start:stop].rstrip().endswith(","):
            end = stop + 1
            continue
        return text[start:stop]


def filter_chain(
    names: Sequence[str],
    *,
    bundle: str,
    config_file: str,
    source_dir: str,
    settings: Sequence[tuple[str, FilterSetting]] = (),
) -> FilterChain:
    """Look up ``names``; an unknown name is a ``ConfigError`` naming the bundle's ``filters`` key.
    ``settings`` (the bundle's ``filter_config``) go into the filters' environment's config."""
    others = [n for n in names if n not in _DIRECT]
    if not others:
        return FilterChain(tuple(names), _directory=source_dir)
    # webassets costs about 100 ms to import: pay it only when a bundle names one of its filters.
    import webassets
    from webassets import Environment
    from webassets.bundle import ContextWrapper
    from webassets.filter import get_filter

    environment = Environment(directory=source_dir, url="/", auto_build=False)
    for key, value in settings:
        # As webassets' YAML loader leaves them: a list stays a list (CLEANCSS_EXTRA_ARGS).
        environment.config[key] = list(value) if isinstance(value, tuple) else value
    context = ContextWrapper(environment)
    instances = []
    for name in others:
        try:
            flt = get_filter(name)
            flt.set_context(context)
            flt.setup()
        except (ValueError, OSError, ImportError) as exc:
            raise ConfigError(
                f"filter {name!r} cannot be used ({exc}); name a webassets filter whose tool is "
                "installed, or use [] for none",
                file=config_file,
                key=f'bundles."{bundle}".filters',
            ) from None
        instances.append(flt)
    _watch_programs()
    identity = _identity(names, instances, settings, webassets.__version__)
    reads = max((_reads(flt) for flt in instances), key=READS.index)
    return FilterChain(tuple(names), tuple(instances), source_dir, identity, reads)


def filter_chains(plan: Plan, config: Config) -> dict[str, FilterChain]:
    """Every bundle's filter chain, by the bundle's logical path, once the project's
    ``filter_modules`` are imported (they may register the filters the bundles name)."""
    import_filter_modules(config.filter_modules, config_file=str(config.file))
    return {
        asset.logical_path: filter_chain(
            asset.bundle.filters,
            bundle=asset.logical_path,
            config_file=str(config.file),
            source_dir=str(config.sources[0].path),
            settings=asset.bundle.filter_config,
        )
        for asset in plan.assets.values()
        if asset.bundle is not None
    }


def import_filter_modules(names: Sequence[str], *, config_file: str) -> None:
    """Import each module, with the config file's directory first on ``sys.path`` meanwhile (as
    ``python -m`` puts the current directory there), so that a project's module is found
    whether or not it is installed. Whatever an import raises is a ``ConfigError`` naming the
    module and the key."""
    if not names:
        return
    directory = str(Path(config_file).parent)
    with _on_path(directory):
        for name in names:
            try:
                importlib.import_module(name)
            except Exception as exc:  # a module's own code may raise anything while it loads
                raise ConfigError(
                    f"cannot import {name!r} ({type(exc).__name__}: {exc}); install the module "
                    f"or put it under {directory}, or remove it from the list",
                    file=config_file,
                    key="filter_modules",
                ) from None


@contextmanager
def _on_path(directory: str) -> Iterator[None]:
    if directory in sys.path:
        yield
        return
    sys.path.insert(0, directory)
    try:
        yield
    finally:
        if directory in sys.path:
            sys.path.remove(directory)


def _run(flt: Any, step: str, text: str, where: str, programs: list[str], **kwargs: str) -> str:
    """One step of a webassets filter; whatever it raises is a problem with ``where`` (the
    input file, or the bundle), named with the filter, never a traceback. The programs the
    filter starts meanwhile are added to ``programs``."""
    out = io.StringIO()
    token = _PROGRAMS.set(programs)
    try:
        getattr(flt, step)(io.StringIO(text), out, **kwargs)
    except Exception as exc:
        missing = _MISSING_PROGRAM.search(str(exc))
        if missing is not None:
            problem = _not_installed(flt, missing.group(1), kwargs.get("output"), where)
            raise BuildError([problem]) from exc
        raise BuildError(
            [
                Problem(
                    f"webassets filter {flt.name!r} failed ({type(exc).__name__}: {exc}); "
                    "fix its input or its tool's setup, or remove it from the bundle's filters",
                    where,
                )
            ]
        ) from exc  # kept for --debug
    finally:
        _PROGRAMS.reset(token)
    return out.getvalue()


# What webassets' ExternalTool says when the program it runs is not there.
_MISSING_PROGRAM = re.compile(r"Program file not found: (.+?)\.?$")


def _not_installed(flt: Any, program: str, bundle: str | None, where: str) -> Problem:
    """A filter whose program is missing, said as such: what to install, or which setting of
    the bundle's ``filter_config`` names the program (webassets' ``*_BIN`` options)."""
    keys = [
        option[1] if isinstance(option, tuple) else option
        for option in (getattr(flt, "options", None) or {}).values()
    ]
    settings = [key for key in keys if isinstance(key, str) and key.upper().endswith("_BIN")]
    named = (
        f' (or name it in filter_config: {settings[0]} = "/path/to/{program}")' if settings else ""
    )
    of = f"bundle {bundle}: " if bundle else ""
    return Problem(
        f"{of}webassets filter {flt.name!r} runs the program {program!r}, which is not "
        f"installed or not on PATH; install it{named}, or remove the filter from the bundle",
        where,
    )


# -- what a chain's result depends on -----------------------------------------------------------


def _reads(flt: Any) -> Reads:
    if not type(flt).__module__.startswith("webassets."):
        # A project's own filter reads anything, unless its class says otherwise (README,
        # "Webassets filters"): ``assetbuild_reads = "input"`` or ``"named"``.
        declared = getattr(type(flt), "assetbuild_reads", "any")
        return declared if declared in READS else "any"
    if flt.name in _READS_INPUT:
        return "input"
    return "named" if flt.name in _READS_NAMED else "any"


def _identity(
    names: Sequence[str],
    instances: Sequence[Any],
    settings: Sequence[tuple[str, FilterSetting]],
    webassets_version: str,
) -> str:
    """A digest of what a chain's output depends on besides its input text and the files it
    reads: the filters in order, each one's class, code, option values and the versions of the
    Python libraries it holds, the bundle's filter_config and webassets' version. The programs
    a filter starts are known only once it has run; the cache checks those (``tool_identity``)."""
    described: list[object] = []
    webassets_filters = iter(instances)
    for name in names:
        if name in _DIRECT:
            described.append(name)
            continue
        flt = next(webassets_filters)
        declared = getattr(flt, "_options", {})
        options = {attribute: getattr(flt, attribute, None) for attribute in sorted(declared)}
        cls = type(flt)
        described.append(
            {
                "name": name,
                "class": f"{cls.__module__}.{cls.__qualname__}",
                "code": _code_digest(cls),
                "libraries": _libraries(flt),
                "options": options,
            }
        )
    document = [_IDENTITY_FORMAT, webassets_version, described, [list(s) for s in settings]]
    # repr() for option values JSON cannot hold: an object whose repr has its address never
    # matches again, so its results are simply never reused.
    text = json.dumps(document, sort_keys=True, default=repr, ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _code_digest(cls: type) -> str:
    """The digest of the file that defines a filter class: a project's filter edited is another
    filter. (webassets' own are also covered by its version.)"""
    try:
        path = inspect.getsourcefile(cls)
    except TypeError:
        path = None
    if path is None:
        return ""
    try:
        return _file_digest(path)
    except OSError:
        return ""


def _libraries(flt: Any) -> dict[str, str]:
    """The versions of the third-party libraries a filter instance or its module holds (libsass'
    ``sass``, jinja2's ``Template``): another version may compile the same text differently."""
    module = sys.modules.get(type(flt).__module__)
    values = [*vars(flt).values(), *(vars(module).values() if module is not None else ())]
    tops: set[str] = set()
    for value in values:
        owner = (
            value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
        )
        if isinstance(owner, str):
            tops.add(owner.partition(".")[0])
    tops -= {"webassets", "builtins", "__main__", *sys.stdlib_module_names}
    return {top: version for top in sorted(tops) if (version := _version(top))}


@cache
def _version(top_level: str) -> str:
    try:
        return f"{top_level} {importlib.metadata.version(top_level)}"
    except (importlib.metadata.PackageNotFoundError, ValueError):
        pass
    # A distribution named otherwise (libsass installs the module sass): a full scan, once.
    distributions = _distributions().get(top_level, [])
    versions = []
    for distribution in distributions:
        try:
            versions.append(f"{distribution} {importlib.metadata.version(distribution)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return ", ".join(versions)


@lru_cache(maxsize=1)
def _distributions() -> dict[str, list[str]]:
    return {k: list(v) for k, v in importlib.metadata.packages_distributions().items()}


# -- the programs filters run -------------------------------------------------------------------

# The list the running filter step adds programs to; None outside a step (and in other threads).
_PROGRAMS: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "assetbuild_filter_programs", default=None
)
_hooked = False
_hook_lock = threading.Lock()


def _watch_programs() -> None:
    """Install, once per process, the audit hook that notes the programs a filter starts:
    webassets' external tools (lessc, cleancss, sass ...) are subprocesses, whose versions a
    cached result must match. An audit hook cannot be removed; outside a step it does nothing
    but look up a context variable."""
    global _hooked
    with _hook_lock:
        if not _hooked:
            sys.addaudithook(_note_program)
            _hooked = True


def _note_program(event: str, args: tuple[Any, ...]) -> None:
    if event != "subprocess.Popen":
        return
    programs = _PROGRAMS.get()
    if programs is None:
        return
    try:  # an audit hook that raises would make the filter's Popen raise
        executable, argv = args[0], args[1]
        if executable is None:
            if isinstance(argv, (str, bytes, os.PathLike)):
                argv = os.fsdecode(argv).split()
            executable = argv[0] if argv else None
        if executable is not None:
            programs.append(os.fsdecode(executable))
    except Exception:
        pass  # noting a program serves the cache; it must never fail the filter


def tool_identity(program: str) -> str:
    """What a program that a filter ran is, as far as can be known without running it: the npm
    package it belongs to (``less 4.2.0``, with its dependencies' versions, which compile the
    text as much as it does), or else the digest of its file. Another identity means the cached
    results it made are not reused. ``"not found"`` when it is not there."""
    found = shutil.which(program)
    if found is None:
        return "not found"
    real = os.path.realpath(found)
    try:
        st = os.stat(real)
    except OSError:
        return "not found"
    return _identify(real, st.st_size, st.st_mtime_ns, st.st_ino)


@lru_cache(maxsize=256)  # keyed by the file's stat: a reinstalled tool is looked at again
def _identify(path: str, size: int, mtime_ns: int, inode: int) -> str:
    package = _npm_package(Path(path))
    if package is not None:
        return package
    try:
        return "sha256 " + _file_digest(path)
    except OSError:
        return "not found"


def _npm_package(program: Path) -> str | None:
    """``name version`` of the npm package whose file ``program`` is (``bin/lessc`` of less), and
    of the packages it depends on, or None."""
    for directory in list(program.parents)[:3]:
        manifest = _package_json(directory)
        if manifest is None:
            continue
        name, version = manifest.get("name"), manifest.get("version")
        if not isinstance(name, str) or not isinstance(version, str):
            return None
        described = [f"{name} {version}"]
        dependencies = manifest.get("dependencies")
        if isinstance(dependencies, dict):
            for dependency in sorted(dependencies):
                # npm installs a dependency beside its dependent, or inside it when versions clash.
                for place in (directory / "node_modules", directory.parent):
                    found = _package_json(place / dependency)
                    if found is not None and isinstance(found.get("version"), str):
                        described.append(f"{dependency} {found['version']}")
                        break
        return ", ".join(described)
    return None


def _package_json(directory: Path) -> dict[str, Any] | None:
    try:
        loaded = json.loads((directory / "package.json").read_bytes())
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _file_digest(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- joins --------------------------------------------------------------------------------------


def join_js(texts: Sequence[str]) -> str:
    """Join scripts so none changes how the next one parses.

    A newline ends a trailing ``// comment``; the ``;`` ends a statement left open (``foo()``
    followed by ``(function(){...})()`` would otherwise call foo's result). An extra empty
    statement is harmless where the file already ended with one.
    """
    return "\n;\n".join(text.lstrip("\ufeff") for text in texts) + "\n"


def join_css(hoisted: Sequence[str], bodies: Sequence[str]) -> str:
    """Hoisted ``@import`` rules first (browsers ignore an ``@import`` after any other rule),
    then each input's body, in order."""
    parts = [rule.strip() for rule in hoisted]
    parts.extend(body.lstrip("\ufeff") for body in bodies)
    return "\n".join(parts)


def with_charset(css: str) -> str:
    """One leading ``@charset "UTF-8";`` where the bundle needs it: only non-ASCII text depends
    on the encoding, and a ``@charset`` anywhere but the very start is ignored."""
    return css if css.isascii() else '@charset "UTF-8";' + css
