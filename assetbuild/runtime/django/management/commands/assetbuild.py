"""``python manage.py assetbuild COMMAND ...``: any ``assetbuild`` command, with Django's settings.

Owns: handing the arguments, as typed, to the ``assetbuild`` command line together with what the
settings say (the finders' sources, ``STATIC_ROOT``, ``STATIC_URL``, the state directory and
the project's config file: the build side's ``integrations.django.defaults()``), so that
``build``, ``watch``, ``verify``, ``clean``, ``inspect``, ``check-templates`` (and ``publish``)
work on the release ``collectstatic`` makes; ``doctor [--json]``, the factor-VI findings
for these settings (assetbuild.doctor, no build side); and turning a failure's exit status into
a ``CommandError`` with that status.
Must not: parse ``assetbuild``'s options itself (click does, with its own ``--help`` for each
command), run the system checks (they read the manifest this command may be about to write), or
import the build side before ``handle`` runs.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

# Django's own options, which ManagementUtility has applied before the command runs; assetbuild's
# command line would not know them.
_DJANGO_OPTIONS = ("--settings", "--pythonpath")
EXIT_USAGE = 2


class Command(BaseCommand):
    help = (
        "Runs an assetbuild command (build, watch, verify, clean, inspect, check-templates, ...) "
        "with the sources, release directory and URL of the Django settings: the staticfiles "
        "finders' directories, STATIC_ROOT and STATIC_URL, as collectstatic builds. "
        "`manage.py assetbuild --help` lists the commands, `manage.py assetbuild COMMAND --help` "
        "shows one."
    )
    requires_system_checks: list[str] = []  # the checks would read the manifest it may write

    def add_arguments(self, parser: CommandParser) -> None:
        # -h and --help before a command ask assetbuild for its list of commands (after one,
        # they are that command's, and part of the rest); `manage.py help assetbuild` still
        # shows this command's own help.
        parser.add_argument(
            "-h", "--help", action="store_true", dest="assetbuild_help", help="List the commands."
        )
        # Everything from the command's name on belongs to assetbuild's command line.
        parser.add_argument("args", nargs=argparse.REMAINDER, metavar="COMMAND ...")

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.prog = f"{os.path.basename(prog_name) or 'manage.py'} {subcommand}"
        return super().create_parser(prog_name, subcommand, add_help=False, **kwargs)

    def handle(self, *args: str, **options: Any) -> None:
        arguments = _without_django_options(list(args))
        if arguments[:1] == ["doctor"] and not options.get("assetbuild_help"):
            return self.doctor(arguments[1:])  # the settings are all it reads: no build side

        from assetbuild.compiler.cli import main
        from assetbuild.compiler.integrations import django as integration
        from assetbuild.errors import ConfigError

        if options.get("assetbuild_help"):
            arguments = ["--help", *arguments]
        try:
            defaults = integration.defaults()
        except ConfigError as exc:
            if arguments and not {"-h", "--help", "--version"} & set(arguments):
                raise CommandError(str(exc), returncode=EXIT_USAGE) from None
            defaults = None  # help needs no settings
        prog = getattr(self, "prog", "manage.py assetbuild")
        try:
            main(arguments, prog_name=prog, obj=defaults)
        except SystemExit as done:  # click's standalone mode always ends with one
            status = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
            if status:
                name = next((a for a in arguments if not a.startswith("-")), "")
                raise CommandError(
                    f"`assetbuild {name}` failed with exit status {status} (see above)",
                    returncode=status,
                ) from None

    def doctor(self, arguments: list[str]) -> None:
        """``doctor [--json]``: the factor-VI findings for these settings, as ``assetbuild
        doctor --django-settings`` shows them; exit status 1 when one breaks factor VI."""
        from django.conf import settings

        from assetbuild.doctor import django as doctor
        from assetbuild.doctor import report
        from assetbuild.doctor.finding import fails

        unknown = [arg for arg in arguments if arg != "--json"]
        if unknown:
            raise CommandError(
                f"doctor: no such option {unknown[0]!r}; usage: assetbuild doctor [--json]",
                returncode=EXIT_USAGE,
            )
        findings = doctor.findings(settings)
        module = getattr(settings, "SETTINGS_MODULE", None) or "configured in code"
        target = f"the Django settings ({module})"
        if "--json" in arguments:
            self.stdout.write(report.as_json(findings, target))
        else:
            for line in report.lines(findings):
                self.stdout.write(line)
        if fails(findings):
            raise CommandError(report.summary(findings, target), returncode=1)
        self.stderr.write(report.summary(findings, target), style_func=None)


def _without_django_options(args: list[str]) -> list[str]:
    """``args`` less ``--settings X`` and ``--pythonpath X`` (either spelling)."""
    kept: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _DJANGO_OPTIONS:
            skip = True
        elif not arg.startswith(tuple(f"{o}=" for o in _DJANGO_OPTIONS)):
            kept.append(arg)
    return kept
