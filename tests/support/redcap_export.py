"""A REDCap project of the cohort, as REDCap writes it: the data dictionary CSV and a
"raw" data export (field names, choice codes), made from the shipped cohort by hand-written
tables (not by the code under test)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

DICTIONARY_HEADER = [
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note",
    "Text Validation Type OR Show Slider Number", "Text Validation Min",
    "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
    "Required Field?", "Custom Alignment", "Question Number (surveys only)",
    "Matrix Group Name", "Matrix Ranking?", "Field Annotation"]

# (field, form, type, label, choices, validation) and the cohort column it holds, with
# our code -> REDCap's code for the coded fields.
FIELDS = [
    ("record_id", "baseline", "text", "Record ID", "", "", "patient_id", None),
    ("age_biopsy", "baseline", "text", "Age at liver biopsy (years)", "", "number", "age",
     None),
    ("gender", "baseline", "radio", "Sex", "1, Female | 2, Male", "", "sex",
     {"female": "1", "male": "2"}),
    ("site_primary", "baseline", "dropdown", "Primary tumour site",
     "1, Pancreas | 2, Small intestine (ileum/jejunum) | 3, Rectum | 4, Colon | "
     "5, Stomach | 6, Appendix | 99, Unknown primary", "", "primary_site",
     {"pancreas": "1", "small_intestine": "2", "rectum": "3", "colon": "4", "stomach": "5",
      "appendix": "6", "unknown": "99"}),
    ("ki67_primary", "pathology", "text", "Ki-67 index of the primary (%)", "", "number",
     "primary_ki67", None),
    ("mitoses_primary", "pathology", "text", "Mitoses per 2 mm2, primary", "", "number",
     "primary_mitoses", None),
    ("who_grade_primary", "pathology", "radio", "WHO grade of the primary",
     "1, G1 | 2, G2 | 3, G3", "", "primary_grade", {"G1": "1", "G2": "2", "G3": "3"}),
    ("ki67_liver", "pathology", "text", "Ki-67 index, liver biopsy (%)", "", "number",
     "met_ki67", None),
    ("mitoses_liver", "pathology", "text", "Mitoses per 2 mm2, liver biopsy", "", "number",
     "met_mitoses", None),
    ("who_grade_liver", "pathology", "radio", "WHO grade, liver biopsy",
     "1, G1 | 2, G2 | 3, G3", "", "met_grade", {"G1": "1", "G2": "2", "G3": "3"}),
    ("differentiation", "pathology", "radio", "Differentiation",
     "1, Well differentiated | 2, Poorly differentiated", "", "differentiation",
     {"well": "1", "poor": "2"}),
    ("mets_timing", "baseline", "radio", "Timing of liver metastases",
     "1, Synchronous | 2, Metachronous", "", "met_timing",
     {"synchronous": "1", "metachronous": "2"}),
    ("liver_tumour_burden", "baseline", "radio", "Liver tumour burden",
     "1, <25% | 2, 25-50% | 3, >50%", "", "liver_burden",
     {"lt25": "1", "25to50": "2", "gt50": "3"}),
    ("extrahepatic_mets", "baseline", "yesno", "Extrahepatic metastases", "", "",
     "extrahepatic_mets", None),
    ("primary_resected", "baseline", "yesno", "Primary resected", "", "",
     "primary_resected", None),
    ("functional_syndrome", "baseline", "yesno", "Functional syndrome", "", "",
     "functional_syndrome", None),
    ("ecog_ps", "baseline", "dropdown", "ECOG performance status",
     "0, 0 Fully active | 1, 1 Restricted | 2, 2 Ambulatory | 3, 3 Limited self-care | "
     "4, 4 Disabled", "", "ecog", None),
    ("sstr_imaging", "baseline", "radio", "SSTR imaging (Ga-68 DOTATATE PET)",
     "1, Positive | 2, Negative | 9, Unknown / not done", "", "sstr_status",
     {"positive": "1", "negative": "2", "unknown": "9"}),
    ("biopsy_compl", "pathology", "radio", "Biopsy complication",
     "0, None | 1, Minor | 2, Major", "", "biopsy_complication",
     {"none": "0", "minor": "1", "major": "2"}),
    ("os_months", "follow_up", "text", "Overall survival (months)", "", "number",
     "os_months", None),
    ("death", "follow_up", "yesno", "Death", "", "", "death", None),
]


def dictionary_csv(identifier_field: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DICTIONARY_HEADER)
    for name, form, kind, label, choices, validation, _, _ in FIELDS:
        writer.writerow([name, form, "", kind, label, choices, "", validation, "", "", "",
                         "", "", "", "", "", "", ""])
    if identifier_field:
        writer.writerow(["pt_initials", "baseline", "", "text", "Initials", "", "", "", "",
                         "", "y", "", "", "", "", "", "", ""])
    # (REDCap adds <form>_complete columns to an export, not to the dictionary)
    return out.getvalue().encode("utf-8")


def raw_export(cohort_csv: Path, n: int | None = None, initials: bool = False) -> bytes:
    """The cohort as REDCap's raw export: field names, choice codes, *_complete columns."""
    rows = list(csv.DictReader(io.StringIO(Path(cohort_csv).read_text(encoding="utf-8"))))
    rows = rows[:n] if n else rows
    header = [f[0] for f in FIELDS] + (["pt_initials"] if initials else []) + \
        ["baseline_complete", "pathology_complete", "follow_up_complete"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        cells = []
        for _, _, _, _, _, _, ours, codes in FIELDS:
            value = row[ours]
            cells.append(codes[value] if codes and value else value)
        writer.writerow(cells + (["AB"] if initials else []) + ["2", "2", "2"])
    return out.getvalue().encode("utf-8")
