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


#: Names that several modules define on purpose: the protocol of a command-line command
#: (each module of risk.cli is one command) and of a page view (riskapp *_view modules).
PROTOCOL_NAMES = {"HELP", "add_arguments", "run", "render_page"}


def test_no_public_name_is_defined_twice():
    """One concept, one place: a public module-level name (function, class, constant)
    is defined in one module of src/ only (imports do not count)."""
    defined: dict[str, list[str]] = {}
    for path in (SRC.parent).rglob("*.py"):
        for node in ast.parse(path.read_text(), filename=str(path)).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names = [node.target.id]
            else:
                continue
            for name in names:
                if not name.startswith("_") and name not in PROTOCOL_NAMES:
                    defined.setdefault(name, []).append(str(path.relative_to(SRC.parent)))
    twice = {name: paths for name, paths in defined.items() if len(paths) > 1}
    assert twice == {}
    assert len(defined) > 300, "the scan found too few names"
