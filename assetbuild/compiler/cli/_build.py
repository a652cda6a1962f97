"""The commands that make and keep a local release: build, verify, clean, watch, cache prune.

Owns: their arguments and what they print. Must not: build, verify or clean anything itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from assetbuild.compiler.cli._publish import clean_remote
from assetbuild.compiler.cli._root import (
    EXIT_FAILED,
    cache_dir_option,
    config_option,
    debug_option,
    framework_defaults,
    main,
    run,
    warn,
)
from assetbuild.errors import AssetbuildError, BuildError, ConfigError

if TYPE_CHECKING:
    from assetbuild.compiler.assembly import BuildResult


@main.command()
@config_option
@click.option(
    "--output", type=click.Path(path_type=Path, file_okay=False), help="Release directory."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Worker threads (default: one per core); the release is the same for any number.",
)
@click.option(
    "--archive",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the release as a reproducible FILE.tar.gz (mtime: $SOURCE_DATE_EPOCH or 0).",
)
@click.option(
    "--report",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the HTML report of the release (see `assetbuild report`) to FILE, outside "
    "the release directory.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Read and hash every source file, ignoring what the last build recorded about the "
    "unchanged ones, and the cache_dir; the release is the same either way.",
)
@cache_dir_option
@debug_option
def build(
    config_path: Path | None,
    output: Path | None,
    as_json: bool,
    jobs: int | None,
    archive: Path | None,
    report: Path | None,
    no_cache: bool,
    cache_dir: Path | None,
    debug: bool,
) -> None:
    """Build the release and replace its manifest.json last."""
    from assetbuild.compiler.assembly import build as run_build
    from assetbuild.compiler.config import load_config
    from assetbuild.compiler.progress import TerminalProgress
    from assetbuild.compiler.summary import summary_data, summary_text

    progress = TerminalProgress(sys.stderr) if sys.stderr.isatty() else None

    def action() -> Any:
        config = load_config(
            config_path, output=output, defaults=framework_defaults(), cache_dir=cache_dir
        )
        mtime = _archive_mtime(archive)
        _check_report(report, config.output)
        try:
            result = run_build(config, jobs=jobs, progress=progress, use_cache=not no_cache)
        finally:
            if progress is not None:
                progress.close()
        if archive is None:
            return result, None
        from assetbuild.compiler.commands.archive import write_archive

        published = result.published
        archived = write_archive(
            archive, config.output, published.manifest, published.manifest_bytes, mtime=mtime
        )
        return result, archived

    result, archived = run(debug, action)
    reported = None if report is None else run(debug, lambda: _write_report(report, result))
    warn(result.warnings)
    if as_json:
        data = summary_data(result)
        if reported is not None:
            data["report"] = {"path": str(reported)}
        if archived is not None:
            data["archive"] = {"path": str(archived.path), "bytes": archived.size}
        click.echo(json.dumps(data, indent=2, sort_keys=True))
    else:
        click.echo(summary_text(result))
        if archived is not None:
            click.echo(
                f"archive {archived.path}: {len(archived.entries)} entries, {archived.size} B"
            )
        if reported is not None:
            click.echo(f"report {reported}")


def _check_report(report: Path | None, release: Path) -> None:
    """Check ``--report`` before building: a directory to write it in, outside the release."""
    if report is not None:
        from assetbuild.compiler.commands.report import check_target

        check_target(report, release)


def _write_report(target: Path, result: BuildResult) -> Path:
    from assetbuild.compiler.commands.report import render, report_release, write_report

    config = result.config
    made = report_release(config.output, config=config, state=config.state)
    return write_report(target, render(made))


def _archive_mtime(archive: Path | None) -> int:
    """Check ``--archive`` before building (its directory, $SOURCE_DATE_EPOCH); its mtime."""
    if archive is None:
        return 0
    import os

    from assetbuild.compiler.commands.archive import source_date_epoch

    if not Path(os.path.abspath(archive)).parent.is_dir():
        raise ConfigError(f"no directory to write {archive} in; create it first", key="--archive")
    return source_date_epoch()


@main.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@config_option
@debug_option
def verify(directory: Path | None, config_path: Path | None, debug: bool) -> None:
    """Check that every manifest entry is present, intact, and decodes from each encoding."""
    from assetbuild.compiler.commands.verify import verify as run_verify
    from assetbuild.compiler.config import load_config

    def action() -> Any:
        if directory is not None:
            target = directory
        else:
            target = load_config(config_path, defaults=framework_defaults()).output
        return target, run_verify(target)

    target, (manifest, problems) = run(debug, action)
    if problems:
        warn(problems)
        click.echo(f"verify failed: {len(problems)} problem(s) in {target}", err=True)
        sys.exit(EXIT_FAILED)
    click.echo(f"{len(manifest.assets)} assets verified in {target}")


@main.command()
@click.option(
    "--keep", default=3, show_default=True, type=click.IntRange(min=1), help="Builds to keep."
)
@config_option
@click.option(
    "--output", type=click.Path(path_type=Path, file_okay=False), help="Release directory."
)
@click.option(
    "--remote",
    metavar="DEST",
    help="Clean a publish destination instead (s3://bucket/prefix, gs://, az://, file:///dir): "
    "delete fingerprinted objects that none of the last KEEP publishes name.",
)
@click.option(
    "--min-age",
    metavar="DURATION",
    help="With --remote: keep every object younger than this, and all that a publish younger "
    "than this names (30s, 10m, 1h, 7d; default 1d).",
)
@click.option("--dry-run", is_flag=True, help="With --remote: list what would go; delete nothing.")
@debug_option
def clean(
    keep: int,
    config_path: Path | None,
    output: Path | None,
    remote: str | None,
    min_age: str | None,
    dry_run: bool,
    debug: bool,
) -> None:
    """Remove files that none of the last KEEP builds' manifests name (the current one counts)."""
    from assetbuild.compiler.config import load_config
    from assetbuild.compiler.release import Release

    if remote is not None:
        clean_remote(remote, keep, min_age, dry_run, debug)
        return
    if min_age is not None or dry_run:
        raise click.UsageError("--min-age and --dry-run go with --remote DEST")

    def action() -> Any:
        defaults = framework_defaults()
        if output is not None and defaults is None:
            return output, Release(output).clean(keep)  # no config needed
        config = load_config(config_path, output=output, defaults=defaults)
        return config.output, Release(config.output, config.state).clean(keep)

    target, removed = run(debug, action)
    click.echo(f"removed {len(removed)} file{'s' if len(removed) != 1 else ''} from {target}")


