"""`sitegen deploy`: commit the built site to a site branch (gh-pages) and push it.

One commit per deploy, on top of the branch, made with git plumbing and a
private index, so the user's working tree, index and current branch are never
touched.  The message names the source commit.

Nothing is ever lost: `prepare` refuses a branch that is checked out or that is
not a site branch (its last commit was not made by sitegen, or it shares history
with the source), and refuses when the local branch and the remote one disagree
(one has commits the other lacks) unless `force`, which then builds on both.
`publish` pushes the new commit first and moves the local branch only once the
push succeeded (compare-and-swap, so nothing that moved meanwhile is overwritten).
"""

from __future__ import annotations

import functools
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError, ConfigError
from .pieces import join_pieces
from .redirects import History, parse_history

DEPLOY_GREP = "^Deploy .+ with sitegen$"
NO_COMMIT = "0" * 40


def _git(args: list[str], cwd: Path, env: dict | None = None, check: bool = True) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                            env={**os.environ, **(env or {})})
    if check and result.returncode != 0:
        raise BuildError(f"git {' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout.strip()


def _succeeds(args: list[str], cwd: Path) -> bool:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True).returncode == 0


def repository_root(folder: Path) -> Path:
    result = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True,
                            text=True)
    if result.returncode != 0:
        raise ConfigError(f"{folder} is not inside a git repository; `git init` it first "
                          "(sitegen deploy commits the site to a gh-pages branch)")
    return Path(result.stdout.strip())


@dataclass(frozen=True)
class Target:
    """Where a deploy goes: the branch, its local and remote tips (None: no such branch)
    and the parents the new commit gets."""

    repo: Path
    remote: str
    branch: str
    push: bool
    local: str | None
    remote_tip: str | None
    parents: tuple[str, ...]

    @property
    def ref(self) -> str:
        return f"refs/heads/{self.branch}"

    @property
    def published(self) -> str | None:
        """The commit whose site is live (or, without pushing, the one deployed last)."""
        return self.remote_tip if self.push else (self.local or self.remote_tip)


def prepare(repo: Path, remote: str, branch: str, push: bool, force: bool = False) -> Target:
    """Check that deploying to `branch` loses nothing; fetch what the remote has of it."""
    ref = f"refs/heads/{branch}"
    if not _succeeds(["check-ref-format", ref], repo):
        raise ConfigError(f"--branch {branch!r} is not a valid branch name")
    _refuse_checked_out(repo, branch)
    if push:
        remotes = _git(["remote"], repo).split()
        if remote not in remotes:
            raise ConfigError(f"no git remote named {remote!r} (remotes: {', '.join(remotes) or 'none'}); "
                              "add one, name another with --remote, or use --no-push")
    tracking = f"refs/remotes/{remote}/{branch}"
    if push:
        listed = _git(["ls-remote", "--heads", remote, ref], repo)
        if listed:
            _git(["fetch", "--quiet", "--no-tags", remote, f"+{ref}:{tracking}"], repo)
    remote_tip = _tip(repo, tracking) if (not push or listed) else None
    local = _tip(repo, ref)
    for tip, name in ((local, branch), (remote_tip, f"{remote}/{branch}")):
        if tip is not None:
            _refuse_foreign(repo, tip, name, branch)
    if not push:  # nothing is published: the new commit goes on top of the local branch
        return Target(repo, remote, branch, push, local, remote_tip, tuple(filter(None, [local or remote_tip])))
    return Target(repo, remote, branch, push, local, remote_tip, _parents(repo, local, remote_tip, remote,
                                                                         branch, force))


def _tip(repo: Path, ref: str) -> str | None:
    return _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], repo, check=False) or None


def _refuse_checked_out(repo: Path, branch: str) -> None:
    listing = _git(["worktree", "list", "--porcelain"], repo)
    folder = None
    for line in listing.splitlines():
        if line.startswith("worktree "):
            folder = line.removeprefix("worktree ")
        elif line == f"branch refs/heads/{branch}":
            raise ConfigError(f"refusing to deploy to {branch!r}: it is checked out in {folder}, and "
                              "deploying would replace that branch's files with the built site. "
                              "Deploy to a branch of its own (--branch gh-pages, the default).")


def _refuse_foreign(repo: Path, tip: str, name: str, branch: str) -> None:
    """A site branch holds sitegen's deploy commits (and any the user added on top) and
    shares no history with the source."""
    made_by_sitegen = _git(["rev-list", "-1", "--extended-regexp", f"--grep={DEPLOY_GREP}", tip], repo)
    head = _tip(repo, "HEAD")
    shares = head is not None and _succeeds(["merge-base", head, tip], repo)
    if made_by_sitegen and not shares:
        return
    why = ("it shares history with your current branch" if shares else
           "none of its commits was made by sitegen deploy")
    raise ConfigError(f"refusing to deploy to {branch!r}: {name} is not a site branch ({why}), and "
                      "deploying would bury its commits under the built site. Deploy to a branch of "
                      "its own with --branch NAME.")


