"""The plan: which logical paths the release will hold, and what each is made of.

Owns: matching bundle input globs against the load path (in order, first occurrence wins), the
rules a bundle's inputs must follow, what is published on its own (every source file that is
not a bundle input, and the inputs of a bundle with ``keep_inputs``), which assets also get a
plain (unfingerprinted) copy, the check that every config key naming an asset names one of
the plan, and, with ``entries``, where reaching starts (the entry points) and the plan narrowed
to what was reached.
Must not: read file contents or resolve references (reading follows them from the entry points).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from assetbuild.compiler.config import BundleSpec, Config
from assetbuild.compiler.fingerprint import looks_fingerprinted
from assetbuild.compiler.globs import compile_glob, is_glob
from assetbuild.compiler.sources import Source, SourceTree
from assetbuild.errors import ConfigError
from assetbuild.manifest import FILENAME

STYLESHEETS = frozenset({".css", ".scss", ".sass", ".less", ".styl"})
SCRIPTS = frozenset({".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".coffee"})
AssetKind = Literal["css", "js", "file"]  # what Asset.kind says: how an asset is read


@dataclass(frozen=True)
class Asset:
    logical_path: str
    inputs: tuple[Source, ...]  # one for a file published on its own
    bundle: BundleSpec | None = None

    @property
    def kind(self) -> AssetKind:
        """``css`` and ``js`` assets have references to find; ``file`` assets are copied."""
        # PurePosixPath(...).suffix, without making a path: this is asked for every asset, often.
        name = self.logical_path.rpartition("/")[2]
        dot = name.rfind(".")
        suffix = name[dot:].lower() if 0 < dot < len(name) - 1 else ""
        if suffix == ".css":
            return "css"
        if suffix in (".js", ".mjs", ".cjs"):
            return "js"
        return "file"


@dataclass(frozen=True)
class Plan:
    assets: Mapping[str, Asset]  # logical path -> asset, sorted
    bundle_inputs: Mapping[str, str]  # input logical path -> the (first) bundle that takes it
    plain: tuple[str, ...] = ()  # assets also published under their own name, sorted

    def only(self, reached: set[str] | frozenset[str]) -> Plan:
        """The plan with only the ``reached`` assets: what a build with ``entries`` publishes."""
        assets = {name: asset for name, asset in self.assets.items() if name in reached}
        return Plan(assets, self.bundle_inputs, tuple(n for n in self.plain if n in reached))


def entry_points(config: Config, plan: Plan) -> tuple[str, ...] | None:
    """Where reaching starts when ``entries`` is set (None: every asset is published), sorted.

    The assets the ``entries`` globs match, every bundle (and the inputs a bundle keeps), and
    every asset another key names (``plain``, ``[aliases]`` and ``[importmap]`` targets,
    ``budgets``): each of those says the asset must be in the release, so it is an entry point
    too rather than an error when nothing references it. Run after ``check_names``, so that
    every name is an asset of the plan. A glob that matches no asset is a ``ConfigError``.
    """
    if config.entries is None:
        return None
    chosen: set[str] = set()
    for pattern in config.entries:
        glob = compile_glob(pattern)
        matched = [name for name in plan.assets if glob.matches(name)]
        if not matched:
            raise ConfigError(
                f"{pattern!r} matches no asset of the release; use a logical path (a file's "
                "path under source that is not excluded nor only a bundle input, or a bundle's "
                "key) or a glob of them, or remove it",
                file=config.file,
                key="entries",
            )
        chosen.update(matched)
    for spec in config.bundles:
        chosen.add(spec.name)
        if spec.keep_inputs:
            chosen.update(s.logical_path for s in plan.assets[spec.name].inputs)
    chosen.update(plan.plain)
    chosen.update(config.aliases.values())
    chosen.update((config.importmap or {}).values())
    chosen.update(config.budgets)
    return tuple(sorted(name for name in chosen if name in plan.assets))


def make_plan(config: Config, tree: SourceTree) -> Plan:
    bundle_inputs: dict[str, str] = {}
    kept: set[str] = set()  # inputs of a bundle with keep_inputs: published on their own too
    bundles: dict[str, Asset] = {}
    for spec in config.bundles:
        inputs = _match_inputs(config, spec, tree)
        for source in inputs:
            bundle_inputs.setdefault(source.logical_path, spec.name)
            if spec.keep_inputs:
                kept.add(source.logical_path)
        bundles[spec.name] = Asset(spec.name, inputs, spec)
    assets: dict[str, Asset] = {}
    for name, source in tree.files.items():
        if name in bundle_inputs and name not in kept:
            continue
        if name in bundles:
            raise ConfigError(
                f"has the logical path of the source file {source.file}; rename the bundle or the file",
                file=config.file,
                key=f'bundles."{name}"',
            )
        assets[name] = Asset(name, (source,))
    assets.update(bundles)
    ordered = {name: assets[name] for name in sorted(assets)}
    return Plan(ordered, bundle_inputs, _plain(config, ordered))


def _plain(config: Config, assets: Mapping[str, Asset]) -> tuple[str, ...]:
    """The assets that ``plain`` names: each glob must match one, and no plain name may be one
    the release keeps for something else (the manifest, a fingerprinted file)."""
    chosen: set[str] = set()
    for pattern in config.plain:
        glob = compile_glob(pattern)
        matched = [name for name in assets if glob.matches(name)]
        if not matched:
            raise ConfigError(
                f"{pattern!r} matches no asset of the release; use a published logical path "
                "(a file's path under source, or a bundle's key), or remove it",
                file=config.file,
                key="plain",
            )
        chosen.update(matched)
    for name in sorted(chosen):
        if name == FILENAME:
            raise ConfigError(
                f"{name!r} cannot be published under its own name: the release's manifest "
                "has it; rename the file or drop it from plain",
                file=config.file,
                key="plain",
            )
        if looks_fingerprinted(name):
            # Every release path has this form, and a fingerprinted file is never modified: a
            # plain copy under such a name could overwrite one (of this build or an earlier one).
            raise ConfigError(
                f"{name!r} has the form of a fingerprinted file name (<stem>.<12 hex digits>."
                "<ext>), which the release keeps immutable; rename the file or drop it from plain",
                file=config.file,
                key="plain",
            )
    return tuple(sorted(chosen))


def check_names(config: Config, plan: Plan) -> None:
    """The config's keys that name assets of the release (budgets, import map targets, module
    globs, aliases) against the plan: one that names none is a ``ConfigError`` naming the key."""
    for name in config.budgets:
        if name not in plan.assets:
            raise ConfigError(
                "names no asset of the release; use a logical path (a bundle's key, or a file's path under source)",
                file=config.file,
                key=f'budgets."{name}"',
            )
    for specifier, target in (config.importmap or {}).items():
        if target not in plan.assets:
            raise ConfigError(
                f"maps {specifier!r} to {target!r}, which is not an asset of the release; "
                "use a published logical path",
                file=config.file,
                key=f'importmap."{specifier}"',
            )
    for alias, target in config.aliases.items():
        if alias in plan.assets:
            raise ConfigError(
                f"is the logical path of an asset of the release; an alias must be another "
                f"name, or lookups of {alias!r} would be ambiguous",
                file=config.file,
                key=f'aliases."{alias}"',
            )
        if target not in plan.assets:
            bundle = plan.bundle_inputs.get(target)
            hint = f" (it is an input of the bundle {bundle})" if bundle is not None else ""
            raise ConfigError(
                f"names {target!r}, which is not an asset of the release{hint}; use a "
                "published logical path (a bundle's key, or a file's path under source)",
                file=config.file,
                key=f'aliases."{alias}"',
            )
    for pattern in config.modules:
        glob = compile_glob(pattern)
        if not any(glob.matches(name) for name in plan.assets):
            raise ConfigError(
                f"{glob.pattern!r} matches no published file; fix the pattern or remove it",
                file=config.file,
                key="modules",
            )


def _match_inputs(config: Config, spec: BundleSpec, tree: SourceTree) -> tuple[Source, ...]:
    key = f'bundles."{spec.name}".inputs'
    chosen: dict[str, Source] = {}
    # A bundle may take excluded files (they are not published on their own either).
    candidates = {**tree.excluded, **tree.files}
    for pattern in spec.inputs:
        if is_glob(pattern):
            glob = compile_glob(pattern)
            matched = [candidates[n] for n in sorted(candidates) if glob.matches(n)]
        else:
            found = candidates.get(pattern)
            matched = [found] if found else []
        if not matched:
            raise ConfigError(
                f"{pattern!r} matches no file in {_load_path(config)} "
                "(dot files never count); fix the pattern or remove it",
                file=config.file,
                key=key,
            )
        for source in matched:
            chosen.setdefault(source.logical_path, source)
    family, other = (STYLESHEETS, SCRIPTS) if spec.extension == ".css" else (SCRIPTS, STYLESHEETS)
    for source in chosen.values():
        suffix = PurePosixPath(source.logical_path).suffix.lower()
        if suffix in other:
            raise ConfigError(
                f"mixes CSS and JS: {source.logical_path} cannot go into {spec.name}; "
                "make a separate bundle for it",
                file=config.file,
                key=key,
            )
        if suffix not in family:
            raise ConfigError(
                f"{source.logical_path} is not a {'stylesheet' if spec.extension == '.css' else 'script'}; "
                "a bundle joins text of one kind",
                file=config.file,
                key=key,
            )
    return tuple(chosen.values())


def _load_path(config: Config) -> str:
    """The source directories, for a message: ``static, wiki/static (as wiki/)``."""
    return ", ".join(
        f"{source.path} (as {source.prefix})" if source.prefix else str(source.path)
        for source in config.sources
    )
