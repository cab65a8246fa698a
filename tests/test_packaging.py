"""A newcomer's first hour: the wheel, installed with the dependencies it declares into a
virtual environment of its own, builds a site outside the repository; and the README's
two set-up commands, as written, work in a fresh virtual environment on a clean copy.

Each environment is made from nothing (no system site-packages), so these tests pass the
same under the system Python and inside a virtual environment; the dependencies come
from the package index pip is configured with (and its cache)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import REPO
from helpers import ABSTRACT, full_dump
from sitegen.cli import main

pytestmark = pytest.mark.slow

INSTALL_TIMEOUT = 600


def fresh_environment(folder: Path) -> dict[str, str]:
    """A new virtual environment, and the process environment that runs in it (as if
    activated), with nothing of the environment running the tests."""
    venv.create(folder, system_site_packages=False, with_pip=True, clear=True)
    env = {name: value for name, value in os.environ.items()
           if name not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    env["VIRTUAL_ENV"] = str(folder)
    env["PATH"] = f"{folder / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_installed_wheel_builds_a_site_outside_the_repository(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(wheels), str(REPO)], check=True, timeout=300)
    [wheel] = wheels.glob("*.whl")
    assert_the_workflow_installs(wheel, tmp_path)
    environment = tmp_path / "venv"
    env = fresh_environment(environment)
    python = environment / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True,
                   timeout=INSTALL_TIMEOUT, env=env)

    site = tmp_path / "elsewhere"
    (site / "dumps").mkdir(parents=True)
    (site / "site.yaml").write_text(
        "title: Elsewhere\nbase_url: https://example.org/\nsources: [dumps/*.txt]\n")
    (site / "dumps" / "a.txt").write_text(full_dump(("A Paper", ABSTRACT, "• 2 authors", "Jun 1, 2024")))
    where = subprocess.run([str(python), "-c", "import sitegen, sys; print(sitegen.__file__)"],
                           cwd=site, capture_output=True, text=True, check=True, env=env).stdout
    assert str(environment) in where  # the wheel's copy, not the checkout
    result = subprocess.run(["sitegen", "build"], cwd=site, capture_output=True, text=True,
                            timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    assert (site / "_site" / "static" / "site.css").read_text() == (REPO / "static" / "site.css").read_text()
    assert "A Paper" in (site / "_site" / "index.html").read_text()


def test_similar_papers_and_a_build_need_no_scipy(tmp_path):
    """SciPy is not a dependency: a build works in a process where it cannot be imported."""
    site = tmp_path / "site"
    (site / "dumps").mkdir(parents=True)
    (site / "site.yaml").write_text(
        "title: No SciPy\nbase_url: https://example.org/\nsources: [dumps/*.txt]\n")
    (site / "dumps" / "a.txt").write_text(full_dump(
        ("Spiking Neurons in Cortex", ABSTRACT, "• 2 authors", "Jun 1, 2024"),
        ("Spiking Neurons in Silicon", ABSTRACT, "• 3 authors", "Jun 1, 2024")))
    script = ("import sys; sys.modules['scipy'] = None\n"
              "from sitegen.cli import run; sys.argv = ['sitegen', 'build', '-q']; run()")
    result = subprocess.run([sys.executable, "-c", script], cwd=site, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert "scipy" not in (REPO / "pyproject.toml").read_text().lower()


def readme_set_up_commands() -> list[str]:
    """The shell commands of the README's "Set up" section, in order."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def clean_copy(target: Path) -> Path:
    """The repository's files as a clean clone has them (those git tracks or would add)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout
    for relative in filter(None, listed.split("\0")):
        source = REPO / relative
        if source.is_file():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / relative)
    return target


def test_the_readmes_two_commands_work_in_a_fresh_virtual_environment(tmp_path):
    build_command, test_command = readme_set_up_commands()
    assert build_command == "pip install -e . && sitegen build"
    assert test_command == "pip install -q -e '.[test]' && python -m pytest"
    checkout = clean_copy(tmp_path / "sitegen")
    env = fresh_environment(tmp_path / "v")
    env["SITEGEN_CACHE_DIR"] = str(tmp_path / "cache")

    built = subprocess.run(["bash", "-c", build_command], cwd=checkout, env=env, capture_output=True,
                           text=True, timeout=INSTALL_TIMEOUT)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    assert "Built _site/" in built.stdout and (checkout / "_site" / "index.html").is_file()

    # The test command as written, but for the suite it runs: the whole of it, here, would run
    # this test again.  Every test module is collected (each import works), and the tests that
    # failed in a fresh environment before (the wheel's own environment) run.
    install, pytest_command = test_command.split(" && ")
    assert pytest_command == "python -m pytest"
    suite = f"{install} && {pytest_command} -q --collect-only && " \
            f"{pytest_command} -q -p no:cacheprovider tests/test_metadata.py " \
            "tests/test_packaging.py::test_installed_wheel_builds_a_site_outside_the_repository"
    tested = subprocess.run(["bash", "-c", suite], cwd=checkout, env=env, capture_output=True,
                            text=True, timeout=2 * INSTALL_TIMEOUT)
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", tested.stdout) and "skipped" not in tested.stdout, tested.stdout[-2000:]
    assert re.search(r"\b\d{3,} tests collected\b", tested.stdout), tested.stdout[-2000:]


def assert_the_workflow_installs(wheel, tmp_path):
    """The workflow `sitegen init` writes installs this very build: its name and version."""
    assert CliRunner().invoke(main, ["init", str(tmp_path / "digest")]).exit_code == 0
    workflow = yaml.safe_load((tmp_path / "digest/.github/workflows/pages.yml").read_text())
    [install] = [step["run"] for step in workflow["jobs"]["build"]["steps"] if step.get("name") == "Install sitegen"]
    requirement = re.fullmatch(r'pip install "([A-Za-z0-9_.-]+)==([0-9][A-Za-z0-9.+-]*)"', install)
    assert requirement, install
    name, version = requirement.groups()
    with zipfile.ZipFile(wheel) as archive:
        [metadata] = [entry for entry in archive.namelist() if entry.endswith(".dist-info/METADATA")]
        fields = dict(line.split(": ", 1) for line in archive.read(metadata).decode().splitlines()
                      if ": " in line and not line.startswith(" "))
    assert (fields["Name"], fields["Version"]) == (name, version)
    assert wheel.name.startswith(f"{name.replace('-', '_')}-{version}-")
