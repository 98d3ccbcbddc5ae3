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

from risk.i18n import N_, _, format_integer

if TYPE_CHECKING:
    from risk.registry.card import ModelCard

ADDRESSED, PARTLY, NOT_ADDRESSED, NOT_APPLICABLE = (
    N_("addressed"), N_("partly addressed"), N_("not addressed"), N_("not applicable"))
TRIPOD_CITATION = ("Collins GS, Moons KGM, Dhiman P, et al. TRIPOD+AI statement: updated "
                   "guidance for reporting clinical prediction models that use regression or "
                   "machine learning methods. BMJ 2024;385:e078378.")
PROBAST_CITATION = ("Moons KGM, Damen JAA, Kaul T, et al. PROBAST+AI: an updated quality, "
                    "risk of bias, and applicability assessment tool for prediction models "
                    "using regression or artificial intelligence methods. BMJ 2025;388:e082505.")
_CARD = N_("Model page, Model card tab; models/<version>/card.json")
_REPORT = N_("Model page, Validation tab; python -m risk evaluate (report.html)")
_DATA = N_("data/synthetic/README.md (the generator's cited parameters)")


@dataclass(frozen=True)
class ChecklistItem:
    """One item: its number (``12c``), section, title in our words, status and where."""

    number: str
    section: str
    title: str
    status: str
    where: str


