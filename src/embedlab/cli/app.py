"""The ``embedlab`` command: a thin typer app; each command lives in its own module."""

from __future__ import annotations

import sys
import warnings

import typer

from embedlab.errors import EmbedlabError

app = typer.Typer(
    name="embedlab",
    help="Which embedding model should you deploy? Quality, speed and cost on your hardware.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_commands() -> None:
    from embedlab.cli import compare, generate, listing, run, speed

    app.command("run")(run.run_command)
    app.command("list")(listing.list_command)
    app.command("generate")(generate.generate_command)
    app.command("compare")(compare.compare_command)
    app.command("speed")(speed.speed_command)


_register_commands()


def _one_line_warning(
    message: Warning | str, category: type[Warning], *args: object, **kwargs: object
) -> str:
    return f"warning: {message}\n"


def main() -> None:
    """Console entry point: user errors become one line on stderr and exit code 2."""
    warnings.formatwarning = _one_line_warning
    try:
        app()
    except EmbedlabError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("interrupted; finished work is kept and a re-run resumes from it", err=True)
        sys.exit(130)
