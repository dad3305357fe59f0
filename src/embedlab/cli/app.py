"""The ``embedlab`` command: a thin typer app; each command lives in its own module.

Conventions every command gets from :class:`_Command` (no per-command code): help shows the
conventional metavars (``TEXT``, ``INTEGER``, ``FLOAT``, ``PATH``; flags none; arguments in
capitals on the usage line); Ctrl-C becomes one line saying how to resume. :func:`main` turns
every user error, ours or the command-line parser's, into one ``error: ...`` line and exit 2.
"""

from __future__ import annotations

import shlex
import sys
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from typer._click.core import Context, Parameter
from typer._click.exceptions import (
    BadParameter,
    ClickException,
    MissingParameter,
    NoArgsIsHelpError,
    UsageError,
)
from typer.core import TyperArgument, TyperCommand, TyperGroup

from embedlab.errors import EmbedlabError

_METAVARS: dict[object, str] = {str: "TEXT", int: "INTEGER", float: "FLOAT", Path: "PATH"}


class _Interrupted(Exception):
    """Ctrl-C inside a command (typer would turn it into a silent exit 130)."""


def _conventional_metavar(param: Parameter) -> None:
    """Give ``param`` a conventional metavar unless it has one: flags none, else by type.

    An argument is named in capitals (``KIND``) and its type column shows the type's metavar.
    """
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    if getattr(descriptor, "is_list", False):
        annotation = getattr(annotation, "__args__", (annotation,))[0]
    kind = _METAVARS.get(annotation)
    if isinstance(param, TyperArgument):
        param.display_type_rich = lambda ctx: kind  # type: ignore[method-assign]
        param.metavar = param.metavar or (param.name or "ARG").upper()
    elif param.metavar is not None:
        return
    elif getattr(param, "is_flag", False) or annotation is bool:
        param.metavar = ""
    elif kind is not None:
        param.metavar = kind


class _Command(TyperCommand):
    """A typer command with conventional metavars, a plain usage line and a resumable Ctrl-C."""

    def get_params(self, ctx: Context) -> list[Parameter]:
        params = super().get_params(ctx)
        for param in params:
            _conventional_metavar(param)
        return params

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        """``[OPTIONS] KIND`` / ``[OPTIONS] RUN_DIR...`` rather than typer's ``{kind}``."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = param.metavar or (param.name or "ARG").upper()
                if param.nargs != 1 and not name.endswith("..."):
                    name += "..."
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _Interrupted from None


class _Group(TyperGroup):
    """The top-level group, with the same metavar convention (``--version``, ``--help``)."""

    def get_params(self, ctx: Context) -> list[Parameter]:
        params = super().get_params(ctx)
        for param in params:
            _conventional_metavar(param)
        return params


app = typer.Typer(
    name="embedlab",
    help="Which embedding model should you deploy? Quality, speed and cost on your hardware.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_Group,
)


def _print_version(value: bool) -> None:
    if value:
        from embedlab.core.clock import embedlab_version

        typer.echo(f"embedlab {embedlab_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Which embedding model should you deploy? Quality, speed and cost on your hardware."""


def _register_commands() -> None:
    from embedlab.cli import compare, generate, listing, run, speed

    app.command("run", cls=_Command)(run.run_command)
    app.command("list", cls=_Command)(listing.list_command)
    app.command("generate", cls=_Command)(generate.generate_command)
    app.command("compare", cls=_Command)(compare.compare_command)
    app.command("speed", cls=_Command)(speed.speed_command)
    from embedlab.cli import leaderboard, report

    app.command("report", cls=_Command)(report.report_command)
    app.command("leaderboard", cls=_Command)(leaderboard.leaderboard_command)
    from embedlab.cli import deploy, index

    app.command("index", cls=_Command)(index.index_command)
    app.command("deploy", cls=_Command)(deploy.deploy_command)
    from embedlab.cli import serve

    app.command("serve", cls=_Command)(serve.serve_command)


_register_commands()


def _one_line_warning(
    message: Warning | str, category: type[Warning], *args: object, **kwargs: object
) -> str:
    return f"warning: {message}\n"


def _usage_message(exc: UsageError) -> str:
    """The parser's complaint as one lower-case line naming the flag, plus where help is."""
    if (
        isinstance(exc, BadParameter)
        and not isinstance(exc, MissingParameter)
        and exc.param is not None
        and exc.param_hint is None
    ):
        names = [opt for opt in exc.param.opts if opt.startswith("--")] or [
            exc.param.metavar or exc.param.name or "?"
        ]
        text = f"{max(names, key=len)}: {exc.message[:1].lower()}{exc.message[1:]}"
    else:
        text = exc.format_message()
    text = text[:1].lower() + text[1:]
    text = text.rstrip(".").replace("\n", " ")
    if exc.ctx is not None:
        text += f"; see '{exc.ctx.command_path} --help'"
    return text


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    sys.exit(code)


def main() -> None:
    """Console entry point: user errors become one line on stderr and exit code 2.

    Ctrl-C prints one line (finished work is kept; the same command resumes) and exits 130.
    """
    warnings.formatwarning = _one_line_warning
    try:
        code = app(standalone_mode=False)
    except EmbedlabError as exc:
        _fail(str(exc))
    except NoArgsIsHelpError as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except UsageError as exc:
        _fail(_usage_message(exc))
    except ClickException as exc:
        _fail(exc.format_message(), exc.exit_code)
    except (_Interrupted, KeyboardInterrupt, typer.Abort):
        command = shlex.join(["embedlab", *sys.argv[1:]])
        typer.echo(
            "interrupted; finished work is kept and the same command resumes from it: " + command,
            err=True,
        )
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


def console_main() -> None:
    """The ``embedlab`` console script: :func:`main`, then a fast exit when it is safe
    (:mod:`embedlab.cli._exit`)."""
    from embedlab.cli._exit import finish

    try:
        main()
    except SystemExit as done:
        code = done.code
        if isinstance(code, str):  # sys.exit("message"): print it as the interpreter would
            print(code, file=sys.stderr)
        finish(code if isinstance(code, int) else (0 if code is None else 1))
    finish(0)
