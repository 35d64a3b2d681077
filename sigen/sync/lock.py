"""One build at a time per output folder: an ``flock`` on ``<out>/.sigen/lock``.

The lock is taken without waiting: a second build fails at once and names the holder (its
process id, machine and start time, which the holder writes into the lock file). The kernel
drops the lock when the holder exits, even when it is killed, so a stale lock cannot block.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from sigen.diagnostics import Diagnostic, SigenError
from sigen.sync.manifest import STATE

__all__ = ["LOCK", "output_lock"]

LOCK = f"{STATE}/lock"


@contextlib.contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold the build lock of ``out`` (creating ``.sigen/``) or raise SigenError SG903."""
    (out / STATE).mkdir(parents=True, exist_ok=True)
    fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            raise SigenError([Diagnostic(
                str(out), 0, 0, "SG903",
                f"another sigen build is writing this folder ({holder or 'holder unknown'}); "
                "wait for it to finish and run the build again")]) from None
        started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {started}\n"
                  .encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # the file stays: removing it would race the next holder
    finally:
        os.close(fd)
