"""`sitegen deploy` against a local bare repository."""

from __future__ import annotations

import subprocess

import pytest

from helpers import ABSTRACT, full_dump


def git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(autouse=True)
def git_identity(monkeypatch):
    """Deploy commits; a machine without a git identity would refuse to."""
    for name, value in (("GIT_AUTHOR_NAME", "T"), ("GIT_AUTHOR_EMAIL", "t@example.org"),
                        ("GIT_COMMITTER_NAME", "T"), ("GIT_COMMITTER_EMAIL", "t@example.org")):
        monkeypatch.setenv(name, value)


@pytest.fixture
def repo_site(site, tmp_path):
    site.write("dumps/a.txt", full_dump(("Spiking One", ABSTRACT, "• 2 authors", "Jun 12, 2025 3")))
    site.write("site.yaml", (site.root / "site.yaml").read_text() + "custom_domain: papers.example.org\n")
    site.write(".gitignore", "_site/\n")
    git("init", "-q", "-b", "main", cwd=site.root)
    git("add", "-A", cwd=site.root)
    git("commit", "-q", "-m", "digest", cwd=site.root)
    bare = tmp_path / "remote.git"
    git("init", "-q", "--bare", str(bare), cwd=tmp_path)
    git("remote", "add", "origin", str(bare), cwd=site.root)
    site.bare = bare
    return site


def test_deploy_pushes_one_commit_per_deploy_with_the_site(repo_site):
    source = git("rev-parse", "--short", "HEAD", cwd=repo_site.root)
    first = repo_site.run("deploy")
    assert first.exit_code == 0, first.output
    files = git("ls-tree", "-r", "--name-only", "gh-pages", cwd=repo_site.bare).split("\n")
    assert {"index.html", ".nojekyll", "CNAME", "papers.json"} <= set(files)
    assert git("show", "gh-pages:CNAME", cwd=repo_site.bare) == "papers.example.org"
    assert git("log", "-1", "--format=%s", "gh-pages", cwd=repo_site.bare) == f"Deploy {source} with sitegen"
    second = repo_site.run("deploy")
    assert second.exit_code == 0, second.output
    assert git("rev-list", "--count", "gh-pages", cwd=repo_site.bare) == "2"
    assert git("rev-parse", "--abbrev-ref", "HEAD", cwd=repo_site.root) == "main"
    assert git("status", "--porcelain", cwd=repo_site.root) == ""


def test_no_push_only_commits_locally(repo_site):
    result = repo_site.run("deploy", "--no-push")
    assert result.exit_code == 0, result.output
    assert "index.html" in git("ls-tree", "--name-only", "gh-pages", cwd=repo_site.root)
    assert git("branch", "--list", cwd=repo_site.bare) == ""


def test_rejected_push_is_a_clear_error(repo_site):
    hook = repo_site.bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes are closed' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = repo_site.run("deploy")
    assert result.exit_code == 1
    assert "git push to origin was rejected" in result.output and "pushes are closed" in result.output


def test_deploy_outside_a_git_repository_says_so(site):
    site.write("dumps/a.txt", full_dump(("Spiking One", ABSTRACT, "• 2 authors", "Jun 12, 2025 3")))
    result = site.run("deploy")
    assert result.exit_code == 2
    assert "is not inside a git repository" in result.output
