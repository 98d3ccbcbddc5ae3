"""Registry safety with real processes: a save killed midway (SIGKILL) and concurrent
writers. The killed process gets no chance to clean up, as after a power cut."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from risk.registry import store as reg
from risk.registry.card import build_card

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

SAVER = """
import sys
sys.path.insert(0, sys.argv[5])
if sys.argv[4]:
    from fault_injection import pause_at
    pause_at(*sys.argv[4].split(":", 1))
from risk.registry.store import Registry
from risk.registry.card import build_card
root, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
registry = Registry(root)
card = build_card(training_data={"patients": 1, "events": 1})
for i in range(count):
    # same parameters in every process: automatic ids collide within a second
    registry.save({"coef": [1.0, 2.0]}, card, version=None if name == "-" else name,
                  activate=True)
"""


def saver(root: Path, name: str, count: int = 1, hook: str | None = None):
    return subprocess.Popen([sys.executable, "-c", SAVER, str(root), name, str(count),
                             hook or "", str(Path(__file__).resolve().parents[1] / "support")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(path: Path, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"saver ended early: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("saver never reached the test hook")
        time.sleep(0.02)


@pytest.fixture
def registry(tmp_path) -> reg.Registry:
    registry = reg.Registry(tmp_path / "models")
    card = build_card(training_data={"patients": 1, "events": 1})
    registry.save({"coef": [0.5]}, card, version="v1", activate=True)
    return registry


@pytest.mark.parametrize("stage", ["mid-write", "before-rename", "before-pointer"])
def test_a_save_killed_midway_leaves_the_previous_active_model(registry, tmp_path, stage):
    signal_file = tmp_path / "reached"
    proc = saver(registry.root, "v2", hook=f"{stage}:{signal_file}")
    wait_for(signal_file, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert registry.active_version() == "v1"
    assert registry.read("v1")[0] == {"coef": [0.5]}
    # the version folder is either absent or complete: never half-written
    if stage == "before-pointer":
        assert registry.versions() == ["v1", "v2"]
        assert registry.read("v2")[0] == {"coef": [1.0, 2.0]}
    else:
        assert registry.versions() == ["v1"]
        assert list(registry.root.glob(".tmp-*")), "the crash left its temporary behind"
    assert {r.status for r in registry.list_versions()} == {"ok"}

    # the lock died with the process: the next writer proceeds and cleans up
    registry.save({"coef": [3.0]}, build_card(training_data={}), version="v3",
                  activate=True)
    assert registry.active_version() == "v3"
    assert not list(registry.root.glob(".tmp-*"))
    assert registry.rollback() == "v1"


def test_concurrent_writers_all_land_as_intact_versions(registry):
    per_process, processes = 15, 3
    procs = [saver(registry.root, "-", per_process) for _ in range(processes)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    rows = registry.list_versions()
    assert len(rows) == 1 + per_process * processes
    assert {r.status for r in rows} == {"ok"}
    # every activation was recorded: no writer overwrote another's pointer update
    history = registry.history()
    assert len(history) == 1 + per_process * processes
    assert len({e["version"] for e in history}) == len(history)
    assert registry.active_version() == history[-1]["version"]
    assert not list(registry.root.glob(".tmp-*"))
