"""Diagnostics and the errors that end a command.

Every problem sitegen finds in user input is a `Diagnostic` that points at a
`path:line`.  Warnings are collected and the build goes on; errors that stop a
command are exceptions whose class decides the exit code:
`ConfigError` (2, usage or configuration) and `BuildError` (1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import click

# A message's label: "path:line: warning:", "path: error:", or the final "Error:".
_LABEL = re.compile(r"(^|: )(warning|error|Error)(?=: )")
_LABEL_STYLE = {"warning": dict(fg="yellow", bold=True), "error": dict(fg="red", bold=True),
                "Error": dict(fg="red", bold=True)}


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int | None
    message: str
    level: str = "warning"  # "warning" or "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.level}: {self.message}"


def warning(path: str, line: int | None, message: str) -> Diagnostic:
    return Diagnostic(path, line, message, "warning")


def painted(text: str) -> str:
    """`text` with the label of each line coloured (click.echo strips the colour again
    where it is not wanted)."""
    return "\n".join(_LABEL.sub(lambda m: m[1] + click.style(m[2], **_LABEL_STYLE[m[2]]), line, count=1)
                     for line in text.split("\n"))


class SitegenError(click.ClickException):
    """A failure the user can act on: printed without a traceback, its diagnostics
    first, then `Error: message`."""

    exit_code = 1
    color: bool | None = None  # None: colour on a terminal (the command sets it)

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None):
        super().__init__(message)
        self.diagnostics = list(diagnostics or [])

    def format_message(self) -> str:
        lines = [str(d) for d in self.diagnostics]
        lines.append(self.message)
        return "\n".join(lines)

    def show(self, file=None) -> None:
        lines = [*map(str, self.diagnostics), f"Error: {self.message}"]
        click.echo(painted("\n".join(lines)), err=True, file=file, color=self.color)


class ConfigError(SitegenError):
    """site.yaml or the command line is wrong: exit code 2."""

    exit_code = 2


class BuildError(SitegenError):
    """The build could not complete (or warnings under --strict): exit code 1."""

    exit_code = 1


class Superseded(Exception):
    """A build given up because what it builds changed again (`serve`): not a failure."""