def _tripod(synthetic: bool, validated: bool, counts: str) -> tuple[ChecklistItem, ...]:
    data = N_("synthetic cohort: no real accrual dates, centres or treatments") if synthetic \
        else N_("the training cohort supplied with the version")
    v = ADDRESSED if validated else NOT_ADDRESSED
    rows = [
        ("1", N_("Title"), N_("Identify the study as developing or evaluating a prediction model"),
         ADDRESSED, N_("README title and 'What it is for'")),
        ("2", N_("Abstract"), N_("Structured summary"), PARTLY, N_("README opening; Model Facts summary")),
        ("3a", N_("Introduction"), N_("Healthcare context and rationale, existing models"), ADDRESSED,
         N_("README 'What it is for'; docs/literature.md")),
        ("3b", N_("Introduction"), N_("Target population and intended users, place in care"),
         ADDRESSED, N_("{card} (intended use); README 'Clinicians', 'Tumor boards'")),
        ("3c", N_("Introduction"), N_("Known health inequalities between groups"), NOT_ADDRESSED,
         N_("not discussed")),
        ("4", N_("Objectives"), N_("Objectives: development, evaluation or both"), ADDRESSED,
         N_("README 'What it is for' (development with internal validation)")),
        ("5a", N_("Data"), N_("Sources of the data and their representativeness"), PARTLY,
         N_("{data_notes}; {data}")),
        ("5b", N_("Data"), N_("Dates of accrual and end of follow-up"), NOT_APPLICABLE if synthetic
         else NOT_ADDRESSED, "{data}"),
        ("6a", N_("Participants"), N_("Setting, number and location of centres"), PARTLY,
         N_("{data_notes}; multi-centre validation tab for other centres")),
        ("6b", N_("Participants"), N_("Eligibility criteria"), ADDRESSED,
         N_("data dictionary (data/synthetic/README.md); intended use")),
        ("6c", N_("Participants"), N_("Treatments received"), NOT_ADDRESSED, N_("not recorded in the schema")),
        ("7", N_("Data preparation"), N_("Data preparation and quality checks"), ADDRESSED,
         N_("risk.data.validation (every problem at once); README 'Privacy and safety'")),
        ("8a", N_("Outcome"), N_("Outcome and how it was assessed"), ADDRESSED,
         N_("data dictionary: os_months, death (overall survival from the biopsy)")),
        ("8b", N_("Outcome"), N_("Qualifications of outcome assessors"), NOT_APPLICABLE,
         N_("death from any cause")),
        ("8c", N_("Outcome"), N_("Blinding of outcome assessment"), NOT_APPLICABLE,
         N_("death from any cause")),
        ("9a", N_("Predictors"), N_("Choice of predictors"), ADDRESSED,
         N_("data dictionary; README 'How the model ... are computed'")),
        ("9b", N_("Predictors"), N_("Definition and measurement of predictors"), ADDRESSED,
         N_("data dictionary (WHO 2019 grading, Ki-67, mitoses)")),
        ("9c", N_("Predictors"), N_("Qualifications of predictor assessors, blinding"), NOT_ADDRESSED,
         N_("pathologists' assessment not described")),
        ("10", N_("Sample size"), N_("How the study size was arrived at"), PARTLY,
         N_("{counts}; no formal sample-size calculation")),
        ("11", N_("Missing data"), N_("Handling of missing data"), ADDRESSED,
         N_("derived grades, 'not assessed' levels, primary-only model (README, data dictionary)")),
        ("12a", N_("Analysis"), N_("How the data were used (development, evaluation)"), ADDRESSED,
         N_("{report} (bootstrap optimism correction)")),
        ("12b", N_("Analysis"), N_("How predictors were handled"), ADDRESSED,
         N_("risk.model.features; Model card tab (methods)")),
        ("12c", N_("Analysis"), N_("Model type, building, tuning, internal validation"), ADDRESSED,
         N_("{card} (methods, settings)")),
        ("12d", N_("Analysis"), N_("Heterogeneity between clusters or centres"), PARTLY,
         N_("Multi-centre validation tab (random-effects pooling)")),
        ("12e", N_("Analysis"), N_("Performance measures and their rationale"), ADDRESSED, N_("{report}")),
        ("12f", N_("Analysis"), N_("Model updating"), ADDRESSED,
         N_("python -m risk recalibrate; Retrain page")),
        ("12g", N_("Analysis"), N_("How predictions are calculated in evaluation"), ADDRESSED,
         N_("README 'How the model and its 95% intervals are computed'")),
        ("13", N_("Class imbalance"), N_("Methods for class imbalance"), NOT_APPLICABLE,
         N_("survival model: no resampling or reweighting")),
        ("14", N_("Fairness"), N_("Approaches to fairness"), PARTLY,
         N_("subgroup performance in report.html (Subgroups)")),
        ("15", N_("Model output"), N_("Output of the model and any thresholds"), ADDRESSED,
         N_("Patient page; risk groups are tertiles (Model card tab, limitations)")),
        ("16", N_("Training versus evaluation"), N_("Differences between development and evaluation "
         "data"), ADDRESSED if validated else NOT_ADDRESSED,
         N_("Validation tab: measured on (internal validation)")),
        ("17", N_("Ethical approval"), N_("Ethics approval and consent"), NOT_APPLICABLE if synthetic
         else NOT_ADDRESSED, N_("no real patients (synthetic data)") if synthetic else N_("not stated")),
        ("18a", N_("Open science"), N_("Funding"), NOT_ADDRESSED, N_("not stated")),
        ("18b", N_("Open science"), N_("Conflicts of interest"), NOT_ADDRESSED, N_("not stated")),
        ("18c", N_("Open science"), N_("Protocol"), NOT_ADDRESSED, N_("no protocol")),
        ("18d", N_("Open science"), N_("Registration"), NOT_ADDRESSED, N_("not registered")),
        ("18e", N_("Open science"), N_("Data sharing"), ADDRESSED,
         N_("data/synthetic/cohort.csv and its generator ship with the code")),
        ("18f", N_("Open science"), N_("Code sharing"), ADDRESSED, N_("this repository (src/risk)")),
        ("19", N_("Patient and public involvement"), N_("Patient and public involvement"),
         NOT_ADDRESSED, N_("none")),
        ("20a", N_("Participants"), N_("Flow of participants, with outcome counts"), PARTLY, "{counts}"),
        ("20b", N_("Participants"), N_("Characteristics of participants"), ADDRESSED,
         N_("Cohort page, Table 1")),
        ("20c", N_("Participants"), N_("Comparison of development and evaluation data"),
         NOT_APPLICABLE if not validated else PARTLY, N_("Retrain page: comparison on your data")),
        ("21", N_("Model development"), N_("Participants and events in each analysis"), ADDRESSED,
         "{counts}"),
        ("22", N_("Model specification"), N_("Full model, so others can use it"), ADDRESSED,
         N_("Model page, Hazard ratios and Baseline survival tabs; models/<version>/model.json")),
        ("23a", N_("Model performance"), N_("Performance with confidence intervals, subgroups"), v,
         N_("{report}")),
        ("23b", N_("Model performance"), N_("Heterogeneity of performance across clusters"), PARTLY,
         N_("Multi-centre validation tab")),
        ("24", N_("Model updating"), N_("Results of any model updating"), PARTLY,
         N_("Version history tab; a recalibrated card's observed vs predicted")),
        ("25", N_("Interpretation"), N_("Overall interpretation, including fairness"), PARTLY,
         N_("Model Facts label; Validation tab context")),
        ("26", N_("Limitations"), N_("Limitations (non-representative data, sample size...)"),
         ADDRESSED, N_("Model card tab, limitations; Model Facts, warnings")),
        ("27a", N_("Usability"), N_("Handling of poor-quality or missing input data"), ADDRESSED,
         N_("Patient page messages at each field; grade near a cut-off box")),
        ("27b", N_("Usability"), N_("User interaction and expertise needed"), PARTLY,
         N_("README 'Clinicians: the Patient page'")),
        ("27c", N_("Usability"), N_("Next steps: applicability and generalisability"), ADDRESSED,
         N_("README (external validation, multi-centre pooling)")),
    ]
    fields = {"card": _(_CARD), "report": _(_REPORT), "data_notes": _(_DATA), "data": _(data),
              "counts": counts}
    return tuple(ChecklistItem(number, _(section), _(title), _(status),
                               _(where).format(**fields))
                 for number, section, title, status, where in rows)


