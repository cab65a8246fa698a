"""The build layer stays one a newcomer can read (issue 21): every module says at its top
what it owns, and no function runs past about fifty lines or takes more than six
parameters."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sitegen

PACKAGE = Path(sitegen.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 50
MAX_PARAMETERS = 6


def _name(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_every_module_says_what_it_owns(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if path.name in ("__init__.py", "__main__.py") and len(tree.body) <= 3:
        return  # a package marker or the `python -m` entry
    assert ast.get_docstring(tree), f"{_name(path)} has no docstring saying what it owns"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_function_is_long_or_takes_many_parameters(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    too_big = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        arguments = node.args
        parameters = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        if parameters and parameters[0].arg in ("self", "cls"):
            parameters = parameters[1:]
        lines = node.end_lineno - node.lineno + 1
        if lines > MAX_LINES or len(parameters) > MAX_PARAMETERS:
            too_big.append(f"{node.name}: {lines} lines, {len(parameters)} parameters")
    assert not too_big, f"{_name(path)}: {too_big}"
