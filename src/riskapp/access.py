"""Who may use the app and who may change the served model (save, activate, roll back).

**Exposure.** ``make run`` serves on loopback (127.0.0.1: this computer only). Served on
another address (``make run ADDRESS=0.0.0.0``: the clinic network), every page requires
sign-in when it is configured; without it, every page shows a loud notice and nobody may
change the registry (:func:`exposure_gate`).

Everyone who can open the retrain page may upload a cohort, train and compare in memory
(their own session only). Changing the registry is another matter:

- **local single-user mode**: no sign-in configured (no ``[auth]`` section in
  ``.streamlit/secrets.toml``) and no allow-list. The person at the keyboard runs the app
  for themselves; the page says so in a visible notice.
- **sign-in configured** (``[auth]``: Streamlit's ``st.login`` with an OpenID Connect
  provider): only signed-in users whose e-mail is on the allow-list
  ``[access] allowed = ["a@clinic.org", ...]`` may change the registry; e-mails are
  compared without regard to case, and one the provider marks unverified does not count.
- anything half-configured fails closed: an allow-list without sign-in, or sign-in
  without an allow-list, lets nobody change the registry, and the page says what to fix.

:func:`decide_access` is pure (plain mappings in, an :class:`Access` out) and tested with
fake users and secrets; :func:`current_access` feeds it Streamlit's ``st.secrets`` and
``st.user``. Every button that changes the registry is disabled unless ``may_change``,
and its handler checks again (:func:`require_change_rights`) before acting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from risk.errors import RiskError
from risk.i18n import N_, _

LOCAL, ALLOWED, NOT_LISTED, SIGNED_OUT, MISCONFIGURED = (
    "local", "allowed", "not_listed", "signed_out", "misconfigured")

LOCAL_NOTICE = N_(
    "Local single-user mode: sign-in is not configured, so anyone who can open this page "
    "can save, activate and roll back model versions. Configure sign-in and an allow-list "
    "(README, 'Access to retraining') before sharing this app with others.")


class AccessDenied(RiskError):
    """A registry change was asked for by someone not allowed to make it."""


@dataclass(frozen=True)
class Access:
    """The decision for the current user.

    Attributes
    ----------
    mode : str
        ``local``, ``allowed``, ``not_listed``, ``signed_out`` or ``misconfigured``.
    may_change : bool
        May save, activate and roll back model versions.
    user : str or None
        The signed-in e-mail, when there is one.
    message : str
        What the page tells the user (never a secret).
    """

    mode: str
    may_change: bool
    user: str | None
    message: str

    @property
    def can_sign_in(self) -> bool:
        return self.mode == SIGNED_OUT

    @property
    def can_sign_out(self) -> bool:
        return self.mode in (ALLOWED, NOT_LISTED)


def allow_list(secrets: Mapping) -> list[str] | None:
    """``[access] allowed`` as lower-case e-mails; None when absent or malformed."""
    section = secrets.get("access") if isinstance(secrets, Mapping) else None
    if not isinstance(section, Mapping) or "allowed" not in section:
        return None
    allowed = section["allowed"]
    if isinstance(allowed, str):
        allowed = [allowed]
    if not isinstance(allowed, list | tuple) or not all(isinstance(a, str) for a in allowed):
        return None
    emails = [a.strip().lower() for a in allowed if a.strip()]
    return emails or None


def auth_configured(secrets: Mapping) -> bool:
    """True when secrets hold a non-empty ``[auth]`` section (Streamlit's sign-in)."""
    section = secrets.get("auth") if isinstance(secrets, Mapping) else None
    return isinstance(section, Mapping) and len(section) > 0


#: Addresses that serve this computer only.
LOOPBACK = ("localhost", "::1", "ip6-localhost")


def is_loopback(address: str | None) -> bool:
    """True for an address only this computer reaches (an empty one binds everywhere)."""
    text = (address or "").strip().strip("[]").lower()
    return text in LOOPBACK or text.startswith("127.")


def network_notice(address: str | None) -> str:
    where = address or "every network interface"
    return (f"**Served on the network without sign-in** (address {where}): anyone who can "
            "reach this computer can use the app, and no one is identified. Saving, "
            "activating and rolling back model versions are disabled. Configure sign-in "
            "(README, 'Access to retraining') or serve on 127.0.0.1 only (`make run`).")


def decide_access(secrets: Mapping, user: Mapping, network: bool = False) -> Access:
    """Who may change the registry, from the app's secrets and the current user.

    Parameters
    ----------
    secrets : mapping
        ``st.secrets`` as a dict (``{}`` when there is no secrets file).
    user : mapping
        ``st.user`` as a dict: ``is_logged_in``, ``email``, ``email_verified`` ...
    network : bool
        The app is served on a non-loopback address: without sign-in nobody may change
        the registry.
    """
    has_auth, emails = auth_configured(secrets), allow_list(secrets)
    has_list_section = isinstance(secrets.get("access"), Mapping) and \
        "allowed" in secrets.get("access", {})
    if not has_auth:
        if has_list_section:
            return Access(MISCONFIGURED, False, None,
                          "An allow-list is set ([access] allowed in the secrets) but sign-in "
                          "([auth]) is not configured, so nobody can be identified: saving, "
                          "activating and rolling back are disabled.")
        if network:
            return Access(MISCONFIGURED, False, None,
                          "This app is served on the network without sign-in, so nobody "
                          "can be identified: saving, activating and rolling back are "
                          "disabled. Configure sign-in (README, 'Access to retraining').")
        return Access(LOCAL, True, None, _(LOCAL_NOTICE))
    if emails is None:
        return Access(MISCONFIGURED, False, None,
                      "Sign-in is configured but there is no allow-list of e-mails "
                      "([access] allowed = [\"name@clinic.org\"] in the secrets): saving, "
                      "activating and rolling back are disabled until there is one.")
    if not user.get("is_logged_in"):
        return Access(SIGNED_OUT, False, None,
                      "Sign in to save, activate or roll back model versions. Without "
                      "signing in you can upload, train and compare.")
    email = str(user.get("email") or "").strip()
    if not email:
        return Access(NOT_LISTED, False, None,
                      "Your sign-in gave no e-mail address, so the allow-list cannot be "
                      "checked: you can upload, train and compare, but not change the "
                      "served model.")
    if user.get("email_verified") is False:
        return Access(NOT_LISTED, False, email,
                      f"Signed in as {email}, but the provider has not verified this "
                      "e-mail: you can upload, train and compare, but not change the "
                      "served model.")
    if email.lower() in emails:
        return Access(ALLOWED, True, email,
                      f"Signed in as {email}: you may save, activate and roll back model "
                      "versions.")
    return Access(NOT_LISTED, False, email,
                  f"Signed in as {email}, who is not on the allow-list: you can upload, "
                  "train and compare, but not save, activate or roll back. Ask the app's "
                  "administrator to add you.")


def require_change_rights(access: Access) -> None:
    """Raise :class:`AccessDenied` unless ``access`` allows changing the registry."""
    if not access.may_change:
        raise AccessDenied("Not allowed: " + access.message)


def auth_providers(secrets: Mapping) -> list[str | None]:
    """Named providers (``[auth.google]``...) or ``[None]`` for the unnamed one."""
    section = secrets.get("auth") if isinstance(secrets, Mapping) else None
    if not isinstance(section, Mapping):
        return []
    named = [name for name, value in section.items() if isinstance(value, Mapping)]
    return named or [None]


# ---------------------------------------------------------------- Streamlit side
def _secrets_dict() -> dict:
    import streamlit as st

    try:
        return st.secrets.to_dict()
    except (FileNotFoundError, KeyError, ValueError, OSError, RuntimeError):
        return {}
    except Exception:  # noqa: BLE001 - an unreadable secrets file: fail closed below
        return {"access": {"allowed": []}, "auth": {"unreadable": True}}


def _user_dict() -> dict:
    import streamlit as st

    try:
        return dict(st.user.to_dict())
    except Exception:  # noqa: BLE001 - no user information: treated as signed out
        return {}


def served_address() -> str | None:
    """The address the server listens on (``server.address``; empty: every interface)."""
    import streamlit as st

    return st.get_option("server.address") or None


def current_access() -> Access:
    """The decision for this session, from ``st.secrets``, ``st.user`` and the address."""
    return decide_access(_secrets_dict(), _user_dict(),
                         network=not is_loopback(served_address()))


def exposure_gate() -> None:
    """Before every page: on a non-loopback address, sign-in is required when configured,
    else a loud notice is shown."""
    import streamlit as st

    address = served_address()
    if is_loopback(address):
        return
    secrets = _secrets_dict()
    if not auth_configured(secrets):
        st.error(network_notice(address), icon=":material/public:")
        return
    if _user_dict().get("is_logged_in"):
        return
    st.title("Sign in")
    st.info("This app is served on the clinic network: sign in to use it.",
            icon=":material/lock:")
    for provider in auth_providers(secrets):
        label = "Sign in" + (f" with {provider}" if provider else "")
        if st.button(label, key=f"gate_login_{provider or 'default'}"):
            _login(provider)
    st.stop()


def access_panel(access: Access) -> None:
    """The notice (always visible) and the sign-in/sign-out buttons."""
    import streamlit as st

    if access.mode == LOCAL:
        st.info(access.message, icon=":material/person:")
    elif access.may_change:
        st.success(access.message, icon=":material/verified_user:")
    else:
        st.warning(access.message, icon=":material/lock:")
    if access.can_sign_in:
        for provider in auth_providers(_secrets_dict()):
            label = "Sign in" + (f" with {provider}" if provider else "")
            if st.button(label, key=f"login_{provider or 'default'}"):
                _login(provider)
    elif access.can_sign_out and st.button("Sign out", key="logout"):
        st.logout()


def _login(provider: str | None) -> None:
    import streamlit as st

    try:
        st.login(provider) if provider else st.login()
    except Exception as exc:  # noqa: BLE001 - e.g. Authlib missing: say so, never crash
        st.error(f"Sign-in is configured but cannot start: {exc}. See README, 'Access to "
                 "retraining'.", icon=":material/error:")
