"""Styles that Streamlit's default theme needs for WCAG 2.2 AA, applied on every run.

Found by axe-core in the browser tests (``tests/browser/test_accessibility_browser.py``):
- captions are the text colour at 60% opacity, #828180 on white (3.9:1; text needs
  4.5:1): opaque #5c5b5a instead (6.6:1), still lighter than the text;
- a cell of ``st.table`` whose text overflows becomes a scrollable region that a keyboard
  cannot reach: the text wraps instead.

And the Model page card's facts in large type without being headings (heading-order).
"""

from __future__ import annotations

import streamlit as st

#: The prefix of the keys of containers whose text is a fact in large type (not a heading).
FACT_KEY = "fact_"
_STYLES = f"""<style>
[data-testid="stCaptionContainer"] {{opacity: 1; color: #5c5b5a;}}
[data-testid="stTable"] td [data-testid="stMarkdownContainer"],
[data-testid="stTable"] th [data-testid="stMarkdownContainer"] {{overflow: visible;}}
[class*="st-key-{FACT_KEY}"] p {{font-size: 1.5rem; font-weight: 600; line-height: 1.3;}}
</style>"""


def accessible_styles() -> None:
    """The styles above (an element of no size: a style sheet only)."""
    st.html(_STYLES)
