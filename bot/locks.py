"""An exclusive lock between processes on one file (``fcntl.flock``), for builds and schema creation.

The lock belongs to the open file: it is released when the ``with`` block ends or the process dies
(even by SIGKILL), so a killed holder never leaves it taken.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive(path: Path) -> Iterator[bool]:
    """Hold an exclusive lock on ``path`` (created if needed) for the ``with`` block, waiting for it.

    Yields whether the lock is held: ``False`` where file locks do not exist or the file cannot be
    created (a read-only folder, where nothing can be written to race with anyway).
    """
    try:
        import fcntl
    except ImportError:  # not on a Unix system
        yield False
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        try:
            fd = os.open(path, os.O_RDONLY)  # an existing lock file in a read-only folder
        except OSError:
            yield False
            return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield True
    finally:
        os.close(fd)  # releases the lock
