"""Configuration: ``assetbuild.toml`` or ``[tool.assetbuild]``, the environment and flags -> ``Config``.

Owns: finding the config file, validating every key (type, value, and unknown keys), resolving
relative paths (against the config file's directory; against the current directory for values
from the environment, the command line or a framework's ``Defaults``), the environment
overrides, and which keys a framework integration supplies instead of the file.
Must not: look at the source tree (globs are matched later, by ``plan``), import a framework
(an integration hands its settings over as ``Defaults``), or write anything.
Every error is a ``ConfigError`` naming the file and the key.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

from assetbuild.compiler.globs import compile_glob
from assetbuild.compiler.sizes import MEASURES, Budget, parse_size
from assetbuild.errors import ConfigError
from assetbuild.manifest import unsafe_path_reason

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIG_FILENAME = "assetbuild.toml"
ENCODINGS = ("gzip", "br")
# What a reference (or an import) that names no file does: fail the build, or warn and keep it.
OnMissing = Literal["error", "warn"]
ON_MISSING: tuple[OnMissing, ...] = get_args(OnMissing)
DEFAULT_FILTERS = {".css": ("rcssmin",), ".js": ("rjsmin",)}
_KEYS = {
    "source",
    "output",
    "url",
    "exclude",
    "compress",
    "on_missing",
    "entries",
    "modules",
    "bundles",
    "importmap",
    "budgets",
    "plain",
    "aliases",
    "filter_modules",
    "cache_dir",
    "publish",
}
_PUBLISH_KEYS = {"dest"}
_BUNDLE_KEYS = {"inputs", "filters", "keep_inputs", "filter_config", "inline_max"}
_SOURCE_KEYS = {"path", "prefix"}
# The keys a framework integration's ``Defaults`` supply: with them, the file may not set these.
_DEFAULTED_KEYS = ("source", "output", "url")
_T = TypeVar("_T", bound=str)
# A value of a bundle's filter_config: what a webassets YAML ``config:`` section holds for a
# filter (a list as a tuple, so that a BundleSpec stays hashable).
FilterSetting = str | int | bool | tuple[str, ...]
# webassets' own Environment settings share the config storage with filter settings
# (case-insensitively); assetbuild sets them itself, so a bundle may not.
_ENVIRONMENT_SETTINGS = frozenset(
    {
        "auto_build",
        "cache",
        "cache_file_mode",
        "debug",
        "directory",
        "load_path",
        "manifest",
        "resolver",
        "updater",
        "url",
        "url_expire",
        "url_mapping",
        "versions",
    }
)
_SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


@dataclass(frozen=True)
class BundleSpec:
    name: str  # the bundle's logical path, e.g. "css/app.css"
    inputs: tuple[str, ...]  # globs relative to the source directories, in order
    filters: tuple[str, ...]  # webassets filter names, applied in order
    # Also publish every input under its own name: a template that links an input on its own
    # (as django-compressor's converts leave some) still finds it in the release.
    keep_inputs: bool = False
    # webassets config keys -> values, given to this bundle's webassets filters through their
    # environment's config, as webassets' YAML ``config:`` section or ``env.config[...]`` gives
    # them (so a filter's get_config() sees a list as a list, not a string from os.environ).
    filter_config: tuple[tuple[str, FilterSetting], ...] = ()
    # A CSS bundle's images smaller than this many bytes are embedded as data: URIs (Jammit's
    # embedding, at build time); None: every image stays a reference.
    inline_max: int | None = None

    @property
    def extension(self) -> str:
        return Path(self.name).suffix.lower()


@dataclass(frozen=True)
class SourceDir:
    """One directory of the load path, and the prefix its files' logical paths get."""

    path: Path
    # "" or a relative path ending in "/": with "wiki/", wiki/static/js/editor.js is the logical
    # path wiki/js/editor.js, as Django's STATICFILES_DIRS prefixes and Flask blueprints have it.
    prefix: str = ""