@main.command()
@config_option
@click.option(
    "--output", type=click.Path(path_type=Path, file_okay=False), help="Release directory."
)
@cache_dir_option
@debug_option
def watch(
    config_path: Path | None, output: Path | None, cache_dir: Path | None, debug: bool
) -> None:
    """Build, then rebuild on every change to the sources or the config, until Ctrl-C.

    A rebuild that fails is reported and leaves the last good release in force.
    """
    import contextlib
    import os
    import traceback

    from assetbuild.compiler.commands.watch import Rebuild
    from assetbuild.compiler.commands.watch import watch as run_watch
    from assetbuild.compiler.summary import summary_text

    here = Path(os.path.realpath(Path.cwd()))

    def shown(path: Path) -> str:
        return path.relative_to(here).as_posix() if path.is_relative_to(here) else str(path)

    def report(rebuild: Rebuild) -> None:
        if rebuild.changed:
            click.echo("changed: " + ", ".join(shown(c.path) for c in rebuild.changed))
        error = rebuild.error
        if error is not None:
            kept = (
                "the release is untouched"
                if rebuild.first
                else "the last good release stays in force"
            )
            if debug:
                click.echo("".join(traceback.format_exception(error)).rstrip(), err=True)
            if isinstance(error, BuildError):
                warn(error.problems)
                errors = sum(1 for p in error.problems if p.severity == "error")
                problems = f"{errors} problem{'s' if errors != 1 else ''}"
                click.echo(f"build failed: {problems}; {kept}", err=True)
            else:
                kind = "" if isinstance(error, AssetbuildError | OSError) else "internal error: "
                click.echo(f"error: {kind}{error}", err=True)
                click.echo(f"build failed; {kept}", err=True)
        else:
            result = rebuild.result
            assert result is not None
            warn(result.warnings)
            if rebuild.first:
                click.echo(summary_text(result))
            for asset in rebuild.fingerprints:
                if not rebuild.first or asset.before is not None:
                    click.echo(f"  {asset.logical_path} -> {asset.after or '(removed)'}")
            if not rebuild.first:
                written = len(result.published.written)
                click.echo(
                    f"rebuilt: {len(rebuild.fingerprints) or 'no'} "
                    f"fingerprint{'s' if len(rebuild.fingerprints) != 1 else ''} changed, "
                    f"{written} file{'s' if written != 1 else ''} written"
                )
        if rebuild.first or rebuild.config_reloaded:
            watched = ", ".join(shown(p) for p in rebuild.watching)
            click.echo(f"watching {watched} for changes (Ctrl-C stops)")

    # Ctrl-C is how a watch ends: exit status 0, and nothing more to say.
    with contextlib.suppress(KeyboardInterrupt):
        defaults = framework_defaults()
        run(
            debug,
            lambda: run_watch(
                config_path, report, output=output, defaults=defaults, cache_dir=cache_dir
            ),
        )


@main.group("cache")
def cache() -> None:
    """Look after the cache_dir (README, "The cache directory")."""


@cache.command("prune")
@config_option
@cache_dir_option
@click.option(
    "--max-size",
    default="1 GB",
    show_default=True,
    help='What the cache may keep, e.g. "500 MB": the least recently used entries go first.',
)
@debug_option
def cache_prune(
    config_path: Path | None, cache_dir: Path | None, max_size: str, debug: bool
) -> None:
    """Remove the least recently used entries of the cache_dir until it holds at most
    --max-size. Safe while builds use it; a build then only recomputes what is gone."""
    import os

    from assetbuild.compiler.config import load_config
    from assetbuild.compiler.content_cache import ContentCache
    from assetbuild.compiler.sizes import format_size, parse_size

    def action() -> Any:
        try:
            limit = parse_size(max_size)
        except ValueError as exc:
            raise ConfigError(str(exc), key="--max-size") from None
        directory = cache_dir
        if directory is None and os.environ.get("ASSETBUILD_CACHE_DIR"):
            directory = Path(os.environ["ASSETBUILD_CACHE_DIR"])
        if directory is None:
            directory = load_config(config_path, defaults=framework_defaults()).cache_dir
        if directory is None:
            raise ConfigError(
                "no cache_dir to prune: pass --cache-dir DIR, set ASSETBUILD_CACHE_DIR, or set "
                "cache_dir in the config"
            )
        return directory, ContentCache(directory).prune(limit)

    directory, pruned = run(debug, action)
    click.echo(
        f"cache_dir {directory}: removed {pruned.removed} entries "
        f"({format_size(pruned.removed_bytes)}), kept {pruned.kept} "
        f"({format_size(pruned.kept_bytes)})"
    )
