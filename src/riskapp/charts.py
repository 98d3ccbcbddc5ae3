"""Charts and tables as the cohort and model pages show them: every chart downloadable as
PNG, every table as CSV and as an Excel workbook.

PNG: plotly's own "Download plot as PNG" (the camera in the toolbar that appears at a
chart's top right under the mouse) draws the image in the browser at twice the screen resolution, under a file
name that says what the chart is. No server-side rendering is needed (a kaleido image
costs a headless browser start, about 2 s, per chart on this machine).

CSV and Excel: :func:`risk.data.export.to_csv_bytes` and
:func:`risk.data.export.to_xlsx_bytes`, so text cells a spreadsheet would run as a
formula (starting with ``=``, ``+``, ``-``, ``@``, tab or CR) are neutralised in both.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from risk.data import to_csv_bytes, to_xlsx_bytes
from risk.i18n import N_, _

PNG_SCALE = 2
#: Characters st.table's Markdown would act on (it renders every cell as Markdown).
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&^])")
#: Where GitHub-style autolinks start even in escaped text ("www.", "://", "@"): a word
#: joiner (invisible) there keeps the text from becoming a link.
_AUTOLINK = re.compile(r"(?i)(?<=www)(?=\\\.)|(?<=:)(?=//)|(?=@)")
WORD_JOINER = "\u2060"


def plot_config(filename: str) -> dict:
    """The plotly.js config: the toolbar's PNG button names the file and draws it sharp.

    The toolbar shows on hover only: always shown, it would cover the figures'
    "Synthetic data" mark at the top right.
    """
    return {
        "displaylogo": False,
        "modeBarButtonsToRemove": ["select2d", "lasso2d"],
        "toImageButtonOptions": {"format": "png", "filename": safe_name(filename),
                                 "scale": PNG_SCALE},
    }


def safe_name(text: str) -> str:
    """A file name from a title: lower case, letters, digits and dashes only."""
    name = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return name[:80] or "chart"


def plot(fig, key: str, filename: str | None = None, *, finding: str = "",
         data: pd.DataFrame | None = None) -> None:
    """Show a plotly figure at full width, with its own look (large type for a shared
    screen: Streamlit's theme is not applied over it), and its text alternative: the
    ``finding`` as a caption and ``data`` as a table behind a toggle."""
    st.plotly_chart(fig, key=key, config=plot_config(filename or key), width="stretch",
                    theme=None)
    text_alternative(key, finding, data)


def text_alternative(key: str, finding: str, data: pd.DataFrame | None) -> None:
    """A chart's main finding as a caption under it, and its data as a table behind a
    toggle (key ``<key>_as_table``)."""
    if finding:
        st.caption(finding)
    if data is not None and not data.empty and st.toggle(
            _("Show the chart's data as a table"), key=f"{key}_as_table"):
        static_table(data, hide_index=True)


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def excel_label(label: str) -> str:
    """The Excel button's words beside a CSV button's."""
    for csv in ("(CSV)", "\uff08CSV\uff09"):  # the Chinese labels' parentheses are full width
        if csv in label:
            return label.replace("CSV", "Excel")
    return f"{label} (Excel)"


def csv_download(frame: pd.DataFrame, filename: str, key: str,
                 label: str = N_("Download this table (CSV)"), index: bool = False) -> None:
    """Two download buttons side by side for ``frame``: a neutralised UTF-8 CSV and the
    same cells as an Excel workbook (key ``<key>_xlsx``)."""
    name = safe_name(filename)
    with st.container(horizontal=True, key=f"{key}_downloads"):
        st.download_button(_(label), data=to_csv_bytes(frame, index=index),
                           file_name=f"{name}.csv", mime="text/csv", key=key,
                           icon=":material/download:", on_click="ignore")
        st.download_button(excel_label(_(label)),
                           data=to_xlsx_bytes(frame, index=index, sheet=filename),
                           file_name=f"{name}.xlsx", mime=XLSX_MIME, key=f"{key}_xlsx",
                           icon=":material/table_view:", on_click="ignore")


def as_plain_markdown(value: object) -> object:
    """Text that Markdown shows exactly as written: "> 50%" stays "> 50%" (not a quote),
    "**x**" stays "**x**", a value from an uploaded file is never a link, a heading or a
    formula. Anything but text is returned as it is."""
    if not isinstance(value, str):
        return value
    return _AUTOLINK.sub(WORD_JOINER, _MARKDOWN.sub(r"\\\1", value))


def static_table(frame: pd.DataFrame, **kwargs) -> None:
    """``st.table`` (every column on screen, text wrapped, printable) with each text cell
    shown as written: ``st.table`` renders cells as Markdown. Headers are the app's own
    words and are left as they are."""
    st.table(frame.map(as_plain_markdown), **kwargs)


def chart_with_text(fig, key: str, finding: str | None = None) -> None:
    """A figure with its text alternative: a caption stating its main finding (its title
    when none is given) and its data as a table behind a toggle."""
    from risk.present.figures import alternative

    st.plotly_chart(fig, key=key, config=plot_config(key), width="stretch")
    title = fig.layout.title.text or ""
    text_alternative(key, finding or re.sub(r"<[^>]+>", " ", title),
                     alternative.figure_table(fig))