@dataclass(frozen=True)
class Defaults:
    """What a framework integration (Django's settings, a Flask app) supplies for the keys a
    config file then leaves out."""

    sources: tuple[SourceDir, ...]
    output: Path
    url: str
    exclude: tuple[str, ...] = ()  # added to the file's own exclude (e.g. Django's ignore patterns)
    state: Path | None = None  # where the build's bookkeeping lives (None: inside the release)
    origin: str = "the framework's settings"  # named in messages
    # Where to look for assetbuild.toml (or [tool.assetbuild]) without --config: the project's
    # own directory (Django's BASE_DIR, a Flask app's root), whatever the current directory is.
    config_dir: Path | None = None


@dataclass(frozen=True)
class MissingPolicy:
    """What a miss does, by the logical path of the file that holds the reference: the first
    glob (in the order written) that matches it decides, else ``default``. First match, not
    most specific: a rule a reader of the config can apply in their head, top to bottom."""

    default: OnMissing = "error"
    by_glob: tuple[tuple[str, OnMissing], ...] = ()  # (glob, what a miss does), in file order

    def for_file(self, logical_path: str) -> OnMissing:
        for pattern, choice in self.by_glob:
            if compile_glob(pattern).matches(logical_path):
                return choice
        return self.default


@dataclass(frozen=True)
class Config:
    file: Path  # the config file read (or, with Defaults and no file, where it would be)
    sources: tuple[SourceDir, ...]  # the load path: a logical path comes from the first that has it
    output: Path
    url: str
    exclude: tuple[str, ...] = ()
    compress: tuple[str, ...] = ENCODINGS
    on_missing: OnMissing = "error"  # the default; a table's "default" key
    # A table's other keys: globs of the referencing file -> what a miss in it does, in file order.
    on_missing_by_glob: tuple[tuple[str, OnMissing], ...] = ()
    # Globs of logical paths published with all they reference or import; None: every file.
    entries: tuple[str, ...] | None = None
    modules: tuple[str, ...] = ()
    bundles: tuple[BundleSpec, ...] = ()
    importmap: Mapping[str, str] | None = None
    budgets: Mapping[str, Budget] = field(default_factory=dict)  # logical path -> limits
    plain: tuple[str, ...] = ()  # globs of logical paths also published unfingerprinted
    aliases: Mapping[str, str] = field(default_factory=dict)  # other name -> logical path
    # Where the release writer keeps history, manifest copies, the lock and the build cache;
    # None: beside the release (``release.state_beside``). Set only by an integration's
    # Defaults, not by the file.
    state: Path | None = None
    # Modules imported before the build, so that a project can register its own webassets
    # filters (webassets.filter.register_filter) by name.
    filter_modules: tuple[str, ...] = ()
    # The content-addressed cache of filter results and compressed variants (content_cache),
    # shared between builds, checkouts and machines; None: none.
    cache_dir: Path | None = None
    # ``[publish] dest``: where ``assetbuild publish`` uploads when no DEST is given
    # (s3://bucket/prefix, ...; the publish package parses it). None: DEST is required.
    publish_dest: str | None = None

    @property
    def written(self) -> tuple[Path, ...]:
        """The directories a build writes (the release, the bookkeeping when it is set
        elsewhere, the cache_dir): never read as sources, even when one lies inside a source
        directory."""
        extra = tuple(p for p in (self.state, self.cache_dir) if p is not None)
        return (self.output, *extra)

    @property
    def missing_policy(self) -> MissingPolicy:
        return MissingPolicy(self.on_missing, self.on_missing_by_glob)


def find_config_file(explicit: Path | None, cwd: Path) -> tuple[Path, bool]:
    """The config file to read and whether its keys sit under ``[tool.assetbuild]``."""
    if explicit is not None:
        path = _normal(explicit if explicit.is_absolute() else cwd / explicit)
        if not path.is_file():
            raise ConfigError("no such config file; check the --config path", file=explicit)
        return path, path.name == "pyproject.toml"
    own = cwd / CONFIG_FILENAME
    if own.is_file():
        return own, False
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file():
        return pyproject, True
    raise ConfigError(
        f"no config found in {cwd}: write an {CONFIG_FILENAME} (or a [tool.assetbuild] table in "
        "pyproject.toml) there, or pass --config PATH"
    )


