"""Diagnostics and the errors that end a command.

Every problem sitegen finds in user input is a `Diagnostic` that points at a
`path:line`.  Warnings are collected and the build goes on; errors that stop a
command are exceptions whose class decides the exit code:
`ConfigError` (2, usage or configuration) and `BuildError` (1).
"""

from __future__ import annotations

from dataclasses import dataclass

import click


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int | None
    message: str
    level: str = "warning"  # "warning" or "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        prefix = "error: " if self.level == "error" else ""
        return f"{where}: {prefix}{self.message}"


def warning(path: str, line: int | None, message: str) -> Diagnostic:
    return Diagnostic(path, line, message, "warning")


class SitegenError(click.ClickException):
    """A failure the user can act on: printed without a traceback."""

    exit_code = 1

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None):
        super().__init__(message)
        self.diagnostics = list(diagnostics or [])

    def format_message(self) -> str:
        lines = [str(d) for d in self.diagnostics]
        lines.append(self.message)
        return "\n".join(lines)

    def show(self, file=None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True, file=file)


class ConfigError(SitegenError):
    """site.yaml or the command line is wrong: exit code 2."""

    exit_code = 2


class BuildError(SitegenError):
    """The build could not complete (or warnings under --strict): exit code 1."""

    exit_code = 1


class Superseded(Exception):
    """A build given up because what it builds changed again (`serve`): not a failure."""
