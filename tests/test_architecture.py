"""The architecture, checked from the source text (after click's ``tests/test_imports.py``).

Every module under ``assetbuild/`` is parsed with ``ast``, never imported, and checked against the
rules the README's "Layout of the code" states: the layers below (who may import whom), no import
cycles, one writer, one place that exits, shared modules on the standard library alone, and a
layout section that names every module there is and no module there is not.

What this does not do, and where that is done instead: ``tests/runtime/test_imports.py`` imports
the runtime and each adapter in a fresh interpreter and checks what actually got loaded (third
parties included: webassets, click, brotli, jinja2); ``tests/runtime/test_no_writes.py`` watches a
running app with an audit hook and proves that it writes nothing. This file sees only
``assetbuild``'s own source, so its rules also hold for code that no test happens to run.
"""

from __future__ import annotations

import ast
import re
import sys
import textwrap
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "assetbuild"


# -- The layers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    room: str  # "shared", "compiler" or "runtime"
    name: str
    rule: str  # the layer as a sentence
    modules: tuple[str, ...]  # dotted names; "x.*" is every module below the package x


# Bottom first. A module may import the modules of its own layer and of the layers before it that
# are in its own room or in the shared one; nothing else of assetbuild. So the runtime, a room of
# its own, can import only the shared values and itself, and no layer can import the one above it.
LAYERS: tuple[Layer, ...] = (
    Layer(
        "shared",
        "shared values",
        "The version, the error hierarchy, the manifest schema and the factor-VI doctor (which "
        "reads settings and apps by duck typing) are the bottom, for both sides; they import "
        "only the standard library and each other.",
        (
            "assetbuild",
            "assetbuild.errors",
            "assetbuild.manifest",
            "assetbuild.doctor",
            "assetbuild.doctor.*",
        ),
    ),
    Layer(
        "compiler",
        "scanners",
        "The scanners find references in a text and the values for what they find; they import "
        "nothing else of the compiler.",
        ("assetbuild.compiler.scan", "assetbuild.compiler.scan.*"),
    ),
    Layer(
        "compiler",
        "leaves",
        "The leaf modules hold values and the operations on them (globs, the dependency order, "
        "fingerprints, codecs, data: URIs, text decoding, reference resolution, stable reads, "
        "sizes and "
        "budgets, the build cache, the problem log, the pool policy); they "
        "stand on the scanners and on each other, never on a phase.",
        (
            "assetbuild.compiler",
            "assetbuild.compiler.budgets",
            "assetbuild.compiler.cache",
            "assetbuild.compiler.compress",
            "assetbuild.compiler.content_cache",
            "assetbuild.compiler.fingerprint",
            "assetbuild.compiler.globs",
            "assetbuild.compiler.graph",
            "assetbuild.compiler.inline",
            "assetbuild.compiler.problems",
            "assetbuild.compiler.references",
            "assetbuild.compiler.sizes",
            "assetbuild.compiler.stable_reads",
            "assetbuild.compiler.text",
            "assetbuild.compiler.workers",
        ),
    ),
    Layer(
        "compiler",
        "what to publish",
        "The config, the load path and the plan decide what the release holds.",
        ("assetbuild.compiler.config", "assetbuild.compiler.plan", "assetbuild.compiler.sources"),
    ),
    Layer(
        "compiler",
        "assets",
        "Reading, the documents it hands on, the bundles' filters and joins, the module graph and "
        "rendering say what each asset is made of and make its bytes; they know what to publish, "
        "never how it is written.",
        (
            "assetbuild.compiler.bundles",
            "assetbuild.compiler.documents",
            "assetbuild.compiler.module_graph",
            "assetbuild.compiler.reader",
            "assetbuild.compiler.render",
        ),
    ),
    Layer(
        "compiler",
        "outputs",
        "Staging and the release writer turn rendered assets into the release.",
        ("assetbuild.compiler.release", "assetbuild.compiler.stage"),
    ),
    Layer(
        "compiler",
        "composition root",
        "The assembly wires the phases in order, and nothing below it knows the whole build.",
        ("assetbuild.compiler.assembly",),
    ),
    Layer(
        "compiler",
        "commands",
        "The commands beside build (verify, inspect, check-templates, watch, archive, doctor, "
        "report, publish) "
        "and the "
        "migrations from webassets and django-compressor run the assembly or stand apart from it.",
        (
            "assetbuild.compiler.commands",
            "assetbuild.compiler.commands.*",
            "assetbuild.compiler.migrate",
            "assetbuild.compiler.migrate.*",
            "assetbuild.compiler.publish",
            "assetbuild.compiler.publish.*",
        ),
    ),
    Layer(
        "compiler",
        "command line",
        "The command line and what it shows (the summary, the progress bar) are the top: they "
        "may import anything of the compiler.",
        (
            "assetbuild.__main__",
            "assetbuild.compiler.cli",
            "assetbuild.compiler.cli.*",
            "assetbuild.compiler.progress",
            "assetbuild.compiler.summary",
        ),
    ),
    Layer(
        "compiler",
        "framework integrations",
        "A framework integration reads a framework's settings into the build's Defaults and runs "
        "the build or the command line with them; nothing of the compiler imports it, and only "
        "the framework's adapter does, at the call sites in BRIDGES.",
        ("assetbuild.compiler.integrations", "assetbuild.compiler.integrations.*"),
    ),
    Layer(
        "runtime",
        "runtime",
        "The runtime reads a manifest: it imports the shared values and itself, never the "
        "compiler (but for the functions in BRIDGES, which build).",
        ("assetbuild.runtime", "assetbuild.runtime.*"),
    ),
)

