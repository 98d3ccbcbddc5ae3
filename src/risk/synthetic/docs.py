"""The tables of ``data/synthetic/README.md``, rendered from the code they document.

- :func:`parameter_table`: every constant of :mod:`risk.synthetic.params` with its value
  and the ``#:`` comment above it (its source in literature.md, ``ASSUMPTION`` or
  ``CALIBRATED``);
- :func:`data_dictionary_table`: the columns of :mod:`risk.schema`.

The tests check that the README holds both tables verbatim, so docs and code stay in step.
Print them with ``python -m risk.synthetic.docs``.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass

from risk import schema
from risk.synthetic import params as synthetic_params


@dataclass(frozen=True)
class ParameterDoc:
    """One generator constant: its name, value and documented source."""

    name: str
    value: object
    statement: str


def parameter_docs() -> list[ParameterDoc]:
    """Every upper-case constant of :mod:`risk.synthetic.params`, in file order.

    A constant's statement is the ``#:`` comment block right above it; a constant that
    directly follows another without a comment of its own shares that one's statement.
    """
    source = inspect.getsource(synthetic_params)
    lines = source.splitlines()
    docs: list[ParameterDoc] = []
    last_end: int | None
    last_statement, last_end = "", -1
    for node in ast.parse(source).body:
        if not isinstance(node, ast.Assign | ast.AnnAssign):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = [t.id for t in targets if isinstance(t, ast.Name) and t.id.isupper()]
        if not names:
            continue
        statement = _comment_above(lines, node.lineno - 1)
        if not statement and node.lineno - 1 == last_end:
            statement = last_statement
        last_statement, last_end = statement, node.end_lineno
        docs += [ParameterDoc(n, getattr(synthetic_params, n), statement) for n in names]
    return docs


def _comment_above(lines: list[str], index: int) -> str:
    block: list[str] = []
    i = index - 1
    while i >= 0 and lines[i].lstrip().startswith("#:"):
        block.insert(0, lines[i].lstrip()[2:].strip())
        i -= 1
    return " ".join(block)


def format_value(value: object) -> str:
    """A constant's value as the README shows it (floats to 4 significant digits)."""
    if isinstance(value, bool | int | str):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_value(v)}" for k, v in value.items())
    if isinstance(value, tuple | list):
        return "(" + ", ".join(format_value(v) for v in value) + ")"
    return str(value)


def parameter_table() -> str:
    """Markdown table: constants (with values) and their source; a shared source once."""
    rows = ["| constant = value | source |", "|---|---|"]
    groups: list[list[ParameterDoc]] = []
    for doc in parameter_docs():
        if groups and groups[-1][0].statement == doc.statement:
            groups[-1].append(doc)
        else:
            groups.append([doc])
    for group in groups:
        names = "<br>".join(f"`{d.name}` = {format_value(d.value)}" for d in group)
        rows.append(f"| {names.replace('|', '/')} | {group[0].statement.replace('|', '/')} |")
    return "\n".join(rows) + "\n"


def data_dictionary_table() -> str:
    """Markdown table of the cohort columns, from :mod:`risk.schema`."""
    rows = ["| column | type | required | allowed values | meaning |", "|---|---|---|---|---|"]
    for col in (*schema.COLUMNS, *schema.PFS_OUTCOMES, *schema.PREDICTION_ONLY):
        required = "yes" if col.required else ("for training" if col.outcome else
                                               "prediction only" if col.prediction_only
                                               else "no")
        meaning = schema.column_help(col.name) or col.label
        if col.since > 1 and col.name not in schema.GENERATED_COLUMNS:
            meaning += f" (Added in schema version {col.since}: not in the shipped file.)"
        rows.append(f"| `{col.name}` | {col.kind} | {required} | {col.allowed()} | {meaning} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # pragma: no cover - a documentation helper
    print(data_dictionary_table())
    print(parameter_table())
