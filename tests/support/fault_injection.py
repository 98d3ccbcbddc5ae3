"""Fault injection for tests: stop a registry save at a stage, so a test can kill it there,
or make the disk fail there (``failing_at``: disk full, permission denied).

In a test process: ``pause_at(stage, signal_file)``; ``with failing_at(stage, errno.ENOSPC):``. As a launcher of the command line:
``python fault_injection.py STAGE SIGNAL_FILE train --data ...`` runs ``python -m risk
train --data ...`` with the save paused at STAGE (after writing SIGNAL_FILE).
"""

from __future__ import annotations

import contextlib
import os
import runpy
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from risk.registry import files as registry_files


def pause_at(stage: str, signal_file: str | Path) -> None:
    """From now on, a save that reaches ``stage`` writes ``signal_file`` and waits to be
    killed (10 minutes at most)."""
    if stage not in registry_files.SAVE_STAGES:
        raise ValueError(f"unknown save stage {stage!r}; one of {registry_files.SAVE_STAGES}")

    def stop_here(reached: str) -> None:
        if reached == stage:
            Path(signal_file).write_text(str(os.getpid()))
            time.sleep(600)

    registry_files.CHECKPOINTS.append(stop_here)


@contextlib.contextmanager
def failing_at(stage: str, error: int) -> Iterator[None]:
    """While in the block, a save that reaches ``stage`` fails as the disk would
    (``OSError(error)``, e.g. errno.ENOSPC or errno.EACCES)."""
    if stage not in registry_files.SAVE_STAGES:
        raise ValueError(f"unknown save stage {stage!r}; one of {registry_files.SAVE_STAGES}")

    def fail_here(reached: str) -> None:
        if reached == stage:
            raise OSError(error, os.strerror(error))

    registry_files.CHECKPOINTS.append(fail_here)
    try:
        yield
    finally:
        registry_files.CHECKPOINTS.remove(fail_here)


def command(stage: str, signal_file: str | Path, *risk_argv) -> list[str]:
    """The argv that runs ``python -m risk *risk_argv`` with the save paused at ``stage``."""
    return [sys.executable, str(Path(__file__).resolve()), stage, str(signal_file),
            *map(str, risk_argv)]


if __name__ == "__main__":
    stage_name, signal, *argv = sys.argv[1:]
    pause_at(stage_name, signal)
    sys.argv = ["risk", *argv]
    runpy.run_module("risk", run_name="__main__", alter_sys=True)
