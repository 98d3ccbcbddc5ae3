"""FHIR R4: survival estimates written as a Bundle (Patient, Observations, RiskAssessment) and a Bundle of a patient's Observations read into the Patient page's form.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from risk._lazy import lazy_api

# isort: off
if TYPE_CHECKING:  # the names' types for mypy; at run time each is imported on first use
    from risk.fhir.batch import (
        MAX_FHIR_PATIENTS as MAX_FHIR_PATIENTS,
        model_identity as model_identity,
        write_file_bundle as write_file_bundle,
    )
    from risk.fhir.reading import (
        BundlePatient as BundlePatient,
        BundleReading as BundleReading,
        ReadValue as ReadValue,
        read_bundle as read_bundle,
    )
    from risk.fhir.writing import (
        Assessment as Assessment,
        ModelIdentity as ModelIdentity,
        assessment_of as assessment_of,
        bundle_bytes as bundle_bytes,
        risk_bundle as risk_bundle,
    )
# isort: on

#: public name -> the module of this package that defines it
_WHERE = {
    "MAX_FHIR_PATIENTS": "batch",
    "model_identity": "batch",
    "write_file_bundle": "batch",
    "BundlePatient": "reading",
    "BundleReading": "reading",
    "ReadValue": "reading",
    "read_bundle": "reading",
    "Assessment": "writing",
    "ModelIdentity": "writing",
    "assessment_of": "writing",
    "bundle_bytes": "writing",
    "risk_bundle": "writing",
}
__all__, __getattr__, __dir__ = lazy_api(__name__, _WHERE)
