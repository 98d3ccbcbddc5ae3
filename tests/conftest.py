"""Shared fixtures. Area-specific fixtures live in their own test modules."""

import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Never let a test or the app under test reach the network or write usage stats.
os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
# The app as `make run` serves it (loopback), wherever the tests are started from.
os.environ.setdefault("STREAMLIT_SERVER_ADDRESS", "127.0.0.1")
# Never touch a user's signing keys: each test process (and the servers and commands it
# starts) gets a keys folder of its own; the site key is made there on the first save.
os.environ["RISK_KEYS_DIR"] = tempfile.mkdtemp(prefix="risk-keys-")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO

# Hypothesis: fixed examples (deterministic runs) and no per-example deadline, which a
# loaded 2-core CI machine would turn into flaky failures.
from hypothesis import settings  # noqa: E402

settings.register_profile("repo", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("repo")
