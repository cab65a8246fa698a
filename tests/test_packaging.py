"""The wheel carries the default theme: a folder with only site.yaml and dumps builds."""

from __future__ import annotations

import subprocess
import sys
import venv

import pytest

from conftest import REPO
from helpers import ABSTRACT, full_dump

pytestmark = pytest.mark.slow


def test_installed_wheel_builds_a_site_outside_the_repository(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(wheels), str(REPO)], check=True, timeout=300)
    [wheel] = wheels.glob("sitegen-*.whl")
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
