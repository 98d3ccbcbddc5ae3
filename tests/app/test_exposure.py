"""Exposure: the app serves this computer only unless told otherwise, and served on a
network it requires sign-in (when configured) or says loudly that there is none.

The decision is tested pure (:func:`riskapp.access.is_loopback`, ``decide_access``), in
AppTest with the server address set, and with a real server started as ``make run``
starts it, whose listening sockets are read from the kernel.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from riskapp.access import LOCAL, MISCONFIGURED, decide_access, is_loopback

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
AUTH = {"redirect_uri": "http://clinic.example:8501/oauth2callback", "cookie_secret": "s",
        "client_id": "id", "client_secret": "x",
        "server_metadata_url": "https://id.example.org/.well-known/openid-configuration"}


@pytest.mark.parametrize("address, loopback", [
    ("127.0.0.1", True), ("127.1.2.3", True), ("localhost", True), ("::1", True),
    ("[::1]", True), ("0.0.0.0", False), ("::", False), ("", False), (None, False),
    ("192.168.1.20", False)])
def test_loopback_addresses(address, loopback):
    assert is_loopback(address) is loopback


def test_on_a_network_without_sign_in_nobody_may_change_the_registry():
    assert decide_access({}, {}).mode == LOCAL
    served = decide_access({}, {}, network=True)
    assert served.mode == MISCONFIGURED and not served.may_change
    assert "served on the network without sign-in" in served.message


def test_make_run_and_the_config_bind_to_loopback():
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^ADDRESS \?= 127\.0\.0\.1$", makefile, re.M)
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "--server.address $(ADDRESS)" in run
    config = (REPO / ".streamlit" / "config.toml").read_text()
    assert re.search(r'^address = "127\.0\.0\.1"$', config, re.M)


@pytest.fixture
def address():
    """Set the server address the pages see, as --server.address does."""
    def set_to(value: str) -> None:
        st_config.set_option("server.address", value)

    before = st_config.get_option("server.address")
    yield set_to
    st_config.set_option("server.address", before)


def test_on_loopback_no_notice(address):
    address("127.0.0.1")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert not [e for e in at.error if "network" in e.value]


def test_on_a_network_without_sign_in_every_page_says_so_loudly(address):
    address("0.0.0.0")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert "Served on the network without sign-in" in at.error[0].value
    at.switch_page("pages/retrain.py").run()
    assert not at.exception
    assert "Served on the network without sign-in" in at.error[0].value
    assert "nobody can be identified" in "\n".join(w.value for w in at.warning)


def test_on_a_network_with_sign_in_configured_every_page_requires_it(address):
    address("0.0.0.0")
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH
    at.secrets["access"] = {"allowed": ["a@clinic.org"]}
    at.run()
    assert not at.exception
    assert [b for b in at.button if b.key == "gate_login_default"]
    assert "sign in to use it" in at.info[0].value
    at.switch_page("pages/patient.py").run()
    assert not at.number_input  # no form before sign-in


def _listening(port: int) -> list[str]:
    """Local addresses (hex, as the kernel writes them) listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # LISTEN
                found.append(local.rsplit(":", 1)[0])
    return found


LOOPBACK_HEX = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads Linux's socket table")
def test_the_server_started_as_make_run_listens_on_loopback_only(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "STREAMLIT_SERVER_ADDRESS"}
    # the Makefile's command, with its default address (and a free port)
    proc = subprocess.Popen([sys.executable, "-m", "riskapp.serve",
                             "--server.address", "127.0.0.1", "--server.port", str(port)],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    bare = None
    try:
        deadline = time.monotonic() + 60
        while not _listening(port):
            assert proc.poll() is None and time.monotonic() < deadline, "no server"
            time.sleep(0.2)
        assert set(_listening(port)) <= LOOPBACK_HEX, _listening(port)
        # plain `streamlit run` without the flag: .streamlit/config.toml alone keeps it on
        # loopback too
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            bare_port = s.getsockname()[1]
        bare = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py",
                                 "--server.port", str(bare_port)], cwd=REPO, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not _listening(bare_port):
            assert bare.poll() is None and time.monotonic() < deadline, "no server"
            time.sleep(0.2)
        assert set(_listening(bare_port)) <= LOOPBACK_HEX, _listening(bare_port)
    finally:
        for server in (proc, bare):
            if server is not None:
                server.terminate()
                server.wait(timeout=20)
