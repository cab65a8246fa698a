"""`sitegen deploy` against a local bare repository."""

from __future__ import annotations

import json
import shutil
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


def snapshot(root):
    """Everything of the user's that a deploy must leave alone: branch, commits, index, files."""
    return (git("symbolic-ref", "HEAD", cwd=root), git("rev-parse", "HEAD", cwd=root),
            (root / ".git" / "index").read_bytes(), git("status", "--porcelain", "--untracked-files=all", cwd=root),
            sorted(str(path.relative_to(root)) for path in root.rglob("*") if ".git" not in path.parts))


def test_deploy_to_the_checked_out_branch_is_refused_and_loses_nothing(repo_site):
    repo_site.write("dumps/b.txt", full_dump(("Spiking Two", ABSTRACT, "• 2 authors", "Jun 13, 2025 3")))
    git("push", "-q", "origin", "main", cwd=repo_site.root)
    git("add", "-A", cwd=repo_site.root)
    git("commit", "-q", "-m", "unpushed work", cwd=repo_site.root)
    unpushed = git("rev-parse", "HEAD", cwd=repo_site.root)
    before = snapshot(repo_site.root)
    remote_main = git("rev-parse", "main", cwd=repo_site.bare)

    result = repo_site.run("deploy", "--branch", "main")

    assert result.exit_code == 2, result.output
    assert "refusing to deploy to 'main': it is checked out" in result.output
    assert snapshot(repo_site.root) == before
    assert git("rev-parse", "main", cwd=repo_site.root) == unpushed
    assert git("rev-parse", "main", cwd=repo_site.bare) == remote_main
    assert git("branch", "--list", "gh-pages", cwd=repo_site.bare) == ""


def test_deploy_to_a_branch_of_the_source_history_is_refused(repo_site):
    git("branch", "docs", cwd=repo_site.root)  # a source branch, not checked out
    result = repo_site.run("deploy", "--branch", "docs", "--no-push")
    assert result.exit_code == 2
    assert "'docs': docs is not a site branch (it shares history with your current branch)" in result.output
    assert git("rev-parse", "docs", cwd=repo_site.root) == git("rev-parse", "main", cwd=repo_site.root)


def commit_on_branch(root, branch, name, text, message):
    """A commit of the user's on `branch`, made without checking it out."""
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=root, input=text, text=True,
                          capture_output=True, check=True).stdout.strip()
    tree = subprocess.run(["git", "mktree"], cwd=root, text=True, capture_output=True, check=True,
                          input=git("ls-tree", branch, cwd=root) + f"\n100644 blob {blob}\t{name}\n").stdout.strip()
    commit = git("commit-tree", tree, "-p", branch, "-m", message, cwd=root)
    git("update-ref", f"refs/heads/{branch}", commit, cwd=root)
    return commit


def test_a_local_site_branch_with_unpushed_commits_is_refused_then_kept_under_force(repo_site):
    assert repo_site.run("deploy").exit_code == 0
    mine = commit_on_branch(repo_site.root, "gh-pages", "google1234.html", "verification", "add verification")
    published = git("rev-parse", "gh-pages", cwd=repo_site.bare)
    before = snapshot(repo_site.root)

    refused = repo_site.run("deploy")

    assert refused.exit_code == 2, refused.output
    assert "your local gh-pages has 1 commit that origin/gh-pages lacks" in refused.output
    assert "git push origin gh-pages" in refused.output and "--force" in refused.output
    assert git("rev-parse", "gh-pages", cwd=repo_site.root) == mine
    assert git("rev-parse", "gh-pages", cwd=repo_site.bare) == published
    assert snapshot(repo_site.root) == before

    forced = repo_site.run("deploy", "--force")
    assert forced.exit_code == 0, forced.output
    tip = git("rev-parse", "gh-pages", cwd=repo_site.bare)
    assert git("rev-parse", "gh-pages", cwd=repo_site.root) == tip
    assert git("merge-base", "--is-ancestor", mine, tip, cwd=repo_site.bare) == ""  # kept, published
    assert snapshot(repo_site.root) == before