# The only places the runtime reaches the compiler: (module, function) -> what that function may
# import, and only inside its body. Each is a command that builds, run by a framework's own
# tooling (Django's collectstatic calls the storage's post_process; `manage.py assetbuild` is a
# management command; `flask assetbuild` is a Flask plugin command), so an app that starts and
# renders pages never loads the build side (tests/runtime/test_imports.py checks that in a fresh
# interpreter). An import of the compiler anywhere else in the runtime, at module level or in any
# other function, is refused.
BRIDGES: Mapping[tuple[str, str], frozenset[str]] = {
    ("assetbuild.runtime.django.storage", "ReleaseStorage.post_process"): frozenset(
        {"assetbuild.compiler.integrations.django"}
    ),
    ("assetbuild.runtime.django.management.commands.assetbuild", "Command.handle"): frozenset(
        {"assetbuild.compiler.cli", "assetbuild.compiler.integrations.django"}
    ),
    ("assetbuild.runtime.flask.cli", "_make_command.command"): frozenset(
        {"assetbuild.compiler.cli", "assetbuild.compiler.integrations.flask"}
    ),
}

# The modules that may change the filesystem, and why each must. Everything else hands bytes or
# values to one of these: the build's output goes through the release writer alone.
WRITERS: Mapping[str, str] = {
    "assetbuild.compiler.release": "the release writer: release files, the manifest and its "
    "history, the build cache, the lock, and clean",
    "assetbuild.compiler.content_cache": "the cache_dir the user named, outside the release: "
    "entries written through a temporary file and a rename (so builds in other processes and on "
    "other machines sharing it read whole entries or none), and `cache prune`. Not through the "
    "release writer: the cache belongs to no release and its lock, and a filter's result is "
    "kept as soon as a build reading them is sure of it, whether that build ends up committing",
    "assetbuild.compiler.commands.archive": "`build --archive FILE.tar.gz` writes the tarball the "
    "user named, outside the release, through a temporary name and a rename",
    "assetbuild.compiler.commands.report": "`report -o FILE` and `build --report FILE` write the "
    "HTML page the user named, never inside the release, through a temporary name and a rename",
    "assetbuild.compiler.publish.store": "`publish file:///DIR` writes the release's objects "
    "into the directory the user named, each through a temporary file and a link (create-only) "
    "or a rename (the manifest, last), and `clean --remote file:///DIR` deletes from it",
    "assetbuild.compiler.migrate.output": "`import webassets|django-compressor -o FILE` writes the "
    "assetbuild.toml the user named, never replacing one without --force; `import "
    "django-compressor --rewrite` replaces the templates it converted, each through a temporary "
    "file and a rename, and only if it still holds what was read",
}

# The modules that may end the process. The CLI maps errors to exit statuses; ``__main__`` only
# calls the click group, which exits by itself.
EXITERS: Mapping[str, str] = {
    "assetbuild.compiler.cli._root": "the mapping from assetbuild's errors to exit statuses",
    "assetbuild.compiler.cli._build": "verify exits 1 listing what does not match the manifest",
    "assetbuild.compiler.cli._imports": "a conversion that cannot be exact exits 2, writing nothing",
    "assetbuild.compiler.cli._inspect": "check-templates and doctor exit 1 on what they find",
    "assetbuild.compiler.cli._publish": "publish --check exits 1 naming each missing object",
    "assetbuild.compiler.workers": "a forked worker that finds its build already dead ends itself "
    "(no status anyone reads: its parent is gone)",
}

LAYOUT_HEADING = "## Layout of the code"


# -- Reading the package --------------------------------------------------------------------------


@dataclass(frozen=True)
class Module:
    name: str  # dotted: assetbuild.compiler.scan.css
    file: str  # relative to the repository: assetbuild/compiler/scan/css.py
    is_package: bool
    tree: ast.Module


