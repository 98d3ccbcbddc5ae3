"""The Model page's "Model facts" and "Reporting checklists" tabs: the label and the
checklists of :mod:`risk.present`, shown and offered as downloads (PDF, Markdown)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from risk.i18n import _, current_language, language_tag
from risk.present import (
    build_checklists,
    build_model_facts,
    build_model_facts_pdf,
    chai_card_bytes,
    checklists_html,
    checklists_markdown,
    probast_columns,
    probast_rows,
    tripod_columns,
    tripod_rows,
)
from riskapp.charts import as_plain_markdown, static_table


def facts_section(served, synthetic: bool) -> None:
    facts = build_model_facts(served.card, synthetic)
    st.caption(_("A one-page label in the sections of Sendak et al. (npj Digit Med 2020), "
                 "filled from this version's model card and its stored validation."))
    with st.container(key="model_facts", border=True):
        st.markdown("### " + _("Model facts: {version}").format(
            version=as_plain_markdown(facts.version)))
        half = (len(facts.sections) + 1) // 2  # two columns: the label reads as one page
        for column, sections in zip(st.columns(2, gap="large"),
                                    (facts.sections[:half], facts.sections[half:]),
                                    strict=True):
            with column:
                for section in sections:
                    st.markdown(f"**{section.title}**")
                    st.markdown("\n".join(f"- {as_plain_markdown(line.text)}"
                                          for line in section.lines))
    language = current_language()  # the button's function runs after this script run
    st.download_button(_("Download the Model Facts label (PDF)"),
                       data=lambda: build_model_facts_pdf(facts, language=language),
                       file_name=f"model-facts-{served.version}.pdf", mime="application/pdf",
                       key="model_facts_pdf", icon=":material/download:", on_click="ignore")
    st.download_button(_("Download the CHAI Applied Model Card (JSON)"),
                       data=lambda: chai_card_bytes(served.card, synthetic),
                       file_name=f"chai-card-{served.version}.json", mime="application/json",
                       key="chai_card_json", icon=":material/download:", on_click="ignore",
                       help=_("This version's model card in the structure of the Coalition "
                              "for Health AI Applied Model Card (v0.2), as stored beside "
                              "card.json (in English)"))


def checklists_section(served, synthetic: bool) -> None:
    lists = build_checklists(served.card, synthetic)
    st.caption(_("Where each item is addressed for this version (page, file, section), or "
                 "that it is not. Item titles and the domains' concerns are in our words: "
                 "read the papers for their wording."))
    st.markdown(_("**TRIPOD+AI** (Collins et al., BMJ 2024)"))
    with st.container(key="tripod_table"):
        static_table(pd.DataFrame(tripod_rows(lists), columns=tripod_columns()),
                     hide_index=True)
    st.markdown(_("**PROBAST+AI** (Moons et al., BMJ 2025): the tool's own answers"))
    with st.container(key="probast_table"):
        static_table(pd.DataFrame(probast_rows(lists), columns=probast_columns()),
                     hide_index=True)
    left, right = st.columns(2)
    with left:
        st.download_button(_("Download both checklists (Markdown)"),
                           data=checklists_markdown(lists).encode("utf-8"),
                           file_name=f"checklists-{served.version}.md", mime="text/markdown",
                           key="checklists_md", icon=":material/download:", on_click="ignore")
    with right:
        page = (f"<!DOCTYPE html><html lang='{language_tag()}'><head><meta charset='utf-8'>"
                f"<title>{_('Checklists')}</title></head><body>{checklists_html(lists)}"
                "</body></html>")
        st.download_button(_("Download both checklists (HTML)"), data=page.encode("utf-8"),
                           file_name=f"checklists-{served.version}.html", mime="text/html",
                           key="checklists_html", icon=":material/download:",
                           on_click="ignore")