def load_config(
    explicit: Path | None = None,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    output: Path | None = None,
    defaults: Defaults | None = None,
    cache_dir: Path | None = None,
) -> Config:
    """Read, override and validate the configuration. ``output`` is the ``--output`` flag,
    ``cache_dir`` the ``--cache-dir`` flag (over ``ASSETBUILD_CACHE_DIR``, over the file).

    With ``defaults`` (a framework integration's), the sources, output, URL and state come from
    them, and the file may leave them out (it may not set them: one place says where the
    release goes); a missing file, or a pyproject.toml without ``[tool.assetbuild]``, is then
    an empty one. ``--output``, ``ASSETBUILD_OUTPUT`` and ``ASSETBUILD_URL`` still override;
    ``ASSETBUILD_SOURCE`` applies to a file's ``source`` only: the framework knows its sources.
    """
    cwd = Path.cwd() if cwd is None else cwd
    environ = os.environ if environ is None else environ
    if defaults is None:
        path, nested = find_config_file(explicit, cwd)
        table = _read_table(path, nested)
    else:
        path, table = _read_optional_table(explicit, defaults.config_dir or cwd)
    config = _Validator(path, cwd, environ).config(table, output, defaults)
    return _with_cache_dir(config, table, cache_dir, cwd, environ)


def _with_cache_dir(
    config: Config,
    table: dict[str, Any],
    flag: Path | None,
    cwd: Path,
    environ: Mapping[str, str],
) -> Config:
    """``config`` with its ``cache_dir``: the flag's or the environment's (relative to the
    current directory), else the file's (relative to the file's directory). It must lie outside
    the release: it is no part of what is served."""
    prefix = "tool.assetbuild." if config.file.name == "pyproject.toml" else ""
    env = environ.get("ASSETBUILD_CACHE_DIR")
    if flag is not None:
        where: tuple[Path | None, str] = (None, "--cache-dir")
        directory = _normal(cwd / flag)
    elif env:
        where = (None, "ASSETBUILD_CACHE_DIR")
        directory = _normal(cwd / env)
    elif "cache_dir" in table:
        where = (config.file, f"{prefix}cache_dir")
        raw = table["cache_dir"]
        if not isinstance(raw, str) or not raw:
            raise ConfigError(
                "must be a directory, e.g. '.cache/assetbuild'", file=where[0], key=where[1]
            )
        directory = _normal(config.file.parent / raw)
    else:
        return config
    _Validator(config.file, cwd, environ).usable(directory, where[1])
    real, output = os.path.realpath(directory), os.path.realpath(config.output)
    if real == output or real.startswith(output.rstrip(os.sep) + os.sep):
        raise ConfigError(
            f"{directory} is inside the release directory {config.output}, where a server would "
            "hand it out; put the cache elsewhere (e.g. .cache/assetbuild)",
            file=where[0],
            key=where[1],
        )
    return replace(config, cache_dir=directory)


def _read_optional_table(explicit: Path | None, cwd: Path) -> tuple[Path, dict[str, Any]]:
    """The config file and its table when a framework supplies the rest: an explicit
    ``--config`` must exist; otherwise no file (or a pyproject.toml without our table) is an
    empty table, named by the path an ``assetbuild.toml`` would have."""
    try:
        path, nested = find_config_file(explicit, cwd)
    except ConfigError:
        if explicit is not None:
            raise
        return cwd / CONFIG_FILENAME, {}
    if nested and not explicit and not _has_tool_table(path):
        return cwd / CONFIG_FILENAME, {}
    return path, _read_table(path, nested)


def _has_tool_table(pyproject: Path) -> bool:
    try:
        with pyproject.open("rb") as handle:
            tool = tomllib.load(handle).get("tool", {})
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
        return True  # reading it again reports what is wrong with it
    return isinstance(tool, dict) and "assetbuild" in tool


def normal_prefix(prefix: str) -> str:
    """``prefix`` as a logical-path prefix ("wiki" and "wiki/" -> "wiki/"; "" stays ""), or a
    ``ValueError`` saying why it cannot be one."""
    if not prefix:
        return ""
    stem = prefix[:-1] if prefix.endswith("/") else prefix
    reason = unsafe_path_reason(stem) if stem else "is empty"
    if reason is None and any(segment.startswith(".") for segment in stem.split("/")):
        # Dot paths are never published: files under such a prefix would vanish.
        reason = "has a segment that starts with '.'"
    if reason:
        raise ValueError(
            f"{prefix!r} {reason}; a prefix is a relative path such as 'wiki/' "
            "(leave it out for none)"
        )
    return stem + "/"


