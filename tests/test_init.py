"""`sitegen init`: a new digest that builds at once, with a GitHub Pages workflow."""

from __future__ import annotations

import os

import yaml
from click.testing import CliRunner

from conftest import Site
from sitegen.cli import main


def run_init(cwd, *args):
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, ["init", *args])
    finally:
        os.chdir(previous)


def test_init_then_build_gives_a_site_without_warnings(tmp_path):
    result = run_init(tmp_path, "mydigest")
    assert result.exit_code == 0, result.output
    site = Site(tmp_path / "mydigest")
    built = site.build("--strict")
    assert "1 paper," in built.output
    assert "A Sample Paper on Sparse Autoencoders" in site.page("index.html")
    assert (site.output / "topics/interpretability/index.html").is_file()


def test_workflow_is_valid_yaml_using_the_official_pages_actions(tmp_path):
    run_init(tmp_path, "mydigest")
    workflow = yaml.safe_load((tmp_path / "mydigest/.github/workflows/pages.yml").read_text())
    steps = [step.get("uses", "") for job in workflow["jobs"].values() for step in job["steps"]]
    for action in ("actions/configure-pages@", "actions/upload-pages-artifact@", "actions/deploy-pages@"):
        assert any(uses.startswith(action) for uses in steps), action
    build = next(step for step in workflow["jobs"]["build"]["steps"] if step.get("name") == "Build")
    assert "--base-url" in build["run"] and "steps.pages.outputs.base_url" in build["run"]
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    install = next(step for step in workflow["jobs"]["build"]["steps"] if step.get("name") == "Install sitegen")
    assert 'pip install "$SITEGEN_REQUIREMENT"' in install["run"]  # PyPI's "sitegen" is another project


def test_init_refuses_to_overwrite_unless_forced(tmp_path):
    (tmp_path / "mydigest").mkdir()
    (tmp_path / "mydigest/site.yaml").write_text("title: mine\n")
    result = run_init(tmp_path, "mydigest")
    assert result.exit_code == 2 and "refusing to overwrite" in result.output
    assert (tmp_path / "mydigest/site.yaml").read_text() == "title: mine\n"
    assert not (tmp_path / "mydigest/dumps").exists()
    forced = run_init(tmp_path, "mydigest", "--force")
    assert forced.exit_code == 0
    assert "sources:" in (tmp_path / "mydigest/site.yaml").read_text()
