"""``predict --fhir-out``: the Bundle of a scored file, from the validated input and the
predictions CSV just written (so the bundle's numbers are the CSV's).

An input cell left blank is not written as an Observation (a derived grade or a default
cell count is the model's reading, not an entry); every other input is written with its
validated value. A bundle holds every patient's resources at once, so it is for a few
patients, not a registry: at most :data:`MAX_FHIR_PATIENTS`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from risk.errors import RiskError
from risk.fhir.writing import Assessment, ModelIdentity, bundle_bytes, is_blank

MAX_FHIR_PATIENTS = 10_000


def model_identity(store: Any, version: str, synthetic: bool) -> ModelIdentity:
    """A registry version as a RiskAssessment names it (the sha256 of its model.json,
    from the verified manifest)."""
    sha = store.show(version)["manifest"]["files"]["model.json"]
    return ModelIdentity(version, sha, synthetic)


def _entered(raw_row: dict[str, Any], canonical: dict[str, Any]) -> dict[str, object]:
    return {name: value for name, value in canonical.items()
            if not is_blank(str(raw_row.get(name, "") or "").strip()) and not is_blank(value)}


def write_file_bundle(input_path: str | os.PathLike[str], predictions_path: str | os.PathLike[str],
                      out_path: str | os.PathLike[str], model: ModelIdentity,
                      alive_months: float | None = None, sheet: str | None = None) -> int:
    """Write the Bundle of every patient of ``input_path`` (a CSV, or ``sheet`` of a
    workbook; validated as ``predict`` did) with the predictions of ``predictions_path``
    (CSV or workbook); returns the number of patients."""
    from risk.data import read_cells, validate_cohort

    raw = read_cells(input_path, sheet)
    result = validate_cohort(raw, purpose="prediction")
    if result.n_patients > MAX_FHIR_PATIENTS:
        raise RiskError(f"--fhir-out is for at most {MAX_FHIR_PATIENTS:,} patients (a bundle "
                        f"holds them all at once); the file has {result.n_patients:,}: "
                        "split it, or use the CSV output")
    predictions = read_cells(predictions_path)  # text cells: numbers as written (12 digits)
    rows = result.row_numbers if result.row_numbers is not None else range(1, len(raw) + 1)
    assessments = []
    for i, file_row in enumerate(rows):
        summary = predictions.iloc[i].to_dict()
        given = summary.get("alive_months") or alive_months  # the output says, per row
        assessments.append(Assessment(
            _entered(raw.iloc[int(file_row) - 1].to_dict(), result.frame.iloc[i].to_dict()),
            summary, None if given is None or is_blank(given) else float(given)))
    target = Path(out_path)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_bytes(bundle_bytes(assessments, model))
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return len(assessments)
