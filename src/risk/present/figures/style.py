"""Shared look of the tumor-board figures: large type for a shared screen and the
Okabe-Ito colour-blind-safe palette (Okabe & Ito 2008, "Color Universal Design")."""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Iterable

import plotly.graph_objects as go

from risk.i18n import N_, _
from risk.model.prediction import RISK_GROUPS
from risk.schema import GRADES, label, missing_label

# Okabe-Ito colours, in the order groups receive them.
BLUE = "#0072B2"
VERMILLION = "#D55E00"
BLUISH_GREEN = "#009E73"
ORANGE = "#E69F00"
REDDISH_PURPLE = "#CC79A7"
SKY_BLUE = "#56B4E9"
YELLOW = "#F0E442"
BLACK = "#000000"
GREY = "#8C8C8C"  # "not assessed": always the same neutral grey
#: The primary-only comparator beside the served model, and a reference curve.
COMPARATOR_COLOR = VERMILLION
REFERENCE_COLOR = GREY
PALETTE = (BLUE, VERMILLION, BLUISH_GREEN, ORANGE, REDDISH_PURPLE, SKY_BLUE, BLACK, YELLOW)

#: Fixed colours for groups the page shows often, so a colour means the same everywhere
#: (by code: the words they are shown with depend on the language).
CHANGE_COLORS = {"concordant": BLUE, "upgraded": VERMILLION, "downgraded": BLUISH_GREEN}
GRADE_COLORS = dict(zip(GRADES, (BLUISH_GREEN, ORANGE, VERMILLION), strict=True))
# Risk groups as grades: low green, intermediate orange, high vermillion (never high in green).
RISK_GROUP_COLORS = dict(zip(RISK_GROUPS, (BLUISH_GREEN, ORANGE, VERMILLION), strict=True))


def named_colors() -> dict[str, str]:
    """The fixed colours by the group's words in the current language."""
    colors = {missing_label("met_grade"): GREY}
    colors |= {label("grade_change", code): c for code, c in CHANGE_COLORS.items()}
    colors |= {label("met_grade", grade): c for grade, c in GRADE_COLORS.items()}
    colors |= {label("risk_group", group): c for group, c in RISK_GROUP_COLORS.items()}
    return colors


FONT_SIZE = 18
TITLE_SIZE = 24
SYNTHETIC_NOTE = N_("Synthetic data: not real patients")
#: The mark of a figure of real patients drawn with a model trained on synthetic data.
SYNTHETIC_MODEL_NOTE = N_("Model trained on synthetic data: an illustration")
NOTE_WIDTH = 110  # characters per note line under a figure


def group_colors(labels: Iterable[str]) -> dict[str, str]:
    """A colour per group label: fixed ones for known groups, then the palette in order
    (skipping colours the known groups of this figure already use)."""
    labels = list(labels)
    named = named_colors()
    used = {named[name] for name in labels if name in named}
    free = [c for c in PALETTE if c not in used] + list(PALETTE)
    return {name: named.get(name) or free.pop(0) for name in labels}


def darker(hex_color: str, amount: float = 0.3) -> str:
    """The colour mixed with black (legible text in a light colour such as yellow)."""
    r, g, b = (int(int(hex_color[i:i + 2], 16) * (1 - amount)) for i in (1, 3, 5))
    return f"#{r:02X}{g:02X}{b:02X}"


def rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _columns(text: str) -> int:
    """Columns a text takes: a wide (CJK) character two, any other one."""
    return sum(2 if _wide(c) else 1 for c in text)


def _pieces(text: str) -> list[tuple[str, str]]:
    """(separator, piece): each non-ASCII (e.g. CJK) character alone, each run of ASCII
    characters between spaces and those whole; separator " " where a space preceded it."""
    pieces: list[tuple[str, str]] = []
    for space, word in re.findall(r"(\s*)(\S+)", text):
        sep = " " if space and pieces else ""
        for part in re.split(r"(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])", word):
            if part:
                pieces.append((sep, part))
                sep = ""
    return pieces


def wrap_text(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` columns (plotly wraps no text). Latin text as
    :func:`textwrap.wrap`; text with wide (CJK) characters, which take two columns and
    need no space to break, at spaces or beside any wide character."""
    if _columns(text) == len(text):
        return textwrap.wrap(text, width)
    lines: list[str] = []
    for sep, piece in _pieces(text):
        if lines and _columns(lines[-1] + sep + piece) <= width:
            lines[-1] += sep + piece
        else:
            lines.append(piece)
    return lines


def style(fig: go.Figure, title: str, *, synthetic: bool = False, height: int = 560,
          notes: tuple[str, ...] | list[str] = (), top: int = 90,
          synthetic_note: str = SYNTHETIC_NOTE) -> go.Figure:
    """Title, large fonts, white template; the synthetic-data mark (``synthetic_note``,
    on the title's line) and notes under the plot."""
    lines = [line for note in notes for line in wrap_text(note, NOTE_WIDTH)]
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left", "xref": "container",
               "y": 0.99, "yanchor": "top", "yref": "container",
               "font": {"size": TITLE_SIZE}},
        template="plotly_white", height=height, font={"size": FONT_SIZE},
        hoverlabel={"font": {"size": FONT_SIZE}},
        legend={"font": {"size": FONT_SIZE}},
        margin={"l": 90, "r": 40, "t": top, "b": 110 + 26 * len(lines)},
    )
    extra = []
    if synthetic:
        # On the title's line, right-aligned: clear of legends and plot annotations.
        extra.append({"text": _(synthetic_note), "xref": "paper", "yref": "paper", "x": 1,
                      "y": 1.0, "yshift": top - 14, "xanchor": "right", "yanchor": "top",
                      "showarrow": False,
                      "font": {"size": FONT_SIZE - 2, "color": VERMILLION}})
    extra += [{"text": line, "xref": "paper", "yref": "paper", "x": 0, "xanchor": "left",
               "y": 0, "yanchor": "top", "yshift": -85 - 26 * i, "showarrow": False,
               "font": {"size": FONT_SIZE - 4, "color": "#444444"}}
              for i, line in enumerate(lines)]
    # one layout update: plotly's add_annotation is slow when called many times
    fig.update_layout(annotations=[*fig.layout.annotations, *extra])
    return fig


def message_figure(title: str, message: str, *, synthetic: bool = False) -> go.Figure:
    """An empty figure that says why there is nothing to plot (never a blank chart)."""
    fig = go.Figure()
    fig.add_annotation(text="<br>".join(wrap_text(message, 70)), xref="paper",
                       yref="paper", x=0.5, y=0.5, showarrow=False, font={"size": FONT_SIZE})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style(fig, title, synthetic=synthetic, height=320)
