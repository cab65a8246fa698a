"""Process lifetime: whatever ends a build (SIGTERM, Ctrl-C, SIGKILL), the processes it
forked end with it.  Processes are found by process group in /proc; every wait is bounded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import ABSTRACT, full_dump

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def processes() -> list[tuple[int, str, int, int]]:
    """(id, state, parent, group) of every process in /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, parent, group = stat[stat.rindex(")") + 2:].split()[:3]
        found.append((int(entry.name), state, int(parent), int(group)))
    return found


def group_members(group: int) -> list[int]:
    """Live processes (not zombies) of a process group."""
    return [pid for pid, state, _, of_group in processes() if of_group == group and state != "Z"]


def children_of(pid: int) -> list[int]:
    return [child for child, _, parent, _ in processes() if parent == pid]


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture
def large_site(site):
    """Enough papers for the search index to be built in a process of its own and the
    pages to be rendered by a pool of them."""
    papers = [(f"Spiking Study Number {n} of Cortex {n * 7919 % 10007}", ABSTRACT, "• 2 authors",
               f"Jun {n % 28 + 1}, 2025 {n % 50}") for n in range(2200)]
    site.write("dumps/a.txt", full_dump(*papers))
    return site


def start_build(site, ignoring: tuple[int, ...] = ()) -> subprocess.Popen:
    """The program, in a process group of its own, `ignoring` some signals as `nohup` does;
    stderr to a file (a stray helper would hold a pipe open for ever)."""
    errors = open(site.root.parent / "stderr.txt", "w+")
    build = subprocess.Popen([sys.executable, "-m", "sitegen", "build", "--no-cache"], cwd=site.root,
                             stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True,
                             preexec_fn=lambda: [signal.signal(number, signal.SIG_IGN) for number in ignoring])
    build.errors = errors
    return build


def end_with(build: subprocess.Popen, number: int) -> str:
    """Send `number` to the build (the parent alone) once it has forked a helper; its stderr."""
    try:
        assert wait_until(lambda: children_of(build.pid) or build.poll() is not None, 120)
        assert build.poll() is None, "the build ended before it forked a helper"
        os.kill(build.pid, number)
        build.wait(timeout=60)
        assert wait_until(lambda: not group_members(build.pid), 15), \
            f"left running: {group_members(build.pid)}"
        build.errors.seek(0)
        return build.errors.read()
    finally:
        for pid in group_members(build.pid):
            os.kill(pid, signal.SIGKILL)
        if build.poll() is None:
            build.kill()
            build.wait()
        build.errors.close()


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda n: n.name)
def test_sigterm_ctrl_c_or_a_closed_terminal_ends_the_whole_build_and_leaves_no_half_built_folder(
        large_site, number):
    build = start_build(large_site)
    errors = end_with(build, number)
    assert build.returncode == 128 + number
    assert "Traceback" not in errors
    assert not any(path.name.startswith("._site.") for path in large_site.root.iterdir())
    assert not large_site.output.exists()


def test_a_build_started_under_nohup_outlives_its_closed_terminal(large_site):
    build = start_build(large_site, ignoring=(signal.SIGHUP,))
    errors = end_with(build, signal.SIGHUP)
    assert build.returncode == 0, errors
    assert (large_site.output / "index.html").is_file()


