"""`sitegen init`: a new digest that builds at once, with a GitHub Pages workflow."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner

import sitegen
from conftest import REPO, Site
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
    assert '--base-url "$BASE_URL/"' in build["run"] and "steps.pages.outputs.base_url" in build["env"]["BASE_URL"]
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    install = next(step for step in workflow["jobs"]["build"]["steps"] if step.get("name") == "Install sitegen")
    assert install["run"] == f'pip install "sitegen-digest=={sitegen.__version__}"'  # PyPI's "sitegen" is another's
    assert "deploy-pages@v5" in " ".join(steps)


def test_workflow_passes_actionlint_without_findings(tmp_path):
    run_init(tmp_path, "mydigest")
    actionlint = shutil.which("actionlint", path=os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    assert actionlint, "actionlint is installed with the test extra (pip install -e '.[test]')"
    result = subprocess.run([actionlint, "-no-color", ".github/workflows/pages.yml"], cwd=tmp_path / "mydigest",
                            capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_actionlint_would_find_an_action_on_a_retired_runtime(tmp_path):
    """The check above can fail: the same workflow with an old action major does."""
    run_init(tmp_path, "mydigest")
    workflow = tmp_path / "mydigest/.github/workflows/pages.yml"
    workflow.write_text(workflow.read_text().replace("actions/deploy-pages@v5", "actions/deploy-pages@v1"))
    actionlint = shutil.which("actionlint", path=os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    result = subprocess.run([actionlint, "-no-color", str(workflow)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "actions/deploy-pages@v1" in result.stdout


def trigger_branches(folder):
    workflow = yaml.safe_load((folder / ".github/workflows/pages.yml").read_text())
    return workflow[True]["push"]["branches"]  # YAML 1.1 reads the key `on` as True


def test_workflow_triggers_on_the_branch_of_the_repository_init_runs_in(tmp_path):
    subprocess.run(["git", "init", "-q", "-b", "trunk", str(tmp_path / "repo")], check=True)
    assert run_init(tmp_path / "repo", "mydigest").exit_code == 0
    assert trigger_branches(tmp_path / "repo/mydigest") == ["trunk"]
    run_init(tmp_path, "elsewhere")
    assert trigger_branches(tmp_path / "elsewhere") == ["main"]


def test_site_yaml_and_readme_say_where_a_custom_domain_takes_effect(tmp_path):
    run_init(tmp_path, "mydigest")
    site_yaml = (tmp_path / "mydigest/site.yaml").read_text()
    assert "# custom_domain:" in site_yaml and "sitegen deploy" in site_yaml and "Settings > Pages" in site_yaml
    readme = " ".join((REPO / "README.md").read_text().split())
    assert "`custom_domain` takes effect with `sitegen deploy`" in readme
    assert "with the GitHub Actions workflow, set it in the repository's Pages settings" in readme


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
