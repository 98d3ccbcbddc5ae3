"""Scoring a cohort file of any size: validate, predict, write a CSV, in chunks.

The file is streamed in chunks of whole records (default 50,000 patients), so memory
stays flat however long the file is; chunks are scored in parallel worker processes when
there is more than one. Every chunk is validated exactly as
:func:`risk.data.validation.load_cohort` validates a file (``purpose="prediction"``: outcome
columns ignored), with row numbers counted over the whole file. The output is written to
a temporary file next to it and renamed into place only when every row was valid, so a
bad file never leaves a partial output behind. The output is the one CSV writer's
(:func:`risk.data.export.to_csv_bytes`): the header once, then each chunk's rows, byte for
byte the file of the whole table written at once.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
import pandas as pd

from risk.data.chunks import (
    FileProblems,
    PatientIds,
    chunk_ids,
    iter_record_chunks,
)
from risk.data.export import MACHINE_DIGITS, XlsxTable, to_csv_bytes, xlsx_rows
from risk.errors import Problem, ValidationError
from risk.model.grade_sensitivity import GRADE_SENSITIVITY_COLUMNS, with_grade_sensitivity
from risk.model.progression import PFS_HORIZONS
from risk.schema import CHUNK_ROWS, HORIZONS_MONTHS

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from risk.data.notes import Note
    from risk.data.sheet import SheetOrigin
    from risk.model.pair import BiopsyRiskModel

__all__ = ["OUTPUT_COLUMNS", "PFS_OUTPUT_COLUMNS", "ScoreSummary", "score_file", "default_jobs", "output_table",
           "output_columns", "scored_table"]

OUTPUT_COLUMNS = (
    "patient_id", "model_version", "model_used",
    *[f"surv_{m}{part}" for m in HORIZONS_MONTHS for part in ("", "_lower", "_upper")],
    "median_os_months", "median_os_lower", "median_os_upper", "risk_group", "flags",
    *GRADE_SENSITIVITY_COLUMNS,
)
#: Progression-free survival, after every OS column, when the model has PFS: always at
#: the biopsy (a known time alive says nothing of progression), 95% interval beside it.
PFS_OUTPUT_COLUMNS = tuple(f"pfs_{m}{part}" for m in PFS_HORIZONS
                           for part in ("", "_lower", "_upper"))
#: At most this many worker processes by default (each holds one chunk: ~0.5 GB).
MAX_DEFAULT_JOBS = 2


def default_jobs() -> int:
    """Worker processes for a file of several chunks: the CPUs, at most 2."""
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_JOBS))


@dataclass
class ScoreSummary:
    """What a scoring run did (counts only: nothing about any one patient)."""

    patients: int = 0
    by_model: dict[str, int] = field(default_factory=dict)
    note_records: tuple[Note, ...] = ()
    ignored_columns: list[str] = field(default_factory=list)

    def add(self, chunk: _Chunk) -> None:
        """A chunk's counts and notes (counts of the same note summed over chunks)."""
        self.patients += chunk.patients
        for used, n in chunk.by_model.items():
            self.by_model[used] = self.by_model.get(used, 0) + n
        from risk.data.notes import add_notes

        self.note_records = add_notes(self.note_records, chunk.notes)
        self.ignored_columns += [c for c in chunk.ignored if c not in self.ignored_columns]

    @property
    def notes(self) -> list[str]:
        return [str(note) for note in self.note_records]


@dataclass
class _Chunk:
    """One chunk's outcome, as a worker returns it (plain data: it crosses processes)."""

    first_row: int
    ids: np.ndarray
    rows: np.ndarray
    summary: str = ""  # a ValidationError's summary, "" when the chunk is valid
    problems: list[Problem] = field(default_factory=list)
    csv: bytes = b""  # the rows as CSV, or as sheet XML for an Excel output
    #: The csv has the alive_months column (:func:`output_columns`).
    conditional: bool = False
    #: The csv has the PFS columns.
    pfs: bool = False
    patients: int = 0
    by_model: dict[str, int] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()
    ignored: list[str] = field(default_factory=list)