def _read_table(path: Path, nested: bool) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"is not valid TOML: {exc}", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot be read: {exc}", file=path) from None
    if not nested:
        return document
    tool = document.get("tool", {})
    table = tool.get("assetbuild") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise ConfigError(
            "has no [tool.assetbuild] table; add one, or write an assetbuild.toml", file=path
        )
    return table


def _normal(path: Path) -> Path:
    """``path`` without ``.`` and ``..`` segments, so that every message names a file the way a
    user would write it (``ckan/public/x.css``, not ``ckan/../../ckan/public/x.css``).

    Lexical, as ``os.path.normpath`` is: a directory of the config is named as the user wrote
    it, and a symlink in it stays a symlink (``resolve()`` would name its target instead).
    """
    return Path(os.path.normpath(path))


class _Validator:
    def __init__(self, path: Path, cwd: Path, environ: Mapping[str, str]):
        self.path = path
        self.base = path.parent
        self.cwd = cwd
        self.environ = environ
        self.prefix = "tool.assetbuild." if path.name == "pyproject.toml" else ""

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, file=self.path, key=f"{self.prefix}{key}")

    def config(
        self, table: dict[str, Any], output_flag: Path | None, defaults: Defaults | None
    ) -> Config:
        unknown = sorted(set(table) - _KEYS)
        if unknown:
            raise self.fail(unknown[0], f"unknown key; the keys are {', '.join(sorted(_KEYS))}")
        if defaults is None:
            sources = self.sources(table)
            exclude = self.patterns(table, "exclude")
            state = None
        else:
            for key in _DEFAULTED_KEYS:
                if key in table:
                    raise self.fail(key, f"is set by {defaults.origin}; remove it from the file")
            sources = self.default_sources(defaults)
            exclude = self.patterns(table, "exclude") + self.default_exclude(defaults)
            state = None if defaults.state is None else self.cwd / defaults.state
        output = self.output(table, output_flag, defaults)
        for source in sources:
            path = source.path
            if self.usable(path, "source").resolve() == self.usable(output, "output").resolve():
                raise self.fail("output", f"is the source directory {path}; use a separate one")
        # The bookkeeping must not lie among the release's files, for a server to hand out.
        if (
            defaults is not None
            and state is not None
            and self.usable(state, "state").resolve() == output.resolve()
        ):
            raise ConfigError(
                f"the state directory {state} (from {defaults.origin}) is the release "
                "directory; give the bookkeeping a directory of its own",
                key="state",
            )
        on_missing, on_missing_by_glob = self.on_missing(table)
        return Config(
            file=self.path,
            sources=sources,
            output=output,
            url=self.url(table, defaults),
            exclude=exclude,
            compress=self.compress(table),
            on_missing=on_missing,
            on_missing_by_glob=on_missing_by_glob,
            entries=self.entries(table),
            modules=self.patterns(table, "modules"),
            bundles=self.bundles(table),
            importmap=self.importmap(table),
            budgets=self.budgets(table),
            plain=self.patterns(table, "plain"),
            aliases=self.aliases(table),
            state=state,
            filter_modules=self.filter_modules(table),
            publish_dest=self.publish_dest(table),
        )

    def publish_dest(self, table: dict[str, Any]) -> str | None:
        raw = table.get("publish", {})
        if not isinstance(raw, dict):
            raise self.fail(
                "publish", 'must be a table: [publish] with dest = "s3://bucket/prefix"'
            )
        unknown = sorted(set(raw) - _PUBLISH_KEYS)
        if unknown:
            raise self.fail(f"publish.{unknown[0]}", "unknown key; [publish] has 'dest'")
        dest = raw.get("dest")
        if dest is not None and (not isinstance(dest, str) or not dest.strip()):
            raise self.fail(
                "publish.dest",
                "must be a destination URL: s3://bucket/prefix, gs://, az:// or file:///dir",
            )
        return dest

    def usable(self, path: Path, key: str) -> Path:
        """``path``, if the operating system can take it as a path at all."""
        try:
            os.stat(path)
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:  # a NUL byte, a name too long, a loop of links
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            message = f"{str(path)[:80]!r} cannot be used as a path ({reason}); fix the path"
            if key.startswith("ASSETBUILD_"):
                raise ConfigError(message, key=key) from None
            raise self.fail(key, message) from None
        return path

    def sources(self, table: dict[str, Any]) -> tuple[SourceDir, ...]:
        env = self.environ.get("ASSETBUILD_SOURCE")
        if env:
            # The environment names directories only: a list of prefixes would need a syntax.
            paths = [_normal(self.cwd / p) for p in env.split(os.pathsep) if p]
            for path in paths:
                if not self.usable(path, "ASSETBUILD_SOURCE").is_dir():
                    raise ConfigError(
                        f"source directory {path} does not exist; create it or fix the path",
                        key="ASSETBUILD_SOURCE",
                    )
            return tuple(SourceDir(path) for path in paths)
        raw = table.get("source")
        if raw is None:
            raise self.fail("source", "is required: the directory (or list) of source assets")
        items = raw if isinstance(raw, list) else [raw]
        if not items:
            raise self.fail("source", "must be a directory path or a non-empty list of them")
        sources: list[SourceDir] = []
        for index, item in enumerate(items):
            if isinstance(item, dict):
                sources.append(self.source_table(index, item))
                continue
            if not isinstance(item, str) or not item:
                raise self.fail(
                    "source",
                    "must be a directory path or a non-empty list of them (each a path, or a "
                    'table such as {path = "wiki/static", prefix = "wiki/"})',
                )
            sources.append(SourceDir(self.existing(self.base / item, "source")))
        return tuple(sources)

    def source_table(self, index: int, item: dict[str, Any]) -> SourceDir:
        """A ``{path = ..., prefix = ...}`` entry of the ``source`` list."""
        key = f"source[{index}]"
        unknown = sorted(set(item) - _SOURCE_KEYS)
        if unknown:
            raise self.fail(
                f"{key}.{unknown[0]}", "unknown key; a source entry has 'path' and 'prefix'"
            )
        path = item.get("path")
        if not isinstance(path, str) or not path:
            raise self.fail(f"{key}.path", "is required: the directory of source assets")
        prefix = item.get("prefix", "")
        if not isinstance(prefix, str):
            raise self.fail(f"{key}.prefix", "must be a string such as 'wiki/'")
        try:
            normal = normal_prefix(prefix)
        except ValueError as exc:
            raise self.fail(f"{key}.prefix", str(exc)) from None
        return SourceDir(self.existing(self.base / path, f"{key}.path"), normal)

    def existing(self, path: Path, key: str) -> Path:
        path = _normal(path)
        if not self.usable(path, key).is_dir():
            raise self.fail(
                key, f"source directory {path} does not exist; create it or fix the path"
            )
        return path

    def default_sources(self, defaults: Defaults) -> tuple[SourceDir, ...]:
        """The integration's load path, checked as a file's would be; errors name its origin."""
        if not defaults.sources:
            raise ConfigError(f"{defaults.origin} name no source directory; add one", key="source")
        sources: list[SourceDir] = []
        for source in defaults.sources:
            path = _normal(self.cwd / source.path)
            where = f"{str(path)[:80]!r} (from {defaults.origin})"
            try:
                prefix = normal_prefix(source.prefix)
            except ValueError as exc:
                raise ConfigError(f"the prefix of {where}: {exc}", key="source") from None
            try:
                is_directory = path.is_dir()  # False for a missing path; raises for an unusable one
            except (OSError, ValueError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                raise ConfigError(
                    f"{where} cannot be used as a path ({reason})", key="source"
                ) from None
            if not is_directory:
                raise ConfigError(
                    f"source directory {where} does not exist; create it or fix the setting",
                    key="source",
                )
            sources.append(SourceDir(path, prefix))
        return tuple(sources)

    def default_exclude(self, defaults: Defaults) -> tuple[str, ...]:
        for pattern in defaults.exclude:
            reason = unsafe_path_reason(pattern) if pattern else "is empty"
            if reason:
                raise ConfigError(
                    f"{pattern!r} (from {defaults.origin}) {reason}; an exclude glob is relative "
                    "to the source directories",
                    key="exclude",
                )
        return tuple(defaults.exclude)

    def output(self, table: dict[str, Any], flag: Path | None, defaults: Defaults | None) -> Path:
        if flag is not None:
            return _normal(self.cwd / flag)
        env = self.environ.get("ASSETBUILD_OUTPUT")
        if env:
            return _normal(self.cwd / env)
        if defaults is not None:
            return _normal(self.cwd / defaults.output)
        raw = table.get("output")
        if not isinstance(raw, str) or not raw:
            raise self.fail("output", "is required: the release directory, e.g. 'build/static'")
        return _normal(self.base / raw)

    def url(self, table: dict[str, Any], defaults: Defaults | None) -> str:
        env = self.environ.get("ASSETBUILD_URL")
        if env:
            raw: object = env
        elif defaults is not None:
            if not defaults.url:
                raise ConfigError(
                    f"the URL prefix from {defaults.origin} is empty; set one such as '/static/'",
                    key="url",
                )
            raw = defaults.url
        else:
            raw = table.get("url", "/static/")
        if not isinstance(raw, str) or not raw:
            raise self.fail("url", "must be a URL prefix such as '/static/'")
        # A prefix is joined to release paths by plain concatenation, so it must end with "/".
        return raw if raw.endswith("/") else raw + "/"

    def patterns(self, table: dict[str, Any], key: str) -> tuple[str, ...]:
        raw = table.get(key, [])
        if not isinstance(raw, list) or not all(isinstance(p, str) and p for p in raw):
            raise self.fail(key, "must be a list of glob strings")
        for pattern in raw:
            self.relative(pattern, key)
        return tuple(raw)

    def relative(self, pattern: str, key: str) -> None:
        reason = unsafe_path_reason(pattern)
        if reason:
            raise self.fail(
                key,
                f"{pattern!r} {reason}; paths here are relative to the source directory "
                "and stay inside it",
            )

    def on_missing(
        self, table: dict[str, Any]
    ) -> tuple[OnMissing, tuple[tuple[str, OnMissing], ...]]:
        """``on_missing`` as a value (every file) or a table: ``default`` (else "error") and
        globs of the referencing file's logical path, kept in the order written."""
        raw = table.get("on_missing", "error")
        if not isinstance(raw, dict):
            return self.choice(table, "on_missing", ON_MISSING, "error"), ()
        default = self.choice(raw, "default", ON_MISSING, "error", key="on_missing.default")
        rules: list[tuple[str, OnMissing]] = []
        for pattern in raw:
            if pattern == "default":
                continue
            key = f'on_missing."{pattern}"'
            if not pattern:
                raise self.fail(
                    key, 'an empty glob matches no file; use a glob such as "vendor/**"'
                )
            self.relative(pattern, key)
            rules.append((pattern, self.choice(raw, pattern, ON_MISSING, "error", key=key)))
        return default, tuple(rules)

    def entries(self, table: dict[str, Any]) -> tuple[str, ...] | None:
        """``entries``, or None when it is not set (every file is published). An empty list is
        allowed: then only the bundles and the assets other keys name are published."""
        if "entries" not in table:
            return None
        raw = table["entries"]
        if not isinstance(raw, list) or not all(isinstance(p, str) and p for p in raw):
            raise self.fail(
                "entries",
                'must be a list of globs of logical paths, e.g. ["css/app.css", "img/**"] '
                "(leave it out to publish every file)",
            )
        return self.patterns(table, "entries")

    def compress(self, table: dict[str, Any]) -> tuple[str, ...]:
        raw = table.get("compress", list(ENCODINGS))
        if not isinstance(raw, list) or not all(isinstance(e, str) for e in raw):
            raise self.fail("compress", 'must be a list such as ["gzip", "br"] (or [] for none)')
        for encoding in raw:
            if encoding not in ENCODINGS:
                raise self.fail(
                    "compress", f"unknown encoding {encoding!r}; use 'gzip' and/or 'br'"
                )
        return tuple(e for e in ENCODINGS if e in raw)

    def choice(
        self,
        table: dict[str, Any],
        name: str,
        allowed: tuple[_T, ...],
        default: _T,
        *,
        key: str | None = None,
    ) -> _T:
        """The value of ``name`` in ``table``, which must be one of ``allowed``: the member of
        ``allowed`` it equals is returned, so the result has the type of the closed set without
        a cast. ``key``: how a message names it (default: ``name``)."""
        raw = table.get(name, default)
        for choice in allowed:
            if raw == choice:
                return choice
        raise self.fail(
            key or name, f"must be one of {', '.join(repr(a) for a in allowed)}, not {raw!r}"
        )

    def bundles(self, table: dict[str, Any]) -> tuple[BundleSpec, ...]:
        raw = table.get("bundles", {})
        if not isinstance(raw, dict):
            raise self.fail("bundles", "must be a table of logical path -> inputs")
        specs = [self.bundle(name, value) for name, value in raw.items()]
        return tuple(sorted(specs, key=lambda spec: spec.name))

    def bundle(self, name: str, value: Any) -> BundleSpec:
        key = f'bundles."{name}"'
        self.relative(name, key)
        extension = Path(name).suffix.lower()
        if extension not in DEFAULT_FILTERS:
            raise self.fail(key, "a bundle's logical path must end in .css or .js")
        if isinstance(value, list):
            value = {"inputs": value}
        if not isinstance(value, dict):
            raise self.fail(key, "must be a list of input globs, or a table with 'inputs'")
        unknown = sorted(set(value) - _BUNDLE_KEYS)
        if unknown:
            raise self.fail(
                f"{key}.{unknown[0]}",
                "unknown key; a bundle has 'inputs', 'filters', 'keep_inputs', "
                "'filter_config' and 'inline_max'",
            )
        inputs = value.get("inputs")
        if (
            not isinstance(inputs, list)
            or not inputs
            or not all(isinstance(i, str) and i for i in inputs)
        ):
            raise self.fail(f"{key}.inputs", "must be a non-empty list of globs relative to source")
        for pattern in inputs:
            self.relative(pattern, f"{key}.inputs")
        filters = value.get("filters", list(DEFAULT_FILTERS[extension]))
        if not isinstance(filters, list) or not all(isinstance(f, str) and f for f in filters):
            raise self.fail(
                f"{key}.filters", "must be a list of webassets filter names ([] for none)"
            )
        keep_inputs = value.get("keep_inputs", False)
        if not isinstance(keep_inputs, bool):
            raise self.fail(
                f"{key}.keep_inputs",
                "must be true (also publish each input under its own name) or false",
            )
        return BundleSpec(
            name=name,
            inputs=tuple(inputs),
            filters=tuple(filters),
            keep_inputs=keep_inputs,
            filter_config=self.filter_config(key, value.get("filter_config", {})),
            inline_max=self.inline_max(key, extension, value.get("inline_max")),
        )

    def inline_max(self, bundle_key: str, extension: str, raw: Any) -> int | None:
        if raw is None:
            return None
        key = f"{bundle_key}.inline_max"
        if extension != ".css":
            raise self.fail(
                key, "embeds images in a stylesheet; a script bundle has none (remove it)"
            )
        # An integer is a number of bytes, as in budgets; true is not a size (it is an int too).
        if isinstance(raw, bool) or not isinstance(raw, (str, int)):
            raise self.fail(key, f'must be a size like "2 kB", not {raw!r}')
        try:
            return parse_size(str(raw))
        except ValueError as exc:
            raise self.fail(key, str(exc)) from None

    def filter_config(self, bundle_key: str, raw: Any) -> tuple[tuple[str, FilterSetting], ...]:
        key = f"{bundle_key}.filter_config"
        if not isinstance(raw, dict):
            raise self.fail(
                key,
                "must be a table of webassets config keys -> values, e.g. "
                '{ CLEANCSS_EXTRA_ARGS = ["--skip-rebase"] }',
            )
        settings: list[tuple[str, FilterSetting]] = []
        seen: dict[str, str] = {}
        for name, value in raw.items():
            where = f"{key}.{name}"
            if not _SETTING_NAME.fullmatch(name):
                raise self.fail(
                    where,
                    "is not a webassets config key (letters, digits and '_', such as LESS_BIN)",
                )
            folded = name.lower()
            if folded in _ENVIRONMENT_SETTINGS:
                raise self.fail(
                    where,
                    "is a setting of webassets' environment, not of a filter; assetbuild sets it "
                    "itself (remove it; source, output and url say where files are)",
                )
            if folded in seen:
                # webassets' config is case-insensitive: the two would be one setting.
                raise self.fail(where, f"is the same webassets config key as {seen[folded]}")
            seen[folded] = name
            settings.append((name, self.filter_setting(where, value)))
        return tuple(sorted(settings))

    def filter_setting(self, key: str, value: Any) -> FilterSetting:
        # bool before int: TOML's true is a Python bool, which is also an int.
        if isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return tuple(value)
        raise self.fail(
            key,
            "must be a string, a list of strings, a boolean or an integer (as webassets takes it)",
        )

    def filter_modules(self, table: dict[str, Any]) -> tuple[str, ...]:
        raw = table.get("filter_modules", [])
        if not isinstance(raw, list) or not all(isinstance(m, str) for m in raw):
            raise self.fail(
                "filter_modules", 'must be a list of module names, e.g. ["myproject.asset_filters"]'
            )
        for name in raw:
            if not _MODULE_NAME.fullmatch(name):
                raise self.fail(
                    "filter_modules",
                    f"{name!r} is not a module name; write it as for import, e.g. "
                    "'myproject.asset_filters'",
                )
        return tuple(raw)

    def importmap(self, table: dict[str, Any]) -> Mapping[str, str] | None:
        raw = table.get("importmap")
        if raw is None:
            return None
        if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
            raise self.fail("importmap", "must be a table of bare specifier -> logical path")
        for specifier, target in raw.items():
            if specifier.endswith("/") or target.endswith("/"):
                raise self.fail(
                    f'importmap."{specifier}"',
                    "maps a prefix; assetbuild maps each specifier to one file (every module "
                    "of the release is in the import map under its own URL already), so list "
                    'the modules one by one, e.g. "three/addons/controls/OrbitControls.js"',
                )
            self.relative(target, f'importmap."{specifier}"')
        return dict(raw)

    def aliases(self, table: dict[str, Any]) -> dict[str, str]:
        raw = table.get("aliases", {})
        if not isinstance(raw, dict):
            raise self.fail("aliases", "must be a table of alias -> logical path")
        for alias, target in raw.items():
            key = f'aliases."{alias}"'
            reason = unsafe_path_reason(alias)
            if reason:
                raise self.fail(
                    key,
                    f"the alias {alias!r} {reason}; an alias is a name such as "
                    "'home_style_bundle' or 'css/home'",
                )
            if not isinstance(target, str) or not target:
                raise self.fail(key, "must be the logical path of an asset, such as 'css/home.css'")
            self.relative(target, key)
        return dict(raw)

    def budgets(self, table: dict[str, Any]) -> dict[str, Budget]:
        raw = table.get("budgets", {})
        if not isinstance(raw, dict):
            raise self.fail(
                "budgets", 'must be a table of logical path -> "120 kB" or {gzip = "40 kB"}'
            )
        budgets: dict[str, Budget] = {}
        for name, value in raw.items():
            key = f'budgets."{name}"'
            self.relative(name, key)
            limits = {"size": value} if isinstance(value, str) else value
            if not isinstance(limits, dict) or not limits:
                raise self.fail(
                    key, 'must be a size like "120 kB", or a table with size, gzip and/or br'
                )
            unknown = sorted(set(limits) - set(MEASURES))
            if unknown:
                raise self.fail(
                    f"{key}.{unknown[0]}", "unknown key; a budget limits size, gzip and/or br"
                )
            parsed: dict[str, int] = {}
            for measure, text in limits.items():
                try:
                    parsed[measure] = parse_size(text if isinstance(text, str) else repr(text))
                except ValueError as exc:
                    raise self.fail(
                        key if isinstance(value, str) else f"{key}.{measure}", str(exc)
                    ) from None
            budgets[name] = Budget(**parsed)
        return budgets
