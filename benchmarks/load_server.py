"""The load benchmark's server and browser: the app started as ``make run`` starts it (or
plain ``streamlit run`` as a reference), its script-run log, and Debian's Chromium."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: How ``make run`` serves the app (warm start), and the plain ``streamlit run`` reference.
SERVE = ("-m", "riskapp.serve")
PLAIN = ("-m", "streamlit", "run", "app.py")


def start_server(port: int, log: Path, how: tuple[str, ...] = SERVE
                  ) -> tuple[subprocess.Popen, float, float]:
    """A server as ``make run`` starts it (or ``how``), its output in ``log``: the process,
    when it was started
    and when its port accepted a connection (``time.perf_counter``)."""
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
           "RISK_LOG_SCRIPT_RUNS": "1"}
    started = time.perf_counter()
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, *how, "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, started, time.perf_counter()
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the server did not start")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def rss_mb(pid: int) -> float:
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


def server_runs(log: Path) -> list[tuple[str, float, str, bool]]:
    pattern = re.compile(r"script_run page=(\S+) seconds=([\d.]+) outcome=(\w+) submit=(\d)")
    return [(m[1], float(m[2]), m[3], m[4] == "1")
            for m in map(pattern.search, log.read_text().splitlines()) if m]


def niced_chromium(folder: Path) -> str:
    """Chromium at the lowest CPU priority, for the sessions that upload: on a clinic's
    network their browsers run on their own computers, not on the 2 cores the server and
    the measured clinician's browser share here (the server is what is measured)."""
    wrapper = folder / "chromium-niced"
    wrapper.write_text(f'#!/bin/sh\nexec nice -n 19 {CHROMIUM} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)