def _parents(repo: Path, local: str | None, remote_tip: str | None, remote: str, branch: str,
             force: bool) -> tuple[str, ...]:
    """The new commit's parents: the branch as both sides have it, or (with `force`) both
    sides when they disagree, so that no commit of either is left on no branch."""
    if local is None or remote_tip is None or local == remote_tip:
        return tuple(filter(None, [remote_tip or local]))
    ahead = _count(repo, f"{remote_tip}..{local}")
    behind = _count(repo, f"{local}..{remote_tip}")
    if force:
        return (local,) if not behind else (remote_tip,) if not ahead else (remote_tip, local)
    there = f"{remote}/{branch}"
    if ahead and behind:
        problem = (f"your local {branch} and {there} have diverged ({ahead} and {behind} commits of "
                   f"their own)")
        fix = (f"keep one: `git branch -f {branch} {there}` (dropping the local ones) or `git push "
               f"--force {remote} {branch}` (dropping the remote ones); or keep both with --force, "
               "which deploys on top of both")
    elif ahead:
        problem = f"your local {branch} has {_commits(ahead)} that {there} lacks"
        fix = (f"publish them first with `git push {remote} {branch}`, or deploy on top of them "
               "with --force")
    else:
        problem = f"{there} has {_commits(behind)} that your local {branch} lacks (deployed from elsewhere)"
        fix = (f"take them with `git fetch {remote} {branch}:{branch}`, or deploy on top of them "
               "with --force")
    raise ConfigError(f"refusing to deploy: {problem}; nothing was changed. To resolve it, {fix}.")


def _count(repo: Path, revisions: str) -> int:
    return int(_git(["rev-list", "--count", revisions], repo))


def _commits(count: int) -> str:
    return f"{count} commit{'s' if count != 1 else ''}"


def published_history(target: Target) -> History | None:
    """The URLs the site branch publishes: its papers.json and redirects.json, read with
    git from the commit prepared (fetched, when pushing), so no network is needed."""
    if target.published is None:
        return None
    origin = f"{target.remote}/{target.branch}" if target.push else target.branch
    try:
        texts = [join_pieces(functools.partial(_published_file, target), name)  # (maybe in pieces)
                 for name in ("papers.json", "redirects.json")]
        return parse_history(*texts, origin=origin)
    except ValueError as error:
        raise BuildError(f"cannot tell which paper URLs {origin} publishes: its papers.json is "
                         f"{error}; nothing was deployed") from None


def _published_file(target: Target, path: str) -> bytes | None:
    result = subprocess.run(["git", "cat-file", "blob", f"{target.published}:{path}"], cwd=target.repo,
                            capture_output=True)
    return result.stdout if result.returncode == 0 else None


def publish(site: Path, target: Target) -> str:
    """Commit `site` on top of the target's parents; push it unless told not to; then
    move the local branch to it.  Returns the new commit's id."""
    repo = target.repo
    source = _git(["rev-parse", "--short", "HEAD"], repo, check=False) or "no commit yet"
    dirty = _git(["--no-optional-locks", "status", "--porcelain"], repo, check=False)
    message = f"Deploy {source}{' with uncommitted changes' if dirty else ''} with sitegen"
    with tempfile.TemporaryDirectory() as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        _git(["--work-tree", str(site), "add", "--all", "--force", "."], repo, env)
        tree = _git(["write-tree"], repo, env)
    arguments = ["commit-tree", tree, "-m", message]
    for parent in target.parents:
        arguments += ["-p", parent]
    commit = _git(arguments, repo)
    if target.push:
        result = subprocess.run(["git", "push", "--quiet", target.remote, f"{commit}:{target.ref}"],
                                cwd=repo, capture_output=True, text=True)
        if result.returncode != 0:
            raise BuildError(f"git push to {target.remote} was rejected; nothing was changed, locally "
                             f"or there.\n{result.stderr.strip()}")
    moved = subprocess.run(["git", "update-ref", "-m", "sitegen deploy", target.ref, commit,
                            target.local or NO_COMMIT], cwd=repo, capture_output=True, text=True)
    if moved.returncode != 0:
        raise BuildError(f"deployed {commit[:10]}, but your local {target.branch} changed meanwhile and "
                         f"was left as it is: {moved.stderr.strip()}")
    return commit