SIGNAL_AT_A_FORK = """\
import os, signal, sys
fork, number, forks = int(sys.argv[1]), int(sys.argv[2]), 0
def signal_the_build():  # in the build, just after its n-th fork, the child half set up
    global forks
    forks += 1
    if forks == fork:
        os.kill(os.getpid(), number)
os.register_at_fork(after_in_parent=signal_the_build)
sys.argv = ["sitegen", "build", "--no-cache"]
from sitegen.cli import run
run()
"""


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda n: n.name)
def test_a_signal_that_comes_while_a_helper_is_forked_ends_the_build_as_at_any_other_moment(
        large_site, number):
    """The 1st fork starts the search index's process; the 2nd, a render worker's (after
    NumPy has started threads of its own, which take a signal that the forking thread
    holds back)."""
    for fork in (1, 2):
        build = subprocess.Popen([sys.executable, "-c", SIGNAL_AT_A_FORK, str(fork), str(number)],
                                 cwd=large_site.root, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            errors = build.communicate(timeout=120)[1]
            assert wait_until(lambda: not group_members(build.pid), 15), \
                f"fork {fork}: left running: {group_members(build.pid)}"
        finally:
            for pid in group_members(build.pid):
                os.kill(pid, signal.SIGKILL)
        assert (build.returncode, fork) == (128 + number, fork), errors
        assert "Traceback" not in errors and "Exception ignored" not in errors, errors
        assert not any(path.name.startswith("._site.") for path in large_site.root.iterdir())
        assert not large_site.output.exists()


SIGNAL_WHOSE_INTERRUPT_IS_LOST = """\
import os, signal, sys
number, lost, build = int(sys.argv[1]), sys.argv[2], os.getpid()
class Dropped:
    def __del__(self):  # Python swallows what a finalizer raises (and prints it)
        os.kill(build, number)
def signal_the_build(event, args):  # as the build makes its staging folder
    if event == "os.mkdir" and ".building-" in str(args[0]) and os.getpid() == build:
        if lost == "in a finalizer":
            Dropped()
        elif lost == "in code run by exec":  # (namedtuple and dataclasses make functions so)
            exec("os.kill(build, number)")
        else:  # as CPython makes of one raised at some moments of an import
            try:
                os.kill(build, number)
            except KeyboardInterrupt:
                raise TypeError("expected a message argument") from None
sys.addaudithook(signal_the_build)
sys.argv = ["sitegen", "build", "--no-cache"]
from sitegen.cli import run
run()
"""


@pytest.mark.parametrize("lost", ["in a finalizer", "turned into another exception", "in code run by exec"])
@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_whose_interrupt_is_lost_on_the_way_still_ends_the_build(large_site, number, lost):
    script = large_site.root.parent / "signalled_build.py"  # run with -m, as `sitegen` is
    script.write_text(SIGNAL_WHOSE_INTERRUPT_IS_LOST)
    build = subprocess.run([sys.executable, "-m", "signalled_build", str(number), lost],
                           cwd=large_site.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(script.parent)})
    assert build.returncode == 128 + number, build.stderr
    assert "Exception ignored" not in build.stderr and "Traceback" not in build.stderr, build.stderr
    assert not any(path.name.startswith("._site.") for path in large_site.root.iterdir())
    assert not large_site.output.exists()


def test_helpers_of_a_killed_build_die_with_it(large_site):
    build = start_build(large_site)
    end_with(build, signal.SIGKILL)
    assert build.returncode == -signal.SIGKILL
    result = subprocess.run([sys.executable, "-m", "sitegen", "build", "--quiet"], cwd=large_site.root,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr  # the next build cleans up after it
    assert not any(path.name.startswith("._site.building") for path in large_site.root.iterdir())


def test_die_with_parent_asks_the_kernel_to_end_a_forked_child_with_its_parent(tmp_path):
    script = tmp_path / "tree.py"
    script.write_text(
        "import multiprocessing, os, sys, time\n"
        "from sitegen.parallel import die_with_parent\n"
        "def child():\n"
        "    die_with_parent()\n"
        "    time.sleep(60)\n"
        "if __name__ == '__main__':\n"
        "    process = multiprocessing.get_context('fork').Process(target=child)\n"
        "    process.start()\n"
        "    print(process.pid, flush=True)\n"
        "    time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        child = int(parent.stdout.readline())
        assert wait_until(lambda: child in group_members(parent.pid), 10)
        time.sleep(0.3)  # the child has asked by now
        parent.kill()
        parent.wait()
        assert wait_until(lambda: child not in group_members(parent.pid), 10)
    finally:
        for pid in group_members(parent.pid):
            os.kill(pid, signal.SIGKILL)
        parent.stdout.close()


def test_a_wait_for_a_childs_result_that_is_interrupted_leaves_the_child_to_be_stopped(tmp_path):
    """Ctrl-C while `serve` waited for the search index used to hang it: the wait joined
    a child that was blocked sending its answer to nobody."""
    script = tmp_path / "interrupted.py"
    script.write_text(
        "import signal, time\n"
        "from sitegen.parallel import Child\n"
        "def interrupt(signum, frame):\n"
        "    raise KeyboardInterrupt\n"
        "signal.signal(signal.SIGALRM, interrupt)\n"
        "try:\n"
        "    with Child(lambda: time.sleep(0.5) or b'x' * (8 << 20)).start() as child:\n"
        "        signal.setitimer(signal.ITIMER_REAL, 0.2)\n"
        "        child.result()\n"
        "except KeyboardInterrupt:\n"
        "    print('stopped' if child.process is None else 'left running')\n")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=30)
    assert result.stdout == "stopped\n", result.stderr


def test_a_childs_answer_and_its_failure_reach_the_parent():
    from sitegen.parallel import Child, ChildFailed, fork_map

    assert Child(sum, [1, 2, 3]).start().result() == 6
    with pytest.raises(ChildFailed, match="ZeroDivisionError"):
        Child(lambda: 1 / 0).start().result()
    assert fork_map(lambda n: (n, os.getpid()), range(6), 2)[3][0] == 3
    assert os.getpid() not in {pid for _, pid in fork_map(lambda n: (n, os.getpid()), range(6), 2)}
