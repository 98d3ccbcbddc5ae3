"""Retrain page, step 4: save as a new version, activate with an explicit confirmation,
roll back, and the version history.

Every change goes through :class:`risk.registry.store.Registry` (locked, atomic, verified) and
is allowed only when :mod:`riskapp.access` says so: the buttons are disabled otherwise,
and each handler checks again before acting. Activation always needs a ticked
confirmation and a button press. After any activation the cached models are dropped, so
the patient page serves the new active version on its next run.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from risk.errors import RiskError
from risk.i18n import N_, _
from risk.present import version_history
from risk.registry import ModelCard, Registry, active_stack
from riskapp import loaders
from riskapp.access import Access, require_change_rights

#: The versions table's columns (the active mark, name, created, kind, parent, counts,
#: stored C-index, notes, signer, status).
VERSION_COLUMNS = (N_("active"), N_("version"), N_("created (UTC)"), N_("kind"),
                   N_("parent"), N_("patients"), N_("deaths"), N_("Harrell's C"), N_("notes"),
                   N_("signed by"), N_("status"))
_STATUS_WORDS = {"ok": N_("ok")}
_ACTION_WORDS = {"activate": N_("activate"), "rollback": N_("rollback")}
FLASH = "retrain_flash"  # (kind, text) shown once at the top of the page after a change
_PRESSED = "retrain_pressed_"


def _mark_pressed(key: str) -> None:
    st.session_state[_PRESSED + key] = True


def pressed(label: str, key: str, **kwargs) -> bool:
    """A button whose press survives a rerun of the script before it is reached.

    The press is recorded by the button's callback, which Streamlit runs before the
    script; ``st.button``'s own return value is lost when the page reruns first (as
    :func:`riskapp.routing.require_router` does on a server's first hit, and AppTest on
    every run). True once per press.
    """
    st.button(label, key=key, on_click=_mark_pressed, args=(key,), **kwargs)
    return bool(st.session_state.pop(_PRESSED + key, False))


def registry() -> Registry:
    return Registry(loaders.model_dir())


def flash(kind: str, text: str) -> None:
    """Remember a message for the next run (changes rerun the page)."""
    st.session_state[FLASH] = (kind, text)


def show_flash() -> None:
    """The message of the last change, in a container that is always there: the page's
    layout must not shift between runs (else the browser keeps a stale copy of the tabs)."""
    slot = st.container(key="retrain_flash")
    held = st.session_state.pop(FLASH, None)
    if held:
        kind, text = held
        (slot.success if kind == "success" else slot.error)(text)


def forget_served_models() -> None:
    """Drop the cached models so every page loads the active version afresh."""
    loaders.clear_served_models()


def save_version(access: Access, params: dict, card: ModelCard, name: str | None
                 ) -> tuple[str, str]:
    """Save a new immutable version, signed with the site's key (never activated here);
    returns its name and what to say about the key (made on this first save, or '')."""
    require_change_rights(access)
    reg = registry()
    signer = reg.keys.site_signer()
    saved = reg.save(params, card, version=(name or "").strip() or None, signer=signer)
    made = _(" This site's signing key {key} was made for this first save, in {folder}; "
             "its public half is trusted.").format(key=signer.key_id, folder=reg.keys.root) \
        if signer.created else ""
    return saved, _("Signed with the site's key {key}.").format(key=signer.key_id) + made


def activate_version(access: Access, version: str) -> str:
    require_change_rights(access)
    registry().activate(version)
    forget_served_models()
    return version


def roll_back(access: Access) -> str:
    require_change_rights(access)
    version = registry().rollback()
    forget_served_models()
    return version


def previous_active(reg: Registry) -> str | None:
    """The version a rollback would serve (None when there is none)."""
    stack = active_stack(reg.history(tolerate_damage=True))
    return stack[-2] if len(stack) >= 2 else None


def save_controls(access: Access, key: str, params: dict, card_builder, what: str,
                  reviewed: str | None = None) -> None:
    """Name, notes and the save button of a model not saved yet; then its activation.

    ``card_builder(notes) -> ModelCard`` makes the card at save time; ``what`` is the save
    button's words; ``key`` prefixes the widget keys and holds the saved version in the session; ``reviewed`` names what the
    user confirms having read before activating.
    """
    saved_key = f"{key}_saved_version"
    saved = st.session_state.get(saved_key)
    if saved is None:
        left, right = st.columns(2)
        name = left.text_input(_("Version name (optional)"), key=f"{key}_version_name",
                               placeholder=_("default: UTC time and a hash"),
                               help=_("Letters, digits, '.', '_' or '-'. A version is never "
                                      "overwritten."))
        notes = right.text_input(_("Notes for the model card (optional)"), key=f"{key}_notes")
        if pressed(what, key=f"{key}_save",
                   disabled=not access.may_change, icon=":material/save:",
                   help=None if access.may_change else access.message):
            try:
                saved, signed = save_version(access, params, card_builder(notes), name)
            except RiskError as exc:
                st.error(_("Not saved: {reason}").format(reason=exc), icon=":material/error:")
                return
            st.session_state[saved_key] = saved
            flash("success", _("Saved as version {version}. {signed} It is not served yet: "
                               "activate it below once you have reviewed the report.").format(
                version=saved, signed=signed))
            st.rerun()
        return
    st.info(_("Saved as version **{version}**.").format(version=saved), icon=":material/save:")
    activation_controls(access, saved, key, reviewed)


def activation_controls(access: Access, version: str, key: str,
                        reviewed: str | None = None) -> None:
    """A confirmation checkbox and a button: nothing is activated by one click."""
    reviewed = reviewed or _("the validation report")
    reg = registry()
    if reg.active_version(tolerate_damage=True) == version:
        st.success(_("Version {version} is the active model.").format(version=version),
                   icon=":material/check_circle:")
        return
    confirmed = st.checkbox(
        _("I have reviewed {reviewed} and want version {version} served to clinicians "
          "from now on").format(reviewed=reviewed, version=version),
        key=f"{key}_confirm", disabled=not access.may_change)
    if pressed(_("Activate version {version}").format(version=version),
               key=f"{key}_activate", type="primary",
               disabled=not (confirmed and access.may_change),
               icon=":material/rocket_launch:"):
        _change(lambda: activate_version(access, version),
                lambda v: _("Version {version} is now the active model; the patient page "
                            "serves it.").format(version=v))


def _change(action, message) -> None:
    try:
        version = action()
    except RiskError as exc:
        st.error(_("Nothing changed: {reason}").format(reason=exc), icon=":material/error:")
        return
    flash("success", message(version))
    st.rerun()


def stored_c_index(card: ModelCard) -> str:
    """The card's best-founded Harrell's C, saying how it was measured ('' if none)."""
    metrics = card.metrics
    report = metrics.stored_report()
    sources = ([report.headline] if report else []) + [metrics]
    for source in sources:
        if source.harrell_c_corrected is not None:
            return _("{c} (optimism-corrected)").format(c=f"{source.harrell_c_corrected:.3f}")
    for source in sources:
        if source.harrell_c is not None:
            return f"{source.harrell_c:.3f}"
    apparent = metrics.c_index_apparent_training
    return _("{c} (apparent, training data)").format(c=f"{apparent:.3f}") \
        if apparent is not None else ""


def versions_table(reg: Registry) -> pd.DataFrame:
    """Every version: active mark, name, created, kind, parent, counts, its stored C-index,
    notes and status."""
    rows = []
    for r in reg.list_versions():
        card = reg.read(r.version)[1] if r.status == "ok" else ModelCard()
        rows.append([("●" if r.active else ""), r.version, r.created_utc or "",
                     version_history.kind_label(r.kind) if r.kind else "", r.parent or "",
                     r.patients, r.events, stored_c_index(card), card.notes or "",
                     r.signed_by or "", _(_STATUS_WORDS[r.status]) if r.status in _STATUS_WORDS
                     else r.status])
    return pd.DataFrame(rows, columns=[_(c) for c in VERSION_COLUMNS])


def retrain_versions_section(access: Access) -> None:
    """The history table, roll back to the previous version, or activate any other."""
    reg = registry()
    table = versions_table(reg)
    if table.empty:
        st.info(_("No model versions in {folder} yet.").format(folder=reg.root))
        return
    st.dataframe(table, hide_index=True, width="stretch", key="versions_table")
    active = reg.active_version(tolerate_damage=True)
    previous = previous_active(reg)
    st.markdown(_("**Roll back**"))
    if previous:
        confirmed = st.checkbox(_("Serve version {previous} again instead of {active}").format(
                                    previous=previous, active=active),
                                key="rollback_confirm", disabled=not access.may_change)
        if pressed(_("Roll back to {version}").format(version=previous), key="rollback",
                   icon=":material/undo:",
                   disabled=not (confirmed and access.may_change)):
            _change(lambda: roll_back(access),
                    lambda v: _("Rolled back: version {version} is the active model "
                                "again.").format(version=v))
    else:
        st.caption(_("No earlier active version to roll back to."))
    choices = [r.version for r in reg.list_versions() if r.status == "ok" and r.version != active]
    st.markdown(_("**Activate another version**"))
    if not choices:
        st.caption(_("No other loadable version."))
    else:
        chosen = st.selectbox(_("Version"), choices, index=None, key="choose_version",
                              placeholder=_("Choose a version..."))
        confirmed = st.checkbox(_("I want the chosen version served to clinicians from now "
                                  "on"),
                                key="choose_confirm",
                                disabled=not (access.may_change and chosen))
        if pressed(_("Activate the chosen version"), key="activate_chosen",
                   disabled=not (access.may_change and chosen and confirmed),
                   icon=":material/rocket_launch:"):
            _change(lambda: activate_version(access, chosen),
                    lambda v: _("Version {version} is now the active model.").format(
                        version=v))
    history = reg.history(tolerate_damage=True)
    if history:
        with st.expander(_("Activation history")):
            table = pd.DataFrame(history)[["utc", "action", "version", "previous"]].fillna("")
            table["action"] = [_(_ACTION_WORDS[a]) if a in _ACTION_WORDS else a for a in table["action"]]
            table.columns = [_("time (UTC)"), _("action"), _("version"), _("previous")]
            st.dataframe(table, hide_index=True, width="stretch", key="activation_history")
