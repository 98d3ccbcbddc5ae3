"""Every word an AppTest run shows (texts, labels, help, options, table headers, chart
titles, axes, legends and annotations), and the English words among them: a page in
Chinese that shows an English word has a string nobody wrapped in ``_()``."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from html.parser import HTMLParser

#: Words that stay as they are in Chinese text: names, abbreviations, units, codes.
KEPT_WORDS = {
    "GEP", "NET", "NEC", "MDT", "WHO", "Ki", "ECOG", "SSTR", "CT", "PDF", "CSV", "Cox", "Kaplan", "FHIR", "Bundle", "Observation", "Observations", "Patient", "RiskAssessment", "LOINC", "bundle",
    "Meier", "CI", "PFS", "OS", "exp", "log", "rank", "Clopper", "Pearson", "Poisson",
    "Garwood", "Jeffreys", "Beta", "Gamma", "Bayes", "AUC", "Harrell", "Uno", "Brier",
    "ICI", "NRI", "Sankey", "mm", "English", "Language", "Ying", "World", "Radiol", "et",
    "al", "HR", "yes", "no", "true", "false", "make", "model", "python", "risk", "SYN",
    "apptest", "synthetic", "JSON", "HTML", "sha", "REML", "HKSJ", "Debray", "BMJ",
    "os_months", "pfs_months", "death", "progression", "patient_id", "primary_grade",
    "met_grade", "alive_months", "Noto", "CJK", "fonts", "noto", "cjk", "apt", "get",
    "install", "Debian", "VERSION", "activate", "models", "Okabe", "Ito",
    # file formats and the names of tests, authors and a journal
    "Excel", "PNG", "Kruskal", "Wallis", "Fisher", "Holm", "Wilson", "Efron", "Fotiadis",
    "Eur", "REDCap", "DerSimonian", "Laird",
    "UTC", "UTF", "README", "xlsx", "Bootstrap", "Riley",
    "Tsiatis", "Kalbfleisch", "Prentice", "SHA", "Schoenfeld", "NEPscore",
    # the names of the libraries whose versions the Model page lists
    "lifelines", "numpy", "pandas", "scikit", "learn", "scipy",
    "warm",  # the label of a hidden element that loads the results' code early
}
#: Proto fields that hold no words a person reads.
_SKIPPED_FIELDS = {"id", "form_id", "key", "type", "icon", "css", "format", "element_id",
                   "theme", "url", "data", "arrow_data", "styler", "mime", "file_name",
                   "placeholder_id", "selection_mode", "width", "height", "fragment_id",
                   "page_script_hash", "deck_json", "script_hash", "url_path", "body_html"}
_WORD = re.compile(r"\b[A-Za-z][A-Za-z_]{2,}\b")


def _proto_strings(message, out: list[str]) -> None:
    for field, value in message.ListFields():
        if field.name in _SKIPPED_FIELDS:
            continue
        values = value if isinstance(value, Sequence) and not isinstance(value, str) \
            or type(value).__name__.startswith("Repeated") else [value]
        for v in values:
            if isinstance(v, str):
                out.append(v)
            elif hasattr(v, "ListFields"):
                _proto_strings(v, out)


def _figure_strings(spec: str, out: list[str]) -> None:
    figure = json.loads(spec)
    layout = figure.get("layout", {})
    title = layout.get("title")
    out.append(title.get("text", "") if isinstance(title, dict) else str(title or ""))
    for name, axis in layout.items():
        if name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            t = axis.get("title")
            out.append(t.get("text", "") if isinstance(t, dict) else str(t or ""))
    out.extend(str(a.get("text", "")) for a in layout.get("annotations", []))
    for trace in figure.get("data", []):
        out.append(str(trace.get("name", "")))


def visible_texts(at) -> list[str]:
    """The text of every element of an AppTest run, main area and sidebar."""
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            if node.type == "plotly_chart":
                _figure_strings(proto.spec, out)
            elif node.type == "arrow_data_frame" or node.type == "dataframe":
                out.extend(str(c) for c in node.value.columns)
            else:
                _proto_strings(proto, out)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    for table in list(at.dataframe) + list(at.table):
        out.extend(str(c) for c in table.value.columns)
        out.extend(str(v) for v in table.value.select_dtypes("object").to_numpy().ravel())
    return [t for t in out if t]


def english_words(texts: list[str]) -> list[str]:
    """The texts holding a word outside :data:`KEPT_WORDS` (markdown links and HTML
    styles removed first, markdown's escapes read as the characters they show:
    ``primary\\_grade`` is the kept column name)."""
    found = []
    for text in texts:
        plain = re.sub(r"\\([^\sA-Za-z0-9])", r"\1", text)
        plain = re.sub(r"<style>.*?</style>", " ", plain, flags=re.S)
        plain = re.sub(r"<[^>]+>|\(https?://[^)]*\)|`[^`]*`|:material/\w+:", " ", plain)
        if any(w not in KEPT_WORDS for w in _WORD.findall(plain)):
            found.append(_stable(text))
    return sorted(set(found))


def _stable(text: str) -> str:
    """The text with what changes from run to run (hashes, keys, numbers, times) as #:
    the same words compare equal across runs."""
    text = re.sub(r"\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b", "#", text)
    return re.sub(r"\d+", "#", text)


class _PageText(HTMLParser):
    """The text nodes of an HTML page a reader sees (the title too), outside scripts,
    styles and passages marked as another language (``lang='en'``: a citation)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden: list[str] = []  # the open tags whose text is not read

    def handle_starttag(self, tag, attrs) -> None:
        english = tag != "html" and dict(attrs).get("lang") == "en"
        if tag in ("script", "style") or english or self._hidden:
            self._hidden.append(tag)

    def handle_endtag(self, tag) -> None:
        if self._hidden and self._hidden[-1] == tag:
            self._hidden.pop()

    def handle_data(self, data) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def html_texts(page: str) -> list[str]:
    """Every text a reader of a self-contained HTML page sees: its text and the words of
    its plotly charts (titles, axes, legends, annotations, as :func:`visible_texts`)."""
    parser = _PageText()
    parser.feed(page)
    out = parser.texts
    decoder = json.JSONDecoder()
    for call in re.finditer(r"Plotly\.newPlot\(\s*\"[^\"]+\",\s*", page):
        data, end = decoder.raw_decode(page, call.end())
        layout, _ = decoder.raw_decode(page, page.index("{", end))
        _figure_strings(json.dumps({"data": data, "layout": layout}), out)
    return [t for t in out if t]


def numbers(texts: list[str]) -> list[str]:
    """The numbers in ``texts``, sorted (the same report in two languages has the same)."""
    return sorted(n for text in texts for n in re.findall(r"\d+(?:[.,]\d+)*", text))
