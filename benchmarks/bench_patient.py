"""One patient on the clinician's page: the server-side work behind a submit.

The reference, measured in the same run, is the served model's own ``predict`` of one
already-validated patient (the least any estimate can cost). Figures: validating the
form values, the whole estimate (validation, both models, the before-the-biopsy
scenarios), building the five figures, and the PDF report without and with the curve
image (kaleido; its first image starts a browser, so the best of three is shown).
Budget: submit to results under 1 s in the browser, of which this is the server's part.
"""

from __future__ import annotations

import time

from risk.data.validation import validate_patient
from risk.model.patient_estimate import estimate_patient
from risk.present.figures import patient as figures
from risk.present.pdf import build_report, figure_png
from risk.registry.store import load

PATIENT = {
    "age": 63.0, "sex": "female", "primary_site": "pancreas", "primary_ki67": 12.0,
    "met_ki67": 25.0, "met_timing": "synchronous", "liver_burden": "25to50", "ecog": 1,
    "sstr_status": "positive", "primary_resected": True, "extrahepatic_mets": False,
    "functional_syndrome": False,
}


def _best(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _all_figures(result) -> list:
    e, b, w = result.estimate, result.before_biopsy, result.without_biopsy
    return [
        figures.survival_curve(e.months, e.survival, e.lower, e.upper),
        figures.icon_array(e.at(60)[0]),
        figures.contributions_chart(e.contributions),
        figures.biopsy_comparison(e.months, (e.survival, e.lower, e.upper),
                                  (w.survival, w.lower, w.upper)),
        figures.before_biopsy(b.months, b.scenarios, b.curves, b.expected),
    ]


def main() -> None:
    loaded = load()
    model = loaded.model
    patient = validate_patient(PATIENT)
    result = estimate_patient(model, PATIENT, model_version=loaded.version)
    curve = _all_figures(result)[0]
    image_ok = figure_png(curve) is not None  # starts kaleido's browser once

    reference = _best(lambda: model.predict(patient))
    rows = [
        ("validate the form values", _best(lambda: validate_patient(PATIENT))),
        ("whole estimate (validate + both models + scenarios)",
         _best(lambda: estimate_patient(model, PATIENT, model_version=loaded.version))),
        ("five figures", _best(lambda: _all_figures(result))),
        ("PDF report, text only", _best(lambda: build_report(result), repeat=3)),
    ]
    if image_ok:
        rows.append(("PDF report with the curve image",
                     _best(lambda: build_report(result, figure=curve), repeat=3)))
    else:
        print("kaleido could not export an image here: the report is text only")
    print(f"model {loaded.version}; reference model.predict(1 patient): "
          f"{1000 * reference:.1f} ms")
    for name, seconds in rows:
        print(f"  {name:<55s} {1000 * seconds:8.1f} ms  ({seconds / reference:6.1f}x)")
