"""Shared fixtures. Area-specific fixtures live in their own test modules."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Never let a test or the app under test reach the network or write usage stats.
os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO
