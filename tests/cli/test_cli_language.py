"""The command line in Chinese: ``--lang zh_Hans`` or a Chinese locale in LANG."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    environment.update({"LANG": "C.UTF-8", **env})
    return subprocess.run([sys.executable, "-m", "risk", *args], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_messages_follow_lang_and_the_locale(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("patient_id,age\nP1,300\n", encoding="utf-8")
    english = run(["validate", "--data", str(bad)])
    chinese = run(["--lang", "zh_Hans", "validate", "--data", str(bad)])
    by_locale = run(["validate", "--data", str(bad)], LANG="zh_CN.UTF-8")
    assert english.returncode == chinese.returncode == by_locale.returncode == 2
    assert "problems found" in english.stderr and "Traceback" not in chinese.stderr
    assert "错误" in chinese.stderr and "缺少必需的列" in chinese.stderr
    assert by_locale.stderr == chinese.stderr
