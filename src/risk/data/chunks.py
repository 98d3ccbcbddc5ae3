"""Large CSV files in pieces: chunks of whole records, problems numbered over the whole
file, patient ids unique across chunks. The results are written by the one CSV writer,
:func:`risk.data.export.to_csv_bytes`, a chunk at a time.

Used by :mod:`risk.model.batch`; nothing here knows about models.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from risk.errors import Problem, ValidationError
from risk.schema import CHUNK_ROWS, COLUMN_NAMES, MISSING_WORDS, column

#: Patients per chunk: 50,000 keep a chunk's curves and intervals near 150 MB.
#: A chunk also ends at this many bytes (a file of very long lines).
CHUNK_BYTES = 16 * 1024 * 1024
#: At most this many problems are listed (as in validation).
MAX_LISTED = 200


#: Bytes read at a time: a block without quotes that ends no chunk is taken whole (its
#: lines counted in C), so only the block where a chunk ends is walked line by line.
READ_BLOCK = 1024 * 1024


def iter_record_chunks(path: str | os.PathLike[str], rows: int = CHUNK_ROWS,
                       max_bytes: int = CHUNK_BYTES) -> Iterator[tuple[int, bytes]]:
    """Yield ``(first data row number, header + records)`` for each chunk of a CSV file.

    A record ends at a line end outside quotes (a quoted value may hold a line break).
    Blank lines before the header are skipped, as the reader does; other blank lines
    count as rows so that row numbers match the file.
    """
    with open(path, "rb") as handle:
        header = handle.readline()
        while header and not header.strip():
            header = handle.readline()
        lines: list[bytes] = []
        size = records = 0
        first_row, in_quotes = 1, False
        while block := handle.read(READ_BLOCK):
            if not block.endswith(b"\n"):
                block += handle.readline()  # whole lines only
            count = block.count(b"\n") + (not block.endswith(b"\n"))
            if (not in_quotes and b'"' not in block and records + count < rows
                    and size + len(block) < max_bytes):
                lines.append(block)  # every line a record, and the chunk goes on
                size, records = size + len(block), records + count
                continue
            for line in io.BytesIO(block):
                lines.append(line)
                size += len(line)
                if line.count(b'"') % 2:
                    in_quotes = not in_quotes
                if in_quotes:
                    continue
                records += 1
                if records >= rows or size >= max_bytes:
                    yield first_row, header + b"".join(lines)
                    first_row += records
                    lines, size, records = [], 0, 0
        if first_row == 1 or b"".join(lines).strip():  # a trailing chunk of blank lines: none
            yield first_row, header + b"".join(lines)


class FileProblems:
    """Problems gathered over chunks, numbered over the whole file."""

    def __init__(self) -> None:
        self.listed: list[Problem] = []
        self.total = 0
        self._seen_file_wide: set[str] = set()
        self._errors: list[tuple[str, list[Problem], int]] = []

    def add(self, summary: str, problems: list[Problem], first_row: int) -> None:
        """A chunk's ValidationError (its summary and problems); its rows start at data
        row ``first_row`` of the file."""
        self._errors.append((summary, problems, first_row))
        counted = re.match(r"(\d+) problem", summary)
        self.total += int(counted.group(1)) if counted else len(problems)
        for problem in problems:
            if problem.row is None and problem.message.startswith("... and "):
                continue  # the chunk's own "and N more": recounted below
            if problem.row is None:  # header problems repeat in every chunk
                if problem.message in self._seen_file_wide:
                    self.total -= 1
                    continue
                self._seen_file_wide.add(problem.message)
                if first_row > 1:
                    problem = dataclasses.replace(
                        problem, message=f"{problem.message} (in the part of the file "
                                         f"from data row {first_row})")
            else:
                problem = renumbered(problem, first_row - 1)
            if len(self.listed) < MAX_LISTED:
                self.listed.append(problem)

    def append(self, problem: Problem) -> None:
        self._errors.append(("", [], 0))  # no longer one chunk's error alone
        self.total += 1
        if len(self.listed) < MAX_LISTED:
            self.listed.append(problem)

    def drop(self, matches: Callable[[Problem], bool], count: int) -> None:
        """Forget ``count`` problems (those listed are the ones ``matches``)."""
        self.listed = [p for p in self.listed if not matches(p)]
        self.total -= count

    def error(self) -> ValidationError:
        """Every problem as one ValidationError (a one-chunk file's error unchanged)."""
        if len(self._errors) == 1 and self._errors[0][2] == 1:
            summary, problems, _ = self._errors[0]  # rows already numbered over the file
            return ValidationError(problems, summary=summary)
        order: dict[str | None, int] = {name: i for i, name in enumerate(COLUMN_NAMES)}
        listed = sorted(self.listed, key=lambda p: (-1 if p.row is None else p.row,
                                                    order.get(p.column, len(order))))
        summary = f"{self.total} problem{'s' if self.total != 1 else ''} found"
        if self.total > len(listed):
            summary += f" (the first {len(listed)} are listed)"
            listed.append(Problem(f"... and {self.total - len(listed)} more problems not "
                                  "listed; fix these and check the file again"))
        return ValidationError(listed, summary=summary)


_ROW_LIST = re.compile(r"(\brows? )(\d+(?:, \d+)*)")


def renumbered(problem: Problem, offset: int) -> Problem:
    """A chunk's problem with its row (and rows named in its text) counted over the file."""
    if not offset:
        return problem
    message = _ROW_LIST.sub(
        lambda m: m.group(1) + ", ".join(str(int(r) + offset) for r in m.group(2).split(", ")),
        problem.message)
    assert problem.row is not None  # file-wide problems are not renumbered
    return dataclasses.replace(problem, row=problem.row + offset, message=message)


def chunk_ids(raw: pd.DataFrame, first_row: int) -> tuple[np.ndarray, np.ndarray]:
    """The patient_ids of a chunk's raw text cells (blank and missing-word cells left
    out) and their data row numbers in the whole file."""
    if "patient_id" not in raw.columns:
        return np.array([], dtype=object), np.array([], dtype=np.int64)
    ids = raw["patient_id"].astype(str).str.strip()
    keep = (ids != "").to_numpy() & ~ids.str.lower().isin(MISSING_WORDS).to_numpy()
    return ids.to_numpy(dtype=object)[keep], np.flatnonzero(keep) + first_row


class PatientIds:
    """Every chunk's patient_ids with their file rows, to find ids repeated across chunks.

    Each chunk's validation reports ids repeated inside it; an id found in two chunks is
    reported here instead, with all its rows, exactly as one whole-file check words it.
    """

    def __init__(self) -> None:
        self.ids: list[np.ndarray] = []
        self.rows: list[np.ndarray] = []
        self.chunks: list[np.ndarray] = []

    def add(self, ids: np.ndarray, rows: np.ndarray) -> None:
        """One chunk's ids and their file rows (:func:`chunk_ids`)."""
        self.ids.append(ids)
        self.rows.append(rows)
        self.chunks.append(np.full(len(ids), len(self.chunks)))

    def settle(self, problems: FileProblems) -> None:
        """Replace the chunks' own reports of ids that also occur in another chunk."""
        if len(self.ids) < 2:
            return
        found = pd.DataFrame({"id": np.concatenate(self.ids), "row": np.concatenate(self.rows),
                              "chunk": np.concatenate(self.chunks)})
        found = found[found["id"].duplicated(keep=False)]
        spread = found.groupby("id")["chunk"].transform("nunique") > 1
        found = found[spread.to_numpy()]
        if found.empty:
            return
        in_chunk = found.groupby(["id", "chunk"])["row"].transform("size") > 1
        reported = set(found["row"][in_chunk.to_numpy()].tolist())
        problems.drop(lambda p: p.row in reported and p.column == "patient_id"
                      and p.message.startswith("patient_id is not unique"), len(reported))
        for patient_id, rows in found.groupby("id", sort=False)["row"]:
            for row in rows.to_numpy():
                others = [r for r in rows.to_numpy() if r != row]
                listed = ", ".join(map(str, others[:5])) + (", ..." if len(others) > 5 else "")
                problems.append(Problem(
                    f"patient_id is not unique (also in row{'s' if len(others) > 1 else ''} "
                    f"{listed})", int(row), "patient_id", patient_id,
                    column("patient_id").allowed()))
