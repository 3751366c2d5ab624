"""One writer at a time: an advisory lock file beside the store, held for a whole ingest.

``flock`` is released by the kernel when its holder dies (even by kill -9), so a crashed ingest
never leaves a stale lock behind; the file only carries the holder's pid for the message.
"""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

POLL_SECONDS = 0.2  # how often a waiting ingest retries; the wait is seconds, so this is cheap


class IngestBusyError(RuntimeError):
    """Another ingest holds the store's lock and did not finish within the timeout."""


@contextmanager
def writer_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold the exclusive lock at ``path``; wait up to ``timeout`` seconds, then refuse."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "unknown"
                    raise IngestBusyError(
                        f"another ingest (pid {holder}) is writing to this store (lock {path}); "
                        f"waited {timeout:g} s. Try again when it has finished."
                    ) from None
                time.sleep(POLL_SECONDS)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()