def output_columns(conditional: bool = False, pfs: bool = False) -> list[str]:
    """:data:`OUTPUT_COLUMNS`, with ``alive_months`` after ``model_used`` when some
    estimates are conditional on time survived (``--alive-months`` or the input's column),
    and :data:`PFS_OUTPUT_COLUMNS` at the end when the model has PFS."""
    columns = list(OUTPUT_COLUMNS)
    if conditional:
        columns.insert(columns.index("model_used") + 1, "alive_months")
    return columns + (list(PFS_OUTPUT_COLUMNS) if pfs else [])


def output_table(predictions_table: pd.DataFrame, version: str,
                 alive_months: NDArray[np.float64] | None = None,
                 conditional: bool = False, pfs_table: pd.DataFrame | None = None
                 ) -> pd.DataFrame:
    """The output columns, in order, for one chunk's predictions (``alive_months``: what
    each estimate is conditional on, blank = at the biopsy; ``pfs_table``: the PFS
    predictions' table, at the biopsy, or None)."""
    table = predictions_table.assign(model_version=version)
    if conditional:
        table = table.assign(alive_months=np.nan if alive_months is None else alive_months)
    if pfs_table is not None:
        table = table.assign(**{f"pfs_{m}{part}": pfs_table[f"surv_{m}{part}"].to_numpy()
                                for m in PFS_HORIZONS
                                for part in ("", "_lower", "_upper")})
    return table.loc[:, output_columns(conditional, pfs_table is not None)]


def scored_table(model: BiopsyRiskModel, version: str, frame: pd.DataFrame,
                 alive: NDArray[np.float64] | None, conditional: bool) -> pd.DataFrame:
    """The output columns for a validated frame (``alive``: months known alive per
    patient, NaN = at the biopsy, or None): what ``predict`` writes and a version's
    reference test pack expects (:mod:`risk.model.testpack`)."""
    predictions = model.predict(frame) if alive is None else \
        model.predict(frame, alive_months=alive)
    pfs_model = getattr(model, "pfs_model", None)
    pfs = None if pfs_model is None else pfs_model.predict_horizons(frame, PFS_HORIZONS)
    table = with_grade_sensitivity(model, frame, predictions.table, alive)
    return output_table(table, version, alive, conditional, pfs)


def file_alive_months(frame: pd.DataFrame, default: float | None
                      ) -> NDArray[np.float64] | None:
    """Per patient: the file's ``alive_months``, else ``default`` (``--alive-months``);
    None when neither says anything (every estimate at the biopsy)."""
    n = len(frame)
    given = frame["alive_months"].to_numpy(dtype=float) if "alive_months" in frame \
        else np.full(n, np.nan)
    if default is not None:
        given = np.where(np.isnan(given), float(default), given)
    return None if np.isnan(given).all() else given


def _beyond_limit(model: BiopsyRiskModel, alive: np.ndarray, row_numbers: np.ndarray
                  ) -> list[Problem]:
    """A problem at each row whose months alive pass the model's last training death."""
    limit = model.alive_limit_months
    beyond = np.flatnonzero(alive >= limit)
    return [Problem("beyond the training cohort's last death: the model cannot estimate "
                    "survival given that long survived", row=int(row_numbers[i]),
                    column="alive_months", value=f"{alive[i]:g}",
                    allowed=f"0 to below {limit:g} months, or blank (at the biopsy)")
            for i in beyond]


# The model a process scores with: set once per process (worker initializer or caller).
_SCORER: dict[str, Any] = {}


def _set_scorer(model: BiopsyRiskModel | None, version: str,
                params: dict[str, Any] | None = None,
                alive_months: float | None = None, excel: bool = False) -> None:
    if params is not None:  # a worker: rebuild from plain parameters, one BLAS thread
        from threadpoolctl import threadpool_limits

        from risk.model import BiopsyRiskModel

        threadpool_limits(1)
        model = BiopsyRiskModel.from_dict(params)
    _SCORER.update(model=model, version=version, alive=alive_months, excel=excel)


