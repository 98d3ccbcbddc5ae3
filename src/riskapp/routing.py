"""Make every page run through ``app.py``'s router, even on a fresh server's first hit.

Streamlit keeps a relic of its first multipage design: while no script has called
``st.navigation`` yet, an app with a ``pages/`` folder is served the old way, and a first
request for ``/patient`` runs ``pages/patient.py`` on its own, without ``app.py`` (no page
config, the raw file names in the sidebar). Streamlit drops that mode as soon as
``st.navigation`` runs; a page that finds itself served the old way switches it off and
reruns, so ``app.py`` routes the request.
"""

from __future__ import annotations

import streamlit as st


def require_router() -> None:
    """Rerun through ``app.py`` when this page was served without its router."""
    try:  # internal flag of Streamlit 1.x (pinned in requirements.txt)
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:
        return
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
