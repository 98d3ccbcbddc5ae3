"""The TRIPOD+AI reporting checklist (Collins et al., BMJ 2024;385:e078378) and the
PROBAST+AI assessment (Moons et al., BMJ 2025;388:e082505) filled in for a model version:
for each item, where it is addressed (page, file, section) or, honestly, that it is not.

The items are held here once, as data: the item's number and a short title in our words
(the papers' full wording is theirs: read them for it), the status, and where. The Model
page shows both checklists and offers them as Markdown; a test checks that every item of
both is present. A few answers read the version's card (counts, whether a validation is
stored, whether the data are synthetic).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from risk.registry.card import ModelCard

ADDRESSED, PARTLY, NOT_ADDRESSED, NOT_APPLICABLE = (
    "addressed", "partly addressed", "not addressed", "not applicable")
TRIPOD_CITATION = ("Collins GS, Moons KGM, Dhiman P, et al. TRIPOD+AI statement: updated "
                   "guidance for reporting clinical prediction models that use regression or "
                   "machine learning methods. BMJ 2024;385:e078378.")
PROBAST_CITATION = ("Moons KGM, Damen JAA, Kaul T, et al. PROBAST+AI: an updated quality, "
                    "risk of bias, and applicability assessment tool for prediction models "
                    "using regression or artificial intelligence methods. BMJ 2025;388:e082505.")
_CARD = "Model page, Model card tab; models/<version>/card.json"
_REPORT = "Model page, Validation tab; python -m risk evaluate (report.html)"
_DATA = "data/synthetic/README.md (the generator's cited parameters)"


@dataclass(frozen=True)
class ChecklistItem:
    """One item: its number (``12c``), section, title in our words, status and where."""

    number: str
    section: str
    title: str
    status: str
    where: str


def _tripod(synthetic: bool, validated: bool, counts: str) -> tuple[ChecklistItem, ...]:
    data = "synthetic cohort: no real accrual dates, centres or treatments" if synthetic \
        else "the training cohort supplied with the version"
    v = ADDRESSED if validated else NOT_ADDRESSED
    rows = [
        ("1", "Title", "Identify the study as developing or evaluating a prediction model",
         ADDRESSED, "README title and 'What it is for'"),
        ("2", "Abstract", "Structured summary", PARTLY, "README opening; Model Facts summary"),
        ("3a", "Introduction", "Healthcare context and rationale, existing models", ADDRESSED,
         "README 'What it is for'; docs/literature.md"),
        ("3b", "Introduction", "Target population and intended users, place in care",
         ADDRESSED, f"{_CARD} (intended use); README 'Clinicians', 'Tumor boards'"),
        ("3c", "Introduction", "Known health inequalities between groups", NOT_ADDRESSED,
         "not discussed"),
        ("4", "Objectives", "Objectives: development, evaluation or both", ADDRESSED,
         "README 'What it is for' (development with internal validation)"),
        ("5a", "Data", "Sources of the data and their representativeness", PARTLY,
         f"{_DATA}; {data}"),
        ("5b", "Data", "Dates of accrual and end of follow-up", NOT_APPLICABLE if synthetic
         else NOT_ADDRESSED, data),
        ("6a", "Participants", "Setting, number and location of centres", PARTLY,
         f"{_DATA}; multi-centre validation tab for other centres"),
        ("6b", "Participants", "Eligibility criteria", ADDRESSED,
         "data dictionary (data/synthetic/README.md); intended use"),
        ("6c", "Participants", "Treatments received", NOT_ADDRESSED, "not recorded in the schema"),
        ("7", "Data preparation", "Data preparation and quality checks", ADDRESSED,
         "risk.data.validation (every problem at once); README 'Privacy and safety'"),
        ("8a", "Outcome", "Outcome and how it was assessed", ADDRESSED,
         "data dictionary: os_months, death (overall survival from the biopsy)"),
        ("8b", "Outcome", "Qualifications of outcome assessors", NOT_APPLICABLE,
         "death from any cause"),
        ("8c", "Outcome", "Blinding of outcome assessment", NOT_APPLICABLE,
         "death from any cause"),
        ("9a", "Predictors", "Choice of predictors", ADDRESSED,
         "data dictionary; README 'How the model ... are computed'"),
        ("9b", "Predictors", "Definition and measurement of predictors", ADDRESSED,
         "data dictionary (WHO 2019 grading, Ki-67, mitoses)"),
        ("9c", "Predictors", "Qualifications of predictor assessors, blinding", NOT_ADDRESSED,
         "pathologists' assessment not described"),
        ("10", "Sample size", "How the study size was arrived at", PARTLY,
         f"{counts}; no formal sample-size calculation"),
        ("11", "Missing data", "Handling of missing data", ADDRESSED,
         "derived grades, 'not assessed' levels, primary-only model (README, data dictionary)"),
        ("12a", "Analysis", "How the data were used (development, evaluation)", ADDRESSED,
         f"{_REPORT} (bootstrap optimism correction)"),
        ("12b", "Analysis", "How predictors were handled", ADDRESSED,
         "risk.model.features; Model card tab (methods)"),
        ("12c", "Analysis", "Model type, building, tuning, internal validation", ADDRESSED,
         f"{_CARD} (methods, settings)"),
        ("12d", "Analysis", "Heterogeneity between clusters or centres", PARTLY,
         "Multi-centre validation tab (random-effects pooling)"),
        ("12e", "Analysis", "Performance measures and their rationale", ADDRESSED, _REPORT),
        ("12f", "Analysis", "Model updating", ADDRESSED,
         "python -m risk recalibrate; Retrain page"),
        ("12g", "Analysis", "How predictions are calculated in evaluation", ADDRESSED,
         "README 'How the model and its 95% intervals are computed'"),
        ("13", "Class imbalance", "Methods for class imbalance", NOT_APPLICABLE,
         "survival model: no resampling or reweighting"),
        ("14", "Fairness", "Approaches to fairness", PARTLY,
         "subgroup performance in report.html (Subgroups)"),
        ("15", "Model output", "Output of the model and any thresholds", ADDRESSED,
         "Patient page; risk groups are tertiles (Model card tab, limitations)"),
        ("16", "Training versus evaluation", "Differences between development and evaluation "
         "data", ADDRESSED if validated else NOT_ADDRESSED,
         "Validation tab: measured on (internal validation)"),
        ("17", "Ethical approval", "Ethics approval and consent", NOT_APPLICABLE if synthetic
         else NOT_ADDRESSED, "no real patients (synthetic data)" if synthetic else "not stated"),
        ("18a", "Open science", "Funding", NOT_ADDRESSED, "not stated"),
        ("18b", "Open science", "Conflicts of interest", NOT_ADDRESSED, "not stated"),
        ("18c", "Open science", "Protocol", NOT_ADDRESSED, "no protocol"),
        ("18d", "Open science", "Registration", NOT_ADDRESSED, "not registered"),
        ("18e", "Open science", "Data sharing", ADDRESSED,
         "data/synthetic/cohort.csv and its generator ship with the code"),
        ("18f", "Open science", "Code sharing", ADDRESSED, "this repository (src/risk)"),
        ("19", "Patient and public involvement", "Patient and public involvement",
         NOT_ADDRESSED, "none"),
        ("20a", "Participants", "Flow of participants, with outcome counts", PARTLY, counts),
        ("20b", "Participants", "Characteristics of participants", ADDRESSED,
         "Cohort page, Table 1"),
        ("20c", "Participants", "Comparison of development and evaluation data",
         NOT_APPLICABLE if not validated else PARTLY, "Retrain page: comparison on your data"),
        ("21", "Model development", "Participants and events in each analysis", ADDRESSED,
         counts),
        ("22", "Model specification", "Full model, so others can use it", ADDRESSED,
         "Model page, Hazard ratios and Baseline survival tabs; models/<version>/model.json"),
        ("23a", "Model performance", "Performance with confidence intervals, subgroups", v,
         _REPORT),
        ("23b", "Model performance", "Heterogeneity of performance across clusters", PARTLY,
         "Multi-centre validation tab"),
        ("24", "Model updating", "Results of any model updating", PARTLY,
         "Version history tab; a recalibrated card's observed vs predicted"),
        ("25", "Interpretation", "Overall interpretation, including fairness", PARTLY,
         "Model Facts label; Validation tab context"),
        ("26", "Limitations", "Limitations (non-representative data, sample size...)",
         ADDRESSED, "Model card tab, limitations; Model Facts, warnings"),
        ("27a", "Usability", "Handling of poor-quality or missing input data", ADDRESSED,
         "Patient page messages at each field; grade near a cut-off box"),
        ("27b", "Usability", "User interaction and expertise needed", PARTLY,
         "README 'Clinicians: the Patient page'"),
        ("27c", "Usability", "Next steps: applicability and generalisability", ADDRESSED,
         "README (external validation, multi-centre pooling)"),
    ]
    return tuple(ChecklistItem(*row) for row in rows)


#: The four PROBAST+AI domains; applicability is judged for the first three.
PROBAST_DOMAINS = ("Participants and data sources", "Predictors", "Outcome", "Analysis")


@dataclass(frozen=True)
class ProbastAnswer:
    """One domain of one part (model development: quality; model evaluation: risk of
    bias), the tool's own answer to its concerns, and the applicability judgement."""

    part: str
    domain: str
    concern: str  # our words for what the domain's signalling questions ask
    answer: str
    judgement: str
    applicability: str | None  # None for the analysis domain (not judged)
    where: str