def _score_chunk(first_row: int, chunk: bytes | pd.DataFrame) -> _Chunk:
    """Read (CSV bytes; a workbook's rows come as text cells), validate and (when valid)
    score one chunk."""
    from risk.data.reading import read_cells
    from risk.data.validation import validate_cohort

    empty = np.array([], dtype=object), np.array([], dtype=np.int64)
    try:
        raw = chunk if isinstance(chunk, pd.DataFrame) else read_cells(chunk)
    except ValidationError as exc:
        return _Chunk(first_row, *empty, summary=exc.summary, problems=exc.problems)
    ids, rows = chunk_ids(raw, first_row)
    try:
        result = validate_cohort(raw, purpose="prediction")
    except ValidationError as exc:
        return _Chunk(first_row, ids, rows, summary=exc.summary, problems=exc.problems)
    del raw
    model, frame = _SCORER["model"], result.frame
    alive = file_alive_months(frame, _SCORER.get("alive"))
    conditional = _SCORER.get("alive") is not None or "alive_months" in frame
    if alive is not None:
        beyond = _beyond_limit(model, alive, result.row_numbers)
        if beyond:
            return _Chunk(first_row, ids, rows, summary=f"{len(beyond)} problem(s) found",
                          problems=beyond)
    table = scored_table(model, _SCORER["version"], frame, alive, conditional)
    counts = table["model_used"].value_counts()
    cells = (xlsx_rows(table, digits=MACHINE_DIGITS) if _SCORER.get("excel") else
             to_csv_bytes(table, header=False, digits=MACHINE_DIGITS))
    return _Chunk(first_row, ids, rows, csv=cells,
                  conditional=conditional, pfs=getattr(model, "pfs_model", None) is not None,
                  patients=result.n_patients,
                  by_model={str(k): int(v) for k, v in counts.items()},
                  notes=result.note_records, ignored=list(result.ignored_columns))


def _scored(chunks: Iterable[tuple[int, bytes | pd.DataFrame]], model: BiopsyRiskModel,
            version: str,
            jobs: int, alive_months: float | None = None, excel: bool = False
            ) -> Iterator[_Chunk]:
    """Each chunk's outcome, in file order; in ``jobs`` processes when there is more
    than one chunk (at most ``jobs + 1`` chunks in flight, so memory stays bounded)."""
    chunks = iter(chunks)
    first = next(chunks, None)
    second = next(chunks, None) if first is not None else None
    if jobs <= 1 or second is None:
        _set_scorer(model, version, alive_months=alive_months, excel=excel)
        for item in (first, second, *chunks):
            if item is not None:
                yield _score_chunk(*item)
        return
    assert first is not None  # there is a second chunk, so a first
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    # Forked workers keep sharing the imported modules' pages: the collector of a worker
    # does not walk (and so copy) the objects frozen here. Unfrozen once the pool is done.
    gc.freeze()
    try:
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_set_scorer,
                                 initargs=(None, version, model.to_dict(), alive_months, excel)
                                 ) as pool:
            pending: deque[Future[_Chunk]] = deque()
            for item in (first, second, *chunks):
                pending.append(pool.submit(_score_chunk, *item))
                if len(pending) > jobs:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    finally:
        gc.unfreeze()


