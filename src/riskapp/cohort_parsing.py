"""A cohort file read and validated; a large file by a worker process at a lower priority.

Validating a 100,000-patient file takes about 1.5 s of pandas and pure-Python work, most
of it holding the GIL: in the server's process that time is taken from every other
session's script run, so a clinician's estimate on the Patient page waited behind each
upload. A file of more than :data:`OFFLOAD_BYTES` is therefore read by a worker process
(``python -m riskapp.cohort_parsing``, niced by :data:`NICENESS`, at most :data:`WORKERS`
of them, each kept for the next file), so that the server and its sessions keep the CPU;
the script thread waits on a pipe, without the GIL. The worker reads and validates the
bytes exactly as :func:`parse_cohort` does in the server (the same function, in the
session's language) and sends back the :class:`LoadedCohort`: its problems and notes as
JSON, the validated frame as an Arrow stream, the file's bytes as they are (through pipes,
never to disk, and nothing unpickled: a file's cells are data in every message). Should a
worker fail to start or die, the file is read in the server's process, as before.

A process of its own rather than ``multiprocessing``: Streamlit makes the page script
(``app.py``) the server's ``__main__``, which a spawned child would run again. This
module imports no Streamlit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import queue
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import IO, Any

import pandas as pd

from risk.data import Note, RedcapPreset, apply_preset, load_cohort, read_cells, validate_cohort
from risk.errors import Problem, ValidationError
from risk.i18n import use_language
from risk.stats import has_pfs

_log = logging.getLogger(__name__)

#: Files larger than this are read by the worker (a 1,000-patient CSV is about 120 kB:
#: read in the script thread in tens of ms, sooner than a process answers).
OFFLOAD_BYTES = 1 * 2**20
#: How much lower the worker's priority is than the server's (``os.nice``).
NICENESS = 10
#: Files read at once by workers; more wait in line.
WORKERS = 2


@dataclass(frozen=True)
class LoadedCohort:
    """A validated cohort (``frame``), or the problems that stopped it (``problems``)."""

    digest: str
    frame: pd.DataFrame | None
    summary: str = ""
    problems: tuple[Problem, ...] = ()
    note_records: tuple[Note, ...] = ()  # worded where shown, under the small-cell rule
    ignored_columns: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.frame is not None

    @property
    def has_outcomes(self) -> bool:
        return self.ok and bool(self.frame["death"].notna().any())

    @property
    def has_pfs(self) -> bool:
        """Some patient has progression-free survival recorded."""
        return self.ok and has_pfs(self.frame)

    @property
    def has_complications(self) -> bool:
        return self.ok and bool(self.frame["biopsy_complication"].notna().any())


def parse_cohort(data: bytes, digest: str, sheet: str | None = None,
                 preset: RedcapPreset | None = None) -> LoadedCohort:
    """Read and validate a cohort file, CSV or a workbook's ``sheet``, a REDCap export
    through its ``preset`` (the command line's rules and messages); ``digest`` names it
    (:attr:`riskapp.cohort_data.CohortSource.key`)."""
    try:
        if preset is None:
            result = load_cohort(data, purpose="cohort", sheet=sheet)
        else:
            result = validate_cohort(apply_preset(read_cells(data, sheet), preset), "cohort")
    except ValidationError as exc:
        return LoadedCohort(digest, None, exc.summary, tuple(exc.problems))
    return LoadedCohort(digest, result.frame, note_records=result.note_records,
                        ignored_columns=tuple(result.ignored_columns))


def read_cohort_file(data: bytes, digest: str, sheet: str | None, preset: RedcapPreset | None,
                language: str) -> LoadedCohort:
    """:func:`parse_cohort` in ``language``: by a worker for a large file, else here (the
    script thread's language is the session's already)."""
    if len(data) <= OFFLOAD_BYTES:
        return parse_cohort(data, digest, sheet, preset)
    try:
        worker = _take()
    except OSError as exc:
        return _here(exc, data, digest, sheet, preset)
    try:
        loaded = worker.call(data, digest, sheet, preset, language)
    except (OSError, EOFError, ValueError, WorkerError) as exc:
        worker.close()
        _lost()
        return _here(exc, data, digest, sheet, preset)
    _IDLE.put(worker)
    return loaded


def warm_worker() -> None:
    """Start a worker (its imports done at a lower priority) ahead of a first large
    upload; once per process."""
    global _WARMED
    with _LOCK:
        if _WARMED:
            return
        _WARMED = True
    with contextlib.suppress(OSError):
        _IDLE.put(_start())


class WorkerError(RuntimeError):
    """The worker could not read the file (it says why), or sent something else."""


def _here(exc: BaseException, data: bytes, digest: str, sheet: str | None,
          preset: RedcapPreset | None) -> LoadedCohort:
    # the log names the failure only: never a cell of the file
    _log.warning("cohort worker unavailable (%s): file read in the server",
                 type(exc).__name__)
    return parse_cohort(data, digest, sheet, preset)


_HEADER = struct.Struct("!QQ")  # each message: the lengths of its JSON and its blob


def _send(stream: IO[bytes], value: dict[str, Any], blob: bytes = b"") -> None:
    text = json.dumps(value, default=_plain, allow_nan=True).encode("utf-8")
    stream.write(_HEADER.pack(len(text), len(blob)))
    stream.write(text)
    stream.write(blob)
    stream.flush()


def _receive(stream: IO[bytes]) -> tuple[dict[str, Any], bytes]:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the worker closed its pipe")
    sizes = _HEADER.unpack(header)
    text, blob = (stream.read(size) for size in sizes)
    if (len(text), len(blob)) != sizes:
        raise EOFError("the worker closed its pipe")
    return json.loads(text), blob


def _plain(value: Any) -> Any:
    """A value JSON has no type for: a numpy scalar as its Python value, else its text."""
    return value.item() if hasattr(value, "item") else str(value)


def _tuples(value: Any) -> Any:
    """JSON's lists back to the tuples the dataclasses hold."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def _record(cls: type, fields: dict[str, Any]) -> Any:
    """A dataclass from its JSON fields (a problem's value kept as JSON read it)."""
    return cls(**{k: v if k == "value" else _tuples(v) for k, v in fields.items()})


def _frame_bytes(frame: pd.DataFrame) -> bytes:
    import pyarrow as pa

    table = pa.Table.from_pandas(frame)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _frame_of(blob: bytes) -> pd.DataFrame:
    import pyarrow as pa

    return pa.ipc.open_stream(blob).read_all().to_pandas()


def _reply(loaded: LoadedCohort) -> tuple[dict[str, Any], bytes]:
    fields = {"digest": loaded.digest, "summary": loaded.summary,
              "problems": [dataclasses.asdict(p) for p in loaded.problems],
              "note_records": [dataclasses.asdict(n) for n in loaded.note_records],
              "ignored_columns": list(loaded.ignored_columns), "ok": loaded.ok}
    return fields, b"" if loaded.frame is None else _frame_bytes(loaded.frame)


def _loaded(fields: dict[str, Any], blob: bytes) -> LoadedCohort:
    return LoadedCohort(
        fields["digest"], _frame_of(blob) if fields["ok"] else None, fields["summary"],
        tuple(_record(Problem, p) for p in fields["problems"]),
        tuple(_record(Note, n) for n in fields["note_records"]),
        tuple(fields["ignored_columns"]))


#: The worker's program: niced before its imports (pandas, the reader), then served.
_WORKER_CODE = (f"import os; os.nice({NICENESS}); "
                f"from {__name__} import _serve; _serve()")


class _Worker:
    """One worker process and its pipes; used by one file at a time."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _WORKER_CODE], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, close_fds=True)

    def call(self, data: bytes, digest: str, sheet: str | None, preset: RedcapPreset | None,
             language: str) -> LoadedCohort:
        assert self.process.stdin is not None and self.process.stdout is not None
        _send(self.process.stdin, {"digest": digest, "sheet": sheet, "language": language,
                                   "preset": None if preset is None else
                                   dataclasses.asdict(preset)}, data)
        fields, blob = _receive(self.process.stdout)
        if "error" in fields:
            raise WorkerError(str(fields["error"]))
        return _loaded(fields, blob)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self.process.wait(timeout=5)


_IDLE: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
_LOCK = threading.Lock()
_STARTED = 0  # workers alive (idle or reading)
_WARMED = False


def _start() -> _Worker:
    global _STARTED
    with _LOCK:
        _STARTED += 1
    try:
        return _Worker()
    except OSError:
        _lost()
        raise


def _lost() -> None:
    global _STARTED
    with _LOCK:
        _STARTED -= 1


def _take() -> _Worker:
    """An idle worker, a new one while fewer than :data:`WORKERS` run, else the next one
    to finish."""
    with contextlib.suppress(queue.Empty):
        return _IDLE.get_nowait()
    with _LOCK:
        room = _STARTED < WORKERS
    return _start() if room else _IDLE.get()


def _serve() -> None:
    """The worker's loop (:data:`_WORKER_CODE`): the reader's imports, then one file per
    request until the server closes the pipe."""
    import risk.data.validation  # noqa: F401  (before the first file: it waits less)

    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print cannot break a reply
    while True:
        try:
            request, data = _receive(requests)
        except EOFError:
            return
        loaded = None
        try:
            use_language(request["language"])  # the problems and notes in its words
            preset = request["preset"]
            loaded = parse_cohort(data, request["digest"], request["sheet"],
                                  None if preset is None else _record(RedcapPreset, preset))
            reply, blob = _reply(loaded)
        except Exception as exc:  # noqa: BLE001 - said to the server, which reads it itself
            reply, blob = {"error": type(exc).__name__}, b""
        _send(replies, reply, blob)
        loaded = None  # an idle worker keeps no cohort in memory
        del reply, blob, data
