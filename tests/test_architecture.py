"""Layering rules: the core never imports streamlit."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "risk"


def test_core_never_imports_streamlit():
    offenders = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                offenders.append(str(path.relative_to(SRC)))
    assert offenders == []
    assert list(SRC.rglob("*.py")), "the scan found no source files"
