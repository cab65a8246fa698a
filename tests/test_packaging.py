"""The wheel carries the default theme: a folder with only site.yaml and dumps builds."""

from __future__ import annotations

import re
import subprocess
import sys
import venv
import zipfile

import pytest
import yaml
from click.testing import CliRunner

from conftest import REPO
from helpers import ABSTRACT, full_dump
from sitegen.cli import main

pytestmark = pytest.mark.slow


def test_installed_wheel_builds_a_site_outside_the_repository(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(wheels), str(REPO)], check=True, timeout=300)
    [wheel] = wheels.glob("*.whl")
    assert_the_workflow_installs(wheel, tmp_path)
    environment = tmp_path / "venv"
    venv.create(environment, system_site_packages=True, with_pip=True)
    python = environment / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
                   check=True, timeout=300)

    site = tmp_path / "elsewhere"
    (site / "dumps").mkdir(parents=True)
    (site / "site.yaml").write_text(
        "title: Elsewhere\nbase_url: https://example.org/\nsources: [dumps/*.txt]\n")
    (site / "dumps" / "a.txt").write_text(full_dump(("A Paper", ABSTRACT, "• 2 authors", "Jun 1, 2024")))
    where = subprocess.run([str(python), "-c", "import sitegen, sys; print(sitegen.__file__)"],
                           cwd=site, capture_output=True, text=True, check=True).stdout
    assert str(environment) in where  # the wheel's copy, not the checkout
    result = subprocess.run([str(environment / "bin" / "sitegen"), "build"], cwd=site,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (site / "_site" / "static" / "site.css").read_text() == (REPO / "static" / "site.css").read_text()
    assert "A Paper" in (site / "_site" / "index.html").read_text()


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