def score_file(model: BiopsyRiskModel, version: str, input_path: str | os.PathLike[str],
               output_path: str | os.PathLike[str],
               chunk_rows: int = CHUNK_ROWS, jobs: int | None = None,
               alive_months: float | None = None, sheet: str | None = None) -> ScoreSummary:
    """Validate and score ``input_path`` with a fitted model; write ``output_path``.

    Parameters
    ----------
    model : risk.model.BiopsyRiskModel
        A fitted model (e.g. ``Registry().load().model``).
    version : str
        Written in the ``model_version`` column.
    input_path, output_path : path
        A cohort CSV or Excel workbook (outcome columns ignored) and where to write one
        row per patient, in the input's order, with the columns :data:`OUTPUT_COLUMNS`:
        a CSV, or an Excel workbook when its name ends in ``.xlsx``.
    chunk_rows : int
        Patients per chunk.
    jobs : int, optional
        Worker processes (default :func:`default_jobs`; 1 scores in this process).
    alive_months : float, optional
        Every estimate conditional on being alive this many months after the biopsy,
        for the patients whose own ``alive_months`` cell is blank.
    sheet : str, optional
        The workbook's sheet to read (default: its first worksheet).

    Raises
    ------
    risk.errors.ValidationError
        Every problem of the input (nothing is written then); a workbook's problems name
        the sheet, its row and the column's letter.
    """
    output_path = Path(output_path)
    excel = output_path.suffix.lower() == ".xlsx"
    tmp = output_path.with_name(f".{output_path.name}.tmp-{uuid.uuid4().hex}")
    problems, summary, patient_ids = FileProblems(), ScoreSummary(), PatientIds()
    chunks, origin, headers = _input_chunks(input_path, chunk_rows, sheet)
    if origin is not None:
        summary.note_records = origin.notes
    try:
        with open(tmp, "wb") as out:
            writer = _Writer(out, excel, version)
            for chunk in _scored(chunks, model, version, jobs or default_jobs(),
                                 alive_months, excel):
                patient_ids.add(chunk.ids, chunk.rows)
                if chunk.summary:
                    problems.add(chunk.summary, chunk.problems, chunk.first_row)
                elif not problems.total:  # after a problem: validate on, write no more
                    writer.chunk(chunk)
                    summary.add(chunk)
            writer.close(alive_months is not None,
                         getattr(model, "pfs_model", None) is not None)
        patient_ids.settle(problems)
        if problems.total:
            error = problems.error()
            if origin is None:
                raise error
            raise ValidationError(origin.locate(error.problems, headers),
                                  summary=error.summary)
        os.replace(tmp, output_path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return summary


def _input_chunks(input_path: str | os.PathLike[str], chunk_rows: int, sheet: str | None
                  ) -> tuple[Iterator[tuple[int, bytes | pd.DataFrame]], SheetOrigin | None,
                             list[str]]:
    """The input's chunks; for a workbook also its sheet (for messages) and header."""
    from risk.data.reading import is_workbook, read_cells
    from risk.data.sheet import origin_of

    with open(input_path, "rb") as handle:
        workbook = is_workbook(handle.read(4))
    if not workbook:
        if sheet is not None:
            read_cells(b"x", sheet)  # the reader's own refusal: a CSV has no sheets
        return iter_record_chunks(input_path, rows=chunk_rows), None, []
    cells = read_cells(input_path, sheet)  # a workbook is read whole (at most 50 MB)
    origin, headers = origin_of(cells), [str(c) for c in cells.columns]

    def pieces() -> Iterator[tuple[int, pd.DataFrame]]:
        for start in range(0, max(len(cells), 1), chunk_rows):
            piece = cells.iloc[start:start + chunk_rows].reset_index(drop=True)
            piece.attrs = {}  # numbered over the file, then told as Excel at the end
            yield start + 1, piece

    return pieces(), origin, headers


class _Writer:
    """The output file, CSV or Excel: the header with the first valid chunk."""

    def __init__(self, out: BinaryIO, excel: bool, version: str) -> None:
        self.out, self.started = out, False
        self.excel = XlsxTable(out, sheet=f"Predictions {version}") if excel else None

    def _header(self, conditional: bool, pfs: bool) -> None:
        frame = _header_only(conditional, pfs)
        if self.excel is not None:
            self.excel.header(list(frame.columns))
        else:
            self.out.write(to_csv_bytes(frame))
        self.started = True

    def chunk(self, chunk: _Chunk) -> None:
        if not self.started:  # the first valid chunk knows the columns
            self._header(chunk.conditional, chunk.pfs)
        if self.excel is not None:
            self.excel.rows(chunk.csv)
        else:
            self.out.write(chunk.csv)

    def close(self, conditional: bool, pfs: bool) -> None:
        if not self.started:
            self._header(conditional, pfs)
        if self.excel is not None:
            self.excel.close()


def _header_only(conditional: bool = False, pfs: bool = False) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(columns=output_columns(conditional, pfs))