def _probast(synthetic: bool, validated: bool) -> tuple[ProbastAnswer, ...]:
    source = ("Synthetic patients generated from published figures: no selection from real "
              "care" if synthetic else "The cohort supplied at training")
    high_if_synthetic = "high concern" if synthetic else "unclear"
    out = []
    for part, judged in (("Model development", "quality"), ("Model evaluation", "risk of bias")):
        evaluation = part == "Model evaluation"
        rows = (
            ("Appropriate data source; inclusions and exclusions suited to the intended use",
             source + "; eligibility as the data dictionary says.",
             "low" if not synthetic else "unclear", high_if_synthetic, _DATA),
            ("Predictors defined and measured alike for all, without knowledge of the outcome",
             "WHO 2019 grades from Ki-67 and mitoses by one rule; all known at the biopsy.",
             "low", "low", "data dictionary; risk.grading"),
            ("Outcome defined alike for all, without knowledge of the predictors",
             "Overall survival (death from any cause) from the biopsy.", "low", "low",
             "data dictionary: os_months, death"),
            ("Enough events; missing data, overfitting and performance handled properly",
             ("Bootstrap optimism-corrected C and calibration slope; discrimination and "
              "calibration with intervals." if validated else "No validation stored.")
             if evaluation else "Cox model without shrinkage by default; estimability "
             "rules; patients and deaths on the card.",
             ("low" if validated else "high") if evaluation else "low", None,
             _REPORT if evaluation else _CARD),
        )
        for domain, (concern, answer, judgement, applicability, where) in zip(
                PROBAST_DOMAINS, rows, strict=True):
            out.append(ProbastAnswer(part, domain, concern, answer,
                                     f"{judged}: {judgement}", applicability, where))
    return tuple(out)