def test_a_remote_site_branch_ahead_is_refused_and_diverged_branches_both_kept_under_force(repo_site, tmp_path):
    assert repo_site.run("deploy").exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    git("clone", "-q", "-b", "gh-pages", str(repo_site.bare), str(elsewhere), cwd=tmp_path)
    (elsewhere / "extra.txt").write_text("deployed from elsewhere")
    git("add", "-A", cwd=elsewhere)
    git("commit", "-q", "-m", "Deploy abc with sitegen", cwd=elsewhere)
    git("push", "-q", "origin", "gh-pages", cwd=elsewhere)
    theirs = git("rev-parse", "HEAD", cwd=elsewhere)
    local = git("rev-parse", "gh-pages", cwd=repo_site.root)

    refused = repo_site.run("deploy")
    assert refused.exit_code == 2, refused.output
    assert "origin/gh-pages has 1 commit that your local gh-pages lacks" in refused.output
    assert git("rev-parse", "gh-pages", cwd=repo_site.root) == local
    assert git("rev-parse", "gh-pages", cwd=repo_site.bare) == theirs

    mine = commit_on_branch(repo_site.root, "gh-pages", "mine.txt", "local", "a local change")
    diverged = repo_site.run("deploy")
    assert diverged.exit_code == 2 and "have diverged" in diverged.output

    forced = repo_site.run("deploy", "--force")
    assert forced.exit_code == 0, forced.output
    tip = git("rev-parse", "gh-pages", cwd=repo_site.bare)
    assert set(git("log", "-1", "--format=%P", tip, cwd=repo_site.bare).split()) == {theirs, mine}
    assert git("rev-parse", "gh-pages", cwd=repo_site.root) == tip


def test_a_branch_sitegen_never_deployed_to_is_refused(repo_site):
    git("checkout", "-q", "--orphan", "pages-by-hand", cwd=repo_site.root)
    (repo_site.root / "handmade.html").write_text("mine")
    git("add", "handmade.html", cwd=repo_site.root)
    git("commit", "-q", "-m", "my own site", cwd=repo_site.root)
    git("checkout", "-q", "main", cwd=repo_site.root)
    git("clean", "-qfd", cwd=repo_site.root)
    result = repo_site.run("deploy", "--branch", "pages-by-hand", "--no-push")
    assert result.exit_code == 2
    assert "none of its commits was made by sitegen deploy" in result.output


def published(bare, path):
    return git("show", f"gh-pages:{path}", cwd=bare)


def test_every_url_the_branch_published_redirects_to_the_retitled_paper(repo_site):
    assert repo_site.run("deploy").exit_code == 0
    for title, slug in (("Spiking One, Corrected", "spiking-one-corrected"),
                        ("Spiking One, Corrected Again", "spiking-one-corrected-again")):
        repo_site.write("dumps/a.txt", full_dump((title, ABSTRACT, "• 2 authors", "Jun 12, 2025 3")))
        shutil.rmtree(repo_site.output)  # the published branch alone tells what was there
        result = repo_site.run("deploy")
        assert result.exit_code == 0, result.output
        assert f"papers/{slug}/index.html" in git("ls-tree", "-r", "--name-only", "gh-pages", cwd=repo_site.bare)
    for old in ("spiking-one", "spiking-one-corrected"):
        page = published(repo_site.bare, f"papers/{old}/index.html")
        assert 'content="0; url=../../papers/spiking-one-corrected-again/"' in page, old
    assert json.loads(published(repo_site.bare, "redirects.json")) == {
        "papers/spiking-one/": "papers/spiking-one-corrected-again/",
        "papers/spiking-one-corrected/": "papers/spiking-one-corrected-again/"}


def test_a_deploy_that_drops_a_published_paper_is_refused_with_its_url(repo_site):
    assert repo_site.run("deploy").exit_code == 0
    tips = (git("rev-parse", "gh-pages", cwd=repo_site.bare), git("rev-parse", "gh-pages", cwd=repo_site.root))
    repo_site.write("dumps/a.txt", full_dump(("Protein Folding", "Proteins fold; we predict how.", "• 2 authors",
                                              "Jun 12, 2025 3")))
    refused = repo_site.run("deploy")
    assert refused.exit_code == 1, refused.output
    assert "refusing to deploy: 1 paper URL that origin/gh-pages publishes would lead nowhere" in refused.output
    assert "  papers/spiking-one/ (Spiking One)" in refused.output and "--allow-broken" in refused.output
    assert (git("rev-parse", "gh-pages", cwd=repo_site.bare), git("rev-parse", "gh-pages", cwd=repo_site.root)) == tips
    allowed = repo_site.run("deploy", "--allow-broken")
    assert allowed.exit_code == 0, allowed.output
    assert "papers/spiking-one/index.html" not in git("ls-tree", "-r", "--name-only", "gh-pages", cwd=repo_site.bare)
