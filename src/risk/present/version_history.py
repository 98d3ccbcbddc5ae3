"""The versions of a registry as the Model and Retrain pages show them: a version's kind
and creation time in words, the version history and the activations and rollbacks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from risk.i18n import N_, Words, _

if TYPE_CHECKING:
    from risk.registry.store import Registry


#: A version's kind (the card's ``kind``) and a pointer event's action, in words.
KIND_WORDS = Words({"trained": N_("trained"), "recalibrated": N_("recalibrated")})
ACTIONS = Words({"activate": N_("activate"), "rollback": N_("rollback")})
#: The version history's columns (``patients``, ``deaths``: counts, formatted by the page).
HISTORY_COLUMNS = Words({"version": N_("Version"), "created": N_("Created (UTC)"),
                         "kind": N_("Kind"), "parent": N_("Parent"), "active": N_("Active"),
                         "patients": N_("Patients"), "deaths": N_("Deaths"),
                         "status": N_("Status")})


def kind_label(kind: str | None) -> str:
    """A version's kind in words ("?" when the card does not say)."""
    return KIND_WORDS.get(kind, kind) if kind else "?"


def created_words(created_utc: str | None) -> tuple[str, str]:
    """When a version was created, as (date, time) in the current language's formats
    ("2 Dec 2026" style and "17:03 UTC"); ("?", "") when the card does not say."""
    from datetime import UTC, datetime

    from risk.i18n import format_date, format_time

    if not created_utc:
        return "?", ""
    try:
        when = datetime.fromisoformat(created_utc.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:  # written by hand: shown as it is
        return created_utc, ""
    return format_date(when), _("{time} UTC").format(time=format_time(when))


def version_history(registry: Registry) -> pd.DataFrame:
    """Every version of a :class:`risk.registry.store.Registry`: created (UTC), kind, parent,
    active, status, training patients and deaths; newest first."""
    columns = HISTORY_COLUMNS.values()
    rows = [dict(zip(columns, (v.version, v.created_utc or "", kind_label(v.kind), v.parent or "",
                               _("yes") if v.active else "", v.patients, v.events,
                               _("ok") if v.status == "ok" else v.status), strict=True))
            for v in registry.list_versions()]
    return pd.DataFrame(rows[::-1], columns=list(columns))


def activation_history(registry: Registry) -> pd.DataFrame:
    """Activations and rollbacks, newest first: when (UTC), action, version served and
    the version served before."""
    columns = [_("When (UTC)"), _("Action"), _("Version"), _("Before")]
    rows = [dict(zip(columns, (e.get("utc", ""), ACTIONS.get(e.get("action", ""),
                                                             e.get("action", "")),
                               e.get("version", ""), e.get("previous") or ""), strict=True))
            for e in registry.history()[::-1]]
    return pd.DataFrame(rows, columns=columns)