@dataclass(frozen=True)
class Checklists:
    version: str
    tripod: tuple[ChecklistItem, ...]
    probast: tuple[ProbastAnswer, ...]


def build_checklists(card: ModelCard, synthetic: bool) -> Checklists:
    """Both checklists for a version (``synthetic``: ``LoadedModel.synthetic``)."""
    data = card.training_data
    counts = (f"{data.patients:,} patients, {data.events:,} deaths (model card)"
              if data.patients and data.events is not None else "counts not on the card")
    validated = card.metrics.harrell_c is not None or card.metrics.stored_report() is not None
    return Checklists(str(card.version or "?"), _tripod(synthetic, validated, counts),
                      _probast(synthetic, validated))


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def checklists_markdown(lists: Checklists) -> str:
    """Both checklists as one Markdown document (tables)."""
    lines = [f"# Reporting checklists for model version {lists.version}", "",
             "## TRIPOD+AI", "", f"_{TRIPOD_CITATION}_ Titles in our words.", "",
             "| Item | Section | Title | Status | Where addressed |", "|---|---|---|---|---|"]
    lines += [f"| {i.number} | {_cell(i.section)} | {_cell(i.title)} | {i.status} | "
              f"{_cell(i.where)} |" for i in lists.tripod]
    lines += ["", "## PROBAST+AI", "", f"_{PROBAST_CITATION}_ The domains' concerns in our "
              "words; the tool's own answers.", "",
              "| Part | Domain | Concern | Answer | Judgement | Applicability | Where |",
              "|---|---|---|---|---|---|---|"]
    lines += [f"| {a.part} | {a.domain} | {_cell(a.concern)} | {_cell(a.answer)} | "
              f"{a.judgement} | {a.applicability or 'not judged'} | {_cell(a.where)} |"
              for a in lists.probast]
    return "\n".join(lines) + "\n"


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def checklists_html(lists: Checklists) -> str:
    """Both checklists as an HTML fragment (headings and tables, every text escaped), for
    the end of the evaluation report and the Model page's download."""
    tripod = _html_table(["Item", "Section", "Title", "Status", "Where addressed"],
                         [[i.number, i.section, i.title, i.status, i.where]
                          for i in lists.tripod])
    probast = _html_table(
        ["Part", "Domain", "Concern", "Answer", "Judgement", "Applicability", "Where"],
        [[a.part, a.domain, a.concern, a.answer, a.judgement,
          a.applicability or "not judged", a.where] for a in lists.probast])
    return (f"<h2>Reporting checklists (model version {escape(lists.version)})</h2>"
            f"<h3>TRIPOD+AI</h3><p class='muted'>{escape(TRIPOD_CITATION)} Titles in our "
            f"words.</p>{tripod}<h3>PROBAST+AI</h3><p class='muted'>"
            f"{escape(PROBAST_CITATION)} The domains' concerns in our words; the tool's own "
            f"answers.</p>{probast}")