def read_module(path: Path) -> Module:
    relative = path.relative_to(REPO)
    parts = list(relative.with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    source = path.read_text("utf-8")
    return Module(".".join(parts), relative.as_posix(), is_package, ast.parse(source, str(path)))


@cache
def package() -> Mapping[str, Module]:
    """Every module of assetbuild, by dotted name."""
    modules = (read_module(path) for path in sorted(PACKAGE.rglob("*.py")))
    return {module.name: module for module in modules}


@dataclass(frozen=True)
class Import:
    importer: str
    target: str  # the module imported: for ``from p import x``, p.x if that is a module, else p
    line: int
    written: str  # the import as written, one name of it
    file: str  # where it is written
    via: str | None = None  # the package whose __init__ makes the import, if not the importer
    function: str | None = None  # the function it is written in ("Class.method"), if any


def absolute(module: Module, node: ast.ImportFrom) -> str:
    """The module ``node`` imports from, with a relative import made absolute."""
    if not node.level:
        return node.module or ""
    base = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(module: Module, known: Iterable[str], prefix: str = "assetbuild") -> list[Import]:
    """Every import of a module whose name starts with ``prefix``, wherever it is made: at the top,
    in a function, under ``if TYPE_CHECKING`` (a type from a higher layer is a dependency all the
    same), or through ``importlib.import_module``/``__import__`` with a literal name."""
    modules = set(known)
    ours = re.compile(rf"{re.escape(prefix)}(\.|$)")
    found: list[Import] = []
    for node, function in walk_with_functions(module.tree):
        made: list[tuple[str, str]] = []  # (target, as written)
        if isinstance(node, ast.Import):
            made = [(a.name, f"import {a.name}") for a in node.names if ours.match(a.name)]
        elif isinstance(node, ast.ImportFrom):
            source = absolute(module, node)
            if not ours.match(source):
                continue
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                target = submodule if submodule in modules else source
                made.append(
                    (target, f"from {'.' * node.level}{node.module or ''} import {alias.name}")
                )
        elif isinstance(node, ast.Call) and dynamic_import(node):
            name = node.args[0]
            if isinstance(name, ast.Constant) and ours.match(str(name.value)):
                made = [(str(name.value), ast.unparse(node))]
        line = getattr(node, "lineno", 0)
        found += [
            Import(module.name, target, line, written, module.file, None, function)
            for target, written in made
        ]
    return sorted(found, key=lambda imp: imp.line)


def walk_with_functions(tree: ast.AST) -> Iterator[tuple[ast.AST, str | None]]:
    """Every node, with the qualified name of the function it is in (``Class.method``, or
    ``function.inner``); None at module level and directly in a class body."""
    pending: list[tuple[ast.AST, str, bool]] = [(tree, "", False)]  # node, scope, in a function
    while pending:
        node, scope, in_function = pending.pop()
        yield node, (scope or None) if in_function else None
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = f"{scope}.{child.name}" if scope else child.name
                in_body = in_function or not isinstance(child, ast.ClassDef)
                pending.append((child, inner, in_body))
            else:
                pending.append((child, scope, in_function))


def dynamic_import(call: ast.Call) -> bool:
    function = call.func
    named = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    return named in ("import_module", "__import__") and bool(call.args)


@cache
def graph() -> Mapping[str, tuple[Import, ...]]:
    """Each module's own imports of assetbuild modules."""
    modules = package()
    return {name: tuple(imports_of(module, modules)) for name, module in modules.items()}


def ancestors(name: str) -> Iterator[str]:
    """The packages whose ``__init__`` runs before a module does: a.b.c -> a.b, a."""
    parts = name.split(".")
    for end in range(len(parts) - 1, 0, -1):
        yield ".".join(parts[:end])


def where(imp: Import) -> str:
    return f"{imp.file}:{imp.line}"


# -- Layers ---------------------------------------------------------------------------------------


def matches(pattern: str, name: str) -> bool:
    if pattern.endswith(".*"):
        return name.startswith(pattern[:-1])
    return name == pattern


def layers_of(name: str, layers: Iterable[Layer] = LAYERS) -> list[tuple[int, Layer]]:
    return [
        (rank, layer)
        for rank, layer in enumerate(layers)
        if any(matches(pattern, name) for pattern in layer.modules)
    ]


def may_import(importer: tuple[int, Layer], target: tuple[int, Layer]) -> bool:
    (importer_rank, importer_layer), (target_rank, target_layer) = importer, target
    same_room = target_layer.room in (importer_layer.room, "shared")
    return same_room and target_rank <= importer_rank


def bridged(imp: Import, bridges: Mapping[tuple[str, str], frozenset[str]] = BRIDGES) -> bool:
    """Whether ``imp`` is one a bridge allows: made by its own module, inside its function."""
    if imp.via is not None or imp.function is None:
        return False
    return imp.target in bridges.get((imp.importer, imp.function), frozenset())


def layer_violations(
    edges: Mapping[str, Iterable[Import]],
    layers: tuple[Layer, ...] = LAYERS,
    bridges: Mapping[tuple[str, str], frozenset[str]] = BRIDGES,
) -> list[str]:
    """An import that goes up the table, or across to another room, with where it is and what to
    do. A package's ``__init__`` runs whenever any module below it is imported, so its imports
    count as imports of each of those modules too (reported only where its own layer allows them:
    otherwise the package itself is reported)."""
    problems: list[str] = []
    for name, own in sorted(edges.items()):
        inherited = [
            Import(name, imp.target, imp.line, imp.written, imp.file, via=parent)
            for parent in ancestors(name)
            for imp in edges.get(parent, ())
        ]
        placed = layers_of(name, layers)
        if len(placed) != 1:
            continue  # test_every_module_is_in_exactly_one_layer says so
        for imp in [*own, *inherited]:
            target = layers_of(imp.target, layers)
            if len(target) != 1:
                problems.append(
                    f"{where(imp)}: {name} imports {imp.target} (`{imp.written}`), which is in "
                    "no layer of the table: import a module that exists, or add it to LAYERS."
                )
                continue
            if imp.via and not may_import(layers_of(imp.via, layers)[0], target[0]):
                continue
            if may_import(placed[0], target[0]) or bridged(imp, bridges):
                continue
            (_, own_layer), (_, other) = placed[0], target[0]
            through = f" through its package {imp.via}" if imp.via else ""
            problems.append(
                f"{where(imp)}: {name} (layer {own_layer.name!r}) imports {imp.target} "
                f"(layer {other.name!r}){through}: `{imp.written}`. "
                f"The rule of {own_layer.name!r}: {own_layer.rule} Move what it needs down into "
                "a layer it may import, or the code that needs it up; if the architecture itself "
                "changes, change LAYERS and the README's layout together."
            )
    return problems


def test_every_module_is_in_exactly_one_layer() -> None:
    problems = []
    for name, module in package().items():
        placed = [layer.name for _, layer in layers_of(name)]
        if len(placed) != 1:
            where_now = f"layers {placed}" if placed else "no layer"
            problems.append(
                f"{module.file}: {name} is in {where_now}; put it in the one row of LAYERS (at the "
                "top of tests/test_architecture.py) whose sentence it fits."
            )
    report(problems)


def test_every_module_the_layers_name_exists() -> None:
    names = package()
    stale = [
        f"LAYERS ({layer.name!r}) names {pattern}, which is not a module: remove it or correct it."
        for layer in LAYERS
        for pattern in layer.modules
        if not any(matches(pattern, name) for name in names)
    ]
    report(stale)


def test_each_module_imports_only_its_own_layer_and_the_layers_below() -> None:
    report(layer_violations(graph()))


# -- Cycles ---------------------------------------------------------------------------------------


def cycles(edges: Mapping[str, Iterable[Import]]) -> list[list[Import]]:
    """One cycle, spelled out, for each strongly connected set of modules (Tarjan's algorithm)."""
    successors = {name: sorted({imp.target for imp in own}) for name, own in edges.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        on_stack.add(name)
        for target in successors.get(name, ()):
            if target not in index:
                visit(target)
                low[name] = min(low[name], low[target])
            elif target in on_stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == name:
                    break
            if len(component) > 1 or name in successors.get(name, ()):
                components.append(sorted(component))

    for name in sorted(successors):
        if name not in index:
            visit(name)
    return [cycle_through(component, edges) for component in components]


def cycle_through(component: list[str], edges: Mapping[str, Iterable[Import]]) -> list[Import]:
    """The shortest cycle through the first module of a strongly connected set."""
    start, members = component[0], set(component)
    paths: dict[str, list[Import]] = {start: []}
    frontier = [start]
    while frontier:
        following = []
        for name in frontier:
            for imp in edges.get(name, ()):
                if imp.target == start:
                    return [*paths[name], imp]
                if imp.target in members and imp.target not in paths:
                    paths[imp.target] = [*paths[name], imp]
                    following.append(imp.target)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # a component always has one


def test_there_are_no_import_cycles() -> None:
    problems = [
        "import cycle: "
        + " -> ".join(f"{imp.importer} ({where(imp)}: `{imp.written}`)" for imp in cycle)
        + f" -> {cycle[0].importer}. Break it: move what both need into a module below both."
        for cycle in cycles(graph())
    ]
    report(problems)


# -- Writes and exits -----------------------------------------------------------------------------
#
# A static check, so an honest one about what it cannot see: a write made by another library (a
# webassets filter running a tool, a subprocess, a C extension), a call made through getattr or a
# name built at run time, an opener handed on uncalled (``opener = gzip.open``), or a method called
# on an object imported from elsewhere. It sees each way the standard library offers to change the
# filesystem, by name, wherever a module uses it: called, or only referred to
# (``pool.map(os.unlink, paths)``). Methods on objects of unknown type (a ``Path``) are known by
# their names: ``write_text``, ``unlink``, ``mkdir``... and ``replace`` with one argument
# (``str.replace`` takes two). A mode or flags it cannot read as literals count as a write: write
# them out, or write in a module that may.

WRITE_METHODS = frozenset(
    {"write_text", "write_bytes", "unlink", "mkdir", "rmdir", "touch", "symlink_to", "hardlink_to"}
    | {"link_to", "chmod", "lchmod", "rename"}
)
OS_WRITES = {"chmod", "chown", "lchmod", "lchown", "link", "mkdir", "makedirs", "mkfifo", "mknod"}
OS_WRITES |= {"pwrite", "remove", "removedirs", "removexattr", "rename", "renames", "replace"}
OS_WRITES |= {"rmdir", "setxattr", "symlink", "truncate", "ftruncate", "unlink", "utime", "write"}
OS_WRITES |= {"writev", "copy_file_range"}
SHUTIL_WRITES = {"chown", "copy", "copy2", "copyfile", "copymode", "copystat", "copytree", "move"}
SHUTIL_WRITES |= {"make_archive", "rmtree", "unpack_archive"}
TEMPFILE_WRITES = {"mkdtemp", "mkstemp", "NamedTemporaryFile", "SpooledTemporaryFile"}
TEMPFILE_WRITES |= {"TemporaryDirectory", "TemporaryFile"}
WRITE_FUNCTIONS = frozenset(
    {f"os.{name}" for name in OS_WRITES}
    | {f"shutil.{name}" for name in SHUTIL_WRITES}
    | {f"tempfile.{name}" for name in TEMPFILE_WRITES}
    | {f"pathlib.Path.{name}" for name in WRITE_METHODS | {"replace"}}
)
# Functions that open a file, and the position of their mode argument.
OPENERS: Mapping[str, int] = {
    "builtins.open": 1,
    "io.open": 1,
    "codecs.open": 1,
    "os.fdopen": 1,
    "pathlib.Path.open": 1,
    "gzip.open": 1,
    "gzip.GzipFile": 1,
    "bz2.open": 1,
    "bz2.BZ2File": 1,
    "lzma.open": 1,
    "lzma.LZMAFile": 1,
    "tarfile.open": 1,
    "tarfile.TarFile": 1,
    "zipfile.ZipFile": 1,
    "shelve.open": 1,
    "dbm.open": 1,
}
READ_ONLY_FLAGS = frozenset(
    {"O_RDONLY", "O_CLOEXEC", "O_DIRECTORY", "O_NOFOLLOW", "O_NONBLOCK", "O_NOATIME", "O_PATH"}
    | {"O_BINARY", "O_NOINHERIT", "O_SEQUENTIAL", "O_RANDOM", "O_NOCTTY"}
)
EXIT_FUNCTIONS = frozenset({"sys.exit", "os._exit", "os.abort", "builtins.exit", "builtins.quit"})
BUILTIN_NAMES = frozenset({"open", "exit", "quit", "SystemExit"})


@dataclass(frozen=True)
class Call:
    line: int
    what: str


def aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> what it names: ``import os as o`` -> {"o": "os"}, ``from os import replace``
    -> {"replace": "os.replace"}. Scopes are ignored, so a name imported anywhere counts
    everywhere: an over-estimate, never an under-estimate."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.partition(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def qualified(node: ast.expr, names: Mapping[str, str]) -> str | None:
    """``o.replace`` -> "os.replace" when ``o`` is ``os``; ``open`` -> "builtins.open"."""
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        return f"builtins.{node.id}" if node.id in BUILTIN_NAMES else None
    if isinstance(node, ast.Attribute):
        base = qualified(node.value, names)
        return None if base is None else f"{base}.{node.attr}"
    return None


def argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def writing_mode(mode: ast.expr | None) -> bool:
    """Whether an open mode may write: a literal with w, a, x or +, or anything but literals
    (``"w" if force else "x"`` is read as both)."""
    if mode is None:
        return False  # every opener reads by default
    if isinstance(mode, ast.IfExp):
        return writing_mode(mode.body) or writing_mode(mode.orelse)
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return bool(set(mode.value) & set("wax+"))
    return True


def writing_flags(flags: ast.expr | None, names: Mapping[str, str]) -> bool:
    """Whether ``os.open`` flags may write: anything but read-only ``os.O_*`` flags or'ed."""
    if flags is None:
        return True
    pending = [flags]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            pending += [node.left, node.right]
            continue
        name = qualified(node, names) or ""
        if not (name.startswith("os.O_") and name[3:] in READ_ONLY_FLAGS):
            return True
    return False


def method_writes(method: str, call: ast.Call) -> bool:
    """Whether a method called on an object of unknown type (a ``Path``, most likely) writes."""
    if method == "replace":  # Path.replace(target); str.replace(old, new) takes two
        return len(call.args) == 1 and not call.keywords
    if method == "open":
        return writing_mode(argument(call, 0, "mode"))
    return method in WRITE_METHODS


def writes_in(tree: ast.Module) -> list[Call]:
    """Each place a module changes, or may change, the filesystem."""
    names = aliases(tree)
    found: set[Call] = set()
    called: set[int] = set()  # the functions of the calls seen, not to be counted twice
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function, call = node.func, Call(node.lineno, ast.unparse(node))
        name = qualified(function, names)
        called.add(id(function))
        mode_at = OPENERS.get(name or "")
        if mode_at is not None:
            if writing_mode(argument(node, mode_at, "mode")):
                found.add(call)
        elif name == "os.open":
            if writing_flags(argument(node, 1, "flags"), names):
                found.add(call)
        elif name in WRITE_FUNCTIONS:
            found.add(call)
        elif name is None and isinstance(function, ast.Attribute):
            unknown_method = function.attr  # on an object of unknown type: a Path, most likely
            if method_writes(unknown_method, node):
                found.add(call)
    referred = (n for n in ast.walk(tree) if isinstance(n, ast.Name | ast.Attribute))
    for node in referred:
        if id(node) not in called and (qualified(node, names) or "") in WRITE_FUNCTIONS:
            found.add(Call(node.lineno, ast.unparse(node)))
    return sorted(found, key=lambda call: (call.line, call.what))


def exits_in(tree: ast.Module) -> list[Call]:
    """Each place a module ends the process: ``sys.exit`` (called, or handed on uncalled),
    ``exit``, ``os._exit``, ``raise SystemExit``, and click's ``ctx.exit``."""
    names = aliases(tree)
    found: set[Call] = set()
    called: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called.add(id(node.func))
            name = qualified(node.func, names)
            unknown_exit = isinstance(node.func, ast.Attribute) and node.func.attr == "exit"
            if (name or "") in EXIT_FUNCTIONS or (name is None and unknown_exit):  # ctx.exit()
                found.add(Call(node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Raise) and node.exc is not None:
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if qualified(raised, names) == "builtins.SystemExit":
                found.add(Call(node.lineno, ast.unparse(node)))
    referred = (n for n in ast.walk(tree) if isinstance(n, ast.Name | ast.Attribute))
    for node in referred:
        if id(node) not in called and (qualified(node, names) or "") in EXIT_FUNCTIONS:
            found.add(Call(node.lineno, ast.unparse(node)))
    return sorted(found, key=lambda call: (call.line, call.what))


def test_only_the_release_writer_and_the_named_outputs_write_files() -> None:
    problems = [
        f"{module.file}:{call.line}: {name} writes to the filesystem: `{call.what}`. Only the "
        f"release writer and the outputs in WRITERS may ({', '.join(WRITERS)}): hand the bytes "
        "or values to the one that owns the file; if this module is a new output the user asked "
        "for, add it to WRITERS with the reason."
        for name, module in sorted(package().items())
        if name not in WRITERS
        for call in writes_in(module.tree)
    ]
    report(problems)


def test_each_module_allowed_to_write_does_write() -> None:
    idle = [
        f"WRITERS names {name}, which writes nothing (any more): remove it from WRITERS."
        for name in WRITERS
        if name not in package() or not writes_in(package()[name].tree)
    ]
    report(idle)


def test_only_the_cli_ends_the_process() -> None:
    problems = [
        f"{module.file}:{call.line}: {name} ends the process: `{call.what}`. Only "
        f"{', '.join(EXITERS)} knows exit statuses: raise an assetbuild error (ConfigError, "
        "BuildError, ...) and let the CLI map it to a status."
        for name, module in sorted(package().items())
        if name not in EXITERS
        for call in exits_in(module.tree)
    ]
    report(problems)


# -- Shared modules -------------------------------------------------------------------------------


def non_standard_imports(module: Module) -> list[tuple[int, str]]:
    """The imports of a module that are neither the standard library nor assetbuild."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(module.tree):
        named: list[str] = []
        if isinstance(node, ast.Import):
            named = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            named = [node.module or ""]
        elif isinstance(node, ast.Call) and dynamic_import(node):
            first = node.args[0]
            named = [str(first.value) if isinstance(first, ast.Constant) else ast.unparse(first)]
        for name in named:
            top = name.partition(".")[0]
            if top != "assetbuild" and top not in sys.stdlib_module_names:
                found.append((getattr(node, "lineno", 0), name))
    return found


def test_the_shared_modules_import_only_the_standard_library() -> None:
    shared = [name for name in package() if layers_of(name)[:1] == [(0, LAYERS[0])]]
    assert "assetbuild.manifest" in shared and "assetbuild.errors" in shared
    problems = [
        f"{package()[name].file}:{line}: {name} imports {imported}, which is not the standard "
        "library. The runtime imports this module, so it must work with nothing else installed: "
        "move the code that needs it into the compiler or the runtime."
        for name in shared
        for line, imported in non_standard_imports(package()[name])
    ]
    report(problems)


# What the runtime never imports (CONTRACT section 7): the build side's libraries. Inside a function
# that only a build or a command line calls, it may (Flask's plugin command makes itself so).
BUILD_LIBRARIES = frozenset({"webassets", "rcssmin", "rjsmin", "click", "brotli"})


def module_level_imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """What a module imports when it is imported: its top level, in ``if``/``try`` blocks too,
    but not under ``if TYPE_CHECKING`` (never run) and not in functions or classes."""
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            yield node.lineno, node.module or ""
        elif isinstance(node, ast.If):
            if "TYPE_CHECKING" not in ast.unparse(node.test):
                pending += [*node.body, *node.orelse]
        elif isinstance(node, ast.Try):
            pending += [*node.body, *node.orelse, *node.finalbody]
            pending += [stmt for handler in node.handlers for stmt in handler.body]


def test_no_runtime_module_imports_a_build_library_when_it_is_imported() -> None:
    problems = [
        f"{module.file}:{line}: {name} imports {imported} when it is imported; the runtime never "
        "loads the build side's libraries (CONTRACT section 7): import it inside the function "
        "that a build or a command line calls, or move the code to the compiler."
        for name, module in sorted(package().items())
        if name.startswith("assetbuild.runtime")
        for line, imported in module_level_imports(module.tree)
        if imported.partition(".")[0] in BUILD_LIBRARIES
    ]
    report(problems)


def test_the_build_library_check_sees_a_module_level_import_but_not_a_lazy_one() -> None:
    code = (
        "import click\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import brotli\n"
        "try:\n    import rjsmin\nexcept ImportError:\n    pass\n"
        "def later():\n    import webassets\n"
    )
    found = sorted(name for _, name in module_level_imports(ast.parse(code)))
    assert found == ["click", "rjsmin", "typing"]


# -- The README's layout --------------------------------------------------------------------------


def layout_section(readme: str) -> tuple[int, str]:
    """The first line number and the text of the README's layout section."""
    start = readme.index(f"\n{LAYOUT_HEADING}\n") + 1
    end = readme.find("\n## ", start)
    return readme.count("\n", 0, start) + 1, readme[start : end if end != -1 else None]


ENTRY = re.compile(r"( *)([A-Za-z_]\w*(?:\.py|/))(?=\s|$)")


def layout_entries(section: str, first_line: int = 1) -> list[tuple[int, str]]:
    """The paths the section's code blocks list as a tree: a line whose first word is ``name.py``
    or ``name/`` is an entry, inside the nearest directory above it that is indented less."""
    entries: list[tuple[int, str]] = []
    directories: list[tuple[int, str]] = []  # (indent, path ending in /)
    fenced = False
    for number, line in enumerate(section.splitlines(), first_line):
        if line.startswith("```"):
            fenced, directories = not fenced, []
            continue
        entry = ENTRY.match(line) if fenced else None
        if entry is None:
            continue
        indent, name = len(entry[1]), entry[2]
        while directories and directories[-1][0] >= indent:
            directories.pop()
        path = (directories[-1][1] if directories else "") + name
        entries.append((number, path))
        if name.endswith("/"):
            directories.append((indent, path))
    return entries


def module_of(path: str) -> str:
    """assetbuild/compiler/scan/ (or .../__init__.py) -> assetbuild.compiler.scan."""
    path = path.removesuffix("/").removesuffix("/__init__.py").removesuffix(".py")
    return path.replace("/", ".")


def test_the_readme_layout_names_every_module_and_only_modules_there_are() -> None:
    first_line, section = layout_section((REPO / "README.md").read_text("utf-8"))
    entries = layout_entries(section, first_line)
    named = {module_of(path): number for number, path in entries}
    modules = package()
    problems = [
        f"{module.file}: {name} is not in README.md's {LAYOUT_HEADING[3:]!r}: add a line for it, "
        "in its room, saying what it owns."
        for name, module in sorted(modules.items())
        if name not in named
    ]
    problems += [
        f"README.md:{number}: the layout lists {path}, which is no module: correct or remove it."
        for number, path in entries
        if module_of(path) not in modules
    ]
    basenames = {Path(module.file).name for module in modules.values()}
    problems += [
        f"README.md: the layout section mentions {name}, which is no module: correct it."
        for name in sorted(set(re.findall(r"[\w/]*\w\.py\b", section)))
        if Path(name).name not in basenames and not (REPO / name).is_file()
    ]
    report(problems)


def test_the_readme_and_docs_link_only_to_files_in_the_repository() -> None:
    # A user's clone holds the repository and nothing beside it.
    problems = []
    for document in [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]:
        text = document.read_text("utf-8")
        for match in re.finditer(r"\]\(([^)\s]+)\)", text):
            target = match[1].partition("#")[0]
            if not target or re.match(r"[a-z][a-z0-9+.-]*:", target):
                continue  # an anchor in the same page, or a URL
            resolved = (document.parent / target).resolve()
            if not resolved.is_relative_to(REPO) or not resolved.exists():
                line = text.count("\n", 0, match.start()) + 1
                problems.append(
                    f"{document.relative_to(REPO)}:{line}: links to {match[1]}, which is not a "
                    "file of the repository: link to one that is, or to a URL."
                )
    report(problems)


# -- The checks see what they look for ------------------------------------------------------------


def parsed(name: str, code: str) -> Module:
    is_package = name.endswith(".__init__")
    name = name.removesuffix(".__init__")
    return Module(name, f"{name.replace('.', '/')}.py", is_package, ast.parse(code))


def test_the_import_graph_sees_submodules_relative_imports_and_imports_in_functions() -> None:
    known = {"assetbuild.compiler", "assetbuild.compiler.release", "assetbuild.errors"}
    module = parsed(
        "assetbuild.compiler.render",
        textwrap.dedent(
            """
            from assetbuild.compiler import release
            from . import release as again
            from ..errors import BuildError
            import json
            def later():
                import assetbuild.errors
                importlib.import_module("assetbuild.compiler.release")
            """
        ),
    )
    found = [(imp.target, imp.line) for imp in imports_of(module, known)]
    assert found == [
        ("assetbuild.compiler.release", 2),
        ("assetbuild.compiler.release", 3),
        ("assetbuild.errors", 4),
        ("assetbuild.errors", 7),
        ("assetbuild.compiler.release", 8),
    ]


def edge(importer: str, target: str) -> Import:
    return Import(importer, target, 1, f"import {target}", importer.replace(".", "/") + ".py")


def test_the_layer_check_sees_an_import_up_the_table_across_rooms_and_through_a_package() -> None:
    layers = (
        Layer("shared", "bottom", "", ("a", "a.shared")),
        Layer("c", "low", "", ("a.c", "a.c.low")),
        Layer("c", "high", "", ("a.c.high",)),
        Layer("r", "runtime", "", ("a.r", "a.r.*")),
    )
    edges = {
        "a": [],
        "a.shared": [],
        "a.c": [],
        "a.c.low": [edge("a.c.low", "a.c.high"), edge("a.c.low", "a.shared")],
        "a.c.high": [edge("a.c.high", "a.c.low")],
        "a.r": [edge("a.r", "a.shared")],
        "a.r.x": [edge("a.r.x", "a.c.low")],
    }
    problems = layer_violations(edges, layers)
    assert len(problems) == 2
    assert problems[0].startswith("a/c/low.py:1: a.c.low (layer 'low') imports a.c.high (layer")
    assert problems[1].startswith("a/r/x.py:1: a.r.x (layer 'runtime') imports a.c.low (layer")
    edges["a.c"] = [edge("a.c", "a.shared")]  # allowed, for a.c and every module below it
    assert len(layer_violations(edges, layers)) == 2
    edges["a.r"] = [edge("a.r", "a.c")]  # reported for a.r, not again for a.r.x
    assert len(layer_violations(edges, layers)) == 3


def test_the_layer_check_allows_a_bridge_only_inside_its_function_and_for_its_targets() -> None:
    layers = (
        Layer("shared", "bottom", "", ("a",)),
        Layer("c", "compiler", "", ("a.c", "a.c.*")),
        Layer("r", "runtime", "", ("a.r", "a.r.*")),
    )
    bridges = {("a.r.storage", "Storage.build"): frozenset({"a.c.django"})}
    known = {"a", "a.c", "a.c.django", "a.c.cli", "a.r", "a.r.storage"}
    module = parsed(
        "a.r.storage",
        textwrap.dedent(
            """
            import a.c.django
            class Storage:
                import a.c.django
                def url(self):
                    import a.c.django
                def build(self):
                    import a.c.django
                    from a.c import cli
                    def later():
                        import a.c.django
            """
        ),
    )
    edges = {name: [] for name in known} | {"a.r.storage": imports_of(module, known, "a")}
    problems = layer_violations(edges, layers, bridges)
    assert [problem.split(":")[1] for problem in problems] == ["2", "4", "6", "9", "11"]
    assert "a.r.storage (layer 'runtime') imports a.c.django" in problems[0]


def test_the_import_graph_knows_the_function_each_import_is_in() -> None:
    module = parsed(
        "assetbuild.x",
        textwrap.dedent(
            """
            import assetbuild.a
            class C:
                import assetbuild.b
                async def m(self):
                    import assetbuild.c
                class D:
                    def n(self):
                        import assetbuild.d
            def f():
                def g():
                    import assetbuild.e
            """
        ),
    )
    found = [(imp.target, imp.function) for imp in imports_of(module, set())]
    assert found == [
        ("assetbuild.a", None),
        ("assetbuild.b", None),
        ("assetbuild.c", "C.m"),
        ("assetbuild.d", "C.D.n"),
        ("assetbuild.e", "f.g"),
    ]


def test_each_bridge_is_an_import_the_runtime_makes_there() -> None:
    made = {(imp.importer, imp.function, imp.target) for edges in graph().values() for imp in edges}
    stale = [
        f"BRIDGES names {target} imported in {module}.{function}, which does not import it "
        "(any more): remove it from BRIDGES."
        for (module, function), targets in BRIDGES.items()
        for target in sorted(targets)
        if (module, function, target) not in made
    ]
    report(stale)


def test_the_layer_check_counts_a_package_s_imports_for_each_module_below_it() -> None:
    # Importing a.c.low runs a/c/__init__.py first: what that imports, a.c.low loads too.
    layers = (
        Layer("shared", "bottom", "", ("a",)),
        Layer("c", "low", "", ("a.c.low",)),
        Layer("c", "high", "", ("a.c", "a.c.high")),
    )
    edges = {"a": [], "a.c": [edge("a.c", "a.c.high")], "a.c.low": [], "a.c.high": []}
    assert layer_violations(edges, layers) == [
        "a/c.py:1: a.c.low (layer 'low') imports a.c.high (layer 'high') through its package "
        "a.c: `import a.c.high`. The rule of 'low':  Move what it needs down into a layer it may "
        "import, or the code that needs it up; if the architecture itself changes, change LAYERS "
        "and the README's layout together."
    ]


def test_the_cycle_check_spells_out_a_cycle() -> None:
    edges = {
        "a": [edge("a", "b")],
        "b": [edge("b", "c"), edge("b", "d")],
        "c": [edge("c", "a")],
        "d": [],
    }
    assert [[imp.importer for imp in cycle] for cycle in cycles(edges)] == [["a", "b", "c"]]
    assert cycles({"a": [edge("a", "b")], "b": []}) == []


@pytest.mark.parametrize(
    "code",
    [
        'open(p, "w")',
        'open(p, mode="ab")',
        "open(p, mode)",
        'path.open("x")',
        'target.open("w" if force else "r")',
        'Path("x").write_text("y")',
        "path.write_bytes(data)",
        "path.unlink()",
        "path.mkdir(parents=True)",
        "path.replace(target)",
        "import os\nos.replace(a, b)",
        "from os import replace\nreplace(a, b)",
        "import os as system\nsystem.remove(a)",
        "import os\nos.open(p, os.O_WRONLY | os.O_CREAT)",
        "import os\nos.open(p, flags)",
        'import os\nos.fdopen(fd, "wb")',
        "import shutil\nshutil.copyfile(a, b)",
        "import shutil\nshutil.rmtree(a)",
        "import tempfile\ntempfile.mkstemp()",
        "import tempfile\nwith tempfile.TemporaryDirectory() as d: pass",
        'import tarfile\ntarfile.open(p, "w:gz")',
        'import gzip\ngzip.open(p, "wb")',
        'import gzip\ngzip.GzipFile(filename="", mode="wb", fileobj=raw)',
        'import zipfile\nzipfile.ZipFile(p, "a")',
        "import os\npool.map(os.unlink, paths)",
    ],
)
def test_the_write_check_sees_each_way_of_writing(code: str) -> None:
    assert writes_in(ast.parse(code)), code


@pytest.mark.parametrize(
    "code",
    [
        "open(p)",
        'open(p, "rb")',
        'path.open("r", encoding="utf-8")',
        "path.read_text()",
        'text.replace("a", "b")',
        "import os\nos.open(p, os.O_RDONLY)",
        "import os\nos.open(p, os.O_RDONLY | os.O_CLOEXEC)",
        'import tarfile\ntarfile.open(p, "r:gz")',
        "import gzip\ngzip.decompress(data)",
        "import shutil\nshutil.which('node')",
        "import os\nos.stat(p)",
    ],
)
def test_the_write_check_lets_reading_be(code: str) -> None:
    assert not writes_in(ast.parse(code)), code


@pytest.mark.parametrize(
    "code",
    [
        "import sys\nsys.exit(1)",
        "from sys import exit\nexit(2)",
        "exit()",
        "raise SystemExit(1)",
        "raise SystemExit",
        "import os\nos._exit(0)",
        "ctx.exit(1)",
        "import sys\natexit_handler = sys.exit",
    ],
)
def test_the_exit_check_sees_each_way_of_ending_the_process(code: str) -> None:
    assert exits_in(ast.parse(code)), code


def test_the_exit_check_lets_catching_and_exit_stacks_be() -> None:
    code = "try:\n    f()\nexcept SystemExit:\n    pass\nwith contextlib.ExitStack() as s: pass"
    assert exits_in(ast.parse(code)) == []


def test_the_standard_library_check_sees_a_third_party_import() -> None:
    module = parsed("assetbuild.x", "import json\nimport assetbuild.errors\nfrom yaml import load")
    assert non_standard_imports(module) == [(3, "yaml")]


def test_the_layout_reader_follows_the_tree() -> None:
    section = textwrap.dedent(
        """\
        ## Layout of the code

        ```
        assetbuild/
          errors.py     the errors
          compiler/     the build stage
            # a group
            cli.py      the command line
            scan/       scanners
              css.py    CSS
            stage.py    staging
          runtime/
        ```
        """
    )
    assert [path for _, path in layout_entries(section)] == [
        "assetbuild/",
        "assetbuild/errors.py",
        "assetbuild/compiler/",
        "assetbuild/compiler/cli.py",
        "assetbuild/compiler/scan/",
        "assetbuild/compiler/scan/css.py",
        "assetbuild/compiler/stage.py",
        "assetbuild/runtime/",
    ]
    assert module_of("assetbuild/compiler/scan/") == "assetbuild.compiler.scan"
    assert module_of("assetbuild/__init__.py") == "assetbuild"


# -- Helpers --------------------------------------------------------------------------------------


def report(problems: list[str]) -> None:
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
