"""The registry's writers' lock: one writer at a time (a save, an activation, a
signature), readers never wait; each writer first clears what crashed writers left."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from risk.errors import RegistryError
from risk.registry.files import remove_stale_temporaries

LOCK_FILE = ".lock"
#: Seconds a writer waits for another writer's lock before giving up.
LOCK_TIMEOUT_SECONDS = 120.0


@contextlib.contextmanager
def writers_lock(root: Path) -> Iterator[None]:
    """Hold ``root``'s writers' lock; clean what crashed writers left behind."""
    import filelock

    try:
        root.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(root / LOCK_FILE), timeout=LOCK_TIMEOUT_SECONDS)
        lock.acquire()
    except filelock.Timeout:
        raise RegistryError(
            f"the model registry {root} is busy: another save or activation "
            f"held its lock for {LOCK_TIMEOUT_SECONDS:.0f} s; try again") from None
    except OSError as exc:
        raise RegistryError(f"cannot write to the model registry {root}: "
                            f"{exc.strerror or exc}") from None
    try:
        remove_stale_temporaries(root)
        yield
    finally:
        lock.release()
