"""The lifetime of the processes a build forks: they end with it.

A forked helper (a renderer, the search job, the output listing) that outlives its
build is a stray: blocked on a pipe nobody reads, holding memory, for ever.  Each
asks the kernel, as it starts, to be killed when its parent ends, however the
parent ends (SIGKILL included); the parent, on SIGTERM or Ctrl-C, ends its helpers
itself on the way out.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent() -> None:
    """In a forked child: be killed (SIGKILL) when the parent ends; end at once if it
    already has.  (Linux; elsewhere a child is ended by its parent on the way out.)"""
    parent = multiprocessing.parent_process()
    expected = parent.pid if parent is not None else None
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if expected is not None and os.getppid() != expected:  # ended before the request
        os._exit(1)


class EndOnSignals:
    """SIGTERM (what `timeout` and service managers send) ends a command the way Ctrl-C
    does: as KeyboardInterrupt in the main thread, so that every `with` and `finally`
    on the way out runs (helpers ended, a half-built folder deleted, the lock
    released).  A second signal ends the process at once."""

    def __init__(self) -> None:
        self.received: int | None = None

    def install(self) -> None:
        for number in (signal.SIGTERM, signal.SIGINT):
            if signal.getsignal(number) is not signal.SIG_IGN or number == signal.SIGTERM:
                signal.signal(number, self._handle)

    def _handle(self, number: int, frame) -> None:
        if self.received is not None:
            os._exit(128 + number)
        self.received = number
        raise KeyboardInterrupt

    @property
    def exit_code(self) -> int | None:
        return 128 + self.received if self.received is not None else None
