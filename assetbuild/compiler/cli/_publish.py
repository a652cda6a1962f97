"""The commands that reach a publish destination: publish, and clean --remote.

Owns: their arguments and what they print; ``--check``'s exit status.
Must not: talk to a store itself (``compiler.publish`` does).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from assetbuild.compiler.cli._root import (
    EXIT_FAILED,
    config_option,
    debug_option,
    framework_defaults,
    main,
    run,
)
from assetbuild.errors import ConfigError


def clean_remote(remote: str, keep: int, min_age: str | None, dry_run: bool, debug: bool) -> None:
    from assetbuild.compiler.publish.destination import parse_destination
    from assetbuild.compiler.publish.remote_clean import (
        DEFAULT_MIN_AGE,
        clean_remote,
        parse_duration,
    )

    def action() -> Any:
        age = parse_duration(min_age or DEFAULT_MIN_AGE)
        destination = parse_destination(remote, key="--remote")
        return clean_remote(destination, keep=keep, min_age=age, dry_run=dry_run)

    cleaned = run(debug, action)
    for found in cleaned.deleted:
        click.echo(f"{'would delete' if dry_run else 'deleted'} {found.key}")
    count = len(cleaned.deleted)
    click.echo(
        f"{'would remove' if dry_run else 'removed'} {count} object{'s' if count != 1 else ''}, "
        f"{cleaned.bytes} bytes from {cleaned.destination}; kept {cleaned.kept} (named by the "
        f"last {keep} of {cleaned.publishes} publishes or younger than "
        f"{min_age or DEFAULT_MIN_AGE}); {cleaned.untouched} other objects untouched"
    )


@main.command()
@click.argument("dest", required=False)
@config_option
@click.option(
    "--output", type=click.Path(path_type=Path, file_okay=False), help="Release directory."
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=32,
    show_default=True,
    help="Uploads in flight (they wait on the network, not on a core).",
)
@click.option("--dry-run", is_flag=True, help="List what would be uploaded; upload nothing.")
@click.option(
    "--check",
    is_flag=True,
    help="Upload nothing; exit 1 naming each object the manifest names that DEST lacks.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@debug_option
def publish(
    dest: str | None,
    config_path: Path | None,
    output: Path | None,
    jobs: int,
    dry_run: bool,
    check: bool,
    as_json: bool,
    debug: bool,
) -> None:
    """Upload the release to DEST (s3://bucket/prefix, gs://, az://, file:///dir; default: the
    config's [publish] dest), manifest.json last; credentials from the standard environment."""
    from assetbuild.compiler.config import load_config
    from assetbuild.compiler.progress import TerminalProgress
    from assetbuild.compiler.publish.destination import parse_destination
    from assetbuild.compiler.publish.publisher import check as run_check
    from assetbuild.compiler.publish.publisher import publish as run_publish

    if dry_run and check:
        raise click.UsageError("give --dry-run or --check, not both")
    progress = (
        TerminalProgress(sys.stderr, min_total=20)
        if sys.stderr.isatty() and not (dry_run or check)
        else None
    )

    def action() -> Any:
        defaults = framework_defaults()
        target, where = dest, None
        if output is not None and defaults is None and dest is not None:
            directory = output  # no config needed
        else:
            config = load_config(config_path, output=output, defaults=defaults)
            directory = config.output
            if target is None:
                target, where = config.publish_dest, f"{config.file}: publish.dest"
        if target is None:
            raise ConfigError(
                "no destination: give DEST (s3://bucket/prefix, gs://..., az://..., "
                "file:///dir) or set dest in a [publish] table of the config",
                key="DEST",
            )
        destination = parse_destination(target, key=where or "DEST")
        if check:
            return run_check(directory, destination)
        try:
            return run_publish(
                directory, destination, jobs=jobs, dry_run=dry_run, progress=progress
            )
        finally:
            if progress is not None:
                progress.close()

    outcome = run(debug, action)
    if check:
        for key in outcome.missing:
            click.echo(f"error: missing: {outcome.destination.url_of(key)}", err=True)
        if as_json:
            data = {
                "destination": str(outcome.destination),
                "checked": outcome.checked,
                "missing": list(outcome.missing),
            }
            click.echo(json.dumps(data, indent=2, sort_keys=True))
        if outcome.missing:
            count = len(outcome.missing)
            click.echo(
                f"check failed: {count} of {outcome.checked} objects missing from "
                f"{outcome.destination}",
                err=True,
            )
            sys.exit(EXIT_FAILED)
        if not as_json:
            click.echo(f"all {outcome.checked} objects present in {outcome.destination}")
        return
    verb = "would upload" if dry_run else "uploaded"
    count = len(outcome.uploaded)
    if as_json:
        data = {
            "destination": str(outcome.destination),
            "dry_run": dry_run,
            "uploaded": {"objects": count, "bytes": outcome.bytes},
            "already_there": outcome.already_there,
            "manifest_changed": outcome.manifest_changed,
            "keys": [put.key for put in outcome.uploaded],
        }
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    if dry_run:
        for put in outcome.uploaded:
            click.echo(f"would upload {put.key} ({put.size} B, {put.headers.content_type})")
    click.echo(
        f"{verb} {count} object{'s' if count != 1 else ''}, {outcome.bytes} bytes; already "
        f"there {outcome.already_there}" + ("" if dry_run else f" ({outcome.destination})")
    )
