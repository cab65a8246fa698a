"""`sitegen deploy`: commit the built site to a gh-pages branch and push it.

One commit per deploy, on top of the branch, made with git plumbing and a
private index, so the user's working tree, index and current branch are never
touched.  The message names the source commit.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from .errors import BuildError, ConfigError


def _git(args: list[str], cwd: Path, env: dict | None = None, check: bool = True) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                            env={**os.environ, **(env or {})})
    if check and result.returncode != 0:
        raise BuildError(f"git {' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout.strip()


def repository_root(folder: Path) -> Path:
    result = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True,
                            text=True)
    if result.returncode != 0:
        raise ConfigError(f"{folder} is not inside a git repository; `git init` it first "
                          "(sitegen deploy commits the site to a gh-pages branch)")
    return Path(result.stdout.strip())


def deploy(site: Path, repo: Path, remote: str, branch: str, push: bool) -> str:
    """Commit `site` as the next commit of `branch`; push it unless told not to.  Returns
    the new commit's id."""
    ref = f"refs/heads/{branch}"
    remotes = _git(["remote"], repo).split()
    if push and remote not in remotes:
        raise ConfigError(f"no git remote named {remote!r} (remotes: {', '.join(remotes) or 'none'}); "
                          "add one, name another with --remote, or use --no-push")
    if push:  # build on what is published, if anything is
        _git(["fetch", "--quiet", remote, f"+{ref}:refs/remotes/{remote}/{branch}"], repo, check=False)
    parent = (_git(["rev-parse", "--verify", "--quiet", f"refs/remotes/{remote}/{branch}"], repo, check=False)
              if push else "") or _git(["rev-parse", "--verify", "--quiet", ref], repo, check=False)

    source = _git(["rev-parse", "--short", "HEAD"], repo, check=False) or "no commit yet"
    dirty = _git(["status", "--porcelain"], repo, check=False)
    message = f"Deploy {source}{' with uncommitted changes' if dirty else ''} with sitegen"
    with tempfile.TemporaryDirectory() as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        _git(["--work-tree", str(site), "add", "--all", "--force", "."], repo, env)
        tree = _git(["write-tree"], repo, env)
    arguments = ["commit-tree", tree, "-m", message] + (["-p", parent] if parent else [])
    commit = _git(arguments, repo)
    _git(["update-ref", ref, commit], repo)
    if push:
        result = subprocess.run(["git", "push", "--quiet", remote, f"{ref}:{ref}"], cwd=repo,
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise BuildError(f"git push to {remote} was rejected; the commit is on your local "
                             f"{branch} branch.\n{result.stderr.strip()}")
    return commit