#: The four PROBAST+AI domains; applicability is judged for the first three.
PROBAST_DOMAINS = (N_("Participants and data sources"), N_("Predictors"), N_("Outcome"),
                   N_("Analysis"))
LOW, HIGH, UNCLEAR, HIGH_CONCERN = N_("low"), N_("high"), N_("unclear"), N_("high concern")


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


def _probast_rows(synthetic: bool, validated: bool, evaluation: bool
                  ) -> tuple[tuple[str, str, str, str | None, str], ...]:
    """(concern, answer, judgement, applicability, where) of each domain, as msgids."""
    source = N_("Synthetic patients generated from published figures: no selection from "
                "real care; eligibility as the data dictionary says.") if synthetic else \
        N_("The cohort supplied at training; eligibility as the data dictionary says.")
    if evaluation:
        analysis = N_("Bootstrap optimism-corrected C and calibration slope; discrimination "
                      "and calibration with intervals.") if validated else \
            N_("No validation stored.")
    else:
        analysis = N_("Cox model without shrinkage by default; estimability rules; patients "
                      "and deaths on the card.")
    return (
        (N_("Appropriate data source; inclusions and exclusions suited to the intended use"),
         source, UNCLEAR if synthetic else LOW, HIGH_CONCERN if synthetic else UNCLEAR, _DATA),
        (N_("Predictors defined and measured alike for all, without knowledge of the "
            "outcome"),
         N_("WHO 2019 grades from Ki-67 and mitoses by one rule; all known at the biopsy."),
         LOW, LOW, N_("data dictionary; risk.grading")),
        (N_("Outcome defined alike for all, without knowledge of the predictors"),
         N_("Overall survival (death from any cause) from the biopsy."), LOW, LOW,
         N_("data dictionary: os_months, death")),
        (N_("Enough events; missing data, overfitting and performance handled properly"),
         analysis, (LOW if validated else HIGH) if evaluation else LOW, None,
         _REPORT if evaluation else _CARD),
    )


