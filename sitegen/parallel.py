"""Work in forked processes, and their lifetime: one way to run a job in a child
(`Child`), one way to share many jobs among children (`fork_map`).

A forked child inherits the parent's memory as it is: the model, the templates,
the files laid out, for free; what comes back through a pipe is small beside
that (keys, sizes, half the parsed dumps).  Every child asks the kernel, as it
starts, to be killed when its parent ends, however the parent ends (SIGKILL
included); the parent, on SIGTERM, SIGHUP or Ctrl-C, ends its children itself on the way
out (`EndOnSignals`).  A child that outlived its build would be a stray: blocked
on a pipe nobody reads, holding memory, for ever.
"""

from __future__ import annotations

import _thread
import contextlib
import ctypes
import functools
import multiprocessing
import os
import signal
import sys
import threading
import time
from typing import Callable, Sequence

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

# A forked process inherits every lock as it was at that moment, held by another
# thread or not: `serve` renders pages in its request threads while a build runs, and
# a child forked while one of them held Jinja's template cache lock would wait for it
# for ever.  Forks take this lock; a thread that renders holds it.
FORK_LOCK = threading.Lock()


class ChildFailed(Exception):
    """A child's job raised, or the child ended without an answer."""


class Child:
    """`function(*args)` in a forked process, from `start` until `result` is asked for;
    stopped (killed) on leaving a `with` block before that: `with Child(...) as child:
    child.start()`."""

    def __init__(self, function: Callable, *args):
        self.function, self.args, self.process = function, args, None

    def start(self) -> Child:
        """Fork the child; called inside the `with` block (a signal that arrives while it
        forks is raised as this returns, the child in the hands of whoever stops it)."""
        context = multiprocessing.get_context("fork")
        self.receiver, sender = context.Pipe(duplex=False)
        try:
            with _forking():
                process = context.Process(target=self._run, args=(sender,), daemon=True)
                process.start()
                self.process = process
        finally:
            sender.close()
        return self

    def _run(self, sender) -> None:
        as_child()
        self.receiver.close()  # (else a send nobody reads any more waits for ever)
        try:
            sender.send(("ok", self.function(*self.args)))
        except BaseException as error:  # reported by the parent, which owns the work
            sender.send(("error", f"{type(error).__name__}: {error}"))

    def result(self):
        """The job's return value; `ChildFailed` if it raised or its process died.  What
        interrupts the wait (Ctrl-C) leaves the child to `stop`."""
        try:
            kind, value = self.receiver.recv()
        except EOFError:
            kind, value = "error", "the process ended unexpectedly"
        self.receiver.close()
        self.process.join()
        self.process = None
        if kind == "error":
            raise ChildFailed(value)
        return value

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.join()
            self.process = None

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *error) -> None:
        self.stop()


def fork_map(function: Callable, items: Sequence, workers: int,
             between: Callable[[], None] | None = None) -> list:
    """`function(item)` for every item, in order, shared among `workers` forked
    processes (items and results go through pipes; `function` is inherited).
    `between()` runs before each result is taken: what it raises stops the work, the
    children with it."""
    results = []
    with contextlib.ExitStack() as owned:
        with _forking():  # (a signal that arrives meanwhile is raised as it ends: the pool is owned)
            pool = owned.enter_context(multiprocessing.get_context("fork").Pool(
                workers, initializer=_start_worker, initargs=(function,)))
        for result in pool.imap(_call, items, chunksize=1):
            if between is not None:
                between()
            results.append(result)
    return results


_worker_function: Callable | None = None  # set in each worker of `fork_map` only


def _start_worker(function: Callable) -> None:
    global _worker_function
    as_child()
    _worker_function = function


def _call(item):
    return _worker_function(item)


_ENDING_SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}


@contextlib.contextmanager
def _forking():
    """Around a fork: one at a time (`FORK_LOCK`); SIGTERM, SIGHUP and Ctrl-C held back in this
    thread, so that a child never runs this process's handlers before `as_child` has set
    its own (a signal in between printed a child's traceback); and this process's own
    handlers put off until the fork is done (`_handlers_put_off`)."""
    with FORK_LOCK, _handlers_put_off():
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _ENDING_SIGNALS)
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)


