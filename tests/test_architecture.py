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


#: The Streamlit layer and the command line, which use the core's public APIs.
CLIENTS = [SRC.parents[1] / "app.py", *(SRC.parents[1] / "pages").rglob("*.py"),
           *(SRC.parent / "riskapp").rglob("*.py"), *(SRC / "cli").rglob("*.py")]


def test_pages_and_the_cli_import_only_public_apis():
    """``from risk.<package> import name`` (a name of its ``__all__``), a whole module
    (``from risk.present.figures import patient``), or the top-level modules of the
    clinical rules (``risk.schema``, ``risk.grading``, ``risk.errors``); never a name from
    inside a package's module."""
    import importlib

    offenders = []
    for path in CLIENTS:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not (isinstance(node, ast.ImportFrom) and node.module
                    and node.module.startswith("risk.") and node.module != "risk.cli"
                    and not node.module.startswith("risk.cli.")):
                continue
            package = importlib.import_module(node.module)
            if node.module.count(".") == 1 and not hasattr(package, "__path__"):
                continue  # a top-level module of the core: schema, grading, errors
            for alias in node.names:
                public = alias.name in getattr(package, "__all__", ())
                module = hasattr(package, "__path__") and importlib.util.find_spec(
                    f"{node.module}.{alias.name}") is not None
                top = node.module.count(".") == 1 or node.module == "risk.present.figures"
                if not (top and (public or module)):
                    offenders.append(f"{path.name}:{node.lineno} {node.module}.{alias.name}")
    assert offenders == []


def test_each_package_names_its_public_api():
    import importlib

    for name in ("data", "synthetic", "stats", "model", "evaluation", "registry", "cohort",
                 "present"):
        package = importlib.import_module(f"risk.{name}")
        assert package.__all__, name
        for public in package.__all__:
            assert getattr(package, public) is not None, (name, public)


def test_one_csv_writer():
    """Every CSV a page offers or a command writes comes from ``risk.data.export`` (one set
    of bytes conventions). The data dictionary's cohort file is an input file with bytes
    of its own (``risk.synthetic.generator``: no pandas or csv writer either)."""
    import re

    writer = re.compile(r"\.to_csv\(|csv\.(Dict)?[Ww]riter\(")
    root = SRC.parents[1]
    files = [root / "app.py", *(root / "pages").rglob("*.py"), *SRC.parent.rglob("*.py")]
    elsewhere = [str(p.relative_to(root)) for p in files
                 if writer.search(p.read_text()) and p != SRC / "data" / "export.py"]
    assert elsewhere == []
    assert writer.search((SRC / "data" / "export.py").read_text())


def _string_constants(tree: ast.AST):
    """Every string constant of a module but its docstrings (which may quote words)."""
    documented = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, documented) and node.body
                  and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings:
            yield node


def test_code_words_are_spelled_in_the_vocabulary_only():
    """One vocabulary: the words of every code (the file's categories, the grade change,
    the models' levels, flags, risk groups, a blank) are spelled in ``risk/schema.py``
    only; every other module calls ``schema.label`` and friends. A string that is such a
    word, or holds one of several words or with symbols ("Not assessed (derive)"), is
    flagged; words in prose written in lower case are English, not labels."""
    from risk import schema

    words = {schema.NOT_ASSESSED, schema.NOT_RECORDED, *schema.ECOG_WORDS.values()}
    for column in schema.COLUMNS:
        words |= set(column.category_labels.values())
    # the vocabulary's own tables of the codes that are not the file's categories
    words |= set(schema._TITLES.values())
    for codes in schema._MORE_LABELS.values():
        words |= set(codes.values())
    distinctive = {w for w in words if len(w) >= 5 and not w.isalpha()}
    root = SRC.parents[1]
    offenders = []
    for path in [root / "app.py", *(root / "pages").rglob("*.py"), *SRC.parent.rglob("*.py")]:
        if path == SRC / "schema.py":
            continue
        for node in _string_constants(ast.parse(path.read_text(), filename=str(path))):
            if node.value in words or any(w in node.value for w in distinctive):
                offenders.append(f"{path.relative_to(root)}:{node.lineno} {node.value!r}")
    assert offenders == []
    assert "Not assessed" in words and "Low risk" in words and "G1 (Ki-67 < 3%)" in words


def test_each_package_types_its_public_api():
    """The ``if TYPE_CHECKING:`` imports of a package's ``__init__`` (the names' types for
    mypy) name exactly its public API, so mypy sees every public name and no other."""
    for init in sorted(SRC.rglob("__init__.py")):
        body = ast.parse(init.read_text(), filename=str(init)).body
        where = [ast.literal_eval(node.value) for node in body if isinstance(node, ast.Assign)
                 and any(getattr(t, "id", "") == "_WHERE" for t in node.targets)]
        if not where:
            continue
        typed = {alias.asname or alias.name for node in body if isinstance(node, ast.If)
                 and getattr(node.test, "id", "") == "TYPE_CHECKING"
                 for statement in node.body for alias in statement.names}
        assert typed == set(where[0]), init