def _probast(synthetic: bool, validated: bool) -> tuple[ProbastAnswer, ...]:
    out = []
    for part, judged in ((N_("Model development"), N_("quality: {judgement}")),
                         (N_("Model evaluation"), N_("risk of bias: {judgement}"))):
        rows = _probast_rows(synthetic, validated, part == "Model evaluation")
        for domain, (concern, answer, judgement, applicability, where) in zip(
                PROBAST_DOMAINS, rows, strict=True):
            out.append(ProbastAnswer(_(part), _(domain), _(concern), _(answer),
                                     _(judged).format(judgement=_(judgement)),
                                     _(applicability) if applicability else None, _(where)))
    return tuple(out)


@dataclass(frozen=True)
class Checklists:
    version: str
    tripod: tuple[ChecklistItem, ...]
    probast: tuple[ProbastAnswer, ...]


def build_checklists(card: ModelCard, synthetic: bool) -> Checklists:
    """Both checklists for a version (``synthetic``: ``LoadedModel.synthetic``), in the
    current language."""
    data = card.training_data
    counts = (_("{patients} patients, {deaths} deaths (model card)").format(
        patients=format_integer(data.patients), deaths=format_integer(data.events))
              if data.patients and data.events is not None else _("counts not on the card"))
    validated = card.metrics.harrell_c is not None or card.metrics.stored_report() is not None
    return Checklists(str(card.version or "?"), _tripod(synthetic, validated, counts),
                      _probast(synthetic, validated))


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def tripod_columns() -> list[str]:
    return [_("Item"), _("Section"), _("Title"), _("Status"), _("Where addressed")]


def probast_columns() -> list[str]:
    return [_("Part"), _("Domain"), _("Concern"), _("Answer"), _("Judgement"),
            _("Applicability"), _("Where")]


def tripod_rows(lists: Checklists) -> list[list[str]]:
    return [[i.number, i.section, i.title, i.status, i.where] for i in lists.tripod]


def probast_rows(lists: Checklists) -> list[list[str]]:
    return [[a.part, a.domain, a.concern, a.answer, a.judgement,
             a.applicability or _("not judged"), a.where] for a in lists.probast]


def _markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)]


def checklists_markdown(lists: Checklists) -> str:
    """Both checklists as one Markdown document (tables)."""
    lines = ["# " + _("Reporting checklists for model version {version}").format(
                 version=lists.version), "",
             "## TRIPOD+AI", "", f"_{TRIPOD_CITATION}_ " + _("Titles in our words."), "",
             *_markdown_table(tripod_columns(), tripod_rows(lists)),
             "", "## PROBAST+AI", "", f"_{PROBAST_CITATION}_ "
             + _("The domains' concerns in our words; the tool's own answers."), "",
             *_markdown_table(probast_columns(), probast_rows(lists))]
    return "\n".join(lines) + "\n"


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cited(citation: str) -> str:
    """A paper's citation, in its own language (English) whatever the page's."""
    return f"<cite lang='en'>{escape(citation)}</cite>"


def checklists_html(lists: Checklists) -> str:
    """Both checklists as an HTML fragment (headings and tables, every text escaped), for
    the end of the evaluation report and the Model page's download."""
    heading = _("Reporting checklists (model version {version})").format(version=lists.version)
    titles = _("Titles in our words.")
    concerns = _("The domains' concerns in our words; the tool's own answers.")
    return (f"<h2>{escape(heading)}</h2>"
            f"<h3>TRIPOD+AI</h3><p class='muted'>{_cited(TRIPOD_CITATION)} {escape(titles)}</p>"
            f"{_html_table(tripod_columns(), tripod_rows(lists))}"
            f"<h3>PROBAST+AI</h3><p class='muted'>{_cited(PROBAST_CITATION)} "
            f"{escape(concerns)}</p>{_html_table(probast_columns(), probast_rows(lists))}")