@contextlib.contextmanager
def _handlers_put_off():
    """The handlers of those signals, in the main thread (where Python runs them), only
    note a signal until the block ends; it is raised again then.  Held back in this thread
    alone, a signal still reaches the process through any other (NumPy's BLAS threads),
    and its handler, run in the middle of a fork, raised KeyboardInterrupt where the child
    was in nobody's hands to be stopped: it went on writing into the folder the build was
    deleting.  Raised at the end, it finds the child owned (`Child.start`, `fork_map`)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # (Python runs handlers in the main thread: none interrupts this one)
        return
    arrived: list[int] = []
    replaced = {}
    try:
        for number in _ENDING_SIGNALS:
            if callable(signal.getsignal(number)):
                replaced[number] = signal.signal(number, lambda signum, frame: arrived.append(signum))
        yield
    finally:
        for number, handler in replaced.items():
            signal.signal(number, handler)
    if arrived:
        signal.raise_signal(arrived[0])


def as_child() -> None:
    """What a forked child does first.  It inherits `serve`'s handlers, which turn
    SIGTERM and SIGHUP into KeyboardInterrupt (a pool's SIGTERM at its end would print a
    traceback), and Ctrl-C is the parent's to handle; it ends with its parent.  The
    signals `_forking` held back reach it from then on."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _ENDING_SIGNALS)


def die_with_parent() -> None:
    """In a forked child: be killed (SIGKILL) when the parent ends; end at once if it
    already has.  (Linux; elsewhere a child is ended by its parent on the way out.)  Only
    ever called in a process `multiprocessing` started, which knows its parent."""
    expected = multiprocessing.parent_process().pid
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != expected:  # ended before the request
        os._exit(1)


class EndOnSignals:
    """SIGTERM (what `timeout` and service managers send) and SIGHUP (the terminal closed;
    not under `nohup`, which ignores it) end a command the way Ctrl-C does: as
    KeyboardInterrupt in the main thread, so that every `with` and `finally`
    on the way out runs (children ended, a half-built folder deleted, the lock
    released).  A second signal ends the process at once."""

    def __init__(self) -> None:
        self.received: int | None = None
        self.swallowed = False  # the KeyboardInterrupt raised was lost: raise it again
        self.in_hook = False

    def install(self) -> None:
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            if signal.getsignal(number) is not signal.SIG_IGN or number == signal.SIGTERM:
                signal.signal(number, self._handle)
        sys.unraisablehook = functools.partial(self._unraisable, sys.unraisablehook)

    def _handle(self, number: int, frame) -> None:
        if self.in_hook:  # (what the hook raises is lost too)
            self._raise_again_soon()
            return
        if self.received is not None and not self.swallowed:
            os._exit(128 + number)
        self.received, self.swallowed = self.received or number, False
        raise KeyboardInterrupt

    def _unraisable(self, passed_on: Callable, unraisable) -> None:
        """A KeyboardInterrupt raised while a finalizer (`__del__`) ran is one Python
        swallows, printing "Exception ignored", and the command went on as if no signal
        had come: it is raised again instead, once the finalizer is done."""
        if unraisable.exc_type is not KeyboardInterrupt or self.received is None:
            passed_on(unraisable)
            return
        self.in_hook, self.swallowed = True, True
        try:
            self._raise_again_soon()
        finally:
            self.in_hook = False

    def _raise_again_soon(self) -> None:
        """The signal sent again to the main thread, from another (a signal, not a mere
        flag, so that a wait in a system call is cut short as by the first)."""
        main, number = threading.main_thread().ident, self.received

        def send() -> None:
            time.sleep(0.01)
            signal.pthread_kill(main, number)
        try:
            _thread.start_new_thread(send, ())
        except RuntimeError:  # (the interpreter is ending: so is the command)
            pass

    @property
    def exit_code(self) -> int | None:
        return 128 + self.received if self.received is not None else None
