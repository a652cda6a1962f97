"""``flask assetbuild COMMAND ...``: any ``assetbuild`` command, with the Flask app's static folders.

Flask finds it as a plugin command (the ``flask.commands`` entry point
``assetbuild.runtime.flask.cli:command``), which Flask looks up before it loads the app: so the
command marks its click context first and then loads the app, and ``AssetBuild(app)``, seeing the
mark, lets a missing manifest be (this command is what makes it); ``flask assetbuild --help``
needs no app at all.

Owns: handing the arguments, as typed, to the ``assetbuild`` command line together with what the
app says (the build side's ``integrations.flask.defaults``: the static folders of the app and its
blueprints, the directory of the manifest the runtime reads, the static URL, the state directory
and the config file beside the app), so that ``build``, ``watch``, ``verify``, ``clean``,
``inspect`` and ``check-templates`` work on the release the app serves; an app or a setting that
cannot be used, as one line and exit status 2. And ``doctor [--json]``, run here without the
build side: the factor-VI findings for the loaded app (assetbuild.doctor), exit status 1 when one
breaks factor VI.
Must not: import click or the build side when imported (the runtime never does: ``command`` is
made on first access, which only Flask's command line makes, and the build side is imported when
the command runs), parse ``assetbuild``'s options itself, or end the process itself.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

from assetbuild.errors import ConfigError
from assetbuild.runtime.flask._settings import COMMAND_RUNNING, manifest_path

if TYPE_CHECKING:
    import click

# The exit status of a configuration that cannot be used, as `assetbuild build` has it.
EXIT_USAGE = 2
# The exit status of a doctor that found what breaks factor VI, as `assetbuild doctor` has it.
EXIT_FINDINGS = 1
# Arguments that ask for help or the version, which need no app.
_NO_APP_NEEDED = frozenset({"-h", "--help", "--version"})

_made: dict[str, click.Command] = {}


def __getattr__(name: str) -> Any:
    """``command``, made on first access (PEP 562): what Flask's entry point loads."""
    if name != "command":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if "command" not in _made:
        _made["command"] = _make_command()
    return _made["command"]


def _make_command() -> click.Command:
    import click
    from flask.cli import NoAppException, ScriptInfo

    class UnusableAppError(click.ClickException):
        """The app cannot be loaded, or its settings cannot be built from: shown as
        ``assetbuild`` shows a bad config (one line, ``error: ...``), with exit status 2."""

        exit_code = EXIT_USAGE

        def show(self, file: IO[Any] | None = None) -> None:
            click.echo(f"error: {self.format_message()}", file=file, err=True)

    class FindingsError(click.ClickException):
        """The doctor found what breaks factor VI: its summary as the last line, exit status 1
        (as ``assetbuild doctor``)."""

        exit_code = EXIT_FINDINGS

        def show(self, file: IO[Any] | None = None) -> None:
            click.echo(self.format_message(), file=file, err=True)

    def doctor(ctx: click.Context, arguments: list[str]) -> None:
        """``doctor [--json]``: the factor-VI findings for the app (assetbuild.doctor), without
        the build side."""
        from assetbuild.doctor import flask as found
        from assetbuild.doctor import report
        from assetbuild.doctor.finding import fails

        unknown = [arg for arg in arguments if arg != "--json"]
        if unknown:
            raise click.UsageError(
                f"doctor: no such option {unknown[0]!r}; usage: flask assetbuild doctor [--json]",
                ctx,
            )
        ctx.meta[COMMAND_RUNNING] = True  # a doctor needs no release: a build may not have run
        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except NoAppException as exc:
            raise UnusableAppError(exc.format_message()) from None
        findings = found.findings(app)
        target = f"the Flask app ({app.import_name})"
        if "--json" in arguments:
            click.echo(report.as_json(findings, target))
        else:
            for line in report.lines(findings):
                click.echo(line)
        if fails(findings):
            raise FindingsError(report.summary(findings, target))
        click.echo(report.summary(findings, target), err=True)

    @click.command(
        "assetbuild",
        # Everything after `assetbuild`, --help included, belongs to assetbuild's command line.
        context_settings={
            "ignore_unknown_options": True,
            "allow_extra_args": True,
            "help_option_names": [],
        },
        add_help_option=False,
        short_help="Build, watch, verify, clean or inspect the release of the app's static folders.",
    )
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    @click.pass_context
    def command(ctx: click.Context, args: tuple[str, ...]) -> None:
        """Runs an assetbuild command (build, watch, verify, clean, inspect, check-templates, ...)
        with the sources of the Flask app: its static folder, and each blueprint's under the prefix
        '<blueprint name>/'. `flask assetbuild --help` lists the commands."""
        arguments = list(args)
        if arguments[:1] == ["doctor"] and not _NO_APP_NEEDED & set(arguments):
            doctor(ctx, arguments[1:])
            return

        from assetbuild.compiler.cli import main
        from assetbuild.compiler.integrations import flask as integration

        defaults = None
        if arguments and not _NO_APP_NEEDED & set(arguments):
            # Before the app loads: AssetBuild(app), run as it loads, reads this mark.
            ctx.meta[COMMAND_RUNNING] = True
            try:
                app = ctx.ensure_object(ScriptInfo).load_app()
                defaults = integration.defaults(app, manifest=manifest_path(app))
            except NoAppException as exc:
                raise UnusableAppError(exc.format_message()) from None
            except ConfigError as exc:
                raise UnusableAppError(str(exc)) from None
        # The command line exits with its own status (SystemExit), which ends `flask` with it.
        main(arguments, prog_name=ctx.command_path, obj=defaults)

    return command
